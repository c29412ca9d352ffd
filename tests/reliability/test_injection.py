"""Injection: no text from a request or a command line
reaches a query as query text, on every GET route and parameter and the
`kg` commands that take names, on the embedded, memory and remote
(Oxigraph server) backends.

Routes and parameters are read from the app, never listed here: every GET
rule of `app.url_map` (its path variables get the payloads, URL-quoted),
and for each the query parameters the OpenAPI document declares
(`/api/openapi.json`, `webapp/openapi.py`) or, for routes outside the JSON
API, `webapp.parameters.PAGE_PARAMETERS`.  A GET route declared in neither
fails the test, and so does a view that reads a parameter its declaration
lacks, or a declared parameter its view never reads (every `request.args`
read is recorded while the test runs).  Only
`/sparql`'s `query` is left out (the public endpoint's policy has its own
tests, `tests/reliability/test_sparql_abuse.py`); its other parameters get
the payloads, with a normal query beside them.

Each payload goes where a normal value of that parameter leads: for each
route and parameter the test first finds the fewest other parameters
(normal values, taken from the seeded graph) with which a normal value
answers 2xx, then sends each payload with the same companions.

Runtime: rdflib takes 0.1-0.5 s a query, so the backends run different
shares of the payloads, every route and parameter on each (`SUBSETS`):
all of them on the embedded store, the first of each class on the
Oxigraph server, the first of each class that could end a term in query
text on the memory store.  The counts are printed (`-s`).

The witness is a real TCP listener on 127.0.0.1 that counts every
connection; payloads name it in SERVICE clauses, IRIs and FROM clauses
(rdflib, the memory backend's engine, fetches FROM graphs).  A control
test shows each backend's engine does connect to it when it is handed
SERVICE directly, so "0 connections" means something.
"""
from __future__ import annotations

import contextlib
import io
import json
import re
import time
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

import lxml.html
import pytest
from click.testing import CliRunner

from kg import KnowledgeGraph, read


from ..conftest import SAMPLES
from ..webapp.conftest import OUTPUT

#: The backends, by the names `settings_for` takes ("sparql" is the
#: Oxigraph server the session fixture starts).
BACKENDS = ["embedded", "memory", "sparql"]
#: The sample articles seeded on every backend (three of the project's own
#: samples: enough relations for every route's normal answer, small enough
#: for rdflib).
SEED = ("ketamine-in-emergency-care.html", "esketamine-nasal-spray.md",
        "lorazepam-for-short-term-anxiety.txt")
BASE = "http://localhost:8000/"
#: The public endpoint's query: its policy has its own tests
#: (tests/reliability/test_sparql_abuse.py, tests/kg/test_sparql_policy.py).
SKIPPED = {("sparql.endpoint", "query")}
#: Views that parse the raw query string themselves (the SPARQL protocol:
#: repeated names, strict UTF-8), unseen by the `request.args` recorder.
RAW_QUERY_STRING = {"sparql.endpoint"}
#: Parameters whose value is SPARQL text by contract (checked by the public
#: policy): a 4xx there may name the parse error's position.
SPARQL_TEXT = {"construct"}
#: Parameters whose value is search text: a 2xx may show hits for its words.
FREE_TEXT = {"q"}
#: A one-line message longer than this is not read; it echoes the value.
MAX_MESSAGE = 1000
#: Text that only an engine's parser error or a crash writes.
ENGINE_DUMP = re.compile(r"expected one of|error at \d+:\d+|\(at char \d+\)|syntax error|"
                         r"Traceback|ParseException|pyparsing|File \"|line:\d+, col:\d+|"
                         r"Parser error|oxigraph|rdflib", re.I)
#: Our resources in an answer: the data a break-out would smuggle in.
RESOURCE = re.compile(r"(?:http://localhost:8000)?/(?:entity|claim|article|relation)/[^\s\"'<>?#]+")


def payloads(listener: str) -> list[tuple[str, str | bytes]]:
    """(class, value): the hostile corpus, naming the listener's address.
    The first of each class is its representative (see `corpus_for`)."""
    svc = f"SERVICE <{listener}> {{ ?x ?y ?z }}"
    return [
        ("normal", "NMDA receptor"), ("normal", "no-such-thing"),
        ("iri-breakout", f"http://a> }} OPTIONAL {{ {svc} }} VALUES ?q {{ <http://b"),
        ("iri-breakout", "x>"),
        ("iri-breakout", f"{BASE}entity/ketamine> ?p ?o }} UNION {{ {svc} }} #"),
        ("iri-breakout", f"<{listener}>"),
        ("iri-listener", listener),
        ("literal-breakout", f'x" ) }} UNION {{ {svc} }} #'),
        ("literal-breakout", f"x' ) }} UNION {{ {svc} }} #"),
        ("literal-breakout", f'x\\" ) }} UNION {{ {svc} }} #'),
        ("literal-breakout", "x\\"),
        ("literal-breakout", f'x""" ) }} {svc} #'),
        ("literal-breakout", f"x''' ) }} {svc} #"),
        ("comment", f'ketamine" # \n }} UNION {{ {svc} }}'),
        ("comment", "ketamine # }"),
        ("union", f"ketamine> }} UNION {{ ?e ?p ?o . {svc} }} #"),
        ("union", "} UNION { ?s ?p ?o }"),
        ("service", svc),
        ("service", f"http://a> . {svc} . <http://b"),
        ("from", f"x> }} }} FROM <{listener}> WHERE {{ {{ ?s ?p ?o"),
        ("from", f"http://a> FROM NAMED <{listener}> <http://b"),
        ("escape", f"http://a\\u003E }} {svc} <http://b"),
        ("escape", f"http://a\\U0000003E }} {svc} <http://b"),
        ("escape", 'x\\u0022 ) } UNION { ?s ?p ?o } #'),
        ("percent", f"http://a%3E%20%7D%20{urllib.parse.quote(svc)}%20%3Chttp://b"),
        ("percent", "x%253E%2520%257D"),
        ("nul", f"http://a\x00> }} {svc} <http://b"),
        ("nul", "ketamine\x00"),
        ("control", "a\r\nb\tc\x0b\x0c"),
        ("control", "\x01\x02\x1b[31m\x7f\u2028\u202e\ufeff"),
        ("long", "http://a/" + "b" * 100_000),
        ("long", f"x> }} {svc} " * 200),
        ("non-ascii", "kétamine кетамин 氯胺酮 😀"),
        ("bad-utf8", b"ket\xffamine\xed\xa0\x80"),
    ]


#: The classes whose values could end a term in an engine's query text:
#: the memory backend (rdflib, ~0.1-0.5 s a query) runs their
#: representatives (those of "union" and "service" are IRI break-outs and
#: plain text, covered by "iri-breakout" and the literal classes).
ENGINE_CLASSES = ("iri-breakout", "literal-breakout", "comment", "from", "escape", "nul")
#: Payloads per backend: every payload on the embedded store; the first of
#: each class on the remote one; the first of each engine class on memory.
#: Every route and parameter gets them on all three.
SUBSETS = {"embedded": "all", "sparql": "one per class", "memory": "one per engine class"}


def corpus_for(backend: str, corpus: list) -> list:
    subset, seen, out = SUBSETS[backend], set(), []
    for kind, value in corpus:
        if subset == "all" or kind not in seen and (
                subset == "one per class" or kind in ENGINE_CLASSES):
            out.append((kind, value))
        seen.add(kind)
    return out


# ------------------------------------------------------------------ the site

class Site:
    """A seeded graph on one backend, the real app over it, and normal
    values for every parameter name, read from the data."""

    def __init__(self, backend, graph, app, listener):
        self.backend, self.graph, self.app, self.listener = backend, graph, app, listener
        self.recorder = Recorder(app)  # before the first request
        # No cookie jar: it re-parses every (100 KB) URL twice per request.
        self.client = app.test_client(use_cookies=False)
        rows = self.client.get("/api/relations", query_string={"entity": "ketamine"}).json
        row = rows["relations"][0]
        key = graph.minter.local
        subject, obj = key(row["subject"]["iri"], "entity"), key(row["object"]["iri"], "entity")
        evidence = row["evidence"][0]
        article = evidence["article"]
        claim = evidence["claim"].rsplit("/", 1)[-1]
        static = sorted(p for p in (Path(__file__).parents[2] / "webapp" / "static").iterdir()
                        if p.suffix == ".css")[0].name
        #: Name -> a value that answers 2xx, or candidates tried in turn (None:
        #: a parameter that is only ever refused, never sent as a companion).
        self.normal: dict[str, str | tuple[str, ...] | None] = {
            "key": subject, "subject": subject, "entity": subject, "from": subject,
            "obj": obj, "object": obj, "to": obj, "predicate": row["predicate"],
            "modality": evidence["modality"], "claim_id": claim, "article_id": article,
            "article": article, "type_name": "Drug", "type": "Drug", "filename": static,
            "q": "ketamine", "depth": "1", "page": "1", "limit": "5", "offset": "0", "k": "2",
            "max_hops": "3", "min_articles": "1", "unmapped": "1", "direction": "both",
            "kind": "entity", "format": ("ttl", "json", "svg"),
            "subject_type": "Drug", "object_type": "Condition",
            "sort": ("subject", "name", "title"),
            "facets": "1",
            "construct": "CONSTRUCT { ?s hkg:treats ?o } WHERE { ?s hkg:treats ?o }",
            "query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1",
            "default-graph-uri": str(graph.minter.article(article)),
            "named-graph-uri": str(graph.minter.article(article)),
            "update": None,
            "iri": str(graph.minter.article(article)),
        }


def _seed(graph) -> None:
    for name in SEED:
        result = graph.ingest_file(SAMPLES / name)
        assert result.ok, result.error


@pytest.fixture(params=BACKENDS)
def site(request, settings_for, listener):
    from webapp import create_app

    settings = settings_for(request.param)
    graph = KnowledgeGraph.open(settings, write=True)
    _seed(graph)
    app = create_app(settings, graph=graph)
    try:
        yield Site(request.param, graph, app, listener)
    finally:
        app.extensions["kg_sparql"].runner.close()
        graph.close()


# ------------------------------------------------------------------ routes

_VARIABLE = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


class Route:
    """One GET rule: its path variables and declared query parameters."""

    def __init__(self, rule, declared: dict[str, dict]):
        self.rule, self.endpoint = rule.rule, rule.endpoint
        self.variables = _VARIABLE.findall(rule.rule)
        #: Query parameter name -> OpenAPI schema ({} for a page's).
        self.declared = declared
        self.required = [n for n, s in declared.items() if s.get("required")]

    def path(self, values: dict[str, str | bytes]) -> str:
        return _VARIABLE.sub(lambda m: urllib.parse.quote(values[m.group(1)], safe=""),
                             self.rule)

    @property
    def parameters(self) -> list[tuple[str, str]]:
        """(where, name) of every value the route takes from a URL."""
        return [("path", v) for v in self.variables] + \
            [("query", n) for n in self.declared if (self.endpoint, n) not in SKIPPED]


def _openapi_path(rule: str) -> str:
    return _VARIABLE.sub(lambda m: "{" + m.group(1) + "}", rule)


def routes(app) -> tuple[list[Route], list[str]]:
    """Every GET rule with its declared parameters, and the rules that are
    declared nowhere."""
    from webapp.parameters import PAGE_PARAMETERS

    document = app.test_client().get("/api/openapi.json").json
    routes, undeclared = [], []
    get_endpoints = {r.endpoint for r in app.url_map.iter_rules() if "GET" in r.methods}
    undeclared += [f"{e} is in PAGE_PARAMETERS but is no GET route"
                   for e in sorted(set(PAGE_PARAMETERS) - get_endpoints)]
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods:
            continue
        operation = document["paths"].get(_openapi_path(rule.rule), {}).get("get")
        if operation is not None:
            declared = {p["name"]: {**p.get("schema", {}), "required": p.get("required")}
                        for p in operation.get("parameters", []) if p["in"] == "query"}
        elif rule.endpoint in PAGE_PARAMETERS:
            declared = {name: {} for name in PAGE_PARAMETERS[rule.endpoint]}
        else:
            undeclared.append(f"{rule.rule} ({rule.endpoint})")
            continue
        routes.append(Route(rule, declared))
    return routes, undeclared


def _schema_value(schema: dict) -> str | None:
    if "enum" in schema:
        return str(schema["enum"][0])
    items = schema.get("items", {})
    if "enum" in items:
        return str(items["enum"][0])
    if schema.get("type") == "integer":
        return str(schema.get("minimum", 1))
    return None


# ------------------------------------------------------------------ requests

class Recorder:
    """Installs a `request.args` that records the names each view reads."""

    def __init__(self, app):
        from flask import request
        from werkzeug.datastructures import ImmutableMultiDict

        self.reads: dict[str, set[str]] = {}
        reads = self.reads

        class Recording(ImmutableMultiDict):
            def _seen(self, name):
                from flask import request as current

                reads.setdefault(current.endpoint or "?", set()).add(name)

            def get(self, key, default=None, type=None):
                self._seen(key)
                return super().get(key, default, type)

            def getlist(self, key, type=None):
                self._seen(key)
                return super().getlist(key, type)

            def __getitem__(self, key):
                self._seen(key)
                return super().__getitem__(key)

            def __contains__(self, key):
                self._seen(key)
                return super().__contains__(key)

        @app.before_request
        def _record():
            request.args = Recording(list(request.args.items(multi=True)))


def _query_string(params: dict[str, str | bytes]) -> str:
    return "&".join(f"{urllib.parse.quote(k, safe='')}={urllib.parse.quote(v, safe='')}"
                    for k, v in params.items())


class Answer:
    def __init__(self, response, url: str):
        self.url, self.status = url, response.status_code
        self.mimetype = response.mimetype or ""
        self.body = response.get_data()
        self.location = response.headers.get("Location")
        response.close()

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def _get(site: Site, path: str, params: dict[str, str | bytes]) -> Answer:
    query = _query_string(params)
    response = site.client.get(path, query_string=query, headers={"Accept": "text/html"}
                               if not path.startswith("/api/") else {})
    return Answer(response, f"{path}?{query}" if query else path)


def _resources(answer: Answer) -> set[str]:
    """The graph's entities, claims, articles and relations an answer names
    (links on a page; IRIs and links in JSON, RDF or other files)."""
    if answer.mimetype == "text/html":
        root = lxml.html.fromstring(answer.body)
        found = set()
        for href in root.xpath("//@href | //@src"):
            match = RESOURCE.match(href)
            if match:
                found.add(match.group(0).removeprefix(BASE[:-1]))
        return found
    if answer.mimetype == "application/zip":
        with zipfile.ZipFile(io.BytesIO(answer.body)) as pack:
            text = " ".join(pack.read(n).decode("utf-8", "replace") for n in pack.namelist())
    else:
        text = answer.text
    return {m.removeprefix(BASE[:-1]) for m in RESOURCE.findall(text)}


def _json(answer: Answer):
    try:
        return json.loads(answer.body)
    except ValueError:
        return None


def _problems(answer: Answer, name: str, kind: str, baseline) -> list[str]:
    """What is wrong with one answer to a payload (empty: nothing)."""
    out = []
    where = f"{answer.url[:160]} [{kind}] -> {answer.status}"
    if answer.status >= 500:
        return [f"{where}: a 5xx: {answer.text[:200]!r}"]
    if 300 <= answer.status < 400:
        if answer.location and not answer.location.startswith(("/", "http://localhost/")):
            out.append(f"{where}: redirects elsewhere: {answer.location[:100]}")
        return out
    text = answer.text
    if answer.status >= 400:
        if answer.mimetype == "application/json":
            body = _json(answer)
            message = body.get("message") if isinstance(body, dict) else None
            if not isinstance(message, str) or not message.strip():
                return [f"{where}: a 4xx without a message: {text[:200]!r}"]
            if "\n" in message.strip():
                out.append(f"{where}: a message of several lines: {message[:200]!r}")
            if len(message) > MAX_MESSAGE:
                out.append(f"{where}: a message of {len(message)} characters: "
                           f"{message[:120]!r}")
            shown = message
        elif answer.mimetype == "text/html":
            root = lxml.html.fromstring(answer.body)
            shown = root.text_content()
            if not root.xpath("//main"):
                out.append(f"{where}: a 4xx page without the site's layout")
        elif answer.mimetype == "text/plain":
            shown = text
            if len(text.strip().splitlines()) != 1:
                out.append(f"{where}: a plain message of several lines: {text[:200]!r}")
            if len(text) > MAX_MESSAGE:
                out.append(f"{where}: a message of {len(text)} characters: {text[:120]!r}")
        else:
            return [f"{where}: a 4xx as {answer.mimetype}"]
        dump = ENGINE_DUMP.search(shown)
        if dump and name not in SPARQL_TEXT:
            out.append(f"{where}: shows engine text {dump.group(0)!r}: "
                       f"{shown.strip()[:240]!r}")
        return out
    # 2xx: a normal page or document, naming no resource that the same
    # request without the value would not name (an ignored or narrowing
    # value), unless the value is search text.
    if answer.mimetype == "text/html":
        root = lxml.html.fromstring(answer.body)
        if not root.xpath("//title") or not root.xpath("//main"):
            out.append(f"{where}: a 2xx that is not a normal page")
        dump = ENGINE_DUMP.search(root.text_content())
        if dump and name not in SPARQL_TEXT:
            out.append(f"{where}: a page showing engine text {dump.group(0)!r}")
    elif answer.mimetype == "application/json" and _json(answer) is None:
        out.append(f"{where}: a 2xx that is not JSON")
    if kind != "normal" and name not in FREE_TEXT:
        extra = _resources(answer) - baseline.names()
        if extra:
            out.append(f"{where}: names {len(extra)} resources the request without it does "
                       f"not, e.g. {sorted(extra)[:3]}")
    return out


# ------------------------------------------------------------------ the drive

def _candidates(site: Site, route: Route, name: str) -> tuple[str, ...]:
    """Normal values of a parameter, the likeliest first (empty: none)."""
    if name in site.normal:
        given = site.normal[name]
        return () if given is None else (given,) if isinstance(given, str) else given
    return (_schema_value(route.declared.get(name, {})) or "ketamine",)


def _value(site: Site, route: Route, name: str) -> str | None:
    return next(iter(_candidates(site, route, name)), None)


def _companions(site: Site, route: Route, where: str, name: str
                ) -> tuple[dict[str, str], bool]:
    """The fewest other query parameters (normal values) with which a
    normal value of `name` answers 2xx, and whether one was found."""
    others = [n for n in route.declared if n != name and _value(site, route, n) is not None]
    required = [n for n in route.required if n != name]
    tries = [required] + [required + [o] for o in others if o not in required] + \
        [required + [a, b] for i, a in enumerate(others) for b in others[i + 1:]
         if a not in required and b not in required]
    path_values = {v: _value(site, route, v) for v in route.variables}
    for names in tries:
        for candidate in _candidates(site, route, name):
            params = {n: _value(site, route, n) for n in names}
            values = dict(path_values)
            if where == "query":
                params[name] = candidate
            else:
                values[name] = candidate
            if _get(site, route.path(values), params).status < 300:
                return params, True
    return {n: _value(site, route, n) for n in required}, False


#: (rule, parameter) -> (companions, whether a normal value answered 2xx).
_COMPANIONS: dict[tuple[str, str], tuple[dict[str, str], bool]] = {}


class _Baseline:
    """What an answer to a payload may name: what the request names without
    the value (or with an unknown one in the path), and what the other
    values name themselves (a path's far end).  Asked for only when a
    payload answers 2xx."""

    def __init__(self, site, route, where, name, path_values, others):
        self.args = site, route, where, name, path_values, others
        self._names: set[str] | None = None

    def names(self) -> set[str]:
        if self._names is None:
            site, route, where, name, path_values, others = self.args
            values = {**path_values, name: "no-such-thing-7f3a"} if where == "path" \
                else path_values
            answer = _get(site, route.path(values), others)
            found = _resources(answer) if answer.status < 300 else set()
            given = [*others.values(), *(v for k, v in path_values.items() if k != name)]
            self._names = found | {f"/{kind}/{v}" for v in given
                                   for kind in ("entity", "article", "claim")}
        return self._names


def drive_routes(site: Site) -> dict:
    """Every route x parameter x payload; returns the counts and problems."""
    recorder = site.recorder
    found, undeclared = routes(site.app)
    corpus = corpus_for(site.backend, payloads(f"http://127.0.0.1:{site.listener.port}/sparql"))
    problems, pairs, requests, statuses = [], [], 0, {}
    unreached = []
    for route in found:
        for where, name in route.parameters:
            # The search for companions is the same on every backend (the
            # same seed): done once, on the first backend to run.
            key = (route.rule, name)
            if key not in _COMPANIONS:
                _COMPANIONS[key] = _companions(site, route, where, name)
            params, reached = _COMPANIONS[key]
            if not reached:
                unreached.append(f"{route.rule} {name}")
            pairs.append(key)
            path_values = {v: _value(site, route, v) for v in route.variables}
            others = {k: v for k, v in params.items() if k != name}
            baseline = _Baseline(site, route, where, name, path_values, others)
            for kind, payload in corpus:
                if where == "path":
                    answer = _get(site, route.path({**path_values, name: payload}), others)
                else:
                    answer = _get(site, route.path(path_values), {**params, name: payload})
                requests += 1
                statuses[answer.status // 100] = statuses.get(answer.status // 100, 0) + 1
                problems += _problems(answer, name, kind, baseline)
    declared = {r.endpoint: set(r.declared) for r in found}
    misread = sorted(f"{endpoint} reads {sorted(names - declared.get(endpoint, set()))}"
                     for endpoint, names in recorder.reads.items()
                     if endpoint in declared and names - declared[endpoint])
    # The other way round (which also shows the recorder works): a
    # declared parameter no view read is a stale declaration.
    unread = {endpoint: names - recorder.reads.get(endpoint, set())
              for endpoint, names in declared.items() if endpoint not in RAW_QUERY_STRING}
    misread += sorted(f"{endpoint} never reads {sorted(names)}"
                      for endpoint, names in unread.items() if names)
    return {"routes": len(found), "pairs": len(pairs), "payloads": len(corpus),
            "requests": requests, "statuses": statuses, "problems": problems,
            "undeclared": undeclared, "misread": misread, "unreached": unreached,
            "connections": list(site.listener.connections)}


def test_every_get_route_and_parameter_keeps_payloads_out_of_queries(site):
    """Every GET route x every parameter (path variables and declared query
    parameters) x every payload: no answer is a 5xx; a 4xx carries one
    plain message (JSON `message` of one line, the site's error page, or a
    one-line text; at most 1,000 characters) with no engine parser text
    and no traceback; a 2xx is a
    normal page or document that names no entity, claim, article or
    relation that the same request without the hostile value would not
    (search text excepted); and the listener named in the payloads saw no
    connection.  Every GET route is declared (OpenAPI or PAGE_PARAMETERS),
    no view reads an undeclared parameter or leaves a declared one unread,
    and a normal value of every
    parameter but `update` reaches a 2xx (so the payloads go where data
    goes)."""
    began = time.monotonic()
    result = drive_routes(site)
    took = time.monotonic() - began
    backend = site.backend
    print(f"\n[{backend}] {result['routes']} GET routes, {result['pairs']} route x parameter "
          f"pairs x {result['payloads']} payloads ({SUBSETS[backend]}) = "
          f"{result['requests']} requests in {took:.1f} s; statuses "
          f"{dict(sorted(result['statuses'].items()))}; listener connections "
          f"{len(result['connections'])}; problems {len(result['problems'])}")
    # Every bad answer, for the reader of a failure (CI keeps test-output/).
    OUTPUT.mkdir(exist_ok=True)
    (OUTPUT / f"injection-{backend}.txt").write_text(
        "\n".join(result["problems"] + [f"connection from {c}" for c in result["connections"]])
        + "\n", encoding="utf-8")
    assert result["undeclared"] == [], "GET routes whose parameters are declared nowhere"
    assert result["misread"] == [], "views reading parameters their declaration lacks, " \
        "or declarations naming parameters no view reads"
    assert result["problems"] == [], \
        f"{len(result['problems'])} bad answers:\n" + "\n".join(result["problems"][:60])
    assert _settled(site.listener) == [], "the engine connected to the listener"
    assert result["unreached"] == ["/sparql update"], \
        "parameters whose normal value never answers 2xx"
    assert result["requests"] == result["pairs"] * result["payloads"]


def _settled(listener) -> list:
    """The listener's connections, after its accept loop caught up."""
    time.sleep(0.3)
    return list(listener.connections)


# ------------------------------------------------------------------ the witness

@pytest.mark.parametrize("backend", BACKENDS)
def test_the_listener_sees_an_engine_that_is_handed_service(backend, listener, tmp_path,
                                                            request):
    """The control for every "0 connections" below: each backend's engine
    itself (pyoxigraph on disk, rdflib, the Oxigraph server), handed a
    SERVICE clause naming the listener directly (not through our store
    layer, which may refuse it), does connect to it."""
    target = f"http://127.0.0.1:{listener.port}/sparql"
    query = f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}"
    # Each fails (the listener hangs up) or, the server, streams an error
    # after a 200: only the connection is the witness.
    with contextlib.suppress(Exception):
        if backend == "embedded":
            import pyoxigraph

            list(pyoxigraph.Store(str(tmp_path / "ox")).query(query))
        elif backend == "memory":
            from rdflib import Dataset

            list(Dataset(default_union=True).query(query))
        else:
            server = request.getfixturevalue("oxigraph_server")
            ask = urllib.request.Request(f"{server}/query", data=query.encode(), headers={
                "Content-Type": "application/sparql-query"})
            urllib.request.urlopen(ask, timeout=30).read()
    assert len(_settled(listener)) >= 1


# ------------------------------------------------------------------ the CLI

@pytest.fixture(params=BACKENDS)
def seeded(request, settings_for):
    settings = settings_for(request.param)
    graph = KnowledgeGraph.open(settings, write=True)
    _seed(graph)
    yield request.param, settings, graph
    graph.close()


class _Held:
    """`KnowledgeGraph` as `kg.cli` sees it: `open` hands back the seeded
    graph (the memory backend's data lives only in this process; opening
    a store per command would also cost a second each), and the command's
    close leaves it open."""

    def __init__(self, graph):
        self.graph = graph

    def open(self, settings=None, write=True):
        graph = self.graph

        class Handle:
            def __getattr__(self, name):
                return getattr(graph, name)

            def close(self):
                pass

        return Handle()


def _cli_options(settings) -> list[str]:
    options = ["--data-dir", str(settings.data_dir), "--store", settings.store]
    if settings.store == "sparql":
        options += ["--sparql-query", settings.sparql_query,
                    "--sparql-update", settings.sparql_update]
    return options


def _cli_commands(graph, out: Path) -> dict[str, tuple]:
    """Command -> (arguments for a value, its normal value): every `kg`
    option that names an entity or an article."""
    article = read.articles(graph)[0].id
    record = read.claims(graph, article)[0]
    subject = graph.minter.local(record.subject.iri, "entity")
    obj = graph.minter.local(record.object.iri, "entity")
    export = ["export", "--format", "ttl", "-q", "-o", str(out)]
    return {
        "export --entity": (lambda v: export + ["--entity", v], subject),
        "export --article": (lambda v: export + ["--article", v], article),
        "export --from": (lambda v: export + ["--from", v, "--to", obj], subject),
        "export --to": (lambda v: export + ["--from", subject, "--to", v], obj),
        "claims --article": (lambda v: ["claims", "--article", v], article),
        "delete": (lambda v: ["delete", v], None),  # the control deletes last
    }


#: An export that holds no relation and no article (the names given, at most).
_EMPTY_EXPORT = re.compile(r"^wrote \S+ \(\d+ entit(?:y|ies), 0 relations, 0 articles\)$")


def _cli_problems(result, where: str, hostile: bool) -> list[str]:
    output = result.output
    if "Traceback" in output or not isinstance(result.exception, (SystemExit, type(None))):
        return [f"{where}: crashed: {result.exception!r} {output[-300:]!r}"]
    lines = [line for line in output.splitlines() if line.strip()]
    if result.exit_code != 0:
        out = []
        if len(lines) != 1 or not lines[0].startswith("Error: "):
            out.append(f"{where}: exit {result.exit_code} without one error line: "
                       f"{output[:300]!r}")
        dump = ENGINE_DUMP.search(output)
        if dump:
            out.append(f"{where}: shows engine text {dump.group(0)!r}: {output[:240]!r}")
        return out
    if hostile and lines and not (len(lines) == 1 and _EMPTY_EXPORT.match(lines[0])):
        return [f"{where}: exit 0 with output: {output[:300]!r}"]
    return []


def test_cli_names_keep_payloads_out_of_queries(seeded, listener, tmp_path, monkeypatch):
    """`kg export --entity/--article/--from/--to`, `kg claims --article`
    and `kg delete` with every payload, through click's CliRunner on the
    seeded graph, then the first IRI break-out (SERVICE) once more with
    each command opening the store itself: either a non-zero exit with
    exactly one `Error:` line and no engine parser text, or exit 0 with no
    output (an export holding no relation and no article); never a
    traceback; the listener saw no connection.  The normal values work
    (exit 0), and deleting a real article at the end succeeds, so the
    refusals are not a broken command."""
    from kg.cli import main as kg_cli

    backend, settings, graph = seeded
    monkeypatch.setattr("kg.cli.KnowledgeGraph", _Held(graph))
    corpus = corpus_for(backend, payloads(f"http://127.0.0.1:{listener.port}/sparql"))
    commands = _cli_commands(graph, tmp_path / "out.ttl")
    runner, problems, runs = CliRunner(), [], 0
    began = time.monotonic()
    for command, (arguments, normal) in commands.items():
        if normal is not None:
            result = runner.invoke(kg_cli, _cli_options(settings) + arguments(normal))
            assert result.exit_code == 0, (command, normal, result.output)
        for kind, payload in corpus:
            if isinstance(payload, bytes):  # argv bytes as Python sees them
                payload = payload.decode("utf-8", "surrogateescape")
            result = runner.invoke(kg_cli, _cli_options(settings) + arguments(payload))
            runs += 1
            problems += _cli_problems(result, f"kg {command} {payload[:80]!r} [{kind}]",
                                      kind != "normal")
    article = read.articles(graph)[0].id
    result = runner.invoke(kg_cli, _cli_options(settings) + ["delete", article])
    assert result.exit_code == 0 and result.output.strip() == f"deleted {article}"
    # The SERVICE break-out once more with each command opening the store
    # itself, as a user's `kg` does (memory: a store of its own, empty).
    graph.close()
    monkeypatch.setattr("kg.cli.KnowledgeGraph", KnowledgeGraph)
    breakout = next(value for kind, value in corpus if kind == "iri-breakout")
    for command in ("export --entity", "claims --article", "delete"):
        result = runner.invoke(kg_cli, _cli_options(settings) + commands[command][0](breakout))
        problems += _cli_problems(result, f"kg {command} {breakout[:60]!r} (own store)", True)
    print(f"\n[{backend}] CLI: {len(commands)} command options x {len(corpus)} payloads "
          f"({SUBSETS[backend]}) = "
          f"{runs} runs in {time.monotonic() - began:.1f} s; problems {len(problems)}")
    assert problems == [], f"{len(problems)} bad runs:\n" + "\n".join(problems[:40])
    assert _settled(listener) == [], "the engine connected to the listener"
    assert runs == len(commands) * len(corpus)
