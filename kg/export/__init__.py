"""Exports of a selected subgraph for educators: RDF, networks, tables, a
picture and a teaching pack.

    from kg.export import ExportRequest, export
    request = ExportRequest(entity="ketamine", depth=2, modalities=("asserted",))
    subgraph, data = export(graph, request, "svg")
    filename = request.filename(subgraph, "svg")      # ketamine-depth-2.svg

`FORMATS` maps each format name to its media type, file extension and
writer; writers are imported only when used.  Modules: `registry`
(formats), `request` (parameters and selection), `construct` (a CONSTRUCT
scope under the public query policy), `metadata` (the articles' metadata),
`files` (`kg export`'s file writing), `rdf`, `networks`, `tables`,
`picture` (+ `layout`), `pack`.  Writers are pure: a subgraph in,
bytes out.
"""
from .registry import FORMATS, Format, get_format
from .request import ExportRequest, export

__all__ = ["FORMATS", "ExportRequest", "Format", "export", "get_format"]
