"""Ingest throughput and memory, against the storage floor.

    python -m benchmarks.ingest 1000 10000

Extraction alone: seed-sized articles per second of CPU time on one core
(`time.process_time` of the extraction loop, so other work on a shared
machine does not count; target >= 200); then `kg ingest` of the seeded
generator's corpus, run as the real command with the default settings
(embedded store, worker processes on every core, batches of new
articles) and each search engine (`engines()`), into a fresh data folder: articles per
second from start to exit (interpreter start, ontology load, extraction,
store, tally, search index, all included) and the peak RSS of the command
with its worker processes (sampled every 50 ms).  The floor, measured in the
same run: pyoxigraph's bulk loader (`Store.bulk_load`) loading the N-Quads
dump of the resulting store into a fresh store, the fastest way the
same quads get into pyoxigraph.  ours / floor above 1 means the whole
ingest is faster than bulk-loading its output.  Targets: >= 100
articles/s and peak RSS <= 1 GB at 10,000 articles.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

from ingest import extract, read_article
from kg import KnowledgeGraph, Settings

from .common import table
from .generator import write_corpus

SEED = Path(__file__).parents[1].parent / "shared" / "seed" / "ketamine-for-anxiety.txt"


def _disk_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


def extraction_rate(repeat: int = 100) -> float:
    """Seed-sized articles per second of CPU time, extraction only, one core.

    CPU time (`time.process_time`), not wall-clock time: on a shared machine
    the wall clock also counts the other processes' turns."""
    if not SEED.is_file():  # beside the clone in CI, not in the repository
        raise SystemExit("benchmarks.ingest needs ../shared/seed/ketamine-for-anxiety.txt")
    graph = KnowledgeGraph.open(Settings(store="memory"))
    vocabulary = graph.vocabulary
    document = read_article(SEED)
    extract(document, vocabulary)  # warm caches
    began = time.process_time()
    for _ in range(repeat):
        extract(document, vocabulary)
    took = time.process_time() - began
    graph.close()
    return repeat / took


def _tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and its descendants, in MB."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += int(next(line.split()[1] for line in status.splitlines()
                              if line.startswith("VmRSS:")))
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, StopIteration, ValueError):
            continue
    return total / 1024


def run_ingest(corpus: Path, data: Path, engine: str, *options: str) -> tuple[float, float, str]:
    """`kg ingest` as a user runs it: (seconds, peak RSS MB of the process
    tree, its summary line)."""
    command = [sys.executable, "-m", "kg.cli", "--data-dir", str(data), "ingest", "-q",
               *options, str(corpus)]
    environment = {**os.environ, "KG_SEARCH_ENGINE": engine}
    began = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=environment)
    peak = 0.0
    while proc.poll() is None:
        peak = max(peak, _tree_rss_mb(proc.pid))
        time.sleep(0.05)
    took = time.perf_counter() - began
    out, err = proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"kg ingest failed: {err.strip()[-500:]}")
    return took, peak, out.strip()


def engines(n: int) -> list[str]:
    """The default engine, and tantivy; beyond 1,000 articles tantivy only
    (the README's advice beyond a couple of thousand articles: whoosh, pure
    Python, indexes slower than the rest of the ingest together)."""
    default = Settings().search_engine
    found = [default] if n <= 1000 or default == "tantivy" else []
    return found + (["tantivy"] if default != "tantivy" else [])


def ingest_rate(n: int, engine: str) -> list[object]:
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        write_corpus(n, corpus)
        data = Path(tmp) / "data"
        took, peak, said = run_ingest(corpus, data, engine)
        if f"{n} added" not in said:
            raise RuntimeError(f"kg ingest said {said!r}")
        disk = _disk_mb(data)
        written = ox.Store.read_only(str(data / "store"))
        triples = len(written)
        dump = Path(tmp) / "dump.nq"
        written.dump(output=str(dump), format=ox.RdfFormat.N_QUADS)
        del written
        floor_dir = Path(tmp) / "floor"
        began = time.perf_counter()
        store = ox.Store(str(floor_dir))
        store.bulk_load(path=str(dump), format=ox.RdfFormat.N_QUADS)
        store.flush()
        floor = time.perf_counter() - began
        del store
        rate, floor_rate = n / took, n / floor
        default = " (default)" if engine == Settings().search_engine else ""
        return [f"kg ingest, {engine}{default}", n, rate, floor_rate, f"{rate / floor_rate:.2f}",
                triples, disk / (triples / 1e6), peak]


def run(sizes: list[int]) -> str:
    rows = [["extraction only (seed article, one core, CPU time)", 1, extraction_rate(), "", "",
             "", "", ""]]
    for n in sizes:
        rows += [ingest_rate(n, engine) for engine in engines(n)]
    return table(["measure", "articles", "articles/s", "floor articles/s (bulk load)",
                  "ours / floor", "triples", "MB on disk per 1M triples",
                  "peak RSS MB (with workers)"], rows)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    print(run([int(a) for a in sys.argv[1:]] or [1000]))
