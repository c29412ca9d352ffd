"""One article's extraction -> the triples of its named graph.  Pure.

The graph holds the article's metadata, a node per claim (subject,
predicate, object, modality, evidence with offsets, rule, cues, extractor
version, `prov:wasDerivedFrom` the article), the direct edge
`subject predicate object` for every claim that is not negated, and the
entities minted from this article (marked `hkg:mapped false`).  Curated
entities live in the ontology graph and are not repeated here.
"""
from __future__ import annotations

import hashlib

from rdflib import Literal, URIRef

from ingest.model import Claim, Entity, Extraction, Modality

from .store.base import Triple
from .terms import DCTERMS, HKG, PROV, RDF, RDFS, XSD, Minter

__all__ = ["MODALITY_IRIS", "article_triples", "content_hash", "entity_triples"]

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


def article_triples(minter: Minter, extraction: Extraction, extractor_version: str,
                    modified: str | None = None) -> list[Triple]:
    """Every triple of the article's named graph, in a stable order.

    Args:
        minter: the deployment's IRI minter.
        extraction: the document and what was extracted from it.
        extractor_version: recorded on each claim and in the content hash.
        modified: ISO timestamp of this ingest, or None to leave it out.
    """
    doc = extraction.document
    article = minter.article(doc.id)
    triples: list[Triple] = [
        (article, RDF.type, HKG.Article),
        (article, DCTERMS.identifier, Literal(doc.id)),
        (article, DCTERMS.title, Literal(doc.title or doc.id)),
        (article, HKG.text, Literal(doc.text)),
        (article, HKG["format"], Literal(doc.format)),
        (article, HKG.contentHash, Literal(content_hash(doc.text, extractor_version))),
    ]
    if doc.source or doc.url:
        triples.append((article, DCTERMS.source, Literal(doc.url or doc.source)))
    if doc.date:
        triples.append((article, DCTERMS.date, Literal(doc.date)))
    if modified:
        triples.append((article, DCTERMS.modified, Literal(modified, datatype=XSD.dateTime)))
    for entity in extraction.minted:
        triples.extend(entity_triples(minter, entity))
    mentioned = {m.entity.key for m in extraction.mentions}
    mentioned.update(k for c in extraction.claims for k in (c.subject.key, c.object.key))
    triples.extend((article, HKG.mentions, minter.entity(key)) for key in sorted(mentioned))
    seen: set[URIRef] = set()
    for claim in extraction.claims:
        node = claim_iri(minter, doc.id, claim)
        if node in seen:  # the same relation stated twice in one span
            continue
        seen.add(node)
        subject, obj = minter.entity(claim.subject.key), minter.entity(claim.object.key)
        predicate = HKG[claim.predicate]
        triples += [
            (node, RDF.type, HKG.Claim),
            (node, HKG.subject, subject),
            (node, HKG.predicate, predicate),
            (node, HKG.object, obj),
            (node, HKG.modality, MODALITY_IRIS[claim.modality]),
            (node, HKG.evidence, Literal(claim.evidence)),
            (node, HKG.start, Literal(claim.start)),
            (node, HKG.end, Literal(claim.end)),
            (node, PROV.wasDerivedFrom, article),
            (node, HKG.rule, Literal(claim.rule)),
            (node, HKG.extractorVersion, Literal(extractor_version)),
        ]
        triples += [(node, HKG.cue, Literal(cue)) for cue in claim.cues]
        if claim.modality is not Modality.NEGATED:
            triples.append((subject, predicate, obj))
    return triples
