"""`QueryRunner`: a checked query evaluated on whichever backend the graph
uses, within `Limits`."""
from __future__ import annotations

import atexit
import ctypes
import itertools
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from ..errors import QueryError, StoreUnavailable
from .answers import Answer, ask_body, run_ox, write_ox
from .policy import (
    CheckedQuery,
    Limits,
    QueryTimeout,
    UpdateRefused,
    check_graph_iri,
    check_query,
    format_for,
)
from .workers import WorkerPool

if TYPE_CHECKING:
    from ..graph import KnowledgeGraph


class _Cancelled(BaseException):
    """Injected into a memory query's thread when its time is up (a
    BaseException, so rdflib's `except Exception` cannot swallow it)."""


def _run_memory(graph: "KnowledgeGraph", query: CheckedQuery, fmt: str, limits: Limits,
                dataset: tuple | None) -> Answer:
    """Evaluate with rdflib.  Without a dataset, on the store itself; with
    one, on a copy shaped to it, evaluated with the query's own dataset
    clause removed, so rdflib never loads a FROM graph from the web."""
    from pyparsing import ParseException
    from rdflib import Dataset, URIRef
    from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
    from rdflib.plugins.sparql import prepareQuery
    from rdflib.plugins.sparql.evaluate import evalQuery

    from ..store.base import QueryResult

    if dataset is None:  # no FROM and no protocol graphs: the store's union graph
        try:
            return _capped_rdflib(graph.store.query(query.text), query, fmt, limits)
        except RecursionError:
            raise QueryError("the query is nested too deeply for this backend") from None
    try:
        prepared = prepareQuery(query.text)
    except ParseException as err:
        raise QueryError(f"SPARQL syntax error: {err}") from None
    except RecursionError:
        raise QueryError("the query is nested too deeply for this backend") from None
    prepared.algebra["datasetClause"] = None  # the dataset is built here instead
    default, named = dataset
    data = Dataset(default_union=False)
    wanted_default, wanted_named = set(default or ()), set(named or ())
    target = data.graph(DATASET_DEFAULT_GRAPH_ID)
    for s, p, o, g in graph.store.quads():
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


def _capped_rdflib(result, query: CheckedQuery, fmt: str, limits: Limits) -> Answer:
    """A memory-store result (rdflib terms) cut at the row cap, serialised."""
    from rdflib import Graph

    from ..results import serialize
    from ..store.base import QueryResult

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


def _in_thread(func, timeout: float | None, on_timeout=None):
    """Run func in a thread; past the timeout, stop it with an asynchronous
    exception (effective at its next Python bytecode) and raise
    QueryTimeout."""
    box: dict = {}

    def target():
        try:
            box["value"] = func()
        except _Cancelled:
            pass
        except BaseException as err:  # handed to the caller
            box["error"] = err

    thread = threading.Thread(target=target, daemon=True, name="kg-sparql-memory")
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        assert thread.ident is not None, "a started thread has an ident"
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread.ident),
                                                   ctypes.py_object(_Cancelled))
        if on_timeout is not None:
            on_timeout()
        raise QueryTimeout("")
    if "error" in box:
        raise box["error"]
    return box["value"]


def _run_remote(graph: "KnowledgeGraph", query: CheckedQuery, fmt: str, limits: Limits,
                dataset: tuple | None) -> Answer:
    """Ask the SPARQL server (the dataset as protocol parameters), read its
    answer before the deadline, and cap it like a local one."""
    import pyoxigraph as ox

    from ..store.remote import RemoteStore

    store = graph.store
    assert isinstance(store, RemoteStore), "only a remote store has a query URL"
    params = [("query", query.text)]
    if dataset is not None:
        params += [("default-graph-uri", g) for g in dataset[0] or ()]
        params += [("named-graph-uri", g) for g in dataset[1] or ()]
    accept = "application/n-triples" if query.kind == "graph" else \
        "application/sparql-results+json"
    request = urllib.request.Request(
        store.query_url, data=urllib.parse.urlencode(params).encode(), method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": accept})
    opened: list = []

    def fetch() -> bytes:
        # The whole exchange runs in a thread so that the deadline covers it
        # all; at the deadline the connection is closed under it.
        with urllib.request.urlopen(request, timeout=limits.timeout or 60.0) as response:
            opened.append(response)
            return response.read()

    try:
        body = _in_thread(fetch, limits.timeout, on_timeout=lambda: [r.close() for r in opened])
    except urllib.error.HTTPError as err:
        detail = err.read(500).decode("utf-8", "replace").strip().splitlines()
        message = detail[0] if detail else err.reason
        if 400 <= err.code < 500:
            raise QueryError(f"SPARQL syntax error: {message}") from None
        raise StoreUnavailable(f"SPARQL server answered {err.code}: {message}") from None
    except TimeoutError:
        raise QueryTimeout("") from None
    except (urllib.error.URLError, ConnectionError) as err:
        raise StoreUnavailable(f"cannot reach the SPARQL server: {getattr(err, 'reason', err)}") \
            from None
    if query.kind == "graph":
        return write_ox(ox.parse(body, ox.RdfFormat.N_TRIPLES), query.form, fmt, limits,
                        _prefixes())
    result = ox.parse_query_results(body, ox.QueryResultsFormat.JSON)
    if query.form.upper() == "ASK" and isinstance(result, ox.QuerySolutions):
        # Virtuoso answers ASK as a one-cell SELECT.
        values = [solution[0] for solution in result]
        value = bool(values) and values[0] is not None and values[0].value not in ("0", "false")
        return Answer(ask_body(value, fmt), fmt, query.form, rows=1)
    return write_ox(result, query.form, fmt, limits)


# ---------------------------------------------------------------- the runner

def _prefixes() -> dict[str, str]:
    """The namespaces Turtle, RDF/XML and JSON-LD answers abbreviate."""
    from ..terms import PREFIXES

    return PREFIXES


_RUNNERS: "weakref.WeakSet[QueryRunner]" = weakref.WeakSet()


@atexit.register
def _close_all() -> None:
    for runner in list(_RUNNERS):
        runner.close()


class QueryRunner:
    """Runs queries on one graph within limits.

    >>> from kg import KnowledgeGraph, Settings
    >>> with KnowledgeGraph.open(Settings(store="memory")) as graph:
    ...     with QueryRunner(graph) as runner:
    ...         runner.run("ASK { ?s a ?t }").body
    b'{"head": {}, "boolean": true}'

    Args:
        graph: the open graph.
        limits: the limits; the public ones for the graph's settings if None.
        workers: worker processes kept warm (embedded store with a time
            limit); started by `warm()` or the first query.
        long_queries: how many queries may run past `LONG_QUERY_SECONDS`
            at once (at most `workers`); a query past it without a free
            slot is stopped (`LongQueriesBusy`).
        memory_mb: the memory cap of each worker (0: none).
        Each of these three is the graph's setting when None
        (`KG_QUERY_WORKERS`, `KG_LONG_QUERIES`, `KG_QUERY_MEMORY`).
    """

    def __init__(self, graph: "KnowledgeGraph", limits: Limits | None = None,
                 workers: int | None = None, long_queries: int | None = None,
                 memory_mb: int | None = None):
        settings = graph.settings
        self.graph = graph
        self.limits = limits or Limits.public(settings)
        self.workers = max(1, settings.query_workers if workers is None else workers)
        self.long_queries = min(self.workers, max(
            1, settings.long_queries if long_queries is None else long_queries))
        self.memory_mb = settings.query_memory if memory_mb is None else memory_mb
        self._pool: WorkerPool | None = None
        self._lock = threading.Lock()
        _RUNNERS.add(self)

    def warm(self) -> None:
        """Start the worker processes now rather than on the first query
        (a worker takes ~0.3 s to start; later queries find it ready)."""
        if self.graph.store.name == "embedded" and self.limits.timeout is not None:
            self._ensure_pool()

    def _ensure_pool(self) -> WorkerPool:
        from ..store.embedded import EmbeddedStore

        store = self.graph.store
        assert isinstance(store, EmbeddedStore), "worker processes open an embedded store"
        with self._lock:
            if self._pool is None:
                self._pool = WorkerPool(str(Path(store.folder) / "store"),
                                        self.workers, self.long_queries,
                                        memory=self.memory_mb * 1024 * 1024)
                # Workers stop with the runner even if nobody calls close().
                weakref.finalize(self, self._pool.close)
            return self._pool

    def check(self, text: str) -> CheckedQuery:
        """The policy check alone (see `check_query`)."""
        return check_query(text, self.graph.settings.base_iri, self.limits)

    def run(self, text: str | CheckedQuery, fmt: str | None = None,
            default_graphs: Iterable[str] | None = None,
            named_graphs: Iterable[str] | None = None,
            limits: Limits | None = None) -> Answer:
        """Check and run a query.

        Args:
            text: the query (or an already checked one).
            fmt: a FORMATS name (or alias) fitting the query form; None
                picks json or ttl.
            default_graphs, named_graphs: the protocol's dataset; when
                either is given it replaces the query's FROM clauses.
            limits: other limits for this query.

        Raises:
            QueryError, UpdateRefused: refused by the policy or malformed.
            QueryTimeout: stopped at the time limit.
            EngineBusy: no worker free before the time limit;
                LongQueriesBusy: past `LONG_QUERY_SECONDS` with every
                long-query slot taken.
            QueryOutOfMemory: the worker ran out of its memory cap.
        """
        limits = limits or self.limits
        local = self.graph.settings.base_iri
        query = text if isinstance(text, CheckedQuery) else check_query(text, local, limits)
        fmt = format_for(query.kind, fmt)
        dataset = None
        if default_graphs or named_graphs:
            dataset = (tuple(check_graph_iri(g, local) for g in default_graphs or ()),
                       tuple(check_graph_iri(g, local) for g in named_graphs or ()))
        elif query.has_dataset:
            dataset = (query.default_graphs, query.named_graphs)
        began = time.monotonic()
        try:
            answer = self._dispatch(query, fmt, limits, dataset)
        except QueryTimeout:
            raise QueryTimeout(f"the query was stopped after {limits.timeout:g} s, this "
                               "endpoint's time limit; narrow it down (fewer patterns "
                               "joined, a LIMIT, a FILTER on a specific entity)") from None
        answer.elapsed = time.monotonic() - began
        return answer

    def _dispatch(self, query: CheckedQuery, fmt: str, limits: Limits,
                  dataset: tuple | None) -> Answer:
        store = self.graph.store.name
        if store == "memory":
            return _in_thread(lambda: _run_memory(self.graph, query, fmt, limits, dataset),
                              limits.timeout)
        if store == "sparql":
            return _run_remote(self.graph, query, fmt, limits, dataset)
        if limits.timeout is None:
            from ..store.embedded import EmbeddedStore

            embedded = self.graph.store
            assert isinstance(embedded, EmbeddedStore), "native queries need the embedded store"
            return run_ox(embedded.native_query, query, fmt, limits, dataset, _prefixes())
        reply = self._ensure_pool().run((query, fmt, limits, dataset, _prefixes()),
                                        limits.timeout)
        if reply[0] == "ok":
            return reply[1]
        error = {"QueryError": QueryError, "UpdateRefused": UpdateRefused,
                 "StoreUnavailable": StoreUnavailable}.get(reply[1], QueryError)
        raise error(reply[2])

    def close(self) -> None:
        """Stop the worker processes; idempotent."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()

    def __enter__(self) -> "QueryRunner":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
