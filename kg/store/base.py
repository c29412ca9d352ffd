"""The store contract every backend fulfils, plus capability flags.

A store holds named graphs: one per article (named by the article's IRI) and
the ontology graph.  Queries see the union of all graphs as their default
graph.  Writes replace or drop whole graphs, each in one transaction, so a
reader sees an article's old graph or its new one, never a mix or a gap.
"""
from __future__ import annotations

import abc
import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable, Iterator, Sequence, Union

from rdflib import BNode, Graph, Literal, URIRef

from ..errors import QueryError
from ..terms import Sparql, blank, chunked, iri, language, literal, minted_iri

if TYPE_CHECKING:
    from ..config import Settings
    from ..sparql.answers import Answer
    from ..sparql.cancel import Cancel
    from ..sparql.policy import CheckedQuery, Limits

__all__ = ["Capabilities", "NQuadLines", "PublicQueries", "Quad", "QueryPool", "QueryResult",
           "Row", "Store", "Term", "Triple", "ValueRow", "Patch", "Patches", "add_update",
           "drop_update", "nquads_graphs", "nt_term", "patch_list", "patches_update",
           "replace_update"]

Term = Union[URIRef, Literal, BNode]
Triple = tuple[Term, Term, Term]
Quad = tuple[Term, Term, Term, URIRef]
Row = dict[str, Term]
#: A SELECT row as plain strings: IRIs, literals' lexical forms, blank node ids.
ValueRow = dict[str, str]


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


@functools.lru_cache(maxsize=65536)
def nt_term(term: Term) -> Sparql:
    r"""A term in N-Triples syntax, valid in N-Quads dumps and SPARQL updates.

    (rdflib's `n3()` writes multi-line literals in Turtle's triple quotes,
    which N-Triples does not allow.)

    >>> print(nt_term(Literal('two' + chr(10) + 'lines "quoted"')))
    "two\nlines \"quoted\""
    """
    if isinstance(term, Literal):
        text = literal(str(term))
        if term.language:
            return Sparql(f"{text}@{language(term.language)}")
        if term.datatype is not None and str(term.datatype) != _XSD_STRING:
            return Sparql(f"{text}^^{iri(term.datatype)}")
        return text
    if isinstance(term, BNode):
        return blank(term)
    return iri(term)


@dataclass(frozen=True)
class Patch:
    """Triples to remove from and add to one graph, applied in the same
    transaction as a graph replacement or drop (the relation tally that
    changes with an article, `kg.tally`)."""

    graph: URIRef
    remove: list[Triple] = field(default_factory=list)
    add: list[Triple] = field(default_factory=list)
    #: More additions, already N-Quads lines in `graph` written with the
    #: term builders (`NQuadLines`): a bulk writer's new nodes, hundreds of
    #: thousands, cost a third as much as rdflib triples.  Subjects no
    #: triple of `remove` names (new nodes), so they are never in both.
    lines: str = ""

    @property
    def empty(self) -> bool:
        return not (self.remove or self.add or self.lines)

    def nquads_added(self) -> str:
        """The triples to add as N-Quads in the patch's graph (for a store
        that loads them natively, `EmbeddedStore.add_graphs`)."""
        name = nt_term(self.graph)
        return "".join(f"{nt_term(s)} {nt_term(p)} {nt_term(o)} {name} .\n"
                       for s, p, o in self.add) + self.lines

    def added(self) -> list[Triple]:
        """Every triple to add, `lines` parsed (for a backend that writes
        rdflib terms)."""
        if not self.lines:
            return self.add
        return self.add + nquads_graphs(self.lines, [self.graph])[self.graph]

    def update(self) -> str:
        """The patch as SPARQL Update operations ("" when empty), to follow
        another operation after " ;"."""
        parts = []
        if self.remove:
            parts.append(f"DELETE DATA {{ GRAPH {nt_term(self.graph)} {{\n"
                         f"{_triples(self.remove)}\n}} }}")
        if self.add or self.lines:  # `lines` parsed and written again: not the bulk path
            parts.append(f"INSERT DATA {{ GRAPH {nt_term(self.graph)} {{\n"
                         f"{_triples(self.added())}\n}} }}")
        return " ;\n".join(parts)


class NQuadLines:
    """N-Quads lines in one graph, for `Patch.lines`: a bulk writer's new
    tally and belief nodes, hundreds of thousands of lines, written with
    each distinct term built once.

    Args:
        graph: the graph of every line.
        base: the minter's base IRI: an IRI under it made of letters,
            digits and ``/_.~-`` (a node, a claim) is checked by that
            alone; any other IRI by `kg.terms.iri` (RFC 3987), once.
    """

    def __init__(self, graph: URIRef, base: str) -> None:
        self._end = f" {iri(graph)} .\n"
        self._base = base
        minted_iri(base, base)  # the base is an IRI, or BadTerm
        self._parts: list[str] = []
        # One writer's lines (a batch): the terms it names, each built once.
        self.iri = functools.cache(self._iri)
        self.term = functools.cache(nt_term)

    def _iri(self, value: str) -> Sparql:
        return minted_iri(value, self._base)

    def add(self, triples: Iterable[Triple]) -> None:
        """Lines of these triples (IRIs and literals)."""
        for s, p, o in triples:
            value = self.term(o) if isinstance(o, Literal) else self.iri(o)
            self._parts.append(f"{self.iri(s)} {self.iri(p)} {value}{self._end}")

    def text(self) -> str:
        return "".join(self._parts)


def _triples(triples: Iterable[Triple]) -> Sparql:
    """Triples as N-Triples lines, for INSERT DATA and DELETE DATA."""
    return Sparql("\n".join(f"{nt_term(s)} {nt_term(p)} {nt_term(o)} ." for s, p, o in triples))


#: One patch, several (each to its graph: the tally and the curation graph
#: change with an article), or none.
Patches = Union[Patch, Sequence[Patch], None]


def patch_list(patch: Patches) -> list[Patch]:
    """`patch` as a list of patches (none, one or several)."""
    if patch is None:
        return []
    return [patch] if isinstance(patch, Patch) else list(patch)


def patches_update(patch: Patches) -> str:
    """The patches as SPARQL Update operations, "" when all are empty."""
    return " ;\n".join(part for part in (p.update() for p in patch_list(patch)) if part)


def _then(update: str, patch: Patches) -> str:
    tail = patches_update(patch)
    return f"{update} ;\n{tail}" if tail else update


def replace_update(graph: URIRef, triples: Iterable[Triple], patch: Patches = None) -> str:
    """One SPARQL Update request that replaces a graph's content (and
    applies `patch`).

    Executed as one request it is atomic on every SPARQL 1.1 store we
    support (Oxigraph runs an update in one transaction).
    """
    # Several INSERT DATA operations of bounded size in the one request:
    # Virtuoso's SPARQL parser runs out of memory on one block of ~5,000
    # triples (the ontology graph with the drug vocabulary).
    name = nt_term(graph)
    inserts = Sparql(" ;\n".join(f"INSERT DATA {{ GRAPH {name} {{\n{_triples(chunk)}\n}} }}"
                                 for chunk in chunked(triples, INSERT_CHUNK))
                     or f"INSERT DATA {{ GRAPH {name} {{ }} }}")
    return _then(f"DROP SILENT GRAPH {name} ;\n{inserts}", patch)


#: Triples per INSERT DATA operation of a graph replacement.
INSERT_CHUNK = 1000


def nquads_graphs(nquads: str, graphs: Sequence[URIRef]) -> dict[URIRef, list[Triple]]:
    """N-Quads text as rdflib triples per graph, for `Store.add_graphs` on
    backends that write rdflib terms or query text.

    Raises:
        QueryError: the text is not N-Quads, or holds a quad outside `graphs`.
    """
    import pyoxigraph as ox

    from ._convert import from_ox

    found: dict[URIRef, list[Triple]] = {URIRef(g): [] for g in graphs}
    try:
        for quad in ox.parse(nquads, format=ox.RdfFormat.N_QUADS):
            triples = found.get(from_ox(quad.graph_name))
            if triples is None:
                raise QueryError(f"a quad in graph {quad.graph_name} is not in the graphs added")
            triples.append((from_ox(quad.subject), from_ox(quad.predicate),
                            from_ox(quad.object)))
    except SyntaxError as err:
        raise QueryError(f"invalid N-Quads: {err}") from None
    return found


def _graph_blocks(graphs: dict[URIRef, list[Triple]]) -> Sparql:
    return Sparql("\n".join(f"GRAPH {nt_term(g)} {{\n{_triples(t)}\n}}"
                            for g, t in graphs.items() if t))


def add_update(graphs: dict[URIRef, list[Triple]], patch: Patch | None = None) -> str:
    """One SPARQL Update request that adds graphs' triples (and applies
    `patch`): `Store.add_graphs` on a SPARQL server, atomic there."""
    return _then(f"INSERT DATA {{\n{_graph_blocks(graphs)}\n}}", patch)


def drop_update(graph: URIRef, patch: Patches = None) -> str:
    """One SPARQL Update request that drops a graph (and applies `patch`)."""
    return _then(f"DROP SILENT GRAPH {nt_term(graph)}", patch)


@dataclass
class QueryResult:
    """A query's answer in rdflib terms, whatever the backend.

    `kind` is "select" (with `variables` and `rows`), "ask" (`boolean`) or
    "graph" for CONSTRUCT/DESCRIBE (`graph`).
    """

    kind: str
    variables: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    boolean: bool = False
    graph: Graph | None = None


@dataclass(frozen=True)
class Capabilities:
    """What a backend can do beyond the contract."""

    persistent: bool = False
    transactions: bool = True
    native_results: bool = False


@dataclass(frozen=True)
class QueryPool:
    """How many public queries a backend may run at once, and their
    bounds (the `KG_QUERY_WORKERS`, `KG_LONG_QUERIES` and `KG_QUERY_MEMORY`
    settings); a backend without worker processes ignores them."""

    workers: int = 1
    long_queries: int = 1
    memory_mb: int = 0


class PublicQueries(abc.ABC):
    """How one backend runs checked public queries within `Limits`: the
    time limit really stops the work, rows and bytes are capped
    (`Store.public_queries`; `kg.sparql.QueryRunner` is its only caller)."""

    @abc.abstractmethod
    def run(self, query: "CheckedQuery", fmt: str, limits: "Limits",
            dataset: tuple | None, cancel: "Cancel | None" = None) -> "Answer":
        """Evaluate `query` and serialise its answer as `fmt`.

        Args:
            dataset: (default graphs, named graphs) replacing the store's
                union graph, or None for the union.
            cancel: stops the work when cancelled (QueryCancelled), as the
                time limit does.

        Raises:
            QueryError: the engine refused the query.
            QueryTimeout: stopped at `limits.timeout`.
            QueryCancelled: stopped by `cancel`.
            StoreUnavailable: the engine could not answer.
        """

    def warm(self) -> None:
        """Start now what the first query would start (worker processes)."""

    def close(self) -> None:
        """Stop what `warm` or a query started; idempotent."""


class Store(abc.ABC):
    """Named graphs with SPARQL over their union.

    Implementations: `embedded` (pyoxigraph on disk), `memory` (rdflib) and
    `sparql` (any SPARQL 1.1 server).  The same test suite runs on each.
    """

    name: str = "?"
    capabilities = Capabilities()
    #: True when this process may only read (an embedded store another
    #: process writes is opened as a read-only snapshot).
    read_only: bool = False

    @classmethod
    def from_settings(cls, settings: "Settings", write: bool = True) -> "Store":
        """Open the backend as `settings` configure it (`kg.store.open_store`);
        `write` is whether this process will write."""
        return cls()

    @abc.abstractmethod
    def public_queries(self, pool: QueryPool) -> PublicQueries:
        """How this backend runs public queries within their limits."""

    @abc.abstractmethod
    def replace_graph(self, graph: URIRef, triples: Iterable[Triple],
                      patch: Patches = None) -> None:
        """Replace everything in `graph` with `triples`, and apply `patch`
        (one or several, each to its graph), atomically."""

    @abc.abstractmethod
    def apply(self, patch: Patches) -> None:
        """Apply patches (each to its graph) atomically, replacing no graph:
        a curation that changes only the curation graph (a reader's flag).
        Within a patch the removals go first."""

    @abc.abstractmethod
    def add_graphs(self, graphs: Sequence[URIRef], nquads: str,
                   patch: Patch | None = None, readers: bool = True) -> None:
        """Add new graphs, given as N-Quads text whose every quad is in one
        of `graphs`, and apply `patch` to its graph, as one change: after a
        crash at any moment the store holds all of it or none of it once a
        writer has opened it again (the batch ingest path,
        `kg.load.write_articles`: many articles per transaction).  Readers
        see each new graph whole or not at all, unless `readers` is False:
        nobody reads this store object while it writes (a command-line
        ingest), so a backend may load the quads in bulk.

        Raises:
            ValueError: one of `graphs` already exists (replacing a graph is
                `replace_graph`'s job, which readers see atomically).
            QueryError: `nquads` is not N-Quads.
        """

    @abc.abstractmethod
    def drop_graph(self, graph: URIRef, patch: Patches = None) -> bool:
        """Remove `graph` (and apply `patch`, atomically); True if it
        existed.  The patch is applied only when it did."""

    @abc.abstractmethod
    def query(self, query: str) -> QueryResult:
        """Run any SPARQL query over the union graph.

        Raises:
            QueryError: the query does not parse.
        """

    def _expect(self, query: str, kind: str) -> QueryResult:
        result = self.query(query)
        if result.kind != kind:
            raise QueryError(f"expected a {kind} query, got a {result.kind} query")
        return result

    def select(self, query: str) -> list[Row]:
        """Rows of a SELECT; each maps variable -> term (unbound ones absent)."""
        return self._expect(query, "select").rows

    def select_values(self, query: str) -> list[ValueRow]:
        """Rows of a SELECT as plain strings: each maps variable -> the IRI,
        the literal's lexical form (no language or datatype) or the blank
        node id; unbound variables are absent.

        Equal to ``[{k: str(v) for k, v in row.items()} for row in
        self.select(query)]``, without making an rdflib term per value:
        for callers that read values only (subgraph selection),
        where making the terms took most of the time.  Backends override
        it to read their native results directly.

        Raises:
            QueryError: the query does not parse or is not a SELECT.
        """
        return [{k: str(v) for k, v in row.items()} for row in self.select(query)]

    def ask(self, query: str) -> bool:
        return self._expect(query, "ask").boolean

    def construct(self, query: str) -> Graph:
        """The graph of a CONSTRUCT or DESCRIBE."""
        graph = self._expect(query, "graph").graph
        assert graph is not None, "a graph result carries its graph"
        return graph

    @abc.abstractmethod
    def graphs(self) -> list[URIRef]:
        """The names of all named graphs, sorted."""

    @abc.abstractmethod
    def quads(self, graph: URIRef | None = None) -> Iterator[Quad]:
        """Every quad, or those of one graph."""

    def __len__(self) -> int:
        rows = self.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
        return int(rows[0]["n"]) if rows else 0

    def has_graph(self, graph: URIRef) -> bool:
        return graph in set(self.graphs())

    def dump_nquads(self) -> str:
        """All quads as sorted N-Quads: equal stores give equal dumps."""
        lines = {f"{nt_term(s)} {nt_term(p)} {nt_term(o)} {nt_term(g)} ."
                 for s, p, o, g in self.quads()}
        return "\n".join(sorted(lines)) + ("\n" if lines else "")

    def close(self) -> None:
        """Release files, locks and connections; idempotent."""

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
