"""`Context`: what the read and write helpers of `kg` work on.

`read`, `tally`, `subgraph`, `views`, `load` and the search documents take a
`Context` (a store and its IRI minter), never the `KnowledgeGraph` that
composes them with the search index; so nothing below `kg.graph` imports it,
and the core has no import cycle (`tests/test_layout.py` checks both).
"""
from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from .store.base import Store
from .terms import Minter

if TYPE_CHECKING:
    from ingest.vocab import Vocabulary

__all__ = ["Context"]


class Context:
    """A store and the minter of its IRIs.

    >>> from kg.store.memory import MemoryStore
    >>> ctx = Context(MemoryStore(), Minter("http://localhost:8000/"))
    >>> str(ctx.minter.article("a"))
    'http://localhost:8000/article/a'
    """

    def __init__(self, store: Store, minter: Minter):
        self.store = store
        self.minter = minter

    @functools.cached_property
    def vocabulary(self) -> "Vocabulary":
        """The curated vocabulary extraction grounds names in (loaded once
        per process and file version)."""
        from ingest import load_vocabulary

        return load_vocabulary()

    def similar_names(self, name: str) -> list[str]:
        """Entity names close to `name`, for a "did you mean" hint; a plain
        context has no index to ask, so none."""
        return []

    def articles_changed(self, documents: dict[str, list[dict]]) -> None:
        """Articles a curation rewrote (article id -> its search documents):
        a plain context has no index to update; `KnowledgeGraph` updates
        its own."""

    def forget_vocabulary(self) -> None:
        """The vocabulary changed (a curator regrounded a name): the next
        extraction reads it again."""
        self.__dict__.pop("vocabulary", None)
