"""A SPARQL 1.1 Protocol client backend: any Query/Update server.

The server must expose the union of its named graphs as the default graph
(Oxigraph: `oxigraph serve --union-default-graph`; Fuseki:
`tdb2:unionDefaultGraph true`).  Replacing an article is one Update request,
so it is atomic on the server, and so is adding a batch of articles.
"""
from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from typing import TYPE_CHECKING, Iterable, Iterator, Sequence, cast

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef

from ..errors import QueryError, StoreUnavailable
from ..lexer import refuse_outbound
from ..sparql.answers import Answer, ask_body, write_ox
from ..sparql.deadline import in_thread
from ..sparql.policy import QueryTimeout
from ..sparql.syntax import explain
from ..terms import PREFIXES, BadTerm, Sparql, iri, iris, literal
from .base import (Capabilities, Patch, Patches, PublicQueries, Quad, QueryPool, QueryResult,
                   Store, Triple, ValueRow, add_update, drop_update, nquads_graphs,
                   patches_update, replace_update)

if TYPE_CHECKING:
    from ..config import Settings
    from ..sparql.cancel import Cancel
    from ..sparql.policy import CheckedQuery, Limits

__all__ = ["RemoteStore"]

_TIMEOUT = 60.0


_PROLOGUE = re.compile(r"""\s+|\#[^\n]*|(?i:PREFIX)\s+[\w.-]*:\s*<[^>]*>|(?i:BASE)\s*<[^>]*>""")


def query_form(query: str) -> str:
    r""""select", "ask" or "graph" (CONSTRUCT/DESCRIBE), read after the
    prologue, so the right result format can be asked for.

    >>> query_form("PREFIX a: <http://x#> # note\nconstruct { ?s ?p ?o } WHERE {}")
    'graph'
    """
    pos = 0
    while True:
        match = _PROLOGUE.match(query, pos)
        if not match or match.end() == pos:
            break
        pos = match.end()
    word = query[pos:pos + 9].upper()
    if word.startswith(("CONSTRUCT", "DESCRIBE")):
        return "graph"
    return "ask" if word.startswith("ASK") else "select"


def _term(binding: dict):
    kind, value = binding["type"], str(binding["value"])
    if kind == "uri":
        return URIRef(value)
    if kind == "bnode":
        return BNode(value)
    language = binding.get("xml:lang") or binding.get("lang")  # Virtuoso says "lang"
    if language:
        return Literal(value, lang=language)
    datatype = binding.get("datatype")
    if datatype and datatype != "http://www.w3.org/2001/XMLSchema#string":
        return Literal(value, datatype=URIRef(datatype))
    return Literal(value)


class RemoteStore(Store):
    """Named graphs on a remote SPARQL server.

    Args:
        query_url: the SPARQL Query endpoint.
        update_url: the SPARQL Update endpoint.
        scope: only named graphs whose IRI starts with this are ours (the
            deployment's base IRI): a shared server may hold other datasets,
            and Virtuoso keeps system graphs, none of which we list or dump.
    """

    name = "sparql"
    capabilities = Capabilities(persistent=True)

    @classmethod
    def from_settings(cls, settings: "Settings", write: bool = True) -> "RemoteStore":
        return cls(settings.sparql_query, settings.sparql_update or settings.sparql_query,
                   scope=settings.base_iri)

    def public_queries(self, pool: QueryPool) -> PublicQueries:
        return _ServerQueries(self)

    def __init__(self, query_url: str, update_url: str, scope: str = "",
                 timeout: float = _TIMEOUT):
        self.query_url, self.update_url, self.timeout = query_url, update_url, timeout
        self.scope = scope

    def _in_scope(self) -> Sparql:
        """A filter keeping ?g to this deployment's graphs (a shared server
        may hold others)."""
        return Sparql(f"FILTER(STRSTARTS(STR(?g), {literal(self.scope)}))" if self.scope else "")

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

    # Both operations POST a form (`query=` / `update=`): the one way of the
    # SPARQL 1.1 Protocol that every server we tried accepts (Virtuoso 7.2
    # does not answer a POST with an application/sparql-query body).
    def update(self, update: str) -> None:
        self._post(self.update_url, urllib.parse.urlencode({"update": update}).encode(),
                   "application/x-www-form-urlencoded", "*/*")

    def replace_graph(self, graph: URIRef, triples: Iterable[Triple],
                      patch: Patches = None) -> None:
        self.update(replace_update(graph, triples, patch))

    def apply(self, patch: Patches) -> None:
        update = patches_update(patch)
        if update:
            self.update(update)

    def add_graphs(self, graphs: Sequence[URIRef], nquads: str,
                   patch: Patch | None = None, readers: bool = True) -> None:
        """One Update request for the whole batch: atomic on the server."""
        found = nquads_graphs(nquads, graphs)
        if found:
            rows = self.select(f"SELECT DISTINCT ?g WHERE {{ VALUES ?g {{ {iris(found)} }} "
                               "GRAPH ?g { ?s ?p ?o } }")
            if rows:
                raise ValueError(f"graph {rows[0]['g']} exists; replace it with replace_graph")
        self.update(add_update(found, patch))

    def drop_graph(self, graph: URIRef, patch: Patches = None) -> bool:
        existed = self.has_graph(graph)
        if existed:
            self.update(drop_update(graph, patch))
        return existed

    def _ask(self, query: str, accept: str) -> str:
        refuse_outbound(query)
        body = self._post(self.query_url, urllib.parse.urlencode({"query": query}).encode(),
                          "application/x-www-form-urlencoded", accept)
        return body.decode("utf-8")

    def _results(self, query: str) -> tuple[list[str], list[dict]] | bool:
        """A SELECT's (variables, JSON bindings), or an ASK's answer."""
        data = json.loads(self._ask(query, "application/sparql-results+json"))
        if "boolean" in data:
            return bool(data["boolean"])
        names = data["head"].get("vars", [])
        if names == ["__ASK_RETVAL"]:  # Virtuoso answers ASK as a one-cell SELECT
            bindings = data["results"]["bindings"]
            value = bindings[0]["__ASK_RETVAL"]["value"] if bindings else "0"
            return value not in ("0", "false")
        return names, data["results"]["bindings"]

    def query(self, query: str) -> QueryResult:
        if query_form(query) == "graph":
            text = self._ask(query, "application/n-triples")
            return QueryResult("graph", graph=Graph().parse(data=text, format="nt"))
        answer = self._results(query)
        if isinstance(answer, bool):
            return QueryResult("ask", boolean=answer)
        names, bindings = answer
        rows = [{k: _term(v) for k, v in b.items()} for b in bindings]
        return QueryResult("select", variables=names, rows=rows)

    def select_values(self, query: str) -> list[ValueRow]:
        form = query_form(query)
        if form != "select":
            kind = "an ask" if form == "ask" else "a graph"
            raise QueryError(f"expected a select query, got {kind} query")
        answer = self._results(query)
        if isinstance(answer, bool):
            raise QueryError("expected a select query, got an ask query")
        return [{k: str(v["value"]) for k, v in b.items()} for b in answer[1]]

    def graphs(self) -> list[URIRef]:
        rows = self.select(
            f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {self._in_scope()} }}")
        return sorted(g for g in (r.get("g") for r in rows) if isinstance(g, URIRef))

    def has_graph(self, graph: URIRef) -> bool:
        try:
            name = iri(graph)
        except BadTerm:  # not an IRI at all, so no graph of ours
            return False
        return self.ask(f"ASK {{ GRAPH {name} {{ ?s ?p ?o }} }}")

    def quads(self, graph: URIRef | None = None) -> Iterator[Quad]:
        scope = f"VALUES ?g {{ {iri(graph)} }}" if graph is not None else ""
        query = (f"SELECT ?s ?p ?o ?g WHERE {{ {scope} GRAPH ?g {{ ?s ?p ?o }} "
                 f"{self._in_scope()} }}")
        for row in self.select(query):
            yield row["s"], row["p"], row["o"], cast(URIRef, row["g"])  # GRAPH ?g: an IRI

    def __len__(self) -> int:
        rows = self.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
                           f"{self._in_scope()} }}")
        return int(rows[0]["n"]) if rows else 0


# ------------------------------------------------------- public queries

class _ServerQueries(PublicQueries):
    """Public queries sent to the server: the time limit is the deadline of
    the HTTP exchange (the server may keep working; configure its own
    timeout too), and the answer is capped like a local one."""

    def __init__(self, store: "RemoteStore"):
        self.store = store

    def run(self, query: "CheckedQuery", fmt: str, limits: "Limits",
            dataset: tuple | None, cancel: "Cancel | None" = None) -> Answer:
        return _ask_server(self.store, query, fmt, limits, dataset, cancel)


def _ask_server(store: "RemoteStore", query: "CheckedQuery", fmt: str, limits: "Limits",
                dataset: tuple | None, cancel: "Cancel | None" = None) -> Answer:
    """Ask the SPARQL server (the dataset as protocol parameters), read its
    answer before the deadline, and cap it like a local one."""
    params = [("query", query.text)]
    if dataset is not None:
        params += [("default-graph-uri", g) for g in dataset[0] or ()]
        params += [("named-graph-uri", g) for g in dataset[1] or ()]
    accept = "application/n-triples" if query.kind == "graph" else \
        "application/sparql-results+json"
    request = urllib.request.Request(
        store.query_url, data=urllib.parse.urlencode(params).encode(), method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": accept})
    opened: list = []

    def fetch() -> bytes:
        # The whole exchange runs in a thread so that the deadline covers it
        # all; at the deadline the connection is closed under it.
        with urllib.request.urlopen(request, timeout=limits.timeout or 60.0) as response:
            opened.append(response)
            return response.read()

    try:
        # A cancel closes the connection, as the deadline does; the server
        # may finish the query (configure its own timeout).
        body = in_thread(fetch, limits.timeout, on_timeout=lambda: [r.close() for r in opened],
                         cancel=cancel)
    except urllib.error.HTTPError as err:
        detail = err.read(500).decode("utf-8", "replace").strip().splitlines()
        message = detail[0] if detail else err.reason
        if 400 <= err.code < 500:  # Oxigraph server says "error at 1:27: expected ..."
            raise explain(query.text, message, PREFIXES) from None
        raise StoreUnavailable(f"SPARQL server answered {err.code}: {message}") from None
    except TimeoutError:
        raise QueryTimeout("") from None
    except (urllib.error.URLError, ConnectionError) as err:
        raise StoreUnavailable(f"cannot reach the SPARQL server: {getattr(err, 'reason', err)}") \
            from None
    if query.kind == "graph":
        return write_ox(ox.parse(body, ox.RdfFormat.N_TRIPLES), query.form, fmt, limits,
                        PREFIXES)
    result = ox.parse_query_results(body, ox.QueryResultsFormat.JSON)
    if query.form.upper() == "ASK" and isinstance(result, ox.QuerySolutions):
        # Virtuoso answers ASK as a one-cell SELECT.
        values = [solution[0] for solution in result]
        value = bool(values) and values[0] is not None and values[0].value not in ("0", "false")
        return Answer(ask_body(value, fmt), fmt, query.form, rows=1)
    return write_ox(result, query.form, fmt, limits)
