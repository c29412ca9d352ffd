"""The tantivy engine (official bindings of a native engine): for large
collections, where whoosh indexes too slowly.  The only module importing
tantivy."""
from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import re
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import tantivy

from ..errors import StoreBusy, StoreUnavailable
from .base import FACETS, RANKING, Engine, EngineHit, EngineResult, facet_size, replaces
from .query import Clause, QueryPlan

log = logging.getLogger("kg")

__all__ = ["TantivyEngine"]

_BOOSTS = {"label": 3.0, "names": 2.0, "text": 1.0}
_RAW = ("id", "kind", "owner", "iri", "type", "predicate", "modality", "article", "hash", "date")
#: Facet counts: a terms aggregation per facet over the fast fields.  Each
#: segment sends its `facet_size` most frequent values (tantivy's default is
#: ten times more).  The small facets have fewer values than that, so they
#: are exact; an article's documents are written together, so one segment
#: holds its whole count (unless the writer's memory budget ends a segment
#: mid-article: then a count near the last place listed may be short).
#: The article facet counts `article_key` numbers, not the article ids:
#: turning each listed text value back into text costs a term-dictionary
#: lookup in every segment (~10 µs each, 15 a query at 100,000 articles,
#: half of a rare word's whole search); a number needs none, and the 5
#: numbers listed are turned into ids afterwards (`_article_ids`).
#: One request for the five facets, run in one thread beside the caller's
#: (two requests in two threads, the article facet apart, was slower at every
#: size on 2 cores: three busy threads, and each request's fixed cost twice).
_AGGREGATION = {name: {"terms": {"field": "article_key" if name == "article" else name,
                                 "size": facet_size(name), "segment_size": facet_size(name)}}
                for name in FACETS}
#: The index's layout, the name of its folder inside the engine's folder.  A
#: new schema gets a new name: the earlier index is left for the version
#: that wrote it, and a writer fills the new one from the graph on its first
#: start (`SearchIndex.reconcile`), then deletes the earlier one.
#: v2: `article_key`.  (v1, the first, sat in the engine's folder itself.)
_LAYOUT = "v2"
#: Article keys whose ids `_article_ids` remembers (a key's id never
#: changes: the key is made from it).
_KNOWN_KEYS = 100_000


@functools.lru_cache(maxsize=4096)
def article_key(article_id: str) -> int:
    """The article facet's number for an article: 53 bits of its id's
    BLAKE2b hash (53, so any JSON reader keeps it exact; two of a million
    articles share one with a chance of 1 in 18,000, and would then be
    counted together under one of their ids)."""
    digest = hashlib.blake2b(article_id.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 11


def _schema():
    builder = tantivy.SchemaBuilder()
    for name in _RAW:
        builder.add_text_field(name, stored=True, fast=name in FACETS or name == "owner",
                               tokenizer_name="raw")
    for name in _BOOSTS:
        builder.add_text_field(name, stored=True, tokenizer_name="en_stem")
    builder.add_unsigned_field("article_key", stored=False, indexed=True, fast=True)
    return builder.build()


class TantivyEngine(Engine):
    """A tantivy index in a folder, or in memory when `folder` is None."""

    name = "tantivy"

    def __init__(self, folder: Path | None, writable: bool = True):
        self._schema = _schema()
        self._folder = folder
        self._copy: tempfile.TemporaryDirectory | None = None
        self._key_ids: dict[int, str] = {}
        if folder is None:
            self._index = tantivy.Index(self._schema)
        else:
            index_dir = folder / _LAYOUT
            try:
                index_dir.mkdir(parents=True, exist_ok=True)
                self._index = tantivy.Index(self._schema, path=str(index_dir))
            except (OSError, ValueError) as err:
                # tantivy takes a lock file even to read: on a read-only
                # mount, search a copy (a reader of a data folder that
                # cannot be written; no writer gets this far), empty when
                # the folder holds only an earlier layout's index.
                if isinstance(err, ValueError) and "ReadOnlyFilesystem" not in str(err) \
                        and "PermissionDenied" not in str(err):
                    raise
                self._copy = tempfile.TemporaryDirectory(prefix="kg-search-")
                if index_dir.is_dir():
                    shutil.copytree(index_dir, self._copy.name, dirs_exist_ok=True)
                self._index = tantivy.Index(self._schema, path=self._copy.name)
                writable = False
                log.warning("the search index in %s cannot be written; searching a copy",
                            folder)
        self._analyzer = (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
                          .filter(tantivy.Filter.remove_long(40))
                          .filter(tantivy.Filter.lowercase())
                          .filter(tantivy.Filter.stemmer("english")).build())
        self._writable = writable
        self._writer: tantivy.IndexWriter | None = None
        self._batching = False
        # The facet counts run here while the caller's thread finds the
        # page: tantivy releases the GIL for both, so they take both cores.
        self._counting = ThreadPoolExecutor(1, thread_name_prefix="kg-facets")

    def _get_writer(self):
        if not self._writable:
            raise StoreUnavailable(f"the search index in {self._folder} cannot be written "
                                   "(a read-only folder)")
        if self._writer is None:
            try:
                self._writer = self._index.writer(heap_size=64_000_000, num_threads=1)
            except ValueError as err:
                if "LockBusy" not in str(err):
                    raise
                raise StoreBusy(f"the search index in {self._folder} is being written by "
                                "another process (or another open graph on the same data "
                                "folder); give each writer its own data folder") from None
            self._retire_earlier_layout()
        return self._writer

    def _retire_earlier_layout(self) -> None:
        """Delete an index of an earlier layout (files in the engine's
        folder itself, beside the layout folders): the writer fills this
        layout's index from the graph, and the data folder's lock makes this
        the only writer.  A reader of the old version still reading them
        keeps its open files."""
        if self._folder is None or not (self._folder / "meta.json").exists():
            return
        for path in self._folder.iterdir():
            if path.is_file():
                path.unlink(missing_ok=True)
        log.info("deleted the search index of an earlier version in %s", self._folder)

    def _terms(self, words) -> list[str]:
        return [t for w in words for t in self._analyzer.analyze(w)]

    def write(self, docs, delete_owners=(), delete_ids=()):
        writer = self._get_writer()
        for owner in delete_owners:
            writer.delete_documents_by_term("owner", owner)
        for doc_id in delete_ids:
            writer.delete_documents_by_term("id", doc_id)
        owners = set(delete_owners)
        for doc in docs:
            if replaces(doc, owners):
                writer.delete_documents_by_term("id", doc["id"])
            fields = {k: (v if isinstance(v, list) else [v]) for k, v in doc.items()
                      if v not in ("", [], None)}
            document = tantivy.Document(**fields)
            for article in doc.get("article", ()):
                document.add_unsigned("article_key", article_key(article))
            writer.add_document(document)
        if not self._batching:
            writer.commit()
            self._index.reload()

    @contextlib.contextmanager
    def batch(self):
        if self._batching:
            yield
            return
        self._batching = True
        try:
            yield
        except BaseException:
            if self._writer is not None:
                self._writer.rollback()
            raise
        else:
            if self._writer is not None:
                self._writer.commit()
                self._index.reload()
        finally:
            self._batching = False

    def _alternative(self, words, prefix, boosts):
        query, occur = tantivy.Query, tantivy.Occur
        if prefix:
            pattern = re.escape(words[0]) + ".*"
            return query.boolean_query([(occur.Should, query.regex_query(self._schema, f, pattern))
                                        for f in boosts])
        terms = self._terms(words)
        if not terms:
            return None
        if len(terms) == 1:
            parts = [query.boost_query(query.term_query(self._schema, f, terms[0]), b)
                     for f, b in boosts.items()]
        else:
            phrase: list[str | tuple[int, str]] = list(terms)
            parts = [query.boost_query(query.phrase_query(self._schema, f, phrase), b)
                     for f, b in boosts.items()]
        return query.boolean_query([(occur.Should, p) for p in parts])

    def _clause(self, clause: Clause, boosts: dict[str, float] = _BOOSTS):
        """Any alternative of the clause, scored as the best one."""
        options = [q for alt in clause.alternatives
                   if (q := self._alternative(alt, clause.prefix, boosts)) is not None]
        if len(options) > 1:
            return tantivy.Query.disjunction_max_query(options)
        return options[0] if options else None

    def _require(self, scored, name: str, value: str):
        """`scored`'s matches that have `value` in field `name`, scored as
        `scored` alone scores them."""
        query, occur = tantivy.Query, tantivy.Occur
        return query.boolean_query([
            (occur.Must, scored),
            (occur.Must, query.const_score_query(query.term_query(self._schema, name, value),
                                                 0.0))])

    def _query(self, plan: QueryPlan, filters: dict[str, str]):
        """(ranked, matching) as `WhooshEngine._query` builds them, or
        (None, None) when nothing is searched."""
        query, occur = tantivy.Query, tantivy.Occur
        parts = [(c, q) for c in plan.clauses if (q := self._clause(c)) is not None]
        required = [q for c, q in parts if not c.optional]
        optional = [q for c, q in parts if c.optional]
        boosts = []
        # The hits: as `WhooshEngine._query` says.
        hits = required or [query.const_score_query(
            query.term_query(self._schema, "predicate", p), 1.0)
            for p in plan.predicates] or optional
        if not hits:
            return None, None
        matching = query.boolean_query([(occur.Should, q) for q in hits])
        if hits is not optional:  # (Should beside a Must: only adds to scores)
            boosts += optional
        if len(required) > 1:
            boosts.append(query.boost_query(
                query.boolean_query([(occur.Must, q) for q in required]), RANKING.all_words))
        for predicate in plan.predicates if required else ():
            boosts.append(query.boost_query(self._require(matching, "predicate", predicate),
                                            RANKING.predicate))
        # The entity's own document only when the query asks for nothing
        # else: "Spravato", "what is esketamine", not "side effects of ketamine".
        lone = len(required) == 1 and not plan.predicates
        for clause, q in parts:
            if clause.entity and lone:
                boosts.append(query.boost_query(
                    self._require(q, "id", f"entity:{clause.entity}"), RANKING.entity))
        ranked = matching
        if boosts:
            ranked = query.boolean_query([(occur.Must, matching),
                                          *((occur.Should, b) for b in boosts)])
        return self._restrict(ranked, plan, filters), self._restrict(matching, plan, filters)

    def _restrict(self, q, plan: QueryPlan, filters: dict[str, str]):
        """`q` within the facet filters and without the excluded words."""
        query, occur = tantivy.Query, tantivy.Occur
        clauses = [(occur.Must, q)]
        for name, value in filters.items():
            clauses.append((occur.Must, query.const_score_query(
                query.term_query(self._schema, name, value), 0.0)))
        for term in self._terms(plan.excluded):
            for name in _BOOSTS:
                clauses.append((occur.MustNot, query.term_query(self._schema, name, term)))
        return q if len(clauses) == 1 else query.boolean_query(clauses)

    def search(self, plan, filters, offset, limit):
        ranked, q = self._query(plan, filters)
        if q is None:
            return EngineResult(0)
        searcher = self._index.searcher()
        # The total and the facets: every match, in another thread while
        # this one finds and reads the page.
        counting = self._counting.submit(self._count, searcher, q)
        # No count here: counting visits every match and so turns off the
        # top-k search's block skipping; the aggregation visits every match
        # anyway, and every document has a kind.
        try:
            found = searcher.search(ranked, limit=limit, count=False, offset=offset)
        except BaseException:
            counting.cancel()
            raise
        hits = []
        for score, address in found.hits:
            doc = searcher.doc(address).to_dict()
            fields = {k: (v if k == "article" else (v[0] if v else "")) for k, v in doc.items()}
            fields.setdefault("article", [])
            for name in ("type", "predicate", "modality", "owner", "names", "text", "label"):
                fields.setdefault(name, "")
            hits.append(EngineHit(fields, float(score)))
        return EngineResult(hits=hits, counts=counting.result)

    def _count(self, searcher, q) -> tuple[int, dict[str, dict[str, int]]]:
        """The total and the facet counts of every match of `q`."""
        aggregations = searcher.aggregate(q, _AGGREGATION)
        facets = {name: {b["key"]: b["doc_count"] for b in aggregations[name]["buckets"]}
                  for name in FACETS}
        ids = self._article_ids(searcher, list(facets["article"]))
        facets["article"] = {ids[key]: count for key, count in facets["article"].items()
                             if key in ids}
        other = aggregations["kind"].get("sum_other_doc_count", 0)
        return sum(facets["kind"].values()) + other, facets

    def _article_ids(self, searcher, keys: list[int]) -> dict[int, str]:
        """The article id of each `article_key`: remembered, or read from a
        document of that article (one lookup of the key, one stored
        document).  A key no document has any more is left out."""
        found = {}
        for key in keys:
            article = self._key_ids.get(key)
            if article is None:
                hits = searcher.search(
                    tantivy.Query.term_query(self._schema, "article_key", key), 1).hits
                for _, address in hits:
                    named = searcher.doc(address).to_dict().get("article", [])
                    article = next((a for a in named if article_key(a) == key), None)
                if article is None:
                    continue
                if len(self._key_ids) >= _KNOWN_KEYS:
                    self._key_ids.clear()
                self._key_ids[key] = article
            found[key] = article
        return found

    def article_hashes(self):
        searcher = self._index.searcher()
        q = tantivy.Query.term_set_query(self._schema, "kind", ["article", "meta"])
        # The stubs lack SearchResult.count, which count=True fills.
        total = searcher.search(q, limit=1, count=True).count  # type: ignore[attr-defined]
        result = {}
        if total:
            for _, address in searcher.search(q, limit=total).hits:
                doc = searcher.doc(address).to_dict()
                result[doc["owner"][0]] = doc.get("hash", [""])[0]
        return result

    def clear(self):
        writer = self._get_writer()
        writer.delete_all_documents()
        writer.commit()
        self._index.reload()

    def close(self):
        self._counting.shutdown(wait=True)
        if self._writer is not None:
            self._writer.wait_merging_threads()
            self._writer = None
        if self._copy is not None:
            self._copy.cleanup()
            self._copy = None
