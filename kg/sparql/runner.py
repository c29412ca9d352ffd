"""`QueryRunner`: a checked query evaluated on whichever backend the graph
uses, within `Limits`."""
from __future__ import annotations

import atexit
import threading
import time
import weakref
from typing import TYPE_CHECKING, Iterable

from .answers import Answer
from .cancel import Cancel
from .policy import CheckedQuery, Limits, QueryTimeout, check_graph_iri, check_query, format_for

if TYPE_CHECKING:
    from ..graph import KnowledgeGraph
    from ..store.base import PublicQueries


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
        self._queries: PublicQueries | None = None
        self._lock = threading.Lock()
        _RUNNERS.add(self)

    def _engine(self) -> PublicQueries:
        """How the store runs public queries (`Store.public_queries`)."""
        # Here, not at the top: a query worker imports kg.sparql and must
        # start without rdflib, which the store contract's module imports.
        from ..store.base import QueryPool

        with self._lock:
            if self._queries is None:
                self._queries = self.graph.store.public_queries(
                    QueryPool(self.workers, self.long_queries, self.memory_mb))
                # Its workers stop with the runner even if nobody calls close().
                weakref.finalize(self, self._queries.close)
            return self._queries

    def warm(self) -> None:
        """Start the store's query workers now rather than on the first
        query (a worker process takes ~0.3 s to start)."""
        if self.limits.timeout is not None:
            self._engine().warm()

    def check(self, text: str) -> CheckedQuery:
        """The policy check alone (see `check_query`)."""
        return check_query(text, self.graph.settings.base_iri, self.limits)

    def run(self, text: str | CheckedQuery, fmt: str | None = None,
            default_graphs: Iterable[str] | None = None,
            named_graphs: Iterable[str] | None = None,
            limits: Limits | None = None, cancel: Cancel | None = None) -> Answer:
        """Check and run a query.

        Args:
            text: the query (or an already checked one).
            fmt: a FORMATS name (or alias) fitting the query form; None
                picks json or ttl.
            default_graphs, named_graphs: the protocol's dataset; when
                either is given it replaces the query's FROM clauses.
            limits: other limits for this query.
            cancel: its client's cancel button: when cancelled, the work
                stops as at the time limit (the worker is killed).

        Raises:
            QueryError, UpdateRefused: refused by the policy or malformed.
            QueryTimeout: stopped at the time limit.
            EngineBusy: no worker free before the time limit;
                LongQueriesBusy: past `LONG_QUERY_SECONDS` with every
                long-query slot taken.
            QueryOutOfMemory: the worker ran out of its memory cap.
            QueryCancelled: `cancel` was cancelled; the work was stopped.
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
            answer = self._dispatch(query, fmt, limits, dataset, cancel)
        except QueryTimeout:
            raise QueryTimeout(f"the query was stopped after {limits.timeout:g} s, this "
                               "endpoint's time limit; narrow it down (fewer patterns "
                               "joined, a LIMIT, a FILTER on a specific entity)") from None
        answer.elapsed = time.monotonic() - began
        return answer

    def _dispatch(self, query: CheckedQuery, fmt: str, limits: Limits,
                  dataset: tuple | None, cancel: Cancel | None = None) -> Answer:
        return self._engine().run(query, fmt, limits, dataset, cancel)

    def close(self) -> None:
        """Stop the worker processes; idempotent."""
        with self._lock:
            queries, self._queries = self._queries, None
        if queries is not None:
            queries.close()

    def __enter__(self) -> "QueryRunner":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
