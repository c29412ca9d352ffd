"""The export formats: name -> media type, file extension and writer.

A writer is named as ``"module:function"`` and imported only when that
format is used, so `kg export --format ttl` never imports the SVG or zip
code (the same idea as rdflib's plugin registry).  Every writer takes the
selected subgraph (see `kg.export.request`) and returns the file's bytes.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from ..errors import QueryError, quoted
from ..formats import FORMATS as DATA_FORMATS

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["FORMATS", "Format", "get_format"]


@dataclass(frozen=True)
class Format:
    """One export format.

    Attributes:
        name: what `--format` and `format=` take (``ttl``, ``svg``...).
        media_type: the Content-Type of a download.
        extension: the file name's suffix, without the dot.
        writer: ``"module:function"`` relative to `kg.export`.
        label: a short human name for the form page and help text.
        kind: ``rdf``, ``network``, ``table``, ``picture`` or ``pack``.
    """

    name: str
    media_type: str
    extension: str
    writer: str
    label: str
    kind: str

    def load(self) -> Callable[["nx.MultiDiGraph"], bytes]:
        """The writer function, imported now.

        Raises:
            QueryError: the writer's module or function is missing (names it).
        """
        module_name, _, function = self.writer.partition(":")
        try:
            module = importlib.import_module(f"kg.export.{module_name}")
        except ImportError as err:
            raise QueryError(f"export format {self.name!r} is unavailable: cannot import "
                             f"kg.export.{module_name} ({err})") from err
        try:
            return getattr(module, function)
        except AttributeError:
            raise QueryError(f"export format {self.name!r} is unavailable: "
                             f"kg.export.{module_name} has no {function}()") from None

    def write(self, subgraph: "nx.MultiDiGraph") -> bytes:
        """The file's bytes for `subgraph`."""
        return self.load()(subgraph)


def _rdf(name: str, writer: str, label: str) -> Format:
    """An RDF export, its media type and extension from `kg.formats`."""
    data = DATA_FORMATS[name]
    return Format(name, data.content_type, data.extension, writer, label, "rdf")


FORMATS: dict[str, Format] = {f.name: f for f in (
    _rdf("ttl", "rdf:write_turtle", "RDF Turtle"),
    _rdf("jsonld", "rdf:write_jsonld", "RDF JSON-LD"),
    _rdf("nt", "rdf:write_ntriples", "RDF N-Triples"),
    _rdf("rdfxml", "rdf:write_rdfxml", "RDF/XML"),
    Format("graphml", "application/graphml+xml", "graphml", "networks:write_graphml",
           "GraphML (yEd, Cytoscape, Gephi)", "network"),
    Format("gexf", "application/gexf+xml", "gexf", "networks:write_gexf", "GEXF (Gephi)",
           "network"),
    Format("cytoscape", "application/json", "cyjs", "networks:write_cytoscape",
           "Cytoscape.js JSON", "network"),
    Format("csv", "text/csv; charset=utf-8", "csv", "tables:write_edges_csv",
           "CSV table of relations", "table"),
    Format("svg", "image/svg+xml", "svg", "picture:write_svg", "SVG diagram", "picture"),
    Format("pack", "application/zip", "zip", "pack:write_pack",
           "Teaching pack (zip: diagram, handout, GraphML, Turtle, CSV)", "pack"),
)}


def get_format(name: str) -> Format:
    """The format called `name`.

    >>> get_format("ttl").media_type
    'text/turtle; charset=utf-8'

    Raises:
        QueryError: no such format (the message lists the known ones).
    """
    try:
        return FORMATS[name]
    except KeyError:
        raise QueryError(f"unknown export format {quoted(name)}; use one of "
                         f"{', '.join(FORMATS)}") from None
