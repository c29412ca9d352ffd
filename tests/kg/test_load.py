"""Writing articles: idempotent, replace and retract per graph, all-or-nothing."""
from __future__ import annotations

import dataclasses
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kg import KnowledgeGraph, Settings, load, read
from kg.load import ensure_ontology, find_articles
from kg.terms import DCTERMS

from ..conftest import backend_settings, seed_article, WITH_VIRTUOSO


@pytest.fixture(params=WITH_VIRTUOSO)
def settings(request, settings_for):
    """This module's tests also run against a Virtuoso server."""
    return settings_for(request.param)


def _article_quads(graph: KnowledgeGraph, article_id: str) -> set:
    iri = graph.minter.article(article_id)
    return {q[:3] for q in graph.store.quads(iri) if q[1] != DCTERMS.modified}


def test_ingest_twice_changes_nothing(graph, seed_copy):
    """A second ingest of the same file leaves the sorted N-Quads dump identical."""
    first = graph.ingest_file(seed_copy)
    assert first.status == "added" and first.claims >= 20
    dump = graph.store.dump_nquads()
    second = graph.ingest_file(seed_copy)
    assert second.status == "unchanged"
    assert graph.store.dump_nquads() == dump


def test_replace_changes_only_that_article(graph, seed_copy, tmp_path):
    """Editing one article rewrites its graph; the other article's quads stay."""
    other = tmp_path / "articles" / "other.txt"
    other.write_text("Sertraline is used to treat depression.\n\nSertraline can cause nausea.\n",
                     encoding="utf-8")
    graph.ingest_file(seed_copy)
    graph.ingest_file(other)
    before_other = _article_quads(graph, "other")
    before_seed = _article_quads(graph, "ketamine-for-anxiety")
    seed_copy.write_text(seed_copy.read_text(encoding="utf-8") +
                         "\nKetamine may cause bladder pain.\n", encoding="utf-8")
    result = graph.ingest_file(seed_copy)
    assert result.status == "replaced"
    assert _article_quads(graph, "other") == before_other
    after_seed = _article_quads(graph, "ketamine-for-anxiety")
    assert after_seed != before_seed
    evidence = {c.evidence for c in read.claims(graph, "ketamine-for-anxiety")}
    assert "Ketamine may cause bladder pain." in evidence


def test_delete_retracts_the_whole_article(graph, seed_copy):
    graph.ingest_file(seed_copy)
    assert graph.delete_article("ketamine-for-anxiety") is True
    assert not any(True for _ in graph.store.quads(graph.minter.article("ketamine-for-anxiety")))
    assert read.claims(graph) == []
    assert graph.store.select(
        "SELECT ?s WHERE { ?s <https://w3id.org/health-kg/ontology#treats> ?o }") == []
    assert graph.delete_article("ketamine-for-anxiety") is False


def test_claims_contract(graph, seed_copy):
    """Every claim has the README's JSONL shape and its offsets slice the text."""
    graph.ingest_file(seed_copy)
    text = seed_copy.read_text(encoding="utf-8")
    records = read.claims(graph)
    assert len(records) >= 20
    for record in records:
        data = json.loads(json.dumps(record.as_json()))
        assert set(data) == {"article", "claim", "subject", "predicate", "object", "modality",
                             "evidence", "start", "end"}
        for side in ("subject", "object"):
            assert set(data[side]) == {"iri", "label", "type", "synonyms", "ids"}
            assert data[side]["type"] in {"Drug", "Chemical", "Receptor", "Mechanism",
                                          "Condition", "AdverseEffect", "Procedure", "Route"}
        assert data["modality"] in {"asserted", "hedged", "investigational", "negated"}
        assert text[data["start"]:data["end"]] == data["evidence"]
        assert data["article"] == "ketamine-for-anxiety"


def test_negated_claims_have_no_direct_edge(graph, tmp_path):
    path = tmp_path / "neg.txt"
    path.write_text("Esketamine does not cause nausea.\n\nEsketamine can cause dizziness.\n",
                    encoding="utf-8")
    graph.ingest_file(path)
    records = {(c.object.label, c.modality) for c in read.claims(graph)}
    assert ("nausea", "negated") in records
    edges = graph.store.select(
        "SELECT ?o WHERE { ?s <https://w3id.org/health-kg/ontology#hasAdverseEffect> ?o }")
    labels = {read.entity_info(graph, [r["o"]])[str(r["o"])].label for r in edges}
    assert "nausea" not in labels and "dizziness" in labels


BAD_FILES = {
    "empty.txt": b"",
    "blank.txt": b"   \n\n  ",
    "binary.txt": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n",
    "nul.txt": b"\x00\x01\x02" * 400,
    "latin1.txt": "Caf\xe9 ketamine".encode("latin-1"),
    "broken.json": b'{"id": "x", "text": ',
    "notext.json": b'{"id": "x", "title": "no text field"}',
    "picture.png": b"\x89PNG\r\n\x1a\n",
}


@pytest.fixture(scope="module", params=WITH_VIRTUOSO)
def refusing_graph(request, tmp_path_factory):
    """One graph per backend for the bad files: each case checks that its
    file writes nothing, so they can share it (a fresh store per case cost
    ~2 s, 32 times).  pytest runs one backend's cases together, so no other
    test empties a server in between."""
    folder = tmp_path_factory.mktemp(f"refusing-{request.param}")
    with KnowledgeGraph.open(backend_settings(request, folder, request.param)) as opened:
        yield opened


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_input_is_refused_and_named(refusing_graph, tmp_path, name):
    """Each bad file gets a one-line error naming it; nothing is written."""
    graph = refusing_graph
    path = tmp_path / name
    path.write_bytes(BAD_FILES[name])
    before = graph.store.dump_nquads()
    result = graph.ingest_file(path)
    assert result.status == "failed"
    assert name in result.error and "\n" not in result.error
    assert graph.store.dump_nquads() == before


def test_oversize_file_is_refused_before_reading(graph, tmp_path):
    path = tmp_path / "huge.txt"
    with open(path, "wb") as handle:
        handle.truncate(6 * 1024 * 1024)
    result = graph.ingest_file(path)
    assert result.status == "failed" and "limit" in result.error and "huge.txt" in result.error


def test_duplicate_article_ids_in_one_run_are_refused(graph, tmp_path):
    (tmp_path / "a").mkdir()
    first = tmp_path / "a" / "same.txt"
    second = tmp_path / "same.md"
    first.write_text("Ketamine can cause nausea.\n", encoding="utf-8")
    second.write_text("# Same\n\nKetamine can cause dizziness.\n", encoding="utf-8")
    claimed: dict[str, str] = {}
    assert graph.ingest_file(first, claimed).ok
    result = graph.ingest_file(second, claimed)
    assert not result.ok and "already used" in result.error


def test_find_articles_skips_hidden_and_unknown_files(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x.txt").write_text("hidden")
    (tmp_path / "a.txt").write_text("x")
    (tmp_path / "b.pdf").write_text("x")
    (tmp_path / "README.md").write_text("x")
    files, missing = find_articles([tmp_path, tmp_path / "nope.txt", tmp_path / "README.md"])
    assert [f.name for f in files] == ["a.txt", "README.md"]
    assert len(missing) == 1 and "nope.txt" in missing[0].error


def test_ontology_is_loaded_once_and_aligned_to_biolink(graph):
    """The ontology graph is current (a second load writes nothing) and at
    least 15 terms map to Biolink."""
    assert ensure_ontology(graph) is False
    rows = graph.store.select("""
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT (COUNT(DISTINCT ?t) AS ?n) WHERE {
          ?t rdfs:subClassOf|rdfs:subPropertyOf|skos:exactMatch|skos:closeMatch ?b .
          FILTER(STRSTARTS(STR(?t), "https://w3id.org/health-kg/ontology#"))
          FILTER(STRSTARTS(STR(?b), "https://w3id.org/biolink/vocab/")) }""")
    assert int(rows[0]["n"]) >= 15


def test_shacl_conformance_after_ingest(graph, seed_copy):
    from kg.validate import validate

    graph.ingest_file(seed_copy)
    report = validate(graph)
    assert report.conforms, report.text


def test_shacl_catches_a_broken_claim(graph, seed_copy):
    """Validation is not vacuous: a claim without evidence is reported."""
    from kg.validate import validate

    graph.ingest_file(seed_copy)
    iri = graph.minter.article("ketamine-for-anxiety")
    quads = [q[:3] for q in graph.store.quads(iri)
             if str(q[1]) != "https://w3id.org/health-kg/ontology#evidence"]
    graph.store.replace_graph(iri, quads)
    report = validate(graph)
    assert not report.conforms and report.violations >= 20


def _graph_state(data_dir: Path) -> dict[str, set]:
    with KnowledgeGraph.open(Settings(data_dir=str(data_dir))) as graph:
        return {str(a.id): _article_quads(graph, a.id) for a in read.articles(graph)}


def test_kill_9_during_ingest_leaves_each_article_whole(tmp_path):
    """A real `kill -9` at random moments of a 40-article ingest: the store
    opens, each article present is exactly its complete graph, and a rerun
    converges to the same content as an uninterrupted ingest."""
    folder = tmp_path / "many"
    folder.mkdir()
    text = seed_article().read_text(encoding="utf-8")
    for i in range(40):
        (folder / f"copy-{i:02d}.txt").write_text(text + f"\nVariant {i}.\n", encoding="utf-8")
    reference = tmp_path / "reference"
    subprocess.run([sys.executable, "-m", "kg.cli", "--data-dir", str(reference), "ingest",
                    "-q", str(folder)], check=True, capture_output=True)
    expected = _graph_state(reference)
    assert len(expected) == 40
    rng = random.Random(20261127)
    for trial in range(3):
        data = tmp_path / f"trial-{trial}"
        proc = subprocess.Popen([sys.executable, "-m", "kg.cli", "--data-dir", str(data),
                                 "ingest", "-q", str(folder)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(1.0, 4.0))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        state = _graph_state(data)
        for article, quads in state.items():
            assert quads == expected[article], f"trial {trial}: {article} is partial"
        subprocess.run([sys.executable, "-m", "kg.cli", "--data-dir", str(data), "ingest",
                        "-q", str(folder)], check=True, capture_output=True)
        assert _graph_state(data) == expected


def test_no_blank_nodes_are_written(graph, seed_copy):
    """Every subject and object written is an IRI or literal: claim IRIs are
    minted from content, and Virtuoso refuses blank nodes in INSERT DATA."""
    from rdflib import BNode

    graph.ingest_file(seed_copy)
    assert not [q for q in graph.store.quads() if isinstance(q[0], BNode) or
                isinstance(q[2], BNode)]


def _stable_dump(graph: KnowledgeGraph) -> str:
    """Sorted N-Quads without dcterms:modified (the time of each write)."""
    return "".join(line + "\n" for line in graph.store.dump_nquads().splitlines()
                   if f"<{DCTERMS.modified}>" not in line)


def test_batches_write_what_one_by_one_writes(graph, settings_for, tmp_path, monkeypatch):
    """ingest_files in batches (in this process, and in worker processes,
    and with no readers: the tally counts held and written every few
    articles) leaves the same store as ingest_file article by article: the
    articles' graphs, the relation tally with its sample claims, the
    beliefs (from the votes in hand, never read back), and a search index
    in step with the graph."""
    from kg import belief, tally

    monkeypatch.setattr(load, "FLUSH_ARTICLES", 5)
    monkeypatch.setattr(tally, "FLUSH_NODES", 7)  # several changes per flush
    monkeypatch.setattr(belief, "RELATIONS_PER_CHANGE", 100)  # and of beliefs
    from benchmarks.generator import write_corpus

    corpus = write_corpus(11, tmp_path / "corpus") + [seed_article()]
    for path in corpus:
        assert graph.ingest_file(path).status == "added"
    expected = _stable_dump(graph)
    runs = [(0, 4, True), (2, 5, True), (0, 3, False)]
    for number, (workers, batch, readers) in enumerate(runs):
        # A folder of its own: the reference graph holds its search index's writer.
        settings = dataclasses.replace(settings_for(graph.settings.store),
                                       data_dir=str(tmp_path / f"batched-{number}"))
        with KnowledgeGraph.open(settings) as batched:
            for stored in batched.store.graphs():  # a shared server keeps the last test's
                if stored not in (batched.minter.ontology_graph,):
                    batched.store.drop_graph(stored)
            tally.rebuild(batched)
            belief.ensure(batched)  # what a writer's open does for a store without beliefs
            read_back: list[list] = []
            votes = belief._votes
            monkeypatch.setattr(belief, "_votes", lambda g, relations: (
                read_back.append(relations), votes(g, relations))[1])
            results = list(batched.ingest_files(corpus, workers=workers, batch=batch,
                                                readers=readers))
            monkeypatch.setattr(belief, "_votes", votes)
            assert [r.status for r in results] == ["added"] * len(corpus)
            assert [r.path for r in results] == [str(p) for p in corpus]
            assert _stable_dump(batched) == expected
            # Every claim was added by this run: no belief read its claims
            # back from the store, though hub relations gain claims in
            # several batches (reading them at each write grew with the
            # square of the run).
            assert read_back == []
            assert batched.search.check() == []
            assert batched.search.search("ketamine", limit=5).total == \
                graph.search.search("ketamine", limit=5).total


@pytest.mark.parametrize("workers", [0, 2])
def test_worker_rows_share_their_names(graph, tmp_path, workers):
    """Rows, from worker processes or this one, name entities, predicates
    and modalities with one string each, not a copy per row: a long run
    keeps every row's names until its end (the tally and belief counts)."""
    from benchmarks.generator import write_corpus

    corpus = write_corpus(6, tmp_path / "corpus")
    items = list(load._prepared(graph, corpus, workers=workers))
    rows = [row for item in items for row in item.tally]
    assert len({id(item) for item in items}) == 6 and len(rows) > 100
    for column in range(1, 5):  # subject, predicate, object, modality
        names = {row[column] for row in rows}
        assert len({id(row[column]) for row in rows}) == len(names) < len(rows)
    rules = [rule for item in items for rule in item.rules.values()]
    assert len({id(rule) for rule in rules}) == len(set(rules)) < len(rules)


def test_batches_skip_replace_and_refuse_per_file(graph, tmp_path):
    """In one call: an unchanged file is skipped, a changed one replaced
    (alone, one transaction), a bad file and a second file with a taken id
    fail with their own message, and the new ones are added."""
    folder = tmp_path / "many"
    folder.mkdir()
    (folder / "a.txt").write_text("Sertraline can cause nausea.\n", encoding="utf-8")
    (folder / "b.txt").write_text("Lithium can cause tremor.\n", encoding="utf-8")
    assert [r.status for r in graph.ingest_files(sorted(folder.iterdir()))] == ["added"] * 2
    (folder / "b.txt").write_text("Lithium can cause dizziness.\n", encoding="utf-8")
    (folder / "c.txt").write_text("Ketamine can cause dizziness.\n", encoding="utf-8")
    (folder / "d.txt").write_bytes(b"\x00\x01\x02" * 400)
    (tmp_path / "c.md").write_text("# C\n\nKetamine may cause nausea.\n", encoding="utf-8")
    results = list(graph.ingest_files(sorted(folder.iterdir()) + [tmp_path / "c.md"],
                                      batch=1))
    assert [r.status for r in results] == ["unchanged", "replaced", "added", "failed", "failed"]
    assert "d.txt" in results[3].error and "already used" in results[4].error
    assert [c.object.label for c in read.claims(graph, "b")] == ["dizziness"]
    assert {a.id for a in read.articles(graph)} == {"a", "b", "c"}
    assert graph.search.check() == []
