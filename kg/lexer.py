"""SPARQL's tokens, as far as the query checks need them: words, IRIs,
strings (whole, with their escapes), comments, brackets.

Shared by the public query policy (`kg.sparql.policy`) and the stores'
refusal of outbound requests in internal queries (`refuse_outbound`), so
both read a query the same way.  Pure: no engine, no I/O.
"""
from __future__ import annotations

import re
from typing import Iterator

from .errors import QueryError

__all__ = ["CODEPOINT", "apply_codepoints", "refuse_outbound", "tokens"]

#: A \u or \U escape, which SPARQL applies anywhere before parsing.
CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
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


def apply_codepoints(text: str) -> str:
    r"""`text` with its \u and \U escapes applied, as a SPARQL parser sees it.

    Raises:
        QueryError: a \U escape beyond Unicode.

    >>> apply_codepoints(r"\u0053ERVICE")
    'SERVICE'
    """
    if "\\" not in text:
        return text
    try:
        return CODEPOINT.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text)
    except (ValueError, OverflowError):
        raise QueryError("SPARQL syntax error: a \\U escape beyond Unicode") from None


def tokens(text: str) -> Iterator[tuple[str, str, int]]:
    """(kind, text, offset) of each token but white space and comments.

    Raises:
        QueryError: a string is not closed.

    >>> [kind for kind, _, _ in tokens('ASK { ?s ?p "SERVICE" } # SERVICE')]
    ['word', 'open', 'var', 'var', 'string', 'close']
    """
    pos, size = 0, len(text)
    while pos < size:
        match = _TOKEN.match(text, pos)
        assert match is not None  # `other` matches any character
        kind, value = match.lastgroup or "other", match.group()
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


#: Words that make an engine reach outside the store: SERVICE calls another
#: endpoint, LOAD fetches a document, and rdflib fetches a FROM graph it
#: does not hold.
_OUTBOUND_WORDS = {"SERVICE", "LOAD", "FROM"}
_OUTBOUND = re.compile(r"(?i)\b(service|load|from)\b|\\[uU]")


class OutboundRefused(QueryError):
    """A query the project itself built asked the engine to reach another
    host; never run (a template bug, never a user's doing)."""


def refuse_outbound(query: str) -> None:
    """Refuse a query that names SERVICE, LOAD or FROM outside its strings,
    comments and IRIs.  The stores call this on every query they run, so
    even a future template that lets a value through cannot make the
    engine connect anywhere.  Costs a regex search when none of the words
    appears anywhere (every query the project writes).

    Raises:
        OutboundRefused: the query would reach outside the store.

    >>> refuse_outbound('SELECT ?l WHERE { ?e ?p "room service" }')
    >>> refuse_outbound('ASK { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }')
    Traceback (most recent call last):
    kg.lexer.OutboundRefused: SERVICE in a query is refused: the store never connects to other hosts
    """
    if not _OUTBOUND.search(query):
        return
    for kind, value, _ in tokens(apply_codepoints(query)):
        if kind == "word" and value.upper() in _OUTBOUND_WORDS:
            raise OutboundRefused(f"{value.upper()} in a query is refused: the store never "
                                  "connects to other hosts")
