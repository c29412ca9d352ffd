"""Graph -> search documents: an article, its claims, and the entities it names."""
from __future__ import annotations

from typing import TYPE_CHECKING

from ingest import domain

from .. import read
from ..context import Context
from ..terms import iri, sparql_prefixes

if TYPE_CHECKING:
    from ingest.model import Entity, Extraction

    from ..terms import Minter

__all__ = ["VOCABULARY_OWNER", "article_documents", "extraction_documents", "lexicon_forms",
           "minted_documents", "vocabulary_documents"]

_PREFIXES = sparql_prefixes()


def predicate_words(predicate: str) -> str:
    """The predicate in words (the domain table's label), as indexed."""
    words = domain.PREDICATES.get(predicate)
    return words.label if words else predicate


def article_documents(graph: Context, article_id: str) -> list[dict]:
    """The article document and one document per claim of the article."""
    name = graph.minter.article(article_id)
    a = iri(name)
    rows = graph.store.select(_PREFIXES + f"""
        SELECT ?title ?text ?hash ?date ?source WHERE {{ GRAPH {a} {{
          {a} dcterms:title ?title ; hkg:text ?text ; hkg:contentHash ?hash .
          OPTIONAL {{ {a} dcterms:date ?date }} OPTIONAL {{ {a} dcterms:source ?source }}
        }} }}""")
    if not rows:
        return []
    row = rows[0]
    docs = [{"id": f"article:{article_id}", "kind": "article", "owner": article_id,
             "iri": str(name), "label": str(row["title"]), "names": str(row.get("source", "")),
             "text": str(row["text"]), "type": "", "predicate": "", "modality": "",
             "article": [article_id], "hash": str(row["hash"]), "date": str(row.get("date", ""))}]
    for claim in read.claims(graph, article_id):
        label = f"{claim.subject.label} {predicate_words(claim.predicate)} {claim.object.label}"
        docs.append({"id": f"claim:{claim.iri}", "kind": "claim", "owner": article_id,
                     "iri": claim.iri, "label": label,
                     "names": " | ".join([*claim.subject.synonyms, *claim.object.synonyms]),
                     "text": claim.evidence, "type": "", "predicate": claim.predicate,
                     "modality": claim.modality, "article": [article_id], "hash": "",
                     "date": ""})
    return docs


def _synonyms(entity: "Entity") -> list[str]:
    """An entity's synonyms and abbreviations as `kg.read.entity_info`
    reads them back from the graph."""
    return sorted(set(entity.synonyms) | set(entity.abbreviations) - {entity.label},
                  key=lambda s: (s.lower(), s))


def extraction_documents(minter: "Minter", extraction: "Extraction",
                         content_hash: str) -> list[dict]:
    """The documents `article_documents` + `minted_documents` read from the
    graph after the article is written, made from the extraction in hand
    instead (the batch ingest path: no store read per article)."""
    from ..rdf import claim_iri

    doc = extraction.document
    article_id = doc.id
    docs = [{"id": f"article:{article_id}", "kind": "article", "owner": article_id,
             "iri": str(minter.article(article_id)), "label": doc.title or doc.id,
             "names": doc.url or doc.source, "text": doc.text, "type": "", "predicate": "",
             "modality": "", "article": [article_id], "hash": content_hash,
             "date": doc.date}]
    seen: set[str] = set()
    for claim in extraction.claims:
        node = str(claim_iri(minter, article_id, claim))
        if node in seen:
            continue
        seen.add(node)
        label = (f"{claim.subject.label} {predicate_words(claim.predicate)} "
                 f"{claim.object.label}")
        docs.append({"id": f"claim:{node}", "kind": "claim", "owner": article_id,
                     "iri": node, "label": label,
                     "names": " | ".join([*_synonyms(claim.subject),
                                          *_synonyms(claim.object)]),
                     "text": claim.evidence, "type": "", "predicate": claim.predicate,
                     "modality": claim.modality.value, "article": [article_id], "hash": "",
                     "date": ""})
    for entity in extraction.minted:
        docs.append({"id": f"entity:{minter.entity(entity.key)}", "kind": "entity",
                     "owner": article_id, "iri": str(minter.entity(entity.key)),
                     "label": entity.label, "names": " | ".join([*_synonyms(entity),
                                                                 *entity.ids]),
                     "text": f"{entity.label} ({entity.type.value})",
                     "type": entity.type.value, "predicate": "", "modality": "",
                     "article": [], "hash": "", "date": ""})
    return docs


#: Owner of the curated vocabulary's entity documents.
VOCABULARY_OWNER = "@vocabulary"


def _entity_doc(entity, owner: str) -> dict:
    return {"id": f"entity:{entity.iri}", "kind": "entity", "owner": owner, "iri": entity.iri,
            "label": entity.label, "names": " | ".join([*entity.synonyms, *entity.ids]),
            "text": f"{entity.label} ({entity.type})", "type": entity.type, "predicate": "",
            "modality": "", "article": [], "hash": "", "date": ""}


def vocabulary_documents(graph: Context, ontology_hash: str) -> list[dict]:
    """One document per curated entity, and a marker carrying the ontology
    graph's hash (so `SearchIndex.check` sees a stale vocabulary)."""
    rows = graph.store.select(_PREFIXES + f"""
        SELECT DISTINCT ?e WHERE {{ GRAPH {iri(graph.minter.ontology_graph)} {{
          ?e hkg:mapped true }} }}""")
    info = read.entity_info(graph, [r["e"] for r in rows])
    docs = [_entity_doc(e, VOCABULARY_OWNER) for e in info.values()]
    docs.append({"id": "meta:vocabulary", "kind": "meta", "owner": VOCABULARY_OWNER,
                 "iri": "", "label": "", "names": "", "text": "", "type": "", "predicate": "",
                 "modality": "", "article": [], "hash": ontology_hash, "date": ""})
    return docs


def minted_documents(graph: Context, article_id: str) -> list[dict]:
    """Documents for the entities this article minted (the vocabulary lacks
    them); they belong to the article and go with it."""
    rows = graph.store.select(_PREFIXES + f"""
        SELECT DISTINCT ?e WHERE {{ GRAPH {iri(graph.minter.article(article_id))} {{
          ?e hkg:mapped false }} }}""")
    info = read.entity_info(graph, [r["e"] for r in rows])
    return [_entity_doc(e, article_id) for e in info.values()]


def lexicon_forms(graph: Context) -> tuple[dict[str, tuple[str, ...]], set[str]]:
    """Entity IRI -> surface forms (label first), and title words."""
    rows = graph.store.select(_PREFIXES + """
        SELECT DISTINCT ?e ?p ?v WHERE {
          VALUES ?p { rdfs:label skos:altLabel hkg:abbreviation }
          ?e ?p ?v ; hkg:mapped ?m . }""")
    labels: dict[str, list[str]] = {}
    others: dict[str, set[str]] = {}
    for row in rows:
        key = str(row["e"])
        if str(row["p"]).endswith("label") and str(row["p"]).startswith("http://www.w3.org/2000"):
            labels.setdefault(key, []).append(str(row["v"]))
        else:
            others.setdefault(key, set()).add(str(row["v"]))
    forms = {}
    for key in set(labels) | set(others):
        first = sorted(labels.get(key, []))
        forms[key] = tuple(dict.fromkeys(first + sorted(others.get(key, ()))))
    title_words: set[str] = set()
    for row in graph.store.select(_PREFIXES + """
            SELECT DISTINCT ?t WHERE { GRAPH ?a { ?a a hkg:Article ; dcterms:title ?t } }"""):
        title_words.update(w.lower() for w in str(row["t"]).split() if w.isalpha())
    return forms, title_words
