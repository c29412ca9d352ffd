"""Subgraph selection over the claim graph, into networkx.

Nodes are entities (label, type, mapped); an edge `s -> o` keyed by the
predicate gathers every claim stating that relation: the evidence quotes,
their articles and modalities.  Selection is by neighbourhood (entity plus
depth, with filters), by paths between two entities, by one article, or by
any SPARQL CONSTRUCT.  Each selection fetches only what it needs, frontier by
frontier, so it stays fast on a large store.
"""
from __future__ import annotations

import dataclasses
import itertools
import re
from dataclasses import dataclass
from typing import Iterable

import networkx as nx

from ingest import domain

from . import anchoring, belief
from .context import Context
from .errors import KGError, NotFound, QueryError, quoted
from .read import Evidence, entity_info
from .terms import (HKG, BadTerm, Sparql, chunked, integer, iri, iris, literal,
                    select_chunked, sparql_prefixes)

__all__ = ["Selection", "article_subgraph", "construct_subgraph", "neighbourhood", "paths",
           "resolve_entity"]

_PREFIXES = sparql_prefixes()
MODALITIES = tuple(domain.MODALITIES)
MAX_DEPTH = 3
#: Claims fetched per frontier step; a hub beyond this is cut (signalled).
MAX_STEP_CLAIMS = 20_000


@dataclass(frozen=True)
class Selection:
    """Which part of the graph to take, shared by the CLI, web page and API."""

    predicates: frozenset[str] = frozenset()
    modalities: frozenset[str] = frozenset()
    types: frozenset[str] = frozenset()
    min_articles: int = 1

    def __post_init__(self):
        unknown = set(self.modalities) - set(MODALITIES)
        if unknown:
            raise QueryError(f"unknown modality {sorted(unknown)[0]!r}; "
                             f"use {', '.join(MODALITIES)}")
        if self.min_articles < 1:
            raise QueryError("min_articles must be at least 1")


def resolve_entity(graph: Context, name: str) -> str:
    """An entity IRI from an IRI, a key (`nmda-receptor`) or a label/synonym
    (case-insensitive).

    Raises:
        NotFound: nothing matches.
    """
    name = name.strip()
    if not name:
        raise NotFound("no entity name given")
    # The name itself may be the IRI, or (a slug) the key of one.
    candidate = ""
    if name.startswith(("http://", "https://")):
        candidate = name
    elif re.fullmatch(r"[A-Za-z0-9._~-]+", name):
        candidate = str(graph.minter.entity(name))
    try:
        # One index lookup; the label scan below only when it finds nothing.
        if candidate and graph.store.select_values(_PREFIXES + f"""
                SELECT ?m WHERE {{ {iri(candidate)} hkg:mapped ?m }} LIMIT 1"""):
            return candidate
    except BadTerm:
        pass  # not an IRI: try it as a name
    text = literal(name.lower())
    rows = graph.store.select(_PREFIXES + f"""
        SELECT ?e (MIN(?rank) AS ?r) WHERE {{
          {{ ?e rdfs:label ?l . FILTER(LCASE(STR(?l)) = {text}) BIND(1 AS ?rank) }}
          UNION {{ ?e skos:altLabel|hkg:abbreviation ?l .
                   FILTER(LCASE(STR(?l)) = {text}) BIND(2 AS ?rank) }}
          ?e hkg:mapped ?m .
        }} GROUP BY ?e ORDER BY ?r ?e LIMIT 1""")
    if not rows or "e" not in rows[0]:
        names = _similar(graph, name)
        hint = f"; did you mean {' or '.join(repr(n) for n in names)}?" if names else ""
        raise NotFound(f"no entity named {quoted(name)}{hint}", suggestions=names)
    return str(rows[0]["e"])


def _similar(graph: Context, name: str) -> tuple[str, ...]:
    """Up to three entity names close to `name` (for a "did you mean")."""
    try:
        return tuple(graph.similar_names(name))
    except KGError:  # no index to ask: the plain message will do
        return ()


def selection_values(selection: Selection) -> Sparql:
    """VALUES clauses binding ?p and ?m to the selection's predicates and
    modalities (nothing when it does not restrict them)."""
    predicates = iris(HKG[p] for p in sorted(selection.predicates))
    modalities = iris(HKG[m] for m in sorted(selection.modalities))
    return Sparql((f"VALUES ?p {{ {predicates} }} " if selection.predicates else "")
                  + (f"VALUES ?m {{ {modalities} }}" if selection.modalities else ""))


_CLAIM = """?c a hkg:Claim ; hkg:subject ?s ; hkg:predicate ?p ; hkg:object ?o ; hkg:modality ?m ;
               hkg:evidence ?ev ; hkg:start ?start ; hkg:end ?end ."""


def _claims_touching(graph: Context, entities: Iterable[str], selection: Selection,
                     limit: int = MAX_STEP_CLAIMS) -> list[dict[str, str]]:
    """Up to `limit` + 1 claims with one of `entities` as subject or object, as
    rows of plain strings (see `_with_articles`)."""
    values = iris(sorted(set(entities)))
    filters = selection_values(selection)
    pattern = f"GRAPH ?a {{ {_CLAIM} }}"
    # The VALUES go inside each branch: a FILTER on an outer ?x sees it
    # unbound (SPARQL evaluates a group bottom-up), which matched nothing.
    rows = graph.store.select_values(_PREFIXES + f"""
        SELECT ?c ?s ?p ?o ?m ?ev ?start ?end ?a WHERE {{
          {filters}
          {{ VALUES ?s {{ {values} }} {pattern} }} UNION {{ VALUES ?o {{ {values} }} {pattern} }}
        }} LIMIT {integer(limit + 1)}""")
    return _with_articles(graph, rows)


def _claim_counts(graph: Context, entities: list[str],
                  selection: Selection) -> dict[str, int]:
    """Entity IRI -> how many claims (passing the predicate and modality
    filters) name it as subject or object; one index scan each, no claim
    properties read, so about a tenth of fetching them."""
    filters = selection_values(selection)
    needs = "?c hkg:predicate ?p ; hkg:modality ?m ." if filters else ""

    def query(values: Sparql) -> str:
        return _PREFIXES + f"""
            SELECT ?e (COUNT(?c) AS ?n) WHERE {{ {filters}
              {{ VALUES ?e {{ {values} }} ?c hkg:subject ?e . {needs} }} UNION
              {{ VALUES ?e {{ {values} }} ?c hkg:object ?e . {needs} }}
            }} GROUP BY ?e"""

    return {row["e"]: int(row["n"]) for row in select_chunked(graph.store, entities, query)}


def _step(graph: Context, frontier: Iterable[str], selection: Selection,
          rank: dict[str, int]) -> tuple[list[dict[str, str]], int, bool]:
    """One step out from `frontier`: (claim rows, entities left out, whether
    one entity's claims were cut).

    At most `MAX_STEP_CLAIMS` claims.  Over that, whole entities are taken --
    all their claims or none, most connected first (`rank`: claims linking
    them to the step before) -- so every relation of a taken entity keeps
    all its claims and its counts stay exact; the rest are left out.  A
    single entity with more claims than the limit (the centre of a hub) is
    cut at the limit instead.
    """
    frontier = sorted(set(frontier), key=lambda e: (-rank.get(e, 0), e))
    if len(frontier) == 1:
        rows = _claims_touching(graph, frontier, selection)
        return rows[:MAX_STEP_CLAIMS], 0, len(rows) > MAX_STEP_CLAIMS
    counts = _claim_counts(graph, frontier, selection)
    taken, room = [], MAX_STEP_CLAIMS
    for entity in frontier:
        if counts.get(entity, 0) <= room:
            taken.append(entity)
            room -= counts.get(entity, 0)
    if not taken:  # every entity alone is over the limit: cut the first
        return _step(graph, frontier[:1], selection, rank)[0], len(frontier) - 1, True
    rows = []
    for chunk in chunked(taken):
        rows += _claims_touching(graph, chunk, selection)
    return rows, len(frontier) - len(taken), False


def _with_articles(graph: Context, rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """Claim rows (c, s, p, o, m, ev, start, end and the article IRI a) with
    the article's `id` and `title` added; rows whose article lacks either
    are dropped, as a join would drop them.

    Plain strings from `Store.select_values`, not rdflib terms, and the
    article's fields fetched once per article, not joined onto every claim
    row: making ~10 terms per claim took most of a hub's selection time
    (8.4 s of a depth-2 hub export at 1.7M triples).
    """
    def query(values: Sparql) -> str:
        # The union graph, not VALUES ?a + GRAPH ?a, which Oxigraph answers
        # by scanning every graph.
        return _PREFIXES + f"""
            SELECT ?a ?id ?title WHERE {{ VALUES ?a {{ {values} }}
              ?a dcterms:identifier ?id ; dcterms:title ?title }}"""

    found: dict[str, tuple[str, str]] = {}
    for row in select_chunked(graph.store, sorted({row["a"] for row in rows}), query):
        found.setdefault(row["a"], (row["id"], row["title"]))
    out = []
    for row in rows:
        article = found.get(row["a"])
        if article is not None:
            row["id"], row["title"] = article
            out.append(row)
    return out


def _add_claims(result: nx.MultiDiGraph, rows: list[dict[str, str]]) -> None:
    """Add each claim row to its edge (`s -> o` keyed by the predicate's
    local name), once however often it is met."""
    # A set, not a scan of the edge's list: a hub's edge holds thousands.
    seen = {c.claim for _, _, claims in result.edges(data="claims") for c in claims}
    for row in rows:
        if row["c"] in seen:
            continue
        seen.add(row["c"])
        predicate = row["p"].rsplit("#", 1)[-1]
        key = predicate
        if not result.has_edge(row["s"], row["o"], key):
            result.add_edge(row["s"], row["o"], key, predicate=predicate, claims=[])
        result.edges[row["s"], row["o"], key]["claims"].append(Evidence.from_row(row))


def _finish(graph: Context, result: nx.MultiDiGraph, selection: Selection,
            keep: Iterable[str] = ()) -> nx.MultiDiGraph:
    """Summarise edges, drop those under `min_articles`, label nodes, drop
    nodes of unwanted types (except `keep`), sort claims.  Claims a
    curator rejected are left out (an edge of rejected claims alone goes:
    a rejected claim gives no edge); the others carry their review state."""
    states = anchoring.review_states(graph)  # every reviewed claim: fewer than a hub's claims
    for s, o, key, data in list(result.edges(keys=True, data=True)):
        claims = sorted((dataclasses.replace(c, review=states[c.claim])
                         if c.claim in states else c for c in data["claims"]
                         if states.get(c.claim) != "rejected"),
                        key=lambda c: (c.article, c.start))
        if not claims:
            result.remove_edge(s, o, key)
            continue
        data["claims"] = claims
        supporting = {c.article for c in claims if c.modality != "negated"}
        data["articles"] = len({c.article for c in claims})
        data["support"] = len(supporting)
        counts = {m: sum(1 for c in claims if c.modality == m) for m in MODALITIES}
        data["modalities"] = {m: n for m, n in counts.items() if n}
        data["modality"] = max(counts, key=lambda m: (counts[m], -MODALITIES.index(m)))
        data["negated"] = counts["negated"] > 0 and not supporting
        if data["articles"] < selection.min_articles:
            result.remove_edge(s, o, key)
    info = entity_info(graph, result.nodes)
    keep = set(keep)
    for node in list(result.nodes):
        entity = info[node]
        if selection.types and entity.type not in selection.types and node not in keep:
            result.remove_node(node)
            continue
        result.nodes[node].update(label=entity.label, type=entity.type, mapped=entity.mapped,
                                  ids=list(entity.ids), synonyms=list(entity.synonyms))
    result.remove_nodes_from([n for n in list(result.nodes)
                              if result.degree(n) == 0 and n not in keep])
    _add_beliefs(graph, result)
    return result


def _add_beliefs(graph: Context, result: nx.MultiDiGraph) -> None:
    """Each edge's belief from the belief graph (`belief`, a
    `kg.belief.Belief`, and `belief_node`, its IRI), for exports; an edge
    the belief graph has no node for gets none."""
    edges = {(s, str(HKG[data["predicate"]]), o): data
             for s, o, data in result.edges(data=True)}
    for relation, (node, found) in belief.stored(graph, edges).items():
        edges[relation].update(belief=found, belief_node=node)


def neighbourhood(graph: Context, entity: str, depth: int = 1,
                  selection: Selection | None = None) -> nx.MultiDiGraph:
    """Everything within `depth` claims of `entity` (both directions).

    Args:
        entity: IRI, key or name of the centre entity.
        depth: 1 to 3.
        selection: predicate, modality, type and support filters.

    Raises:
        NotFound: no such entity.
        QueryError: depth out of range.

    The centre is `result.graph["centre"]`; `result.graph["truncated"]` is
    True when a step had more claims than `MAX_STEP_CLAIMS` (see `_step`);
    `result.graph["left_out"]` counts the entities whose claims were left
    out then, and `result.graph["partial"]` says an entity alone had more
    (its relations then hold only some of their claims).
    """
    if not 1 <= depth <= MAX_DEPTH:
        raise QueryError(f"depth must be 1 to {MAX_DEPTH}")
    selection = selection or Selection()
    centre = resolve_entity(graph, entity)
    result = nx.MultiDiGraph(centre=centre, truncated=False)
    result.add_node(centre)
    seen, frontier, rank = {centre}, {centre}, dict[str, int]()
    result.graph.update(left_out=0, partial=False)
    for _ in range(depth):
        rows, left_out, partial = _step(graph, frontier, selection, rank)
        if left_out or partial:
            result.graph["truncated"] = True
            result.graph["left_out"] += left_out
            result.graph["partial"] |= partial
        _add_claims(result, rows)
        rank = {}
        for row in rows:
            for end in (row["s"], row["o"]):
                rank[end] = rank.get(end, 0) + 1
        reached = set(rank)
        frontier = reached - seen
        seen |= reached
        if not frontier:
            break
    return _finish(graph, result, selection, keep=[centre])


def paths(graph: Context, source: str, target: str, k: int = 5, max_hops: int = 4,
          selection: Selection | None = None) -> tuple[nx.MultiDiGraph, list[list[str]]]:
    """Up to `k` shortest simple paths between two entities, following claims
    in either direction.

    Returns:
        The subgraph of all paths found, and each path as a node list.

    Raises:
        NotFound: an entity is unknown.
    """
    selection = selection or Selection()
    start, end = resolve_entity(graph, source), resolve_entity(graph, target)
    result = nx.MultiDiGraph(source=start, target=end)
    result.add_nodes_from([start, end])
    # Grow from both ends until the frontiers meet or max_hops is spent.
    sides = [({start}, {start}), ({end}, {end})]
    for step in range(max_hops):
        seen, frontier = sides[step % 2]
        if not frontier:
            break
        rows = _step(graph, frontier, selection, {})[0]
        _add_claims(result, rows)
        reached = {r["s"] for r in rows} | {r["o"] for r in rows}
        sides[step % 2] = (seen | reached, reached - seen)
        if sides[0][0] & sides[1][0] and step >= 1:
            break
    undirected = nx.Graph(result)
    found: list[list[str]] = []
    if start != end and nx.has_path(undirected, start, end):
        for path in itertools.islice(nx.shortest_simple_paths(undirected, start, end), k):
            if len(path) - 1 > max_hops:
                break
            found.append(path)
    keep = {n for p in found for n in p}
    trimmed = nx.MultiDiGraph(source=start, target=end)
    trimmed.add_nodes_from(keep or [start, end])
    for path in found:
        for a, b in zip(path, path[1:]):
            for s, o in ((a, b), (b, a)):
                for key, data in result.get_edge_data(s, o, default={}).items():
                    trimmed.add_edge(s, o, key, **data)
    return _finish(graph, trimmed, selection, keep=keep | {start, end}), found


def article_subgraph(graph: Context, article_id: str,
                     selection: Selection | None = None) -> nx.MultiDiGraph:
    """The relations one article states."""
    selection = selection or Selection()
    name = graph.minter.article(article_id)
    if not graph.store.has_graph(name):
        raise NotFound(f"no article {article_id!r}")
    a = iri(name)
    rows = graph.store.select_values(_PREFIXES + f"""
        SELECT ?c ?s ?p ?o ?m ?ev ?start ?end ?id ?title WHERE {{ GRAPH {a} {{
          {_CLAIM}
          {a} dcterms:identifier ?id ; dcterms:title ?title }} }}""")
    rows = [r for r in rows
            if (not selection.predicates or r["p"].rsplit("#", 1)[-1] in selection.predicates)
            and (not selection.modalities or r["m"].rsplit("#", 1)[-1] in selection.modalities)]
    result = nx.MultiDiGraph(article=article_id)
    _add_claims(result, rows)
    return _finish(graph, result, selection)


def construct_subgraph(graph: Context, construct: str,
                       selection: Selection | None = None) -> nx.MultiDiGraph:
    """The claims behind the direct edges a SPARQL CONSTRUCT returns.

    The CONSTRUCT names relations (`?s hkg:treats ?o`); the subgraph holds
    the claims that state them, so provenance is kept.
    """
    selection = selection or Selection()
    edges = [(str(s), str(p).rsplit("#", 1)[-1], str(o)) for s, p, o in
             graph.store.construct(construct) if str(p).startswith(str(HKG))]
    result = nx.MultiDiGraph()
    subjects = {s for s, _, _ in edges}
    if subjects:
        wanted = set(edges)
        rows = [r for r in _claims_touching(graph, subjects, selection)
                if (r["s"], r["p"].rsplit("#", 1)[-1], r["o"]) in wanted]
        _add_claims(result, rows)
    return _finish(graph, result, selection)
