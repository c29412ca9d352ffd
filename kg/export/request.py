"""What to export: one validated request, shared by the CLI, the web form
and the API, and the subgraph it selects.  A CONSTRUCT scope is checked
and run by `construct`, the articles' metadata read by `metadata`; `kg
export` writes files with `files.save`.

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

import datetime
import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, Sequence

from ingest.model import PREDICATES, EntityType

from ..errors import QueryError, quoted
from ..subgraph import (MAX_DEPTH, MODALITIES, Selection, article_subgraph, construct_subgraph,
                        neighbourhood, paths)
from .construct import check_construct, limited_construct
from .metadata import article_metadata
from .registry import Format, get_format

if TYPE_CHECKING:
    import networkx as nx

    from ..graph import KnowledgeGraph

__all__ = ["ExportRequest", "PARAMETERS", "PREDICATE_NAMES", "TYPES", "export", "file_name"]

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
            query = limited_construct(graph, check_construct(self.construct,
                                                             graph.settings.base_iri))
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
    return sorted({c.article for _, _, d in sub.edges(data=True) for c in d["claims"]})


def _slug(text: str) -> str:
    """A safe file-name stem.

    >>> _slug("NMDA receptor / <script>")
    'nmda-receptor-script'
    """
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:80].rstrip("-") or "export"


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
