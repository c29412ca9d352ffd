"""What the endpoint says about itself and the dataset: the example
queries of `ontology/queries/`, the dataset counts, and the SPARQL 1.1
Service Description and VoID graphs built from them.

The web layer supplies the URLs (its routes) and caches the counts; the
descriptions are built here because they describe the dataset, not the
web app.  A query worker imports this module (through `kg.sparql`) and
must start fast, so rdflib and `kg.terms` are imported inside the builders.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..formats import of_kind

if TYPE_CHECKING:
    from rdflib import Graph

    from ..context import Context
    from .policy import Limits

__all__ = ["Completion", "DatasetCounts", "Example", "FORMATS_NS", "SD", "VOID", "completions",
           "dataset_counts",
           "examples", "service_description", "void_description"]

#: The SPARQL 1.1 Service Description vocabulary.
SD = "http://www.w3.org/ns/sparql-service-description#"
#: The VoID vocabulary.
VOID = "http://rdfs.org/ns/void#"
#: The W3C registry of format names (`sd:resultFormat` values).
FORMATS_NS = "http://www.w3.org/ns/formats/"


@dataclass(frozen=True)
class Example:
    """One of the example queries in `ontology/queries/`: its file name,
    the title and description from its comment header, and its text."""

    name: str
    title: str
    description: str
    text: str


def examples() -> list[Example]:
    """The example queries, sorted by file name.

    >>> any(e.title == "Unmapped entities" for e in examples())
    True
    """
    import ontology

    found = []
    for path in sorted(Path(ontology.QUERIES).glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        header = []
        for line in text.splitlines():
            if not line.startswith("#"):
                break
            header.append(line[1:].strip())
        title = header[0] if header else path.stem.replace("-", " ")
        found.append(Example(path.stem, title, " ".join(header[1:]), text))
    return found


@dataclass(frozen=True)
class Completion:
    """A term the editor offers as you type: a class or a predicate of the
    ontology, as a prefixed name, with its reader's label and comment."""

    name: str
    kind: str  # "class" or "predicate"
    label: str
    comment: str


def completions() -> list[Completion]:
    """See `_completions`; the packaged files are read once."""
    return list(_completions())


@functools.lru_cache(maxsize=1)
def _completions() -> tuple[Completion, ...]:
    """The classes and predicates of the packaged ontology (`kg.ttl`, and
    the predicates its SHACL shapes give to articles, claims and entities),
    as the editor's autocomplete offers them: the domain table's types and
    predicates first, in its reading order, with its reader words.

    >>> names = [c.name for c in _completions()]
    >>> "hkg:Drug" in names and "hkg:treats" in names and "rdfs:label" in names
    True
    """
    from rdflib import Graph, URIRef
    from rdflib.namespace import OWL, RDF, RDFS

    import ontology
    from ingest.domain import PREDICATES, READING_ORDER, TYPES

    from ..terms import PREFIXES

    def curie(iri: str) -> str | None:
        for prefix, namespace in PREFIXES.items():
            if iri.startswith(namespace) and len(iri) > len(namespace):
                return f"{prefix}:{iri[len(namespace):]}"
        return None

    data = Graph().parse(ontology.ONTOLOGY, format="turtle")
    kinds: dict[URIRef, str] = {}
    for kind, classes in (("class", (OWL.Class, RDFS.Class)),
                          ("predicate", (OWL.ObjectProperty, OWL.DatatypeProperty,
                                         OWL.AnnotationProperty, RDF.Property))):
        for cls in classes:
            for term in data.subjects(RDF.type, cls):
                if isinstance(term, URIRef):
                    kinds.setdefault(term, kind)
    shapes = Graph().parse(ontology.SHAPES, format="turtle")
    for path in shapes.objects(None, URIRef("http://www.w3.org/ns/shacl#path")):
        if isinstance(path, URIRef):
            kinds.setdefault(path, "predicate")
    readers = {**{t.name: t.label for t in TYPES.values()},
               **{p: PREDICATES[p].label for p in READING_ORDER}}
    first = [*TYPES, *READING_ORDER]
    found = []
    for term, kind in kinds.items():
        name = curie(str(term))
        if name is None:
            continue
        local = name.split(":", 1)[1]
        label = readers.get(local) if name.startswith("hkg:") else None
        found.append(Completion(name, kind, label or str(data.value(term, RDFS.label) or ""),
                                str(data.value(term, RDFS.comment) or "")))

    def order(c: Completion) -> tuple:
        local = c.name.split(":", 1)[1]
        known = c.name.startswith("hkg:") and local in first
        return (not known, first.index(local) if known else 0, c.kind, c.name.lower())

    return tuple(sorted(found, key=order))


@dataclass(frozen=True)
class DatasetCounts:
    """What a VoID description says of the dataset."""

    triples: int
    graphs: dict[str, int]
    classes: dict[str, int]
    properties: dict[str, int]
    subjects: int
    objects: int


def dataset_counts(graph: "Context") -> DatasetCounts:
    """Triples per graph, instances per class, triples per predicate.

    Counts are over quads (a triple stated in two articles' graphs counts
    twice), as the union default graph does not deduplicate.
    """
    store = graph.store
    graphs = {str(r["g"]): int(r["n"]) for r in store.select(
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")}
    classes = {str(r["c"]): int(r["n"]) for r in store.select(
        "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s a ?c } } GROUP BY ?c")}
    properties = {str(r["p"]): int(r["n"]) for r in store.select(
        "SELECT ?p (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?p")}
    distinct = store.select("SELECT (COUNT(DISTINCT ?s) AS ?s) (COUNT(DISTINCT ?o) AS ?o) "
                            "WHERE { GRAPH ?g { ?s ?p ?o } }")
    row = distinct[0] if distinct else {}
    return DatasetCounts(sum(graphs.values()), graphs, classes, properties,
                         int(row.get("s", 0)), int(row.get("o", 0)))


def _described() -> "Graph":
    """An empty graph with our prefixes and sd, void and formats bound."""
    from rdflib import Graph

    from ..terms import PREFIXES

    data = Graph()
    for prefix, namespace in {**PREFIXES, "sd": SD, "void": VOID,
                              "formats": FORMATS_NS}.items():
        data.bind(prefix, namespace)
    return data


def service_description(endpoint: str, void: str, limits: "Limits",
                        counts: DatasetCounts) -> "Graph":
    """SPARQL 1.1 Service Description of the endpoint at `endpoint`:
    languages, result formats, the union default graph, the named graphs
    with their sizes, and the limits in words.

    Args:
        endpoint: the endpoint's absolute URL (the service's IRI).
        void: the absolute URL of the VoID description (`rdfs:seeAlso`).
        limits: the public limits the description states.
        counts: the dataset's counts (`dataset_counts`).
    """
    from rdflib import BNode, Literal, Namespace, URIRef

    from ..terms import DCTERMS, RDF, RDFS, XSD

    sd, void_ns, formats = Namespace(SD), Namespace(VOID), Namespace(FORMATS_NS)
    service = URIRef(endpoint)
    data = _described()
    data.add((service, RDF.type, sd.Service))
    data.add((service, sd.endpoint, service))
    data.add((service, sd.supportedLanguage, sd.SPARQL11Query))
    data.add((service, sd.feature, sd.UnionDefaultGraph))
    data.add((service, sd.defaultEntailmentRegime,
              URIRef("http://www.w3.org/ns/entailment/Simple")))
    for fmt in (*of_kind("table"), *of_kind("graph")):
        if fmt.w3c:
            data.add((service, sd.resultFormat, formats[fmt.w3c]))
    data.add((service, DCTERMS.description, Literal(
        "Read-only SPARQL 1.1 Query endpoint over health-article claims. No SERVICE, no LOAD, "
        "FROM only for this service's graphs; queries stop after "
        f"{limits.timeout:g} s and answers are cut at {limits.max_rows} rows "
        "(X-Result-Truncated header).")))
    dataset = BNode()
    data.add((service, sd.defaultDataset, dataset))
    data.add((dataset, RDF.type, sd.Dataset))
    data.add((dataset, DCTERMS.title, Literal("Health article claims")))
    data.add((dataset, void_ns.sparqlEndpoint, service))
    data.add((dataset, RDFS.seeAlso, URIRef(void)))
    default = BNode()
    data.add((dataset, sd.defaultGraph, default))
    data.add((default, RDF.type, sd.Graph))
    data.add((default, void_ns.triples, Literal(counts.triples, datatype=XSD.integer)))
    for name, triples in sorted(counts.graphs.items()):
        named, described = BNode(), BNode()
        data.add((dataset, sd.namedGraph, named))
        data.add((named, sd.name, URIRef(name)))
        data.add((named, sd.graph, described))
        data.add((described, RDF.type, sd.Graph))
        data.add((described, void_ns.triples, Literal(triples, datatype=XSD.integer)))
    return data


def void_description(void: str, endpoint: str, base_iri: str,
                     counts: DatasetCounts) -> "Graph":
    """VoID: the dataset `<void>#dataset` with its endpoint, vocabularies,
    URI space, triples, and partitions by class and by predicate.

    Args:
        void: the absolute URL of this description.
        endpoint: the SPARQL endpoint's absolute URL.
        base_iri: the deployment's base IRI (the URI space).
        counts: the dataset's counts (`dataset_counts`).
    """
    from rdflib import BNode, Literal, Namespace, URIRef

    from ..terms import DCTERMS, HKG, PREFIXES, RDF, RDFS, XSD

    void_ns = Namespace(VOID)
    dataset = URIRef(void + "#dataset")
    data = _described()
    data.add((dataset, RDF.type, void_ns.Dataset))
    data.add((dataset, DCTERMS.title, Literal("Health article claims")))
    data.add((dataset, DCTERMS.description, Literal(
        "Claims that health articles make about drugs, receptors, mechanisms, conditions and "
        "adverse effects, each with its evidence sentence, article and modality. One named "
        "graph per article plus the ontology graph; the default graph is their union.")))
    data.add((dataset, void_ns.sparqlEndpoint, URIRef(endpoint)))
    data.add((dataset, void_ns.uriSpace, Literal(base_iri)))
    data.add((dataset, void_ns.rootResource, URIRef(base_iri + "articles")))
    for namespace in (str(HKG), PREFIXES["biolink"], PREFIXES["skos"], PREFIXES["prov"],
                      PREFIXES["dcterms"], PREFIXES["rdfs"]):
        data.add((dataset, void_ns.vocabulary, URIRef(namespace)))
    data.add((dataset, RDFS.seeAlso, URIRef(str(HKG).rstrip("#"))))
    data.add((dataset, void_ns.triples, Literal(counts.triples, datatype=XSD.integer)))
    data.add((dataset, void_ns.distinctSubjects,
              Literal(counts.subjects, datatype=XSD.integer)))
    data.add((dataset, void_ns.distinctObjects, Literal(counts.objects, datatype=XSD.integer)))
    data.add((dataset, void_ns.classes, Literal(len(counts.classes), datatype=XSD.integer)))
    data.add((dataset, void_ns.properties,
              Literal(len(counts.properties), datatype=XSD.integer)))
    for cls, n in sorted(counts.classes.items()):
        part = BNode()
        data.add((dataset, void_ns.classPartition, part))
        data.add((part, void_ns["class"], URIRef(cls)))
        data.add((part, void_ns.entities, Literal(n, datatype=XSD.integer)))
    for prop, n in sorted(counts.properties.items()):
        part = BNode()
        data.add((dataset, void_ns.propertyPartition, part))
        data.add((part, void_ns.property, URIRef(prop)))
        data.add((part, void_ns.triples, Literal(n, datatype=XSD.integer)))
    return data
