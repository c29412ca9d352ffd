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
from dataclasses import dataclass, field
from typing import Iterable, Iterator, Mapping, Union

from rdflib import Literal, URIRef

from ingest.model import PREDICATES as PREDICATE_NAMES
from ingest.model import Claim, Entity, Extraction, Modality

from .store.base import Term, Triple
from .terms import DCTERMS, HKG, PROV, RDF, RDFS, XSD, Minter, iri, literal

__all__ = ["MODALITY_IRIS", "Curated", "Decision", "anchor_key", "apply_curations",
           "article_nquads", "article_triples", "content_hash", "entity_triples"]

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


# ------------------------------------------------------------ curations
# Issue 19: a curator's decision on a claim is kept in the curation graph,
# anchored to the claim's content; its effects on the article's graph are
# derived here, from the graph as extracted, each time the article is
# written (ingest, re-ingest, new extractor version, the curation itself).


def anchor_key(article_id: str, evidence: str, subject: str, predicate: str, obj: str) -> str:
    r"""A claim's content identity: SHA-256 of the article id, the evidence
    with its whitespace collapsed, the subject IRI, the predicate's local
    name and the object IRI, joined by U+001F.  Offsets and the extractor
    version are not in it, so it survives an edit elsewhere in the text and
    a new extractor version.

    >>> a = anchor_key("a1", "Ketamine  treats\ndepression.", "urn:k", "treats", "urn:d")
    >>> a == anchor_key("a1", "Ketamine treats depression.", "urn:k", str(HKG.treats), "urn:d")
    True
    >>> len(a)
    64
    """
    name = predicate.rsplit("#", 1)[-1]
    text = " ".join(evidence.split())
    joined = "\x1f".join((article_id, text, subject, name, obj))
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Decision:
    """The curators' current word on one anchor: a verdict ("confirmed",
    "rejected" or None) and a modality replacing the extracted one (None:
    as extracted)."""

    verdict: str | None = None
    modality: str | None = None


@dataclass
class Curated:
    """An article's graph with the curations applied: its triples, each
    claim's anchor and extracted modality (claim IRI -> anchor, modality
    name) and the claims rejected."""

    triples: list[Triple]
    anchors: dict[str, str] = field(default_factory=dict)
    extracted: dict[str, str] = field(default_factory=dict)
    rejected: set[str] = field(default_factory=set)


_RELATIONS = frozenset(str(HKG[name]) for name in PREDICATE_NAMES)


def apply_curations(triples: Iterable[Triple], article_id: str,
                    decisions: Mapping[str, Decision]) -> Curated:
    """The article's triples with the decisions (anchor -> Decision)
    applied, from triples as extracted or as stored with earlier decisions
    applied (those are taken back first).  Pure.

    A claim with a curated modality gets it as `hkg:modality` and the
    extractor's as `hkg:extractedModality`; a rejected claim keeps its node
    but gives no direct edge (unless another claim of the article with the
    same subject, predicate and object is neither rejected nor negated).
    Direct edges are written after the other triples, each once.
    """
    claims: dict[str, dict] = {}
    kept: list[Triple] = []
    for s, p, o in triples:
        if p == RDF.type and o == HKG.Claim:
            claims.setdefault(str(s), {})
        elif str(p) in _CLAIM_PARTS:
            claims.setdefault(str(s), {})[_CLAIM_PARTS[str(p)]] = o
            if p in (HKG.modality, HKG.extractedModality):
                continue
        elif str(p) in _RELATIONS and not isinstance(o, Literal):
            continue  # a direct edge: derived below
        kept.append((s, p, o))
    result = Curated(kept)
    edges: dict[Triple, None] = {}
    for node, parts in claims.items():
        if "s" not in parts:
            continue
        extracted: Term = parts.get("xm", parts.get("m", HKG.asserted))
        anchor = anchor_key(article_id, str(parts["ev"]), str(parts["s"]), str(parts["p"]),
                            str(parts["o"]))
        result.anchors[node] = anchor
        result.extracted[node] = str(extracted).rsplit("#", 1)[-1]
        decision = decisions.get(anchor, _AS_EXTRACTED)
        modality: Term = HKG[decision.modality] if decision.modality else extracted
        claim = URIRef(node)
        kept.append((claim, HKG.modality, modality))
        if modality != extracted:
            kept.append((claim, HKG.extractedModality, extracted))
        if decision.verdict == "rejected":
            result.rejected.add(node)
        elif modality != HKG.negated:
            edges[(parts["s"], parts["p"], parts["o"])] = None
    kept.extend(edges)
    return result


_AS_EXTRACTED = Decision()
_CLAIM_PARTS = {str(HKG.subject): "s", str(HKG.predicate): "p", str(HKG.object): "o",
                str(HKG.evidence): "ev", str(HKG.modality): "m", str(HKG.extractedModality): "xm"}
