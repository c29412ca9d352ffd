"""The whoosh engine (whoosh3, the maintained fork): the only module that
imports whoosh."""
from __future__ import annotations

import contextlib
import threading
from array import array
from collections import Counter
from pathlib import Path
from typing import Iterable

from whoosh import collectors, fields, index, query, scoring
from whoosh.analysis import STOP_WORDS, StemmingAnalyzer
from whoosh.filedb.filestore import RamStorage
from whoosh.reading import IndexReader
from whoosh.searching import Searcher

from ..errors import StoreUnavailable
from .base import FACETS, RANKING, Engine, EngineHit, EngineResult, facet_size, replaces
from .query import Clause, QueryPlan

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


class _SegmentFacets:
    """The facet values of one segment's documents, read once from the
    segment's own postings (the inverted index of each facet field): per
    facet an array docnum -> value number (0: none) and, for the rare
    document with several values, the others.  Segments never change their
    documents (deletions only hide them from matchers), so this stays true
    for the segment's life; counting a query's matches is then C-level work
    (`Counter(map(...))`) instead of whoosh's per-match Python facets."""

    def __init__(self, reader: IndexReader) -> None:
        size = reader.doc_count_all()
        self.values: dict[str, list[str]] = {}
        self.first: dict[str, array] = {}
        self.more: dict[str, dict[int, list[int]]] = {}
        for name in FACETS:
            values = [""]
            first = array("I", bytes(4 * size))
            more: dict[int, list[int]] = {}
            for term in reader.lexicon(name):
                values.append(term.decode("utf-8") if isinstance(term, bytes) else term)
                number = len(values) - 1
                for docnum in reader.postings(name, term).all_ids():
                    if first[docnum]:
                        more.setdefault(docnum, []).append(number)
                    else:
                        first[docnum] = number
            self.values[name], self.first[name], self.more[name] = values, first, more

    def count(self, docnums: list[int], into: dict[str, Counter]) -> None:
        """Add the facet values of `docnums` (segment-relative) to `into`."""
        matched: set[int] | None = None
        for name in FACETS:
            numbers = Counter(map(self.first[name].__getitem__, docnums))
            more = self.more[name]
            if more:
                matched = set(docnums) if matched is None else matched
                for docnum in more.keys() & matched:
                    numbers.update(more[docnum])
            values, counts = self.values[name], into[name]
            for number, n in numbers.items():
                if number:
                    counts[values[number]] += n


def _within(scored: query.Query, name: str, value: str, boost: float = 1.0) -> query.Query:
    """The documents of `scored` with `value` in field `name`, scored as
    `scored` scores them, times `boost`.  (Not `query.Require`: its matcher
    fails an assertion when the top-N collector skips blocks.)"""
    return query.And([scored, query.Term(name, value, boost=0.0)], boost=boost)


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
        self._facets: dict[str, _SegmentFacets] = {}
        self._facets_lock = threading.Lock()
        self._local = threading.local()
        self._searchers: list[Searcher] = []

    def _terms(self, words: Iterable[str]) -> list[str]:
        return [t.text for w in words for t in self._analyzer(w)]

    def write(self, docs, delete_owners=(), delete_ids=()):
        writer = self._batch or self._index.writer()
        try:
            for owner in delete_owners:
                writer.delete_by_term("owner", owner)
            for doc_id in delete_ids:
                writer.delete_by_term("id", doc_id)
            owners = set(delete_owners)
            for doc in docs:
                fields = {**doc, "article": ",".join(doc.get("article", ()))}
                if replaces(doc, owners):
                    writer.update_document(**fields)
                else:  # no unique-id lookup: a tenth of the indexing time
                    writer.add_document(**fields)
        except BaseException:
            if self._batch is None:
                self._cancel(writer)
            raise
        if self._batch is None:
            self._commit(writer)

    def _commit(self, writer) -> None:
        try:
            writer.commit()
        except OSError as err:  # disk full, read-only, file too large
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

    def _alternative(self, words: tuple[str, ...], prefix: bool,
                     boosts: dict[str, float], typed: bool = True) -> query.Query | None:
        if prefix:
            return query.Or([query.Prefix(f, words[0]) for f in boosts])
        terms = self._terms(words)
        if not terms or not typed and any(not self._terms((w,)) and w not in STOP_WORDS
                                          for w in words):
            # A synonym losing a word to the analyzer ("S-ketamine" would
            # search "ketamine", "Special K" "special") is left out.
            return None
        if len(terms) == 1:
            return query.Or([query.Term(f, terms[0], boost=b) for f, b in boosts.items()])
        return query.Or([query.Phrase(f, terms, boost=b) for f, b in boosts.items()])

    def _clause(self, clause: Clause, boosts: dict[str, float] = _BOOSTS) -> query.Query | None:
        """Any alternative of the clause, scored as the best one (so an
        entity listing many synonyms does not outrank one naming it once)."""
        options = [q for i, alt in enumerate(clause.alternatives)
                   if (q := self._alternative(alt, clause.prefix, boosts, i == 0)) is not None]
        if len(options) > 1:
            return query.DisjunctionMax(options)
        return options[0] if options else None

    def _query(self, plan: QueryPlan,
               filters: dict[str, str]) -> tuple[query.Query, query.Query]:
        """(ranked, matching): the query ranking the page as `RANKING` says,
        and the one finding the same hits without the boosts, for the total
        and the facets (its matches are the hits: the boosts only match
        documents it matches)."""
        parts = [(c, q) for c in plan.clauses if (q := self._clause(c)) is not None]
        required = [q for c, q in parts if not c.optional]
        optional = [q for c, q in parts if c.optional]
        boosts: list[query.Query] = []
        # The hits: the documents matching a required clause; failing that
        # ("how is it given"), the claims of the predicates named; failing
        # that ("drugs"), the documents matching the optional words.
        hits = required or [query.Term("predicate", p) for p in plan.predicates] or optional
        if not hits:
            return query.NullQuery, query.NullQuery
        matching: query.Query = query.Or(hits)
        if hits is not optional:  # the optional words only add to the hits' scores
            boosts += [query.And([q, matching.with_boost(0.0)]) for q in optional]
        if len(required) > 1:
            boosts.append(query.And(required, boost=RANKING.all_words))
        for predicate in plan.predicates if required else ():
            boosts.append(_within(matching, "predicate", predicate, RANKING.predicate))
        # The entity's own document only when the query asks for nothing
        # else: "Spravato", "what is esketamine", not "side effects of ketamine".
        lone = len(required) == 1 and not plan.predicates
        for clause, q in parts:
            if clause.entity and lone:
                boosts.append(_within(q, "id", f"entity:{clause.entity}", RANKING.entity))
        # The boosts only match documents `matching` matches, so an OR adds
        # their scores without adding hits (whoosh's top-N collector loses
        # hits of an ANDMAYBE of these).
        ranked = query.Or([matching, *boosts]) if boosts else matching
        # Normalized (nested ORs flattened): whoosh scores some nested ORs
        # wrongly, missing matches of an inner OR.
        return (self._restrict(ranked, plan, filters).normalize(),
                self._restrict(matching, plan, filters).normalize())

    def _restrict(self, q: query.Query, plan: QueryPlan,
                  filters: dict[str, str]) -> query.Query:
        """`q` within the facet filters and without the excluded words."""
        if filters:
            q = query.And([q, *(query.Term(k, v, boost=0.0) for k, v in filters.items())])
        excluded = self._terms(plan.excluded)
        if excluded:
            q = query.AndNot(q, query.Or([query.Term(f, t) for t in excluded for f in _BOOSTS]))
        return q

    @staticmethod
    def _segment_key(reader: IndexReader) -> str:
        segment = reader.segment()  # None for the empty reader of an empty index
        return segment.segment_id() if segment is not None else f"reader:{id(reader)}"

    def _segment_facets(self, reader: IndexReader) -> _SegmentFacets:
        key = self._segment_key(reader)
        found = self._facets.get(key)
        if found is None:
            with self._facets_lock:
                found = self._facets.get(key) or _SegmentFacets(reader)
                self._facets[key] = found
        return found

    def _searcher(self) -> Searcher:
        """This thread's searcher, replaced when the index has changed
        (opening one per query re-reads the segments' files: most of a
        query's time on a small index).  Not `Searcher.refresh()`: it reuses
        a segment's reader after deletions in that segment, and so still
        finds the deleted documents."""
        searcher = getattr(self._local, "searcher", None)
        if searcher is not None and searcher.up_to_date():
            return searcher
        fresh = self._index.searcher(weighting=scoring.BM25F())
        with self._facets_lock:
            if searcher is not None:
                self._searchers.remove(searcher)
            self._searchers.append(fresh)
        if searcher is not None:
            searcher.close()
        self._local.searcher = fresh
        return fresh

    def search(self, plan, filters, offset, limit):
        ranked, q = self._query(plan, filters)
        if q is query.NullQuery:
            return EngineResult(0)
        searcher = self._searcher()
        # The page: whoosh's top-N collector, without its block skipping and
        # matcher replacement: on these boosted ORs the replacement drops
        # hits that belong on the page (limit 5 missed hits that limit 10
        # ranked 3rd), and skipping divides by the zero boost of a filter.
        collector = collectors.TopCollector(offset + limit, usequality=False)
        collector.replace = 0
        searcher.search_with_collector(ranked, collector)
        page = collector.results()
        hits = [EngineHit(dict(hit.fields()), float(hit.score))
                for hit in page[offset:offset + limit]]
        # The total and the facets: every match once, unscored, segment by
        # segment, counted against the segment's facet arrays.
        counts: dict[str, Counter] = {name: Counter() for name in FACETS}
        total, live = 0, set()
        for leaf, _ in searcher.leaf_searchers():
            reader = leaf.reader()
            live.add(self._segment_key(reader))
            docnums = list(q.docs(leaf))
            total += len(docnums)
            self._segment_facets(reader).count(docnums, counts)
        if len(self._facets) > len(live):  # segments merged away
            with self._facets_lock:
                for key in set(self._facets) - live:
                    self._facets.pop(key, None)
        facets = {name: dict(sorted(counts[name].items(), key=lambda item: (-item[1], item[0]))
                             [:facet_size(name)]) for name in FACETS}
        return EngineResult(total, hits, facets)

    def article_hashes(self):
        with self._index.searcher() as searcher:
            return {doc["owner"]: doc.get("hash", "")
                    for kind in ("article", "meta") for doc in searcher.documents(kind=kind)}

    def clear(self):
        writer = self._index.writer()
        writer.delete_by_query(query.Every())
        writer.commit()

    def close(self):
        with self._facets_lock:
            searchers, self._searchers = self._searchers, []
        for searcher in searchers:
            searcher.close()
        self._local = threading.local()
        self._index.close()
