"""Linked data: every entity, claim and article IRI the graph
mints resolves on this server, answering HTML, Turtle, JSON-LD or
N-Triples by content negotiation (Accept with q-values) or `?format=`.

The RDF answers are compared by meaning (parsed with rdflib), on the
memory and embedded stores and a real Oxigraph server.
"""
from __future__ import annotations

import json
import urllib.request
import warnings
from urllib.parse import urlsplit

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS

from kg import KnowledgeGraph, Settings, read
from kg.terms import HKG, PROV
from webapp import create_app
from webapp.negotiation import FORMATS, NotAcceptable, choose, parse_accept

from .support import HOSTILE_ENTITY, XSS, seed_graph

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"


# ----------------------------------------------------------- negotiation

@pytest.mark.parametrize("accept, expected", [
    (None, "html"), ("", "html"), ("*/*", "html"), (BROWSER, "html"),
    ("text/turtle", "ttl"), ("application/ld+json", "jsonld"), ("application/json", "jsonld"),
    ("application/n-triples", "nt"),
    ("text/turtle;q=0.5, application/ld+json;q=0.9", "jsonld"),
    ("text/html;q=0.1, text/turtle", "ttl"),
    ("text/*;q=0.3, text/turtle;q=0.2", "html"),   # text/html via text/* beats turtle
    ("text/turtle, */*", "ttl"),                  # the named type beats the wildcard
    ("application/*", "jsonld"),                  # server order among equals
    ("text/html;q=0, */*", "ttl"),                # q=0 excludes
    ("TEXT/TURTLE", "ttl"),
    ("text/turtle;q=abc, application/ld+json", "jsonld"),
])
def test_choose_by_accept(accept, expected):
    assert choose(accept).name == expected


@pytest.mark.parametrize("accept", ["image/png", "text/html;q=0, text/turtle;q=0, "
                                    "application/*;q=0"])
def test_nothing_acceptable(accept):
    with pytest.raises(NotAcceptable):
        choose(accept)


@pytest.mark.parametrize("override, expected", [
    ("ttl", "ttl"), ("turtle", "ttl"), ("jsonld", "jsonld"), ("json-ld", "jsonld"),
    ("json", "jsonld"), ("nt", "nt"), ("html", "html"), ("text/turtle", "ttl")])
def test_format_override_wins(override, expected):
    assert choose("text/html", override).name == expected


def test_unknown_override():
    with pytest.raises(NotAcceptable):
        choose(None, "xml")


def test_parse_accept_reads_q_values():
    assert parse_accept("a/b;q=0.5;level=1, c/*, *;q=2") == [("a/b", 0.5), ("c/*", 1.0),
                                                             ("*/*", 1.0)]


# ------------------------------------------------------------ resolution

# The memory store runs the same reads in tests/kg/test_views.py; here the
# two backends a deployment serves from.
@pytest.fixture(scope="module", params=["embedded", "sparql"])
def seeded(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp(f"ld-{request.param}")
    kwargs = {}
    if request.param == "sparql":
        base = request.getfixturevalue("oxigraph_server")
        drop = urllib.request.Request(f"{base}/update", data=b"DROP ALL", method="POST",
                                      headers={"Content-Type": "application/sparql-update"})
        urllib.request.urlopen(drop, timeout=10).read()
        kwargs = {"sparql_query": f"{base}/query", "sparql_update": f"{base}/update"}
    settings = Settings(store=request.param, data_dir=str(folder / "data"), **kwargs)
    with KnowledgeGraph.open(settings) as graph:
        extra = seed_graph(graph, folder)
        claim = read.claims(graph, "ketamine-for-anxiety")[0]
        yield graph, create_app(settings, graph=graph).test_client(), {**extra, "claim": claim}


def _path(iri: str) -> str:
    return urlsplit(iri).path


def _parse(response, fmt: str) -> Graph:
    parsed = Graph()
    with warnings.catch_warnings():
        # rdflib 7's JSON-LD parser builds a ConjunctiveGraph internally
        # (inside rdflib, not our code); the same ignore as tests/kg/test_export.py.
        warnings.filterwarnings("ignore", "ConjunctiveGraph is deprecated", DeprecationWarning)
        parsed.parse(data=response.get_data(as_text=True), format=fmt)
    return parsed


def test_entity_in_every_representation(seeded):
    graph, client, _ = seeded
    iri = URIRef(graph.minter.entity("ketamine"))
    path = _path(iri)
    page = client.get(path, headers={"Accept": BROWSER})
    assert page.status_code == 200 and page.mimetype == "text/html"
    # Accept, and Cookie for a client holding a session (issue 19: a page
    # differs for a signed-in curator).
    assert page.headers["Vary"] in ("Accept", "Accept, Cookie")
    assert 'rel="alternate"; type="text/turtle"' in page.headers["Link"]
    turtle = client.get(path, headers={"Accept": "text/turtle"})
    assert turtle.mimetype == "text/turtle" and turtle.headers["Vary"] == "Accept"
    data = _parse(turtle, "turtle")
    assert (iri, RDF.type, HKG.Drug) in data
    assert (iri, RDFS.label, Literal("ketamine")) in data
    assert (iri, HKG.antagonistOf, URIRef(graph.minter.entity("nmda-receptor"))) in data
    assert any(data.triples((None, HKG.subject, iri)))  # its claims
    jsonld = client.get(path, headers={"Accept": "application/ld+json"})
    assert jsonld.mimetype == "application/ld+json"
    assert _parse(jsonld, "json-ld").isomorphic(data)
    nt = client.get(path + "?format=nt", headers={"Accept": "text/turtle"})
    assert nt.mimetype == "application/n-triples" and _parse(nt, "nt").isomorphic(data)


def test_claim_in_every_representation(seeded):
    graph, client, extra = seeded
    claim = extra["claim"]
    path = _path(claim.iri)
    assert client.get(path).mimetype == "text/html"
    data = _parse(client.get(path + "?format=ttl"), "turtle")
    node = URIRef(claim.iri)
    assert (node, RDF.type, HKG.Claim) in data
    assert (node, HKG.evidence, Literal(claim.evidence)) in data
    assert (node, PROV.wasDerivedFrom, graph.minter.article(claim.article)) in data
    assert (node, HKG.modality, HKG[claim.modality]) in data
    assert (URIRef(claim.subject.iri), RDFS.label, Literal(claim.subject.label)) in data
    jsonld = client.get(path, headers={"Accept": "application/ld+json;q=0.9, text/html;q=0.2"})
    assert _parse(jsonld, "json-ld").isomorphic(data)
    assert "@context" in json.loads(jsonld.get_data(as_text=True))


def test_article_in_every_representation(seeded):
    graph, client, _ = seeded
    iri = graph.minter.article("ketamine-for-anxiety")
    path = _path(iri)
    assert client.get(path, headers={"Accept": "*/*"}).mimetype == "text/html"
    data = _parse(client.get(path, headers={"Accept": "text/turtle"}), "turtle")
    assert (iri, RDF.type, HKG.Article) in data
    claims = set(data.subjects(PROV.wasDerivedFrom, iri))
    assert len(claims) == len(read.claims(graph, "ketamine-for-anxiety"))


def test_every_minted_iri_resolves(seeded):
    """Each entity, claim and article IRI in the graph, turned into a path on
    this server, answers 200 with a description of that IRI (HTML for each
    kind is checked above)."""
    graph, client, _ = seeded
    records = read.claims(graph)
    iris = ({c.iri for c in records} | {c.subject.iri for c in records}
            | {c.object.iri for c in records} | {a.iri for a in read.articles(graph)})
    for iri in sorted(iris):
        assert iri.startswith(graph.settings.base_iri)
        response = client.get(_path(iri), headers={"Accept": "application/n-triples"})
        assert response.status_code == 200, iri
        assert f"<{iri}>" in response.get_data(as_text=True)


def test_negotiation_errors(seeded):
    _, client, _ = seeded
    response = client.get("/entity/ketamine", headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert client.get("/entity/ketamine?format=xml").status_code == 400
    for path in ("/entity/nobody", "/claim/0000", "/article/nobody"):
        assert client.get(path, headers={"Accept": "text/turtle"}).status_code == 404
        assert client.get(path + "?format=jsonld").status_code == 404


def test_rdf_of_hostile_entity_keeps_the_literal(seeded):
    """Markup in a label is data in RDF: it round-trips exactly."""
    graph, client, _ = seeded
    iri = URIRef(graph.minter.entity(HOSTILE_ENTITY))
    data = _parse(client.get(f"/entity/{HOSTILE_ENTITY}?format=ttl"), "turtle")
    assert (iri, RDFS.label, Literal(f"{XSS[1]} rash")) in data


def test_every_format_is_offered():
    assert [f.name for f in FORMATS] == ["html", "ttl", "jsonld", "nt"]
