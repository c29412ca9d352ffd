"""What the writers say about the articles behind an export: id, IRI,
title, source and date of each, read from the store in VALUES chunks."""
from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

from ..terms import Sparql, select_chunked, sparql_prefixes

if TYPE_CHECKING:
    from ..context import Context

__all__ = ["article_metadata"]


def _query(values: Sparql) -> str:
    # Plain strings, and the union graph rather than VALUES ?a + GRAPH ?a,
    # which Oxigraph answers by scanning every graph.
    return sparql_prefixes() + f"""
        SELECT ?a ?id ?title ?source ?date WHERE {{ VALUES ?a {{ {values} }}
          ?a dcterms:identifier ?id ; dcterms:title ?title .
          OPTIONAL {{ ?a dcterms:source ?source }}
          OPTIONAL {{ ?a dcterms:date ?date }} }}"""


def article_metadata(graph: "Context", ids: Sequence[str]) -> dict[str, dict]:
    """id -> {id, iri, title, source, date} for the given articles, sorted
    by id; an article not in the store is left out ('' for a missing
    source or date)."""
    rows = select_chunked(graph.store, (graph.minter.article(i) for i in sorted(set(ids))),
                          _query)
    result = {row["id"]: {"id": row["id"], "iri": row["a"], "title": row["title"],
                          "source": row.get("source", ""), "date": row.get("date", "")}
              for row in rows}
    return dict(sorted(result.items()))
