"""Page-shaped reads added for the web front end, on every
backend: relation paging with totals, one claim with its relation, the RDF
description behind each linked-data IRI, and article reads that never mix
two versions of an article.

Data: two short articles written here (ketamine's side effects stated,
hedged and denied), so the expected values are known exactly.
"""
from __future__ import annotations

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import RDF, RDFS

from kg import NotFound
from kg import views

from kg.terms import HKG, PROV

FIRST = ("Ketamine notes\n\nKetamine can cause nausea. Ketamine can cause dizziness. "
         "Ketamine can cause vomiting.\n\nKetamine lowers blood pressure.\n")
SECOND = "Other notes\n\nKetamine may cause nausea.\n\nKetamine does not lower blood pressure.\n"


@pytest.fixture
def notes(graph, tmp_path):
    for name, text in (("first.txt", FIRST), ("second.txt", SECOND)):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        assert graph.ingest_file(path).ok
    return graph


def test_entity_view_pages_each_group_and_reports_totals(notes):
    """`limit`/`offset` slice each predicate group, most supported first;
    `totals` keeps each group's full size."""
    whole = views.entity_view(notes, "ketamine")
    effects = whole.outgoing["hasAdverseEffect"]
    assert [r.object.label for r in effects][0] == "nausea"  # two articles
    assert whole.totals["out", "hasAdverseEffect"] == len(effects) == 3
    page = views.entity_view(notes, "ketamine", limit=1, offset=1)
    assert [r.object.label for r in page.outgoing["hasAdverseEffect"]] == \
        [effects[1].object.label]
    assert page.totals["out", "hasAdverseEffect"] == 3
    assert views.entity_view(notes, "nausea").totals["in", "hasAdverseEffect"] == 1


def test_claim_view_carries_its_relation_across_articles(notes):
    from kg import read

    claim = next(c for c in read.claims(notes, "second") if c.object.label == "blood pressure")
    view = views.claim_view(notes, claim.iri.rsplit("/", 1)[-1])
    assert view.claim == claim and view.title == "Other notes"
    assert view.relation.contradicted
    assert {e.article for e in view.relation.evidence} == {"first", "second"}
    with pytest.raises(NotFound):
        views.claim_view(notes, "0" * 20)


def test_resource_graph_describes_each_kind_of_iri(notes):
    from kg import read

    minter = notes.minter
    ketamine = URIRef(minter.entity("ketamine"))
    entity = views.resource_graph(notes, str(ketamine))
    assert (ketamine, RDF.type, HKG.Drug) in entity
    assert (ketamine, HKG.hasAdverseEffect, URIRef(minter.entity("nausea"))) in entity
    assert set(entity.subjects(HKG.subject, ketamine))
    claim = read.claims(notes, "first")[0]
    node = URIRef(claim.iri)
    described = views.resource_graph(notes, claim.iri)
    assert (node, HKG.evidence, Literal(claim.evidence)) in described
    assert (URIRef(claim.object.iri), RDFS.label, Literal(claim.object.label)) in described
    article = minter.article("first")
    whole = views.resource_graph(notes, str(article))
    assert (article, RDF.type, HKG.Article) in whole
    assert len(set(whole.subjects(PROV.wasDerivedFrom, article))) == len(
        read.claims(notes, "first"))
    for missing in (minter.entity("nobody"), minter.article("nobody"),
                    f"{minter.base}claim/0000"):
        with pytest.raises(NotFound):
            views.resource_graph(notes, str(missing))


def test_article_view_rereads_when_replaced_midway(notes, tmp_path, monkeypatch):
    """If the article is replaced between the text and the claims queries,
    the view is read again: claims always match the text shown."""
    from kg import read

    path = tmp_path / "first.txt"
    real_claims = read.claims
    calls = []

    def claims_then_replace(graph, article=None):
        found = real_claims(graph, article)
        if not calls:
            calls.append(1)
            path.write_text(FIRST.replace("dizziness", "drowsiness"), encoding="utf-8")
            assert graph.ingest_file(path).status == "replaced"
        return found

    monkeypatch.setattr(read, "claims", claims_then_replace)
    view = views.article_view(notes, "first")
    assert "drowsiness" in view.text
    assert all(view.text[c.start:c.end] == c.evidence for c in view.claims)
    assert "drowsiness" in {c.object.label for c in view.claims}
    assert view.summary.claims == len(view.claims)


def test_entity_rows_count_everything_and_sample_the_evidence(notes, tmp_path):
    """An entity page's row keeps full counts but only the first and last
    article's claim per modality; the relation has every claim."""
    for n in range(3):
        path = tmp_path / f"extra-{n}.txt"
        path.write_text(f"Extra {n}\n\nKetamine can cause nausea.\n", encoding="utf-8")
        assert notes.ingest_file(path).ok
    row = next(r for r in views.entity_view(notes, "ketamine").outgoing["hasAdverseEffect"]
               if r.object.label == "nausea")
    assert row.articles == 5 and row.articles_by_modality["asserted"] == 4
    assert row.claims_by_modality == {"asserted": 4, "hedged": 1, "investigational": 0,
                                      "negated": 0}
    asserted = [e.article for e in row.by_modality["asserted"]]
    assert asserted == ["extra-0", "first"] and not row.complete
    assert row.summary().startswith("Ketamine can cause nausea — 5 quotes from 5 articles: "
                                    "4 stated, 1 hedged")
    full = views.relation_view(notes, "ketamine", "hasAdverseEffect", "nausea").row
    assert full.complete and len(full.evidence) == 5 and full.articles == 5
