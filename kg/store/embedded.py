"""The default backend: Oxigraph (pyoxigraph) on disk under the data folder.

Called directly rather than through rdflib's store plugin: at 1M triples a
neighbourhood query takes 9 ms this way, 40 ms through oxrdflib and 127 ms
on rdflib's default store (measured for DESIGN.md).
"""
from __future__ import annotations

import errno
from pathlib import Path
from typing import Iterable, Iterator

import pyoxigraph as ox
from rdflib import Graph, URIRef

from ..errors import QueryError, StoreBusy, StoreUnavailable
from ..lexer import refuse_outbound
from ._convert import from_ox, to_ox
from .base import (Capabilities, Patch, Quad, QueryResult, Store, Triple, ValueRow, drop_update,
                   replace_update)
from .lock import WriterLock

__all__ = ["EmbeddedStore"]


class EmbeddedStore(Store):
    """pyoxigraph's RocksDB store in `<data>/store`.

    Args:
        folder: the data folder.
        write: take the writer lock; if False and another process writes,
            open a read-only snapshot instead (it sees the data as it was
            when opened).

    Raises:
        StoreBusy: `write` asked while another process holds the folder.
    """

    name = "embedded"
    capabilities = Capabilities(persistent=True, native_results=True)

    def __init__(self, folder: str | Path, write: bool = True):
        self.folder = Path(folder)
        self.lock = WriterLock(self.folder)
        self.read_only = False
        path = self.folder / "store"
        try:
            if self._writable_open(path, write):
                pass
            elif write:
                self.lock.acquire()  # raises StoreBusy with the holder's name
            elif path.exists():
                self._store = ox.Store.read_only(str(path))
                self.read_only = True
            else:
                raise StoreBusy(f"the data folder {self.folder} is being created by "
                                f"{self.lock.holder()}; try again in a moment")
        except OSError as err:
            self.lock.release()
            if getattr(err, "errno", None) == errno.EROFS:
                raise StoreUnavailable(f"the data folder {self.folder} is read-only "
                                       f"({err.strerror}); it cannot be written") from None
            raise StoreUnavailable(f"cannot open the store in {path}: {err}") from None

    def _writable_open(self, path: Path, write: bool) -> bool:
        """Open for writing if the lock is free; False if another process
        holds it.  A reader falls back to a read-only snapshot when the
        folder cannot be written (a read-only mount, a full disk: RocksDB
        needs to write to open for writing), so the data stays readable
        (issue 9)."""
        try:
            if not self.lock.try_acquire():
                return False
            self._store = ox.Store(str(path))
            return True
        except OSError:
            if write or not path.exists():
                raise
            self.lock.release()
            self._store = ox.Store.read_only(str(path))
            self.read_only = True
            return True

    def _writable(self) -> ox.Store:
        if self.read_only:
            raise StoreBusy(f"the data folder {self.folder} is in use by {self.lock.holder()}; "
                            "this command opened it read-only")
        return self._store

    def replace_graph(self, graph: URIRef, triples: Iterable[Triple],
                      patch: Patch | None = None) -> None:
        self._update(replace_update(graph, triples, patch))

    def drop_graph(self, graph: URIRef, patch: Patch | None = None) -> bool:
        existed = self._store.contains_named_graph(ox.NamedNode(str(graph)))
        if existed:
            self._update(drop_update(graph, patch))
        return existed

    def _update(self, update: str) -> None:
        store = self._writable()
        try:
            store.update(update)
        except SyntaxError as err:  # a bug in our update builder, never user input
            raise QueryError(f"invalid update: {err}") from None
        except OSError as err:
            raise StoreUnavailable(f"cannot write to the store in {self.folder}: {err}") from None

    def _query(self, query: str):
        refuse_outbound(query)
        try:
            return self._store.query(query, use_default_graph_as_union=True)
        except SyntaxError as err:
            raise QueryError(f"SPARQL syntax error: {err}") from None
        except OSError as err:
            raise StoreUnavailable(f"cannot read the store in {self.folder}: {err}") from None

    def native_query(self, query: str, **options):
        """The raw pyoxigraph result (for streaming serialisation)."""
        refuse_outbound(query)
        try:
            return self._store.query(query, **options)
        except SyntaxError as err:
            raise QueryError(f"SPARQL syntax error: {err}") from None

    def query(self, query: str) -> QueryResult:
        result = self._query(query)
        if isinstance(result, ox.QuerySolutions):
            names = [v.value for v in result.variables]
            return QueryResult("select", variables=names, rows=_rows(result, names, from_ox))
        if isinstance(result, ox.QueryBoolean):
            return QueryResult("ask", boolean=bool(result))
        graph = Graph()
        for triple in result:
            graph.add((from_ox(triple.subject), from_ox(triple.predicate), from_ox(triple.object)))
        return QueryResult("graph", graph=graph)

    def select_values(self, query: str) -> list[ValueRow]:
        result = self._query(query)
        if not isinstance(result, ox.QuerySolutions):
            kind = "an ask" if isinstance(result, ox.QueryBoolean) else "a graph"
            raise QueryError(f"expected a select query, got {kind} query")
        return _rows(result, [v.value for v in result.variables], lambda value: value.value)

    def graphs(self) -> list[URIRef]:
        return sorted(URIRef(g.value) for g in self._store.named_graphs()
                      if isinstance(g, ox.NamedNode))

    def has_graph(self, graph: URIRef) -> bool:
        try:
            name = to_ox(graph)
        except ValueError:  # not an IRI at all, so no graph of ours
            return False
        return self._store.contains_named_graph(name)

    def quads(self, graph: URIRef | None = None) -> Iterator[Quad]:
        pattern_graph = to_ox(graph) if graph is not None else None
        for quad in self._store.quads_for_pattern(None, None, None, pattern_graph):
            yield (from_ox(quad.subject), from_ox(quad.predicate), from_ox(quad.object),
                   from_ox(quad.graph_name))

    def __len__(self) -> int:
        return len(self._store)

    def close(self) -> None:
        store = getattr(self, "_store", None)
        if store is not None:
            if not self.read_only:
                try:
                    store.flush()
                except OSError:
                    pass
            del self._store  # a second close finds no store (getattr above)
        self.lock.release()


def _rows(solutions: "ox.QuerySolutions", names: list[str], convert) -> list[dict]:
    """Each solution as a dict of its bound variables, values converted."""
    rows = []
    for solution in solutions:
        row = {}
        for name in names:
            value = solution[name]
            if value is not None:
                row[name] = convert(value)
        rows.append(row)
    return rows
