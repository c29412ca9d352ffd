"""The claims as a browsable list: filters, facet counts, sort and pages
(issue 18, item 2).

A `ClaimFilter` is parsed from query parameters (`parse`), checked against
the domain table (`ingest.domain`: predicate, type and modality names) and
the graph (articles, entities); anything else is refused with a message
naming the parameter and what it takes.  Values reach query text only as
terms of `kg.terms` (`iri`, `iris`, `integer`), never as request text.

Every read is bounded: `claim_page` sorts and pages with one SELECT (ORDER
BY, LIMIT, OFFSET) and then reads the details of that page's claims only;
`facets` counts with one GROUP BY query per facet (the article and entity
facets keep their `FACET_SIZE` largest values).  Filters combine as AND
between parameters and OR between the values of one parameter, and each
facet counts under every filter but its own, so a reader can add a second
value of a facet already chosen.

>>> parse([("modality", "hedged"), ("sort", "-subject")]).modality
('hedged',)
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Mapping

from ingest import domain

from . import anchoring, belief
from .belief import Belief
from .context import Context
from .errors import NotFound, QueryError, quoted
from .read import ClaimRecord, entity_info, local_name
from .terms import HKG, Sparql, iri, iris, integer, select_chunked, sparql_prefixes

__all__ = ["FACETS", "FACET_SIZE", "FILTERS", "SORTS", "BadParameter", "ClaimFilter",
           "ClaimPage", "Facet", "FacetValue", "claim_page", "entity_claim_counts", "facets",
           "parse", "rows_of", "type_claim_counts"]

_PREFIXES = sparql_prefixes()

#: The filter parameters, in the order pages show their facets.
FILTERS = ("modality", "predicate", "subject_type", "object_type", "article", "entity")
#: Facets are the filters; each counts claims per value.
FACETS = FILTERS
#: Values kept by the open-ended facets (article, entity), largest first.
FACET_SIZE = 30
#: Sort keys (a leading "-" sorts descending); "article" (then the
#: sentence's offset) is the default and the order of `kg claims`.
SORTS = ("article", "subject", "predicate", "object", "modality", "belief")


class BadParameter(QueryError):
    """A claims-list parameter that is unknown or has a value it does not
    take; the message names the parameter and what it takes (a 400)."""


@dataclass(frozen=True)
class ClaimFilter:
    """Which claims, in which order.  Values are names (`hedged`,
    `hasAdverseEffect`, `AdverseEffect`, an article id, an entity key)."""

    modality: tuple[str, ...] = ()
    predicate: tuple[str, ...] = ()
    subject_type: tuple[str, ...] = ()
    object_type: tuple[str, ...] = ()
    article: tuple[str, ...] = ()
    entity: tuple[str, ...] = ()
    sort: str = "article"
    descending: bool = False
    #: Claims a curator rejected (issue 19): "" lists them (the API, the
    #: CLI), "hide" leaves them out (pages, by default), "show" lists them
    #: and says so in `params` (the pages' toggle).
    rejected: str = ""

    def values(self, name: str) -> tuple[str, ...]:
        return getattr(self, name)

    def without(self, name: str) -> "ClaimFilter":
        """The same filter with no values for `name`."""
        empty: dict[str, Any] = {name: ()}
        return replace(self, **empty)

    def params(self) -> list[tuple[str, str]]:
        """The filter and sort as query parameters (what `parse` reads)."""
        pairs = [(name, value) for name in FILTERS for value in self.values(name)]
        if self.sort != "article" or self.descending:
            pairs.append(("sort", ("-" if self.descending else "") + self.sort))
        if self.rejected == "show":
            pairs.append(("rejected", "show"))
        return pairs

    @property
    def active(self) -> bool:
        return any(self.values(name) for name in FILTERS)


def _allowed(name: str) -> tuple[str, ...] | None:
    return {"modality": tuple(domain.MODALITIES), "predicate": tuple(domain.PREDICATES),
            "subject_type": tuple(domain.TYPES), "object_type": tuple(domain.TYPES)}.get(name)


def parse(pairs: Iterable[tuple[str, str]], others: Iterable[str] = (),
          where: str = "the claims list") -> ClaimFilter:
    """A `ClaimFilter` from query parameters (name, value pairs; a value
    may list several, comma-separated).  `others` are the parameters the
    caller reads itself (limit, offset, page); any other name is refused.

    Raises:
        BadParameter: an unknown parameter, a value a parameter does not
            take, or a second `sort`.

    >>> parse([("predicate", "treats,usedIn"), ("page", "2")], others=["page"]).predicate
    ('treats', 'usedIn')
    >>> parse([("modality", "sure")])
    Traceback (most recent call last):
    kg.claimlist.BadParameter: modality takes asserted, hedged, investigational or negated, \
not 'sure'
    """
    known = set(FILTERS) | {"sort"} | set(others)
    chosen: dict[str, list[str]] = {name: [] for name in FILTERS}
    sort = None
    for name, raw in pairs:
        if name not in known:
            takes = ", ".join([*FILTERS, "sort", *others])
            raise BadParameter(f"unknown parameter {quoted(name)}; {where} takes {takes}")
        if name == "sort":
            if sort is not None:
                raise BadParameter("sort is given twice; give one sort key")
            sort = raw.strip()
            continue
        if name not in chosen:
            continue
        for value in (v.strip() for v in raw.split(",")):
            allowed = _allowed(name)
            if not value:
                continue
            if allowed is not None and value not in allowed:
                raise BadParameter(f"{name} takes {_either(allowed)}, not {quoted(value)}")
            if value not in chosen[name]:
                chosen[name].append(value)
    key = (sort or "article").removeprefix("-")
    if key not in SORTS:
        takes = _either([*SORTS, *(f"-{s}" for s in SORTS)])
        raise BadParameter(f"sort takes {takes}, not {quoted(sort or '')}")
    filters: dict[str, Any] = {name: tuple(values) for name, values in chosen.items()}
    return ClaimFilter(**filters, sort=key, descending=bool(sort and sort.startswith("-")))


def _either(words: Iterable[str]) -> str:
    words = list(words)
    return ", ".join(words[:-1]) + f" or {words[-1]}" if len(words) > 1 else words[0]


# ------------------------------------------------------------ query text

def _values(variable: Sparql, terms: Iterable[str]) -> Sparql:
    """`VALUES ?variable { <t> ... }` (terms validated by `iris`)."""
    return Sparql(f"VALUES {variable} {{ {iris(terms)} }}")


def _where(graph: Context, chosen: ClaimFilter) -> Sparql:
    """The graph pattern of the claims `chosen` selects, binding ?c (the
    claim), ?a (its article graph), ?s ?p ?o ?m."""
    none = Sparql("")
    article = Sparql("?a")
    articles = none
    if len(chosen.article) == 1:
        # In place, not VALUES: a constant graph name is one index lookup
        # (see kg.read._article_scope).
        article = iri(_article_iri(graph, chosen.article[0]))
        articles = Sparql(f"BIND({article} AS ?a)")
    elif chosen.article:
        articles = _values(Sparql("?a"), [_article_iri(graph, a) for a in chosen.article])
    entities = none
    mentions = none
    if chosen.entity:
        entities = _values(Sparql("?e"), [_entity_iri(graph, e) for e in chosen.entity])
        mentions = Sparql("?c hkg:subject|hkg:object ?e .")
    modalities = _values(Sparql("?m"), [str(HKG[m]) for m in chosen.modality]) \
        if chosen.modality else none
    predicates = _values(Sparql("?p"), [str(HKG[p]) for p in chosen.predicate]) \
        if chosen.predicate else none
    subject_types = none
    subject_typed = none
    if chosen.subject_type:
        subject_types = _values(Sparql("?st"), [str(HKG[t]) for t in chosen.subject_type])
        subject_typed = Sparql("?s a ?st .")
    object_types = none
    object_typed = none
    if chosen.object_type:
        object_types = _values(Sparql("?ot"), [str(HKG[t]) for t in chosen.object_type])
        object_typed = Sparql("?o a ?ot .")
    # The review state lives in the curation graph (issue 19).
    rejected = Sparql("FILTER NOT EXISTS { GRAPH ?review { ?c hkg:reviewState hkg:rejected } }") \
        if chosen.rejected == "hide" else none
    return Sparql(f"""{articles} {entities} {modalities} {predicates}
        {subject_types} {object_types}
        GRAPH {article} {{ {mentions}
          ?c prov:wasDerivedFrom {article} ; hkg:subject ?s ; hkg:predicate ?p ;
             hkg:object ?o ; hkg:modality ?m . }}
        {subject_typed} {object_typed} {rejected}""")


def _article_iri(graph: Context, article: str) -> str:
    name = graph.minter.article(article)
    if not graph.store.has_graph(name):
        raise NotFound(f"no article {quoted(article)}")
    return str(name)


def _entity_iri(graph: Context, key: str) -> str:
    from .subgraph import resolve_entity

    return resolve_entity(graph, key)


#: ORDER BY keys per sort: the article's order is `kg claims`' (article,
#: offsets, predicate, then labels); the others fall back to it, and all
#: end on the claim's IRI, so no two claims tie.
_ORDER_KEYS = {
    "article": ("?a", "?start ?end STR(?p) ?sl ?ol ?c"),
    "subject": ("LCASE(?sl)", "STR(?p) LCASE(?ol) ?a ?start ?c"),
    "object": ("LCASE(?ol)", "STR(?p) LCASE(?sl) ?a ?start ?c"),
    "predicate": ("?pk", "LCASE(?sl) LCASE(?ol) ?a ?start ?c"),
    "modality": ("?mk", "?a ?start ?end STR(?p) ?sl ?ol ?c"),
    # The relation's belief (`kg.belief`; a relation without one first).
    "belief": ("?bv", "?a ?start ?end STR(?p) ?sl ?ol ?c"),
}
_ORDER: Mapping[tuple[str, bool], Sparql] = {
    (sort, descending): Sparql(("DESC(" if descending else "ASC(") + first + ") " + rest)
    for sort, (first, rest) in _ORDER_KEYS.items() for descending in (False, True)}


def _order(chosen: ClaimFilter) -> Sparql:
    """The ORDER BY keys of `chosen`'s sort (fixed text of `_ORDER`)."""
    return _ORDER[chosen.sort, chosen.descending]


def _rank_values() -> Sparql:
    """Sort keys for predicates (their reader label) and modalities (the
    order readers look at them), from the domain table."""
    from .terms import literal

    predicates = " ".join(f"({iri(HKG[name])} {literal(words.label)})"
                          for name, words in domain.PREDICATES.items())
    modalities = " ".join(f"({iri(HKG[name])} {integer(rank)})"
                          for rank, name in enumerate(domain.MODALITIES))
    return Sparql(f"OPTIONAL {{ VALUES (?p ?pk) {{ {predicates} }} }}\n"
                  f"OPTIONAL {{ VALUES (?m ?mk) {{ {modalities} }} }}")


# ----------------------------------------------------------------- pages

@dataclass(frozen=True)
class ClaimRow:
    """One claim of a page, with its article's title, its relation's
    belief (None while the belief graph has none for it) and its review
    state (None as extracted)."""

    record: ClaimRecord
    title: str
    belief: Belief | None = None
    review_state: str | None = None

    def as_json(self, explain: bool = False) -> dict:
        """The claims JSONL contract (with the rule and cue words if
        `explain`), plus the relation's belief and the claim's review
        state."""
        return {**self.record.as_json(explain),
                "belief": self.belief.as_json() if self.belief is not None else None,
                "review_state": self.review_state}


@dataclass(frozen=True)
class ClaimPage:
    """A page of the filtered, sorted claims and how many there are."""

    filter: ClaimFilter
    total: int
    offset: int
    limit: int
    rows: list[ClaimRow] = field(default_factory=list)

    @property
    def records(self) -> list[ClaimRecord]:
        return [row.record for row in self.rows]


def count(graph: Context, chosen: ClaimFilter) -> int:
    """How many claims `chosen` selects."""
    rows = graph.store.select_values(_PREFIXES + f"""
        SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{ {_where(graph, chosen)} }}""")
    return int(rows[0]["n"]) if rows else 0


def claim_page(graph: Context, chosen: ClaimFilter, limit: int = 50,
               offset: int = 0) -> ClaimPage:
    """The claims `chosen` selects, sorted, `limit` of them from `offset`.

    The same filter, limit and offset give the same rows in the same order
    (every sort ends on keys that tell claims apart), so pages never repeat
    or skip a claim while the graph is unchanged.

    Raises:
        NotFound: a filtered article or entity is not in the graph.
    """
    where = _where(graph, chosen)
    believed = Sparql("")
    if chosen.sort == "belief":
        believed = Sparql(f"""OPTIONAL {{ GRAPH {iri(belief.belief_graph(graph))} {{
            ?bn hkg:beliefObject ?o ; hkg:beliefSubject ?s ; hkg:beliefPredicate ?p ;
                hkg:belief ?bv0 }} }}""")
    rows = graph.store.select_values(_PREFIXES + f"""
        SELECT ?c ?a ?p ?m ?start ?end ?pk ?mk (MIN(STR(?sl0)) AS ?sl) (MIN(STR(?ol0)) AS ?ol)
               (MAX(?bv0) AS ?bv)
        WHERE {{ {where}
          GRAPH ?a {{ ?c hkg:start ?start ; hkg:end ?end }}
          OPTIONAL {{ ?s rdfs:label ?sl0 }} OPTIONAL {{ ?o rdfs:label ?ol0 }}
          {believed}
          {_rank_values()} }}
        GROUP BY ?c ?a ?p ?m ?start ?end ?pk ?mk
        ORDER BY {_order(chosen)}
        LIMIT {integer(limit)} OFFSET {integer(offset)}""")
    claims = [r["c"] for r in rows]
    total = count(graph, chosen) if rows or offset else 0
    return ClaimPage(chosen, total, offset, limit, _details(graph, claims))


def _details(graph: Context, claims: list[str]) -> list[ClaimRow]:
    """Each claim's record and article title, in the order given."""
    if not claims:
        return []

    def query(values: Sparql) -> str:
        return _PREFIXES + f"""
            SELECT ?c ?id ?title ?s ?p ?o ?m ?ev ?start ?end ?rule ?ver WHERE {{
              VALUES ?c {{ {values} }}
              GRAPH ?a {{ ?c prov:wasDerivedFrom ?a ; hkg:subject ?s ; hkg:predicate ?p ;
                             hkg:object ?o ; hkg:modality ?m ; hkg:evidence ?ev ;
                             hkg:start ?start ; hkg:end ?end .
                          ?a dcterms:identifier ?id .
                          OPTIONAL {{ ?a dcterms:title ?title }}
                          OPTIONAL {{ ?c hkg:rule ?rule }}
                          OPTIONAL {{ ?c hkg:extractorVersion ?ver }} }} }}"""

    found = {r["c"]: r for r in select_chunked(graph.store, claims, query)}
    info = entity_info(graph, [r[k] for r in found.values() for k in ("s", "o")])
    records = [ClaimRecord(
        iri=claim, article=r["id"], subject=info[r["s"]], predicate=local_name(r["p"]),
        object=info[r["o"]], modality=local_name(r["m"]), evidence=r["ev"],
        start=int(r["start"]), end=int(r["end"]), rule=r.get("rule", ""),
        extractor_version=r.get("ver", ""))
        for claim, r in ((c, found.get(c)) for c in claims)
        if r is not None]  # None: replaced between the two reads
    return rows_of(graph, records, {c: r.get("title", "") or r["id"] for c, r in found.items()})


def rows_of(graph: Context, records: list[ClaimRecord],
            titles: Mapping[str, str] | None = None) -> list[ClaimRow]:
    """The records as rows with their relation's belief and their review
    state (two reads for all of them; `kg claims` JSONL and the pages)."""
    claims = [r.iri for r in records]
    beliefs = belief.claim_beliefs(graph, claims)
    states = anchoring.review_states(graph, claims)
    titles = titles or {}
    return [ClaimRow(r, titles.get(r.iri, r.article), beliefs.get(r.iri), states.get(r.iri))
            for r in records]


# ---------------------------------------------------------------- facets

@dataclass(frozen=True)
class FacetValue:
    """One value of a facet: its name (what the filter takes), the words
    readers see, and how many claims it has under the other filters."""

    value: str
    label: str
    count: int
    selected: bool


@dataclass(frozen=True)
class Facet:
    name: str
    values: list[FacetValue]
    #: More values exist than the `FACET_SIZE` kept.
    truncated: bool = False

    def as_json(self) -> dict:
        return {"values": [{"value": v.value, "label": v.label, "count": v.count,
                            "selected": v.selected} for v in self.values],
                "truncated": self.truncated}


#: Per facet: the variable it groups by, and the pattern that binds it
#: beside the filter's.
_FACET_VARIABLE: Mapping[str, Sparql] = {
    "modality": Sparql("?m"), "predicate": Sparql("?p"), "subject_type": Sparql("?st"),
    "object_type": Sparql("?ot"), "article": Sparql("?a"), "entity": Sparql("?e")}
_FACET_PATTERN: Mapping[str, Sparql] = {
    "modality": Sparql(""), "predicate": Sparql(""), "article": Sparql(""),
    "subject_type": Sparql("?s a ?st ."), "object_type": Sparql("?o a ?ot ."),
    "entity": Sparql("GRAPH ?a { ?c hkg:subject|hkg:object ?e }")}


def _facet_variable(name: str) -> Sparql:
    return _FACET_VARIABLE[name]


def _facet_pattern(name: str) -> Sparql:
    return _FACET_PATTERN[name]


def _facet_counts(graph: Context, chosen: ClaimFilter, name: str) -> tuple[dict[str, int], bool]:
    var = _facet_variable(name)
    extra = _facet_pattern(name)
    open_ended = name in ("article", "entity")
    limit = Sparql(f"ORDER BY DESC(?n) {var} LIMIT {integer(FACET_SIZE + 1)}") \
        if open_ended else Sparql("")
    only = Sparql("")
    if name in ("subject_type", "object_type"):
        only = _values(var, [str(HKG[t]) for t in domain.TYPES])
    rows = graph.store.select_values(_PREFIXES + f"""
        SELECT {var} (COUNT(DISTINCT ?c) AS ?n) WHERE {{
          {only} {_where(graph, chosen.without(name))} {extra} }}
        GROUP BY {var} {limit}""")
    column = var[1:]
    counts = {r[column]: int(r["n"]) for r in rows if column in r}
    truncated = open_ended and len(counts) > FACET_SIZE
    if truncated:
        counts = dict(list(counts.items())[:FACET_SIZE])
    return counts, truncated


def facets(graph: Context, chosen: ClaimFilter) -> dict[str, Facet]:
    """Every facet's values with their counts, each under every filter but
    its own; chosen values are always listed (with 0 when none match).
    Modalities, predicates and types keep the domain table's order; the
    articles and entities are the `FACET_SIZE` with most claims."""
    result = {}
    for name in FACETS:
        counts, truncated = _facet_counts(graph, chosen, name)
        selected = set(chosen.values(name))
        if name in ("modality", "predicate", "subject_type", "object_type"):
            labels = _labels(name)
            values = [FacetValue(key, label, counts.get(str(HKG[key]), 0), key in selected)
                      for key, label in labels.items()
                      if counts.get(str(HKG[key])) or key in selected]
        elif name == "article":
            values = _article_values(graph, counts, selected)
        else:
            values = _entity_values(graph, counts, selected)
        result[name] = Facet(name, values, truncated)
    return result


def _labels(name: str) -> dict[str, str]:
    """The reader's word for each value of a closed facet, in the domain
    table's order."""
    if name == "modality":
        return {key: words.label for key, words in domain.MODALITIES.items()}
    if name == "predicate":
        return {key: words.label for key, words in domain.PREDICATES.items()}
    return {key: words.label for key, words in domain.TYPES.items()}


def _article_values(graph: Context, counts: dict[str, int],
                    selected: set[str]) -> list[FacetValue]:
    names = list(counts) + [str(graph.minter.article(a)) for a in sorted(selected)
                            if str(graph.minter.article(a)) not in counts]

    def query(values: Sparql) -> str:
        return _PREFIXES + f"""SELECT ?a ?title WHERE {{ VALUES ?a {{ {values} }}
            GRAPH ?a {{ ?a dcterms:title ?title }} }}"""

    titles = {r["a"]: r["title"] for r in select_chunked(graph.store, names, query)}
    values = []
    for name in names:
        key = graph.minter.local(name, "article") or name
        values.append(FacetValue(key, titles.get(name, key), counts.get(name, 0),
                                 key in selected))
    return values


def _entity_values(graph: Context, counts: dict[str, int],
                   selected: set[str]) -> list[FacetValue]:
    chosen = [_entity_iri(graph, e) for e in sorted(selected)]
    names = list(counts) + [c for c in chosen if c not in counts]
    info = entity_info(graph, names, names_only=True)
    return [FacetValue(graph.minter.local(name, "entity") or name, info[name].label,
                       counts.get(name, 0), name in chosen) for name in names]


# ---------------------------------------------------- counts for indexes

def type_claim_counts(graph: Context) -> dict[str, int]:
    """Claims per entity type, counting a claim under its subject's type
    and its object's (once when both are of one type)."""
    rows = graph.store.select_values(_PREFIXES + f"""
        SELECT ?t (COUNT(DISTINCT ?c) AS ?n) WHERE {{
          {_values(Sparql("?t"), [str(HKG[t]) for t in domain.TYPES])}
          GRAPH ?a {{ ?c prov:wasDerivedFrom ?a ; hkg:subject|hkg:object ?e }}
          ?e a ?t }}
        GROUP BY ?t""")
    return {local_name(r["t"]): int(r["n"]) for r in rows}


def entity_claim_counts(graph: Context, type_name: str) -> dict[str, int]:
    """Claims per entity of one type (as subject or object), by entity IRI.

    Raises:
        BadParameter: `type_name` is not a type of the domain table.
    """
    if type_name not in domain.TYPES:
        raise BadParameter(f"type takes {_either(domain.TYPES)}, not {quoted(type_name)}")
    rows = graph.store.select_values(_PREFIXES + f"""
        SELECT ?e (COUNT(DISTINCT ?c) AS ?n) WHERE {{
          ?e a {iri(HKG[type_name])} .
          GRAPH ?a {{ ?c prov:wasDerivedFrom ?a ; hkg:subject|hkg:object ?e }} }}
        GROUP BY ?e""")
    return {r["e"]: int(r["n"]) for r in rows}
