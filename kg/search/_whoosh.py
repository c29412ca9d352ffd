"""The whoosh engine (whoosh3, the maintained fork): the only module that
imports whoosh."""
from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Iterable

from whoosh import fields, index, query, scoring, sorting
from whoosh.analysis import StemmingAnalyzer
from whoosh.filedb.filestore import RamStorage

from ..errors import StoreUnavailable
from .base import FACETS, Engine, EngineHit, EngineResult
from .query import QueryPlan

__all__ = ["WhooshEngine"]

_BOOSTS = {"label": 3.0, "names": 2.0, "text": 1.0}


def _schema() -> fields.Schema:
    analyzer = StemmingAnalyzer()
    return fields.Schema(
        id=fields.ID(unique=True, stored=True),
        kind=fields.ID(stored=True, sortable=True),
        owner=fields.ID(stored=True),
        iri=fields.STORED(),
        label=fields.TEXT(stored=True, analyzer=analyzer, field_boost=_BOOSTS["label"]),
        names=fields.TEXT(stored=True, analyzer=analyzer, field_boost=_BOOSTS["names"]),
        text=fields.TEXT(stored=True, analyzer=analyzer, phrase=True),
        type=fields.ID(stored=True, sortable=True),
        predicate=fields.ID(stored=True, sortable=True),
        modality=fields.ID(stored=True, sortable=True),
        article=fields.KEYWORD(stored=True, commas=True, scorable=False),
        hash=fields.STORED(),
        date=fields.STORED(),
    )


class WhooshEngine(Engine):
    """A whoosh index in a folder, or in memory when `folder` is None."""

    name = "whoosh"

    def __init__(self, folder: Path | None):
        if folder is None:
            self._index = RamStorage().create_index(_schema())
        else:
            folder.mkdir(parents=True, exist_ok=True)
            if index.exists_in(str(folder)):
                self._index = index.open_dir(str(folder))
            else:
                self._index = index.create_in(str(folder), _schema())
        self._analyzer = self._index.schema["text"].analyzer
        self._batch = None
        self._folder = folder

    def _terms(self, words: Iterable[str]) -> list[str]:
        return [t.text for w in words for t in self._analyzer(w)]

    def write(self, docs, delete_owners=(), delete_ids=()):
        writer = self._batch or self._index.writer()
        try:
            for owner in delete_owners:
                writer.delete_by_term("owner", owner)
            for doc_id in delete_ids:
                writer.delete_by_term("id", doc_id)
            for doc in docs:
                writer.update_document(**{**doc, "article": ",".join(doc.get("article", ()))})
        except BaseException:
            if self._batch is None:
                self._cancel(writer)
            raise
        if self._batch is None:
            self._commit(writer)

    def _commit(self, writer) -> None:
        try:
            writer.commit()
        except OSError as err:  # disk full, read-only, file too large (issue 9)
            self._cancel(writer)
            raise StoreUnavailable(f"cannot write the search index in {self._folder}: "
                                   f"{err}") from None

    @staticmethod
    def _cancel(writer) -> None:
        """Drop an unfinished segment.  On a full disk the cancel fails
        too; the error already being raised says why, and whoosh ignores an
        uncommitted segment on the next open (reconcile() redoes it)."""
        try:
            writer.cancel()
        except OSError:
            pass

    @contextlib.contextmanager
    def batch(self):
        """One writer and one commit for many writes (a bulk ingest): whoosh
        writes a segment per commit, so per-article commits are slow."""
        if self._batch is not None:
            yield
            return
        self._batch = self._index.writer(limitmb=128)
        try:
            yield
        except BaseException:
            self._cancel(self._batch)
            raise
        else:
            self._commit(self._batch)
        finally:
            self._batch = None

    def _alternative(self, words: tuple[str, ...], prefix: bool) -> query.Query | None:
        if prefix:
            return query.Or([query.Prefix(f, words[0]) for f in _BOOSTS])
        terms = self._terms(words)
        if not terms:
            return None
        if len(terms) == 1:
            return query.Or([query.Term(f, terms[0], boost=b) for f, b in _BOOSTS.items()])
        return query.Or([query.Phrase(f, terms, boost=b) for f, b in _BOOSTS.items()])

    def _query(self, plan: QueryPlan, filters: dict[str, str]) -> query.Query:
        required: list[query.Query] = []
        for clause in plan.clauses:
            options = [q for alt in clause.alternatives
                       if (q := self._alternative(alt, clause.prefix)) is not None]
            if options:
                required.append(query.Or(options))
        for name, value in filters.items():
            required.append(query.Term(name, value))
        if not required:
            return query.NullQuery
        combined: query.Query = query.And(required)
        excluded = self._terms(plan.excluded)
        if excluded:
            combined = query.AndNot(combined, query.Or(
                [query.Term(f, t) for t in excluded for f in _BOOSTS]))
        return combined

    def search(self, plan, filters, offset, limit):
        q = self._query(plan, filters)
        if q is query.NullQuery:
            return EngineResult(0)
        facets = sorting.Facets()
        for name in FACETS:
            facets.add_field(name, allow_overlap=(name == "article"))
        with self._index.searcher(weighting=scoring.BM25F()) as searcher:
            page = searcher.search(q, limit=offset + limit, groupedby=facets, terms=False)
            counts = {}
            for name in FACETS:
                groups = page.groups(name)
                counts[name] = {str(k): len(v) for k, v in groups.items()
                                if k not in (None, "", b"")}
            hits = [EngineHit(dict(hit.fields()), float(hit.score))
                    for hit in page[offset:offset + limit]]
            return EngineResult(len(page), hits, counts)

    def article_hashes(self):
        with self._index.searcher() as searcher:
            return {doc["owner"]: doc.get("hash", "")
                    for kind in ("article", "meta") for doc in searcher.documents(kind=kind)}

    def clear(self):
        writer = self._index.writer()
        writer.delete_by_query(query.Every())
        writer.commit()

    def close(self):
        self._index.close()
