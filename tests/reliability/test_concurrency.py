"""Readers never see half an article while a writer replaces it."""
from __future__ import annotations

import threading

from kg import KnowledgeGraph, Settings
from kg.load import ingest_file

VERSIONS = {
    "v1": "Version one\n\nSertraline is used to treat depression. Sertraline can cause nausea.\n"
          "Sertraline may cause insomnia.\n",
    "v2": "Version two\n\nSertraline is used to treat anxiety disorder. Sertraline can cause "
          "dizziness. Sertraline does not cause weight gain. Sertraline may cause headache.\n"
          "Sertraline can cause dry mouth.\n",
}


def test_five_readers_see_whole_articles_while_100_replacements_run(tmp_path):
    """5 readers x 1,000 queries against the embedded store while one writer
    replaces the same article 100 times: every read sees version one whole
    or version two whole, and no read fails."""
    settings = Settings(data_dir=str(tmp_path / "data"))
    path = tmp_path / "article.txt"
    with KnowledgeGraph.open(settings) as graph:
        expected = {}
        for name, text in VERSIONS.items():
            path.write_text(text, encoding="utf-8")
            assert ingest_file(graph, path).ok
            rows = graph.store.select(_COUNT.format(iri=graph.minter.article("article")))
            expected[str(rows[0]["title"])] = int(rows[0]["n"])
        assert len(expected) == 2 and len(set(expected.values())) == 2
        query = _COUNT.format(iri=graph.minter.article("article"))
        errors: list[BaseException] = []
        seen: list[tuple[str, int]] = []
        stop = threading.Event()

        def reader():
            try:
                for _ in range(1000):
                    for row in graph.store.select(query):
                        seen.append((str(row["title"]), int(row["n"])))
            except BaseException as err:  # recorded, then asserted on
                errors.append(err)

        def writer():
            try:
                for i in range(100):
                    path.write_text(VERSIONS["v1" if i % 2 else "v2"], encoding="utf-8")
                    assert ingest_file(graph, path).ok
            except BaseException as err:
                errors.append(err)
            finally:
                stop.set()

        threads = [threading.Thread(target=reader) for _ in range(5)]
        threads.append(threading.Thread(target=writer))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
        assert errors == []
        assert len(seen) == 5000
        assert {pair for pair in seen} <= set(expected.items())
        assert graph.search.check() == []


_COUNT = """PREFIX hkg: <https://w3id.org/health-kg/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?title (COUNT(DISTINCT ?c) AS ?n) WHERE {{ GRAPH <{iri}> {{
  <{iri}> dcterms:title ?title . OPTIONAL {{ ?c a hkg:Claim }} }} }} GROUP BY ?title"""
