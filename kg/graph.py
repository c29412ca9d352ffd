"""`KnowledgeGraph`: the settings, store and IRI minter one process works with."""
from __future__ import annotations

import functools

from .config import Settings, load_settings
from .store import Store, open_store
from .terms import Minter

__all__ = ["KnowledgeGraph"]


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
        from .load import ensure_ontology

        settings = settings or load_settings()
        graph = cls(settings, open_store(settings, write=write))
        try:
            if write or not graph.store.has_graph(graph.minter.ontology_graph):
                if not getattr(graph.store, "read_only", False):
                    ensure_ontology(graph)
        except BaseException:
            graph.close()
            raise
        return graph

    @functools.cached_property
    def vocabulary(self):
        """The curated vocabulary, loaded once per process."""
        from ingest import load_vocabulary

        return load_vocabulary()

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> "KnowledgeGraph":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
