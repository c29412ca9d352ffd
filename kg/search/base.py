"""The contract a full-text engine fulfils behind our search interface."""
from __future__ import annotations

import abc
import contextlib
from dataclasses import dataclass, field
from typing import Iterable

from .query import QueryPlan

__all__ = ["FACETS", "FACET_SIZE", "Engine", "EngineHit", "EngineResult", "replaces"]

#: Facet fields, counted over every hit of a query.
FACETS = ("kind", "type", "predicate", "modality", "article")
#: The most values a facet lists (the most frequent first); only `article`
#: ever has more.
FACET_SIZE = 200


@dataclass
class EngineHit:
    fields: dict
    score: float


@dataclass
class EngineResult:
    total: int
    hits: list[EngineHit] = field(default_factory=list)
    facets: dict[str, dict[str, int]] = field(default_factory=dict)


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
        """BM25F-ranked hits for `plan` restricted by facet `filters`, and
        facet counts over all hits (for each facet its FACET_SIZE most
        frequent values)."""

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
