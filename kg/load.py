"""The single writer: article files -> extraction -> one named graph each.

Each article's graph is replaced in one store transaction, so a failure at
any point leaves the article as it was before (all-or-nothing); a re-ingest
of an unchanged file writes nothing (idempotent).

`write_article` writes one article; `write_articles` many (`kg ingest`, a
multi-file upload): worker processes read and extract in parallel and send
back each new article's N-Quads, tally rows and search documents; the
writer adds a batch of new articles to the store in one change
(`Store.add_graphs`, with the batch's tally patch).  Replacements of stored
articles go one by one through `write_article`, so readers never see an
article missing.

This module writes the graph and the tally only.  Each write hands back the
search documents of what it wrote, made from the extraction in hand;
`KnowledgeGraph` (the one owner of "graph, then search index") indexes them.
"""
from __future__ import annotations

import hashlib
import multiprocessing
import os
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from dataclasses import replace as dataclass_replace
from datetime import datetime, timezone
from pathlib import Path
from sys import intern
from typing import TYPE_CHECKING, Iterable, Iterator, cast

from rdflib import Literal

import ontology
from ingest import EXTRACTOR_VERSION, ArticleError, extract, read_article
from ingest.readers import READERS

from .context import Context
from . import anchoring, belief, read, tally
from .errors import NotFound, QueryError, quoted
from .rdf import (Curated, anchor_key, apply_curations, article_nquads, article_triples,
                  claim_iri, content_hash)
from .search.documents import article_documents, extraction_documents, minted_documents
from .store.base import Patch
from .terms import HKG, Minter, iri, sparql_prefixes

if TYPE_CHECKING:
    from ingest.vocab import Vocabulary

    from .store.base import Triple

_PREFIXES = sparql_prefixes()

#: More claims than this from one article is refused (see write_article).
MAX_CLAIMS = 5000
#: Longer article text than this (after reading) is refused.
MAX_TEXT_CHARS = 1_000_000

#: New articles added to the store per transaction by `write_articles`.
BATCH_ARTICLES = 64
#: Files a worker process reads and extracts per task.
CHUNK_FILES = 8
#: New articles whose tally counts a writer with no readers holds before
#: writing them (`tally.Deferred`): bounds the memory and how long the
#: stored counts lag.
FLUSH_ARTICLES = 2000

__all__ = ["BATCH_ARTICLES", "MAX_CLAIMS", "MAX_TEXT_CHARS", "Documents", "IngestResult",
           "Written", "apply_records", "drop_article", "ensure_ontology", "find_articles",
           "write_article", "write_articles"]

#: Article id -> the search documents of what was written for it.
Documents = dict[str, list[dict]]


@dataclass(frozen=True)
class IngestResult:
    """What happened to one file: added, replaced, unchanged or failed."""

    path: str
    article: str = ""
    status: str = "failed"
    claims: int = 0
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status != "failed"


@dataclass(frozen=True)
class Written:
    """One store change of `write_articles`: its files' results, in order,
    and the search documents of the articles it added or replaced."""

    results: list[IngestResult]
    documents: Documents = field(default_factory=dict)


#: Files in an article folder that describe the folder, not articles.
_NOT_ARTICLES = ("readme", "license", "licence", "changelog", "contributing")


def _is_article(path: Path, root: Path) -> bool:
    return (path.is_file() and path.suffix.lower() in READERS
            and not path.stem.lower().startswith(_NOT_ARTICLES)
            and not any(part.startswith(".") for part in path.relative_to(root).parts))


def find_articles(paths: Iterable[str | Path]) -> tuple[list[Path], list[IngestResult]]:
    """Expand files and folders into article files, sorted within each folder.

    In a folder, hidden files and README/LICENSE-style files are skipped; a
    file named explicitly is always taken.

    Returns the files to ingest and a failed result for each path that does
    not exist or is not an article file given by name.
    """
    files: list[Path] = []
    missing: list[IngestResult] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if _is_article(p, path)))
        elif path.is_file():
            files.append(path)
        else:
            missing.append(IngestResult(str(path), error=f"{path}: no such file or folder"))
    return files, missing


def write_article(graph: Context, path: str | Path,
                  claimed_ids: dict[str, str] | None = None) -> tuple[IngestResult, Documents]:
    """Read, extract and store one article file, in one transaction.

    Args:
        graph: a writable store and its minter.
        path: the article file.
        claimed_ids: article id -> file, for this run; a second file with the
            same id is refused instead of silently replacing the first.

    Returns:
        The result, and the search documents of the article written (none
        when it was unchanged or failed).  `status` is "failed" with a
        one-line `error` naming the file when it cannot be ingested; nothing
        is written then.
    """
    path = Path(path)
    try:
        document = read_article(path)
        if claimed_ids is not None:
            other = claimed_ids.setdefault(document.id, str(path))
            if other != str(path):
                raise ArticleError(path, f"article id {document.id!r} is already used by {other}")
        if len(document.text) > MAX_TEXT_CHARS:
            # Extraction time grows with the text; a health article is far
            # below this, so a longer one is refused before any work is done.
            raise ArticleError(path, f"the text is {len(document.text):,} characters; the limit "
                                     f"is {MAX_TEXT_CHARS:,} per article")
        iri = graph.minter.article(document.id)
        previous = read.content_hash(graph.store, iri)
        digest = content_hash(document.text, EXTRACTOR_VERSION)
        if previous == digest:
            return IngestResult(str(path), document.id, "unchanged"), {}
        try:
            extraction = extract(document, graph.vocabulary)
        except Exception as err:  # a defect in a rule must not stop the batch
            raise ArticleError(path, f"extraction failed ({type(err).__name__}: {err})") from err
        if len(extraction.claims) > MAX_CLAIMS:
            # A real article states tens or hundreds of claims; a file that
            # yields thousands (one sentence repeated for megabytes) would
            # take minutes to write and drown every page it touches.
            raise ArticleError(path, f"{len(extraction.claims)} claims extracted; the limit "
                                     f"is {MAX_CLAIMS} per article")
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        triples = article_triples(graph.minter, extraction, EXTRACTOR_VERSION, modified=now)
        # Curations of this article (issue 19) apply to the new extraction
        # through their anchors: one query; none for most articles.
        loaded = anchoring.load(graph, article=str(iri))
        decisions = anchoring.decisions(loaded.records)
        if previous:
            triples += _change_notes(graph, document.id, extraction, decisions)
        curated = apply_curations(triples, document.id, decisions) if loaded.records else None
        _store_article(graph, iri, curated or Curated(triples), loaded)
    except ArticleError as err:
        return IngestResult(str(path), error=str(err)), {}
    documents = (_stored_documents(graph, document.id) if curated is not None
                 else {document.id: extraction_documents(graph.minter, extraction, digest)})
    return (IngestResult(str(path), document.id, "replaced" if previous else "added",
                         len(extraction.claims)), documents)


def _store_article(graph: Context, name, curated: Curated, loaded: anchoring.Loaded,
                   new: Iterable[anchoring.Record] = (), extra: Iterable["Triple"] = (),
                   replace: bool = True) -> None:
    """Write one article's graph as `curated` with, in the same transaction,
    the relation tally's change (rejected claims are not counted) and, when
    it has records (`loaded`, plus `new` ones and `extra` curation triples),
    the curation graph's (`anchoring.article_patch`).  `replace` False: the
    article's graph is as stored (a reader's flag), only the curation graph
    changes."""
    fresh = list(new)
    patches = []
    if loaded.records or fresh:
        patch = anchoring.article_patch(graph, curated, loaded, fresh)
        patch.add.extend(extra)
        patches.append(patch)
    if not replace:
        graph.store.apply(patches)
        return
    counted = [c for c in tally.claims_of_triples(curated.triples) if c[0] not in curated.rejected]
    # The relation tally changes in the same transaction as the article.
    patches.insert(0, tally.article_patch(graph, name, counted))
    touched = belief.relations_of_article(graph, name)
    graph.store.replace_graph(name, curated.triples, patches)
    # Beliefs follow in a change of their own, for the relations the article
    # named before and names now (review states included: a curation comes
    # through here); a crash in between leaves them behind until the
    # relation's next write or `kg reindex`.
    belief.refresh(graph, touched + [(s, p, o) for _, s, p, o, _ in
                                     tally.claims_of_triples(curated.triples)])


def reextract_article(graph: Context, article_id: str) -> Documents:
    """Extract a stored article again from its stored text (`hkg:text`)
    with the current vocabulary (a curator regrounded a name it uses), and
    write it as a replacement: change notes, curations and tally as for a
    re-ingest.  The reader's block structure is not stored, so blocks come
    from the text's lines, as for the article page's mentions.

    Raises:
        NotFound: no such article.
    """
    from ingest.model import Document

    name = graph.minter.article(article_id)
    a = iri(name)
    rows = graph.store.select_values(_PREFIXES + f"""
        SELECT ?title ?text ?format ?source ?date WHERE {{ GRAPH {a} {{
          {a} dcterms:title ?title ; hkg:text ?text ; hkg:format ?format .
          OPTIONAL {{ {a} dcterms:source ?source }}
          OPTIONAL {{ {a} dcterms:date ?date }} }} }} LIMIT 1""")
    if not rows:
        raise NotFound(f"no article {quoted(article_id)}")
    row = rows[0]
    document = Document(article_id, row["title"], row["text"], row["format"],
                        source=row.get("source", ""), date=row.get("date", ""))
    extraction = extract(document, graph.vocabulary)
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    triples = article_triples(graph.minter, extraction, EXTRACTOR_VERSION, modified=now)
    loaded = anchoring.load(graph, article=str(name))
    decisions = anchoring.decisions(loaded.records)
    triples += _change_notes(graph, article_id, extraction, decisions)
    _store_article(graph, name, apply_curations(triples, article_id, decisions), loaded)
    return _stored_documents(graph, article_id)


def _stored_documents(graph: Context, article_id: str) -> Documents:
    """An article's search documents read back from the store (a curated
    modality is in the graph, not in the extraction)."""
    return {article_id: article_documents(graph, article_id)
            + minted_documents(graph, article_id)}


def apply_records(graph: Context, article_id: str, new: Iterable[anchoring.Record] = (),
                  extra: Iterable["Triple"] = (), undone: dict[str, str] | None = None,
                  replace: bool = True) -> Documents:
    """Apply an article's records, with `new` ones, to its stored graph, in
    one transaction: the same derivation as a re-ingest
    (`kg.rdf.apply_curations`), without extracting again.

    Args:
        graph: a writable store and its minter.
        article_id: the article.
        new: records to add (their triples go into the curation graph).
        extra: more curation-graph triples to add (an undone record's link).
        undone: record id -> the id of the undo record taking it back now.
        replace: False when the records cannot change the article's graph
            (a flag, a note): only the curation graph is written.

    Returns:
        The article's search documents, when its graph was written.

    Raises:
        NotFound: no such article.
    """
    name = graph.minter.article(article_id)
    stored = [(s, p, o) for s, p, o, _ in graph.store.quads(name)]
    if not stored:
        raise NotFound(f"no article {quoted(article_id)}")
    loaded = anchoring.load(graph, article=str(name))
    if undone:
        loaded.records = [dataclass_replace(r, undone_by=undone[r.id]) if r.id in undone else r
                          for r in loaded.records]
    fresh = list(new)
    curated = apply_curations(stored, article_id, anchoring.decisions(loaded.records + fresh))
    _store_article(graph, name, curated, loaded, fresh, extra, replace)
    return _stored_documents(graph, article_id) if replace else {}


@dataclass
class _Prepared:
    """What a worker made of one file, for the writer."""

    path: str
    article: str = ""
    status: str = "new"  # new, unchanged, replace or failed
    error: str = ""
    claims: int = 0
    nquads: str = ""
    tally: list[tuple[str, str, str, str, str]] = field(default_factory=list)
    #: Claim IRI -> its rule, for the beliefs of a batch (`belief.Held`).
    rules: dict[str, str] = field(default_factory=dict)
    documents: list[dict] = field(default_factory=list)


#: A worker's context: (minter, vocabulary, stored content hashes by id).
_CONTEXT: dict[str, object] = {}


def _prepare(path: Path) -> _Prepared:
    """Read, check and extract one file, and write its graph as N-Quads,
    its tally rows and its search documents (in a worker process)."""
    minter: Minter = _CONTEXT["minter"]  # type: ignore[assignment]
    stored: dict[str, str] = _CONTEXT["stored"]  # type: ignore[assignment]
    try:
        document = read_article(path)
        if len(document.text) > MAX_TEXT_CHARS:
            raise ArticleError(path, f"the text is {len(document.text):,} characters; the limit "
                                     f"is {MAX_TEXT_CHARS:,} per article")
        digest = content_hash(document.text, EXTRACTOR_VERSION)
        previous = stored.get(document.id)
        if previous is not None:
            return _Prepared(str(path), document.id,
                             "unchanged" if previous == digest else "replace")
        try:
            extraction = extract(document, cast("Vocabulary", _CONTEXT["vocabulary"]))
        except Exception as err:  # a defect in a rule must not stop the batch
            raise ArticleError(path, f"extraction failed ({type(err).__name__}: {err})") from err
        if len(extraction.claims) > MAX_CLAIMS:
            raise ArticleError(path, f"{len(extraction.claims)} claims extracted; the limit "
                                     f"is {MAX_CLAIMS} per article")
    except ArticleError as err:
        return _Prepared(str(path), status="failed", error=str(err))
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    rows: dict[str, tuple[str, str, str, str, str]] = {}
    rules: dict[str, str] = {}
    for claim in extraction.claims:
        node = str(claim_iri(minter, document.id, claim))
        rows.setdefault(node, (node, str(minter.entity(claim.subject.key)),
                               str(HKG[claim.predicate]), str(minter.entity(claim.object.key)),
                               str(HKG[claim.modality.value])))
        rules.setdefault(node, claim.rule)  # the first claim of a node wins, as in kg.rdf
    return _Prepared(str(path), document.id, claims=len(extraction.claims),
                     nquads=article_nquads(minter, extraction, EXTRACTOR_VERSION, modified=now),
                     tally=list(rows.values()), rules=rules,
                     documents=extraction_documents(minter, extraction, digest))


def _prepare_chunk(paths: list[Path]) -> list[_Prepared]:
    return [_prepare(path) for path in paths]


def _start_worker(context: dict[str, object], lock_fd: int | None) -> None:
    """A forked worker: drop the parent's writer lock descriptor (the lock
    must die with the writer), and end when the writer is gone (kill -9
    included) instead of waiting for tasks forever."""
    if lock_fd is not None:
        try:
            os.close(lock_fd)
        except OSError:
            pass
    _CONTEXT.update(context)
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.2)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def _stored_hashes(graph: Context) -> dict[str, str]:
    """Article id -> content hash of every stored article."""
    rows = graph.store.select_values(_PREFIXES + """
        SELECT ?id ?h WHERE { GRAPH ?a { ?a a hkg:Article ; dcterms:identifier ?id ;
                                          hkg:contentHash ?h } }""")
    return {r["id"]: r["h"] for r in rows}


def _prepared(graph: Context, paths: list[Path],
              workers: int) -> Iterator[_Prepared]:
    """Each file prepared, in order: in `workers` processes (forked, so the
    vocabulary is loaded once), at most a few chunks ahead of the writer so
    the corpus is never held in memory; in this process when `workers` is 0."""
    context = {"minter": graph.minter, "vocabulary": graph.vocabulary,
               "stored": _stored_hashes(graph)}
    if workers <= 0:
        _CONTEXT.update(context)
        for path in paths:
            yield _shared(_prepare(path))
        return
    chunks = [paths[i:i + CHUNK_FILES] for i in range(0, len(paths), CHUNK_FILES)]
    lock = getattr(graph.store, "lock", None)
    pool = multiprocessing.get_context("fork").Pool(
        workers, initializer=_start_worker, initargs=(context, getattr(lock, "fileno", None)))
    try:
        pending: deque = deque()
        ahead = iter(chunks)
        for chunk in ahead:
            pending.append(pool.apply_async(_prepare_chunk, (chunk,)))
            if len(pending) >= 2 * workers + 1:
                break
        while pending:
            done = pending.popleft().get()
            following: list[Path] | None = next(ahead, None)
            if following is not None:
                pending.append(pool.apply_async(_prepare_chunk, (following,)))
            for item in done:
                yield _shared(item)
    finally:
        pool.terminate()
        pool.join()


def _shared(item: _Prepared) -> _Prepared:
    """`item` with its tally rows' entity, predicate and modality IRIs
    and its rule names interned.  Each row has strings of its own (from a
    worker, unpickled), and the run keeps them for its end (`tally.Deferred`,
    `belief.Held`): at 10,000 articles that was ~600,000 rows' copies of a
    few thousand names."""
    item.tally = [(claim, intern(s), intern(p), intern(o), intern(m))
                  for claim, s, p, o, m in item.tally]
    item.rules = {claim: intern(rule) for claim, rule in item.rules.items()}
    return item


def default_workers(files: int) -> int:
    """Worker processes for `files` files: one per CPU, none for fewer
    files than a few batches (starting them would cost more)."""
    if files < 2 * BATCH_ARTICLES:
        return 0
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
               else os.cpu_count() or 1)


def write_articles(graph: Context, paths: Iterable[str | Path],
                   claimed_ids: dict[str, str] | None = None, workers: int | None = None,
                   batch: int = BATCH_ARTICLES, readers: bool = True) -> Iterator[Written]:
    """Write many files; yields each store change once it is made, with
    the results of its files (every file once, in order).

    New articles go into the store `batch` at a time, each batch one change
    (`Store.add_graphs`) with its tally patch.  A stored article whose file
    changed is replaced alone (`write_article`: one transaction).  After a crash at any moment
    every article is whole or absent, and running the ingest again adds the
    rest.

    Args:
        graph: a writable store and its minter.
        paths: the article files.
        claimed_ids: article id -> file, across calls; a second file with
            the same id is refused (always, within one call).
        workers: processes that read and extract (None: `default_workers`).
        batch: new articles per store transaction.
        readers: whether anything reads `graph` while this runs (a server);
            if not (`kg ingest`), the store may load in bulk
            (`Store.add_graphs`).
    """
    files = [Path(p) for p in paths]
    claimed = claimed_ids if claimed_ids is not None else {}
    workers = default_workers(len(files)) if workers is None else workers
    memo = tally.Memo()  # each tally node read once per run, not once per batch
    memo.start(graph)
    # With no reader, the counts of new articles go in once per FLUSH_ARTICLES.
    deferred = None if readers else tally.Deferred(graph, memo)
    # The beliefs of new articles' relations, from their claims in hand.
    held = belief.Held(graph)
    # Articles with curations take write_article's path (their records
    # apply); one query per run finds them (issue 19).
    curated = anchoring.curated_articles(graph)
    try:
        yield from _write_files(graph, files, claimed, workers, batch, readers, memo, deferred,
                                held, curated)
    finally:
        if deferred is not None:
            _close(graph, deferred, held)  # stopped early (an error, Ctrl-C): what is held


def _write_files(graph: Context, files: list[Path], claimed: dict[str, str], workers: int,
                 batch: int, readers: bool, memo: tally.Memo,
                 deferred: tally.Deferred | None, held: belief.Held,
                 curated: frozenset[str] = frozenset()) -> Iterator[Written]:
    """`write_articles` once its tally bookkeeping is set up; the articles
    named in `curated` (IRIs) are written one by one."""
    waiting: list[IngestResult | _Prepared] = []
    for item in _prepared(graph, files, workers):
        if item.status != "failed":
            other = claimed.setdefault(item.article, item.path)
            if other != item.path:
                item = _Prepared(item.path, status="failed", error=f"{item.path}: article id "
                                 f"{item.article!r} is already used by {other}")
        if item.status == "replace" or (item.status == "new" and curated
                                        and str(graph.minter.article(item.article)) in curated):
            yield from _write_batch(graph, waiting, readers, memo, deferred, held)
            waiting = []
            if deferred is not None:
                _flush(graph, deferred, held)  # the replacement reads the counts it changes
            result, documents = write_article(graph, item.path)
            memo.forget()  # that change read and wrote tally nodes of its own
            held.forget()  # and changed claims of its relations
            yield Written([result], documents)
            continue
        if item.status == "new":
            waiting.append(item)
        else:
            waiting.append(IngestResult(item.path, item.article, item.status, error=item.error))
        if sum(isinstance(w, _Prepared) for w in waiting) >= batch:
            yield from _write_batch(graph, waiting, readers, memo, deferred, held)
            waiting = []
            if deferred is not None and deferred.articles >= FLUSH_ARTICLES:
                deferred.flush()  # the counts; the beliefs once, at the end
    yield from _write_batch(graph, waiting, readers, memo, deferred, held)
    if deferred is not None:
        _flush(graph, deferred, held)


def _close(graph: Context, deferred: tally.Deferred, held: belief.Held) -> None:
    """`Deferred.close`, then the beliefs of the articles held; if either
    cannot be written, the next writer's open recounts it."""
    stale = deferred.stale or held.pending
    deferred.close()
    if stale and not deferred.stale:
        try:
            held.write(deferred.memo, readers=False, current=True)
        except Exception:  # noqa: BLE001 - the run's own error is what the caller sees
            pass  # no version triple: `belief.ensure` recomputes at the next open


def _flush(graph: Context, deferred: tally.Deferred, held: belief.Held) -> None:
    """Write the tally counts `deferred` holds, then the beliefs of the
    held articles' relations (in bulk: nobody reads), marking the belief
    graph current.  A run writes its beliefs here, at its end (or before
    a replacement), not at each flush of the counts: each belief node is
    then written once, not rewritten as a hub relation gains claims."""
    stale = deferred.stale or held.pending
    deferred.flush()
    if stale:
        held.write(deferred.memo, readers=False, current=True)


def _write_batch(graph: Context, items: list[IngestResult | _Prepared], readers: bool,
                 memo: tally.Memo, deferred: tally.Deferred | None,
                 held: belief.Held) -> Iterator[Written]:
    """Add the prepared new articles among `items` in one change, and give
    every item's result in order.  The tally changes with the batch, or
    later if `deferred` holds the counts."""
    if not items:
        return
    new = [item for item in items if isinstance(item, _Prepared)]
    if new:
        names = [graph.minter.article(item.article) for item in new]
        patch: Patch | None
        if deferred is not None:
            patch = deferred.mark()
            if patch is not None:
                # Beliefs lag until the flush: a crash before it leaves the
                # belief graph without its version, and the next writer's
                # open recomputes it (`belief.ensure`).
                belief.mark_stale(graph)
        else:
            patch = tally.articles_patch(graph, [(name, item.tally)
                                                 for name, item in zip(names, new)],
                                         new=True, memo=memo)
        try:
            graph.store.add_graphs(names, "".join(item.nquads for item in new), patch,
                                   readers=readers)
        except BaseException as err:
            memo.forget()
            held.forget()
            if not isinstance(err, (QueryError, ValueError)):
                raise
            if deferred is not None:
                _flush(graph, deferred, held)  # each write below patches the tally itself
            # A bad term in one article spoils the batch: each goes alone,
            # and the one at fault fails with its own message.
            for item in items:
                if isinstance(item, _Prepared):
                    result, documents = write_article(graph, item.path)
                    yield Written([result], documents)
                else:
                    yield Written([item])
            return
        for name, item in zip(names, new):
            held.hold(str(name), item.tally, item.rules)
        if deferred is not None:
            for item in new:
                deferred.hold(item.tally)
        memo.commit()
        if deferred is None:
            held.write(memo)  # with the tally in step, the batch's beliefs now
    yield Written([IngestResult(item.path, item.article, "added", item.claims)
                   if isinstance(item, _Prepared) else item for item in items],
                  {item.article: item.documents for item in new})


def _change_notes(graph: Context, article_id: str, extraction,
                  decisions: dict | None = None) -> list:
    """What a replacement adds and removes, as plain-language lines kept on
    the new version of the article (shown on its page).  The stored claims
    carry their curated modality, so the new ones are compared with the
    curators' `decisions` (anchor -> Decision) applied."""
    from .views import describe

    def line(subject: str, predicate: str, obj: str, modality: str) -> str:
        return describe(subject, predicate, obj, modality)

    def modality(claim) -> str:
        if decisions:
            entity = graph.minter.entity
            key = anchor_key(article_id, claim.evidence, str(entity(claim.subject.key)),
                             claim.predicate, str(entity(claim.object.key)))
            decided = decisions.get(key)
            if decided is not None and decided.modality:
                return decided.modality
        return claim.modality.value

    old = {line(c.subject.label, c.predicate, c.object.label, c.modality)
           for c in read.claims(graph, article_id)}
    new = {line(c.subject.label, c.predicate, c.object.label, modality(c))
           for c in extraction.claims}
    iri = graph.minter.article(article_id)
    return ([(iri, HKG.claimAdded, Literal(text)) for text in sorted(new - old)]
            + [(iri, HKG.claimRemoved, Literal(text)) for text in sorted(old - new)])


def drop_article(graph: Context, article_id: str) -> bool:
    """Drop an article's graph (its metadata, claims and edges) and its
    tally counts, in one transaction; True if it existed."""
    iri = graph.minter.article(article_id)
    # Its curations stay, orphaned: their links to its claims go (issue 19).
    loaded = anchoring.load(graph, article=str(iri))
    orphaned = Patch(graph.minter.curation_graph, remove=anchoring.in_order(loaded.links))
    touched = belief.relations_of_article(graph, iri)
    existed = graph.store.drop_graph(iri, [tally.article_patch(graph, iri, []), orphaned])
    belief.refresh(graph, touched)
    return existed


def _ontology_hash(base: str) -> str:
    digest = hashlib.sha256(base.encode())
    for path in (ontology.ONTOLOGY, ontology.VOCABULARY):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def ensure_ontology(graph: Context) -> bool:
    """Load the packaged ontology and vocabulary into the ontology graph if
    they changed since the last load; True when it was (re)written."""
    name = graph.minter.ontology_graph
    wanted = _ontology_hash(graph.minter.base)
    if read.content_hash(graph.store, name) == wanted:
        return False
    triples = _ontology_triples(graph.minter.base)
    triples.append((name, HKG.contentHash, Literal(wanted)))
    graph.store.replace_graph(name, triples)
    return True


def _ontology_triples(base: str) -> list[Triple]:
    """The packaged ontology and vocabulary (its relative IRIs against
    `base`), each triple once, as a graph holds them.  pyoxigraph parses
    them, not rdflib: 0.03 s instead of 0.3-0.6 s, paid at the first open of
    every store (every test's fresh store, every new deployment)."""
    import pyoxigraph as ox

    from .store._convert import from_ox

    parsed: dict[ox.Triple, None] = {}
    for path, base_iri in ((ontology.ONTOLOGY, None), (ontology.VOCABULARY, base)):
        parsed.update(dict.fromkeys(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE,
                                             base_iri=base_iri)))
    return [(from_ox(t.subject), from_ox(t.predicate), from_ox(t.object)) for t in parsed]
