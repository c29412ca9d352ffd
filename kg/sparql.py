"""The public SPARQL query policy, shared by the web endpoint and `kg query`.

Two halves (issue 6):

* `check_query` reads the query text with a small lexer *before* any SPARQL
  parser sees it: size, bracket nesting (pyoxigraph's parser overflows its
  stack and kills the process at ~3,000 nested brackets, measured), read-only
  (every update form is refused), and no outbound requests (SERVICE anywhere,
  LOAD, FROM / FROM NAMED outside this deployment's base IRI).  Neither
  pyoxigraph nor rdflib can switch SERVICE off, and rdflib fetches FROM
  graphs it does not hold, so the refusal has to come first.
* `QueryRunner` evaluates a checked query within `Limits`: a hard time limit,
  a row cap with truncation reported, a result size cap.  How the time limit
  is enforced depends on the backend:

  - embedded: in a pool of warm worker *processes* that each hold a
    read-only view of the store (`pyoxigraph.Store.read_only`, which works
    while this process holds the writer lock); a worker past its time is
    killed, so the work really stops.  A worker reopens its view when the
    store's files change, so it never serves stale data for long.
  - memory: in a thread of this process (a process cannot share an rdflib
    store); past its time the thread gets an asynchronous exception, which
    stops rdflib's pure-Python evaluator at its next bytecode.
  - sparql: the time limit is the HTTP deadline of the request to the
    server; the server may keep working (configure its own timeout too).
"""
from __future__ import annotations

import atexit
import ctypes
import io
import itertools
import json
import os
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from .errors import KGError, QueryError, StoreUnavailable

if TYPE_CHECKING:
    from .graph import KnowledgeGraph

__all__ = ["FORMATS", "Answer", "CheckedQuery", "DatasetCounts", "EngineBusy", "Example",
           "Limits", "QueryRunner",
           "QueryTimeout", "UpdateRefused", "check_graph_iri", "check_query", "dataset_counts",
           "examples", "format_for"]


class UpdateRefused(QueryError):
    """An update sent to the read-only endpoint."""

    status = 403


class QueryTooLarge(QueryError):
    status = 413


class QueryTimeout(KGError):
    """The query ran out of time and was stopped."""

    status = 503


class EngineBusy(KGError):
    """No query worker became free in time."""

    status = 503


@dataclass(frozen=True)
class Limits:
    """What a query may cost.  None means unlimited.

    `max_depth` is not a resource limit but a crash guard, so even
    `Limits.none()` keeps it.
    """

    timeout: float | None = 15.0
    max_rows: int | None = 10_000
    max_query_bytes: int | None = 64 * 1024
    max_result_bytes: int | None = 64 * 1024 * 1024
    max_depth: int = 128

    @classmethod
    def public(cls, settings) -> "Limits":
        """The limits of the public endpoint for these settings."""
        return cls(timeout=settings.query_timeout)

    @classmethod
    def none(cls) -> "Limits":
        """For a local user who opts out (`kg query --no-limits`)."""
        return cls(timeout=None, max_rows=None, max_query_bytes=None, max_result_bytes=None)


# ---------------------------------------------------------------- formats

#: name -> (kind, media type).  "table" answers SELECT and ASK, "graph"
#: answers CONSTRUCT and DESCRIBE.
FORMATS: dict[str, tuple[str, str]] = {
    "json": ("table", "application/sparql-results+json"),
    "xml": ("table", "application/sparql-results+xml"),
    "csv": ("table", "text/csv; charset=utf-8"),
    "tsv": ("table", "text/tab-separated-values; charset=utf-8"),
    "ttl": ("graph", "text/turtle; charset=utf-8"),
    "nt": ("graph", "application/n-triples"),
    "rdfxml": ("graph", "application/rdf+xml"),
    "jsonld": ("graph", "application/ld+json"),
}
_ALIASES = {"turtle": "ttl", "ntriples": "nt", "n-triples": "nt", "rdf": "rdfxml",
            "xml-rdf": "rdfxml", "json-ld": "jsonld", "srj": "json", "srx": "xml"}
_DEFAULT = {"table": "json", "graph": "ttl"}


def format_for(kind: str, name: str | None) -> str:
    """The canonical format name for a result kind, or QueryError.

    >>> format_for("graph", "turtle"), format_for("table", None)
    ('ttl', 'json')
    """
    if not name:
        return _DEFAULT[kind]
    canonical = _ALIASES.get(name.lower(), name.lower())
    if FORMATS.get(canonical, ("",))[0] != kind:
        choices = ", ".join(n for n, (k, _) in FORMATS.items() if k == kind)
        what = "SELECT or ASK" if kind == "table" else "CONSTRUCT or DESCRIBE"
        raise QueryError(f"format {name!r} does not fit a {what} result; use one of {choices}")
    return canonical


# ---------------------------------------------------------------- the lexer

_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\r\n]*)
  | (?P<quote>'''|\"\"\"|'|")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<open>[({\[]|<<)
  | (?P<close>[)}\]]|>>)
  | (?P<var>[?$]\w+)
  | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<bnode>_:[\w.\-]*)
  | (?P<pname>(?:[^\W\d_][\w.\-]*)?:(?:[\w\-.:%]|\\[^\s])*)
  | (?P<word>[^\W\d]\w*)
  | (?P<other>.)
""", re.X | re.S)
_STRING_END = {"'''": re.compile(r"(?:[^'\\]|\\.|'(?!''))*'''", re.S),
               '"""': re.compile(r'(?:[^"\\]|\\.|"(?!""))*"""', re.S),
               "'": re.compile(r"(?:[^'\\\r\n]|\\.)*'"),
               '"': re.compile(r'(?:[^"\\\r\n]|\\.)*"')}
_FORMS = {"SELECT": "table", "ASK": "table", "CONSTRUCT": "graph", "DESCRIBE": "graph"}
_UPDATES = {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY",
            "WITH", "USING"}


@dataclass(frozen=True)
class CheckedQuery:
    """A query that passed the policy, with what the lexer learnt.

    `text` is the text as sent (the engine applies the codepoint escapes
    itself); `default_graphs` / `named_graphs` come from FROM / FROM NAMED.
    """

    text: str
    form: str
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        return _FORMS[self.form.upper()]

    @property
    def has_dataset(self) -> bool:
        return bool(self.default_graphs or self.named_graphs)


def _tokens(text: str) -> Iterable[tuple[str, str, int]]:
    pos, size = 0, len(text)
    while pos < size:
        match = _TOKEN.match(text, pos)
        kind, value = match.lastgroup, match.group()
        if kind == "quote":
            end = _STRING_END[value].match(text, match.end())
            if end is None:
                line = text.count("\n", 0, pos) + 1
                raise QueryError(f"SPARQL syntax error: unterminated string on line {line}")
            yield "string", text[pos:end.end()], pos
            pos = end.end()
            continue
        if kind not in ("ws", "comment"):
            yield kind, value, pos
        pos = match.end()


def check_graph_iri(iri: str, local: str, what: str = "graph") -> str:
    """Refuse a dataset IRI that is not one of this deployment's graphs:
    an engine asked for a graph it lacks may fetch it from the web."""
    if not local or not iri.startswith(local):
        raise QueryError(f"{what} <{iri}> is refused: only this service's graphs "
                         f"(IRIs under {local}) can be queried; no data is fetched from "
                         "other sites")
    return iri


def check_query(text: str, local: str, limits: Limits = Limits()) -> CheckedQuery:
    """Apply the public policy to a query's text, before anything parses it.

    Args:
        text: the query as received.
        local: the deployment's base IRI; FROM graphs must lie under it.
        limits: the size and nesting limits to apply.

    Returns:
        The query and its form ("SELECT", ...) and FROM / FROM NAMED graphs.

    Raises:
        UpdateRefused: an update (403).
        QueryError: too long, too deeply nested, SERVICE, LOAD, a foreign
            FROM graph, or not a query at all (400 / 413).

    >>> check_query("SELECT * FROM <http://localhost:8000/article/a> { ?s ?p ?o }",
    ...             "http://localhost:8000/").default_graphs
    ('http://localhost:8000/article/a',)
    >>> check_query("ASK { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", "http://x/")
    Traceback (most recent call last):
    kg.errors.QueryError: SERVICE is refused: this endpoint never sends requests to other services
    """
    if limits.max_query_bytes is not None and len(text.encode("utf-8", "surrogatepass")) \
            > limits.max_query_bytes:
        raise QueryTooLarge(f"the query is longer than {limits.max_query_bytes // 1024} KB")
    if re.search(r"\\\\[uU]", text) and _CODEPOINT.search(text):
        raise QueryError("SPARQL syntax error: an escaped backslash before \\u is ambiguous here")
    try:  # SPARQL applies \u and \U escapes before parsing: so do we.
        source = _CODEPOINT.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text)
    except (ValueError, OverflowError):
        raise QueryError("SPARQL syntax error: a \\U escape beyond Unicode") from None
    depth, form, base = 0, None, None
    prefixes: dict[str, str] = {}
    graphs: dict[bool, list[str]] = {False: [], True: []}
    tokens = list(_tokens(source))
    for i, (kind, value, _) in enumerate(tokens):
        if kind == "open":
            depth += 1
            if depth > limits.max_depth:
                raise QueryError(f"the query nests brackets more than {limits.max_depth} deep")
        elif kind == "close":
            depth = max(0, depth - 1)
        elif kind != "word":
            continue
        word = value.upper()
        if word == "SERVICE":
            raise QueryError("SERVICE is refused: this endpoint never sends requests to "
                             "other services")
        if word == "LOAD":
            raise QueryError("LOAD is refused: this endpoint is read-only and never fetches "
                             "data from the web")
        if word in _UPDATES:
            raise UpdateRefused(f"this endpoint is read-only: {word} and every other update "
                                "is refused")
        if form is None:
            if word == "PREFIX" and i + 2 < len(tokens) and tokens[i + 1][0] == "pname" \
                    and tokens[i + 2][0] == "iri":
                prefixes[tokens[i + 1][1][:-1]] = _resolve(tokens[i + 2][1][1:-1], base)
            elif word == "BASE" and i + 1 < len(tokens) and tokens[i + 1][0] == "iri":
                base = _resolve(tokens[i + 1][1][1:-1], base)
            elif word in _FORMS:
                form = word
            else:
                raise QueryError("SPARQL syntax error: expected SELECT, ASK, CONSTRUCT or "
                                 f"DESCRIBE, found {value!r}")
        elif word == "FROM":
            named = i + 1 < len(tokens) and tokens[i + 1][1].upper() == "NAMED"
            target = tokens[i + 1 + named] if i + 1 + named < len(tokens) else ("", "", 0)
            iri = _graph_iri(target, prefixes, base)
            if iri is not None:
                graphs[named].append(check_graph_iri(iri, local, "FROM graph"))
    if form is None:
        raise QueryError("SPARQL syntax error: no SELECT, ASK, CONSTRUCT or DESCRIBE query "
                         "found")
    return CheckedQuery(text, form, tuple(graphs[False]), tuple(graphs[True]))


def _resolve(iri: str, base: str | None) -> str:
    if base and not re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*:", iri):
        return urllib.parse.urljoin(base, iri)
    return iri


def _graph_iri(token: tuple[str, str, int], prefixes: dict[str, str],
               base: str | None) -> str | None:
    kind, value, _ = token
    if kind == "iri":
        return _resolve(value[1:-1], base)
    if kind == "pname":
        prefix, _, local = value.partition(":")
        if prefix not in prefixes:
            raise QueryError(f"SPARQL syntax error: undefined prefix {prefix!r} in FROM")
        return prefixes[prefix] + re.sub(r"\\(.)", r"\1", local.rstrip("."))
    return None  # not a graph name: the parser will say so


# ---------------------------------------------------------------- answers

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
        return FORMATS[self.format][1]


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


def _ask_body(value: bool, fmt: str) -> bytes:
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
        return Answer(_ask_body(bool(result), fmt), fmt, form, rows=1)
    graph = not isinstance(result, ox.QuerySolutions)
    header = 0 if graph else 1
    sink = _Sink(None if limits.max_rows is None else limits.max_rows + header,
                 limits.max_result_bytes)
    try:
        if graph:
            ox.serialize(result, sink, ox.RdfFormat.N_TRIPLES)
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
            body = ox.serialize(triples, format=_OX_GRAPH[fmt](), prefixes=prefixes or {})
    elif fmt == "tsv":
        body = data
    else:
        solutions = ox.parse_query_results(data, ox.QueryResultsFormat.TSV)
        body = solutions.serialize(format=_OX_TABLE[fmt]())
    return Answer(body, fmt, form, rows=max(rows, 0), truncated=sink.full)


def _ox_format(group: str, name: str):
    def get():
        import pyoxigraph as ox
        return getattr(getattr(ox, group), name)
    return get


_OX_TABLE = {"json": _ox_format("QueryResultsFormat", "JSON"),
             "xml": _ox_format("QueryResultsFormat", "XML"),
             "csv": _ox_format("QueryResultsFormat", "CSV")}
_OX_GRAPH = {"ttl": _ox_format("RdfFormat", "TURTLE"),
             "rdfxml": _ox_format("RdfFormat", "RDF_XML"),
             "jsonld": _ox_format("RdfFormat", "JSON_LD")}


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
        raise QueryError(f"SPARQL syntax error: {err}") from None


# ---------------------------------------------------------------- workers

def _store_stamp(path: str) -> tuple:
    """What changes when the store is written: the write-ahead log, the
    manifest and its pointer."""
    try:
        return tuple(sorted((e.name, e.stat().st_size, e.stat().st_mtime_ns)
                            for e in os.scandir(path)
                            if e.name.endswith(".log") or e.name.startswith("MANIFEST")
                            or e.name == "CURRENT"))
    except OSError:
        return ()


def _worker_main(conn, path: str) -> None:
    """A query worker: a read-only view of the store, one job at a time.

    While idle it reopens the view when the store's files change, so a
    query rarely pays for the reopening.
    """
    import pyoxigraph as ox

    store, stamp = None, None

    def fresh():
        nonlocal store, stamp
        now = _store_stamp(path)
        if store is None or now != stamp:
            store, stamp = None, now
            store = ox.Store.read_only(path)
        return store

    try:
        fresh()
    except OSError:  # reported by the first query
        pass
    try:
        conn.send("ready")  # a query's time limit starts after this
    except OSError:
        return
    while True:
        try:
            if not conn.poll(1.0):
                try:
                    fresh()
                except OSError:  # reported by the next query
                    store = None
                continue
            job = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        if job is None:
            return
        query, fmt, limits, dataset, prefixes = job
        try:
            reply = ("ok", run_ox(fresh().query, query, fmt, limits, dataset, prefixes))
        except KGError as err:
            reply = ("error", type(err).__name__, str(err))
        except OSError as err:
            reply = ("error", "StoreUnavailable", f"cannot read the store: {err}")
        except Exception as err:  # an engine error: report it, keep serving
            reply = ("error", "QueryError", f"the query failed: {err}")
        try:
            conn.send(reply)
        except (OSError, ValueError):
            return


def _worker_entry(fd: int, path: str) -> None:
    """`python -c` entry of a worker process: the socket it was handed."""
    from multiprocessing.connection import Connection

    _worker_main(Connection(fd), path)


#: What a worker runs.  It registers `kg` as a bare package before importing
#: kg.sparql, so `kg/__init__` (the store, rdflib: 0.25 s) is not imported:
#: a worker needs only this module, kg.errors and pyoxigraph, and starts in
#: ~0.06 s instead of ~0.3 s.
_WORKER_MAIN = """import sys, types
package = types.ModuleType("kg")
package.__path__ = [sys.argv[3]]
sys.modules["kg"] = package
from kg.sparql import _worker_entry
_worker_entry(int(sys.argv[1]), sys.argv[2])
"""


class _Worker:
    """A worker process started afresh (`python -c`): it imports kg.sparql
    and pyoxigraph only, never the parent's main module, and it talks over a
    socket pair, so nothing of a threaded web server is forked."""

    def __init__(self, path: str):
        import socket
        import subprocess
        import sys
        from multiprocessing.connection import Connection

        ours, theirs = socket.socketpair()
        package = str(Path(__file__).resolve().parent)
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-c", _WORKER_MAIN, str(theirs.fileno()), path, package],
                pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL)
        finally:
            theirs.close()
        self.conn = Connection(ours.detach())

    def stop(self, kill: bool = False) -> None:
        try:
            if kill:
                self.process.kill()
            else:
                self.conn.send(None)
        except (OSError, ValueError):
            pass
        try:
            self.process.wait(timeout=2)
        except Exception:  # noqa: BLE001 - still running: kill it
            self.process.kill()
            self.process.wait(timeout=2)
        self.conn.close()


#: Seconds a new worker may take to start and open the store.
_START_TIMEOUT = 30.0


class _Pool:
    """`size` warm workers; one killed at its time limit is replaced in the
    background, so the next query does not wait for a process to start."""

    def __init__(self, path: str, size: int):
        self.path, self.size = path, size
        self._idle: list[_Worker] = []
        self._cond = threading.Condition()
        self._count = 0  # idle + busy + starting
        self._starting = 0
        self._closed = False
        with self._cond:
            for _ in range(size):
                self._spawn()

    def _spawn(self) -> None:
        """Start one worker in the background (call with the lock held)."""
        self._count += 1

        self._starting += 1

        def start():
            worker = None
            try:
                worker = _Worker(self.path)
                if not (worker.conn.poll(_START_TIMEOUT) and worker.conn.recv() == "ready"):
                    raise OSError("the worker did not start")
            except Exception:  # noqa: BLE001 - the next run() tries again
                if worker is not None:
                    worker.stop(kill=True)
                worker = None
            with self._cond:
                self._starting -= 1
                if worker is None or self._closed:
                    self._count -= 1
                else:
                    self._idle.append(worker)
                self._cond.notify_all()
            if worker is not None and self._closed:
                worker.stop()

        threading.Thread(target=start, daemon=True, name="kg-sparql-spawn").start()

    def _retire(self, worker: _Worker, kill: bool) -> None:
        with self._cond:
            self._count -= 1
            if not self._closed:
                self._spawn()
        threading.Thread(target=worker.stop, args=(kill,), daemon=True).start()

    def run(self, job, timeout: float | None):
        """Send a job to an idle worker and wait up to `timeout` for its
        reply; past it, kill the worker and raise QueryTimeout.  Waiting for
        a busy worker to come free has its own limit of the same length
        (EngineBusy); a worker still starting is waited for longer."""
        now = time.monotonic()
        busy = None if timeout is None else now + timeout
        starting = now + _START_TIMEOUT  # a worker still starting is not "busy"
        with self._cond:
            while not self._idle:
                if self._closed:
                    raise EngineBusy("the query service is shutting down")
                if self._count < self.size:
                    self._spawn()
                deadline = starting if self._starting else busy
                wait = None if deadline is None else deadline - time.monotonic()
                if wait is not None and wait <= 0:
                    raise EngineBusy("every query worker is busy; try again in a moment")
                self._cond.wait(wait)
            worker = self._idle.pop()
        try:
            worker.conn.send(job)
            if not worker.conn.poll(timeout):
                self._retire(worker, kill=True)
                raise QueryTimeout("")
            reply = worker.conn.recv()
        except (EOFError, OSError):
            self._retire(worker, kill=True)
            raise StoreUnavailable("the query worker stopped unexpectedly; try again") \
                from None
        with self._cond:
            if self._closed:
                self._count -= 1
                threading.Thread(target=worker.stop, daemon=True).start()
            else:
                self._idle.append(worker)
                self._cond.notify()
        return reply

    def close(self) -> None:
        with self._cond:
            self._closed = True
            idle, self._idle = self._idle, []
            self._count -= len(idle)
            self._cond.notify_all()
        for worker in idle:
            worker.stop()


# ---------------------------------------------------------------- backends

class _Cancelled(BaseException):
    """Injected into a memory query's thread when its time is up (a
    BaseException, so rdflib's `except Exception` cannot swallow it)."""


def _run_memory(graph: "KnowledgeGraph", query: CheckedQuery, fmt: str, limits: Limits,
                dataset: tuple | None) -> Answer:
    """Evaluate with rdflib.  Without a dataset, on the store itself; with
    one, on a copy shaped to it, evaluated with the query's own dataset
    clause removed, so rdflib never loads a FROM graph from the web."""
    from pyparsing import ParseException
    from rdflib import Dataset, URIRef
    from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
    from rdflib.plugins.sparql import prepareQuery
    from rdflib.plugins.sparql.evaluate import evalQuery

    from .store.base import QueryResult

    if dataset is None:  # no FROM and no protocol graphs: the store's union graph
        try:
            return _capped_rdflib(graph.store.query(query.text), query, fmt, limits)
        except RecursionError:
            raise QueryError("the query is nested too deeply for this backend") from None
    try:
        prepared = prepareQuery(query.text)
    except ParseException as err:
        raise QueryError(f"SPARQL syntax error: {err}") from None
    except RecursionError:
        raise QueryError("the query is nested too deeply for this backend") from None
    prepared.algebra["datasetClause"] = None  # the dataset is built here instead
    default, named = dataset
    data = Dataset(default_union=False)
    wanted_default, wanted_named = set(default or ()), set(named or ())
    target = data.graph(DATASET_DEFAULT_GRAPH_ID)
    for s, p, o, g in graph.store.quads():
        if str(g) in wanted_default:
            target.add((s, p, o))
        if str(g) in wanted_named:
            data.graph(URIRef(g)).add((s, p, o))
    try:
        found = evalQuery(data, prepared, {})
    except RecursionError:
        raise QueryError("the query is nested too deeply for this backend") from None
    kind = found.get("type_")
    if kind == "ASK":
        return _capped_rdflib(QueryResult("ask", boolean=bool(found["askAnswer"])), query, fmt,
                              limits)
    if kind in ("CONSTRUCT", "DESCRIBE"):
        return _capped_rdflib(QueryResult("graph", graph=found["graph"]), query, fmt, limits)
    names = [str(v) for v in found["vars_"]]
    cap = limits.max_rows
    bindings = itertools.islice(found["bindings"], None if cap is None else cap + 1)
    rows = [{str(k): v for k, v in b.items() if v is not None and str(k) in names}
            for b in bindings]
    return _capped_rdflib(QueryResult("select", variables=names, rows=rows), query, fmt, limits)


def _capped_rdflib(result, query: CheckedQuery, fmt: str, limits: Limits) -> Answer:
    """A memory-store result (rdflib terms) cut at the row cap, serialised."""
    from rdflib import Graph

    from .results import serialize
    from .store.base import QueryResult

    if result.kind == "ask":
        return Answer(_ask_body(result.boolean, fmt), fmt, query.form, rows=1)
    cap = limits.max_rows
    if result.kind == "graph":
        triples = list(itertools.islice(iter(result.graph), None if cap is None else cap + 1))
        truncated = cap is not None and len(triples) > cap
        kept = Graph()
        for triple in triples[:cap]:
            kept.add(triple)
        text, _ = serialize(QueryResult("graph", graph=kept), fmt)
        return Answer(text.encode("utf-8"), fmt, query.form, rows=len(kept), truncated=truncated)
    truncated = cap is not None and len(result.rows) > cap
    rows = result.rows[:cap]
    text, _ = serialize(QueryResult("select", variables=result.variables, rows=rows), fmt)
    return Answer(text.encode("utf-8"), fmt, query.form, rows=len(rows), truncated=truncated)


def _in_thread(func, timeout: float | None, on_timeout=None):
    """Run func in a thread; past the timeout, stop it with an asynchronous
    exception (effective at its next Python bytecode) and raise
    QueryTimeout."""
    box: dict = {}

    def target():
        try:
            box["value"] = func()
        except _Cancelled:
            pass
        except BaseException as err:  # handed to the caller
            box["error"] = err

    thread = threading.Thread(target=target, daemon=True, name="kg-sparql-memory")
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread.ident),
                                                   ctypes.py_object(_Cancelled))
        if on_timeout is not None:
            on_timeout()
        raise QueryTimeout("")
    if "error" in box:
        raise box["error"]
    return box["value"]


def _run_remote(graph: "KnowledgeGraph", query: CheckedQuery, fmt: str, limits: Limits,
                dataset: tuple | None) -> Answer:
    """Ask the SPARQL server (the dataset as protocol parameters), read its
    answer before the deadline, and cap it like a local one."""
    import pyoxigraph as ox

    params = [("query", query.text)]
    if dataset is not None:
        params += [("default-graph-uri", g) for g in dataset[0] or ()]
        params += [("named-graph-uri", g) for g in dataset[1] or ()]
    accept = "application/n-triples" if query.kind == "graph" else \
        "application/sparql-results+json"
    request = urllib.request.Request(
        graph.store.query_url, data=urllib.parse.urlencode(params).encode(), method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": accept})
    opened: list = []

    def fetch() -> bytes:
        # The whole exchange runs in a thread so that the deadline covers it
        # all; at the deadline the connection is closed under it.
        with urllib.request.urlopen(request, timeout=limits.timeout or 60.0) as response:
            opened.append(response)
            return response.read()

    try:
        body = _in_thread(fetch, limits.timeout, on_timeout=lambda: [r.close() for r in opened])
    except urllib.error.HTTPError as err:
        detail = err.read(500).decode("utf-8", "replace").strip().splitlines()
        message = detail[0] if detail else err.reason
        if 400 <= err.code < 500:
            raise QueryError(f"SPARQL syntax error: {message}") from None
        raise StoreUnavailable(f"SPARQL server answered {err.code}: {message}") from None
    except TimeoutError:
        raise QueryTimeout("") from None
    except (urllib.error.URLError, ConnectionError) as err:
        raise StoreUnavailable(f"cannot reach the SPARQL server: {getattr(err, 'reason', err)}") \
            from None
    if query.kind == "graph":
        return write_ox(ox.parse(body, ox.RdfFormat.N_TRIPLES), query.form, fmt, limits,
                        _prefixes())
    result = ox.parse_query_results(body, ox.QueryResultsFormat.JSON)
    if query.form.upper() == "ASK" and isinstance(result, ox.QuerySolutions):
        # Virtuoso answers ASK as a one-cell SELECT.
        values = [solution[0] for solution in result]
        value = bool(values) and values[0] is not None and values[0].value not in ("0", "false")
        return Answer(_ask_body(value, fmt), fmt, query.form, rows=1)
    return write_ox(result, query.form, fmt, limits)


# ---------------------------------------------------------------- the runner

def _prefixes() -> dict[str, str]:
    """The namespaces Turtle, RDF/XML and JSON-LD answers abbreviate."""
    from .terms import PREFIXES

    return PREFIXES


_RUNNERS: "weakref.WeakSet[QueryRunner]" = weakref.WeakSet()


@atexit.register
def _close_all() -> None:
    for runner in list(_RUNNERS):
        runner.close()


class QueryRunner:
    """Runs queries on one graph within limits.

    >>> from kg import KnowledgeGraph, Settings
    >>> with KnowledgeGraph.open(Settings(store="memory")) as graph:
    ...     with QueryRunner(graph) as runner:
    ...         runner.run("ASK { ?s a ?t }").body
    b'{"head": {}, "boolean": true}'

    Args:
        graph: the open graph.
        limits: the limits; the public ones for the graph's settings if None.
        workers: worker processes kept warm (embedded store with a time
            limit); started by `warm()` or the first query.
    """

    def __init__(self, graph: "KnowledgeGraph", limits: Limits | None = None, workers: int = 2):
        self.graph = graph
        self.limits = limits or Limits.public(graph.settings)
        self.workers = max(1, workers)
        self._pool: _Pool | None = None
        self._lock = threading.Lock()
        _RUNNERS.add(self)

    def warm(self) -> None:
        """Start the worker processes now rather than on the first query
        (a worker takes ~0.3 s to start; later queries find it ready)."""
        if self.graph.store.name == "embedded" and self.limits.timeout is not None:
            self._ensure_pool()

    def _ensure_pool(self) -> _Pool:
        with self._lock:
            if self._pool is None:
                self._pool = _Pool(str(Path(self.graph.store.folder) / "store"), self.workers)
                # Workers stop with the runner even if nobody calls close().
                weakref.finalize(self, self._pool.close)
            return self._pool

    def check(self, text: str) -> CheckedQuery:
        """The policy check alone (see `check_query`)."""
        return check_query(text, self.graph.settings.base_iri, self.limits)

    def run(self, text: str | CheckedQuery, fmt: str | None = None,
            default_graphs: Iterable[str] | None = None,
            named_graphs: Iterable[str] | None = None,
            limits: Limits | None = None) -> Answer:
        """Check and run a query.

        Args:
            text: the query (or an already checked one).
            fmt: a FORMATS name (or alias) fitting the query form; None
                picks json or ttl.
            default_graphs, named_graphs: the protocol's dataset; when
                either is given it replaces the query's FROM clauses.
            limits: other limits for this query.

        Raises:
            QueryError, UpdateRefused: refused by the policy or malformed.
            QueryTimeout: stopped at the time limit.
            EngineBusy: no worker free before the time limit.
        """
        limits = limits or self.limits
        local = self.graph.settings.base_iri
        query = text if isinstance(text, CheckedQuery) else check_query(text, local, limits)
        fmt = format_for(query.kind, fmt)
        dataset = None
        if default_graphs or named_graphs:
            dataset = (tuple(check_graph_iri(g, local) for g in default_graphs or ()),
                       tuple(check_graph_iri(g, local) for g in named_graphs or ()))
        elif query.has_dataset:
            dataset = (query.default_graphs, query.named_graphs)
        began = time.monotonic()
        try:
            answer = self._dispatch(query, fmt, limits, dataset)
        except QueryTimeout:
            raise QueryTimeout(f"the query was stopped after {limits.timeout:g} s, this "
                               "endpoint's time limit; narrow it down (fewer patterns "
                               "joined, a LIMIT, a FILTER on a specific entity)") from None
        answer.elapsed = time.monotonic() - began
        return answer

    def _dispatch(self, query: CheckedQuery, fmt: str, limits: Limits,
                  dataset: tuple | None) -> Answer:
        store = self.graph.store.name
        if store == "memory":
            return _in_thread(lambda: _run_memory(self.graph, query, fmt, limits, dataset),
                              limits.timeout)
        if store == "sparql":
            return _run_remote(self.graph, query, fmt, limits, dataset)
        if limits.timeout is None:
            return run_ox(self.graph.store.native_query, query, fmt, limits, dataset, _prefixes())
        reply = self._ensure_pool().run((query, fmt, limits, dataset, _prefixes()),
                                        limits.timeout)
        if reply[0] == "ok":
            return reply[1]
        error = {"QueryError": QueryError, "UpdateRefused": UpdateRefused,
                 "StoreUnavailable": StoreUnavailable}.get(reply[1], QueryError)
        raise error(reply[2])

    def close(self) -> None:
        """Stop the worker processes; idempotent."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()

    def __enter__(self) -> "QueryRunner":
        return self

    def __exit__(self, *exc) -> None:
        self.close()



# ---------------------------------------------------------------- examples, counts

@dataclass(frozen=True)
class Example:
    """One of the example queries in `ontology/queries/`: its file name,
    the title and description from its comment header, and its text."""

    name: str
    title: str
    description: str
    text: str


def examples() -> list[Example]:
    """The example queries, sorted by file name.

    >>> any(e.title == "Unmapped entities" for e in examples())
    True
    """
    import ontology

    found = []
    for path in sorted(Path(ontology.QUERIES).glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        header = []
        for line in text.splitlines():
            if not line.startswith("#"):
                break
            header.append(line[1:].strip())
        title = header[0] if header else path.stem.replace("-", " ")
        found.append(Example(path.stem, title, " ".join(header[1:]), text))
    return found


@dataclass(frozen=True)
class DatasetCounts:
    """What a VoID description says of the dataset."""

    triples: int
    graphs: dict[str, int]
    classes: dict[str, int]
    properties: dict[str, int]
    subjects: int
    objects: int


def dataset_counts(graph: "KnowledgeGraph") -> DatasetCounts:
    """Triples per graph, instances per class, triples per predicate.

    Counts are over quads (a triple stated in two articles' graphs counts
    twice), as the union default graph does not deduplicate.
    """
    store = graph.store
    graphs = {str(r["g"]): int(r["n"]) for r in store.select(
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")}
    classes = {str(r["c"]): int(r["n"]) for r in store.select(
        "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s a ?c } } GROUP BY ?c")}
    properties = {str(r["p"]): int(r["n"]) for r in store.select(
        "SELECT ?p (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?p")}
    distinct = store.select("SELECT (COUNT(DISTINCT ?s) AS ?s) (COUNT(DISTINCT ?o) AS ?o) "
                            "WHERE { GRAPH ?g { ?s ?p ?o } }")
    row = distinct[0] if distinct else {}
    return DatasetCounts(sum(graphs.values()), graphs, classes, properties,
                         int(row.get("s", 0)), int(row.get("o", 0)))
