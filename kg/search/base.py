"""The contract a full-text engine fulfils behind our search interface."""
from __future__ import annotations

import abc
import contextlib
from dataclasses import dataclass
from typing import Callable, Iterable

from .query import QueryPlan

__all__ = ["FACETS", "FACET_SIZE", "RANKING", "Engine", "EngineHit", "EngineResult", "Ranking",
           "facet_size", "replaces"]

#: Facet fields, counted over every hit of a query.
FACETS = ("kind", "type", "predicate", "modality", "article")
#: The most values a facet lists (the most frequent first); only `article`
#: ever has more.
FACET_SIZE = 200
#: The article facet lists the articles with the most hits only: a reader
#: narrows by one of the first few, and each value listed costs the engine
#: a lookup (tantivy: a stored document the first time a key is listed;
#: whoosh counts by name, so there the size only shortens the list).
ARTICLE_FACET_SIZE = 5


def facet_size(name: str) -> int:
    """How many values facet `name` lists, the most frequent first."""
    return ARTICLE_FACET_SIZE if name == "article" else FACET_SIZE


@dataclass(frozen=True)
class Ranking:
    """How every engine ranks a `QueryPlan`.

    The hits are the documents matching any required clause (an OR, not
    an AND); when there is none, the claims of the predicates the query
    names ("how is it given"); failing that, the documents matching its
    optional words ("drugs").  They are ranked by BM25F over the clauses
    (each clause scored by its best alternative, so an entity listing many
    synonyms does not outrank one naming it once; the optional words
    only add to a hit's score), plus boosts, each a multiple of the BM25F
    score of a part of the query added to the documents it names.  A
    multiple of a score, not a constant, so the boosts weigh the same on
    engines whose scores differ in scale.  Boosts never add hits: the
    total and the facets count the same documents with or without them.
    """

    #: A document matching every required clause: the score of the required
    #: clauses again, times this (so full matches rank above partial ones).
    all_words: float = 1.0
    #: A claim of a predicate the query names ("side effects of ketamine"):
    #: the score of the required clauses again, times this.
    predicate: float = 1.0
    #: The document of the entity a query names when it asks for nothing
    #: else ("Spravato", "what is esketamine"; not "side effects of
    #: ketamine", which asks for claims): that clause's score again.
    entity: float = 1.0
    # No boost for a claim whose label names the entity: tried (half the
    # label's score), it changed no rank of the relevance set and made
    # whoosh's page query 4x slower (an AND with every claim document).


RANKING = Ranking()


@dataclass
class EngineHit:
    fields: dict
    score: float


class EngineResult:
    """A page of hits, with the total and the facet counts over every
    match.  An engine that counts while the caller works on the page (in
    another thread) passes `counts`, which gives (total, facets) when
    first asked for either."""

    def __init__(self, total: int = 0, hits: list[EngineHit] | None = None,
                 facets: dict[str, dict[str, int]] | None = None,
                 counts: Callable[[], tuple[int, dict[str, dict[str, int]]]] | None = None):
        self.hits = hits or []
        self._counted = None if counts else (total, facets or {})
        self._counts = counts

    def _counted_now(self) -> tuple[int, dict[str, dict[str, int]]]:
        if self._counted is None:
            assert self._counts is not None
            self._counted = self._counts()
        return self._counted

    @property
    def total(self) -> int:
        return self._counted_now()[0]

    @property
    def facets(self) -> dict[str, dict[str, int]]:
        return self._counted_now()[1]


class Engine(abc.ABC):
    """A full-text index of search documents.

    A document is a dict: `id` (unique), `kind` (article, entity, claim),
    `owner` (the article id owning article and claim documents; empty for
    entities), `iri`, `label`, `names`, `text`, `type`, `predicate`,
    `modality`, `article` (list of article ids), `hash`, `date`.
    """

    name = "?"

    @abc.abstractmethod
    def write(self, docs: list[dict], delete_owners: Iterable[str] = (),
              delete_ids: Iterable[str] = ()) -> None:
        """Delete the documents of some owners and ids, then add `docs`
        (replacing same-id documents), and commit."""

    @abc.abstractmethod
    def search(self, plan: QueryPlan, filters: dict[str, str], offset: int,
               limit: int) -> EngineResult:
        """Hits for `plan` ranked as `RANKING` says, restricted by facet
        `filters`, and facet counts over all hits (for each facet its
        `facet_size` most frequent values)."""

    @abc.abstractmethod
    def article_hashes(self) -> dict[str, str]:
        """Owner -> content hash, for every article document and for the
        vocabulary marker (kind "meta")."""

    @abc.abstractmethod
    def clear(self) -> None:
        """Remove every document."""

    @contextlib.contextmanager
    def batch(self):
        """Group writes into one commit where the engine benefits."""
        yield

    def close(self) -> None:
        """Release files and locks."""


def replaces(doc: dict, deleted_owners: set[str]) -> bool:
    """Whether writing `doc` must first delete a document with its id: not
    when its owner's documents were just deleted and its id is its owner's
    alone (article and claim ids name their article); entity ids are
    shared, since an entity minted by two articles has one document."""
    return doc["kind"] == "entity" or doc.get("owner") not in deleted_owners
