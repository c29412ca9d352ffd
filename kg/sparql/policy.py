"""What a public query may do, decided before any SPARQL parser sees it:
the refusals (updates, SERVICE, LOAD, non-local FROM), the size and
nesting limits, `Limits`, and the result formats."""
from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from ..errors import KGError, QueryError
from ..formats import lookup, of_kind
from ..lexer import CODEPOINT, apply_codepoints
from ..lexer import tokens as tokens_of


class UpdateRefused(QueryError):
    """An update sent to the read-only endpoint."""

    status = 403


class QueryTooLarge(QueryError):
    status = 413


class QueryTimeout(KGError):
    """The query ran out of time and was stopped."""

    status = 503
    #: Seconds a client is told to wait (Retry-After): the stopped worker's
    #: replacement is ready by then.
    retry_after = 1


class EngineBusy(KGError):
    """No query worker became free in time."""

    status = 503
    retry_after = 1


class LongQueriesBusy(EngineBusy):
    """The query ran past the long-query threshold while every long-query
    slot was taken, and was stopped (`retry_after`: when a slot frees)."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


class QueryOutOfMemory(KGError):
    """The query needed more memory than a query worker may use, and was
    stopped."""

    status = 503
    retry_after = 1


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

#: The format a result kind gets when none is asked for ("table" answers
#: SELECT and ASK, "graph" CONSTRUCT and DESCRIBE; formats: `kg.formats`).
_DEFAULT = {"table": "json", "graph": "ttl"}


def format_for(kind: str, name: str | None) -> str:
    """The canonical format name for a result kind, or QueryError.

    >>> format_for("graph", "turtle"), format_for("table", None)
    ('ttl', 'json')
    """
    if not name:
        return _DEFAULT[kind]
    found = lookup(kind, name)
    if found is None:
        choices = ", ".join(f.name for f in of_kind(kind))
        what = "SELECT or ASK" if kind == "table" else "CONSTRUCT or DESCRIBE"
        raise QueryError(f"format {name!r} does not fit a {what} result; use one of {choices}")
    return found.name


# ---------------------------------------------------------------- the checks

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
    if re.search(r"\\\\[uU]", text) and CODEPOINT.search(text):
        raise QueryError("SPARQL syntax error: an escaped backslash before \\u is ambiguous here")
    source = apply_codepoints(text)  # SPARQL applies them before parsing: so do we
    depth, form, base = 0, None, None
    prefixes: dict[str, str] = {}
    graphs: dict[bool, list[str]] = {False: [], True: []}
    tokens = list(tokens_of(source))
    unary = 0  # a run of prefix operators nests like brackets: `!!!!x`, `^^^^p`
    for i, (kind, value, _) in enumerate(tokens):
        if kind == "other" and value in "!^+-":
            unary += 1
            if depth + unary > limits.max_depth:
                # 10,000 `!` overflowed the engine parser's stack and killed
                # the worker (deep nesting).
                raise QueryError("the query nests operators more than "
                                 f"{limits.max_depth} deep")
            continue
        unary = 0
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
