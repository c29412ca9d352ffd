"""Timing helpers shared by the benchmarks."""
from __future__ import annotations

import contextlib
import resource
import statistics
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

if TYPE_CHECKING:
    from kg import KnowledgeGraph, Settings


def timed(func: Callable[[], object], repeat: int = 50) -> dict[str, float]:
    """Median and p95 of `repeat` calls, in milliseconds."""
    samples = []
    for _ in range(repeat):
        began = time.perf_counter()
        func()
        samples.append((time.perf_counter() - began) * 1000)
    samples.sort()
    return {"median": statistics.median(samples),
            "p95": samples[min(len(samples) - 1, int(round(0.95 * (len(samples) - 1))))]}


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def table(headers: list[str], rows: list[list[object]]) -> str:
    """A Markdown table."""
    def cell(value: object) -> str:
        return f"{value:,.1f}" if isinstance(value, float) else str(value)
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def build_store(folder: Path, n: int) -> "Settings":
    """The seeded corpus of `n` articles ingested into an embedded store in
    `folder` (once per folder and size; later calls reuse it).

    The search index is not kept: the store benchmarks do not read it, and
    keeping it in step was most of a 1000-article load (seconds per article
    on a busy two-core machine, against 0.07 s without).  Open the result
    with `write=False`, which reports the index gap instead of repairing it.
    """
    from kg import KnowledgeGraph, Settings
    from kg.load import write_articles

    from .generator import write_corpus

    settings = Settings(data_dir=str(folder / "data"), search_engine="tantivy")
    marker = folder / f"built-{n}"
    if marker.exists():
        return settings
    corpus = write_corpus(n, folder / "corpus")
    with KnowledgeGraph.open(settings) as graph:
        for written in write_articles(graph, corpus, readers=False):  # the graph, no index
            assert all(result.ok for result in written.results), written.results
    marker.write_text("ok")
    return settings


@contextlib.contextmanager
def built_graph(n: int, keep: Path | None = None) -> Iterator[tuple["KnowledgeGraph", float]]:
    """The `n`-article store (`build_store`, in `keep` or a temporary folder)
    opened read-only; yields (graph, seconds the build took)."""
    from kg import KnowledgeGraph

    with tempfile.TemporaryDirectory() as tmp:
        folder = keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        began = time.perf_counter()
        settings = build_store(folder, n)
        took = time.perf_counter() - began
        with KnowledgeGraph.open(settings, write=False) as graph:
            yield graph, took


def entities_by_claims(graph: "KnowledgeGraph") -> list[tuple[str, int]]:
    """(entity IRI, claims naming it as subject or object), most first."""
    from kg.terms import sparql_prefixes

    rows = graph.store.select_values(sparql_prefixes() + """
        SELECT ?e (COUNT(?c) AS ?n) WHERE {
          { ?c hkg:subject ?e } UNION { ?c hkg:object ?e } } GROUP BY ?e ORDER BY DESC(?n)""")
    return [(r["e"], int(r["n"])) for r in rows]


def store_benchmark_main(doc: str, measure: Callable[..., str], articles: int) -> None:
    """Command line of a benchmark over a built store: `ARTICLES [--keep DIR]
    [--repeat N]`, printing `measure(articles, keep, repeat)`."""
    import argparse

    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("articles", type=int, nargs="?", default=articles)
    parser.add_argument("--keep", type=Path, help="Build the store here once and reuse it.")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    print(measure(args.articles, args.keep, args.repeat))
