"""Page-shaped reads: an entity with its relations and evidence, one
relation across articles, an article with its claims and mentions.

The web pages, the JSON API and the CLI all render these values; none of
them builds SPARQL of its own.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Protocol

from ingest.domain import MODALITIES as MODALITY_WORDS
from ingest.domain import READING_ORDER
from ingest.domain import describe
from ingest.model import PREDICATES

from . import read, tally
from .context import Context
from .errors import NotFound
from .read import ClaimRecord, EntityInfo, Evidence, local_name
from .subgraph import MODALITIES, Selection, resolve_entity
from .terms import HKG, Sparql, iri, iris, select_chunked, sparql_prefixes

__all__ = ["ArticleView", "ClaimView", "EntityView", "Evidence", "RelationRow", "RelationView",
           "article_view", "claim_view", "describe", "entity_view", "relation_view",
           "resource_graph"]

_PREFIXES = sparql_prefixes()


class Links(Protocol):
    """Where a renderer links what a view's JSON names (the web app's
    routes); a view's `as_json` leaves links out without one."""

    def entity(self, iri: str) -> str | None:
        """The page of an entity."""

    def evidence(self, evidence: Evidence) -> str:
        """The place in its article where a claim is stated."""


def entity_json(info: EntityInfo, links: Links | None = None) -> dict:
    data = {**info.as_json(), "mapped": info.mapped}
    if links is not None:
        data["page"] = links.entity(info.iri)
    return data


def evidence_json(evidence: Evidence, links: Links | None = None) -> dict:
    data = evidence.as_json()
    if links is not None:
        data["url"] = links.evidence(evidence)
    return data


@dataclass(frozen=True)
class RelationRow:
    """One related entity under one predicate, with its evidence.

    `evidence` is every claim (relation and claim pages), or a sample on an
    entity page (at most the first and last article's claim per modality);
    then `article_counts` and `claim_counts` hold the full numbers, and
    every count below uses them.
    """

    subject: EntityInfo
    predicate: str
    object: EntityInfo
    evidence: tuple[Evidence, ...]
    #: modality -> articles stating it so, when `evidence` is a sample.
    article_counts: dict[str, int] | None = field(default=None, compare=False)
    #: modality -> claims, when `evidence` is a sample.
    claim_counts: dict[str, int] | None = field(default=None, compare=False)
    #: articles in all (a sum over modalities would count an article twice).
    total_articles: int | None = None

    @property
    def articles(self) -> int:
        if self.total_articles is not None:
            return self.total_articles
        return len({e.article for e in self.evidence})

    @property
    def by_modality(self) -> dict[str, list[Evidence]]:
        return {m: [e for e in self.evidence if e.modality == m] for m in MODALITIES}

    @property
    def articles_by_modality(self) -> dict[str, int]:
        if self.article_counts is not None:
            return {m: self.article_counts.get(m, 0) for m in MODALITIES}
        return {m: len({e.article for e in v}) for m, v in self.by_modality.items()}

    @property
    def claims_by_modality(self) -> dict[str, int]:
        if self.claim_counts is not None:
            return {m: self.claim_counts.get(m, 0) for m in MODALITIES}
        return {m: len(v) for m, v in self.by_modality.items()}

    @property
    def complete(self) -> bool:
        """`evidence` holds every claim."""
        return sum(self.claims_by_modality.values()) == len(self.evidence)

    @property
    def modality(self) -> str:
        """The modality most articles use (ties: the firmer statement)."""
        counts = self.articles_by_modality
        return max(MODALITIES, key=lambda m: (counts[m], -MODALITIES.index(m)))

    @property
    def contradicted(self) -> bool:
        """Some article denies what another states."""
        counts = self.articles_by_modality
        return counts["negated"] > 0 and any(counts[m] for m in MODALITIES if m != "negated")

    def summary(self) -> str:
        """The relation as a sentence and what backs it, counted in quotes
        and articles, modalities in the domain table's words: 'Ketamine
        may increase glutamate — 1 hedged quote from 1 article', 'Ketamine
        lowers blood pressure — 7 quotes from 3 articles: 5 stated, 2
        denied'."""
        counts = {MODALITY_WORDS[m].label: k for m, k in self.claims_by_modality.items() if k}
        quotes, n = sum(counts.values()), self.articles
        from_ = f"from {n} article{'s' if n != 1 else ''}"
        if len(counts) == 1:
            backing = f"{quotes} {next(iter(counts))} quote{'s' if quotes != 1 else ''} {from_}"
        else:
            parts = ", ".join(f"{k} {m}" for m, k in counts.items())
            backing = f"{quotes} quotes {from_}: {parts}"
        line = describe(self.subject.label, self.predicate, self.object.label, self.modality)
        return f"{line[:1].upper()}{line[1:]} — {backing}"

    def as_json(self, links: Links | None = None) -> dict:
        return {"subject": entity_json(self.subject, links), "predicate": self.predicate,
                "object": entity_json(self.object, links), "summary": self.summary(),
                "modality": self.modality, "articles": self.articles,
                "contradicted": self.contradicted,
                "articles_by_modality": self.articles_by_modality,
                "claims_by_modality": self.claims_by_modality,
                "evidence_complete": self.complete,
                "evidence": [evidence_json(e, links) for e in self.evidence]}


@dataclass(frozen=True)
class EntityView:
    entity: EntityInfo
    outgoing: dict[str, list[RelationRow]]
    incoming: dict[str, list[RelationRow]]
    articles: list[tuple[str, str]] = field(default_factory=list)
    truncated: bool = False
    #: ("out"|"in", predicate) -> related entities in that group before paging.
    totals: dict[tuple[str, str], int] = field(default_factory=dict)
    #: Articles that mention the entity; `articles` holds the first
    #: MENTIONS_SHOWN of them by title.
    articles_total: int = 0
    #: A short description from the packaged ontology (`read.entity_description`),
    #: and whether it is its type's rather than its own.
    description: str = ""
    description_of_type: bool = False

    @property
    def has_claims(self) -> bool:
        """Some article states a relation of this entity (in the selection)."""
        return any(self.totals.values())

    def as_json(self, offset: int, limit: int, links: Links | None = None) -> dict:
        """The view as `GET /api/entity` gives it (`offset` and `limit`: the
        paging that made it)."""
        def groups(direction: str, data: dict[str, list[RelationRow]]) -> list[dict]:
            return [{"predicate": p, "total": self.totals.get((direction, p), len(rows)),
                     "offset": offset, "limit": limit,
                     "relations": [r.as_json(links) for r in rows]}
                    for p, rows in data.items()]

        return {"entity": entity_json(self.entity, links), "description": self.description,
                "outgoing": groups("out", self.outgoing), "incoming": groups("in", self.incoming),
                "truncated": self.truncated,
                "articles": [{"id": i, "title": t} for i, t in self.articles],
                "articles_total": self.articles_total}


#: Mentioning articles an entity view lists (a hub is named by thousands).
MENTIONS_SHOWN = 50


def _relations(graph: Context, entity: str,
               selection: Selection) -> dict[tuple, dict]:
    """(direction, predicate IRI, related entity) -> the relation's tally
    node and total articles, for every relation of the entity.

    Read from the relation tally (`kg.tally`), so a hub's page costs its
    number of relations, not its number of claims (10,000 claims counted per
    request took 0.6 s).
    """
    e = iri(entity)
    rows = graph.store.select_values(_PREFIXES + f"""
        SELECT ?r ?dir ?p ?x ?k WHERE {{ GRAPH {iri(tally.tally_graph(graph))} {{
          {{ ?r hkg:tallySubject {e} ; hkg:tallyObject ?x . BIND("out" AS ?dir) }}
          UNION
          {{ ?r hkg:tallyObject {e} ; hkg:tallySubject ?x . FILTER(?x != {e})
             BIND("in" AS ?dir) }}
          ?r hkg:tallyPredicate ?p ; hkg:articleCount ?k . }} }}""")
    return {(r["dir"], r["p"], r["x"]): {"node": r["r"], "total": int(r["k"]), "articles": {},
                                         "claims": {}, "sample": set()}
            for r in rows
            if not selection.predicates or local_name(r["p"]) in selection.predicates}


def _add_modalities(graph: Context, relations: Iterable[dict],
                    selection: Selection) -> None:
    """Fill in the claims, articles and sample claims per modality of these
    relations (those in the selection's modalities)."""
    by_node = {rel["node"]: rel for rel in relations}
    counts = iri(tally.tally_graph(graph))

    def query(values: Sparql) -> str:
        return _PREFIXES + f"""
            SELECT ?parent ?m ?n ?k ?sample WHERE {{ GRAPH {counts} {{
              VALUES ?parent {{ {values} }}
              ?r hkg:tallyOf ?parent ; hkg:tallyModality ?m ; hkg:claimCount ?n ;
                 hkg:articleCount ?k . OPTIONAL {{ ?r hkg:sampleClaim ?sample }} }} }}"""

    for r in select_chunked(graph.store, sorted(by_node), query):
        m = local_name(r["m"])
        if selection.modalities and m not in selection.modalities:
            continue
        rel = by_node[r["parent"]]
        rel["articles"][m], rel["claims"][m] = int(r["k"]), int(r["n"])
        if r.get("sample"):
            rel["sample"].add(r["sample"])


def _sample_evidence(graph: Context, claims: set[str]) -> dict[str, Evidence]:
    if not claims:
        return {}
    rows = graph.store.select_values(_PREFIXES + f"""
        SELECT ?c ?m ?ev ?start ?end ?id ?title WHERE {{ GRAPH ?a {{
          VALUES ?c {{ {iris(sorted(claims))} }}
          ?c hkg:modality ?m ; hkg:evidence ?ev ; hkg:start ?start ;
                         hkg:end ?end . ?a dcterms:identifier ?id ; dcterms:title ?title }} }}""")
    return {r["c"]: Evidence.from_row(r) for r in rows}


def entity_view(graph: Context, name: str, selection: Selection | None = None,
                limit: int = 50, offset: int = 0) -> EntityView:
    """An entity, its relations in both directions grouped by predicate
    (at most `limit` related entities per group from `offset`, most
    supported first; `totals` has each group's full size), and the articles
    that mention it.

    Each row carries its full counts and a sample of its evidence: per
    modality, the claims of the first and the last article stating it so
    (`relation_view` has every claim).  Selection by predicate, modality,
    type of the related entity and `min_articles` applies.

    Raises:
        NotFound: no such entity.
    """
    entity = resolve_entity(graph, name)
    info = read.entity_info(graph, [entity])[entity]
    if info.type == "Entity":
        raise NotFound(f"no entity {name!r}")
    selection = selection or Selection()
    relations = _relations(graph, entity, selection)
    if selection.modalities:
        # The total is then the sum over the chosen modalities (an article
        # stating the relation two ways counts twice).
        _add_modalities(graph, relations.values(), selection)
        for rel in relations.values():
            rel["total"] = sum(rel["articles"].values())
        relations = {key: rel for key, rel in relations.items() if rel["articles"]}
    others = read.entity_info(graph, {x for _, _, x in relations}, names_only=True)
    groups: dict[str, dict[str, list]] = {"out": {}, "in": {}}
    for (direction, p, x), row in relations.items():
        other = others[x]
        if selection.types and other.type not in selection.types:
            continue
        if row["total"] < selection.min_articles:
            continue
        groups[direction].setdefault(local_name(p), []).append((other, row))
    totals: dict[tuple[str, str], int] = {}
    for direction, by_predicate in groups.items():
        for p, rows in by_predicate.items():
            rows.sort(key=lambda r: (-r[1]["total"], r[0].label.lower(), r[0].iri))
            totals[direction, p] = len(rows)
            by_predicate[p] = rows[offset:offset + limit]
    shown = [row for by_predicate in groups.values() for rows in by_predicate.values()
             for _, row in rows]
    if not selection.modalities:
        _add_modalities(graph, shown, selection)
    wanted = {c for row in shown for c in row["sample"]}
    full = read.entity_info(graph, {other.iri for by_predicate in groups.values()
                                    for rows in by_predicate.values() for other, _ in rows})
    for by_predicate in groups.values():
        for p, rows in by_predicate.items():
            by_predicate[p] = [(full[other.iri], row) for other, row in rows]
    evidence = _sample_evidence(graph, wanted)
    result: dict[str, dict[str, list[RelationRow]]] = {"out": {}, "in": {}}
    for direction, by_predicate in groups.items():
        for p, rows in by_predicate.items():
            result[direction][p] = [RelationRow(
                info if direction == "out" else other, p,
                other if direction == "out" else info,
                tuple(sorted((evidence[c] for c in row["sample"] if c in evidence),
                             key=lambda e: (e.article, e.start))),
                article_counts=row["articles"], claim_counts=row["claims"],
                total_articles=row["total"]) for other, row in rows]
    mentions = graph.store.select_values(_PREFIXES + f"""
        SELECT DISTINCT ?id ?title WHERE {{ GRAPH ?a {{ ?a hkg:mentions {iri(entity)} ;
          dcterms:identifier ?id ; dcterms:title ?title }} }}""")
    mentions.sort(key=lambda r: (r["title"], r["id"]))
    return EntityView(info, _reading_order(result["out"]), _reading_order(result["in"]),
                      [(r["id"], r["title"]) for r in mentions[:MENTIONS_SHOWN]], False, totals,
                      len(mentions), *read.entity_description(graph, entity, info.type))


def _reading_order(groups: dict[str, list[RelationRow]]) -> dict[str, list[RelationRow]]:
    """Predicate groups in the domain table's `reading_order`: what readers
    look for first (what it treats, how it works) at the top."""
    rank = {p: i for i, p in enumerate(READING_ORDER)}
    return dict(sorted(groups.items(), key=lambda item: (rank.get(item[0], len(rank)), item[0])))


@dataclass(frozen=True)
class RelationView:
    row: RelationRow

    @property
    def agreement(self) -> str:
        if self.row.contradicted:
            return "contradicted"
        return "agreed" if self.row.articles > 1 else "single source"

    def as_json(self, links: Links | None = None) -> dict:
        return {**self.row.as_json(links), "agreement": self.agreement}


def relation_view(graph: Context, subject: str, predicate: str,
                  obj: str) -> RelationView:
    """One subject-predicate-object across all articles.

    Raises:
        NotFound: no claim states it.
    """
    if predicate not in PREDICATES:
        raise NotFound(f"no relation {predicate!r}")
    s, o = resolve_entity(graph, subject), resolve_entity(graph, obj)
    # The claims of this one relation only: not the subject's neighbourhood,
    # which for a hub is thousands of claims of other relations.
    rows = graph.store.select_values(_PREFIXES + f"""
        SELECT ?c ?m ?ev ?start ?end ?id ?title WHERE {{ GRAPH ?a {{
          ?c hkg:subject {iri(s)} ; hkg:predicate {iri(HKG[predicate])} ; hkg:object {iri(o)} ;
             hkg:modality ?m ; hkg:evidence ?ev ; hkg:start ?start ; hkg:end ?end .
          ?a dcterms:identifier ?id ; dcterms:title ?title }} }}""")
    if not rows:
        raise NotFound(f"no claim that {subject} {predicate} {obj}")
    claims = sorted(map(Evidence.from_row, rows), key=lambda c: (c.article, c.start, c.claim))
    info = read.entity_info(graph, [s, o])
    return RelationView(RelationRow(info[s], predicate, info[o], tuple(claims)))


@dataclass(frozen=True)
class ArticleView:
    summary: read.ArticleSummary
    text: str
    format: str
    claims: list[ClaimRecord]
    mentions: list[tuple[int, int, str, str]]  # start, end, entity IRI, type
    changes: dict[str, list[str]]

    def as_json(self) -> dict:
        a = self.summary
        return {"id": a.id, "iri": a.iri, "title": a.title, "source": a.source, "date": a.date,
                "modified": a.modified, "format": self.format, "text": self.text,
                "claims": [c.as_json() for c in self.claims],
                "mentions": [{"start": s, "end": e, "entity": iri, "type": t}
                             for s, e, iri, t in self.mentions],
                "changes": self.changes}


def _article_values(graph: Context, article: str) -> dict[str, list[str]]:
    a = iri(article)
    rows = graph.store.select(f"SELECT ?p ?v WHERE {{ GRAPH {a} {{ {a} ?p ?v }} }}")
    values: dict[str, list[str]] = {}
    for row in rows:
        values.setdefault(str(row["p"]).rsplit("#", 1)[-1].rsplit("/", 1)[-1], []).append(
            str(row["v"]))
    return values


def article_view(graph: Context, article_id: str) -> ArticleView:
    """An article's text, its claims, where it names entities, and what
    changed in its claims at the last replacement.

    The text and the claims come from two queries; when the article is
    replaced between them (a writer runs while pages are served), the view
    is read again, so the claims always belong to the text shown: each
    claim's evidence is the text at its offsets.

    Raises:
        NotFound: no such article.
        StoreUnavailable: it kept changing while being read.
    """
    from ingest import extract
    from ingest.model import Document

    from .errors import StoreUnavailable

    name = graph.minter.article(article_id)
    if not graph.store.has_graph(name):
        raise NotFound(f"no article {article_id!r}")
    for _ in range(5):
        values = _article_values(graph, name)
        if not values.get("text"):
            raise NotFound(f"no article {article_id!r}")
        text = values["text"][0]
        claims = read.claims(graph, article_id)
        after = _article_values(graph, name).get("contentHash")
        if after == values.get("contentHash") and all(
                text[c.start:c.end] == c.evidence for c in claims):
            break
    else:
        raise StoreUnavailable(f"article {article_id!r} kept changing while it was read; "
                               "try again")

    def first(name: str) -> str:
        return values.get(name, [""])[0]

    summary = read.ArticleSummary(article_id, str(name), first("title") or article_id,
                                  first("source"), first("date"), first("modified"),
                                  len({c.iri for c in claims}))
    document = Document(article_id, summary.title, text, first("format") or "txt")
    extraction = extract(document, graph.vocabulary)
    mentions = sorted({(m.start, m.end, str(graph.minter.entity(m.entity.key)),
                        m.entity.type.value) for m in extraction.mentions})
    changes = {"added": sorted(values.get("claimAdded", [])),
               "removed": sorted(values.get("claimRemoved", []))}
    return ArticleView(summary, text, document.format, claims, mentions, changes)


@dataclass(frozen=True)
class ClaimView:
    """One claim with its article's title, and the other claims that state
    the same relation (agreement) or deny it (contradiction)."""

    claim: ClaimRecord
    title: str
    relation: RelationRow

    def as_json(self, links: Links | None = None) -> dict:
        return {**self.claim.as_json(), "title": self.title,
                "relation": self.relation.as_json(links)}


def claim_view(graph: Context, claim_id: str) -> ClaimView:
    """One claim by the hash part of its IRI (`claim/<hash>`).

    Raises:
        NotFound: no such claim.
    """
    claim = str(graph.minter.claim_named(claim_id))
    rows = graph.store.select(_PREFIXES + f"""
        SELECT ?id ?title WHERE {{ GRAPH ?a {{ {iri(claim)} a hkg:Claim ; prov:wasDerivedFrom ?a .
                                             ?a dcterms:identifier ?id ; dcterms:title ?title }} }}
        LIMIT 1""")
    if not rows:
        raise NotFound(f"no claim {claim_id!r}")
    article = str(rows[0]["id"])
    record = next(c for c in read.claims(graph, article) if c.iri == claim)
    relation = relation_view(graph, record.subject.iri, record.predicate, record.object.iri)
    return ClaimView(record, str(rows[0]["title"]), relation.row)


def resource_graph(graph: Context, name: str):
    """What the graph says about one of our IRIs, as an rdflib Graph: an
    article's whole named graph; a claim's node with its entities' labels;
    an entity's own triples, the direct edges and claims that name it.

    Raises:
        NotFound: the graph says nothing about it.
    """
    from .terms import PREFIXES

    minter = graph.minter
    r = iri(name)
    if minter.local(name, "article") is not None:
        query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {r} {{ ?s ?p ?o }} }}"
    elif minter.local(name, "claim") is not None:
        query = _PREFIXES + f"""CONSTRUCT {{ {r} ?p ?o . ?e rdfs:label ?l ; a ?t }} WHERE {{
            {{ {r} ?p ?o }} UNION {{ {r} hkg:subject|hkg:object ?e . ?e rdfs:label ?l ; a ?t }}
            }}"""
    else:
        query = _PREFIXES + f"""CONSTRUCT {{ {r} ?p ?o . ?s ?q {r} . ?x rdfs:label ?l }}
            WHERE {{ {{ {r} ?p ?o }} UNION {{ ?s ?q {r} FILTER(?q != hkg:mentions) }}
                     UNION {{ {r} ?p ?x . ?x rdfs:label ?l }}
                     UNION {{ ?x ?q {r} . ?x rdfs:label ?l }} }}"""
    result = graph.store.construct(query)
    if len(result) == 0:
        raise NotFound(f"nothing is known about <{name}>")
    for prefix, ns in PREFIXES.items():
        result.bind(prefix, ns)
    return result
