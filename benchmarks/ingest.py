"""Extraction and ingest throughput, against the storage floor.

    python -m benchmarks.ingest 1000

Extraction alone (articles/s on one core); end-to-end ingest (read +
extract + store + index) into the embedded store; and the floor: a bulk
load of the same resulting N-Quads straight into pyoxigraph.  Also peak RSS
and on-disk size per million triples.
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

from ingest import extract, read_article
from kg import KnowledgeGraph, Settings
from kg.load import ingest_file

from .common import peak_rss_mb, table
from .generator import write_corpus

SEED = Path(__file__).parents[1].parent / "shared" / "seed" / "ketamine-for-anxiety.txt"


def _disk_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


def extraction_rate(repeat: int = 300) -> float:
    """Seed-sized articles per second, extraction only, one core."""
    if not SEED.is_file():  # beside the clone in CI, not in the repository
        raise SystemExit("benchmarks.ingest needs ../shared/seed/ketamine-for-anxiety.txt")
    graph = KnowledgeGraph.open(Settings(store="memory"))
    vocabulary = graph.vocabulary
    document = read_article(SEED)
    extract(document, vocabulary)  # warm caches
    began = time.perf_counter()
    for _ in range(repeat):
        extract(document, vocabulary)
    graph.close()
    return repeat / (time.perf_counter() - began)


def ingest_rates(n: int, engine: str = "tantivy") -> list[list[object]]:
    with tempfile.TemporaryDirectory() as tmp:
        corpus = write_corpus(n, Path(tmp) / "corpus")
        data = Path(tmp) / "data"
        settings = Settings(data_dir=str(data), search_engine=engine)
        began = time.perf_counter()
        with KnowledgeGraph.open(settings) as graph:
            with graph.search.batch():
                for path in corpus:
                    ingest_file(graph, path)
            took = time.perf_counter() - began
            triples = len(graph.store)
            dump = Path(tmp) / "dump.nq"
            dump.write_text(graph.store.dump_nquads(), encoding="utf-8")
        disk = _disk_mb(data)
        floor_dir = Path(tmp) / "floor"
        began = time.perf_counter()
        store = ox.Store(str(floor_dir))
        store.bulk_load(path=str(dump), format=ox.RdfFormat.N_QUADS)
        store.flush()
        floor = time.perf_counter() - began
        del store
        rate, floor_rate = n / took, n / floor
        return [[f"ingest end to end ({engine})", n, rate, floor_rate, floor_rate / rate,
                 triples, disk / (triples / 1e6), peak_rss_mb()]]


def run(sizes: list[int]) -> str:
    rows = [["extraction only (seed article)", 1, extraction_rate(), "", "", "", "", ""]]
    for n in sizes:
        rows += ingest_rates(n)
    return table(["measure", "articles", "articles/s", "floor articles/s (bulk load)",
                  "floor / ours", "triples", "MB on disk per 1M triples", "peak RSS MB"], rows)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    print(run([int(a) for a in sys.argv[1:]] or [1000]))
