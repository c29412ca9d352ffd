"""Fuzzing the public entry points with hypothesis,
against `kg serve` itself (a child process on the seed graph, 2 s query
limit; see `test_sparql_abuse.Served`).

Generated SPARQL comes from a small SPARQL-ish grammar (prologue, the four
query forms, group patterns with OPTIONAL / UNION / MINUS / GRAPH / FILTER /
BIND / VALUES / subqueries, property paths, modifiers), then is mutated
(cut, spliced with random text, keywords dropped in) or replaced by random
text; search strings mix Lucene-like operators, quotes, brackets and any
Unicode.  Every answer must be 2xx, 4xx or 503, never a 5xx otherwise and
never a dropped connection; afterwards the server still answers.

The default run is modest (`FUZZ_EXAMPLES` per target, < 60 s in all).  The
full run is

    KG_FUZZ_EXAMPLES=10000 python -m pytest -p no:cacheprovider -s tests/reliability/test_fuzz.py

Each request comes from one of 250 loopback addresses in turn, so the
per-client query budget (which would answer 429 after 30 timed-out
queries from one address) does not stop the fuzzer from reaching the engine.
"""
from __future__ import annotations

import http.client
import itertools
import os
import time
import urllib.parse
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .test_sparql_abuse import serve_seed

#: Examples per target; KG_FUZZ_EXAMPLES=10000 for the full run.
FUZZ_EXAMPLES = int(os.environ.get("KG_FUZZ_EXAMPLES", "120"))
FUZZ = settings(max_examples=FUZZ_EXAMPLES, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.filter_too_much])
_SOURCES = itertools.cycle(f"127.0.{n // 250}.{n % 250 + 2}" for n in range(250))


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    served = serve_seed(tmp_path_factory.mktemp("fuzz"))
    served.seen = Counter()
    yield served
    print(f"\nfuzz statuses ({FUZZ_EXAMPLES} examples per target): {dict(served.seen)}")
    served.stop()


def _check(server, method: str, path: str, body: bytes | None = None,
           headers: dict | None = None) -> int:
    try:
        status, _, text = server.request(method, path, body, headers, source=next(_SOURCES))
    except (ConnectionError, http.client.HTTPException, TimeoutError) as err:
        pytest.fail(f"{method} {path[:300]!r}: connection dropped ({err!r}); server log: "
                    + "".join(server.log)[-2000:])
    server.seen[status] += 1
    assert 200 <= status < 300 or 400 <= status < 500 or status == 503, (
        method, path[:500], body and body[:500], status, text[:500],
        "".join(server.log)[-2000:])
    assert b"Traceback" not in text
    return status


# ------------------------------------------------------------------ a SPARQL-ish grammar

IRIS = ["<https://w3id.org/health-kg/ontology#Drug>", "<http://localhost:8000/entity/ketamine>",
        "<http://localhost:8000/article/ketamine-for-anxiety>", "<http://x/>", "<>", "<#a>",
        "<http://localhost:8000/graph/ontology>", "<urn:x>", "<file:///etc/passwd>",
        "<http://127.0.0.1:1/>"]
PNAMES = ["hkg:Drug", "hkg:hasAdverseEffect", "hkg:treats", "rdfs:label", "rdf:type", "a",
          "dcterms:title", "hkg:modality", "prov:wasDerivedFrom", ":x", "undefined:thing",
          "hkg:", "skos:altLabel"]
PROLOGUE = ["PREFIX hkg: <https://w3id.org/health-kg/ontology#>",
            "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>",
            "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>",
            "PREFIX dcterms: <http://purl.org/dc/terms/>",
            "PREFIX prov: <http://www.w3.org/ns/prov#>",
            "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>",
            "PREFIX : <http://localhost:8000/>", "BASE <http://localhost:8000/>"]
KEYWORDS = ["SERVICE", "LOAD", "FROM", "FROM NAMED", "INSERT", "DELETE", "DROP", "CLEAR",
            "WITH", "USING", "SILENT", "GRAPH", "OPTIONAL", "UNION", "MINUS", "FILTER",
            "EXISTS", "NOT", "BIND", "VALUES", "SELECT", "ASK", "DESCRIBE", "CONSTRUCT",
            "WHERE", "LIMIT", "OFFSET", "ORDER BY", "GROUP BY", "HAVING", "DISTINCT",
            "REDUCED", "AS", "UNDEF", "a", "true", "false", "{", "}", "(", ")", "[", "]",
            ".", ";", ",", "*", "?", "$", "#", '"', "'", '"""', "<", ">", "<<", ">>", "^^",
            "@en", "\\u0053", "\\U0001F600", "|", "/", "^", "!", "+", "-", "&&", "||", "="]

variables = st.sampled_from(["?s", "?p", "?o", "?x", "?label", "$y", "?g", "?c", "?1", "?é"])
literals = st.one_of(
    st.integers(-10**6, 10**6).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(lambda f: repr(f)),
    st.text(max_size=12).map(lambda t: '"' + t.replace("\\", "\\\\").replace('"', '\\"')
                             .replace("\n", "\\n").replace("\r", "\\r") + '"'),
    st.sampled_from(['"ketamine"', '"ketamine"@en', '"1"^^xsd:integer', "true",
                     '"""multi\nline"""', "'single'", '""', '"\\u0041"']))
terms = st.one_of(variables, st.sampled_from(IRIS), st.sampled_from(PNAMES), literals,
                  st.just("[]"), st.just("_:b1"))
paths = st.recursive(
    st.sampled_from(PNAMES[:9] + IRIS[:1]),
    lambda inner: st.one_of(
        st.tuples(inner, inner).map(lambda t: f"{t[0]}/{t[1]}"),
        st.tuples(inner, inner).map(lambda t: f"{t[0]}|{t[1]}"),
        inner.map(lambda p: f"^{p}"), inner.map(lambda p: f"({p})*"),
        inner.map(lambda p: f"{p}+"), inner.map(lambda p: f"{p}?"),
        inner.map(lambda p: f"!({p})")), max_leaves=4)
triples = st.tuples(terms, st.one_of(variables, paths), terms).map(" ".join)
expressions = st.recursive(
    st.one_of(variables, literals, st.sampled_from(["NOW()", "RAND()", "BNODE()"])),
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["=", "!=", "<", ">=", "&&", "||", "+", "*", "/"]),
                  inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(st.sampled_from(["STR", "LANG", "UCASE", "STRLEN", "isIRI", "BOUND",
                                   "REGEX", "CONTAINS", "STRSTARTS", "COALESCE", "ABS",
                                   "SUBSTR", "LCASE", "IRI", "DATATYPE", "SHA256",
                                   "ENCODE_FOR_URI"]),
                  st.lists(inner, min_size=1, max_size=3))
        .map(lambda t: f"{t[0]}({', '.join(t[1])})"),
        inner.map(lambda e: f"!{e}"), inner.map(lambda e: f"-{e}")), max_leaves=6)


def _groups(inner):
    return st.one_of(
        st.lists(inner, min_size=1, max_size=3).map(lambda g: "{ " + " . ".join(g) + " }"),
        inner.map(lambda g: f"OPTIONAL {{ {g} }}"),
        st.tuples(inner, inner).map(lambda t: f"{{ {t[0]} }} UNION {{ {t[1]} }}"),
        st.tuples(inner, inner).map(lambda t: f"{t[0]} MINUS {{ {t[1]} }}"),
        st.tuples(st.sampled_from(["?g", IRIS[2], IRIS[6]]), inner)
        .map(lambda t: f"GRAPH {t[0]} {{ {t[1]} }}"),
        expressions.map(lambda e: f"FILTER({e})"),
        st.tuples(inner, st.sampled_from(["EXISTS", "NOT EXISTS"]), inner)
        .map(lambda t: f"{t[0]} FILTER {t[1]} {{ {t[2]} }}"),
        st.tuples(expressions, variables).map(lambda t: f"BIND({t[0]} AS {t[1]})"),
        st.tuples(variables, st.lists(terms, max_size=3))
        .map(lambda t: f"VALUES {t[0]} {{ {' '.join(t[1])} }}"),
        inner.map(lambda g: f"{{ SELECT * WHERE {{ {g} }} LIMIT 5 }}"))


patterns = st.recursive(triples, _groups, max_leaves=6)
modifiers = st.lists(st.one_of(
    variables.map(lambda v: f"GROUP BY {v}"), variables.map(lambda v: f"ORDER BY DESC({v})"),
    st.integers(0, 10**7).map(lambda n: f"LIMIT {n}"),
    st.integers(0, 10**4).map(lambda n: f"OFFSET {n}"),
    expressions.map(lambda e: f"HAVING({e})")), max_size=3).map(" ".join)
heads = st.one_of(
    st.lists(variables, min_size=1, max_size=3).map(lambda v: "SELECT " + " ".join(v)),
    st.just("SELECT *"), st.just("SELECT DISTINCT *"),
    st.tuples(expressions, variables).map(lambda t: f"SELECT ({t[0]} AS {t[1]})"),
    st.just("SELECT (COUNT(*) AS ?n)"), st.just("ASK"),
    triples.map(lambda t: f"CONSTRUCT {{ {t} }}"), st.just("CONSTRUCT"),
    st.sampled_from(["DESCRIBE ?s", "DESCRIBE " + IRIS[1], "DESCRIBE *"]))
queries = st.builds(
    lambda prologue, head, where, body, mods: "\n".join(prologue) + f"\n{head} "
    + ("WHERE " if where else "") + f"{{ {body} }} {mods}",
    st.lists(st.sampled_from(PROLOGUE), max_size=4, unique=True), heads, st.booleans(),
    patterns, modifiers)


@st.composite
def mutated(draw, base):
    """A query, then up to three mutations: cut it, splice random text or a
    keyword in, or double a piece of it."""
    text = draw(base)
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(text)))
        how = draw(st.sampled_from(["cut", "text", "keyword", "double"]))
        if how == "cut":
            text = text[:at]
        elif how == "text":
            text = text[:at] + draw(st.text(max_size=20)) + text[at:]
        elif how == "keyword":
            text = text[:at] + " " + draw(st.sampled_from(KEYWORDS)) + " " + text[at:]
        else:
            text = text[:at] + text[at // 2:at] + text[at:]
    return text


sparql_texts = st.one_of(queries, mutated(queries), st.text(max_size=200),
                         st.lists(st.sampled_from(KEYWORDS), max_size=30).map(" ".join))


@FUZZ
@given(query=sparql_texts, how=st.sampled_from(["get", "form", "direct", "html"]))
def test_fuzz_sparql_endpoint(server, query, how):
    """Generated and mutated queries by GET, form POST, direct POST and the
    editor page: 2xx, 4xx or 503 only."""
    if how == "get":
        _check(server, "GET", "/sparql?" + urllib.parse.urlencode({"query": query}))
    elif how == "html":
        _check(server, "GET", "/sparql?" + urllib.parse.urlencode({"query": query}),
               headers={"Accept": "text/html"})
    elif how == "form":
        _check(server, "POST", "/sparql", urllib.parse.urlencode({"query": query}).encode(),
               {"Content-Type": "application/x-www-form-urlencoded"})
    else:
        _check(server, "POST", "/sparql", query.encode("utf-8"),
               {"Content-Type": "application/sparql-query"})


# ------------------------------------------------------------------ search strings

OPERATORS = ["AND", "OR", "NOT", "TO", "*", "?", "~", "~2", "^2", "^", '"', "'", "(", ")",
             "[", "]", "{", "}", ":", "title:", "text:", "kind:", "type:Drug", "-", "+",
             "\\", "/", "<", ">", "&", "|", "!", "&&", "||", "%", "%00", "..", "*:*",
             "[* TO *]", "{a TO z}", "ketamine", "nausea", "NMDA", "ketam*", "k?tamine",
             '"blood pressure"~3', "<script>", "{{7*7}}", "\u0000", "\u202e", "\ufeff",
             "𝓀𝑒𝓉𝒶𝓂𝒾𝓃𝑒", "ケタミン", "кетамин", "🙂", "İ", "ß", "ﬁ"]
search_texts = st.one_of(
    st.lists(st.one_of(st.sampled_from(OPERATORS), st.text(max_size=8)), max_size=12)
    .map(" ".join),
    st.lists(st.sampled_from(OPERATORS), max_size=12).map("".join),
    st.text(max_size=100))
facets = st.fixed_dictionaries({}, optional={
    "page": st.one_of(st.integers(-5, 2000).map(str), st.text(max_size=4)),
    "kind": st.one_of(st.sampled_from(["entity", "article", "claim"]), st.text(max_size=6)),
    "type": st.one_of(st.sampled_from(["Drug", "AdverseEffect"]), st.text(max_size=6)),
    "predicate": st.text(max_size=10), "modality": st.text(max_size=10),
    "article": st.text(max_size=10)})


@FUZZ
@given(q=search_texts, extra=facets)
def test_fuzz_search_api(server, q, extra):
    """`/api/search?q=` with operators, quotes, brackets, Unicode and odd
    facets: 2xx or 4xx (or 503) only."""
    _check(server, "GET", "/api/search?" + urllib.parse.urlencode({"q": q, **extra}))


@FUZZ
@given(q=search_texts, extra=facets)
def test_fuzz_search_page(server, q, extra):
    """`/search?q=` (the HTML page, with highlights and "did you mean"):
    2xx or 4xx (or 503) only."""
    _check(server, "GET", "/search?" + urllib.parse.urlencode({"q": q, **extra}))


def test_server_still_answers_after_the_fuzzing(server):
    """After whatever ran before it on this server: the page and a query
    answer, and all query workers run."""
    began = time.monotonic()
    server.settle()
    server.alive()
    assert time.monotonic() - began < 30
