"""One article's extraction -> the triples of its named graph.  Pure.

The graph holds the article's metadata, a node per claim (subject,
predicate, object, modality, evidence with offsets, rule, cues, extractor
version, `prov:wasDerivedFrom` the article), the direct edge
`subject predicate object` for every claim that is not negated, and the
entities minted from this article (marked `hkg:mapped false`).  Curated
entities live in the ontology graph and are not repeated here.
"""
from __future__ import annotations

import functools
import hashlib
from typing import Iterator, Union

from rdflib import Literal, URIRef

from ingest.model import Claim, Entity, Extraction, Modality

from .store.base import Term, Triple
from .terms import DCTERMS, HKG, PROV, RDF, RDFS, XSD, Minter, iri, literal

__all__ = ["MODALITY_IRIS", "article_nquads", "article_triples", "content_hash",
           "entity_triples"]

MODALITY_IRIS: dict[Modality, URIRef] = {m: HKG[m.value] for m in Modality}


def content_hash(text: str, extractor_version: str) -> str:
    """What decides whether a re-ingest must rewrite an article's graph."""
    return hashlib.sha256(f"{extractor_version}\x1f{text}".encode("utf-8")).hexdigest()


def entity_triples(minter: Minter, entity: Entity) -> list[Triple]:
    """Type, label and mapping state of a minted entity."""
    iri = minter.entity(entity.key)
    return [(iri, RDF.type, HKG[entity.type.value]),
            (iri, RDFS.label, Literal(entity.label)),
            (iri, HKG.mapped, Literal(entity.mapped))]


def claim_iri(minter: Minter, article_id: str, claim: Claim) -> URIRef:
    return minter.claim(article_id, claim.subject.key, claim.predicate, claim.object.key,
                        claim.start, claim.end)


#: An object in `_article_rows`: an IRI, or a literal's (lexical form,
#: datatype IRI or "" for a plain string).
_Object = Union[str, tuple[str, str]]

_XSD_INTEGER = str(XSD.integer)
_XSD_BOOLEAN = str(XSD.boolean)
_XSD_DATETIME = str(XSD.dateTime)


def _article_rows(minter: Minter, extraction: Extraction, extractor_version: str,
                  modified: str | None = None) -> Iterator[tuple[str, str, _Object]]:
    """Every (subject, predicate, object) of the article's graph as plain
    values, in a stable order: the one description `article_triples` and
    `article_nquads` both write."""
    doc = extraction.document
    article = str(minter.article(doc.id))
    text = _plain
    yield article, _TYPE, _ARTICLE
    yield article, _IDENTIFIER, text(doc.id)
    yield article, _TITLE, text(doc.title or doc.id)
    yield article, _TEXT, text(doc.text)
    yield article, _FORMAT, text(doc.format)
    yield article, _HASH, text(content_hash(doc.text, extractor_version))
    if doc.source or doc.url:
        yield article, _SOURCE, text(doc.url or doc.source)
    if doc.date:
        yield article, _DATE, text(doc.date)
    if modified:
        yield article, _MODIFIED, (modified, _XSD_DATETIME)
    for entity in extraction.minted:
        node = str(minter.entity(entity.key))
        yield node, _TYPE, str(HKG[entity.type.value])
        yield node, _LABEL, text(entity.label)
        yield node, _MAPPED, ("true" if entity.mapped else "false", _XSD_BOOLEAN)
    mentioned = {m.entity.key for m in extraction.mentions}
    mentioned.update(k for c in extraction.claims for k in (c.subject.key, c.object.key))
    for key in sorted(mentioned):
        yield article, _MENTIONS, str(minter.entity(key))
    version = text(extractor_version)
    seen: set[str] = set()
    for claim in extraction.claims:
        node = str(claim_iri(minter, doc.id, claim))
        if node in seen:  # the same relation stated twice in one span
            continue
        seen.add(node)
        subject, obj = str(minter.entity(claim.subject.key)), str(minter.entity(claim.object.key))
        predicate = str(HKG[claim.predicate])
        yield node, _TYPE, _CLAIM
        yield node, _SUBJECT, subject
        yield node, _PREDICATE, predicate
        yield node, _OBJECT, obj
        yield node, _MODALITY, _MODALITIES[claim.modality]
        yield node, _EVIDENCE, text(claim.evidence)
        yield node, _START, (str(claim.start), _XSD_INTEGER)
        yield node, _END, (str(claim.end), _XSD_INTEGER)
        yield node, _DERIVED, article
        yield node, _RULE, text(claim.rule)
        yield node, _VERSION, version
        for cue in claim.cues:
            yield node, _CUE, text(cue)
        if claim.modality is not Modality.NEGATED:
            yield subject, predicate, obj


def _plain(value: str) -> _Object:
    return (value, "")


_TYPE, _ARTICLE, _CLAIM = str(RDF.type), str(HKG.Article), str(HKG.Claim)
_IDENTIFIER, _TITLE, _SOURCE = str(DCTERMS.identifier), str(DCTERMS.title), str(DCTERMS.source)
_DATE, _MODIFIED, _LABEL = str(DCTERMS.date), str(DCTERMS.modified), str(RDFS.label)
_TEXT, _FORMAT, _HASH = str(HKG.text), str(HKG["format"]), str(HKG.contentHash)
_MAPPED, _MENTIONS, _SUBJECT = str(HKG.mapped), str(HKG.mentions), str(HKG.subject)
_PREDICATE, _OBJECT, _MODALITY = str(HKG.predicate), str(HKG.object), str(HKG.modality)
_EVIDENCE, _START, _END = str(HKG.evidence), str(HKG.start), str(HKG.end)
_DERIVED, _RULE, _VERSION = str(PROV.wasDerivedFrom), str(HKG.rule), str(HKG.extractorVersion)
_CUE = str(HKG.cue)
_MODALITIES = {m: str(iri) for m, iri in MODALITY_IRIS.items()}


def article_triples(minter: Minter, extraction: Extraction, extractor_version: str,
                    modified: str | None = None) -> list[Triple]:
    """Every triple of the article's named graph, in a stable order.

    Args:
        minter: the deployment's IRI minter.
        extraction: the document and what was extracted from it.
        extractor_version: recorded on each claim and in the content hash.
        modified: ISO timestamp of this ingest, or None to leave it out.
    """
    triples: list[Triple] = []
    for s, p, o in _article_rows(minter, extraction, extractor_version, modified):
        term: Term
        if isinstance(o, str):
            term = URIRef(o)
        elif o[1] == _XSD_INTEGER:
            term = Literal(int(o[0]))
        elif o[1] == _XSD_BOOLEAN:
            term = Literal(o[0] == "true")
        else:
            term = Literal(o[0], datatype=URIRef(o[1]) if o[1] else None)
        triples.append((URIRef(s), URIRef(p), term))
    return triples


def article_nquads(minter: Minter, extraction: Extraction, extractor_version: str,
                   modified: str | None = None) -> str:
    """The article's named graph as N-Quads text: the triples of
    `article_triples` in the article's graph, written without making an
    rdflib term each (the batch ingest path, `kg.load.write_articles`; a
    third of the cost).  IRIs are checked as query text's are
    (`kg.terms.iri`), literals escaped by `kg.terms.literal`."""
    graph = _nt_iri(str(minter.article(extraction.document.id)))
    lines = []
    for s, p, o in _article_rows(minter, extraction, extractor_version, modified):
        if isinstance(o, str):
            obj = _nt_iri(o)
        elif o[1]:
            obj = f"{literal(o[0])}^^{_nt_iri(o[1])}"
        else:
            obj = literal(o[0])
        lines.append(f"{_nt_iri(s)} {_nt_iri(p)} {obj} {graph} .\n")
    return "".join(lines)


@functools.lru_cache(maxsize=4096)
def _nt_iri(value: str) -> str:
    return iri(value)
