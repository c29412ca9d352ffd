"""Query results written in the asked format within the row and size caps."""
from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import IO, cast

from ..errors import StoreUnavailable
from ..formats import FORMATS
from .policy import CheckedQuery, Limits
from .syntax import explain


@dataclass
class Answer:
    """A query's answer, serialised.

    `rows` counts solutions or triples written; `truncated` says the row
    cap or the size cap cut the answer short.
    """

    body: bytes
    format: str
    form: str
    rows: int = 0
    truncated: bool = False
    elapsed: float = 0.0

    @property
    def media_type(self) -> str:
        return FORMATS[self.format].content_type


class _Full(Exception):
    """Raised by `_Sink` to stop pyoxigraph writing."""


class _Sink(io.RawIOBase):
    """Collects serialised lines until a line or byte budget is exceeded."""

    def __init__(self, max_lines: int | None, max_bytes: int | None):
        super().__init__()
        self.parts: list[bytes] = []
        self.lines = self.size = 0
        self.max_lines, self.max_bytes = max_lines, max_bytes
        self.full = False

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        chunk = bytes(data)
        self.parts.append(chunk)
        self.size += len(chunk)
        self.lines += chunk.count(b"\n")
        if (self.max_lines is not None and self.lines > self.max_lines) or \
                (self.max_bytes is not None and self.size > self.max_bytes):
            self.full = True
            raise _Full()
        return len(chunk)

    def text(self) -> bytes:
        """Whole lines within both budgets."""
        data = b"".join(self.parts)
        if not self.full:
            return data
        end = len(data) if self.max_bytes is None else min(len(data), self.max_bytes)
        end = data.rfind(b"\n", 0, end) + 1
        if self.max_lines is not None:
            cut, count = 0, 0
            while count < self.max_lines:
                nxt = data.find(b"\n", cut, end)
                if nxt < 0:
                    break
                cut, count = nxt + 1, count + 1
            end = cut
        return data[:end]


def ask_body(value: bool, fmt: str) -> bytes:
    if fmt == "json":
        return json.dumps({"head": {}, "boolean": value}).encode()
    if fmt == "xml":
        return ('<?xml version="1.0" encoding="UTF-8"?>\n<sparql xmlns="http://www.w3.org/'
                f'2005/sparql-results#">\n<head/>\n<boolean>{str(value).lower()}</boolean>\n'
                "</sparql>\n").encode()
    return (("_askResult" if fmt == "csv" else "?_askResult") + f"\n{str(value).lower()}\n") \
        .encode()


def write_ox(result, form: str, fmt: str, limits: Limits,
             prefixes: dict[str, str] | None = None) -> Answer:
    """Serialise a pyoxigraph result (solutions, boolean or triples) within
    the row and size caps, in the named format.

    Rows are first written as TSV (or triples as N-Triples), one per line,
    into a sink that stops pyoxigraph once past the cap; the kept lines are
    then parsed back and written in the wanted format.  Both steps are
    native code, so a capped answer costs about one extra serialisation.
    """
    import pyoxigraph as ox

    if isinstance(result, ox.QueryBoolean):
        return Answer(ask_body(bool(result), fmt), fmt, form, rows=1)
    graph = not isinstance(result, ox.QuerySolutions)
    header = 0 if graph else 1
    sink = _Sink(None if limits.max_rows is None else limits.max_rows + header,
                 limits.max_result_bytes)
    try:
        if graph:
            ox.serialize(result, cast(IO[bytes], sink), ox.RdfFormat.N_TRIPLES)
        else:
            result.serialize(sink, ox.QueryResultsFormat.TSV)
    except _Full:
        pass
    except OSError as err:  # pyoxigraph wraps errors raised by the sink
        if not sink.full:
            raise StoreUnavailable(f"cannot read the store: {err}") from None
    data = sink.text()
    rows = data.count(b"\n") - header
    if graph:
        if fmt == "nt":
            body = data
        else:
            triples = ox.parse(data, ox.RdfFormat.N_TRIPLES)
            body = ox.serialize(triples, format=_ox_format(fmt),
                                prefixes=prefixes or {}) or b""  # bytes without an output
    elif fmt == "tsv":
        body = data
    else:
        solutions = ox.parse_query_results(data, ox.QueryResultsFormat.TSV)
        body = solutions.serialize(format=_ox_format(fmt)) or b""  # bytes without an output
    return Answer(body, fmt, form, rows=max(rows, 0), truncated=sink.full)


def _ox_format(fmt: str):
    """pyoxigraph's format object for one of ours (`kg.formats`)."""
    import pyoxigraph as ox

    group, name = str(FORMATS[fmt].oxigraph).split(".")
    return getattr(getattr(ox, group), name)


def _ox_dataset(default: tuple[str, ...] | None, named: tuple[str, ...] | None) -> dict:
    """pyoxigraph query options for a dataset; None, None is the union."""
    import pyoxigraph as ox

    if default is None and named is None:
        return {"use_default_graph_as_union": True}
    return {"default_graph": [ox.NamedNode(g) for g in default or ()],
            "named_graphs": [ox.NamedNode(g) for g in named or ()]}


def run_ox(execute, query: CheckedQuery, fmt: str, limits: Limits,
           dataset: tuple | None = None, prefixes: dict[str, str] | None = None) -> Answer:
    """Evaluate in this process with `execute` (a pyoxigraph `Store.query`
    or `EmbeddedStore.native_query`); no time limit here."""
    default, named = dataset if dataset is not None else (None, None)
    try:
        result = execute(query.text, **_ox_dataset(default, named))
        return write_ox(result, query.form, fmt, limits, prefixes)
    except SyntaxError as err:
        raise explain(query.text, str(err), prefixes) from None
