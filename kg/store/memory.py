"""An in-memory backend on rdflib's Dataset, for unit tests and small jobs.

It passes the same contract tests as the on-disk store; nothing persists.
"""
from __future__ import annotations

import itertools
import threading
from typing import TYPE_CHECKING, Iterable, Iterator, Sequence, cast

from pyparsing import ParseException
from rdflib import Dataset, Graph, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.evaluate import evalQuery

from ..errors import QueryError
from ..lexer import refuse_outbound
from ..results import serialize
from ..sparql.answers import Answer, ask_body
from ..sparql.deadline import in_thread
from ..sparql.syntax import explain
from ..terms import PREFIXES
from .base import (Capabilities, Patch, Patches, PublicQueries, Quad, QueryPool, QueryResult,
                   Store, Triple, ValueRow, nquads_graphs, patch_list)

if TYPE_CHECKING:
    from ..sparql.cancel import Cancel
    from ..sparql.policy import CheckedQuery, Limits

__all__ = ["MemoryStore"]


class MemoryStore(Store):
    """Named graphs in an rdflib Dataset with the union as default graph."""

    name = "memory"
    capabilities = Capabilities(persistent=False)

    def __init__(self) -> None:
        self._data = Dataset(default_union=True)
        self._lock = threading.RLock()

    def public_queries(self, pool: QueryPool) -> PublicQueries:
        return _ThreadQueries(self)

    def replace_graph(self, graph: URIRef, triples: Iterable[Triple],
                      patch: Patches = None) -> None:
        triples = list(triples)  # materialise before taking the lock
        with self._lock:
            self._data.remove_graph(graph)
            target = self._data.graph(graph)
            for triple in triples:
                target.add(triple)
            self._apply(patch)

    def add_graphs(self, graphs: Sequence[URIRef], nquads: str,
                   patch: Patch | None = None, readers: bool = True) -> None:
        found = nquads_graphs(nquads, graphs)  # parsed before taking the lock
        with self._lock:
            existing = set(self.graphs())
            taken = [g for g in found if g in existing]
            if taken:
                raise ValueError(f"graph {taken[0]} exists; replace it with replace_graph")
            for name, triples in found.items():
                target = self._data.graph(name)
                for triple in triples:
                    target.add(triple)
            self._apply(patch)

    def apply(self, patch: Patches) -> None:
        with self._lock:
            self._apply(patch)

    def drop_graph(self, graph: URIRef, patch: Patches = None) -> bool:
        with self._lock:
            existed = graph in set(self.graphs())
            self._data.remove_graph(graph)
            if existed:
                self._apply(patch)
            return existed

    def _apply(self, patches: Patches) -> None:
        for patch in patch_list(patches):
            target = self._data.graph(patch.graph)
            for triple in patch.remove:
                target.remove(triple)
            for triple in patch.added():
                target.add(triple)

    def _query(self, query: str):
        refuse_outbound(query)
        try:
            with self._lock:
                return self._data.query(query)
        except ParseException as err:
            raise explain(query, str(err), PREFIXES) from None

    def query(self, query: str) -> QueryResult:
        result = self._query(query)
        if result.type == "SELECT":
            names = [str(v) for v in result.vars]
            rows = [{n: row[i] for i, n in enumerate(names) if row[i] is not None}
                    for row in result]
            return QueryResult("select", variables=names, rows=rows)
        if result.type == "ASK":
            return QueryResult("ask", boolean=bool(result.askAnswer))
        graph = Graph()
        for triple in result:
            graph.add(triple)
        return QueryResult("graph", graph=graph)

    def select_values(self, query: str) -> list[ValueRow]:
        result = self._query(query)
        if result.type != "SELECT":
            kind = "an ask" if result.type == "ASK" else "a graph"
            raise QueryError(f"expected a select query, got {kind} query")
        names = [str(v) for v in result.vars]
        return [{n: str(row[i]) for i, n in enumerate(names) if row[i] is not None}
                for row in result]

    def graphs(self) -> list[URIRef]:
        with self._lock:
            return sorted(g.identifier for g in self._data.graphs()
                          if isinstance(g.identifier, URIRef) and len(g)
                          and g.identifier != self._data.default_graph.identifier)

    def quads(self, graph: URIRef | None = None) -> Iterator[Quad]:
        with self._lock:
            # rdflib takes a graph name here too, and types its terms as Node.
            found = self._data.quads((None, None, None, graph))  # type: ignore[arg-type]
            quads = [(s, p, o, g) for s, p, o, g in found
                     if g is not None and g != self._data.default_graph.identifier]
        yield from cast("list[Quad]", quads)

    def __len__(self) -> int:
        return sum(1 for _ in self.quads())


# ------------------------------------------------------- public queries

class _ThreadQueries(PublicQueries):
    """Public queries in a thread of this process (a process cannot share
    an rdflib store); past its time the thread gets an asynchronous
    exception, which stops rdflib's pure-Python evaluator at its next
    bytecode."""

    def __init__(self, store: "MemoryStore"):
        self.store = store

    def run(self, query: "CheckedQuery", fmt: str, limits: "Limits",
            dataset: tuple | None, cancel: "Cancel | None" = None) -> Answer:
        return in_thread(lambda: _evaluate(self.store, query, fmt, limits, dataset),
                         limits.timeout, cancel=cancel)


def _evaluate(store: "MemoryStore", query: "CheckedQuery", fmt: str, limits: "Limits",
              dataset: tuple | None) -> Answer:
    """Evaluate with rdflib.  Without a dataset, on the store itself; with
    one, on a copy shaped to it, evaluated with the query's own dataset
    clause removed, so rdflib never loads a FROM graph from the web."""
    if dataset is None:  # no FROM and no protocol graphs: the store's union graph
        try:
            return _capped_rdflib(store.query(query.text), query, fmt, limits)
        except RecursionError:
            raise QueryError("the query is nested too deeply for this backend") from None
    try:
        prepared = prepareQuery(query.text)
    except ParseException as err:
        raise explain(query.text, str(err), PREFIXES) from None
    except RecursionError:
        raise QueryError("the query is nested too deeply for this backend") from None
    prepared.algebra["datasetClause"] = None  # the dataset is built here instead
    default, named = dataset
    data = Dataset(default_union=False)
    wanted_default, wanted_named = set(default or ()), set(named or ())
    target = data.graph(DATASET_DEFAULT_GRAPH_ID)
    for s, p, o, g in store.quads():
        if str(g) in wanted_default:
            target.add((s, p, o))
        if str(g) in wanted_named:
            data.graph(URIRef(g)).add((s, p, o))
    try:
        found = evalQuery(data, prepared, {})
    except RecursionError:
        raise QueryError("the query is nested too deeply for this backend") from None
    kind = found.get("type_")
    if kind == "ASK":
        return _capped_rdflib(QueryResult("ask", boolean=bool(found["askAnswer"])), query, fmt,
                              limits)
    if kind in ("CONSTRUCT", "DESCRIBE"):
        return _capped_rdflib(QueryResult("graph", graph=found["graph"]), query, fmt, limits)
    names = [str(v) for v in found["vars_"]]
    cap = limits.max_rows
    bindings = itertools.islice(found["bindings"], None if cap is None else cap + 1)
    rows = [{str(k): v for k, v in b.items() if v is not None and str(k) in names}
            for b in bindings]
    return _capped_rdflib(QueryResult("select", variables=names, rows=rows), query, fmt, limits)


def _capped_rdflib(result, query: "CheckedQuery", fmt: str, limits: "Limits") -> Answer:
    """A memory-store result (rdflib terms) cut at the row cap, serialised."""
    if result.kind == "ask":
        return Answer(ask_body(result.boolean, fmt), fmt, query.form, rows=1)
    cap = limits.max_rows
    if result.kind == "graph":
        triples = list(itertools.islice(iter(result.graph), None if cap is None else cap + 1))
        truncated = cap is not None and len(triples) > cap
        kept = Graph()
        for triple in triples[:cap]:
            kept.add(triple)
        text, _ = serialize(QueryResult("graph", graph=kept), fmt)
        return Answer(text.encode("utf-8"), fmt, query.form, rows=len(kept), truncated=truncated)
    truncated = cap is not None and len(result.rows) > cap
    rows = result.rows[:cap]
    text, _ = serialize(QueryResult("select", variables=result.variables, rows=rows), fmt)
    return Answer(text.encode("utf-8"), fmt, query.form, rows=len(rows), truncated=truncated)
