"""Full-text search over articles, entities and claims.

The engine (tantivy by default, or whoosh) sits behind `Engine`; this module plans
queries (our own small syntax, synonym expansion from the vocabulary),
suggests spellings, highlights with escaped text, and keeps the index equal
to the graph: `KnowledgeGraph` calls `update_articles`/`remove_article`
right after each graph write, and `check()` finds what a crash between the two left
behind (`kg reindex` or `reconcile()` repairs it).
"""
from __future__ import annotations

import functools
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from ..plugins import ENGINES, load_class

from .base import FACETS, Engine
from .documents import (VOCABULARY_OWNER, article_documents, lexicon_forms, minted_documents,
                        vocabulary_documents)
from .query import MAX_QUERY_CHARS, Lexicon, SearchQueryError, highlight, parse

if TYPE_CHECKING:
    from ..context import Context

__all__ = ["FACETS", "KINDS", "MAX_QUERY_CHARS", "SearchIndex", "SearchQueryError",
           "SearchResponse", "open_engine"]

KINDS = ("article", "entity", "claim")
#: The start of a name `similar_names` looks at (a longer one is no name).
MAX_SIMILAR_CHARS = 100
MAX_LIMIT = 100


@dataclass
class SearchResponse:
    """A page of hits in the shape of `kg search --format json` (README),
    plus facets and paging."""

    query: str
    total: int
    suggestion: str | None
    hits: list[dict]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    page: int = 1
    limit: int = 10

    def as_json(self) -> dict:
        return {"query": self.query, "total": self.total, "suggestion": self.suggestion,
                "hits": self.hits, "facets": self.facets, "page": self.page,
                "limit": self.limit}


def open_engine(name: str, folder: Path | None) -> Engine:
    """The engine registered as `name` (`kg.plugins.ENGINES`), on disk in
    `folder`, or in memory when `folder` is None.

    Raises:
        ConfigError: no such engine, or its library is not installed.
    """
    return load_class(ENGINES, "search engine", name)(folder)


class SearchIndex:
    """The search index of one knowledge graph."""

    def __init__(self, graph: Context, engine: Engine):
        self.graph = graph
        self.engine = engine
        self._lock = threading.Lock()

    @functools.cached_property
    def lexicon(self) -> Lexicon:
        from ..tally import entities_with_claims

        forms, title_words = lexicon_forms(self.graph)
        return Lexicon(forms, title_words, entities_with_claims(self.graph))

    def forget_lexicon(self) -> None:
        """Drop the lexicon read from the graph; the next search reads it
        again (after the vocabulary, the articles or the tally changed)."""
        self.__dict__.pop("lexicon", None)

    # ---------------------------------------------------------------- writing

    def batch(self):
        """Commit the index once for many articles (bulk ingest); a crash
        inside leaves the index behind the graph, which `reconcile()` mends."""
        return self.engine.batch()

    def update_article(self, article_id: str) -> None:
        """Make the index hold the article as the graph now has it: its own
        document, one per claim, one per entity it minted.  The cost does not
        grow with the collection (curated entities are indexed once, with the
        ontology)."""
        docs = article_documents(self.graph, article_id) + minted_documents(self.graph,
                                                                            article_id)
        with self._lock:
            self.engine.write(docs, delete_owners=[article_id])
        self.forget_lexicon()

    def update_articles(self, documents: dict[str, list[dict]]) -> None:
        """Replace the documents of many articles (article id -> its
        documents, made from the extraction in hand: `extraction_documents`)
        with one write and one commit: the batch ingest path."""
        if not documents:
            return
        # One document per id: an entity minted by two articles of the batch
        # is the later one's, as when they are written one by one.
        docs = list({doc["id"]: doc for docs in documents.values() for doc in docs}.values())
        with self._lock:
            self.engine.write(docs, delete_owners=list(documents))
        self.forget_lexicon()

    def remove_article(self, article_id: str) -> None:
        """Drop an article (already dropped from the graph) from the index."""
        with self._lock:
            self.engine.write([], delete_owners=[article_id])
        self.forget_lexicon()

    def update_vocabulary(self) -> None:
        """Index the curated entities of the ontology graph."""
        docs = vocabulary_documents(self.graph, self._ontology_hash())
        with self._lock:
            self.engine.write(docs, delete_owners=[VOCABULARY_OWNER])
        self.forget_lexicon()

    def _ontology_hash(self) -> str:
        from ..read import content_hash

        return content_hash(self.graph.store, self.graph.minter.ontology_graph) or ""

    def graph_hashes(self) -> dict[str, str]:
        """Article id -> content hash in the graph, plus the vocabulary's."""
        from ..terms import sparql_prefixes

        rows = self.graph.store.select(sparql_prefixes() + """
            SELECT ?id ?h WHERE { GRAPH ?a { ?a a hkg:Article ; dcterms:identifier ?id ;
                                              hkg:contentHash ?h } }""")
        hashes = {str(r["id"]): str(r["h"]) for r in rows}
        hashes[VOCABULARY_OWNER] = self._ontology_hash()
        return hashes

    def check(self) -> list[str]:
        """Article ids (and "@vocabulary") on which the index and the graph
        disagree: missing, stale or left over."""
        graph, index = self.graph_hashes(), self.engine.article_hashes()
        return sorted(k for k in set(graph) | set(index) if graph.get(k) != index.get(k))

    def reconcile(self) -> list[str]:
        """Repair what `check()` reports; returns the ids repaired."""
        wrong = self.check()
        graph = self.graph_hashes()
        with self.batch():
            for key in wrong:
                if key == VOCABULARY_OWNER:
                    self.update_vocabulary()
                elif key in graph:
                    self.update_article(key)
                else:
                    with self._lock:
                        self.engine.write([], delete_owners=[key])
        return wrong

    def reindex(self, progress: Callable[[str], None] | None = None) -> int:
        """Rebuild the whole index from the graph; returns the article count."""
        with self._lock:
            self.engine.clear()
        ids = sorted(k for k in self.graph_hashes() if k != VOCABULARY_OWNER)
        with self.batch():
            self.update_vocabulary()
            for article_id in ids:
                self.update_article(article_id)
                if progress:
                    progress(article_id)
        return len(ids)

    # ---------------------------------------------------------------- reading

    def search(self, text: str, limit: int = 10, page: int = 1,
               filters: dict[str, str] | None = None) -> SearchResponse:
        """Ranked, highlighted, faceted hits for `text`.

        Args:
            text: words, "phrases", -exclusions, prefix*; at most 256 characters.
            limit: hits per page (1-100).
            page: 1-based page number.
            filters: facet name -> value (kind, type, predicate, modality, article).

        Raises:
            SearchQueryError: the text is too long, or a filter or paging
                value is not allowed.
        """
        filters = {k: v for k, v in (filters or {}).items() if v}
        unknown = set(filters) - set(FACETS)
        if unknown:
            raise SearchQueryError(f"unknown filter {sorted(unknown)[0]!r}; "
                                   f"use {', '.join(FACETS)}")
        if not 1 <= limit <= MAX_LIMIT or not 1 <= page <= 1000:
            raise SearchQueryError(f"limit must be 1-{MAX_LIMIT} and page 1-1000")
        lexicon = self.lexicon
        plan = parse(text, lexicon)
        result = self.engine.search(plan, filters, (page - 1) * limit, limit)
        suggestion = lexicon.suggest(text)
        if suggestion and result.total == 0:
            plan = parse(suggestion, lexicon)
            result = self.engine.search(plan, filters, (page - 1) * limit, limit)
        hits = []
        for hit in result.hits:
            doc = hit.fields
            data = {"kind": doc["kind"], "iri": doc["iri"], "label": doc["label"],
                    "score": round(hit.score, 3), "highlight": highlight(doc["text"], plan)}
            if doc["kind"] == "entity":
                data["type"] = doc["type"]
            elif doc["kind"] == "claim":
                data.update(predicate=doc["predicate"], modality=doc["modality"],
                            article=doc["owner"])
            elif doc["kind"] == "article":
                data["article"] = doc["owner"]
            hits.append(data)
        return SearchResponse(text, result.total, suggestion, hits, result.facets, page, limit)

    def similar_names(self, name: str, limit: int = 3) -> list[str]:
        """Up to `limit` entity names close to `name`: names that start the
        same, or that start as its spelling correction does."""
        lexicon = self.lexicon
        words = " ".join(name.replace("-", " ").split())[:MAX_SIMILAR_CHARS]
        found = [form for form, _ in lexicon.complete(words, limit)]
        corrected = lexicon.suggest(words)
        if corrected:
            found += [form for form, _ in lexicon.complete(corrected, limit)]
        return list(dict.fromkeys(found))[:limit]

    def suggest(self, prefix: str, limit: int = 10) -> list[dict]:
        """Entity names starting with `prefix`, for autocomplete."""
        if len(prefix) > MAX_QUERY_CHARS:
            raise SearchQueryError(f"the prefix is over {MAX_QUERY_CHARS} characters")
        lexicon = self.lexicon
        info = {}
        found = lexicon.complete(prefix, min(max(limit, 1), 50))
        if found:
            from ..read import entity_info

            info = entity_info(self.graph, [iri for _, iri in found])
        return [{"label": form, "iri": iri, "entity": info[iri].label, "type": info[iri].type}
                for form, iri in found]

    def close(self) -> None:
        self.engine.close()
