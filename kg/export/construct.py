"""A SPARQL CONSTRUCT as an export's scope: checked by the public query
policy (`kg.sparql.policy`, the one the endpoint applies), then run under
the endpoint's limits to find the edges whose claims the export gathers.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..errors import QueryError
from ..sparql.policy import check_query
from ..terms import PREFIXES, iri, sparql_prefixes

if TYPE_CHECKING:
    from ..graph import KnowledgeGraph

__all__ = ["check_construct", "limited_construct"]


def check_construct(query: str, local: str) -> str:
    """The query with our prefixes added where it lacks them, after checking
    that it is one read-only CONSTRUCT that cannot reach other hosts.

    The public policy (`kg.sparql.check_query`) refuses updates, SERVICE,
    LOAD, FROM graphs outside `local`, oversize and over-nested text before
    any parser runs; an export also takes no FROM or FROM NAMED at all (its
    dataset is the whole graph) and must parse, so the form gets the syntax
    error with its line and column instead of a failed download.

    Args:
        query: the CONSTRUCT as the user wrote it.
        local: the deployment's base IRI.

    Raises:
        QueryError: refused, not a CONSTRUCT, or does not parse.

    >>> check_construct("SELECT * { ?s ?p ?o }", "http://x/")
    Traceback (most recent call last):
    kg.errors.QueryError: an export query must be a SPARQL CONSTRUCT
    """
    from pyparsing import ParseException
    from rdflib.plugins.sparql.parser import parseQuery

    declared = {m.lower() for m in re.findall(r"(?i)\bPREFIX\s+([A-Za-z][\w.-]*)?\s*:", query)}
    missing = sparql_prefixes(skip=declared)
    full = missing + query
    checked = check_query(full, local)
    if checked.form != "CONSTRUCT":
        raise QueryError("an export query must be a SPARQL CONSTRUCT")
    if checked.has_dataset:
        raise QueryError("FROM and FROM NAMED are not allowed in an export query")
    try:
        parseQuery(full)
    except ParseException as err:
        raise QueryError(f"the CONSTRUCT query does not parse: {err.msg} "
                         f"(line {err.lineno - missing.count(chr(10))}, "
                         f"column {err.col})") from None
    return full


def limited_construct(graph: "KnowledgeGraph", query: str) -> str:
    """Run a checked CONSTRUCT under the public SPARQL policy and limits
    (`kg.sparql`: refusals, a time limit that really stops the engine, a row
    cap) and return a cheap CONSTRUCT of the same edges, for
    `kg.subgraph.construct_subgraph` to gather their claims.

    Raises:
        QueryError: refused or malformed; QueryTimeout: over the time limit.
    """
    from rdflib import Graph, URIRef

    from ..sparql import QueryRunner

    # One worker: an export runs one query, and the pool would start the
    # endpoint's whole complement of processes for it.
    with QueryRunner(graph, workers=1) as runner:
        answer = runner.run(query, "nt")
    edges = Graph().parse(data=answer.body, format="nt")
    rows = " ".join(f"({iri(s)} {iri(p)} {iri(o)})" for s, p, o in sorted(edges)
                    if str(p).startswith(PREFIXES["hkg"])
                    and isinstance(s, URIRef) and isinstance(o, URIRef))
    return f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ VALUES (?s ?p ?o) {{ {rows} }} }}"
