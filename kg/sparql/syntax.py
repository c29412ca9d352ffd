"""A SPARQL engine's parse error in plain words, with its line and column.

pyoxigraph (and Oxigraph server) report a malformed query as a grammar
dump: ``error at 2:15: expected one of Prefix not found, ['%'], ...``.
Analysts need a sentence and a place (issue 18): `explain` reads the
position (1-based line and column, counted in characters) and the first
"expected" item, looks at the query text there, and says what is wrong in
words; the engine's text is kept as `detail` for whoever wants it.  rdflib's
pyparsing errors (``(at char 27), (line:1, col:28)``) are read the same way.

Pure: text in, `QuerySyntaxError` out; no engine is imported here, so a
query worker can build the same error it would send.
"""
from __future__ import annotations

import re

from ..errors import QueryError

__all__ = ["QuerySyntaxError", "explain"]

_OXIGRAPH = re.compile(r"^\s*error at (\d+):(\d+):\s*(.*)\Z", re.S)
_PYPARSING = re.compile(r"\(at char \d+\),?\s*\(line:\s*(\d+),\s*col:\s*(\d+)\)")
#: A prefixed name's prefix ending at the error, or a whole token there.
_PREFIX_BEFORE = re.compile(r"([A-Za-z][\w.-]*)?:[\w.%-]*\Z")
#: An "expected" item that is a sentence of the engine's ("The SELECT
#: contains a variable that is unbound"), not a token of the grammar.
_SENTENCE = re.compile(r"[A-Z][a-z]+ [\w ]+\Z")
_TOKEN = re.compile(r"""<[^>\s]*>?|"[^"\n]*"?|'[^'\n]*'?|[?$]?[\w:.-]+|\S""")


class QuerySyntaxError(QueryError):
    """A query the engine could not parse (400).

    `str()` is a plain sentence, starting "SPARQL syntax error", with the
    line and column when the engine gave them; `line` and `column` are
    1-based (column in characters, None when unknown) and `detail` is the
    engine's own message.
    """

    def __init__(self, message: str, line: int | None = None, column: int | None = None,
                 detail: str = ""):
        super().__init__(message)
        self.line, self.column, self.detail = line, column, detail


def _position(raw: str) -> tuple[int | None, int | None, str]:
    found = _OXIGRAPH.match(raw)
    if found:
        return int(found[1]), int(found[2]), found[3]
    found = _PYPARSING.search(raw)
    if found:
        return int(found[1]), int(found[2]), ""  # its "Expected X" names grammar rules
    return None, None, raw.strip()


def _expected(grammar: str) -> list[str]:
    """The items of "expected one of A, B, C" (or "expected A")."""
    text = re.sub(r"^expected (one of )?", "", grammar.strip())
    return [item.strip() for item in re.split(r",\s+(?![^\[]*\])", text) if item.strip()]


def _unclosed(query: str) -> str:
    """The closing bracket the query lacks at its end, if any (strings,
    IRIs and comments skipped)."""
    clean = re.sub(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\''
                   r"|<[^<>\"{}|^`\\\s]*>|#[^\n]*", " ", query)
    stack: list[str] = []
    pairs = {"}": "{", ")": "(", "]": "["}
    for char in clean:
        if char in "{([":
            stack.append(char)
        elif char in pairs and stack and stack[-1] == pairs[char]:
            stack.pop()
    return {"{": "}", "(": ")", "[": "]"}[stack[-1]] if stack else ""


def explain(query: str, raw: str, prefixes: dict[str, str] | None = None) -> QuerySyntaxError:
    r"""The engine's parse error `raw` about `query`, in plain words.

    Args:
        query: the query text the engine parsed.
        raw: the engine's message.
        prefixes: well-known prefixes, to suggest the missing declaration.

    >>> err = explain("SELECT * WHERE {\n ?s hkg:treats ?o }",
    ...               "error at 2:15: expected one of Prefix not found, ['%']",
    ...               {"hkg": "https://w3id.org/health-kg/ontology#"})
    >>> print(str(err).replace("; ", ";\n"))
    SPARQL syntax error at line 2, column 5: the prefix hkg: is not declared;
    add PREFIX hkg: <https://w3id.org/health-kg/ontology#> at the top
    >>> (err.line, err.column)
    (2, 5)
    >>> str(explain("ASK {", "error at 1:6: expected one of \"}\", [_]"))
    'SPARQL syntax error at line 1, column 6: the query ends too early: a closing } is missing'
    """
    line, column, grammar = _position(raw)
    if line is None or column is None:
        message = grammar.split("\n", 1)[0][:300] or "the query could not be read"
        return QuerySyntaxError(f"SPARQL syntax error: {message}", detail=raw)
    lines = query.split("\n")
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    before, after = text[:column - 1], text[column - 1:]
    expected = _expected(grammar)
    sentences = [item for item in expected if _SENTENCE.match(item)
                 and not item.startswith(("Prefix not found", "IRI parsing failed"))]
    at_end = not after.strip() and all(not rest.strip() for rest in lines[line:])
    if any(item.startswith("Prefix not found") for item in expected):
        found = _PREFIX_BEFORE.search(before)
        name = (found[1] or "") if found else ""
        if found:
            column = found.start() + 1
        known = (prefixes or {}).get(name)
        fix = f"; add PREFIX {name}: <{known}> at the top" if known else \
            f"; declare it with PREFIX {name}: <...> at the top"
        what = f"the prefix {name}: is not declared{fix}"
    elif any("IRI parsing failed" in item for item in expected):
        found = re.search(r"<[^<>]*>?\Z", before)
        if found:
            column = found.start() + 1
        what = ("this IRI is not valid: write a full IRI such as <http://example.org/x>, "
                "or a prefixed name")
    elif sentences:
        what = sentences[0][:1].lower() + sentences[0][1:]
    elif at_end:
        open_ = _unclosed(query)
        what = f"the query ends too early: a closing {open_} is missing" if open_ else \
            ("the query cannot be read up to its end; look before this point for a missing "
             "'.' between patterns or an unfinished expression")
    else:
        inside = re.search(r"[\w-]+\Z", before) if re.match(r"\w", after) else None
        if inside:  # the engine stopped inside a word: show the whole word
            column -= len(inside[0])
            after = inside[0] + after
        token = _TOKEN.match(after.lstrip())
        word = token[0] if token else after.strip()[:1]
        column += len(after) - len(after.lstrip())
        what = f"{word[:40]} cannot come here"
        closers = [c for c in ("}", ")", ".", ";") if f'"{c}"' in expected]
        if closers and len(expected) <= 12:
            what += f"; perhaps a missing {' or '.join(closers)} before it"
    return QuerySyntaxError(f"SPARQL syntax error at line {line}, column {column}: {what}",
                            line, column, raw)
