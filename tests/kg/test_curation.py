"""Curation (issue 19): records in their own graph, anchored to the claim's
content; a review changes the article's graph as a re-ingest would, a flag
never does; the review state is materialised and read back in one query.

Each test runs on the memory store, the embedded store on disk and an
Oxigraph server (the `graph` fixture's backends)."""
from __future__ import annotations

import pytest

from kg import curation, read, tally
from kg.curation import BadCuration
from kg.errors import NotFound
from kg.terms import HKG, iri

ARTICLE = """Ketamine for depression

Ketamine is used to treat depression.

Ketamine can cause nausea.
"""


@pytest.fixture
def article(tmp_path):
    path = tmp_path / "articles" / "k1.txt"
    path.parent.mkdir()
    path.write_text(ARTICLE, encoding="utf-8")
    return path


def _claim(graph, predicate: str):
    return next(c for c in read.claims(graph, "k1") if c.predicate == predicate)


def _edge(graph, claim) -> bool:
    """Whether the direct edge of `claim` is in the store (any graph)."""
    return graph.store.ask(f"ASK {{ {iri(claim.subject.iri)} {iri(HKG[claim.predicate])} "
                           f"{iri(claim.object.iri)} }}")


def _state(graph, claim_iri: str) -> str | None:
    rows = graph.store.select_values(
        f"SELECT ?s WHERE {{ GRAPH {iri(graph.minter.curation_graph)} {{ "
        f"{iri(claim_iri)} {iri(HKG.reviewState)} ?s }} }}")
    assert len(rows) <= 1
    return rows[0]["s"].rsplit("#", 1)[-1] if rows else None


def _tally_claims(graph, claim) -> int:
    rows = graph.store.select_values(
        f"SELECT ?n WHERE {{ GRAPH {iri(tally.tally_graph(graph))} {{ ?r "
        f"{iri(HKG.tallySubject)} {iri(claim.subject.iri)} ; {iri(HKG.tallyPredicate)} "
        f"{iri(HKG[claim.predicate])} ; {iri(HKG.tallyObject)} {iri(claim.object.iri)} ; "
        f"{iri(HKG.claimCount)} ?n }} }}")
    return int(rows[0]["n"]) if rows else 0


def test_reject_removes_the_direct_edge_and_the_count_but_keeps_the_claim(graph, article):
    """A rejected claim keeps its node; its edge and its tally count go, in
    the same write as the record; the state reads back as rejected."""
    graph.ingest_file(article)
    claim = _claim(graph, "treats")
    assert _edge(graph, claim) and _tally_claims(graph, claim) == 1
    record = curation.review(graph, claim.iri, "alice", verdict="rejected", note="not said")
    assert record.kind == "review" and record.claims == (claim.iri,)
    assert _claim(graph, "treats").iri == claim.iri  # the node stays
    assert not _edge(graph, claim)
    assert _tally_claims(graph, claim) == 0
    assert _state(graph, claim.iri) == "rejected"
    review = curation.reviews(graph, [claim.iri])[claim.iri]
    assert (review.state, review.verdict) == ("rejected", "rejected")
    assert [r.id for r in review.records] == [record.id]
    assert review.records[0].who == "alice" and review.records[0].note == "not said"


def test_a_changed_modality_is_the_claims_and_the_extracted_one_is_kept(graph, article):
    graph.ingest_file(article)
    claim = _claim(graph, "hasAdverseEffect")
    curation.review(graph, claim.iri, "alice", modality="negated")
    now = _claim(graph, "hasAdverseEffect")
    assert now.modality == "negated"
    assert not _edge(graph, claim)  # a denial gives no edge
    review = curation.reviews(graph, [claim.iri])[claim.iri]
    assert (review.state, review.modality, review.extracted_modality) == \
        ("changed", "negated", "asserted")
    curation.review(graph, claim.iri, "bob", verdict="confirmed")
    review = curation.reviews(graph, [claim.iri])[claim.iri]
    assert (review.state, review.modality) == ("confirmed", "negated")


def test_flags_count_and_never_change_the_claim(graph, article):
    """A reader's flag is a flag, not a decision: modality, edge, count and
    the article's graph stay as they were."""
    graph.ingest_file(article)
    claim = _claim(graph, "treats")
    name = graph.minter.article("k1")
    before = sorted(map(str, graph.store.quads(name)))
    curation.flag(graph, claim.iri, "wrong")
    curation.flag(graph, claim.iri, "wrong-modality")
    record = curation.flag(graph, claim.iri, "wrong")
    assert record.who == "reader"
    assert sorted(map(str, graph.store.quads(name))) == before
    assert _edge(graph, claim) and _tally_claims(graph, claim) == 1
    review = curation.reviews(graph, [claim.iri])[claim.iri]
    assert review.state == "flagged" and review.flags == {"wrong": 2, "wrong-modality": 1}
    assert _state(graph, claim.iri) == "flagged"
    # A curator's review answers the open flags.
    curation.review(graph, claim.iri, "alice", verdict="confirmed")
    review = curation.reviews(graph, [claim.iri])[claim.iri]
    assert review.state == "confirmed" and review.flags == {}
    with pytest.raises(BadCuration) as err:
        curation.flag(graph, claim.iri, "boring")
    assert err.value.field == "reason"


def test_undo_restores_the_edge_the_count_and_the_state(graph, article):
    graph.ingest_file(article)
    claim = _claim(graph, "treats")
    record = curation.review(graph, claim.iri, "alice", verdict="rejected")
    undone = curation.undo(graph, record.id, "bob")
    assert undone.undoes == record.id
    assert _edge(graph, claim) and _tally_claims(graph, claim) == 1
    assert _state(graph, claim.iri) is None
    review = curation.reviews(graph, [claim.iri])[claim.iri]
    assert review.state is None
    assert [(r.kind, r.undone_by) for r in review.records] == \
        [("review", undone.id), ("undo", None)]
    with pytest.raises(BadCuration):
        curation.undo(graph, record.id, "bob")
    with pytest.raises(BadCuration):
        curation.undo(graph, undone.id, "bob")
    with pytest.raises(NotFound):
        curation.undo(graph, "0123456789abcdef", "bob")


def test_bad_reviews_are_refused_naming_the_field(graph, article):
    graph.ingest_file(article)
    claim = _claim(graph, "treats")
    for kwargs, field_name in (({"verdict": "maybe"}, "verdict"),
                               ({"modality": "certain"}, "modality"), ({}, "verdict")):
        with pytest.raises(BadCuration) as err:
            curation.review(graph, claim.iri, "alice", **kwargs)
        assert err.value.field == field_name
    with pytest.raises(BadCuration):
        curation.review(graph, claim.iri, "reader", verdict="rejected")
    with pytest.raises(NotFound):
        curation.review(graph, graph.minter.claim_named("ab").toPython(), "alice",
                        verdict="rejected")
    assert curation.reviews(graph, [claim.iri])[claim.iri].records == []


def test_notes_on_claims_and_entities(graph, article):
    graph.ingest_file(article)
    claim = _claim(graph, "treats")
    curation.add_note(graph, claim.iri, "Check the dose.", "alice")
    assert [r.note for r in curation.reviews(graph, [claim.iri])[claim.iri].records] == \
        ["Check the dose."]
    note = curation.add_note(graph, claim.subject.iri, "Also a brand name.", "alice")
    assert note.about == claim.subject.iri
    with pytest.raises(NotFound):
        curation.add_note(graph, "http://localhost:8000/entity/nothing-here", "x", "alice")
