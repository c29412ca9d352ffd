"""`KnowledgeGraph`: the settings, store and IRI minter one process works with."""
from __future__ import annotations

import functools
import logging

from .config import Settings, load_settings
from .store import Store, open_store
from .terms import Minter

__all__ = ["KnowledgeGraph"]

log = logging.getLogger("kg")


class KnowledgeGraph:
    """An open knowledge graph.  Use as a context manager, or call `close()`.

    >>> from kg.config import Settings
    >>> with KnowledgeGraph.open(Settings(store="memory")) as graph:
    ...     graph.store.name
    'memory'
    """

    def __init__(self, settings: Settings, store: Store):
        self.settings = settings
        self.store = store
        self.minter = Minter(settings.base_iri)

    @classmethod
    def open(cls, settings: Settings | None = None, write: bool = True) -> "KnowledgeGraph":
        """Open the configured store; a writer also brings the ontology graph
        up to date with the packaged ontology and vocabulary files.

        Raises:
            StoreBusy: `write` and another process holds the data folder.
        """
        from . import tally
        from .load import ensure_ontology

        settings = settings or load_settings()
        graph = cls(settings, open_store(settings, write=write))
        try:
            writable = not getattr(graph.store, "read_only", False)
            if writable and (write or not graph.store.has_graph(graph.minter.ontology_graph)):
                if ensure_ontology(graph):
                    graph.search.update_vocabulary()
                if tally.ensure(graph):
                    log.info("counted the relations of the stored articles (relation tally)")
            elif not graph.store.has_graph(tally.tally_graph(graph)):
                log.warning("the relation tally is missing (a store written by an older "
                            "version); entity pages show no relations until a writer opens "
                            "it or `kg reindex` runs")
            graph._check_search(repair=write and writable)
        except BaseException:
            graph.close()
            raise
        return graph

    def _check_search(self, repair: bool) -> None:
        """Say so when the search index and the graph disagree (a crash
        between the two writes); a writer repairs it on the spot."""
        if repair:
            fixed = self.search.reconcile()
            if fixed:
                log.warning("the search index was out of step with the graph for %d "
                            "article(s) (%s); repaired", len(fixed), ", ".join(fixed[:5]))
        elif self.store.capabilities.persistent:  # a memory store's index starts empty too
            wrong = self.search.check()
            if wrong:
                log.warning("the search index is out of step with the graph for %d "
                            "article(s); run `kg reindex`", len(wrong))

    @functools.cached_property
    def search(self):
        """The full-text index kept in step with this graph."""
        from .search import SearchIndex

        return SearchIndex(self)

    @functools.cached_property
    def vocabulary(self):
        """The curated vocabulary, loaded once per process."""
        from ingest import load_vocabulary

        return load_vocabulary()

    def close(self) -> None:
        search = self.__dict__.pop("search", None)
        if search is not None:
            search.close()
        self.store.close()

    def __enter__(self) -> "KnowledgeGraph":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
