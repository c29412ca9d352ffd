"""Readers never see half an article while a writer replaces it."""
from __future__ import annotations

import threading
import time
from pathlib import Path

from kg import KnowledgeGraph, Settings


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
            assert graph.ingest_file(path).ok
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
                    assert graph.ingest_file(path).ok
            except BaseException as err:
                errors.append(err)
            finally:
                stop.set()

        _together([threading.Thread(target=reader) for _ in range(5)]
                  + [threading.Thread(target=writer)], timeout=300)
        assert errors == []
        assert len(seen) == 5000
        assert {pair for pair in seen} <= set(expected.items())
        assert graph.search.check() == []


_COUNT = """PREFIX hkg: <https://w3id.org/health-kg/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?title (COUNT(DISTINCT ?c) AS ?n) WHERE {{ GRAPH <{iri}> {{
  <{iri}> dcterms:title ?title . OPTIONAL {{ ?c a hkg:Claim }} }} }} GROUP BY ?title"""


def test_readers_see_whole_articles_while_100_articles_are_replaced(tmp_path):
    """5 readers x at least 1,000 queries, each on a random one of 100
    articles, while a writer replaces all 100 (version one -> version two):
    every read sees one article's version one whole or its version two
    whole, both versions are seen while the writer runs (the reads did
    overlap the writes), no read fails, and the index ends in step."""
    import random

    settings = Settings(data_dir=str(tmp_path / "data"))
    folder = tmp_path / "articles"
    folder.mkdir()

    def write(i: int, version: str) -> Path:
        path = folder / f"article-{i:03d}.txt"
        title = f"Article {i}, version {'one' if version == 'v1' else 'two'}"
        path.write_text(title + VERSIONS[version][VERSIONS[version].index("\n"):],
                        encoding="utf-8")
        return path

    with KnowledgeGraph.open(settings) as graph:
        with graph.search.batch():
            for i in range(100):
                assert graph.ingest_file(write(i, "v1")).status == "added"
        n_v1 = _claims_in(graph, 0)
        assert graph.ingest_file(write(99, "v2")).status == "replaced"
        n_v2 = _claims_in(graph, 99)
        assert graph.ingest_file(write(99, "v1")).status == "replaced"
        assert n_v1 != n_v2
        whole = {f"Article {i}, version one": n_v1 for i in range(100)}
        whole.update({f"Article {i}, version two": n_v2 for i in range(100)})
        errors: list[BaseException] = []
        seen: list[tuple[int, str, int]] = []
        done = threading.Event()

        def reader(seed: int):
            rng = random.Random(seed)
            try:
                count = 0
                while count < 1000 or not done.is_set():
                    i = rng.randrange(100)
                    for row in graph.store.select(_COUNT.format(iri=graph.minter.article(
                            f"article-{i:03d}"))):
                        seen.append((i, str(row["title"]), int(row["n"])))
                    count += 1
                    # A reader lets go of the GIL between queries, as a
                    # server thread waiting on its client does; five
                    # readers in a tight loop made each replacement ~0.4 s.
                    time.sleep(0.001)
            except BaseException as err:  # recorded, then asserted on
                errors.append(err)

        def writer():
            try:
                for i in range(100):
                    assert graph.ingest_file(write(i, "v2")).status == "replaced"
            except BaseException as err:
                errors.append(err)
            finally:
                done.set()

        _together([threading.Thread(target=reader, args=(seed,)) for seed in range(5)]
                  + [threading.Thread(target=writer)], timeout=600)
        assert errors == []
        assert len(seen) >= 5000
        assert all(whole.get(title) == n and title.startswith(f"Article {i},")
                   for i, title, n in seen)
        versions = [title.rsplit(" ", 1)[1] for _, title, _ in seen]
        print(f"{len(seen)} reads: {versions.count('one')} saw version one, "
              f"{versions.count('two')} version two")
        assert set(versions) == {"one", "two"}
        assert all(_claims_in(graph, i) == n_v2 for i in range(100))
        assert graph.search.check() == []


def _claims_in(graph, i: int) -> int:
    rows = graph.store.select(_COUNT.format(iri=graph.minter.article(f"article-{i:03d}")))
    return int(rows[0]["n"])


def _together(threads: list[threading.Thread], timeout: float) -> None:
    """Start the readers and the writer at once and wait for all of them."""
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
