"""What to export: one validated request, shared by the CLI, the web form
and the API, and the subgraph it selects.

A request names exactly one scope -- an entity and a depth, one article,
the paths between two entities, or a SPARQL CONSTRUCT -- plus the filters of
`kg.subgraph.Selection`.  Every parameter is checked here, so the web layer
answers 400 (`QueryError`) and the CLI prints one line for the same mistakes.

The selected subgraph (a networkx MultiDiGraph from `kg.subgraph`) gets
what the writers need beyond entities and claims, in ``subgraph.graph``:
``title``, ``description`` (the filters in words), ``articles`` (id ->
iri, title, source, date), ``base_name`` (for file names), ``scope`` and
``generated`` (today's date).
"""
from __future__ import annotations

import contextlib
import datetime
import errno
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Callable, Iterable, Mapping, Sequence

from ingest.model import PREDICATES, EntityType

from ..errors import KGError, QueryError, quoted
from ..subgraph import (MAX_DEPTH, MODALITIES, Selection, article_subgraph, construct_subgraph,
                        neighbourhood, paths)
from ..terms import PREFIXES, chunked, iri, iris, sparql_prefixes
from .registry import Format, get_format

if TYPE_CHECKING:
    import networkx as nx

    from ..graph import KnowledgeGraph

__all__ = ["ExportRequest", "PARAMETERS", "PREDICATE_NAMES", "TYPES", "article_metadata",
           "check_construct", "export", "file_name", "save"]

TYPES = tuple(t.value for t in EntityType)
PREDICATE_NAMES = tuple(sorted(PREDICATES))
#: Query-string / form parameter names (the CLI's options, spelt for URLs).
PARAMETERS = ("entity", "depth", "predicate", "modality", "type", "min_articles", "article",
              "from", "to", "construct", "format")
_MULTI = {"predicate", "modality", "type"}
_ARTICLE_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,199}$")
_MAX_NAME = 300
#: An entity given as an IRI goes into SPARQL as <...>: none of these characters.
_IRI = re.compile(r'^https?://[^\s<>"{}|\\^`]+$')
_MAX_CONSTRUCT = 20_000
_MAX_MIN_ARTICLES = 100_000


def _words(values: Iterable[str]) -> list[str]:
    """Repeated values, each possibly comma-separated, trimmed, de-duplicated."""
    out: list[str] = []
    for value in values:
        for part in str(value).split(","):
            part = part.strip()
            if part and part not in out:
                out.append(part)
    return out


def _check_choice(kind: str, values: Sequence[str], allowed: Sequence[str]) -> tuple[str, ...]:
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise QueryError(f"unknown {kind} {quoted(unknown[0])}; use {', '.join(allowed)}")
    return tuple(sorted(values))


def check_construct(query: str) -> str:
    """The query with our prefixes added where it lacks them, after checking
    that it is one read-only CONSTRUCT that cannot reach other hosts
    (no SERVICE, no FROM/FROM NAMED, which rdflib would fetch).

    Raises:
        QueryError: not a CONSTRUCT, does not parse, or refused.
    """
    from pyparsing import ParseException
    from rdflib.plugins.sparql.parser import parseQuery
    from rdflib.plugins.sparql.parserutils import CompValue

    declared = {m.lower() for m in re.findall(r"(?i)\bPREFIX\s+([A-Za-z][\w.-]*)?\s*:", query)}
    missing = sparql_prefixes(skip=declared)
    full = missing + query
    try:
        parsed = parseQuery(full)
    except ParseException as err:
        raise QueryError(f"the CONSTRUCT query does not parse: {err.msg} "
                         f"(line {err.lineno - missing.count(chr(10))}, "
                         f"column {err.col})") from None
    if parsed[1].name != "ConstructQuery":
        raise QueryError("an export query must be a SPARQL CONSTRUCT")

    def walk(node) -> None:
        if isinstance(node, CompValue):
            if node.name == "ServiceGraphPattern":
                raise QueryError("SERVICE is not allowed in an export query")
            if node.name == "DatasetClause" or "datasetClause" in node:
                raise QueryError("FROM and FROM NAMED are not allowed in an export query")
            for value in node.values():
                walk(value)
        elif isinstance(node, (list, tuple)):
            for value in node:
                walk(value)

    walk(parsed[1])
    return full


def _limited_construct(graph: "KnowledgeGraph", query: str) -> str:
    """Run a user's CONSTRUCT under the public SPARQL policy and limits
    (`kg.sparql`: refusals, a time limit that really stops the engine, a row
    cap) and return a cheap CONSTRUCT of the same edges, for
    `construct_subgraph` to gather their claims.

    Raises:
        QueryError: refused or malformed; QueryTimeout: over the time limit.
    """
    from rdflib import Graph, URIRef

    from ..sparql import QueryRunner

    # One worker: an export runs one query, and the pool would start the
    # endpoint's whole complement of processes for it.
    with QueryRunner(graph, workers=1) as runner:
        answer = runner.run(query, "nt")
    edges = Graph().parse(data=answer.body, format="nt")
    rows = " ".join(f"({iri(s)} {iri(p)} {iri(o)})" for s, p, o in sorted(edges)
                    if str(p).startswith(PREFIXES["hkg"])
                    and isinstance(s, URIRef) and isinstance(o, URIRef))
    return f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ VALUES (?s ?p ?o) {{ {rows} }} }}"


@dataclass(frozen=True)
class ExportRequest:
    """One export's scope and filters, validated on creation.

    Exactly one scope: `entity` (with `depth` 1-3), `article`, `source`
    and `target` (paths), or `construct`.

    >>> ExportRequest(entity="ketamine", depth=2, modalities=("asserted",)).describe_filters()
    'asserted claims only'
    >>> ExportRequest(depth=2)
    Traceback (most recent call last):
    ...
    kg.errors.QueryError: say what to export: an entity, an article, from and to, ...

    Raises:
        QueryError: a parameter is missing, unknown or out of range.
    """

    entity: str | None = None
    depth: int = 1
    predicates: tuple[str, ...] = ()
    modalities: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    min_articles: int = 1
    article: str | None = None
    source: str | None = None
    target: str | None = None
    construct: str | None = field(default=None, repr=False)

    def __post_init__(self):
        for name in ("entity", "article", "source", "target", "construct"):
            value = getattr(self, name)
            if value is not None:
                value = str(value).strip() or None
                object.__setattr__(self, name, value)
        scopes = [name for name, given in (
            ("entity", self.entity), ("article", self.article),
            ("from/to", self.source or self.target), ("construct", self.construct)) if given]
        if not scopes:
            raise QueryError("say what to export: an entity, an article, from and to, "
                             "or a CONSTRUCT query")
        if len(scopes) > 1:
            raise QueryError(f"give one of entity, article, from/to or construct, "
                             f"not {' and '.join(scopes)}")
        if bool(self.source) != bool(self.target):
            raise QueryError("paths need both from and to")
        for name in ("entity", "source", "target"):
            value = getattr(self, name)
            if value is None:
                continue
            if len(value) > _MAX_NAME or any(ch < " " for ch in value):
                raise QueryError(f"{name} is not an entity name")
            if value.startswith(("http://", "https://")) and not _IRI.match(value):
                raise QueryError(f"{name} is not a valid IRI")
        if self.article is not None and not _ARTICLE_ID.match(self.article):
            raise QueryError(f"{self.article[:60]!r} is not an article id")
        if self.construct is not None and len(self.construct) > _MAX_CONSTRUCT:
            raise QueryError(f"the CONSTRUCT query is longer than {_MAX_CONSTRUCT} characters")
        if isinstance(self.depth, bool) or not isinstance(self.depth, int) \
                or not 1 <= self.depth <= MAX_DEPTH:
            raise QueryError(f"depth must be a whole number from 1 to {MAX_DEPTH}")
        if isinstance(self.min_articles, bool) or not isinstance(self.min_articles, int) \
                or not 1 <= self.min_articles <= _MAX_MIN_ARTICLES:
            raise QueryError("min_articles must be a whole number of at least 1")
        object.__setattr__(self, "predicates",
                           _check_choice("predicate", _words(self.predicates), tuple(PREDICATES)))
        object.__setattr__(self, "modalities",
                           _check_choice("modality", _words(self.modalities), MODALITIES))
        object.__setattr__(self, "types", _check_choice("type", _words(self.types), TYPES))

    @classmethod
    def from_params(cls, params: Mapping[str, Sequence[str]],
                    ignore: Iterable[str] = ("format",)) -> "ExportRequest":
        """A request from URL/form parameters (each name -> its values).

        Names are those of `PARAMETERS`; `predicate`, `modality` and `type`
        repeat or take commas; the others take one value.

        >>> ExportRequest.from_params({"entity": ["ketamine"], "depth": ["2"],
        ...                            "predicate": ["treats,hasAdverseEffect"]}).predicates
        ('hasAdverseEffect', 'treats')

        Raises:
            QueryError: an unknown name, a repeated single value, or a bad value.
        """
        ignore = set(ignore)
        values: dict[str, Any] = {}
        for name, given in params.items():
            given = [str(v) for v in given]
            if name not in PARAMETERS:
                raise QueryError(f"unknown parameter {name!r}; use {', '.join(PARAMETERS)}")
            if name in ignore:
                continue
            if name in _MULTI:
                values[name] = tuple(_words(given))
                continue
            given = [v for v in given if v.strip()]
            if len(given) > 1:
                raise QueryError(f"{name} is given {len(given)} times; give it once")
            if given:
                values[name] = given[0]
        for name in ("depth", "min_articles"):
            if name in values:
                try:
                    values[name] = int(str(values[name]).strip())
                except ValueError:
                    raise QueryError(f"{name} must be a whole number") from None
        renamed = {"predicate": "predicates", "modality": "modalities", "type": "types",
                   "from": "source", "to": "target"}
        return cls(**{renamed.get(k, k): v for k, v in values.items()})

    def as_params(self) -> list[tuple[str, str]]:
        """The request as URL parameters (the inverse of `from_params`)."""
        out: list[tuple[str, str]] = []
        for name, value in (("entity", self.entity), ("article", self.article),
                            ("from", self.source), ("to", self.target),
                            ("construct", self.construct)):
            if value:
                out.append((name, value))
        if self.entity:
            out.append(("depth", str(self.depth)))
        out += [("predicate", p) for p in self.predicates]
        out += [("modality", m) for m in self.modalities]
        out += [("type", t) for t in self.types]
        if self.min_articles != 1:
            out.append(("min_articles", str(self.min_articles)))
        return out

    @property
    def selection(self) -> Selection:
        return Selection(predicates=frozenset(self.predicates),
                         modalities=frozenset(self.modalities),
                         types=frozenset(self.types), min_articles=self.min_articles)

    def with_(self, **changes) -> "ExportRequest":
        """A copy with some fields changed (validated again)."""
        return replace(self, **changes)

    def describe_filters(self) -> str:
        """The filters in words, '' when there are none."""
        parts = []
        if self.predicates:
            parts.append("relations: " + ", ".join(self.predicates))
        if self.modalities:
            parts.append(" or ".join(self.modalities) + " claims only")
        if self.types:
            parts.append("entity types: " + ", ".join(self.types))
        if self.min_articles > 1:
            parts.append(f"stated by at least {self.min_articles} articles")
        return "; ".join(parts)

    def select(self, graph: "KnowledgeGraph") -> "nx.MultiDiGraph":
        """The subgraph this request names, with the metadata writers use.

        Raises:
            NotFound: the entity or article does not exist.
            QueryError: the CONSTRUCT query is refused.
        """
        selection = self.selection
        if self.entity:
            sub = neighbourhood(graph, self.entity, self.depth, selection)
            centre = sub.graph["centre"]
            label = sub.nodes[centre].get("label", self.entity)
            steps = "step" if self.depth == 1 else "steps"
            title = f"{label[:1].upper()}{label[1:]}: relations within {self.depth} {steps}"
            base = self.base_name(label)
            scope = "entity"
        elif self.article:
            sub = article_subgraph(graph, self.article, selection)
            title, base, scope = None, self.base_name(), "article"
        elif self.source and self.target:  # __post_init__: both or neither
            sub, found = paths(graph, self.source, self.target, selection=selection)
            sub.graph["paths"] = found
            a = sub.nodes[sub.graph["source"]].get("label", self.source)
            b = sub.nodes[sub.graph["target"]].get("label", self.target)
            title, base, scope = f"Paths from {a} to {b}", self.base_name(a, b), "paths"
        else:
            assert self.construct is not None, "__post_init__: exactly one selection"
            query = _limited_construct(graph, check_construct(self.construct))
            sub = construct_subgraph(graph, query, selection)
            title, base, scope = ("Relations selected by a SPARQL query", self.base_name(),
                                  "construct")
        sub.graph["articles"] = article_metadata(graph, _article_ids(sub))
        if scope == "article":
            meta = sub.graph["articles"].get(self.article)
            title = f"Relations stated in “{meta['title'] if meta else self.article}”"
        sub.graph.update(title=title, description=self.describe_filters(),
                         base_name=base, scope=scope,
                         generated=datetime.date.today().isoformat())
        return sub

    def base_name(self, label: str | None = None, target_label: str | None = None) -> str:
        """The stem of the download's file names, from the labels of the
        entity (or the paths' two ends); without them, from what the request
        names.  The same stem the selection gets, so a page can name a
        download before selecting it.

        >>> ExportRequest(entity="ketamine", depth=2).base_name("NMDA receptor")
        'nmda-receptor-depth-2'
        >>> ExportRequest(construct="CONSTRUCT WHERE { ?s ?p ?o }").base_name()
        'construct'
        """
        if self.entity:
            return _slug(f"{label or self.entity}-depth-{self.depth}")
        if self.article:
            return _slug(f"article-{self.article}")
        if self.source:
            return _slug(f"paths-{label or self.source}-to-{target_label or self.target}")
        return "construct"

    def filename(self, subgraph: "nx.MultiDiGraph", fmt: Format | str) -> str:
        """The download's file name: `ketamine-depth-1.ttl`."""
        return file_name(subgraph.graph.get("base_name") or "export", fmt)


def file_name(base_name: str, fmt: Format | str) -> str:
    """A download's file name from its stem and format.

    >>> file_name("ketamine-depth-1", "pack")
    'ketamine-depth-1-pack.zip'
    """
    fmt = get_format(fmt) if isinstance(fmt, str) else fmt
    suffix = "-pack" if fmt.name == "pack" else ""
    return f"{base_name}{suffix}.{fmt.extension}"


def _article_ids(sub: "nx.MultiDiGraph") -> list[str]:
    return sorted({c["article"] for _, _, d in sub.edges(data=True) for c in d["claims"]})


def _slug(text: str) -> str:
    """A safe file-name stem.

    >>> _slug("NMDA receptor / <script>")
    'nmda-receptor-script'
    """
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:80].rstrip("-") or "export"


def article_metadata(graph: "KnowledgeGraph", ids: Sequence[str]) -> dict[str, dict]:
    """id -> {id, iri, title, source, date} for the given articles."""
    result: dict[str, dict] = {}
    for chunk in chunked(sorted(set(ids))):
        values = iris(graph.minter.article(i) for i in chunk)
        # Plain strings, and the union graph rather than VALUES ?a + GRAPH
        # ?a, which Oxigraph answers by scanning every graph.
        rows = graph.store.select_values(sparql_prefixes() + f"""
            SELECT ?a ?id ?title ?source ?date WHERE {{ VALUES ?a {{ {values} }}
              ?a dcterms:identifier ?id ; dcterms:title ?title .
              OPTIONAL {{ ?a dcterms:source ?source }}
              OPTIONAL {{ ?a dcterms:date ?date }} }}""")
        for row in rows:
            result[row["id"]] = {"id": row["id"], "iri": row["a"], "title": row["title"],
                                 "source": row.get("source", ""), "date": row.get("date", "")}
    return dict(sorted(result.items()))


def export(graph: "KnowledgeGraph", request: ExportRequest, fmt: str,
           progress: Callable[[str], None] | None = None) -> tuple["nx.MultiDiGraph", bytes]:
    """Select and write in one call: (subgraph, file bytes).

    `progress` is called with a short stage name before each stage.
    """
    fmt_ = get_format(fmt)
    writer = fmt_.load()
    if progress:
        progress("selecting")
    sub = request.select(graph)
    if progress:
        progress(f"writing {fmt_.name}")
    return sub, writer(sub)


def save(subgraph: "nx.MultiDiGraph", fmt: Format, output: str | Path,
         stdout: BinaryIO | None = None) -> list[Path]:
    """Write an export where the CLI was told to, and say what was written.

    `stdout` given: the bytes go there.  Format ``csv`` with `output` an
    existing folder or a name ending in ``/``: ``<name>-edges.csv`` and
    ``<name>-nodes.csv`` in it; ending in ``.zip``: a zip of both.  Anything
    else is one file, written to a temporary name and renamed, so an
    interrupted export never leaves half a file.
    """
    from . import tables

    if stdout is not None:
        stdout.write(fmt.load()(subgraph))
        stdout.flush()
        return []
    output_text = str(output)
    path = Path(output)
    stem = f"{subgraph.graph.get('base_name') or 'export'}-"
    if fmt.name == "csv" and (path.is_dir() or output_text.endswith(("/", os.sep))):
        return tables.write_folder(subgraph, path, stem)
    if fmt.name == "csv" and path.suffix.lower() == ".zip":
        data = tables.write_zip(subgraph, stem)
    else:
        data = fmt.load()(subgraph)
    partial = path.with_name(f".{path.name}.partial")
    try:
        if path.is_dir():
            raise IsADirectoryError(errno.EISDIR, "is a folder", str(path))
        if path.parent and not path.parent.exists():
            path.parent.mkdir(parents=True)
        partial.write_bytes(data)
        os.replace(partial, path)
    except OSError as err:
        # A path the user cannot write (a folder, /proc, no permission) is a
        # one-line error, never a traceback, and no .partial file stays
        # (web and CLI paths).
        with contextlib.suppress(OSError):
            partial.unlink()
        raise KGError(f"cannot write {output_text}: {err.strerror or err}") from None
    return [path]
