"""`/sparql`: the SPARQL 1.1 Protocol endpoint, its editor page, the Service
Description, and the VoID description at `/.well-known/void`.

Views stay thin: the policy, limits, result formats and the descriptions'
content are `kg.sparql`'s (the descriptions: `kg.sparql.catalogue`), the
per-client budget is `webapp.ratelimit`'s; this module reads the protocol
request, negotiates the format, applies the budget and renders.  Protocol
errors are answered in plain text (what SPARQL clients show their users);
a browser gets the editor page with the message instead.
"""
from __future__ import annotations

import json
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from flask import (Blueprint, Flask, Response, current_app, g, render_template, request,
                   url_for)
from rdflib import Graph
from werkzeug.exceptions import HTTPException

from kg import KGError, QueryError
from kg.errors import quoted
from kg.formats import FORMATS, of_kind
from kg.sparql import (Answer, DatasetCounts, EngineBusy, Limits, QueryRunner, QueryTimeout,
                       UpdateRefused, check_query, dataset_counts, examples, service_description,
                       void_description)
from kg.terms import PREFIXES, XSD

from .negotiation import Format, NotAcceptable, choose, prefers_html
from .ratelimit import ClientBudget
from .state import get_graph

__all__ = ["SparqlService", "bp", "init_app"]

bp = Blueprint("sparql", __name__)

HTML = FORMATS["html"]
#: What a SELECT or ASK can be answered as, in preference order (so `*/*`
#: gets JSON); HTML last, so only a client that names it gets the editor.
TABLE_OFFERS = (*of_kind("table"), HTML)
#: What a CONSTRUCT or DESCRIBE (and the descriptions) can be answered as.
GRAPH_OFFERS = (*of_kind("graph"), HTML)
_VOID_TTL = 60.0


@dataclass
class SparqlService:
    """The endpoint's per-app state, in `app.extensions["kg_sparql"]`."""

    runner: QueryRunner
    budget: ClientBudget = field(default_factory=ClientBudget)
    _void: tuple[float, DatasetCounts] | None = None
    #: Queries in the endpoint at once (running or waiting for a worker),
    #: 2 per worker.  Each holds a server thread, so past this many the
    #: rest are refused at once and pages keep their threads (10
    #: runaway queries).  Long queries hold at most `long_queries` of them;
    #: the others turn over within the long-query threshold, so short
    #: queries get in while long ones run.
    slots: threading.BoundedSemaphore = field(
        default_factory=lambda: threading.BoundedSemaphore(4))

    def counts(self) -> DatasetCounts:
        """The VoID counts, recomputed at most once a minute."""
        now = time.monotonic()
        if self._void is None or now - self._void[0] > _VOID_TTL:
            self._void = (now, dataset_counts(self.runner.graph))
        return self._void[1]


def init_app(app: Flask, limits: Limits | None = None, budget: ClientBudget | None = None,
             workers: int | None = None, long_queries: int | None = None) -> SparqlService:
    """Give the app its SPARQL service and register the blueprint.

    `workers` and `long_queries` default to the settings' `query_workers`
    and `long_queries` (`KG_QUERY_WORKERS`, `KG_LONG_QUERIES`).
    """
    graph = app.extensions["kg"]
    settings = app.config.get("KG_SETTINGS") or graph.settings
    limits = limits or Limits.public(settings)
    runner = QueryRunner(graph, limits,
                         workers=settings.query_workers if workers is None else workers,
                         long_queries=settings.long_queries if long_queries is None
                         else long_queries, memory_mb=settings.query_memory)
    service = SparqlService(runner, budget or ClientBudget(),
                            slots=threading.BoundedSemaphore(2 * runner.workers))
    app.extensions["kg_sparql"] = service
    app.register_blueprint(bp)
    return service


def _service() -> SparqlService:
    return current_app.extensions["kg_sparql"]


# ------------------------------------------------------------------ protocol

@dataclass
class _Request:
    query: str | None
    default_graphs: list[str]
    named_graphs: list[str]
    formats: tuple[str, ...] = ()


def _pairs(raw: bytes, what: str) -> list[tuple[str, str]]:
    try:
        return urllib.parse.parse_qsl(raw.decode("ascii"), keep_blank_values=True,
                                      encoding="utf-8", errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise QueryError(f"the {what} is not valid UTF-8 form data") from None


def _one(pairs: list[tuple[str, str]], name: str) -> str | None:
    values = [v for k, v in pairs if k == name]
    if len(values) > 1:
        raise QueryError(f"the request has {len(values)} `{name}` parameters; send exactly one")
    return values[0] if values else None


def _protocol_request() -> _Request:
    """The query and dataset of a SPARQL 1.1 Protocol request, or a 4xx."""
    url = _pairs(request.query_string, "query string")
    body: list[tuple[str, str]] = []
    query = None
    if request.method == "POST":
        kind = request.mimetype
        if kind == "application/x-www-form-urlencoded":
            body = _pairs(request.get_data(), "request body")
            if any(k == "query" for k, _ in url):
                raise QueryError("a form POST carries the query in its body, not in the URL")
            query = _one(body, "query")
            if query is None and not any(k == "update" for k, _ in body):
                raise QueryError("the form has no `query` field")
        elif kind == "application/sparql-query":
            if any(k == "query" for k, _ in url):  # two queries: which one runs?
                raise QueryError("a direct POST carries the query in its body, not in the URL")
            charset = request.mimetype_params.get("charset", "utf-8").lower()
            if charset not in ("utf-8", "utf8"):
                raise QueryError(f"the query must be sent as UTF-8, not {charset}")
            try:
                query = request.get_data().decode("utf-8")
            except UnicodeDecodeError:
                raise QueryError("the query is not valid UTF-8") from None
        elif kind == "application/sparql-update":
            raise UpdateRefused("this endpoint is read-only: SPARQL Update is not accepted")
        elif not kind:
            raise QueryError("a POST needs a Content-Type: application/x-www-form-urlencoded "
                             "or application/sparql-query")
        else:
            raise _UnsupportedType(kind)
    else:
        query = _one(url, "query")
    if any(k == "update" for k, _ in url + body):
        raise UpdateRefused("this endpoint is read-only: SPARQL Update is not accepted")
    pairs = url + body
    g.sparql_request = _Request(query, [v for k, v in pairs if k == "default-graph-uri"],
                                [v for k, v in pairs if k == "named-graph-uri"],
                                tuple(v for k, v in pairs if k == "format"))
    return g.sparql_request


class _UnsupportedType(QueryError):
    status = 415

    def __init__(self, kind: str):
        super().__init__(f"unsupported Content-Type {kind}; send the query as "
                         "application/x-www-form-urlencoded or application/sparql-query")


def _negotiate(offers: tuple[Format, ...], overrides: tuple[str, ...] = ()) -> Format:
    """The format to answer in: `format=` (a name, alias or media type of
    one of the offers) wins over the Accept header and its q-values.

    Clients repeat `format` (SPARQLWrapper sends `format=tsv&format=text/
    tab-separated-values`, or a comma-separated list, or an empty one): the
    first value that names an offer wins.
    """
    wanted = [w.strip().lower() for value in overrides for w in value.split(",") if w.strip()]
    if wanted:
        for name in wanted:
            for offer in offers:
                if name in (offer.name, offer.media_type, *offer.aliases):
                    return offer
        names = ", ".join(f.name for f in offers if f is not HTML)
        raise _NotAcceptable(f"format {quoted(overrides[0])} does not fit this query; use one of "
                             f"{names}", 400)
    try:
        return choose(request.headers.get("Accept"), None, offers)
    except NotAcceptable as err:
        raise _NotAcceptable(str(err), 406) from None


class _NotAcceptable(QueryError):
    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


def _client() -> str:
    # Behind a reverse proxy, wrap the app in werkzeug's ProxyFix so that
    # remote_addr is the analyst's address, not the proxy's.
    return request.remote_addr or "?"


def _run(query, fmt: str, protocol: _Request) -> Answer:
    service, client = _service(), _client()
    if not service.slots.acquire(blocking=False):
        raise EngineBusy("too many queries are running or waiting at this endpoint; try again "
                         "in a moment")
    try:
        service.budget.admit(client)
        began = time.monotonic()
        cost = None
        try:
            return service.runner.run(query, fmt, protocol.default_graphs or None,
                                      protocol.named_graphs or None)
        except QueryTimeout:
            cost = service.runner.limits.timeout
            raise
        finally:
            service.budget.charge(client,
                                  cost if cost is not None else time.monotonic() - began)
    finally:
        service.slots.release()


def _result_response(answer: Answer) -> Response:
    # The media type as written, charset included (Werkzeug 3 has no
    # `Response.charset` to set afterwards).
    response = Response(answer.body, content_type=answer.media_type)
    response.headers["X-Result-Rows"] = str(answer.rows)
    if answer.truncated:
        limits = _service().runner.limits
        response.headers["X-Result-Truncated"] = \
            f"rows={limits.max_rows}; bytes={limits.max_result_bytes}"
    response.headers["Server-Timing"] = f"sparql;dur={answer.elapsed * 1000:.1f}"
    return response


@bp.route("/sparql", methods=["GET", "POST"])
def endpoint():
    """SPARQL 1.1 Protocol: a query by GET, form POST or direct POST; the
    editor for browsers; the Service Description when asked for no query."""
    protocol = _protocol_request()
    if protocol.query is None:
        if _negotiate(GRAPH_OFFERS, protocol.formats) is HTML:
            return _editor(protocol, None)
        description = service_description(
            url_for("sparql.endpoint", _external=True), url_for("sparql.void", _external=True),
            _service().runner.limits, _service().counts())
        return _rdf_response(description, _negotiate(GRAPH_OFFERS[:-1], protocol.formats))
    checked = check_query(protocol.query, get_graph().settings.base_iri,
                          _service().runner.limits)
    fmt = _negotiate(TABLE_OFFERS if checked.kind == "table" else GRAPH_OFFERS, protocol.formats)
    if fmt is HTML:
        return _editor(protocol, checked)
    response = _result_response(_run(checked, fmt.name, protocol))
    response.headers["Vary"] = "Accept"
    return response


@bp.get("/.well-known/void")
def void():
    """VoID: the dataset, its endpoint, vocabularies, and counts by class and
    predicate (Turtle, N-Triples, RDF/XML or JSON-LD); a browser (Accept
    naming text/html above Turtle, or `?format=html`) gets the same counts
    as a page (issue 18)."""
    counts = _service().counts()
    formats = tuple(request.args.getlist("format"))
    if prefers_html(request.headers.get("Accept"), formats[0] if formats else None,
                    "text/turtle"):
        response = Response(render_template(
            "void.html", counts=counts, curie=_curie,
            endpoint=url_for("sparql.endpoint"), base_iri=get_graph().settings.base_iri,
            formats=[f for f in GRAPH_OFFERS if f is not HTML]), mimetype="text/html")
        response.headers["Vary"] = "Accept"
        return response
    description = void_description(
        url_for("sparql.void", _external=True), url_for("sparql.endpoint", _external=True),
        get_graph().settings.base_iri, counts)
    return _rdf_response(description, _negotiate(GRAPH_OFFERS[:-1], formats))


@bp.after_request
def _cors(response: Response) -> Response:
    # A public, read-only, credential-free endpoint: other sites' SPARQL
    # editors may query it from the browser.
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = "X-Result-Rows, X-Result-Truncated, " \
        "Retry-After"
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = "GET, POST"
        response.headers["Access-Control-Allow-Headers"] = "Content-Type, Accept"
    return response


# ------------------------------------------------------------------ errors

def _error(status: int, message: str, retry_after: int | None = None):
    if request.path == "/sparql" and request.method in ("GET", "POST") and _wants_html():
        protocol = g.get("sparql_request") or _Request(None, [], [])
        response = _editor(protocol, None, error=message, status=status)
    else:
        response = Response(f"{status} {message}\n", status=status, mimetype="text/plain")
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


def _wants_html() -> bool:
    try:
        return choose(request.headers.get("Accept"), None, TABLE_OFFERS) is HTML
    except NotAcceptable:
        return False


@bp.errorhandler(KGError)
def _kg_error(err: KGError):
    return _error(err.status, str(err), getattr(err, "retry_after", None))


@bp.errorhandler(HTTPException)
def _http_error(err: HTTPException):
    return _error(err.code or 500, err.description or err.name)


# ------------------------------------------------------------------ editor

def _editor(protocol: _Request, checked, error: str | None = None, status: int = 200):
    """The editor page; with a query, its results rendered server-side (the
    page works without JavaScript and its URL is shareable)."""
    service = _service()
    service.runner.warm()  # a browser on the editor is about to run queries
    result = None
    if checked is not None and error is None:
        try:
            answer = _run(checked, "json" if checked.kind == "table" else "ttl", protocol)
            result = _page_result(answer)
        except KGError as err:
            error, status = str(err), err.status
    limits = service.runner.limits
    query = protocol.query if protocol.query is not None else _default_query()
    response = Response(render_template(
        "sparql.html", query=query, result=result, error=error, status=status,
        examples=examples(), limits=limits, base_iri=get_graph().settings.base_iri,
        prefixes=PREFIXES, formats=_download_formats(checked),
        endpoint=url_for("sparql.endpoint", _external=True)), status=status,
        mimetype="text/html")
    response.headers["Vary"] = "Accept"
    return response


def _default_query() -> str:
    return ("PREFIX hkg: <https://w3id.org/health-kg/ontology#>\n"
            "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n\n"
            "SELECT ?drug ?label WHERE {\n  ?drug a hkg:Drug ; rdfs:label ?label .\n}\n"
            "ORDER BY ?label\nLIMIT 100\n")


def _download_formats(checked) -> list[tuple[str, str]]:
    if checked is None:
        return []
    offers = TABLE_OFFERS if checked.kind == "table" else GRAPH_OFFERS
    return [(f.name, f.media_type) for f in offers if f is not HTML]


def _page_result(answer: Answer) -> dict:
    """A result shaped for the template: a table, a boolean or RDF text."""
    shaped: dict[str, Any] = {"rows": answer.rows, "truncated": answer.truncated,
                              "elapsed_ms": round(answer.elapsed * 1000, 1)}
    if answer.format == "ttl":
        shaped["text"] = answer.body.decode("utf-8")
        return shaped
    data = json.loads(answer.body)
    if "boolean" in data:
        shaped["boolean"] = data["boolean"]
        return shaped
    shaped["vars"] = data["head"]["vars"]
    shaped["bindings"] = data["results"]["bindings"]
    return shaped


@bp.app_template_filter("sparql_cell")
def _cell(binding: dict | None) -> dict:
    """One result cell for the template: text, a link for IRIs (our own
    IRIs to our pages, by path), and the literal's language or datatype."""
    if not binding:
        return {"text": ""}
    value = binding["value"]
    if binding["type"] == "uri":
        base = get_graph().settings.base_iri
        if value.startswith(base):  # ours: the page at the IRI's path, shown short
            return {"text": value[len(base):], "href": "/" + value[len(base):], "title": value}
        return {"text": _curie(value), "href": value, "title": value}
    if binding["type"] == "bnode":
        return {"text": "_:" + value}
    datatype = binding.get("datatype")
    note = binding.get("xml:lang") and "@" + binding["xml:lang"] or \
        datatype and datatype not in _PLAIN and _curie(datatype) or ""
    return {"text": value, "note": note}


#: Datatypes the value already shows (numbers, booleans): no note.
_PLAIN = {str(XSD[t]) for t in ("integer", "decimal", "double", "boolean", "string")}


def _curie(iri: str) -> str:
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return iri


# ------------------------------------------------------------------ descriptions

def _rdf_response(data: Graph, fmt: Format) -> Response:
    """A description (`kg.sparql.catalogue`) serialized in `fmt`."""
    assert fmt.rdflib is not None, "an RDF format, not HTML"
    body = data.serialize(format=fmt.rdflib)
    response = Response(body, mimetype=fmt.media_type)
    response.headers["Vary"] = "Accept"
    return response
