"""An in-memory backend on rdflib's Dataset, for unit tests and small jobs.

It passes the same contract tests as the on-disk store; nothing persists.
"""
from __future__ import annotations

import threading
from typing import Iterable, Iterator, cast

from rdflib import Dataset, Graph, URIRef
from pyparsing import ParseException

from ..errors import QueryError
from ..lexer import refuse_outbound
from .base import Capabilities, Patch, Quad, QueryResult, Store, Triple, ValueRow

__all__ = ["MemoryStore"]


class MemoryStore(Store):
    """Named graphs in an rdflib Dataset with the union as default graph."""

    name = "memory"
    capabilities = Capabilities(persistent=False)

    def __init__(self) -> None:
        self._data = Dataset(default_union=True)
        self._lock = threading.RLock()

    def replace_graph(self, graph: URIRef, triples: Iterable[Triple],
                      patch: Patch | None = None) -> None:
        triples = list(triples)  # materialise before taking the lock
        with self._lock:
            self._data.remove_graph(graph)
            target = self._data.graph(graph)
            for triple in triples:
                target.add(triple)
            self._apply(patch)

    def drop_graph(self, graph: URIRef, patch: Patch | None = None) -> bool:
        with self._lock:
            existed = graph in set(self.graphs())
            self._data.remove_graph(graph)
            if existed:
                self._apply(patch)
            return existed

    def _apply(self, patch: Patch | None) -> None:
        if patch is not None:
            target = self._data.graph(patch.graph)
            for triple in patch.remove:
                target.remove(triple)
            for triple in patch.add:
                target.add(triple)

    def _query(self, query: str):
        refuse_outbound(query)
        try:
            with self._lock:
                return self._data.query(query)
        except ParseException as err:
            raise QueryError(f"SPARQL syntax error: {err}") from None

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
