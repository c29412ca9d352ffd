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
from .formats import lookup, of_kind
from .store.base import QueryResult
from .terms import PREFIXES

__all__ = ["serialize"]


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
        fmt: a name or alias (`kg.formats`) of a table format for SELECT/ASK,
            of an RDF format for graphs; None picks json or ttl.

    Raises:
        QueryError: a format that does not fit the kind of result.
    """
    kind = "graph" if result.kind == "graph" else "table"
    found = lookup(kind, fmt or ("ttl" if kind == "graph" else "json"))
    if found is None:
        what = "a graph" if kind == "graph" else f"a {result.kind.upper()}"
        raise QueryError(f"format {fmt!r} does not fit {what} result; "
                         f"use one of {', '.join(f.name for f in of_kind(kind))}")
    if kind == "graph":
        graph = result.graph
        assert graph is not None, "a graph result carries its graph"
        for prefix, iri in PREFIXES.items():
            graph.bind(prefix, iri)
        assert found.rdflib is not None, "every graph format names its rdflib serializer"
        return graph.serialize(format=found.rdflib), found.content_type
    return _table(result, found.name), found.content_type
