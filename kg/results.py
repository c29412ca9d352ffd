"""SPARQL results in the standard formats.

SELECT/ASK: SPARQL 1.1 Query Results JSON, XML, CSV and TSV.  CONSTRUCT and
DESCRIBE: Turtle, N-Triples, RDF/XML, JSON-LD (via rdflib's serialisers).
"""
from __future__ import annotations

import csv
import io
import json
from xml.sax.saxutils import escape, quoteattr

from rdflib import BNode, Literal, URIRef

from .errors import QueryError
from .store.base import QueryResult
from .terms import PREFIXES

__all__ = ["GRAPH_FORMATS", "TABLE_FORMATS", "serialize"]

#: name -> media type, for SELECT and ASK results.
TABLE_FORMATS = {"json": "application/sparql-results+json",
                 "xml": "application/sparql-results+xml",
                 "csv": "text/csv; charset=utf-8",
                 "tsv": "text/tab-separated-values; charset=utf-8"}
#: name -> (rdflib serializer, media type), for CONSTRUCT and DESCRIBE.
GRAPH_FORMATS = {"ttl": ("turtle", "text/turtle; charset=utf-8"),
                 "nt": ("nt", "application/n-triples"),
                 "rdfxml": ("xml", "application/rdf+xml"),
                 "jsonld": ("json-ld", "application/ld+json")}
_ALIASES = {"turtle": "ttl", "xml-rdf": "rdfxml", "json-ld": "jsonld", "ntriples": "nt"}


def _json_term(term) -> dict:
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    data = {"type": "literal", "value": str(term)}
    if term.language:
        data["xml:lang"] = term.language
    elif term.datatype is not None:
        data["datatype"] = str(term.datatype)
    return data


def _xml_term(term) -> str:
    if isinstance(term, URIRef):
        return f"<uri>{escape(str(term))}</uri>"
    if isinstance(term, BNode):
        return f"<bnode>{escape(str(term))}</bnode>"
    attrs = ""
    if term.language:
        attrs = f" xml:lang={quoteattr(term.language)}"
    elif term.datatype is not None:
        attrs = f" datatype={quoteattr(str(term.datatype))}"
    return f"<literal{attrs}>{escape(str(term))}</literal>"


def _csv_value(term) -> str:
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


def _tsv_value(term) -> str:
    if isinstance(term, Literal) and term.datatype is None and not term.language:
        return '"' + str(term).replace("\\", "\\\\").replace('"', '\\"') \
            .replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t") + '"'
    return term.n3()


def _table(result: QueryResult, fmt: str) -> str:
    variables = result.variables
    if fmt == "json":
        if result.kind == "ask":
            return json.dumps({"head": {}, "boolean": result.boolean})
        return json.dumps({"head": {"vars": variables}, "results": {"bindings": [
            {k: _json_term(v) for k, v in row.items()} for row in result.rows]}},
            ensure_ascii=False)
    if fmt == "xml":
        head = '<?xml version="1.0" encoding="UTF-8"?>\n' \
               '<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n'
        if result.kind == "ask":
            return head + f"<head/>\n<boolean>{str(result.boolean).lower()}</boolean>\n</sparql>\n"
        parts = [head, "<head>", *(f"<variable name={quoteattr(v)}/>" for v in variables),
                 "</head>\n<results>\n"]
        for row in result.rows:
            parts.append("<result>" + "".join(
                f"<binding name={quoteattr(k)}>{_xml_term(v)}</binding>"
                for k, v in row.items()) + "</result>\n")
        parts.append("</results>\n</sparql>\n")
        return "".join(parts)
    if result.kind == "ask":
        return ("_askResult\n" if fmt == "csv" else "?_askResult\n") + \
            str(result.boolean).lower() + "\n"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(variables)
        for row in result.rows:
            writer.writerow([_csv_value(row[v]) if v in row else "" for v in variables])
        return buffer.getvalue()
    lines = ["\t".join("?" + v for v in variables)]
    lines += ["\t".join(_tsv_value(row[v]) if v in row else "" for v in variables)
              for row in result.rows]
    return "\n".join(lines) + "\n"


def serialize(result: QueryResult, fmt: str | None = None) -> tuple[str, str]:
    """A query result as text in the named format, and its media type.

    Args:
        result: from `Store.query`.
        fmt: a TABLE_FORMATS name for SELECT/ASK, a GRAPH_FORMATS name for
            graphs; None picks json or ttl.

    Raises:
        QueryError: a format that does not fit the kind of result.
    """
    if result.kind == "graph":
        fmt = _ALIASES.get(fmt or "ttl", fmt or "ttl")
        if fmt not in GRAPH_FORMATS:
            raise QueryError(f"format {fmt!r} does not fit a graph result; "
                             f"use one of {', '.join(GRAPH_FORMATS)}")
        name, media = GRAPH_FORMATS[fmt]
        graph = result.graph
        assert graph is not None, "a graph result carries its graph"
        for prefix, iri in PREFIXES.items():
            graph.bind(prefix, iri)
        return graph.serialize(format=name), media
    fmt = fmt or "json"
    if fmt not in TABLE_FORMATS:
        raise QueryError(f"format {fmt!r} does not fit a {result.kind.upper()} result; "
                         f"use one of {', '.join(TABLE_FORMATS)}")
    return _table(result, fmt), TABLE_FORMATS[fmt]
