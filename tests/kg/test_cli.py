"""The `kg` command as a user runs it: a real subprocess on an on-disk store."""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest
from rdflib import RDFS, Graph

from kg.terms import HKG

from ..conftest import SAMPLES, seed_article


@pytest.fixture
def kg(tmp_path):
    data = tmp_path / "data"

    def run(*args, ok=True, stdin=None):
        proc = subprocess.run([sys.executable, "-m", "kg.cli", "--data-dir", str(data), *args],
                              capture_output=True, text=True, input=stdin, timeout=300)
        if ok:
            assert proc.returncode == 0, proc.stderr
        return proc
    return run


def test_help_lists_every_command(kg):
    out = kg("--help").stdout
    for command in ("ingest", "claims", "query", "stats", "validate", "articles", "delete",
                    "entities", "serve", "settings", "curation", "curator"):
        assert f"  {command}" in out


def test_seed_to_claims_end_to_end(kg):
    """Acceptance: ingest the seed, >= 20 contract claims whose offsets slice
    the text; a second ingest changes neither the quad count nor the claims;
    validate passes."""
    out = kg("ingest", str(seed_article())).stdout
    assert "1 added" in out
    claims = [json.loads(line) for line in kg("claims", "--format", "jsonl").stdout.splitlines()]
    assert len(claims) >= 20
    text = seed_article().read_text(encoding="utf-8")
    assert all(text[c["start"]:c["end"]] == c["evidence"] for c in claims)
    # Each carries its relation's belief (issue 19), the why naming the counts.
    assert all(0 < c["belief"]["value"] <= 1 and " article" in c["belief"]["why"]
               for c in claims if c["modality"] != "negated")
    quads = json.loads(kg("stats", "--format", "json").stdout)["triples"]
    assert "1 unchanged" in kg("ingest", str(seed_article())).stdout
    assert json.loads(kg("stats", "--format", "json").stdout)["triples"] == quads
    again = [json.loads(line) for line in kg("claims").stdout.splitlines()]
    assert again == claims
    assert "conforms" in kg("validate").stdout


def test_claims_formats_and_explain(kg):
    kg("ingest", str(seed_article()))
    rows = list(csv.DictReader(io.StringIO(kg("claims", "--format", "csv").stdout)))
    assert rows and {"subject", "predicate", "object", "modality", "evidence"} <= set(rows[0])
    ttl = Graph().parse(data=kg("claims", "--format", "ttl").stdout, format="turtle")
    assert len(ttl) > 20 * 10
    # Labels only of the claims' own entities, not of the whole vocabulary.
    named = set(ttl.objects(None, HKG.subject)) | set(ttl.objects(None, HKG.object))
    assert named and set(ttl.subjects(RDFS.label, None)) == named
    explained = [json.loads(line) for line in kg("claims", "--explain").stdout.splitlines()]
    assert all(c["rule"] and c["extractor_version"] for c in explained)


def test_query_formats(kg):
    kg("ingest", str(seed_article()))
    select = "SELECT ?c WHERE { ?c a <https://w3id.org/health-kg/ontology#Claim> } LIMIT 3"
    data = json.loads(kg("query", select, "--format", "json").stdout)
    assert len(data["results"]["bindings"]) == 3
    assert kg("query", select, "--format", "csv").stdout.splitlines()[0] == "c"
    assert kg("query", select, "--format", "tsv").stdout.splitlines()[0] == "?c"
    assert "<sparql" in kg("query", select, "--format", "xml").stdout
    construct = "CONSTRUCT WHERE { ?s <https://w3id.org/health-kg/ontology#treats> ?o }"
    graph = Graph().parse(data=kg("query", construct).stdout, format="turtle")
    assert len(graph) > 3
    assert kg("query", "-", stdin="ASK { ?s ?p ?o }").stdout.strip() == \
        '{"head": {}, "boolean": true}'
    bad = kg("query", "SELECT WHERE {", ok=False)
    assert bad.returncode == 1 and bad.stderr.startswith("Error: SPARQL syntax error")


def test_bad_files_fail_alone_with_one_line_each(kg, tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "good.txt").write_text("Lorazepam is used to treat anxiety.\n", encoding="utf-8")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "fake.txt").write_bytes(b"%PDF-1.4 binary")
    proc = kg("ingest", str(folder), ok=False)
    assert proc.returncode == 1
    errors = [line for line in proc.stderr.splitlines() if line.startswith("kg: error:")]
    assert len(errors) == 2
    assert any("empty.txt" in e for e in errors) and any("fake.txt" in e for e in errors)
    assert "1 added" in proc.stdout and "2 failed" in proc.stdout
    assert [a["id"] for a in json.loads(kg("articles", "--format", "json").stdout)] == ["good"]


def test_samples_make_a_multi_source_graph_with_a_contradiction(kg):
    """The bundled samples ingest cleanly, from several articles, and at least
    one relation is asserted in one article and denied in another."""
    kg("ingest", str(SAMPLES))
    claims = [json.loads(line) for line in kg("claims").stdout.splitlines()]
    assert len({c["article"] for c in claims}) >= 5
    by_relation: dict[tuple, set] = {}
    for c in claims:
        key = (c["subject"]["iri"], c["predicate"], c["object"]["iri"])
        by_relation.setdefault(key, set()).add(c["modality"] == "negated")
    assert any(states == {True, False} for states in by_relation.values())


def test_delete_and_entities(kg):
    kg("ingest", str(seed_article()))
    listed = kg("entities", "--format", "json").stdout
    assert "NMDA receptor" in listed
    assert "deleted ketamine-for-anxiety" in kg("delete", "ketamine-for-anxiety").stdout
    missing = kg("delete", "ketamine-for-anxiety", ok=False)
    assert missing.returncode == 1 and "no article" in missing.stderr
    assert kg("claims").stdout == ""


def test_second_writer_is_refused_with_the_holder_named(tmp_path, kg):
    """While one process holds the data folder, a writer gets one line saying
    who holds it; readers still work on a snapshot."""
    kg("ingest", str(seed_article()))
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from kg import KnowledgeGraph, Settings;"
         f"g = KnowledgeGraph.open(Settings(data_dir={str(tmp_path / 'data')!r}));"
         "print('ready', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        refused = kg("ingest", str(seed_article()), ok=False)
        assert refused.returncode == 1
        assert "in use by" in refused.stderr and f"pid {holder.pid}" in refused.stderr
        assert len(refused.stderr.strip().splitlines()) == 1
        assert len(kg("claims").stdout.splitlines()) >= 20
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()


def test_curation_and_curator_commands(kg, tmp_path):
    """Issue 19 from the command line: a rejection through `kg curation
    review` removes the direct edge; the queue, history, export and undo
    read and write the same records; curator tokens are shown once, listed
    by name and revoked."""
    article = tmp_path / "k1.txt"
    article.write_text("Ketamine for depression\n\nKetamine is used to treat depression.\n\n"
                       "Ketamine can cause nausea.\n", encoding="utf-8")
    kg("ingest", "-q", str(article))
    claims = [json.loads(line) for line in kg("claims").stdout.splitlines()]
    treats = next(c for c in claims if c["predicate"] == "treats")
    claim_id = treats["claim"].rsplit("/", 1)[-1]
    edge = ("ASK { ?s <https://w3id.org/health-kg/ontology#treats> ?o }")
    assert "true" in kg("query", edge, "--format", "json").stdout
    kg("curation", "flag", claim_id, "--reason", "wrong")
    queue = json.loads(kg("curation", "queue", "--format", "json").stdout)
    assert [(q["kind"], q["flags"]) for q in queue] == [("flag", {"wrong": 1})]
    out = kg("curation", "review", claim_id, "--verdict", "rejected", "--who", "alice",
             "--note", "not said").stdout
    kind, record = out.split()
    assert kind == "review" and len(record) == 16
    assert "false" in kg("query", edge, "--format", "json").stdout
    history = json.loads(kg("curation", "history", treats["claim"], "--format", "json").stdout)
    assert [e["kind"] for e in history][:2] == ["review", "flag"]
    exported = [json.loads(line) for line in kg("curation", "export").stdout.splitlines()]
    assert [(e["predicate"], e["curation"]) for e in exported] == [("treats", "rejected")]
    kg("curation", "undo", record, "--who", "alice")
    assert "true" in kg("query", edge, "--format", "json").stdout
    bad = kg("curation", "review", claim_id, "--verdict", "rejected", "--who", "Not A Name",
             ok=False)
    assert bad.returncode != 0 and "not a curator name" in bad.stderr
    token = kg("curator", "add", "alice").stdout.strip()
    assert len(token) >= 40
    assert kg("curator", "list").stdout.split("\t")[0] == "alice"
    stored = (tmp_path / "data" / "curators.json").read_text(encoding="utf-8")
    assert token not in stored
    assert oct((tmp_path / "data" / "curators.json").stat().st_mode & 0o777) == "0o600"
    kg("curator", "revoke", "alice")
    assert kg("curator", "list").stdout == ""
    assert kg("curator", "revoke", "alice", ok=False).returncode != 0
