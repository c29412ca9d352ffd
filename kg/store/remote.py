"""A SPARQL 1.1 Protocol client backend: any Query/Update server.

The server must expose the union of its named graphs as the default graph
(Oxigraph: `oxigraph serve --union-default-graph`; Fuseki:
`tdb2:unionDefaultGraph true`).  Replacing an article is one Update request,
so it is atomic on the server.
"""
from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Iterable, Iterator

from rdflib import BNode, Graph, Literal, URIRef

from ..errors import QueryError, StoreUnavailable
from .base import Capabilities, Quad, QueryResult, Store, Triple, replace_update

__all__ = ["RemoteStore"]

_TIMEOUT = 60.0


def _term(binding: dict):
    kind, value = binding["type"], binding["value"]
    if kind == "uri":
        return URIRef(value)
    if kind == "bnode":
        return BNode(value)
    if "xml:lang" in binding:
        return Literal(value, lang=binding["xml:lang"])
    datatype = binding.get("datatype")
    if datatype and datatype != "http://www.w3.org/2001/XMLSchema#string":
        return Literal(value, datatype=URIRef(datatype))
    return Literal(value)


class RemoteStore(Store):
    """Named graphs on a remote SPARQL server.

    Args:
        query_url: the SPARQL Query endpoint.
        update_url: the SPARQL Update endpoint.
    """

    name = "sparql"
    capabilities = Capabilities(persistent=True)

    def __init__(self, query_url: str, update_url: str, timeout: float = _TIMEOUT):
        self.query_url, self.update_url, self.timeout = query_url, update_url, timeout

    def _post(self, url: str, data: bytes, content_type: str, accept: str) -> bytes:
        request = urllib.request.Request(url, data=data, method="POST", headers={
            "Content-Type": content_type, "Accept": accept})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.read()
        except urllib.error.HTTPError as err:
            detail = err.read(500).decode("utf-8", "replace").strip().splitlines()
            message = f"SPARQL server answered {err.code}: {detail[0] if detail else err.reason}"
            if 400 <= err.code < 500:
                raise QueryError(message) from None
            raise StoreUnavailable(message) from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as err:
            reason = getattr(err, "reason", err)
            raise StoreUnavailable(f"cannot reach the SPARQL server at {url}: {reason}") \
                from None

    def update(self, update: str) -> None:
        self._post(self.update_url, update.encode("utf-8"),
                   "application/sparql-update; charset=utf-8", "*/*")

    def replace_graph(self, graph: URIRef, triples: Iterable[Triple]) -> None:
        self.update(replace_update(graph, triples))

    def drop_graph(self, graph: URIRef) -> bool:
        existed = self.has_graph(graph)
        if existed:
            self.update(f"DROP SILENT GRAPH <{graph}>")
        return existed

    def query(self, query: str) -> QueryResult:
        body = self._post(self.query_url, query.encode("utf-8"),
                          "application/sparql-query; charset=utf-8",
                          "application/sparql-results+json, application/n-triples;q=0.9")
        text = body.decode("utf-8")
        if text.lstrip().startswith("{"):
            data = json.loads(text)
            if "boolean" in data:
                return QueryResult("ask", boolean=bool(data["boolean"]))
            names = data["head"].get("vars", [])
            rows = [{k: _term(v) for k, v in b.items()} for b in data["results"]["bindings"]]
            return QueryResult("select", variables=names, rows=rows)
        return QueryResult("graph", graph=Graph().parse(data=text, format="nt"))

    def graphs(self) -> list[URIRef]:
        rows = self.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        return sorted(r["g"] for r in rows if isinstance(r.get("g"), URIRef))

    def has_graph(self, graph: URIRef) -> bool:
        return self.ask(f"ASK {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")

    def quads(self, graph: URIRef | None = None) -> Iterator[Quad]:
        scope = f"VALUES ?g {{ <{graph}> }}" if graph is not None else ""
        for row in self.select(f"SELECT ?s ?p ?o ?g WHERE {{ {scope} GRAPH ?g {{ ?s ?p ?o }} }}"):
            yield row["s"], row["p"], row["o"], row["g"]
