"""The public SPARQL endpoint's latency against pyoxigraph called directly.

    python -m benchmarks.sparql_endpoint 1150              # articles; ~1M triples
    python -m benchmarks.sparql_endpoint 300 --keep DIR    # reuse/keep the store

The seeded generator's corpus is ingested into the embedded store.  Six
typical queries (neighbourhood, claims with evidence, GROUP BY
counts, 2-hop paths, CONSTRUCT of a neighbourhood, a text CONTAINS scan)
are timed three ways in the same run:

* direct: `pyoxigraph.Store.query` on the store with the union default
  graph, its answer serialised natively (JSON or Turtle): the floor;
* runner: `kg.sparql.QueryRunner` (policy check, a warm worker process
  over a read-only view, the row cap, the answer sent back);
* HTTP: `GET /sparql` from a real client to waitress (everything above,
  plus Flask, negotiation and the per-client budget);

and against the baseline a user would otherwise pick: the same N-Quads in
rdflib's default in-memory store (`Dataset(default_union=True)`), each
query's answer serialised to JSON or Turtle (fewer runs: seconds each).

Target: HTTP / direct <= 1.5 for each query taking over 5 ms.  Then the
time limit's accuracy: a cartesian product under 1 s and 2 s limits.
"""
from __future__ import annotations

import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph as ox

from kg import KnowledgeGraph
from kg.sparql import Limits, QueryRunner
from kg.terms import sparql_prefixes

from .common import built_graph, entities_by_claims, store_benchmark_main, table, timed

CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def queries(hub: str) -> dict[str, str]:
    p = sparql_prefixes()
    return {
        "neighbourhood": p + f"""SELECT DISTINCT ?p ?o ?label WHERE {{
            {{ <{hub}> ?p ?o }} UNION {{ ?o ?p <{hub}> }} OPTIONAL {{ ?o rdfs:label ?label }} }}""",
        "claims with evidence": p + f"""SELECT ?c ?p ?o ?m ?ev ?a WHERE {{
            ?c hkg:subject <{hub}> ; hkg:predicate ?p ; hkg:object ?o ; hkg:modality ?m ;
               hkg:evidence ?ev ; prov:wasDerivedFrom ?a }}""",
        "GROUP BY counts": p + """SELECT ?p ?m (COUNT(?c) AS ?n) WHERE {
            ?c a hkg:Claim ; hkg:predicate ?p ; hkg:modality ?m } GROUP BY ?p ?m""",
        "2-hop paths": p + f"""SELECT DISTINCT ?p1 ?x ?p2 ?y WHERE {{
            <{hub}> ?p1 ?x . ?x ?p2 ?y . ?x a ?t . FILTER(?p1 != rdf:type && ?p2 != rdf:type)
            }} LIMIT 5000""",
        "CONSTRUCT neighbourhood": p + f"""CONSTRUCT {{ <{hub}> ?p ?o . ?o rdfs:label ?l }}
            WHERE {{ <{hub}> ?p ?o OPTIONAL {{ ?o rdfs:label ?l }} }}""",
        "text CONTAINS scan": p + """SELECT ?c ?ev WHERE { ?c hkg:evidence ?ev
            FILTER(CONTAINS(LCASE(?ev), "some patients")) }""",
    }


def _direct(graph: KnowledgeGraph, query: str) -> bytes:
    result = graph.store.native_query(query, use_default_graph_as_union=True)
    if isinstance(result, (ox.QuerySolutions, ox.QueryBoolean)):
        return result.serialize(format=ox.QueryResultsFormat.JSON)
    return ox.serialize(result, format=ox.RdfFormat.TURTLE)


def _rdflib_dataset(graph: KnowledgeGraph):
    """The same quads in rdflib's default store; (dataset, load seconds)."""
    from rdflib import Dataset

    began = time.perf_counter()
    dataset = Dataset(default_union=True)
    dataset.parse(data=graph.store.dump_nquads(), format="nquads")
    return dataset, time.perf_counter() - began


def _rdflib(dataset, query: str) -> bytes:
    result = dataset.query(query)
    if result.type == "CONSTRUCT":
        return result.graph.serialize(format="turtle", encoding="utf-8")
    return result.serialize(format="json")


def _rdflib_timed(dataset, query: str, repeat: int) -> float:
    """Median ms of up to `repeat` runs; one run when the first takes over 5 s."""
    first = timed(lambda: _rdflib(dataset, query), 1)["median"]
    if first > 5000 or repeat <= 1:
        return first
    return timed(lambda: _rdflib(dataset, query), repeat - 1)["median"]


def _http(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=60) as response:
        return response.read()


def measure(n: int, keep: Path | None = None, repeat: int = 30) -> str:
    from waitress import create_server

    from webapp import create_app
    from webapp.ratelimit import ClientBudget

    with built_graph(n, keep) as (graph, build):
        settings = graph.settings
        triples = len(graph.store)
        hub = entities_by_claims(graph)[0][0]
        app = create_app(settings.replace(query_timeout=60), graph=graph)
        app.extensions["kg_sparql"].budget = ClientBudget(seconds=1e9)  # measuring, not limiting
        server = create_server(app, host="127.0.0.1", port=0, threads=4)
        threading.Thread(target=server.run, daemon=True).start()
        endpoint = f"http://127.0.0.1:{server.effective_port}/sparql?"
        runner = QueryRunner(graph, Limits(timeout=60), workers=2)
        runner.warm()
        dataset, rdflib_load = _rdflib_dataset(graph)
        rows = []
        try:
            runner.run("ASK {}")
            for name, query in queries(hub).items():
                url = endpoint + urllib.parse.urlencode({"query": query})
                answer = runner.run(query)
                _http(url)
                direct = timed(lambda q=query: _direct(graph, q), repeat)
                via_runner = timed(lambda q=query: runner.run(q), repeat)
                via_http = timed(lambda u=url: _http(u), repeat)
                baseline = _rdflib_timed(dataset, query, 3)
                rows.append([name, answer.rows, direct["median"], via_runner["median"],
                             via_http["median"], via_http["p95"],
                             f"{via_http['median'] / direct['median']:.2f}", baseline,
                             f"{baseline / via_http['median']:.1f}"])
            ask_direct = timed(lambda: _direct(graph, "ASK {}"), repeat)
            ask_runner = timed(lambda: runner.run("ASK {}"), repeat)
            ask_http = timed(lambda: _http(endpoint + "query=ASK%7B%7D"), repeat)
            rows.append(["ASK {} (fixed cost)", 1, ask_direct["median"],
                         ask_runner["median"], ask_http["median"], ask_http["p95"], "",
                         "", ""])
            del dataset
            limits = []
            for limit in (1.0, 2.0):
                timed_app = create_app(settings.replace(query_timeout=limit), graph=graph)
                client = timed_app.test_client()
                client.get("/sparql?query=ASK%7B%7D")
                began = time.perf_counter()
                status = client.get("/sparql", query_string={"query": CARTESIAN}).status_code
                stopped = time.perf_counter() - began
                began = time.perf_counter()
                after = client.get("/sparql?query=ASK%7B%7D").status_code
                recovery = time.perf_counter() - began
                limits.append([f"{limit:g} s", status, f"{stopped:.3f}",
                               f"{(stopped - limit) * 1000:.0f}", f"{recovery * 1000:.0f}",
                               after])
                timed_app.extensions["kg_sparql"].runner.close()
        finally:
            runner.close()
            server.close()
            app.extensions["kg_sparql"].runner.close()
    head = (f"{n} generated articles, {triples:,} triples, embedded store (built in "
            f"{build:.0f} s); medians of {repeat} runs (rdflib: up to 3), hub entity `{hub}`; "
            f"rdflib took {rdflib_load:.0f} s to load the same quads.\n\n")
    return head + table(["query", "rows", "direct ms", "runner ms", "HTTP ms", "HTTP p95 ms",
                         "HTTP / direct", "rdflib ms", "rdflib / HTTP"], rows) \
        + "\n\nTime limit (4-way cartesian product):\n\n" \
        + table(["limit", "status", "answered after s", "late by ms", "next query ms",
                 "next status"], limits)


def run(sizes: list[int]) -> str:
    return "\n\n".join(measure(n) for n in sizes)


if __name__ == "__main__":
    store_benchmark_main(__doc__, measure, 1150)
