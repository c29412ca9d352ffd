"""Belief per relation (`kg.belief`, issue 19 item 5): more independent
articles raise it, a denial lowers it, a curator's rejection removes a
vote and a confirmation makes it certain; the why names the counts; the
belief graph, read over SPARQL, equals what `kg.belief` computes after
adds, replacements, deletions and bulk ingests; the rule precision file is
what `scripts/measure_rules.py` measures."""
from __future__ import annotations

import importlib.util

import pytest

import ontology
from kg import KnowledgeGraph, belief
from kg.store.base import Patch
from kg.terms import HKG, sparql_prefixes

from ..conftest import ROOT, shared_file

E = "http://localhost:8000/entity/"
TREATS = (E + "sertraline", str(HKG.treats), E + "depression")
NAUSEA = (E + "sertraline", str(HKG.hasAdverseEffect), E + "nausea")

ARTICLES = {
    "one": "Article one\n\nSertraline is used to treat depression. Sertraline can cause "
           "nausea. Sertraline may cause insomnia.\n",
    "two": "Article two\n\nSertraline is used to treat depression. Sertraline may cause "
           "nausea.\n",
    "three": "Article three\n\nSertraline can cause nausea. Sertraline does not treat "
             "depression.\n",
}


@pytest.fixture(params=["memory", "embedded"])
def settings(request, settings_for):
    return settings_for(request.param)


def _write(folder, name: str, text: str):
    path = folder / f"{name}.txt"
    path.write_text(text, encoding="utf-8")
    return path


def _graph_beliefs(graph) -> dict[tuple, tuple]:
    """The belief graph as a SPARQL reader sees it."""
    rows = graph.store.select_values(sparql_prefixes() + f"""
        SELECT ?s ?p ?o ?v ?why ?contested ?n ?k ?articles WHERE {{
          GRAPH <{belief.belief_graph(graph)}> {{
            ?b hkg:beliefSubject ?s ; hkg:beliefPredicate ?p ;
               hkg:beliefObject ?o ; hkg:belief ?v ; hkg:beliefWhy ?why .
            OPTIONAL {{ ?b hkg:beliefArticles ?articles }}
            OPTIONAL {{ ?b hkg:contested ?contested }}
            OPTIONAL {{ ?b hkg:supportingArticles ?n ; hkg:denyingArticles ?k }} }} }}""")
    return {(r["s"], r["p"], r["o"]): (
        round(float(r["v"]), 3), r["why"], r.get("contested") == "true",
        int(r.get("n", r.get("articles", 1))), int(r.get("k", 0)), int(r.get("articles", 1)))
        for r in rows}


def _computed(graph) -> dict[tuple, tuple]:
    relations = [(r["s"], r["p"], r["o"]) for r in graph.store.select_values(
        sparql_prefixes() + """SELECT DISTINCT ?s ?p ?o WHERE {
            GRAPH ?a { ?c a hkg:Claim ; hkg:subject ?s ; hkg:predicate ?p ; hkg:object ?o } }""")]
    return {rel: (round(b.value, 3), b.why, b.contested, b.supporting, b.denying, b.articles)
            for rel, b in belief.beliefs(graph, relations).items()}


def _claims(graph, relation, article: str) -> list[str]:
    s, p, o = relation
    rows = graph.store.select_values(sparql_prefixes() + f"""
        SELECT ?c WHERE {{ GRAPH <{graph.minter.article(article)}> {{
          ?c hkg:subject <{s}> ; hkg:predicate <{p}> ; hkg:object <{o}> }} }}""")
    return [r["c"] for r in rows]


def _review(graph, claims: list[str], state: str) -> None:
    """What `kg.curation` materialises: the claim's review state in the
    curation graph (the contract of ../notes/curation-spec.md)."""
    from rdflib import URIRef

    graph.store.add_graphs([], "", Patch(belief.curation_graph(graph), add=[
        (URIRef(c), HKG.reviewState, HKG[state]) for c in claims]))


def test_more_articles_raise_belief_and_a_denial_lowers_it(settings, tmp_path):
    with KnowledgeGraph.open(settings) as graph:
        graph.ingest_file(_write(tmp_path, "one", ARTICLES["one"]))
        alone = belief.belief(graph, *TREATS)
        assert alone is not None and alone.articles == 1 and not alone.contested
        graph.ingest_file(_write(tmp_path, "two", ARTICLES["two"]))
        both = belief.belief(graph, *TREATS)
        assert both is not None and both.value > alone.value and both.articles == 2
        graph.ingest_file(_write(tmp_path, "three", ARTICLES["three"]))
        denied = belief.belief(graph, *TREATS)
        assert denied is not None and denied.value < both.value
        assert denied.contested and (denied.supporting, denied.denying) == (2, 1)
        assert denied.why.startswith("2 articles support it (2 stated), 1 denies it; "
                                     "rules about ")
        nausea = belief.belief(graph, *NAUSEA)
        assert nausea is not None
        assert nausea.why.startswith("3 articles support it (2 stated, 1 hedged); ")
        # A hedged claim alone weighs less than a stated one.
        insomnia = belief.belief(graph, E + "sertraline", str(HKG.hasAdverseEffect),
                                 E + "insomnia")
        assert insomnia is not None and insomnia.value < alone.value


def test_the_belief_graph_over_sparql_equals_kg_belief_through_every_write(
        settings, tmp_path):
    with KnowledgeGraph.open(settings) as graph:
        for name, text in ARTICLES.items():
            graph.ingest_file(_write(tmp_path, name, text))
        stored = _graph_beliefs(graph)
        assert stored == _computed(graph) and len(stored) == 3
        assert stored[TREATS][2] is True  # contested
        assert [c.relation for c in belief.contested(graph)] == [TREATS]
        assert belief.contested_count(graph) == 1

        # A replacement that drops the denial: no longer contested.
        graph.ingest_file(_write(tmp_path, "three", "Article three\n\nSertraline can "
                                                    "cause nausea.\n"))
        assert _graph_beliefs(graph) == _computed(graph)
        assert belief.contested(graph) == []
        graph.delete_article("one")
        stored = _graph_beliefs(graph)
        # (Other relations of the confirmed claim's rule keep the precision
        # of their last refresh: see `belief.refresh`.)
        assert stored[NAUSEA] == _computed(graph)[NAUSEA]
        insomnia = (E + "sertraline", str(HKG.hasAdverseEffect), E + "insomnia")
        assert insomnia not in stored  # its only article is gone


def test_a_rejected_claim_loses_its_vote_and_a_confirmed_one_is_certain(settings, tmp_path):
    with KnowledgeGraph.open(settings) as graph:
        for name, text in ARTICLES.items():
            graph.ingest_file(_write(tmp_path, name, text))
        before = belief.belief(graph, *TREATS)
        assert before is not None and before.contested
        # The denial rejected: the relation is as if article three never said it.
        _review(graph, _claims(graph, TREATS, "three"), "rejected")
        belief.refresh(graph, [TREATS])
        after = belief.belief(graph, *TREATS)
        assert after is not None and not after.contested and after.value > before.value
        assert (after.supporting, after.denying, after.articles) == (2, 0, 2)
        assert after.why.endswith("; 1 claim rejected by a curator")
        assert _graph_beliefs(graph)[TREATS][:3] == (round(after.value, 3), after.why, False)

        # Both supporting claims rejected too: nothing supports it.
        _review(graph, _claims(graph, TREATS, "one") + _claims(graph, TREATS, "two"),
                "rejected")
        gone = belief.belief(graph, *TREATS)
        assert gone is not None and gone.value == 0 and gone.articles == 0
        assert gone.why == "no article supports it; 3 claims rejected by a curator"

        # A confirmed stated claim is certain.
        _review(graph, _claims(graph, NAUSEA, "two"), "confirmed")  # the hedged one
        _review(graph, _claims(graph, NAUSEA, "one"), "confirmed")
        sure = belief.belief(graph, *NAUSEA)
        assert sure is not None and sure.value == 1.0
        assert sure.why.endswith("; 2 claims confirmed by curators")


def test_curator_decisions_update_a_rules_precision(settings, tmp_path):
    """Rejections of a rule's claims lower its precision (and so the belief
    of every relation it extracted, at their next refresh)."""
    with KnowledgeGraph.open(settings) as graph:
        for name, text in ARTICLES.items():
            graph.ingest_file(_write(tmp_path, name, text))
        claims = _claims(graph, NAUSEA, "one")
        rule = graph.store.select_values(f"SELECT ?r WHERE {{ <{claims[0]}> <{HKG.rule}> ?r }}")
        name = rule[0]["r"]
        measured = belief.rule_precision(graph)[name]
        assert measured.shown > 0 and (measured.confirmed, measured.rejected) == (0, 0)
        _review(graph, claims, "rejected")
        after = belief.rule_precision(graph)[name]
        assert after.rejected == 1 and after.value < measured.value
        # A rule no file row names has the prior's precision.
        assert belief.rule_precision(graph).get("no.such-rule", belief.Precision()).value \
            == belief.PRIOR[0] / sum(belief.PRIOR)


def test_a_bulk_ingest_writes_beliefs_at_its_flush_and_a_crash_is_recomputed(
        settings, tmp_path):
    """`kg ingest` (no readers) writes beliefs once per flush, with the
    version triple; while counts are held the version is missing, so a
    writer that opens the store after a crash recomputes every belief."""
    files = [_write(tmp_path, name, text) for name, text in ARTICLES.items()]
    with KnowledgeGraph.open(settings) as graph:
        assert not belief.ensure(graph)  # the open made an empty, current graph
        list(graph.ingest_files(files, batch=1, workers=0, readers=False))
        assert _graph_beliefs(graph) == _computed(graph) != {}
        assert not belief.ensure(graph)
        # A death while counts were held: no version triple.
        belief.mark_stale(graph)
        graph.store.drop_graph(belief.belief_graph(graph))
        assert belief.ensure(graph)
        assert _graph_beliefs(graph) == _computed(graph) != {}


@pytest.mark.parametrize("readers", [False, True])
def test_batches_over_stored_articles_give_the_same_beliefs(settings, tmp_path, readers):
    """A batch whose relations other stored articles also state (read back
    from the store) and relations only its articles state (from the claims
    in hand) end equal to computing every belief afresh, with a reader (a
    server's multi-file upload) or without (`kg ingest`)."""
    with KnowledgeGraph.open(settings) as graph:
        graph.ingest_file(_write(tmp_path, "one", ARTICLES["one"]))
        _review(graph, _claims(graph, NAUSEA, "one"), "rejected")
        # Every belief at the rule precision the rejection changed (a
        # curation refreshes its own relation only; `kg reindex` all).
        belief.refresh(graph)
        files = [_write(tmp_path, name, ARTICLES[name]) for name in ("two", "three")]
        files.append(_write(tmp_path, "four", "Article four\n\nFluoxetine can cause "
                                              "headache.\n"))
        assert [r.status for r in graph.ingest_files(files, batch=2, workers=0,
                                                     readers=readers)] == ["added"] * 3
        stored = _graph_beliefs(graph)
        # (Other relations of the confirmed claim's rule keep the precision
        # of their last refresh: see `belief.refresh`.)
        assert stored[NAUSEA] == _computed(graph)[NAUSEA]
        assert stored[NAUSEA][1].endswith("; 1 claim rejected by a curator")
        assert stored[TREATS][2] is True
        assert (E + "fluoxetine", str(HKG.hasAdverseEffect), E + "headache") in stored


def test_the_shipped_rule_precision_file_is_complete_and_packaged():
    """Every row has shown >= correct >= 0, and the file is package data."""
    rows = belief._measured()
    assert len(rows) > 20
    assert all(shown >= correct >= 0 and shown > 0 for shown, correct in rows.values())
    assert "*.tsv" in (ROOT / "setup.cfg").read_text().split("ontology =")[1].splitlines()[0]
    assert ontology.RULE_PRECISION.read_text().startswith("# Extraction rule precision")


def test_measure_rules_regenerates_the_shipped_counts():
    """The committed file is what the script measures on ../shared/eval/dev
    now (re-run scripts/measure_rules.py after changing a rule)."""
    shared_file("eval/dev/ketamine-for-anxiety.gold.jsonl")
    spec = importlib.util.spec_from_file_location("measure_rules",
                                                  ROOT / "scripts" / "measure_rules.py")
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    articles = sorted(script.DEV.glob("*.txt"))
    assert script.measure(articles) == dict(belief._measured())


def test_exports_carry_each_relations_belief(settings, tmp_path):
    """The edges table has the belief and its why; every RDF format has the
    belief graph's node of each relation, equal to `kg.belief`'s."""
    import csv
    import io

    from rdflib import Graph, Literal, URIRef
    from rdflib.namespace import XSD

    from kg.export import tables
    from kg.export.metadata import article_metadata
    from kg.export.rdf import write_jsonld, write_ntriples, write_rdfxml, write_turtle
    from kg.subgraph import neighbourhood

    with KnowledgeGraph.open(settings) as graph:
        for name, text in ARTICLES.items():
            graph.ingest_file(_write(tmp_path, name, text))
        sub = neighbourhood(graph, "sertraline", 1)
        sub.graph["articles"] = article_metadata(graph, list(ARTICLES))
        expected = belief.belief(graph, *TREATS)
        assert expected is not None
        rows = list(csv.DictReader(io.StringIO(
            tables.write_edges_csv(sub).decode("utf-8-sig"))))
        depression = next(r for r in rows if r["object"] == "depression")
        assert (depression["belief"], depression["belief_why"]) == (
            f"{expected.value:.3f}", expected.why)
        for writer, fmt in ((write_turtle, "turtle"), (write_ntriples, "nt"),
                            (write_rdfxml, "xml"), (write_jsonld, "json-ld")):
            parsed = Graph().parse(data=writer(sub), format=fmt)
            nodes = list(parsed.subjects(HKG.beliefObject, URIRef(TREATS[2])))
            assert len(nodes) == 1, fmt
            value = parsed.value(nodes[0], HKG.belief)
            assert value == Literal(f"{expected.value:.3f}", datatype=XSD.decimal), fmt
            assert str(parsed.value(nodes[0], HKG.beliefWhy)) == expected.why, fmt
            assert parsed.value(nodes[0], HKG.contested) == Literal(True), fmt


def test_a_curators_review_and_its_undo_refresh_the_belief_graph(settings, tmp_path):
    """Through `kg.curation` (no refresh by hand): rejecting the denial makes
    the stored belief uncontested and higher; undoing it restores the first
    belief exactly."""
    from kg import curation

    with KnowledgeGraph.open(settings) as graph:
        for name, text in ARTICLES.items():
            graph.ingest_file(_write(tmp_path, name, text))
        first = _graph_beliefs(graph)[TREATS]
        assert first[2] is True  # contested
        record = curation.review(graph, _claims(graph, TREATS, "three")[0], "bea",
                                 verdict="rejected")
        after = _graph_beliefs(graph)[TREATS]
        assert after[2] is False and after[0] > first[0] and after[4] == 0
        assert after == _computed(graph)[TREATS]
        assert after[1].endswith("; 1 claim rejected by a curator")
        curation.undo(graph, record.id, "bea")
        assert _graph_beliefs(graph)[TREATS] == first


def test_a_certain_belief_survives_a_bulk_change_of_its_node(settings, tmp_path):
    """A belief of exactly 1 (a confirmed claim) whose node changes in a
    bulk ingest (a second article: its article count goes from 1 to 2)
    keeps its value: the patch removes the stored literal and adds the new
    one, and the two must not be one term to the store but two to rdflib
    (Oxigraph stores "1.000"^^xsd:decimal as "1": a crash test's rerun
    lost every such value)."""
    with KnowledgeGraph.open(settings) as graph:
        graph.ingest_file(_write(tmp_path, "one", ARTICLES["one"]))
        _review(graph, _claims(graph, NAUSEA, "one"), "confirmed")
        belief.refresh(graph, [NAUSEA])
        assert _graph_beliefs(graph)[NAUSEA][0] == 1.0
        five = _write(tmp_path, "five", "Article five\n\nSertraline can cause nausea.\n")
        assert [r.status for r in graph.ingest_files([five], batch=1, workers=0,
                                                     readers=False)] == ["added"]
        stored = _graph_beliefs(graph)
        assert stored[NAUSEA][0] == 1.0 and stored[NAUSEA][5] == 2
        # (Other relations of the confirmed claim's rule keep the precision
        # of their last refresh: see `belief.refresh`.)
        assert stored[NAUSEA] == _computed(graph)[NAUSEA]
