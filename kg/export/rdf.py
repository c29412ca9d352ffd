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
import re
from typing import TYPE_CHECKING, Callable, Iterator

from rdflib import Graph, Literal, URIRef

from ingest.model import PREDICATES

from ..terms import DCTERMS, HKG, PREFIXES, PROV, RDF, RDFS, SKOS, XSD, curie_to_iri

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["JSONLD_CONTEXT", "to_rdf", "write_jsonld", "write_ntriples", "write_rdfxml",
           "write_turtle"]

#: Above this many triples RDF/XML is written flat rather than nested.
PRETTY_LIMIT = 50_000
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
    "reviewState": {"@id": "hkg:reviewState", "@type": "@id"},
    "wasDerivedFrom": {"@id": "prov:wasDerivedFrom", "@type": "@id"},
    "identifier": "dcterms:identifier",
    "title": "dcterms:title",
    "source": "dcterms:source",
    "date": "dcterms:date",
    # the relations themselves, as plain keys whose values are entity IRIs
    **{p: {"@id": f"hkg:{p}", "@type": "@id"} for p in PREDICATES},
}


class _IRI(str):
    """An IRI object in `_statements` (a plain str/int/bool is a literal)."""


class _Decimal(str):
    """An xsd:decimal literal in `_statements`, by its lexical form (a
    relation's belief: "0.870")."""


def _statements(subgraph: "nx.MultiDiGraph") -> Iterator[tuple[str, str, object]]:
    """The export's triples as plain Python values: (subject IRI, predicate
    IRI, object), the object an `_IRI` or a literal's str/int/bool value.

    Raises:
        KeyError: a claim's article is missing from ``subgraph.graph["articles"]``.
    """
    # Plain strings, made once: an rdflib namespace attribute costs ~10 µs,
    # and a 26,000-claim export asked for one per claim (0.3 s of 1.8 s).
    hkg, rdf_type, label, alt, match = (str(HKG), str(RDF.type), str(RDFS.label),
                                        str(SKOS.altLabel), str(SKOS.exactMatch))
    subject, predicate_, object_, modality, evidence, start, end = (
        hkg + name for name in ("subject", "predicate", "object", "modality", "evidence",
                                "start", "end"))
    derived, claim_type = str(PROV.wasDerivedFrom), _IRI(hkg + "Claim")
    for node, data in subgraph.nodes(data=True):
        yield node, rdf_type, _IRI(hkg + (data.get("type") or "Entity"))
        yield node, label, str(data.get("label", node))
        yield node, hkg + "mapped", bool(data.get("mapped", True))
        for synonym in data.get("synonyms", ()):
            yield node, alt, str(synonym)
        for curie in data.get("ids", ()):
            try:
                yield node, match, _IRI(curie_to_iri(curie))
            except ValueError:  # a CURIE prefix we cannot resolve stays out
                pass
    articles = subgraph.graph.get("articles", {})
    modalities: dict[str, _IRI] = {}
    used = set()
    for s, o, data in subgraph.edges(data=True):
        predicate = hkg + data["predicate"]
        s_iri, p_iri, o_iri = _IRI(s), _IRI(predicate), _IRI(o)
        if any(c.modality != "negated" for c in data["claims"]):
            yield s, predicate, o_iri
        for claim in data["claims"]:
            node = claim.claim
            used.add(claim.article)
            m = claim.modality
            m_iri = modalities.get(m) or modalities.setdefault(m, _IRI(hkg + m))
            yield node, rdf_type, claim_type
            yield node, subject, s_iri
            yield node, predicate_, p_iri
            yield node, object_, o_iri
            yield node, modality, m_iri
            yield node, evidence, str(claim.evidence)
            yield node, start, int(claim.start)
            yield node, end, int(claim.end)
            yield node, derived, _IRI(articles[claim.article]["iri"])
            if claim.review:  # its curation state (issue 19)
                yield node, hkg + "reviewState", _IRI(hkg + claim.review)
        found = data.get("belief")
        if found is not None:  # the belief graph's node of the relation (issue 19)
            node = data["belief_node"]
            yield node, hkg + "beliefSubject", _IRI(s)
            yield node, hkg + "beliefPredicate", p_iri
            yield node, hkg + "beliefObject", o_iri
            yield node, hkg + "belief", _Decimal(f"{found.value:.3f}")
            yield node, hkg + "beliefWhy", str(found.why)
            if found.contested:
                yield node, hkg + "contested", True
    for article_id in sorted(used):
        meta = articles[article_id]
        article = meta["iri"]
        yield article, rdf_type, _IRI(hkg + "Article")
        yield article, str(DCTERMS.identifier), article_id
        yield article, str(DCTERMS.title), str(meta["title"])
        for key in ("source", "date"):
            if meta.get(key):
                yield article, str(DCTERMS[key]), str(meta[key])


def to_rdf(subgraph: "nx.MultiDiGraph") -> Graph:
    """The selection as an rdflib Graph (prefixes bound).

    Raises:
        KeyError: a claim's article is missing from ``subgraph.graph["articles"]``.
    """
    out = Graph()
    for prefix, ns in PREFIXES.items():
        out.bind(prefix, ns)
    iris: dict[str, URIRef] = {}

    def iri(value: str) -> URIRef:
        term = iris.get(value)
        if term is None:
            term = iris[value] = URIRef(value)
        return term

    out.addN((iri(s), iri(p), iri(o) if isinstance(o, _IRI)
              else Literal(str(o), datatype=XSD.decimal) if isinstance(o, _Decimal)
              else Literal(o), out)
             for s, p, o in _statements(subgraph))
    return out


_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"}
_NEEDS_ESCAPE = re.compile(r'[\\"\x00-\x1f\x7f]')


def _nt_literal(value: object) -> str:
    """A literal in N-Triples syntax.

    >>> print(_nt_literal('say "hi"\\n'))
    "say \\"hi\\"\\n"
    >>> print(_nt_literal(3))
    "3"^^<http://www.w3.org/2001/XMLSchema#integer>
    """
    if isinstance(value, bool):
        return f'"{str(value).lower()}"^^<{XSD.boolean}>'
    if isinstance(value, int):
        return f'"{value}"^^<{XSD.integer}>'
    if isinstance(value, _Decimal):
        return f'"{value}"^^<{XSD.decimal}>'
    text = _NEEDS_ESCAPE.sub(lambda m: _ESCAPES.get(m.group(), f"\\u{ord(m.group()):04X}"),
                             str(value))
    return f'"{text}"'


def _text(graph: Graph, fmt: str) -> bytes:
    return graph.serialize(format=fmt, encoding="utf-8")


_LOCAL = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


def _compact(iri: str, prefixes: dict[str, str] = PREFIXES) -> str | None:
    """`hkg:treats` for an IRI in one of the namespaces, else None."""
    for prefix, ns in prefixes.items():
        if iri.startswith(ns) and _LOCAL.match(iri[len(ns):]):
            return f"{prefix}:{iri[len(ns):]}"
    return None


def _compacter(prefixes: dict[str, str] = PREFIXES) -> Callable[[str], str | None]:
    """`_compact` remembering its answers: an export names the same few
    hundred entities, predicates and articles hundreds of thousands of
    times (a third of a 40,000-claim Turtle export went on compacting)."""
    known: dict[str, str | None] = {}

    def compact(iri: str) -> str | None:
        try:
            return known[iri]
        except KeyError:
            known[iri] = found = _compact(iri, prefixes)
            return found
    return compact


def _order(value: object) -> tuple[str, str]:
    return type(value).__name__, str(value)


def _grouped(subgraph: "nx.MultiDiGraph") -> dict[str, dict[str, list]]:
    """subject -> predicate -> objects, each level sorted, duplicates dropped."""
    grouped: dict[str, dict[str, set]] = {}
    for s, p, o in _statements(subgraph):
        grouped.setdefault(s, {}).setdefault(p, set()).add(o)
    return {s: {p: sorted(os, key=_order) if len(os) > 1 else list(os)
                for p, os in sorted(ps.items())} for s, ps in sorted(grouped.items())}


def write_turtle(subgraph: "nx.MultiDiGraph") -> bytes:
    """Turtle, one block per subject, written directly (rdflib's pretty
    Turtle serialiser takes half a minute on a 40,000-claim export); the
    tests read it back with rdflib and compare it with the other formats."""
    compact = _compacter()

    def term(value: object) -> str:
        if isinstance(value, _IRI):
            return compact(value) or f"<{value}>"
        if isinstance(value, bool):
            return str(value).lower()
        if isinstance(value, (int, _Decimal)):
            return str(value)  # a Turtle decimal has its point: "0.870"
        return _nt_literal(value)

    lines = [f"@prefix {p}: <{ns}> ." for p, ns in sorted(PREFIXES.items())] + [""]
    rdf_type = str(RDF.type)
    for subject, properties in _grouped(subgraph).items():
        parts = [f"{'a' if p == rdf_type else compact(p) or f'<{p}>'} "
                 + " , ".join(term(o) for o in objects) for p, objects in properties.items()]
        lines.append(f"<{subject}> " + " ;\n    ".join(parts) + " .\n")
    return "\n".join(lines).encode("utf-8")


def write_ntriples(subgraph: "nx.MultiDiGraph") -> bytes:
    """N-Triples written directly (no rdflib graph: ten times faster on big
    exports), lines sorted and unique so equal selections give equal files."""
    lines = {f"<{s}> <{p}> " + (f"<{o}>" if isinstance(o, _IRI) else _nt_literal(o)) + " ."
             for s, p, o in _statements(subgraph)}
    return ("\n".join(sorted(lines)) + "\n").encode("utf-8")


def write_rdfxml(subgraph: "nx.MultiDiGraph") -> bytes:
    """RDF/XML, nested per subject (rdflib's pretty-xml) when small enough
    to read; above `PRETTY_LIMIT` triples, where pretty-xml is slow, one
    flat description per subject written directly (rdflib's flat writer
    took 8 s of CPU on a 40,000-claim export)."""
    statements = list(_statements(subgraph))
    if len(statements) <= PRETTY_LIMIT:
        return _text(to_rdf(subgraph), "pretty-xml")
    return _flat_rdfxml(statements) or _text(to_rdf(subgraph), "xml")


#: Characters XML 1.0 cannot hold at all, escaped or not.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_XML_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_XML_ATTR = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;",
                           "\r": "&#13;", "\n": "&#10;", "\t": "&#9;"})


def _flat_rdfxml(statements: list[tuple[str, str, object]]) -> bytes | None:
    """Flat RDF/XML (an rdf:Description per subject, in first-seen order),
    or None when a predicate has no prefixed name or a value holds a
    character XML cannot, for rdflib's writer to handle.

    >>> print(_flat_rdfxml([("http://x/a", str(RDFS.label), 'a & "b"'),
    ...                     ("http://x/a", str(RDF.type), _IRI("http://x/T"))]).decode(),
    ...       end="")  # doctest: +ELLIPSIS
    <?xml version="1.0" encoding="utf-8"?>
    <rdf:RDF...>
      <rdf:Description rdf:about="http://x/a">
        <rdfs:label>a &amp; "b"</rdfs:label>
        <rdf:type rdf:resource="http://x/T"/>
      </rdf:Description>
    </rdf:RDF>
    """
    compact = _compacter()
    grouped: dict[str, list[str]] = {}
    for s, p, o in statements:
        name = compact(p)
        if name is None:
            return None
        if isinstance(o, _IRI):
            line = f'    <{name} rdf:resource="{o.translate(_XML_ATTR)}"/>'
        else:
            if isinstance(o, bool):
                text, datatype = str(o).lower(), f' rdf:datatype="{XSD.boolean}"'
            elif isinstance(o, int):
                text, datatype = str(o), f' rdf:datatype="{XSD.integer}"'
            elif isinstance(o, _Decimal):
                text, datatype = str(o), f' rdf:datatype="{XSD.decimal}"'
            else:
                text, datatype = str(o), ""
            if _NOT_XML.search(text):
                return None
            line = f"    <{name}{datatype}>{text.translate(_XML_TEXT)}</{name}>"
        grouped.setdefault(s, []).append(line)
    namespaces = "\n".join(f'   xmlns:{prefix}="{ns}"' for prefix, ns in sorted(PREFIXES.items()))
    lines = ['<?xml version="1.0" encoding="utf-8"?>', f"<rdf:RDF\n{namespaces}>"]
    for subject, body in grouped.items():
        if _NOT_XML.search(subject):
            return None
        lines.append(f'  <rdf:Description rdf:about="{subject.translate(_XML_ATTR)}">')
        lines.extend(body)
        lines.append("  </rdf:Description>")
    lines.append("</rdf:RDF>\n")
    return "\n".join(lines).encode("utf-8")


def write_jsonld(subgraph: "nx.MultiDiGraph") -> bytes:
    """JSON-LD compacted with `JSONLD_CONTEXT`, which the file embeds: short
    keys, IRIs as `hkg:` names where they fit, offsets as JSON numbers,
    nodes sorted by @id.  Written directly from the triples (rdflib's
    compaction is slow on big exports); the tests expand it with rdflib."""
    keys: dict[str, tuple[str, bool, bool]] = {}  # IRI -> (key, values are IRIs, always a list)
    for key, value in JSONLD_CONTEXT.items():
        if key in PREFIXES:
            continue
        spec = value if isinstance(value, dict) else {"@id": value}
        prefix, local = spec["@id"].split(":", 1)
        keys[PREFIXES[prefix] + local] = (key, spec.get("@type") == "@id",
                                          spec.get("@container") == "@set")
    declared = {p: ns for p, ns in JSONLD_CONTEXT.items() if isinstance(ns, str) and p in PREFIXES}

    compacter = _compacter(declared)

    def compact(iri: str) -> str:
        return compacter(iri) or iri

    rdf_type = str(RDF.type)
    nodes = []
    for subject, properties in _grouped(subgraph).items():
        node: dict[str, object] = {"@id": subject}
        for predicate, objects in properties.items():
            if predicate == rdf_type:
                types = [compact(o) for o in objects]
                node["@type"] = types[0] if len(types) == 1 else types
                continue
            key, as_iri, as_list = keys.get(predicate, (compact(predicate), False, False))
            values = []
            for o in objects:
                if isinstance(o, _IRI):
                    iri = compact(o) if as_iri else str(o)
                    values.append(iri if as_iri else {"@id": iri})
                elif isinstance(o, _Decimal):
                    values.append({"@value": str(o), "@type": "xsd:decimal"})
                else:
                    values.append(o)
            node[key] = values if as_list or len(values) > 1 else values[0]
        nodes.append(node)
    data = {"@context": JSONLD_CONTEXT, "@graph": nodes}
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
