"""The query parameters of every GET route that the OpenAPI document does
not describe: the HTML pages, the export form, the SPARQL endpoint, VoID
and the static files.

The JSON API's parameters are in `webapp.openapi`; between the two, every
GET route of the app is declared, and tests/reliability/test_injection.py
fails when one is not (a new route, or a view reading a parameter missing
here), so the injection test drives every route and parameter without
being edited.  Path variables (`<key>`) are read from the URL map, not
listed here.
"""
from __future__ import annotations

from kg.export.request import PARAMETERS as EXPORT_PARAMETERS
from kg.claimlist import FILTERS as CLAIM_FILTERS
from kg.search import FACETS

from .claimstate import REJECTED_PARAMETER as REJECTED

__all__ = ["PAGE_PARAMETERS"]

#: Endpoint -> the query-string parameters its view reads.
PAGE_PARAMETERS: dict[str, tuple[str, ...]] = {
    "pages.home": (),
    "pages.search": ("q", *FACETS, "page"),
    # `rejected=show`: claims a curator rejected are shown too (issue 19).
    "pages.entity": ("format", "predicate", "page", REJECTED),
    "pages.relation": ("page", REJECTED),
    "pages.claim": ("format", REJECTED),
    "pages.article": ("format", REJECTED),
    "pages.articles": ("q", "sort", "page"),
    "pages.types": ("sort",),
    "pages.type_index": ("unmapped", "q", "sort"),
    "pages.graph_view": ("entity", "depth", "predicate", "modality"),
    "pages.path": ("from", "to"),
    "claims.page": (*CLAIM_FILTERS, "sort", "page", REJECTED),
    "curate.sign_in_form": (),
    "curate.queue": ("page",),
    "belief.contested": ("page",),
    "export.page": EXPORT_PARAMETERS,
    "export.preview": EXPORT_PARAMETERS,
    # The SPARQL 1.1 Protocol's parameters (`update` is refused by name).
    "sparql.endpoint": ("query", "default-graph-uri", "named-graph-uri", "format", "update"),
    "sparql.void": ("format",),
    "static": (),
}
