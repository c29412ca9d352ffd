"""`KnowledgeGraph`: the composition root of one process's graph.

It opens the configured store and search engine, and is the one owner that
sequences a write: the article's graph and tally first (`kg.load`), then
its search documents (`kg.search`).  The helpers below it (`read`, `tally`,
`subgraph`, `views`, `load`, `search`) take a `Context` and never import
this module.
"""
from __future__ import annotations

import functools
import logging
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Iterable, Iterator

from . import belief, load, tally
from .config import Settings, load_settings
from .context import Context
from .load import BATCH_ARTICLES, IngestResult
from .search import SearchIndex, open_engine
from .store import Store, open_store
from .terms import Minter

__all__ = ["KnowledgeGraph"]

log = logging.getLogger("kg")


class KnowledgeGraph(Context):
    """An open knowledge graph.  Use as a context manager, or call `close()`.

    >>> from kg.config import Settings
    >>> with KnowledgeGraph.open(Settings(store="memory")) as graph:
    ...     graph.store.name
    'memory'
    """

    def __init__(self, settings: Settings, store: Store):
        super().__init__(store, Minter(settings.base_iri))
        self.settings = settings

    @classmethod
    def open(cls, settings: Settings | None = None, write: bool = True) -> "KnowledgeGraph":
        """Open the configured store; a writer also brings the ontology graph
        up to date with the packaged ontology and vocabulary files.

        Raises:
            ConfigError: an unknown store or search engine.
            StoreBusy: `write` and another process holds the data folder.
        """
        settings = settings or load_settings()
        graph = cls(settings, open_store(settings, write=write))
        try:
            writable = not graph.store.read_only
            if writable and (write or not graph.store.has_graph(graph.minter.ontology_graph)):
                if load.ensure_ontology(graph):
                    graph.search.update_vocabulary()
                if tally.ensure(graph):
                    log.info("counted the relations of the stored articles (relation tally)")
                if belief.ensure(graph):
                    log.info("computed the belief of every relation (belief graph)")
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
    def search(self) -> SearchIndex:
        """The full-text index kept in step with this graph: beside a store
        that persists, in `<data>/search-<engine>`; else in memory."""
        name = self.settings.search_engine
        folder = (self.settings.data_path / f"search-{name}"
                  if self.store.capabilities.persistent else None)
        return SearchIndex(self, open_engine(name, folder))

    def similar_names(self, name: str) -> list[str]:
        return self.search.similar_names(name)

    def articles_changed(self, documents: dict[str, list[dict]]) -> None:
        """Index the articles a curation rewrote (graph first, then index,
        as for an ingest)."""
        self.search.update_articles(documents)

    # ------------------------------------------------------------- writing

    def ingest_file(self, path: str | Path,
                    claimed_ids: dict[str, str] | None = None) -> IngestResult:
        """Add, replace or leave one article file (`kg.load.write_article`),
        then index it.  A failure writes nothing."""
        result, documents = load.write_article(self, path, claimed_ids)
        # A crash between these two writes leaves the index behind the graph;
        # SearchIndex.check() finds it and `kg reindex` or reconcile() mends it.
        self.search.update_articles(documents)
        return result

    def ingest_files(self, paths: Iterable[str | Path],
                     claimed_ids: dict[str, str] | None = None, workers: int | None = None,
                     batch: int = BATCH_ARTICLES, readers: bool = True) -> Iterator[IngestResult]:
        """Ingest many files in batches (`kg.load.write_articles`: the
        arguments are its own); yields one result per file, in order, once
        its article is written and indexed.

        A batch is indexed after its graph is written (as above), in a
        thread, while the next batch goes into the store: pyoxigraph's
        loader runs without the GIL, so the two overlap."""
        with ThreadPoolExecutor(1, thread_name_prefix="kg-index") as indexer:
            indexed: tuple[Future, list[IngestResult]] | None = None
            for written in load.write_articles(self, paths, claimed_ids, workers, batch,
                                               readers):
                following = (indexer.submit(self.search.update_articles, written.documents),
                             written.results)
                if indexed is not None:
                    indexed[0].result()
                    yield from indexed[1]
                indexed = following
            if indexed is not None:
                indexed[0].result()
                yield from indexed[1]
        # Without readers the tally is written after the last batch was
        # indexed; autocomplete's "entities with claims first" reads it.
        self.search.forget_lexicon()

    def delete_article(self, article_id: str) -> bool:
        """Drop an article's graph and tally counts, then its search
        documents; True if it existed."""
        existed = load.drop_article(self, article_id)
        if existed:
            self.search.remove_article(article_id)
        return existed

    def close(self) -> None:
        search = self.__dict__.pop("search", None)
        if search is not None:
            search.close()
        self.store.close()

    def __enter__(self) -> "KnowledgeGraph":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
