"""Search at scale: our layer (`SearchIndex.search`, what `/api/search`
and the search page run) against the engine alone, for whoosh and tantivy.

    python -m benchmarks.search 10000 100000            # articles
    python -m benchmarks.search 10000 --keep DIR         # build once, reuse

Documents are the seeded generator's articles (~600 words), one claim
document per sentence for the first 20 sentences, and the curated
vocabulary's entity documents, written through each engine of `kg.search`.
Each index is then queried two ways in the same run:

* ours: `SearchIndex.search` with the vocabulary's real lexicon: our query
  syntax, synonym expansion, "did you mean", BM25F over label/names/text,
  the total, facet counts over every match (kind, type, predicate and
  modality with every value, article with the 5 most frequent, as the
  search page shows them; tantivy counts them in another thread while the
  page is read) and our escaped highlights of the page of 10 hits;
* the engine alone (the floor): the same query, as our layer hands it to
  the library (the words OR-ed with their boosts, synonyms and spelling
  alternatives, built once outside the timing), run by the library alone:
  the top 10 with the total count, and the library's own highlighter on
  each hit's text (whoosh `Hit.highlights`, tantivy `SnippetGenerator`).
  What the difference measures is our layer: parsing the question,
  "did you mean", the facet counts over every match and our highlights.

The two are timed alternately (50 each), so load from other work on the
machine falls on both alike.  Target: ours p95 within 3x of the
engine alone, and <= 50 ms at 100,000 articles on the faster engine.
whoosh is measured up to 20,000 articles: it indexes 25-80 articles/s
here, so 100,000 would take over 20 minutes.  `python -m benchmarks --only
search` keeps the indexes in `<tmp>/kg-bench-search` and reuses them
(the build rate is then shown as "reused").
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import tempfile
import time
from pathlib import Path
from typing import Callable, Iterator

from kg.search import SearchIndex
from kg.search.base import Engine
from kg.search.query import Lexicon, parse

from .common import table
from .generator import Generator

QUERIES = {"one term": "ketamine", "two terms": "nausea dizziness",
           "phrase": '"blood pressure"', "rare term": "zuranolone",
           "three terms": "ketamine nausea insomnia", "synonym": "social phobia"}
WHOOSH_MAX = 20000
_BOOSTS = {"label": 3.0, "names": 2.0, "text": 1.0}


def vocabulary() -> tuple[Lexicon, list[dict]]:
    """The lexicon and entity documents of the packaged vocabulary (as a
    freshly opened graph has them), without any article."""
    from kg import KnowledgeGraph, Settings
    from kg.search.documents import lexicon_forms, vocabulary_documents

    with KnowledgeGraph.open(Settings(store="memory")) as graph:
        forms, _ = lexicon_forms(graph)
        docs = vocabulary_documents(graph, "bench")
    title_words = {w.lower() for w in "uses effects and research".split()}
    return Lexicon(forms, title_words), docs


def documents(n: int, seed: int = 7) -> Iterator[dict]:
    gen = Generator(seed)
    for name, text in gen.articles(n):
        owner = name[:-4]
        yield {"id": f"article:{owner}", "kind": "article", "owner": owner, "iri": owner,
               "label": text.split("\n", 1)[0], "names": "", "text": text, "type": "",
               "predicate": "", "modality": "", "article": [owner], "hash": "h", "date": ""}
        for i, sentence in enumerate(re.findall(r"[^.\n]+\.", text)[:20]):
            yield {"id": f"claim:{owner}:{i}", "kind": "claim", "owner": owner,
                   "iri": f"{owner}#{i}", "label": sentence[:60], "names": "",
                   "text": sentence, "type": "",
                   "predicate": ("treats", "hasAdverseEffect", "antagonistOf")[i % 3],
                   "modality": ("asserted", "hedged", "negated", "reported")[i % 4],
                   "article": [owner], "hash": "", "date": ""}


def _engine(name: str, folder: Path) -> Engine:
    if name == "whoosh":
        from kg.search._whoosh import WhooshEngine
        return WhooshEngine(folder)
    from kg.search._tantivy import TantivyEngine
    return TantivyEngine(folder)


def build(name: str, n: int, folder: Path, entity_docs: list[dict]) -> float | None:
    """Index `n` articles with engine `name` in `folder` (once: a marker file
    says it is complete); returns articles/s, or None when reused."""
    marker = folder / f"built-{n}"
    if marker.exists():
        return None
    if folder.exists():
        import shutil
        shutil.rmtree(folder)
    engine = _engine(name, folder)
    began = time.perf_counter()
    batch: list[dict] = list(entity_docs)
    with engine.batch():
        for doc in documents(n):
            batch.append(doc)
            if len(batch) >= 2000:
                engine.write(batch)
                batch = []
        engine.write(batch)
    engine.close()
    rate = n / (time.perf_counter() - began)
    marker.write_text("ok")
    return rate


def whoosh_floor(engine: Engine, lexicon: Lexicon) -> Callable[[str], Callable[[], object]]:
    """Whoosh alone on our query: the top 10, the total, whoosh's
    highlighter on each hit's text."""
    searcher = engine._searcher()  # type: ignore[attr-defined]

    def query(text: str) -> Callable[[], object]:
        ranked, _ = engine._query(parse(text, lexicon), {})  # type: ignore[attr-defined]

        def run() -> object:
            results = searcher.search(ranked, limit=10)
            return len(results), [hit.highlights("text") for hit in results]
        return run
    return query


def tantivy_floor(engine: Engine, lexicon: Lexicon) -> Callable[[str], Callable[[], object]]:
    """Tantivy alone on our query: the top 10 with the count, the stored
    documents and a SnippetGenerator snippet of each."""
    import tantivy

    index = engine._index  # type: ignore[attr-defined]
    schema = engine._schema  # type: ignore[attr-defined]
    searcher = index.searcher()

    def query(text: str) -> Callable[[], object]:
        ranked, _ = engine._query(parse(text, lexicon), {})  # type: ignore[attr-defined]

        def run() -> object:
            snippets = tantivy.SnippetGenerator.create(searcher, ranked, schema, "text")
            found = searcher.search(ranked, 10, count=True)
            docs = [searcher.doc(address) for _, address in found.hits]
            return found.count, [snippets.snippet_from_doc(d).to_html() for d in docs]
        return run
    return query


def paired(ours: Callable[[], object], alone: Callable[[], object],
           repeat: int) -> tuple[dict[str, float], dict[str, float]]:
    """Median and p95 (ms) of `repeat` calls of each, alternating, so that
    load from other work on the machine falls on both alike."""
    samples: tuple[list[float], list[float]] = ([], [])
    ours(), alone()  # warm: first use reads the segments' files and facet arrays
    for _ in range(repeat):
        for func, into in ((ours, samples[0]), (alone, samples[1])):
            began = time.perf_counter()
            func()
            into.append((time.perf_counter() - began) * 1000)
    stats = []
    for into in samples:
        into.sort()
        stats.append({"median": statistics.median(into),
                      "p95": into[min(len(into) - 1, int(round(0.95 * (len(into) - 1))))]})
    return stats[0], stats[1]


def bench(name: str, n: int, folder: Path, lexicon: Lexicon, entity_docs: list[dict],
          repeat: int) -> list[list[object]]:
    rate = build(name, n, folder, entity_docs)
    rows: list[list[object]] = [[name, n, "index build",
                                 "reused" if rate is None else f"{rate:,.0f} articles/s",
                                 "", "", "", "", ""]]
    index = SearchIndex(None, _engine(name, folder))  # type: ignore[arg-type]
    index.__dict__["lexicon"] = lexicon
    floor = (whoosh_floor if name == "whoosh" else tantivy_floor)(index.engine, lexicon)
    for label, text in QUERIES.items():
        ours, alone = paired(lambda: index.search(text, limit=10), floor(text), repeat)
        total = index.search(text, limit=10).total
        rows.append([name, n, label, f"{total:,} hits", ours["median"], ours["p95"],
                     alone["median"], alone["p95"], f"{ours['p95'] / alone['p95']:.1f}"])
    index.close()
    return rows


def run(sizes: list[int], keep: Path | None = None, repeat: int = 50,
        engines: tuple[str, ...] = ("tantivy", "whoosh")) -> str:
    lexicon, entity_docs = vocabulary()
    load_before = os.getloadavg()[0]
    rows: list[list[object]] = []
    with tempfile.TemporaryDirectory() as tmp:
        base = keep or Path(tmp)
        for n in sizes:
            for name in engines:
                if name == "whoosh" and n > WHOOSH_MAX:
                    continue
                rows += bench(name, n, base / f"{name}-{n}", lexicon, entity_docs, repeat)
    return table(["engine", "articles", "query", "matches", "ours median ms", "ours p95 ms",
                  "alone median ms", "alone p95 ms", "p95 ours/alone"], rows) + (
        f"\n\nLoad average (1 minute) {load_before:.1f} at the start and "
        f"{os.getloadavg()[0]:.1f} at the end, on {os.cpu_count()} cores: the machine is "
        "shared, so compare ours with the engine alone in the same row, not across runs.")


def section(sizes: list[int]) -> str:
    """The docs/benchmarks.md section (indexes kept in <tmp>/kg-bench-search)."""
    return run(sizes, Path(tempfile.gettempdir()) / "kg-bench-search")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("articles", type=int, nargs="*", default=[10000])
    parser.add_argument("--keep", type=Path, help="Build the indexes here once and reuse them.")
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--engine", action="append", choices=("tantivy", "whoosh"))
    args = parser.parse_args()
    print(run(args.articles, args.keep, args.repeat, tuple(args.engine or ("tantivy", "whoosh"))))
