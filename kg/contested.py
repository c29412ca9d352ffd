"""Contested relations as pages and the API show them: each relation some
articles support and others deny, with its belief and every claim's
sentence, article and modality (issue 19, item 5).

The relations come from the belief graph (`kg.belief.contested`); their
claims from one query for the whole page.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from . import belief, read
from .context import Context
from .read import Evidence
from .terms import sparql_prefixes
from .views import Links, RelationRow

__all__ = ["ContestedItem", "ContestedPage", "contested_page"]

_PREFIXES = sparql_prefixes()


@dataclass(frozen=True)
class ContestedItem:
    """One contested relation: its belief and every claim of it."""

    belief: belief.Belief
    row: RelationRow

    def as_json(self, links: Links | None = None) -> dict:
        return {**self.row.as_json(links), "belief": self.belief.as_json()}


@dataclass(frozen=True)
class ContestedPage:
    total: int
    offset: int
    limit: int
    items: list[ContestedItem] = field(default_factory=list)

    def as_json(self, links: Links | None = None) -> dict:
        return {"total": self.total, "offset": self.offset, "limit": self.limit,
                "relations": [item.as_json(links) for item in self.items]}


def contested_page(graph: Context, limit: int = 20, offset: int = 0) -> ContestedPage:
    """`limit` contested relations from `offset` (most articles on both
    sides first), each with its claims.

    >>> from kg import KnowledgeGraph, Settings
    >>> with KnowledgeGraph.open(Settings(store="memory")) as g:
    ...     contested_page(g).total
    0
    """
    found = belief.contested(graph, limit, offset)
    total = belief.contested_count(graph) if found or offset else 0
    relations = [c.relation for c in found]
    rows = _claims(graph, relations) if relations else []
    evidence: dict[tuple, list[Evidence]] = defaultdict(list)
    for r in rows:
        evidence[r["s"], r["p"], r["o"]].append(Evidence.from_row(r))
    info = read.entity_info(graph, [e for c in found for e in (c.subject, c.object)])
    items = []
    for c in found:
        claims = sorted(evidence.get(c.relation, []), key=lambda e: (e.article, e.start, e.claim))
        items.append(ContestedItem(c.belief, RelationRow(
            info[c.subject], read.local_name(c.predicate), info[c.object], tuple(claims))))
    return ContestedPage(total, offset, limit, items)


def _claims(graph: Context, relations: list[belief.Relation]) -> list[dict[str, str]]:
    return graph.store.select_values(_PREFIXES + f"""
        SELECT ?s ?p ?o ?c ?m ?ev ?start ?end ?id ?title WHERE {{ GRAPH ?a {{
          VALUES (?s ?p ?o) {{ {belief.relation_values(relations)} }}
          ?c hkg:object ?o ; hkg:subject ?s ; hkg:predicate ?p ; hkg:modality ?m ;
             hkg:evidence ?ev ; hkg:start ?start ; hkg:end ?end .
          ?a dcterms:identifier ?id ; dcterms:title ?title }} }}""")
