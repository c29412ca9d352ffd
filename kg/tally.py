"""Stored per-relation counts: what an entity page reads instead of counting.

An entity page shows, for each relation of the entity, how many claims and
articles state it in each modality.  Counting that per request costs about
30 µs per claim (a hub with 10,000 claims: 0.6 s); the *tally graph* keeps
the counts, so a page costs its number of relations instead.

One tally node per relation (subject, predicate, object) over every
modality (its article count is the relation's total: an article that both
states and hedges it counts once), and one per modality the relation is
stated in, linked to it:

    <{base}tally/3f2a...> a hkg:RelationTally ;
        hkg:tallySubject <entity/ketamine> ; hkg:tallyPredicate hkg:treats ;
        hkg:tallyObject <entity/depression> ;
        hkg:claimCount 14 ; hkg:articleCount 10 .
    <{base}tally/9c01...> a hkg:RelationTally ; hkg:tallyOf <{base}tally/3f2a...> ;
        hkg:tallyModality hkg:asserted ;
        hkg:claimCount 12 ; hkg:articleCount 9 ; hkg:sampleClaim <claim/..> .

So a page reads an entity's relations (to sort and count them) without
their per-modality rows, and those (with the sample claims it quotes) only
for the relations it shows.

`kg.load` changes the tally in the same SPARQL Update request as the article
(`article_patch`), so readers never see counts that disagree with the
articles; the store has one writer, so reading the current counts before
that request is safe.  A writer rebuilds the whole tally when it is missing
or its layout version changed (`ensure`).
"""
from __future__ import annotations

import functools
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable

from rdflib import RDF, Literal, URIRef

from .context import Context
from .store.base import Patch, Term
from .terms import HKG, Sparql, integer, iri, select_chunked, sparql_prefixes

if TYPE_CHECKING:
    from .store.base import Triple

__all__ = ["SAMPLES", "TALLY_VERSION", "Key", "Memo", "article_patch", "articles_patch",
           "entities_with_claims", "ensure",
           "rebuild", "tally_graph"]

#: Layout of the tally graph; a writer rebuilds a tally of another version.
TALLY_VERSION = "3"
#: Claims kept per modality node to quote on an entity page.
SAMPLES = 2
_PREFIXES = sparql_prefixes()

#: (subject, predicate, object, modality or "" for every modality), IRIs.
Key = tuple[str, str, str, str]


def tally_graph(graph: Context) -> URIRef:
    return URIRef(graph.minter.base + "graph/tally")


def _node(graph: Context, key: Key) -> URIRef:
    return _node_named(graph.minter.base, key)


@functools.lru_cache(maxsize=65536)
def _node_named(base: str, key: Key) -> URIRef:
    """A batch names each node several times (old and new counts, a
    modality node's parent)."""
    digest = hashlib.sha1("\x1f".join(key).encode("utf-8")).hexdigest()[:24]
    return URIRef(f"{base}tally/{digest}")


def _samples(key: Key) -> int:
    """Sample claims a node keeps: only modality nodes are quoted."""
    return SAMPLES if key[3] else 0


@dataclass
class _Count:
    claims: int = 0
    articles: int = 0
    samples: list[str] = field(default_factory=list)
    members: set[str] = field(default_factory=set)  # one article's claims of the key


def _contributions(claims: Iterable[tuple[str, str, str, str, str]]) -> dict[Key, _Count]:
    """One article's share of the tally: (claim, s, p, o, m) rows in order."""
    counts: dict[Key, _Count] = {}
    for claim, s, p, o, m in claims:
        for key in ((s, p, o, m), (s, p, o, "")):
            count = counts.setdefault(key, _Count(articles=1))
            count.claims += 1
            count.members.add(claim)
            if len(count.samples) < _samples(key):
                count.samples.append(claim)
    return counts


def claims_of_triples(triples: Iterable["Triple"]) -> list[tuple[str, str, str, str, str]]:
    """(claim, subject, predicate, object, modality) of an article's triples."""
    parts: dict[str, dict] = defaultdict(dict)
    order: list[str] = []
    wanted: dict[Term, str] = {HKG.subject: "s", HKG.predicate: "p", HKG.object: "o",
                               HKG.modality: "m"}
    for s, p, o in triples:
        if p == RDF.type and o == HKG.Claim:
            order.append(str(s))
        elif p in wanted:
            parts[str(s)][wanted[p]] = str(o)
    return [(c, parts[c]["s"], parts[c]["p"], parts[c]["o"], parts[c]["m"]) for c in order]


def _stored_claims(graph: Context,
                   article: URIRef) -> list[tuple[str, str, str, str, str]]:
    rows = graph.store.select(_PREFIXES + f"""
        SELECT ?c ?s ?p ?o ?m ?start WHERE {{ GRAPH {iri(article)} {{
          ?c a hkg:Claim ; hkg:subject ?s ; hkg:predicate ?p ; hkg:object ?o ;
             hkg:modality ?m ; hkg:start ?start }} }} ORDER BY ?start ?c""")
    return [(str(r["c"]), str(r["s"]), str(r["p"]), str(r["o"]), str(r["m"])) for r in rows]


def _current(graph: Context, nodes: dict[URIRef, Key]) -> dict[URIRef, _Count]:
    tally = iri(tally_graph(graph))

    def query(values: Sparql) -> str:
        # VALUES inside GRAPH: outside it, Oxigraph scans the whole tally
        # graph and joins (0.2-0.5 s at 1.6M triples, against 2 ms).
        return _PREFIXES + f"""
            SELECT ?r ?n ?k ?sample WHERE {{ GRAPH {tally} {{
              VALUES ?r {{ {values} }} ?r hkg:claimCount ?n ; hkg:articleCount ?k .
              OPTIONAL {{ ?r hkg:sampleClaim ?sample }} }} }}"""

    found: dict[URIRef, _Count] = {}
    for row in select_chunked(graph.store, sorted(map(str, nodes)), query):
        count = found.setdefault(URIRef(str(row["r"])), _Count(int(row["n"]), int(row["k"])))
        if row.get("sample") is not None:
            count.samples.append(str(row["sample"]))
    for count in found.values():
        count.samples.sort()
    return found


def _other_samples(graph: Context, key: Key, articles: list[URIRef],
                   keep: list[str]) -> list[str]:
    """Claims of `key` in articles other than `articles`, for a node whose
    samples were in them."""
    s, p, o, m = key
    modality = f"; hkg:modality {iri(m)}" if m else ""
    not_kept = f"FILTER(?c NOT IN ({', '.join(iri(c) for c in keep)}))" if keep else ""
    others = f"FILTER(?a NOT IN ({', '.join(iri(a) for a in articles)}))"
    rows = graph.store.select(_PREFIXES + f"""
        SELECT ?c WHERE {{ GRAPH ?a {{ ?c hkg:subject {iri(s)} ; hkg:predicate {iri(p)} ;
          hkg:object {iri(o)} {modality} }} {others}
          {not_kept} }}
        ORDER BY ?c LIMIT {integer(SAMPLES - len(keep))}""")
    return [str(r["c"]) for r in rows]


def _node_triples(graph: Context, key: Key, count: _Count) -> list["Triple"]:
    s, p, o, m = key
    node = _node(graph, key)
    triples: list[Triple] = [(node, _TYPE, _RELATION_TALLY)]
    if m:
        triples += [(node, _TALLY_OF, _node(graph, (s, p, o, ""))),
                    (node, _TALLY_MODALITY, URIRef(m))]
    else:
        triples += [(node, _TALLY_SUBJECT, URIRef(s)), (node, _TALLY_PREDICATE, URIRef(p)),
                    (node, _TALLY_OBJECT, URIRef(o))]
    return triples + _count_triples(node, count)


# rdflib makes a new term on each namespace attribute access: these are
# written a few times per tally node.
_TYPE, _RELATION_TALLY, _TALLY_OF = RDF.type, HKG.RelationTally, HKG.tallyOf
_TALLY_MODALITY, _TALLY_SUBJECT = HKG.tallyModality, HKG.tallySubject
_TALLY_PREDICATE, _TALLY_OBJECT = HKG.tallyPredicate, HKG.tallyObject
_CLAIM_COUNT, _ARTICLE_COUNT, _SAMPLE = HKG.claimCount, HKG.articleCount, HKG.sampleClaim


@functools.lru_cache(maxsize=4096)
def _number(value: int) -> Literal:
    return Literal(value)


def _count_triples(node: URIRef, count: _Count) -> list["Triple"]:
    return ([(node, _CLAIM_COUNT, _number(count.claims)),
             (node, _ARTICLE_COUNT, _number(count.articles))]
            + [(node, _SAMPLE, URIRef(c)) for c in count.samples])


def article_patch(graph: Context, article: URIRef,
                  new_claims: list[tuple[str, str, str, str, str]]) -> Patch:
    """The tally change of replacing the article's stored claims by
    `new_claims` (an empty list: retracting it)."""
    return articles_patch(graph, [(article, new_claims)])


def _merge(total: dict[Key, _Count], part: dict[Key, _Count]) -> None:
    """Add one article's contributions to a batch's, keeping the first
    samples in article order (what applying the articles one by one keeps)."""
    for key, count in part.items():
        into = total.setdefault(key, _Count())
        into.claims += count.claims
        into.articles += count.articles
        into.members |= count.members
        into.samples += count.samples[:_samples(key) - len(into.samples)]


class Memo:
    """The tally nodes one writer has read or written, so a run of batches
    reads each node from the store once (`articles_patch(memo=)`).

    Valid only while nothing else changes the tally: the writer holds the
    store, and forgets the memo after any other write of its own.  A
    batch's counts become known (`commit`) only once its change is in the
    store."""

    def __init__(self) -> None:
        self.nodes: dict[URIRef, _Count | None] = {}  # None: no such node
        self.pending: dict[URIRef, _Count | None] = {}

    def commit(self) -> None:
        self.nodes.update(self.pending)
        self.pending = {}

    def forget(self) -> None:
        self.nodes.clear()
        self.pending.clear()


def articles_patch(graph: Context,
                   changes: list[tuple[URIRef, list[tuple[str, str, str, str, str]]]],
                   new: bool = False, memo: Memo | None = None) -> Patch:
    """The tally change of replacing each article's stored claims by its
    new claims, for many articles at once (a batch ingest: one patch, one
    read of the current counts).  `new`: none of the articles is stored
    yet, so their stored claims are not read.  `memo`: counts known from
    earlier batches of the same writer; only the others are read."""
    old: dict[Key, _Count] = {}
    now: dict[Key, _Count] = {}
    for article, claims in changes:
        if not new:
            _merge(old, _contributions(_stored_claims(graph, article)))
        _merge(now, _contributions(claims))
    articles = [article for article, _ in changes]
    keys = {_node(graph, key): key for key in set(old) | set(now)}
    known = memo.nodes if memo is not None else {}
    current = _current(graph, {n: k for n, k in keys.items() if n not in known})
    current.update({n: c for n, c in known.items() if n in keys and c is not None})
    written: dict[URIRef, _Count | None] = {}
    remove: list[Triple] = []
    add: list[Triple] = []
    for node, key in sorted(keys.items(), key=lambda item: item[1]):
        before = current.get(node)
        was, then = old.get(key, _Count()), now.get(key, _Count())
        if before is None:
            # No node, so no stored claim of this key (a tally never lags the
            # articles it counts): only the new articles'.
            add += _node_triples(graph, key, then)
            written[node] = _Count(then.claims, then.articles, sorted(then.samples))
            continue
        after = _Count(before.claims - was.claims + then.claims,
                       before.articles - was.articles + then.articles)
        if after.claims <= 0:
            remove += _node_triples(graph, key, before)
            written[node] = None
            continue
        # Samples from other articles stay; the articles' own are their new ones.
        kept = [c for c in before.samples if c not in was.members]
        wanted = _samples(key)
        after.samples = kept + then.samples[:wanted - len(kept)]
        if len(after.samples) < wanted and len(kept) < after.claims - then.claims:
            after.samples += _other_samples(graph, key, articles, kept)[
                :wanted - len(after.samples)]
        after.samples.sort()
        written[node] = after
        if (after.claims, after.articles, after.samples) != (before.claims, before.articles,
                                                             before.samples):
            remove += _count_triples(node, before)
            add += _count_triples(node, after)
    if memo is not None:
        memo.pending = written
    return Patch(tally_graph(graph), remove, add)


def _grouped_counts(graph: Context, group: Sparql) -> list:
    """Claims and articles per group of claim variables, with the least and
    greatest claim IRI as samples."""
    return graph.store.select(_PREFIXES + f"""
        SELECT {group} (COUNT(DISTINCT ?c) AS ?n) (COUNT(DISTINCT ?a) AS ?k)
               (MIN(STR(?c)) AS ?c1) (MAX(STR(?c)) AS ?c2)
        WHERE {{ GRAPH ?a {{ ?c a hkg:Claim ; hkg:subject ?s ; hkg:predicate ?p ;
                             hkg:object ?o ; hkg:modality ?m ; prov:wasDerivedFrom ?a }} }}
        GROUP BY {group}""")


def entities_with_claims(graph: Context) -> frozenset[str]:
    """Every entity some claim names as subject or object (in any modality),
    read from the tally: one row per entity, not per claim."""
    rows = graph.store.select_values(_PREFIXES + f"""
        SELECT DISTINCT ?e WHERE {{ GRAPH {iri(str(tally_graph(graph)))} {{
          {{ ?r hkg:tallySubject ?e }} UNION {{ ?r hkg:tallyObject ?e }} }} }}""")
    return frozenset(str(r["e"]) for r in rows)


def rebuild(graph: Context) -> int:
    """Recount the whole tally from the articles; the number of tally nodes."""
    claims: dict[Key, _Count] = {}
    for rows in (_grouped_counts(graph, Sparql("?s ?p ?o ?m")),
                 _grouped_counts(graph, Sparql("?s ?p ?o"))):
        for r in rows:
            key = (str(r["s"]), str(r["p"]), str(r["o"]), str(r.get("m", "")))
            samples = sorted({str(r["c1"]), str(r["c2"])})[:_samples(key)]
            claims[key] = _Count(int(r["n"]), int(r["k"]), samples)
    triples: list[Triple] = [(tally_graph(graph), HKG.tallyVersion, Literal(TALLY_VERSION))]
    for key, count in claims.items():
        triples += _node_triples(graph, key, count)
    graph.store.replace_graph(tally_graph(graph), triples)
    return len(claims)


def ensure(graph: Context) -> bool:
    """Rebuild the tally if it is missing or of another layout version
    (a store written before it existed); True when it was rebuilt."""
    name = tally_graph(graph)
    rows = graph.store.select(
        f"SELECT ?v WHERE {{ GRAPH {iri(name)} {{ {iri(name)} {iri(HKG.tallyVersion)} ?v }} }}")
    if rows and str(rows[0]["v"]) == TALLY_VERSION:
        return False
    rebuild(graph)
    return True
