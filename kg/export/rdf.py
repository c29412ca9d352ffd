"""RDF exports: Turtle, JSON-LD (compact @context), N-Triples, RDF/XML.

The exported graph is what the store holds for the selection, minus the
article texts and extraction internals: the direct edge ``s p o`` of every
relation that some selected claim states without denying it, the claim
nodes (subject, predicate, object, modality, evidence, offsets,
``prov:wasDerivedFrom`` the article), the articles (identifier, title,
source, date) and the entities (type, label, synonyms, standard IDs, mapped).
Terms are the ontology's (`ontology/kg.ttl`), so the file loads next to it
and the SPARQL examples work on it.  rdflib serialises every format.
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING

from rdflib import Graph, Literal, URIRef

from ingest.model import PREDICATES

from ..terms import DCTERMS, HKG, PREFIXES, PROV, RDF, RDFS, SKOS, curie_to_iri

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["JSONLD_CONTEXT", "to_rdf", "write_jsonld", "write_ntriples", "write_rdfxml",
           "write_turtle"]

#: The JSON-LD @context: short keys for our terms, IRIs typed as @id.
JSONLD_CONTEXT: dict = {
    **{p: PREFIXES[p] for p in ("hkg", "prov", "dcterms", "rdfs", "skos", "xsd")},
    "label": "rdfs:label",
    "synonym": {"@id": "skos:altLabel", "@container": "@set"},
    "exactMatch": {"@id": "skos:exactMatch", "@type": "@id", "@container": "@set"},
    "mapped": "hkg:mapped",
    "subject": {"@id": "hkg:subject", "@type": "@id"},
    "predicate": {"@id": "hkg:predicate", "@type": "@id"},
    "object": {"@id": "hkg:object", "@type": "@id"},
    "modality": {"@id": "hkg:modality", "@type": "@id"},
    "evidence": "hkg:evidence",
    "start": "hkg:start",
    "end": "hkg:end",
    "wasDerivedFrom": {"@id": "prov:wasDerivedFrom", "@type": "@id"},
    "identifier": "dcterms:identifier",
    "title": "dcterms:title",
    "source": "dcterms:source",
    "date": "dcterms:date",
    # the relations themselves, as plain keys whose values are entity IRIs
    **{p: {"@id": f"hkg:{p}", "@type": "@id"} for p in PREDICATES},
}


def to_rdf(subgraph: "nx.MultiDiGraph") -> Graph:
    """The selection as an rdflib Graph (prefixes bound).

    Raises:
        KeyError: a claim's article is missing from ``subgraph.graph["articles"]``.
    """
    out = Graph()
    for prefix, ns in PREFIXES.items():
        out.bind(prefix, ns)
    for node, data in subgraph.nodes(data=True):
        entity = URIRef(node)
        out.add((entity, RDF.type, HKG[data.get("type") or "Entity"]))
        out.add((entity, RDFS.label, Literal(data.get("label", node))))
        out.add((entity, HKG.mapped, Literal(bool(data.get("mapped", True)))))
        for synonym in data.get("synonyms", ()):
            out.add((entity, SKOS.altLabel, Literal(synonym)))
        for curie in data.get("ids", ()):
            try:
                out.add((entity, SKOS.exactMatch, URIRef(curie_to_iri(curie))))
            except ValueError:  # a CURIE prefix we cannot resolve stays out
                pass
    articles = subgraph.graph.get("articles", {})
    used = set()
    for s, o, data in subgraph.edges(data=True):
        predicate = HKG[data["predicate"]]
        if any(c["modality"] != "negated" for c in data["claims"]):
            out.add((URIRef(s), predicate, URIRef(o)))
        for claim in data["claims"]:
            node = URIRef(claim["claim"])
            article = URIRef(articles[claim["article"]]["iri"])
            used.add(claim["article"])
            out.add((node, RDF.type, HKG.Claim))
            out.add((node, HKG.subject, URIRef(s)))
            out.add((node, HKG.predicate, predicate))
            out.add((node, HKG.object, URIRef(o)))
            out.add((node, HKG.modality, HKG[claim["modality"]]))
            out.add((node, HKG.evidence, Literal(claim["evidence"])))
            out.add((node, HKG.start, Literal(int(claim["start"]))))
            out.add((node, HKG.end, Literal(int(claim["end"]))))
            out.add((node, PROV.wasDerivedFrom, article))
    for article_id in sorted(used):
        meta = articles[article_id]
        article = URIRef(meta["iri"])
        out.add((article, RDF.type, HKG.Article))
        out.add((article, DCTERMS.identifier, Literal(article_id)))
        out.add((article, DCTERMS.title, Literal(meta["title"])))
        if meta.get("source"):
            out.add((article, DCTERMS.source, Literal(meta["source"])))
        if meta.get("date"):
            out.add((article, DCTERMS.date, Literal(meta["date"])))
    return out


def _text(graph: Graph, fmt: str) -> bytes:
    return graph.serialize(format=fmt, encoding="utf-8")


def write_turtle(subgraph: "nx.MultiDiGraph") -> bytes:
    return _text(to_rdf(subgraph), "turtle")


def write_ntriples(subgraph: "nx.MultiDiGraph") -> bytes:
    """N-Triples, lines sorted so equal selections give equal files."""
    lines = _text(to_rdf(subgraph), "nt").decode("utf-8").splitlines()
    return ("\n".join(sorted(line for line in lines if line.strip())) + "\n").encode("utf-8")


def write_rdfxml(subgraph: "nx.MultiDiGraph") -> bytes:
    return _text(to_rdf(subgraph), "pretty-xml")


def write_jsonld(subgraph: "nx.MultiDiGraph") -> bytes:
    """JSON-LD compacted with `JSONLD_CONTEXT`, which the file embeds; offsets
    are JSON numbers and nodes are sorted by @id."""
    text = to_rdf(subgraph).serialize(format="json-ld", context=JSONLD_CONTEXT,
                                      use_native_types=True, auto_compact=True)
    data = json.loads(text)
    data["@graph"] = sorted(data.get("@graph", []), key=lambda n: n.get("@id", ""))
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
