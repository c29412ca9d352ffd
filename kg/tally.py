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

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable

from rdflib import RDF, Literal, URIRef

from .store.base import Patch, Term
from .terms import HKG, Sparql, chunked, integer, iri, iris, sparql_prefixes

if TYPE_CHECKING:
    from .graph import KnowledgeGraph
    from .store.base import Triple

__all__ = ["SAMPLES", "TALLY_VERSION", "Key", "article_patch", "ensure", "rebuild",
           "tally_graph"]

#: Layout of the tally graph; a writer rebuilds a tally of another version.
TALLY_VERSION = "3"
#: Claims kept per modality node to quote on an entity page.
SAMPLES = 2
_PREFIXES = sparql_prefixes()

#: (subject, predicate, object, modality or "" for every modality), IRIs.
Key = tuple[str, str, str, str]


def tally_graph(graph: "KnowledgeGraph") -> URIRef:
    return URIRef(graph.minter.base + "graph/tally")


def _node(graph: "KnowledgeGraph", key: Key) -> URIRef:
    digest = hashlib.sha1("\x1f".join(key).encode("utf-8")).hexdigest()[:24]
    return URIRef(f"{graph.minter.base}tally/{digest}")


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


def _stored_claims(graph: "KnowledgeGraph",
                   article: URIRef) -> list[tuple[str, str, str, str, str]]:
    rows = graph.store.select(_PREFIXES + f"""
        SELECT ?c ?s ?p ?o ?m ?start WHERE {{ GRAPH {iri(article)} {{
          ?c a hkg:Claim ; hkg:subject ?s ; hkg:predicate ?p ; hkg:object ?o ;
             hkg:modality ?m ; hkg:start ?start }} }} ORDER BY ?start ?c""")
    return [(str(r["c"]), str(r["s"]), str(r["p"]), str(r["o"]), str(r["m"])) for r in rows]


def _current(graph: "KnowledgeGraph", nodes: dict[URIRef, Key]) -> dict[URIRef, _Count]:
    found: dict[URIRef, _Count] = {}
    names = sorted(nodes)
    for chunk in chunked(names):
        values = iris(chunk)
        # VALUES inside GRAPH: outside it, Oxigraph scans the whole tally
        # graph and joins (0.2-0.5 s at 1.6M triples, against 2 ms).
        rows = graph.store.select(_PREFIXES + f"""
            SELECT ?r ?n ?k ?sample WHERE {{ GRAPH {iri(tally_graph(graph))} {{
              VALUES ?r {{ {values} }} ?r hkg:claimCount ?n ; hkg:articleCount ?k .
              OPTIONAL {{ ?r hkg:sampleClaim ?sample }} }} }}""")
        for row in rows:
            count = found.setdefault(URIRef(str(row["r"])),
                                     _Count(int(row["n"]), int(row["k"])))
            if row.get("sample") is not None:
                count.samples.append(str(row["sample"]))
    for count in found.values():
        count.samples.sort()
    return found


def _other_samples(graph: "KnowledgeGraph", key: Key, article: URIRef,
                   keep: list[str]) -> list[str]:
    """Claims of `key` in articles other than `article`, for a node whose
    samples were in it."""
    s, p, o, m = key
    modality = f"; hkg:modality {iri(m)}" if m else ""
    not_kept = f"FILTER(?c NOT IN ({', '.join(iri(c) for c in keep)}))" if keep else ""
    rows = graph.store.select(_PREFIXES + f"""
        SELECT ?c WHERE {{ GRAPH ?a {{ ?c hkg:subject {iri(s)} ; hkg:predicate {iri(p)} ;
          hkg:object {iri(o)} {modality} }} FILTER(?a != {iri(article)})
          {not_kept} }}
        ORDER BY ?c LIMIT {integer(SAMPLES - len(keep))}""")
    return [str(r["c"]) for r in rows]


def _node_triples(graph: "KnowledgeGraph", key: Key, count: _Count) -> list["Triple"]:
    s, p, o, m = key
    node = _node(graph, key)
    triples: list[Triple] = [(node, RDF.type, HKG.RelationTally)]
    if m:
        triples += [(node, HKG.tallyOf, _node(graph, (s, p, o, ""))),
                    (node, HKG.tallyModality, URIRef(m))]
    else:
        triples += [(node, HKG.tallySubject, URIRef(s)), (node, HKG.tallyPredicate, URIRef(p)),
                    (node, HKG.tallyObject, URIRef(o))]
    return triples + _count_triples(node, count)


def _count_triples(node: URIRef, count: _Count) -> list["Triple"]:
    return ([(node, HKG.claimCount, Literal(count.claims)),
             (node, HKG.articleCount, Literal(count.articles))]
            + [(node, HKG.sampleClaim, URIRef(c)) for c in count.samples])


def article_patch(graph: "KnowledgeGraph", article: URIRef,
                  new_claims: list[tuple[str, str, str, str, str]]) -> Patch:
    """The tally change of replacing the article's stored claims by
    `new_claims` (an empty list: retracting it)."""
    old = _contributions(_stored_claims(graph, article))
    new = _contributions(new_claims)
    keys = {_node(graph, key): key for key in set(old) | set(new)}
    current = _current(graph, keys)
    remove: list[Triple] = []
    add: list[Triple] = []
    for node, key in sorted(keys.items()):
        before = current.get(node)
        was, now = old.get(key, _Count()), new.get(key, _Count())
        if before is None:
            # No node, so no stored claim of this key (a tally never lags the
            # articles it counts): only the new article's.
            add += _node_triples(graph, key, now)
            continue
        after = _Count(before.claims - was.claims + now.claims,
                       before.articles - was.articles + now.articles)
        if after.claims <= 0:
            remove += _node_triples(graph, key, before)
            continue
        # Samples from other articles stay; the article's own are its new ones.
        kept = [c for c in before.samples if c not in was.members]
        wanted = _samples(key)
        after.samples = kept + now.samples[:wanted - len(kept)]
        if len(after.samples) < wanted and len(kept) < after.claims - now.claims:
            after.samples += _other_samples(graph, key, article, kept)[
                :wanted - len(after.samples)]
        after.samples.sort()
        if (after.claims, after.articles, after.samples) != (before.claims, before.articles,
                                                             before.samples):
            remove += _count_triples(node, before)
            add += _count_triples(node, after)
    return Patch(tally_graph(graph), remove, add)


def _grouped_counts(graph: "KnowledgeGraph", group: Sparql) -> list:
    """Claims and articles per group of claim variables, with the least and
    greatest claim IRI as samples."""
    return graph.store.select(_PREFIXES + f"""
        SELECT {group} (COUNT(DISTINCT ?c) AS ?n) (COUNT(DISTINCT ?a) AS ?k)
               (MIN(STR(?c)) AS ?c1) (MAX(STR(?c)) AS ?c2)
        WHERE {{ GRAPH ?a {{ ?c a hkg:Claim ; hkg:subject ?s ; hkg:predicate ?p ;
                             hkg:object ?o ; hkg:modality ?m ; prov:wasDerivedFrom ?a }} }}
        GROUP BY {group}""")


def rebuild(graph: "KnowledgeGraph") -> int:
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


def ensure(graph: "KnowledgeGraph") -> bool:
    """Rebuild the tally if it is missing or of another layout version
    (a store written before it existed); True when it was rebuilt."""
    name = tally_graph(graph)
    rows = graph.store.select(
        f"SELECT ?v WHERE {{ GRAPH {iri(name)} {{ {iri(name)} {iri(HKG.tallyVersion)} ?v }} }}")
    if rows and str(rows[0]["v"]) == TALLY_VERSION:
        return False
    rebuild(graph)
    return True
