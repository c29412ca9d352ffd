"""Namespaces, CURIEs and content-derived IRIs.

IRIs are minted from content so that extracting the same article twice
mints the same IRIs: an article from its id, an entity from its key, a claim
from (article, subject, predicate, object, evidence offsets).
"""
from __future__ import annotations

import hashlib
import re

from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

__all__ = ["BIOLINK", "DCTERMS", "HKG", "OWL", "PREFIXES", "PROV", "RDF", "RDFS", "SKOS",
           "XSD", "Minter", "curie_to_iri", "iri_to_curie", "sparql_prefixes"]

#: Our ontology's namespace: classes, predicates, claim properties.
HKG = Namespace("https://w3id.org/health-kg/ontology#")
BIOLINK = Namespace("https://w3id.org/biolink/vocab/")

PREFIXES: dict[str, str] = {
    "hkg": str(HKG), "biolink": str(BIOLINK), "rdf": str(RDF), "rdfs": str(RDFS),
    "owl": str(OWL), "skos": str(SKOS), "prov": str(PROV), "dcterms": str(DCTERMS),
    "xsd": str(XSD), "obo": "http://purl.obolibrary.org/obo/",
}

_OBO = ("CHEBI", "GO", "HP", "MONDO", "UBERON", "DOID", "NCIT", "RO")
_CURIE = re.compile(r"^([A-Za-z][A-Za-z0-9]*):([A-Za-z0-9_.-]+)$")


def curie_to_iri(curie: str) -> str:
    """A CURIE as its resolvable IRI.

    >>> curie_to_iri("HP:0002018")
    'http://purl.obolibrary.org/obo/HP_0002018'
    >>> curie_to_iri("MESH:D003866")
    'http://id.nlm.nih.gov/mesh/D003866'
    """
    match = _CURIE.match(curie.strip())
    if not match:
        raise ValueError(f"not a CURIE: {curie!r}")
    prefix, local = match.groups()
    upper = prefix.upper()
    if upper in _OBO:
        return f"http://purl.obolibrary.org/obo/{upper}_{local}"
    if upper == "MESH":
        return f"http://id.nlm.nih.gov/mesh/{local}"
    if upper == "UNIPROT":
        return f"http://purl.uniprot.org/uniprot/{local}"
    raise ValueError(f"unknown CURIE prefix in {curie!r}")


def iri_to_curie(iri: str) -> str | None:
    """The CURIE for a registry IRI, or None when it is not one we know.

    >>> iri_to_curie("http://purl.obolibrary.org/obo/MONDO_0001247")
    'MONDO:0001247'
    """
    for pattern, prefix in ((r"^http://purl\.obolibrary\.org/obo/([A-Za-z]+)_(.+)$", None),
                            (r"^http://id\.nlm\.nih\.gov/mesh/(.+)$", "MESH"),
                            (r"^http://purl\.uniprot\.org/uniprot/(.+)$", "UniProt")):
        match = re.match(pattern, iri)
        if match:
            return f"{match.group(1)}:{match.group(2)}" if prefix is None \
                else f"{prefix}:{match.group(1)}"
    return None


def sparql_prefixes() -> str:
    """PREFIX lines for every namespace in `PREFIXES`."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())


def _digest(*parts: object) -> str:
    joined = "\x1f".join(str(p) for p in parts)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:20]


class Minter:
    """Mints this deployment's IRIs under one base IRI.

    >>> m = Minter("http://localhost:8000/")
    >>> str(m.article("ketamine-for-anxiety"))
    'http://localhost:8000/article/ketamine-for-anxiety'
    """

    def __init__(self, base: str):
        self.base = base
        self.ontology_graph = URIRef(base + "graph/ontology")

    def article(self, article_id: str) -> URIRef:
        """The article's IRI, which is also the name of its graph."""
        return URIRef(f"{self.base}article/{article_id}")

    def entity(self, key: str) -> URIRef:
        return URIRef(f"{self.base}entity/{key}")

    def claim(self, article_id: str, subject: str, predicate: str, obj: str,
              start: int, end: int) -> URIRef:
        digest = _digest(article_id, subject, predicate, obj, start, end)
        return URIRef(f"{self.base}claim/{digest}")

    def local(self, iri: str, kind: str) -> str | None:
        """The id part of one of our IRIs of this kind, else None."""
        prefix = f"{self.base}{kind}/"
        return iri[len(prefix):] if iri.startswith(prefix) else None
