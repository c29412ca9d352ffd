"""Curation (issue 19): records in their own graph, anchored to the claim's
content; a review changes the article's graph as a re-ingest would, a flag
never does; the review state is materialised and read back in one query.

Each test runs on the memory store, the embedded store on disk and an
Oxigraph server (the `graph` fixture's backends)."""
from __future__ import annotations

import time

import pytest

from kg import curation, curation_log, load, read, tally, views
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


def test_a_rejection_survives_an_edit_elsewhere_and_a_new_extractor_version(
        graph, article, monkeypatch):
    """Issue 19's acceptance: reject a claim; re-ingest its article with a
    paragraph edited elsewhere (the claim's offsets move, so its IRI
    changes), then with a new extractor version: still rejected, still no
    direct edge (asked in SPARQL), still not counted; the record's
    `prov:used` follows the claim."""
    graph.ingest_file(article)
    claim = _claim(graph, "treats")
    record = curation.review(graph, claim.iri, "alice", verdict="rejected")
    article.write_text("Ketamine for depression\n\nA new first paragraph about dosing.\n\n"
                       + ARTICLE.split("\n\n", 1)[1], encoding="utf-8")
    assert graph.ingest_file(article).status == "replaced"
    moved = _claim(graph, "treats")
    assert moved.iri != claim.iri and moved.start > claim.start
    assert _state(graph, moved.iri) == "rejected" and _state(graph, claim.iri) is None
    assert not _edge(graph, moved) and _tally_claims(graph, moved) == 0
    assert curation.reviews(graph, [moved.iri])[moved.iri].records[0].id == record.id

    monkeypatch.setattr(load, "EXTRACTOR_VERSION", "99.0.0")
    assert graph.ingest_file(article).status == "replaced"
    again = _claim(graph, "treats")
    assert again.extractor_version == "99.0.0"
    assert _state(graph, again.iri) == "rejected"
    assert not _edge(graph, again) and _tally_claims(graph, again) == 0
    # The other claim of the article is untouched.
    other = _claim(graph, "hasAdverseEffect")
    assert _edge(graph, other) and _state(graph, other.iri) is None


def test_a_changed_modality_survives_a_re_ingest_without_change_notes(graph, article):
    """The curated modality applies again after a re-ingest, and the
    replacement's change notes do not report it as a change."""
    graph.ingest_file(article)
    claim = _claim(graph, "hasAdverseEffect")
    curation.review(graph, claim.iri, "alice", modality="hedged")
    article.write_text(ARTICLE + "\nKetamine is given by injection.\n", encoding="utf-8")
    graph.ingest_file(article)
    assert _claim(graph, "hasAdverseEffect").modality == "hedged"
    view = views.article_view(graph, "k1")
    assert not any("nausea" in line for line in view.changes["added"] + view.changes["removed"])


def test_an_orphaned_curation_is_listed_and_comes_back_with_its_claim(graph, article):
    """When the claim's sentence leaves the article, its record loses its
    link (orphaned, never dropped); when the sentence comes back, so does
    the decision."""
    graph.ingest_file(article)
    claim = _claim(graph, "treats")
    record = curation.review(graph, claim.iri, "alice", verdict="rejected")
    article.write_text(ARTICLE.replace("Ketamine is used to treat depression.",
                                       "Ketamine is studied widely."), encoding="utf-8")
    graph.ingest_file(article)
    assert [r.id for r in curation_log.orphans(graph)] == [record.id]
    assert curation_log.orphans(graph)[0].anchor.evidence == "Ketamine is used to treat depression."
    article.write_text(ARTICLE, encoding="utf-8")
    graph.ingest_file(article)
    assert curation_log.orphans(graph) == []
    back = _claim(graph, "treats")
    assert _state(graph, back.iri) == "rejected" and not _edge(graph, back)
    # Deleting the article orphans it too.
    graph.delete_article("k1")
    assert [r.id for r in curation_log.orphans(graph)] == [record.id]


MINTING = """Zorbafen for migraine

Zorbafen is an antihistamine medicine. Zorbafen is used to treat migraine.
"""
LATER = """Headache relief

Aspirin is used to treat headache. Zorbafen can cause dizziness.
"""


def test_regrounding_a_minted_entity_applies_now_and_to_later_articles(graph, tmp_path):
    """Issue 19's acceptance: a minted entity regrounded to a vocabulary
    entity: the stored article naming it is extracted again at once, and
    the next article with the same surface form is grounded the same way."""
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "z1.txt").write_text(MINTING, encoding="utf-8")
    graph.ingest_file(folder / "z1.txt")
    assert {c.subject.iri for c in read.claims(graph, "z1")} == \
        {str(graph.minter.entity("zorbafen"))}
    record = curation.reground(graph, "Zorbafen", "ketamine", "alice", note="a brand name")
    assert record.surface == "zorbafen"
    ketamine = str(graph.minter.entity("ketamine"))
    assert {c.subject.iri for c in read.claims(graph, "z1")} == {ketamine}
    assert not graph.store.ask(f"ASK {{ GRAPH ?a {{ ?a {iri(HKG.mentions)} "
                               f"{iri(graph.minter.entity('zorbafen'))} }} }}")
    (folder / "z2.txt").write_text(LATER, encoding="utf-8")
    graph.ingest_file(folder / "z2.txt")
    dizziness = [c for c in read.claims(graph, "z2") if c.object.label == "dizziness"]
    assert [c.subject.iri for c in dizziness] == [ketamine]
    # A fresh context (another process) learns the form from the store.
    from kg.context import Context

    assert Context(graph.store, graph.minter).vocabulary.find("zorbafen").key == "ketamine"
    # Undo forgets it: the articles are extracted again without it.
    curation.undo(graph, record.id, "alice")
    assert {c.subject.iri for c in read.claims(graph, "z1")} == \
        {str(graph.minter.entity("zorbafen"))}


def test_history_lists_ingests_replacements_and_curations_newest_first(graph, article):
    graph.ingest_file(article)
    claim = _claim(graph, "treats")
    flagged = curation.flag(graph, claim.iri, "wrong")
    rejected = curation.review(graph, claim.iri, "alice", verdict="rejected")
    time.sleep(1.01)  # an article's time is to the second, a record's finer
    article.write_text(ARTICLE + "\nKetamine can cause dizziness.\n", encoding="utf-8")
    graph.ingest_file(article)
    moved = _claim(graph, "treats")
    events = curation_log.history(graph, moved.iri)
    assert [e.kind for e in events] == ["replaced", "review", "flag"]
    assert [e.record.id for e in events[1:]] == [rejected.id, flagged.id]
    assert any("dizziness" in line for line in events[0].added)
    article_events = curation_log.history(graph, str(graph.minter.article("k1")))
    assert [e.kind for e in article_events] == ["replaced", "review", "flag"]
    entity_events = curation_log.history(graph, claim.object.iri)
    assert [e.kind for e in entity_events] == ["review", "flag"]
    relation = (claim.subject.iri, str(HKG.treats), claim.object.iri)
    assert [e.kind for e in curation_log.history(graph, relation=relation)] == \
        ["replaced", "review", "flag"]
    assert events[1].as_json()["record"]["verdict"] == "rejected"


def test_queue_orders_open_flags_and_unmapped_entities_by_reach(graph, tmp_path, article):
    graph.ingest_file(article)
    folder = tmp_path / "more"
    folder.mkdir()
    for name in ("z1", "z3"):
        (folder / f"{name}.txt").write_text(MINTING, encoding="utf-8")
        graph.ingest_file(folder / f"{name}.txt")
    claim = _claim(graph, "treats")
    curation.flag(graph, claim.iri, "wrong-entity")
    items = curation_log.queue(graph)
    assert [(i.kind, i.label, i.reach) for i in items] == \
        [("unmapped", "zorbafen", 2), ("flag", "ketamine treats depression", 1)]
    assert items[1].flags == {"wrong-entity": 1} and items[1].iri == claim.iri
    assert curation_log.queue(graph, limit=1, offset=1) == items[1:]
    curation.review(graph, claim.iri, "alice", verdict="confirmed")
    assert [i.kind for i in curation_log.queue(graph)] == ["unmapped"]


def test_export_writes_the_eval_schema_and_import_loads_it_back(graph, article, tmp_path):
    """Curated claims become evaluation JSONL; imported into a fresh graph
    holding the same article they make the same decisions, once."""
    graph.ingest_file(article)
    treats, effect = _claim(graph, "treats"), _claim(graph, "hasAdverseEffect")
    curation.review(graph, treats.iri, "alice", verdict="rejected", note="not in the text")
    curation.review(graph, effect.iri, "bob", verdict="confirmed", modality="hedged")
    curation.flag(graph, effect.iri, "wrong")
    lines = list(curation_log.export_records(graph))
    assert lines == [
        {"article": "k1", "subject": "ketamine", "subject_type": "Drug",
         "predicate": "hasAdverseEffect", "object": "nausea", "object_type": "AdverseEffect",
         "object_synonyms": effect.object.synonyms and list(effect.object.synonyms),
         "object_ids": list(effect.object.ids), "modality": "hedged",
         "evidence": "Ketamine can cause nausea.", "curation": "confirmed", "curators": ["bob"]},
        {"article": "k1", "subject": "ketamine", "subject_type": "Drug", "predicate": "treats",
         "object": "depression", "object_type": "Condition",
         "object_synonyms": list(treats.object.synonyms), "object_ids": list(treats.object.ids),
         "modality": "asserted", "evidence": "Ketamine is used to treat depression.",
         "curation": "rejected", "curators": ["alice"], "note": "not in the text"}]
    for record in curation.reviews(graph, [treats.iri, effect.iri]).values():
        for r in record.records:
            if r.kind == "review":
                curation.undo(graph, r.id, "alice")
    assert curation.reviews(graph, [treats.iri])[treats.iri].state is None
    import json

    text = [json.dumps(line) for line in lines]
    assert curation_log.import_records(graph, text, "carol") == 2
    assert curation_log.import_records(graph, text, "carol") == 0
    found = curation.reviews(graph, [treats.iri, effect.iri])
    assert (found[treats.iri].state, found[effect.iri].state, found[effect.iri].modality) == \
        ("rejected", "confirmed", "hedged")
    with pytest.raises(BadCuration):
        curation_log.import_records(graph, ["{not json"], "carol")


def test_merge_regrounds_every_name_of_a_minted_entity(graph, tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "z1.txt").write_text(MINTING, encoding="utf-8")
    graph.ingest_file(folder / "z1.txt")
    zorbafen = str(graph.minter.entity("zorbafen"))
    with pytest.raises(BadCuration):
        curation.merge(graph, "ketamine", zorbafen, "alice")
    record = curation.merge(graph, zorbafen, "ketamine", "alice")
    assert record.kind == "merge" and record.merged == zorbafen
    assert {c.subject.label for c in read.claims(graph, "z1")} == {"ketamine"}
    assert [e.kind for e in curation_log.history(graph, zorbafen)] == ["merge"]


def test_the_bulk_ingest_sends_curated_articles_through_the_curated_path(graph, article):
    """`kg ingest`'s batch path (no readers, new articles many per
    transaction): an article some record is anchored in is written one by
    one with its curations applied (here: deleted, then added back in a
    batch with another article); the other article takes the fast path."""
    graph.ingest_file(article)
    claim = _claim(graph, "treats")
    curation.review(graph, claim.iri, "alice", verdict="rejected")
    graph.delete_article("k1")
    other = article.parent / "k2.txt"
    other.write_text(ARTICLE.replace("depression", "anxiety"), encoding="utf-8")
    results = list(graph.ingest_files([article, other], readers=False, workers=0))
    assert [r.status for r in results] == ["added", "added"]
    back = _claim(graph, "treats")
    assert _state(graph, back.iri) == "rejected" and not _edge(graph, back)
    assert _tally_claims(graph, back) == 0
    assert curation_log.orphans(graph) == []
    fresh = next(c for c in read.claims(graph, "k2") if c.predicate == "treats")
    assert _edge(graph, fresh) and _tally_claims(graph, fresh) == 1


def test_curated_data_validates_and_the_search_index_follows_a_review(graph, article):
    """The curation graph conforms to the shapes, with every kind of record;
    the index holds the claim with its curated modality (the graph first,
    then the index, as for an ingest)."""
    from kg.validate import validate

    graph.ingest_file(article)
    claim = _claim(graph, "hasAdverseEffect")
    curation.flag(graph, claim.iri, "wrong-modality")
    curation.review(graph, claim.iri, "alice", modality="negated", note="it says rarely")
    curation.add_note(graph, claim.subject.iri, "A note.", "alice")
    undone = curation.review(graph, _claim(graph, "treats").iri, "bob", verdict="confirmed")
    curation.undo(graph, undone.id, "bob")
    report = validate(graph)
    assert report.conforms, report.text
    hits = graph.search.search("nausea", filters={"kind": "claim", "modality": "negated"})
    assert [h["iri"] for h in hits.hits] == [claim.iri]


def test_the_claims_turtle_export_carries_the_review_state(graph, article):
    """`kg claims --format ttl`'s graph: a rejected claim with its state and
    without its direct edge; a flagged one with its open flags."""
    graph.ingest_file(article)
    treats, effect = _claim(graph, "treats"), _claim(graph, "hasAdverseEffect")
    curation.review(graph, treats.iri, "alice", verdict="rejected")
    curation.flag(graph, effect.iri, "wrong")
    exported = read.claims_graph(graph, "k1")
    from rdflib import Literal, URIRef

    assert (URIRef(treats.iri), HKG.reviewState, HKG.rejected) in exported
    assert (URIRef(effect.iri), HKG.reviewState, HKG.flagged) in exported
    assert (URIRef(effect.iri), HKG.flagCount, Literal(1)) in exported
    assert (URIRef(treats.subject.iri), HKG.treats, URIRef(treats.object.iri)) not in exported
    assert (URIRef(effect.subject.iri), HKG.hasAdverseEffect,
            URIRef(effect.object.iri)) in exported


def test_a_recount_of_the_tally_agrees_with_the_counts_kept_through_curations(graph, article):
    """The tally kept write by write (reject, re-ingest, undo) equals a
    recount from the articles (`tally.rebuild` skips rejected claims too)."""
    graph.ingest_file(article)
    claim = _claim(graph, "treats")
    record = curation.review(graph, claim.iri, "alice", verdict="rejected")
    curation.review(graph, _claim(graph, "hasAdverseEffect").iri, "bob", modality="hedged")
    article.write_text(ARTICLE + "\nKetamine can cause dizziness.\n", encoding="utf-8")
    graph.ingest_file(article)

    def counts():
        name = tally.tally_graph(graph)
        return sorted(map(str, (q[:3] for q in graph.store.quads(name))))

    kept = counts()
    tally.rebuild(graph)
    assert counts() == kept
    assert _tally_claims(graph, claim) == 0
    curation.undo(graph, record.id, "alice")
    kept = counts()
    tally.rebuild(graph)
    assert counts() == kept and _tally_claims(graph, claim) == 1


def test_subgraph_exports_leave_rejected_claims_out_and_carry_each_state(graph, article):
    """`kg export` of an entity or an article: the rejected claim is in no
    format (its relation is no edge: only it stated the relation); the
    flagged one is, with its state in Turtle, Cytoscape JSON and the edges
    table; `kg claims` JSONL rows and the claims list carry `review_state`."""
    import csv
    import io
    import json

    from rdflib import Graph, URIRef

    from kg import claimlist
    from kg.export import ExportRequest, export

    graph.ingest_file(article)
    treats, effect = _claim(graph, "treats"), _claim(graph, "hasAdverseEffect")
    curation.review(graph, treats.iri, "alice", verdict="rejected")
    curation.flag(graph, effect.iri, "wrong")
    for request in (ExportRequest(entity="ketamine"), ExportRequest(article="k1")):
        sub, turtle = export(graph, request, "ttl")
        assert {data["predicate"] for _, _, data in sub.edges(data=True)} == {"hasAdverseEffect"}
        exported = Graph().parse(data=turtle, format="turtle")
        assert (URIRef(effect.iri), HKG.reviewState, HKG.flagged) in exported
        assert not any(True for _ in exported.triples((URIRef(treats.iri), None, None)))
        assert (URIRef(treats.subject.iri), HKG.treats, URIRef(treats.object.iri)) \
            not in exported
        _, cytoscape = export(graph, request, "cytoscape")
        edges = [e["data"] for e in json.loads(cytoscape)["elements"]["edges"]]
        assert [[c["review"] for c in e["evidence"]] for e in edges] == [["flagged"]]
        _, table = export(graph, request, "csv")
        rows = list(csv.DictReader(io.StringIO(table.decode("utf-8"))))
        assert [(r["predicate"], r["curation"]) for r in rows] == [("hasAdverseEffect",
                                                                    "flagged 1")]
    # Undone, the rejection no longer hides the claim.
    record = curation.reviews(graph, [treats.iri])[treats.iri].records[-1]
    curation.undo(graph, record.id, "alice")
    sub, _ = export(graph, ExportRequest(article="k1"), "ttl")
    assert {data["predicate"] for _, _, data in sub.edges(data=True)} \
        == {"hasAdverseEffect", "treats"}
    page = claimlist.claim_page(graph, claimlist.ClaimFilter())
    states = {row.record.predicate: row.as_json()["review_state"] for row in page.rows}
    assert states["hasAdverseEffect"] == "flagged" and states["treats"] is None
