"""The single writer: article files -> extraction -> one named graph each.

Each article's graph is replaced in one store transaction, so a failure at
any point leaves the article as it was before (all-or-nothing); a re-ingest
of an unchanged file writes nothing (idempotent).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, cast

from rdflib import Graph, Literal

import ontology
from ingest import EXTRACTOR_VERSION, ArticleError, extract, read_article
from ingest.readers import READERS

from . import read, tally
from .rdf import article_triples, content_hash
from .terms import HKG

if TYPE_CHECKING:
    from .graph import KnowledgeGraph
    from .store.base import Triple

#: More claims than this from one article is refused (see ingest_file).
MAX_CLAIMS = 5000
#: Longer article text than this (after reading) is refused.
MAX_TEXT_CHARS = 1_000_000

__all__ = ["MAX_CLAIMS", "MAX_TEXT_CHARS", "IngestResult", "delete_article", "ensure_ontology",
           "find_articles", "ingest_file"]


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


def _stored_hash(graph: "KnowledgeGraph", article_iri) -> str | None:
    return read.content_hash(graph.store, article_iri)


def ingest_file(graph: "KnowledgeGraph", path: str | Path,
                claimed_ids: dict[str, str] | None = None) -> IngestResult:
    """Read, extract and store one article file.

    Args:
        graph: an open, writable knowledge graph.
        path: the article file.
        claimed_ids: article id -> file, for this run; a second file with the
            same id is refused instead of silently replacing the first.

    Returns:
        The result; `status` is "failed" with a one-line `error` naming the
        file when it cannot be ingested.  Nothing is written then.
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
        previous = _stored_hash(graph, iri)
        if previous == content_hash(document.text, EXTRACTOR_VERSION):
            return IngestResult(str(path), document.id, "unchanged")
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
        if previous:
            triples += _change_notes(graph, document.id, extraction)
        # The relation tally changes in the same transaction as the article.
        patch = tally.article_patch(graph, iri, tally.claims_of_triples(triples))
        graph.store.replace_graph(iri, triples, patch)
        # A crash between these two writes leaves the index behind the graph;
        # SearchIndex.check() finds it and `kg reindex` or reconcile() mends it.
        graph.search.update_article(document.id)
    except ArticleError as err:
        return IngestResult(str(path), error=str(err))
    return IngestResult(str(path), document.id, "replaced" if previous else "added",
                        len(extraction.claims))


def _change_notes(graph: "KnowledgeGraph", article_id: str, extraction) -> list:
    """What a replacement adds and removes, as plain-language lines kept on
    the new version of the article (shown on its page)."""
    from .views import describe

    def line(subject: str, predicate: str, obj: str, modality: str) -> str:
        return describe(subject, predicate, obj, modality)

    old = {line(c.subject.label, c.predicate, c.object.label, c.modality)
           for c in read.claims(graph, article_id)}
    new = {line(c.subject.label, c.predicate, c.object.label, c.modality.value)
           for c in extraction.claims}
    iri = graph.minter.article(article_id)
    return ([(iri, HKG.claimAdded, Literal(text)) for text in sorted(new - old)]
            + [(iri, HKG.claimRemoved, Literal(text)) for text in sorted(old - new)])


def delete_article(graph: "KnowledgeGraph", article_id: str) -> bool:
    """Drop an article's graph (its metadata, claims and edges) and its
    search documents; True if it existed."""
    iri = graph.minter.article(article_id)
    existed = graph.store.drop_graph(iri, tally.article_patch(graph, iri, []))
    if existed:
        graph.search.remove_article(article_id)
    return existed


def _ontology_hash(base: str) -> str:
    digest = hashlib.sha256(base.encode())
    for path in (ontology.ONTOLOGY, ontology.VOCABULARY):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def ensure_ontology(graph: "KnowledgeGraph") -> bool:
    """Load the packaged ontology and vocabulary into the ontology graph if
    they changed since the last load; True when it was (re)written."""
    name = graph.minter.ontology_graph
    wanted = _ontology_hash(graph.settings.base_iri)
    if read.content_hash(graph.store, name) == wanted:
        return False
    data = Graph()
    data.parse(ontology.ONTOLOGY, format="turtle")
    data.parse(ontology.VOCABULARY, format="turtle", publicID=graph.settings.base_iri)
    data.add((name, HKG.contentHash, Literal(wanted)))
    # An rdflib Graph yields our Term triples; rdflib types them as Node.
    graph.store.replace_graph(name, cast("Iterable[Triple]", data))
    return True
