"""Search engines at scale: index build rate and query latency, ours (whoosh
and tantivy behind kg.search) against tantivy called directly (the floor).

    python -m benchmarks.search 10000 100000

Documents are the generated articles (~600 words) plus one claim document
per sentence that names two vocabulary entities, as the ingest step makes.
Our query does what a search page needs and the floor does not: facet
counts over every matching document (a tantivy aggregation, linear in the
matches: most of our time at 100,000 articles), the synonym expansion and
the escaped highlights of the page of hits.
"""
from __future__ import annotations

import re
import sys
import tempfile
import time
from pathlib import Path

from kg.search.query import Lexicon, highlight, parse

from .common import table, timed
from .generator import Generator

QUERIES = {"one term": "ketamine", "two terms": "nausea dizziness",
           "phrase": '"blood pressure"', "synonym": "social phobia"}


def documents(n: int, seed: int = 7):
    gen = Generator(seed)
    for name, text in gen.articles(n):
        owner = name[:-4]
        yield {"id": f"article:{owner}", "kind": "article", "owner": owner, "iri": owner,
               "label": text.split("\n", 1)[0], "names": "", "text": text, "type": "",
               "predicate": "", "modality": "", "article": [owner], "hash": "h", "date": ""}
        for i, sentence in enumerate(re.findall(r"[^.\n]+\.", text)[:20]):
            yield {"id": f"claim:{owner}:{i}", "kind": "claim", "owner": owner,
                   "iri": f"{owner}#{i}", "label": sentence[:60], "names": "",
                   "text": sentence, "type": "", "predicate": "treats",
                   "modality": "asserted", "article": [owner], "hash": "", "date": ""}


def _engine(name: str, folder: Path):
    if name == "whoosh":
        from kg.search._whoosh import WhooshEngine
        return WhooshEngine(folder)
    from kg.search._tantivy import TantivyEngine
    return TantivyEngine(folder)


def bench_engine(name: str, n: int, folder: Path, lexicon: Lexicon) -> list:
    engine = _engine(name, folder)
    began = time.perf_counter()
    batch: list[dict] = []
    with engine.batch():
        for doc in documents(n):
            batch.append(doc)
            if len(batch) >= 2000:
                engine.write(batch)
                batch = []
        engine.write(batch)
    rate = n / (time.perf_counter() - began)
    rows = [[f"ours ({name})", n, "index build", rate, "", ""]]
    for label, text in QUERIES.items():
        plan = parse(text, lexicon)

        def run():
            result = engine.search(plan, {}, 0, 10)
            for hit in result.hits:
                highlight(hit.fields["text"], plan)
        stats = timed(run, 50)
        rows.append([f"ours ({name})", n, label + " + highlights", "", stats["median"],
                     stats["p95"]])
    engine.close()
    return rows


def bench_tantivy_floor(n: int, folder: Path) -> list:
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    builder.add_text_field("text", stored=True, tokenizer_name="en_stem")
    folder.mkdir(parents=True, exist_ok=True)
    index = tantivy.Index(builder.build(), path=str(folder))
    writer = index.writer(heap_size=64_000_000, num_threads=1)
    began = time.perf_counter()
    for doc in documents(n):
        writer.add_document(tantivy.Document(id=doc["id"], text=doc["text"]))
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    rate = n / (time.perf_counter() - began)
    rows = [["tantivy direct", n, "index build", rate, "", ""]]
    searcher = index.searcher()
    for label, text in QUERIES.items():
        query = index.parse_query(text.replace("social phobia", "social phobia"), ["text"])
        stats = timed(lambda: [searcher.doc(a) for _, a in searcher.search(query, 10).hits], 50)
        rows.append(["tantivy direct", n, label, "", stats["median"], stats["p95"]])
    return rows


def run(sizes: list[int], engines=("tantivy", "whoosh")) -> str:
    lexicon = Lexicon({"e:sad": ("social anxiety disorder", "social phobia", "SAD"),
                       "e:ket": ("ketamine", "Ketalar")})
    rows = []
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            rows += bench_tantivy_floor(n, Path(tmp) / "floor")
            for name in engines:
                if name == "whoosh" and n > 20000:
                    continue  # hours at this size: the reason tantivy exists
                rows += bench_engine(name, n, Path(tmp) / name, lexicon)
    return table(["engine", "articles", "measure", "articles/s", "median ms", "p95 ms"], rows)


if __name__ == "__main__":
    print(run([int(a) for a in sys.argv[1:]] or [10000]))
