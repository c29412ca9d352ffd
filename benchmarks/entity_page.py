"""Entity page latency on a large graph, against the store's floor.

    python -m benchmarks.entity_page 820             # articles; ~1.05M triples
    python -m benchmarks.entity_page 820 --keep DIR  # reuse/keep the store in DIR

The seeded generator's corpus is ingested into the embedded store; then the
HTML entity page (`GET /entity/<key>` through Flask's test client, so
rendering is included) and its JSON twin are timed for the biggest hub drug
and for a typical (median) entity.  The floor is the one SPARQL query that
fetches the same hub's claims, run on pyoxigraph directly.  Target: p95
<= 100 ms for a hub's page.
"""
from __future__ import annotations

from pathlib import Path

from kg.terms import sparql_prefixes

from .common import built_graph, entities_by_claims, store_benchmark_main, table, timed


def measure(n: int, keep: Path | None = None, repeat: int = 30) -> str:
    from webapp import create_app

    with built_graph(n, keep) as (graph, build):
        triples = len(graph.store)
        ranked = entities_by_claims(graph)
        (hub, hub_claims), (median, median_claims) = ranked[0], ranked[len(ranked) // 2]
        client = create_app(graph.settings, graph=graph).test_client()
        rows = []
        for name, iri, claims in (("hub", hub, hub_claims), ("median", median,
                                                             median_claims)):
            key = graph.minter.local(iri, "entity")
            for label, url in (("HTML page", f"/entity/{key}"),
                               ("JSON", f"/api/entity/{key}")):
                response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)
                size = len(response.data)
                numbers = timed(lambda u=url: client.get(u).data, repeat)
                rows.append([f"{label} of the {name} entity ({key}, {claims} claims)",
                             numbers["median"], numbers["p95"], f"{size / 1024:.0f} KB"])
        floor = timed(lambda: graph.store.select(sparql_prefixes() + f"""
            SELECT ?c ?s ?p ?o ?m ?ev WHERE {{
              {{ VALUES ?s {{ <{hub}> }} ?c hkg:subject ?s ; hkg:predicate ?p ;
                 hkg:object ?o ; hkg:modality ?m ; hkg:evidence ?ev }} UNION
              {{ VALUES ?o {{ <{hub}> }} ?c hkg:subject ?s ; hkg:predicate ?p ;
                 hkg:object ?o ; hkg:modality ?m ; hkg:evidence ?ev }} }}"""), repeat)
        rows.append(["floor: the hub's claims in one pyoxigraph query", floor["median"],
                     floor["p95"], ""])
    head = (f"{n} generated articles, {triples:,} triples, embedded store "
            f"(built in {build:.0f} s); {repeat} requests each.\n\n")
    return head + table(["request", "median ms", "p95 ms", "response"], rows)


def run(sizes: list[int]) -> str:
    return "\n\n".join(measure(n) for n in sizes)


if __name__ == "__main__":
    store_benchmark_main(__doc__, measure, 820)
