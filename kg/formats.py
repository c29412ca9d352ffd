"""Every data format the service reads or writes, in one table: SPARQL
result formats, RDF syntaxes and the HTML page, with their media types,
the names and aliases `?format=` and Accept take, file extensions and the
engines' own names for them.

The SPARQL endpoint and `kg query` (`kg.sparql`), query results written by
rdflib (`kg.results`), content negotiation of linked-data pages
(`webapp.negotiation`, `webapp.sparql`) and the RDF exports
(`kg.export.registry`) all read it, so a media type or an alias is written
once.

>>> FORMATS["ttl"].content_type
'text/turtle; charset=utf-8'
>>> [f.name for f in of_kind("table")]
['json', 'xml', 'csv', 'tsv']
>>> lookup("table", "text/csv").name
'csv'
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FORMATS", "DataFormat", "lookup", "of_kind"]


@dataclass(frozen=True)
class DataFormat:
    """One format.

    Attributes:
        name: the canonical name (`?format=`, `--format`).
        kind: "table" (SELECT and ASK results), "graph" (RDF: CONSTRUCT,
            DESCRIBE, linked-data descriptions, exports) or "page" (HTML).
        media_type: the media type, without parameters.
        text: whether the body is text (Content-Type then says UTF-8).
        extension: a file name's suffix, without the dot.
        aliases: other names and media types that mean this format, in its
            kind (``json`` means JSON results for a table, JSON-LD for RDF).
        rdflib: rdflib's serializer name, for RDF.
        w3c: the W3C formats registry name (``http://www.w3.org/ns/formats/``),
            for the SPARQL Service Description.
        oxigraph: pyoxigraph's name for it (``RdfFormat.TURTLE``), where
            the endpoint writes it with pyoxigraph.
    """

    name: str
    kind: str
    media_type: str
    text: bool
    extension: str
    aliases: tuple[str, ...] = ()
    rdflib: str | None = None
    w3c: str | None = None
    oxigraph: str | None = None

    @property
    def content_type(self) -> str:
        """The Content-Type header of a response in this format."""
        return f"{self.media_type}; charset=utf-8" if self.text else self.media_type

    def names(self) -> tuple[str, ...]:
        """Every name that selects this format: name, media type, aliases."""
        return (self.name, self.media_type, *self.aliases)


#: Canonical name -> format; within a kind, in the server's order of
#: preference (the first wins ties in content negotiation).
FORMATS: dict[str, DataFormat] = {f.name: f for f in (
    DataFormat("json", "table", "application/sparql-results+json", False, "srj",
               ("srj", "application/json"), w3c="SPARQL_Results_JSON",
               oxigraph="QueryResultsFormat.JSON"),
    DataFormat("xml", "table", "application/sparql-results+xml", False, "srx",
               ("srx", "application/xml", "text/xml"), w3c="SPARQL_Results_XML",
               oxigraph="QueryResultsFormat.XML"),
    DataFormat("csv", "table", "text/csv", True, "csv", (), w3c="SPARQL_Results_CSV",
               oxigraph="QueryResultsFormat.CSV"),
    DataFormat("tsv", "table", "text/tab-separated-values", True, "tsv", ("tab",),
               w3c="SPARQL_Results_TSV"),
    DataFormat("ttl", "graph", "text/turtle", True, "ttl",
               ("turtle", "application/x-turtle"), "turtle", "Turtle", "RdfFormat.TURTLE"),
    DataFormat("nt", "graph", "application/n-triples", False, "nt",
               ("ntriples", "n-triples", "text/plain"), "nt", "N-Triples"),
    DataFormat("rdfxml", "graph", "application/rdf+xml", False, "rdf",
               ("rdf", "xml", "rdf+xml", "xml-rdf", "application/xml"), "xml", "RDF_XML",
               "RdfFormat.RDF_XML"),
    DataFormat("jsonld", "graph", "application/ld+json", False, "jsonld",
               ("json-ld", "json", "application/json", "application/x-json+ld"), "json-ld",
               "JSON-LD", "RdfFormat.JSON_LD"),
    DataFormat("html", "page", "text/html", True, "html", ("htm", "application/xhtml+xml")),
)}


def of_kind(kind: str) -> tuple[DataFormat, ...]:
    """The formats of one kind, in preference order."""
    return tuple(f for f in FORMATS.values() if f.kind == kind)


def lookup(kind: str, name: str) -> DataFormat | None:
    """The format of `kind` that `name` (a name, alias or media type, any
    case) selects, or None."""
    wanted = name.strip().lower()
    return next((f for f in of_kind(kind) if wanted in f.names()), None)
