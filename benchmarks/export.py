"""Export speed: a depth-2 export of the hub entity, per format.

    python -m benchmarks.export 1180        # articles; ~1.0M triples
    python -m benchmarks.export 1180 --keep DIR   # build the store once, reuse it

A seeded corpus (`benchmarks.generator`) is extracted and bulk-loaded into
the embedded store (the same triples `kg ingest` writes, without the search
index, so building the graph takes minutes, not an hour).  The hub is the
entity most claims name.  The selection and each writer on its result are
timed, median of three (an export is their sum); the floor is the same
claims fetched by one SPARQL CONSTRUCT in pyoxigraph and serialised by
pyoxigraph itself (N-Triples), measured in the same run.  Target:
<= 1 s for the RDF and network formats.

The run also counts the claims within two steps of the hub without the
per-step claim limit (`kg.subgraph.MAX_STEP_CLAIMS`, 20,000): in the generated
corpus, as in any graph whose entities come from one vocabulary of a few
hundred drugs, receptors and conditions, two steps from a hub reach every
claim, so a depth-2 hub export is the whole graph cut at the limit.  The
floor -- pyoxigraph alone reading the claims the export holds -- is then
above the 1 s target by itself.

With ``--keep DIR`` the built store is kept in DIR and reused by later runs
with the same number of articles (the build is most of a run's time); the
generator is seeded, so a kept store holds what a fresh build would.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

from ingest import EXTRACTOR_VERSION, extract
from ingest.model import Document
from kg import KnowledgeGraph, Settings
from kg.export import FORMATS, ExportRequest
from kg.rdf import article_triples
from kg.store import open_store
from kg.store._convert import to_ox
from kg.terms import sparql_prefixes

from .common import peak_rss_mb, table, timed
from .generator import Generator


def build(n: int, data: Path) -> tuple[KnowledgeGraph, float]:
    """An embedded store holding `n` generated articles; (graph, seconds)."""
    began = time.perf_counter()
    graph = KnowledgeGraph.open(Settings(data_dir=str(data)))
    store = graph.store._store  # pyoxigraph itself: a bulk load, not one update per article

    def quads():
        for name, text in Generator().articles(n):
            doc_id = name.rsplit(".", 1)[0]
            document = Document(doc_id, text.splitlines()[0], text, "txt")
            context = to_ox(graph.minter.article(doc_id))
            for s, p, o in article_triples(graph.minter, extract(document, graph.vocabulary),
                                           EXTRACTOR_VERSION):
                yield ox.Quad(to_ox(s), to_ox(p), to_ox(o), context)

    store.bulk_extend(quads())
    store.flush()
    return graph, time.perf_counter() - began


def open_or_build(n: int, data: Path) -> tuple[KnowledgeGraph, float | None]:
    """The store kept in `data` when it holds `n` articles, else a new build
    there; (graph, build seconds or None when reused)."""
    marker = data / "benchmark-articles"
    if marker.exists() and marker.read_text().strip() == str(n):
        # Not KnowledgeGraph.open: its search-index check would index the
        # bulk-loaded articles, which the build leaves out on purpose.
        settings = Settings(data_dir=str(data))
        return KnowledgeGraph(settings, open_store(settings)), None
    if data.exists() and any(data.iterdir()):
        raise SystemExit(f"{data} holds something other than a {n}-article benchmark store")
    data.mkdir(parents=True, exist_ok=True)
    graph, took = build(n, data)
    marker.write_text(str(n))
    return graph, took


def hub(graph: KnowledgeGraph) -> str:
    row = graph.store.select(sparql_prefixes() + """
        SELECT ?e (COUNT(?c) AS ?n) WHERE { ?c a hkg:Claim ; hkg:subject ?e }
        GROUP BY ?e ORDER BY DESC(?n) LIMIT 1""")[0]
    return str(row["e"])


def floor(graph: KnowledgeGraph, claims: list[str]) -> float:
    """Milliseconds for pyoxigraph alone to CONSTRUCT and serialise the
    selected claim nodes (every triple about each)."""
    values = " ".join(f"<{c}>" for c in claims)
    query = f"CONSTRUCT {{ ?c ?cp ?cv }} WHERE {{ VALUES ?c {{ {values} }} ?c ?cp ?cv }}"
    store = graph.store._store

    def run():
        ox.serialize(store.query(query, use_default_graph_as_union=True),
                     format=ox.RdfFormat.N_TRIPLES)
    return timed(run, repeat=3)["median"]


def neighbourhood_claims(graph: KnowledgeGraph, centre: str) -> tuple[int, int]:
    """(claims within two steps of `centre`, uncut; claims in the store):
    how much of the graph a depth-2 export of the hub would hold without
    the per-step claim limit."""
    rows = graph.store.select_values(sparql_prefixes() + f"""
        SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{
          {{ SELECT DISTINCT ?e WHERE {{
               {{ ?x hkg:subject <{centre}> ; hkg:object ?e }}
               UNION {{ ?x hkg:object <{centre}> ; hkg:subject ?e }}
               UNION {{ BIND(<{centre}> AS ?e) }} }} }}
          {{ ?c hkg:subject ?e }} UNION {{ ?c hkg:object ?e }} }}""")
    total = graph.store.select_values(sparql_prefixes() + """
        SELECT (COUNT(?c) AS ?n) WHERE { ?c a hkg:Claim }""")
    return int(rows[0]["n"]), int(total[0]["n"])


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def measure(n: int, repeat: int = 3, keep: Path | None = None) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        graph, took = open_or_build(n, keep or Path(tmp) / "data")
        _say(f"built {n} articles in {took:.0f} s" if took is not None
             else f"reused the {n}-article store in {keep}")
        try:
            triples = len(graph.store)
            centre = hub(graph)
            request = ExportRequest(entity=centre, depth=2)
            select = timed(lambda: request.select(graph), repeat=repeat)
            sub = request.select(graph)
            _say(f"selection {select['median']:.0f} ms")
            claim_iris = [c["claim"] for _, _, d in sub.edges(data=True) for c in d["claims"]]
            claims = len(claim_iris)
            whole, stored = neighbourhood_claims(graph, centre)
            base = floor(graph, claim_iris)
            _say(f"floor {base:.0f} ms")
            rows = [["selection only", "", f"{select['median']:.0f}", "", "", ""]]
            for fmt in FORMATS.values():
                try:
                    writer, sizes = fmt.load(), []
                    result = timed(lambda: sizes.append(len(writer(sub))), repeat=repeat)
                    total = select["median"] + result["median"]
                    rows.append([fmt.name, f"{sizes[-1] / 1e6:.2f}", f"{result['median']:.0f}",
                                 f"{total:.0f}", f"{total / base:.1f}",
                                 "yes" if total <= 1000 else "no"])
                except Exception as err:  # a refusal (e.g. too big to draw) is a result too
                    rows.append([fmt.name, "", "", "", "", f"refused: {err}"])
                _say(" | ".join(map(str, rows[-1])))
        finally:
            graph.close()
    built = f"built in {took:.0f} s" if took is not None else "a kept store"
    head = (f"{n} articles, {triples:,} triples ({built}); hub "
            f"`{centre.rsplit('/', 1)[-1]}`: depth 2 = {sub.number_of_nodes()} entities, "
            f"{sub.number_of_edges()} relations, {claims:,} claims, "
            f"{len(sub.graph['articles'])} articles"
            f"{' (cut at the per-step claim limit)' if sub.graph.get('truncated') else ''}; "
            f"uncut, two steps from the hub hold {whole:,} of the store's {stored:,} claims. "
            f"Floor (pyoxigraph CONSTRUCT + N-Triples of the same claim nodes): {base:.0f} ms. "
            f"Peak RSS {peak_rss_mb():.0f} MB.\n\n")
    return head + table(["format", "MB", "write ms", "select + write ms", "× floor",
                         "<= 1 s"], rows)


def run(sizes: list[int], keep: Path | None = None) -> str:
    return "\n\n".join(measure(n, keep=keep / str(n) if keep else None) for n in sizes)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1180], help="articles per run")
    parser.add_argument("--keep", type=Path, help="build the stores here once and reuse them")
    args = parser.parse_args()
    print(run(args.sizes, keep=args.keep))
