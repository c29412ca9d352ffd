"""The relation tally (`kg.tally`): counts kept in step with the articles
through adds, replacements and retractions, on every backend (and Virtuoso),
equal to counting the claims."""
from __future__ import annotations

import pytest

from kg import KnowledgeGraph, tally
from kg.store.base import Patch

from kg.terms import sparql_prefixes

from ..conftest import WITH_VIRTUOSO

ARTICLES = {
    "one": "Article one\n\nSertraline is used to treat depression. Sertraline can cause "
           "nausea. Sertraline may cause insomnia. Sertraline does not cause weight gain.\n",
    "two": "Article two\n\nSertraline is used to treat depression. Doctors prescribe "
           "sertraline for depression. Sertraline may cause nausea.\n",
    "three": "Article three\n\nSertraline can cause nausea. Sertraline does not treat "
             "depression. Fluoxetine can cause insomnia.\n",
}
REPLACEMENT = ("Article two, revised\n\nSertraline can cause headache. Sertraline may "
               "cause nausea.\n")


@pytest.fixture(params=WITH_VIRTUOSO)
def settings(request, settings_for):
    return settings_for(request.param)


def _stored(graph: KnowledgeGraph) -> dict[tuple, tuple[int, int]]:
    rows = graph.store.select(sparql_prefixes() + f"""
        SELECT ?s ?p ?o ?m ?n ?k WHERE {{ GRAPH <{tally.tally_graph(graph)}> {{
          {{ ?r hkg:tallySubject ?s ; hkg:tallyPredicate ?p ; hkg:tallyObject ?o }}
          UNION
          {{ ?r hkg:tallyOf ?rel ; hkg:tallyModality ?m .
             ?rel hkg:tallySubject ?s ; hkg:tallyPredicate ?p ; hkg:tallyObject ?o }}
          ?r hkg:claimCount ?n ; hkg:articleCount ?k . }} }}""")
    return {(str(r["s"]), str(r["p"]), str(r["o"]), str(r.get("m", ""))):
            (int(r["n"]), int(r["k"])) for r in rows}


def _counted(graph: KnowledgeGraph) -> dict[tuple, tuple[int, int]]:
    """The same counts computed from the claims themselves."""
    claims: dict[tuple, set] = {}
    articles: dict[tuple, set] = {}
    for r in graph.store.select(sparql_prefixes() + """
            SELECT ?c ?a ?s ?p ?o ?m WHERE { GRAPH ?a { ?c a hkg:Claim ; hkg:subject ?s ;
              hkg:predicate ?p ; hkg:object ?o ; hkg:modality ?m } }"""):
        for m in (str(r["m"]), ""):
            key = (str(r["s"]), str(r["p"]), str(r["o"]), m)
            claims.setdefault(key, set()).add(str(r["c"]))
            articles.setdefault(key, set()).add(str(r["a"]))
    return {key: (len(claims[key]), len(articles[key])) for key in claims}


def _samples_are_claims_of_their_relation(graph: KnowledgeGraph) -> None:
    """Each modality node keeps min(SAMPLES, claims) samples, each a claim of
    its relation in its modality; a relation's node keeps none."""
    tally_graph = tally.tally_graph(graph)
    nodes = graph.store.select(sparql_prefixes() + f"""
        SELECT ?r ?n ?m WHERE {{ GRAPH <{tally_graph}> {{
          ?r hkg:claimCount ?n . OPTIONAL {{ ?r hkg:tallyModality ?m }} }} }}""")
    samples = graph.store.select(sparql_prefixes() + f"""
        SELECT ?r ?c ?a WHERE {{
          GRAPH <{tally_graph}> {{ ?r hkg:sampleClaim ?c .
            {{ ?r hkg:tallySubject ?s ; hkg:tallyPredicate ?p ; hkg:tallyObject ?o }}
            UNION
            {{ ?r hkg:tallyOf ?rel ; hkg:tallyModality ?m .
               ?rel hkg:tallySubject ?s ; hkg:tallyPredicate ?p ; hkg:tallyObject ?o }} }}
          OPTIONAL {{ GRAPH ?a {{ ?c hkg:subject ?s ; hkg:predicate ?p ; hkg:object ?o ;
                                  hkg:modality ?cm }} FILTER(!BOUND(?m) || ?cm = ?m) }}
        }}""")
    kept: dict[str, list] = {}
    chosen: dict[str, list] = {}
    for row in samples:
        kept.setdefault(str(row["r"]), []).append(row.get("a"))
        chosen.setdefault(str(row["r"]), []).append(str(row["c"]))
    # The least claim IRIs of the relation in that modality: what a recount
    # picks too, however the articles came and went.
    least = graph.store.select(sparql_prefixes() + f"""
        SELECT ?r ?c WHERE {{
          GRAPH <{tally_graph}> {{ ?r hkg:tallyOf ?rel ; hkg:tallyModality ?m .
            ?rel hkg:tallySubject ?s ; hkg:tallyPredicate ?p ; hkg:tallyObject ?o }}
          GRAPH ?a {{ ?c hkg:subject ?s ; hkg:predicate ?p ; hkg:object ?o ; hkg:modality ?m }}
        }}""")
    every: dict[str, set] = {}
    for row in least:
        every.setdefault(str(row["r"]), set()).add(str(row["c"]))
    for node, claims in every.items():
        assert sorted(chosen.get(node, [])) == sorted(claims)[:tally.SAMPLES], node
    assert nodes and any(r.get("m") is not None for r in nodes)
    for r in nodes:
        # Only modality nodes keep claims to quote; a relation's node has none.
        wanted = min(tally.SAMPLES, int(r["n"])) if r.get("m") is not None else 0
        found = kept.get(str(r["r"]), [])
        assert len(found) == wanted, r
        assert all(article is not None for article in found), r  # a claim of the relation


def _write(folder, name: str, text: str):
    path = folder / f"{name}.txt"
    path.write_text(text, encoding="utf-8")
    return path


def test_tally_follows_adds_replacements_and_retractions(graph, tmp_path):
    for name, text in ARTICLES.items():
        assert graph.ingest_file(_write(tmp_path, name, text)).ok
    first = _stored(graph)
    assert first == _counted(graph)
    depression = [v for k, v in first.items()
                  if k[1].endswith("#treats") and k[2].endswith("/depression") and not k[3]]
    assert depression == [(4, 3)]  # 4 claims (2 in "two"), 3 articles, any modality
    _samples_are_claims_of_their_relation(graph)

    assert graph.ingest_file(_write(tmp_path, "two", REPLACEMENT)).status == "replaced"
    assert _stored(graph) == _counted(graph) != first
    _samples_are_claims_of_their_relation(graph)

    assert graph.delete_article("one")
    assert _stored(graph) == _counted(graph)
    _samples_are_claims_of_their_relation(graph)
    for name in ("two", "three"):
        assert graph.delete_article(name)
    assert _stored(graph) == {}


def test_rebuild_equals_the_maintained_tally_and_runs_on_open(settings, tmp_path):
    with KnowledgeGraph.open(settings) as graph:
        for name, text in ARTICLES.items():
            graph.ingest_file(_write(tmp_path, name, text))
        graph.ingest_file(_write(tmp_path, "two", REPLACEMENT))
        maintained = _stored(graph)
        assert tally.rebuild(graph) == len(maintained)
        assert _stored(graph) == maintained
        # A store written before the tally existed: a writer's open counts it.
        graph.store.drop_graph(tally.tally_graph(graph))
        assert _stored(graph) == {}
        if settings.store == "memory":
            assert tally.ensure(graph)
            assert _stored(graph) == maintained
            return
    with KnowledgeGraph.open(settings) as graph:
        assert _stored(graph) == maintained
        assert not tally.ensure(graph)


def test_counts_held_by_a_bulk_writer_are_written_or_recounted(settings, tmp_path,
                                                               monkeypatch):
    """A writer with no readers holds the counts of new articles and writes
    them every FLUSH_ARTICLES: meanwhile the tally lags and has no version
    triple.  A run stopped early writes what it holds; if the process dies
    instead (the version triple still missing), the next writer's open
    recounts the tally."""
    from kg import load

    monkeypatch.setattr(load, "FLUSH_ARTICLES", 10**6)
    files = [_write(tmp_path, name, text) for name, text in ARTICLES.items()]
    with KnowledgeGraph.open(settings) as graph:
        run = graph.ingest_files(files, batch=1, workers=0, readers=False)
        # The first result comes once the second batch is in (results trail
        # the store by a batch); the counts of both are held.
        assert next(run).status == "added"
        assert _stored(graph) != _counted(graph)
        version = tally._version_triple(graph)
        assert not graph.store.ask(f"ASK {{ GRAPH <{version[0]}> {{ <{version[0]}> "
                                   f"<{version[1]}> ?v }} }}")
        run.close()  # stopped early: what it holds is written
        assert _stored(graph) == _counted(graph) != {}
        assert not tally.ensure(graph)

        # A death while counts are held leaves the version triple missing.
        graph.store.add_graphs([], "", Patch(tally.tally_graph(graph), remove=[version]))
        assert tally.ensure(graph)  # recounted
        assert _stored(graph) == _counted(graph)
        _samples_are_claims_of_their_relation(graph)
        assert not tally.ensure(graph)
