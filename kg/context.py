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
from .terms import HKG, PROV, RDFS, Minter, iri

if TYPE_CHECKING:
    from ingest import Entity
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
        """The vocabulary extraction grounds names in: the curated one
        (loaded once per process and file version) with the names curators
        regrounded (issue 19: `kg.grounding`), read once per context."""
        from ingest import load_vocabulary

        return load_vocabulary().learning(self._learned_names())

    def _learned_names(self) -> list[tuple[str, "Entity"]]:
        """(surface form, entity) of every regrounding and merge in effect,
        the latest first: one query of the curation graph."""
        from ingest import Entity, EntityType, load_vocabulary

        rows = self.store.select_values(f"""
            SELECT ?form ?to ?label ?type ?when WHERE {{
              GRAPH {iri(self.minter.curation_graph)} {{
                ?r {iri(HKG.surfaceForm)} ?form ; {iri(HKG.groundedTo)} ?to ;
                   {iri(PROV.endedAtTime)} ?when
                FILTER NOT EXISTS {{ ?r {iri(HKG.undoneBy)} ?undo }} }}
              OPTIONAL {{ ?to {iri(RDFS.label)} ?label ; a ?type }} }}
            ORDER BY DESC(?when)""")
        curated = load_vocabulary()
        learned: list[tuple[str, Entity]] = []
        for row in rows:
            key = self.minter.local(row["to"], "entity")
            entity = curated.get(key) if key else None
            type_ = row.get("type", "").rsplit("#", 1)[-1]
            if entity is None and key and type_ in EntityType._value2member_map_:
                entity = Entity(key, row.get("label", key), EntityType(type_), mapped=False)
            if entity is not None:
                learned.append((row["form"], entity))
        return learned

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
