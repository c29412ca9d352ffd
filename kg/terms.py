"""Namespaces, CURIEs, content-derived IRIs, and the one door for values
into query text.

IRIs are minted from content so that extracting the same article twice
mints the same IRIs: an article from its id, an entity from its key, a claim
from (article, subject, predicate, object, evidence offsets).

Every value written into SPARQL text goes through `iri`, `iris`, `literal`
or `integer` here, each of which returns `Sparql`: text that is safe to
place in a query.  An IRI is validated as an absolute RFC 3987 IRI (by
Oxigraph's parser) before it goes between `<` and `>`; a string is escaped
by SPARQL's rules.  `tests/test_query_text.py` fails when a module formats
query text from anything else, so an entity name pasted from a URL can never
end a term early and write query text of its own.
"""
from __future__ import annotations

import functools
import hashlib
import re
from typing import Callable, Iterable, Iterator, NewType, Protocol, TypeVar

import pyoxigraph
from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

from .errors import NotFound, QueryError, quoted

__all__ = ["BIOLINK", "DCTERMS", "HKG", "OWL", "PREFIXES", "PROV", "RDF", "RDFS", "SKOS",
           "VALUES_CHUNK", "XSD", "BadTerm", "Minter", "Sparql", "blank", "chunked",
           "curie_to_iri", "integer", "iri", "iri_to_curie", "iris", "language", "literal",
           "minted_iri", "select_chunked", "sparql_prefixes"]

T = TypeVar("T")

#: Our ontology's namespace: classes, predicates, claim properties.
HKG = Namespace("https://w3id.org/health-kg/ontology#")
BIOLINK = Namespace("https://w3id.org/biolink/vocab/")

PREFIXES: dict[str, str] = {
    "hkg": str(HKG), "biolink": str(BIOLINK), "rdf": str(RDF), "rdfs": str(RDFS),
    "owl": str(OWL), "skos": str(SKOS), "prov": str(PROV), "dcterms": str(DCTERMS),
    "xsd": str(XSD), "obo": "http://purl.obolibrary.org/obo/",
}

_OBO = ("CHEBI", "GO", "HP", "MONDO", "UBERON", "DOID", "NCIT", "RO")
_CURIE = re.compile(r"^([A-Za-z][A-Za-z0-9]*):([A-Za-z0-9_.-]+)$")


def curie_to_iri(curie: str) -> str:
    """A CURIE as its resolvable IRI.

    >>> curie_to_iri("HP:0002018")
    'http://purl.obolibrary.org/obo/HP_0002018'
    >>> curie_to_iri("MESH:D003866")
    'http://id.nlm.nih.gov/mesh/D003866'
    """
    match = _CURIE.match(curie.strip())
    if not match:
        raise ValueError(f"not a CURIE: {curie!r}")
    prefix, local = match.groups()
    upper = prefix.upper()
    if upper in _OBO:
        return f"http://purl.obolibrary.org/obo/{upper}_{local}"
    if upper == "MESH":
        return f"http://id.nlm.nih.gov/mesh/{local}"
    if upper == "UNIPROT":
        return f"http://purl.uniprot.org/uniprot/{local}"
    raise ValueError(f"unknown CURIE prefix in {curie!r}")


def iri_to_curie(iri: str) -> str | None:
    """The CURIE for a registry IRI, or None when it is not one we know.

    >>> iri_to_curie("http://purl.obolibrary.org/obo/MONDO_0001247")
    'MONDO:0001247'
    """
    for pattern, prefix in ((r"^http://purl\.obolibrary\.org/obo/([A-Za-z]+)_(.+)$", None),
                            (r"^http://id\.nlm\.nih\.gov/mesh/(.+)$", "MESH"),
                            (r"^http://purl\.uniprot\.org/uniprot/(.+)$", "UniProt")):
        match = re.match(pattern, iri)
        if match:
            return f"{match.group(1)}:{match.group(2)}" if prefix is None \
                else f"{prefix}:{match.group(1)}"
    return None


#: Text that may be placed in a SPARQL query as it is: made only by the
#: builders below (and by functions that combine their output, which say so
#: by returning `Sparql`).
Sparql = NewType("Sparql", str)


class BadTerm(QueryError):
    """A value that cannot be written into a query as the term asked for (an
    IRI with a space or `>`, a string with a NUL); a 400 on the web."""


#: Characters SPARQL's IRIREF excludes (besides the controls and space),
#: refused before Oxigraph's RFC 3987 parser is asked.
_NOT_IN_IRIREF = re.compile(r'[\x00-\x20<>"{}|^`\\\x7f]')
_CLAIM_ID = re.compile(r"^[0-9a-f]{1,64}$")
_LANGUAGE = re.compile(r"^[A-Za-z]+(-[A-Za-z0-9]+)*$")
_BLANK = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
#: A string literal's escapes: ECHAR for the quote, backslash, tab, LF and
#: CR; the other controls (NUL included) as UCHAR, so no engine or log ever
#: sees them raw.
_LITERAL_ESCAPES = {
    **{chr(c): f"\\U{c:08X}" for c in [*range(0x20), 0x7F]},
    "\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t",
    # A backslash before u/U: some engines (rdflib) apply \u escapes to the
    # whole text before parsing, so the letter is escaped too, or a value's
    # `\u0022` would come back as a quote.  Always the 8-digit form: rdflib
    # reads 8 hex digits after \u when it finds them, so `\u0001` before
    # "2345" would become one character.
    "\\u": "\\\\\\U00000075", "\\U": "\\\\\\U00000055"}
_SURROGATE = re.compile("[\ud800-\udfff]")
_LITERAL_SPECIAL = re.compile(r'\\[uU]|[\\"\x00-\x1f\x7f]')


def check_iri(value: object) -> str:
    """`value` as an absolute IRI (RFC 3987), or `BadTerm`.

    >>> check_iri("http://localhost:8000/entity/ketamine")
    'http://localhost:8000/entity/ketamine'
    >>> check_iri("http://a> } SERVICE <http://b")
    Traceback (most recent call last):
    kg.terms.BadTerm: not a valid IRI: 'http://a> } SERVICE <http://b'
    """
    text = str(value)
    if _NOT_IN_IRIREF.search(text):
        raise BadTerm(f"not a valid IRI: {quoted(text)}")
    try:
        pyoxigraph.NamedNode(text)
    except ValueError:
        raise BadTerm(f"not a valid IRI: {quoted(text)}") from None
    return text


def iri(value: object) -> Sparql:
    """An IRI term for query text: `<value>`, validated.

    Raises:
        BadTerm: `value` is not an absolute IRI (RFC 3987), or holds one of
            the characters SPARQL's IRIREF excludes.

    >>> iri("http://purl.obolibrary.org/obo/HP_0002018")
    '<http://purl.obolibrary.org/obo/HP_0002018>'
    """
    return Sparql(f"<{check_iri(value)}>")


#: What may follow a minter's base in an IRI it made (`minted_iri`).
_MINTED_REST = re.compile(r"[A-Za-z0-9/_.~-]*")


@functools.lru_cache(maxsize=16)
def _checked_base(base: str) -> str:
    return check_iri(base)


def minted_iri(value: str, base: str) -> Sparql:
    """`iri(value)`, checked faster when `value` is an IRI a minter made:
    `base` (an absolute IRI, checked once) then only letters, digits and
    ``/_.~-``, nothing that can end the term or break RFC 3987; any other
    value gets `iri`'s full check.  For a bulk writer's hundreds of
    thousands of node and claim IRIs (`kg.store.base.NQuadLines`).

    >>> minted_iri("http://localhost:8000/claim/3f2a", "http://localhost:8000/")
    '<http://localhost:8000/claim/3f2a>'
    >>> minted_iri("http://localhost:8000/a> <urn:x", "http://localhost:8000/")
    Traceback (most recent call last):
    kg.terms.BadTerm: not a valid IRI: 'http://localhost:8000/a> <urn:x'
    """
    start = len(_checked_base(base))
    if value.startswith(base) and _MINTED_REST.fullmatch(value, start):
        return Sparql(f"<{value}>")
    return iri(value)


def iris(values: Iterable[object]) -> Sparql:
    """IRI terms separated by spaces, for a VALUES block.

    >>> iris(["urn:a", "urn:b"])
    '<urn:a> <urn:b>'
    """
    return Sparql(" ".join(iri(v) for v in values))


def literal(value: str) -> Sparql:
    r"""A string literal for query text (or N-Triples), escaped by SPARQL's
    rules: whatever `value` holds, the literal ends where this one ends.

    A lone surrogate (a command-line argument that was not UTF-8) is no
    text any engine can read: `BadTerm`.

    >>> print(literal('say "hi" \\ bye' + chr(0)))
    "say \"hi\" \\ bye\U00000000"
    """
    if _SURROGATE.search(str(value)):
        raise BadTerm(f"not valid text (it was not UTF-8): {quoted(value)}")
    text = _LITERAL_SPECIAL.sub(lambda m: _LITERAL_ESCAPES[m.group()], str(value))
    return Sparql(f'"{text}"')


def integer(value: int) -> Sparql:
    """An integer for query text (LIMIT, OFFSET, a number literal).

    >>> integer(20)
    '20'
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadTerm(f"not an integer: {quoted(str(value))}")
    return Sparql(str(value))


#: Terms per VALUES block: larger blocks cost Oxigraph more to plan than
#: the round trips they save.
VALUES_CHUNK = 500


def chunked(items: Iterable[T], size: int = VALUES_CHUNK) -> Iterator[list[T]]:
    """`items` in lists of at most `size`, for one VALUES block each.

    >>> list(chunked(range(5), 2))
    [[0, 1], [2, 3], [4]]
    """
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


class _SelectsValues(Protocol):
    """What `select_chunked` needs of a store (`kg.store.base.Store`)."""

    def select_values(self, query: str) -> list[dict[str, str]]: ...


def select_chunked(store: _SelectsValues, items: Iterable[object],
                   query: Callable[[Sparql], str]) -> list[dict[str, str]]:
    """The rows of one SELECT per VALUES block of `items`, concatenated:
    `query` gets each chunk (at most `VALUES_CHUNK`) as `iris(chunk)` and
    returns the query text; each runs through `store.select_values`.

    Rows keep the order of the chunks and, within one, the store's order;
    a value in two chunks (pass `items` de-duplicated) answers twice.

    >>> from kg.store.memory import MemoryStore
    >>> names = [f"http://example.org/e{i}" for i in range(1200)]
    >>> def query(values: Sparql) -> str:
    ...     return f"SELECT ?e WHERE {{ VALUES ?e {{ {values} }} }}"
    >>> rows = select_chunked(MemoryStore(), names, query)
    >>> len(rows), rows[0]["e"], rows[-1]["e"]
    (1200, 'http://example.org/e0', 'http://example.org/e1199')
    """
    rows: list[dict[str, str]] = []
    for chunk in chunked(items):
        rows += store.select_values(query(iris(chunk)))
    return rows


def language(tag: str) -> Sparql:
    """A language tag (BCP 47 shape) for a literal: `"text"@en`.

    >>> language("en-GB")
    'en-GB'
    """
    if not _LANGUAGE.match(tag):
        raise BadTerm(f"not a language tag: {quoted(tag)}")
    return Sparql(tag)


def blank(label: object) -> Sparql:
    """A blank node for N-Triples or INSERT DATA: `_:label`."""
    text = str(label)
    if not _BLANK.match(text):
        raise BadTerm(f"not a blank node label: {quoted(text)}")
    return Sparql(f"_:{text}")


def sparql_prefixes(skip: Iterable[str] = ()) -> Sparql:
    """PREFIX lines for every namespace in `PREFIXES` (but those whose
    prefix is in `skip`, compared in lower case: a query declares them)."""
    skipped = {s.lower() for s in skip}
    return Sparql("".join(f"PREFIX {p}: {iri(ns)}\n" for p, ns in PREFIXES.items()
                          if p.lower() not in skipped))


def _digest(*parts: object) -> str:
    joined = "\x1f".join(str(p) for p in parts)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:20]


class Minter:
    """Mints this deployment's IRIs under one base IRI.

    >>> m = Minter("http://localhost:8000/")
    >>> str(m.article("ketamine-for-anxiety"))
    'http://localhost:8000/article/ketamine-for-anxiety'
    """

    def __init__(self, base: str):
        self.base = base
        self.ontology_graph = URIRef(base + "graph/ontology")
        #: Curation records and the claims' review state (issue 19); never
        #: an article's graph.
        self.curation_graph = URIRef(base + "graph/curation")

    def article(self, article_id: str) -> URIRef:
        """The article's IRI, which is also the name of its graph."""
        return URIRef(f"{self.base}article/{article_id}")

    def entity(self, key: str) -> URIRef:
        return URIRef(f"{self.base}entity/{key}")

    def claim(self, article_id: str, subject: str, predicate: str, obj: str,
              start: int, end: int) -> URIRef:
        digest = _digest(article_id, subject, predicate, obj, start, end)
        return URIRef(f"{self.base}claim/{digest}")

    def claim_named(self, claim_id: str) -> URIRef:
        """The IRI of the claim whose hash part is `claim_id` (as in a URL).

        Raises:
            NotFound: `claim_id` is not a claim hash, so no claim has it.
        """
        if not _CLAIM_ID.match(claim_id):
            raise NotFound(f"no claim {quoted(claim_id)}")
        return URIRef(f"{self.base}claim/{claim_id}")

    def curation(self, record_id: str) -> URIRef:
        """A curation record's IRI (`record_id`: random hex, `kg.curation`)."""
        return URIRef(f"{self.base}curation/{record_id}")

    def curator(self, name: str) -> URIRef:
        """Who made a curation: a curator by name, or "reader" for flags."""
        return URIRef(f"{self.base}curator/{name}")

    def local(self, iri: str, kind: str) -> str | None:
        """The id part of one of our IRIs of this kind, else None."""
        prefix = f"{self.base}{kind}/"
        return iri[len(prefix):] if iri.startswith(prefix) else None
