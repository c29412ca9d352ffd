"""Shared data and helpers for the web front end's tests.

Data, all built here or read from the repository, never fetched:

- the seed article `../shared/seed/ketamine-for-anxiety.txt`, through
  `seed_article()` (tests that use it skip when it is absent; the original
  acceptance: ketamine's hedged NMDA receptor sentence, blood pressure denied);
- `CONTRADICTION`: a short article written for these tests that states what
  the seed denies ("Ketamine lowers blood pressure."), so a relation page has
  a contradiction to show;
- `write_hostile(graph)`: an article whose title, text, evidence and a minted
  entity's name carry the `XSS` strings.  It is built from an `Extraction`
  made by hand (not by the extractor, whose rules may clean such text) and
  written through `kg.rdf` and the store like any other article.
"""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import lxml.html

from ingest.model import Claim, Document, Entity, EntityType, Extraction, Mention, Modality

from kg.rdf import article_triples

from ..conftest import seed_article

#: Strings that must reach a page only escaped.
XSS = ('<script>alert("xss")</script>', '"><img src=x onerror=alert(1)>',
       "</textarea><svg onload=alert(2)>")
HOSTILE_ID = "hostile"
HOSTILE_ENTITY = "hostile-effect"
CONTRADICTION = "Ketamine and blood pressure\n\nKetamine lowers blood pressure.\n"
NMDA_SENTENCE = "One possible target for ketamine is the brain’s NMDA receptors."


def write_contradiction(folder: Path) -> Path:
    path = folder / "ketamine-lowers-blood-pressure.txt"
    path.write_text(CONTRADICTION, encoding="utf-8")
    return path


def write_hostile(graph) -> str:
    """Store the hostile article; returns the hash part of its claim's IRI."""
    sentence = f"Ketamine can cause {XSS[1]} in some people {XSS[0]}."
    text = f"{XSS[0]} title line\n\n{sentence}\n\nMore text {XSS[2]} & so on.\n"
    start = text.index(sentence)
    label = f"{XSS[1]} rash"
    evil = Entity(HOSTILE_ENTITY, label, EntityType.ADVERSE_EFFECT, mapped=False)
    ketamine = Entity("ketamine", "ketamine", EntityType.DRUG)
    claim = Claim(ketamine, "hasAdverseEffect", evil, Modality.ASSERTED, sentence, start,
                  start + len(sentence), "test.hostile")
    at = text.index(XSS[1], start)
    document = Document(HOSTILE_ID, f"{XSS[0]} {XSS[2]} Title", text, "txt",
                        source=f"https://example.org/?q={XSS[1]}")
    extraction = Extraction(document, (Mention(evil, at, at + len(XSS[1])),), (claim,))
    iri = graph.minter.article(HOSTILE_ID)
    graph.store.replace_graph(iri, article_triples(graph.minter, extraction, "test"))
    graph.search.update_article(HOSTILE_ID)
    return graph.minter.claim(HOSTILE_ID, "ketamine", "hasAdverseEffect", HOSTILE_ENTITY,
                              start, start + len(sentence)).rsplit("/", 1)[-1]


def seed_graph(graph, folder: Path) -> dict:
    """The seed, the contradicting article and the hostile one."""
    assert graph.ingest_file(seed_article()).ok
    assert graph.ingest_file(write_contradiction(folder)).ok
    return {"hostile_claim": write_hostile(graph)}


def html(response):
    """A response body as an lxml tree (the test fails on a non-HTML body)."""
    assert response.mimetype == "text/html", response.mimetype
    return lxml.html.fromstring(response.get_data(as_text=True))


def text_of(node) -> str:
    return " ".join(node.text_content().split())


def assert_escaped(body: str) -> None:
    """Every XSS string is absent raw; what reaches the page is escaped."""
    for raw in XSS:
        assert raw not in body, raw
    assert "<script>alert" not in body and "onerror=alert(1)>" not in body


@contextmanager
def seeded_app(folder: Path, admin_token: str) -> Iterator[tuple]:
    """(app, graph): the seeded graph on an embedded store in `folder`,
    served by an app that takes `admin_token` as its admin token (the
    curation pages' tests sign in with it)."""
    from kg import KnowledgeGraph, Settings
    from webapp import create_app

    settings = Settings(store="embedded", data_dir=str(folder / "data"))
    with KnowledgeGraph.open(settings) as graph:
        seed_graph(graph, folder)
        app = create_app(settings, graph=graph)
        app.config["KG_ADMIN_TOKEN"] = admin_token
        try:
            yield app, graph
        finally:
            app.extensions["kg_sparql"].runner.close()
