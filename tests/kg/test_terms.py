"""The one door for values into query text (`kg.terms`), and the stores'
refusal of outbound requests in any query they are handed (`kg.lexer`).

Run against real engines: a literal built by `literal` must match exactly
the stored value it was made from, whatever characters it holds, and a
query naming SERVICE must never reach the listener.
"""
from __future__ import annotations

import socket
import time

import pytest
from rdflib import Literal, URIRef

from kg.errors import NotFound
from kg.lexer import OutboundRefused, refuse_outbound
from kg.store import open_store
from kg.terms import BadTerm, Minter, integer, iri, iris, literal

G = URIRef("http://localhost:8000/article/terms")
S, P = URIRef("http://example.org/s"), URIRef("http://example.org/p")

HOSTILE = [
    'plain', 'say "hi"', "it's", "back\\slash", 'end" } SERVICE <http://127.0.0.1:9/> { "',
    "trailing\\", '"""triple', "# not a comment", "} UNION { ?s ?p ?o", "line\nbreak\r\n",
    "tab\there", "nul\x00byte", "bell\x07", "ctl\x012345abcd", "\\u0022 escaped quote",
    "\\U0001F600",
    "😀 émoji", "x" * 5000,
]


@pytest.fixture
def store(settings):
    opened = open_store(settings)
    for graph in opened.graphs():
        opened.drop_graph(graph)
    yield opened
    opened.close()


@pytest.mark.parametrize("value", [
    "http://a> } SERVICE <http://127.0.0.1:9/sparql> { ?x ?y ?z } } VALUES ?q { <http://b",
    "http://a b", "x>", "no-scheme", "", "http://a/\\u003E", "http://a/%zz", "http://a/{x}",
    'http://a/"', "http://a/\x00", "http://a/|", "http://a/^", "http://a/`",
])
def test_iri_refuses_what_could_end_it(value):
    """Anything that is not an absolute RFC 3987 IRI, or that holds a
    character SPARQL's IRIREF excludes, is a BadTerm (a 400), never text."""
    with pytest.raises(BadTerm):
        iri(value)


def test_iri_keeps_valid_iris():
    assert iri("http://[::1]:80/x?y=1#z") == "<http://[::1]:80/x?y=1#z>"
    assert iri("urn:uuid:1") == "<urn:uuid:1>"
    assert iris(["urn:a", URIRef("urn:b")]) == "<urn:a> <urn:b>"


@pytest.mark.parametrize("value", [True, 1.5, "3", None])
def test_integer_takes_only_ints(value):
    with pytest.raises(BadTerm):
        integer(value)


def test_minter_refuses_claim_ids_that_are_not_hashes():
    minter = Minter("http://localhost:8000/")
    assert str(minter.claim_named("0af3")) == "http://localhost:8000/claim/0af3"
    for bad in ("x>", "0af3 ", "../0af3", ""):
        with pytest.raises(NotFound):
            minter.claim_named(bad)


def test_literal_matches_exactly_the_value_it_was_made_from(store):
    """Each hostile value, stored as a literal and looked up with
    `literal(value)`, finds its own triple and only it: the literal ended
    where the value ended, on every backend."""
    store.replace_graph(G, [(S, P, Literal(v)) for v in HOSTILE])
    for value in HOSTILE:
        rows = store.select_values(
            f"SELECT ?o WHERE {{ GRAPH {iri(G)} {{ {iri(S)} {iri(P)} ?o "
            f"FILTER(STR(?o) = {literal(value)}) }} }}")
        assert [r["o"] for r in rows] == [value], repr(value[:40])


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { SERVICE <http://127.0.0.1:{port}/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { ?s ?p ?o OPTIONAL { SERVICE SILENT <http://127.0.0.1:{port}/> "
    "{ ?a ?b ?c } } }",
    "SELECT * WHERE { \\u0053ERVICE <http://127.0.0.1:{port}/> { ?s ?p ?o } }",
    "SELECT * FROM <http://127.0.0.1:{port}/data.ttl> WHERE { ?s ?p ?o }",
    "ASK { service <http://127.0.0.1:{port}/> { ?s ?p ?o } }",
])
def test_stores_refuse_outbound_queries_and_never_connect(store, listener, query):
    """Even a query the project built wrongly cannot make the engine
    connect: every store refuses SERVICE and FROM before evaluating, and the
    listener records nothing.  A control connection proves it would have."""
    store.replace_graph(G, [(S, P, Literal("x"))])
    with pytest.raises(OutboundRefused):
        store.select(query.replace("{port}", str(listener.port)))
    assert listener.connections == []
    socket.create_connection(("127.0.0.1", listener.port), timeout=2).close()
    for _ in range(100):
        if listener.connections:
            break
        time.sleep(0.02)
    assert len(listener.connections) == 1


@pytest.mark.parametrize("query", [
    'SELECT ?o WHERE { ?s ?p ?o FILTER(?o = "room service from the load") }',
    "SELECT ?o WHERE { ?s <http://example.org/loadFrom> ?o } # SERVICE in a comment",
    "SELECT ?o WHERE { ?s <http://example.org/service> ?o }",
    "PREFIX prov: <http://www.w3.org/ns/prov#> SELECT ?a WHERE { ?c prov:wasDerivedFrom ?a }",
])
def test_words_inside_strings_iris_and_comments_are_not_refused(query):
    refuse_outbound(query)
