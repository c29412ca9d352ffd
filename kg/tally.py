"""Stored per-relation counts: what an entity page reads instead of counting.

An entity page shows, for each relation of the entity, how many claims and
articles state it in each modality.  Counting that per request costs about
30 µs per claim (a hub with 10,000 claims: 0.6 s); the *tally graph* keeps
the counts, so a page costs its number of relations instead.

One tally node per relation (subject, predicate, object) over every
modality (its article count is the relation's total: an article that both
states and hedges it counts once), and one per modality the relation is
stated in, linked to it:

    <{base}tally/3f2a...> hkg:tallySubject <entity/ketamine> ;
        hkg:tallyPredicate hkg:treats ; hkg:tallyObject <entity/depression> ;
        hkg:claimCount 14 ; hkg:articleCount 10 .
    <{base}tally/9c01...> hkg:tallyOf <{base}tally/3f2a...> ;
        hkg:tallyModality hkg:asserted ;
        hkg:claimCount 12 ; hkg:articleCount 9 ; hkg:sampleClaim <claim/..> .

Both are `hkg:RelationTally` nodes by the domain of these properties (the
ontology's RDFS); the type is not written: a first ingest writes about
64 tally nodes an article, and a sixth of the tally's triples were types.

So a page reads an entity's relations (to sort and count them) without
their per-modality rows, and those (with the sample claims it quotes) only
for the relations it shows.

`kg.load` changes the tally in the same SPARQL Update request as the article
(`article_patch`), so readers never see counts that disagree with the
articles; the store has one writer, so reading the current counts before
that request is safe.  A writer rebuilds the whole tally when it is missing
or its layout version changed (`ensure`).

`kg ingest` (a writer no one reads) holds the counts of the new articles
in memory and writes them once per `kg.load.FLUSH_ARTICLES` (`Deferred`);
meanwhile the tally has no version triple, so a crash in between ends in a
recount.  The sample claims of a node are the least claim IRIs of its
relation in that modality, so a recount equals counts kept batch by batch.
"""
from __future__ import annotations

import functools
import hashlib
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable, cast

from rdflib import RDF, Literal, URIRef

from .context import Context
from .store.base import NQuadLines, Patch, Term
from .terms import (HKG, Sparql, chunked, integer, iri, select_chunked,
                    sparql_prefixes)

if TYPE_CHECKING:
    from .store.base import Triple

__all__ = ["SAMPLES", "TALLY_VERSION", "Deferred", "Key", "Memo", "article_patch",
           "articles_patch", "entities_with_claims", "ensure", "rebuild", "tally_graph"]

#: Layout of the tally graph; a writer rebuilds a tally of another version.
TALLY_VERSION = "5"  # 4: the least claims as samples; 5: no rdf:type
#: Claims kept per modality node to quote on an entity page.
SAMPLES = 2
_PREFIXES = sparql_prefixes()
log = logging.getLogger("kg")

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


@dataclass(slots=True)
class _Count:
    """Counts of one tally node.  A writer keeps one per node it has seen
    (`Memo`), so it is small: slots, and no set of claims unless an
    article's share needs one."""

    claims: int = 0
    articles: int = 0
    samples: list[str] = field(default_factory=list)
    #: One article's claims of the key (`_contributions`); empty elsewhere.
    members: frozenset[str] | set[str] = frozenset()


def _contributions(claims: list[tuple[str, str, str, str, str]]) -> dict[Key, _Count]:
    """One article's share of the tally, with the claims of each key:
    (claim, s, p, o, m) rows."""
    counts: dict[Key, _Count] = {}
    _count_new(counts, claims, members=True)
    return counts


def _sample(samples: list[str], claim: str) -> None:
    """Keep in `samples` the SAMPLES least claim IRIs offered, sorted: the
    samples of a relation depend only on its claims, so a tally counted
    afresh (`rebuild`, after a crash) equals one kept up batch by batch."""
    if len(samples) < SAMPLES:
        samples.append(claim)
        samples.sort()
    elif claim < samples[-1] and claim not in samples:
        samples[-1] = claim
        samples.sort()


def _least(claims: Iterable[str], key: Key) -> list[str]:
    return sorted(set(claims))[:_samples(key)]


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
             hkg:modality ?m ; hkg:start ?start }} {_not_rejected(graph)} }}
        ORDER BY ?start ?c""")
    return [(str(r["c"]), str(r["s"]), str(r["p"]), str(r["o"]), str(r["m"])) for r in rows]


def _not_rejected(graph: Context) -> Sparql:
    """A filter keeping ?c to claims no curator rejected: a rejected claim
    is not counted (issue 19; its state is in the curation graph, written
    with the article)."""
    return Sparql(f"FILTER NOT EXISTS {{ GRAPH {iri(graph.minter.curation_graph)} {{ "
                  f"?c {iri(HKG.reviewState)} {iri(HKG.rejected)} }} }}")


def _current(graph: Context, nodes: Iterable[URIRef]) -> dict[URIRef, _Count]:
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
          {not_kept} {_not_rejected(graph)} }}
        ORDER BY ?c LIMIT {integer(SAMPLES - len(keep))}""")
    return [str(r["c"]) for r in rows]


def _node_triples(graph: Context, key: Key, count: _Count,
                  parent: URIRef | None = None) -> list["Triple"]:
    """A node's triples; `parent`: its relation's node, if known."""
    s, p, o, m = key
    node = _node(graph, key)
    triples: list[Triple]
    if m:
        triples = [(node, _TALLY_OF, parent or _node(graph, (s, p, o, ""))),
                   (node, _TALLY_MODALITY, _term(m))]
    else:
        triples = [(node, _TALLY_SUBJECT, _term(s)), (node, _TALLY_PREDICATE, _term(p)),
                   (node, _TALLY_OBJECT, _term(o))]
    return triples + _count_triples(node, count)


#: Entities, predicates and modalities recur across tally nodes.
_term = functools.lru_cache(maxsize=65536)(URIRef)


# rdflib makes a new term on each namespace attribute access: these are
# written a few times per tally node.
_TALLY_OF = HKG.tallyOf
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
    """Add one article's contributions to a batch's (the least claims as
    samples)."""
    for key, count in part.items():
        into = total.get(key)
        if into is None:
            total[key] = into = _Count()
        into.claims += count.claims
        into.articles += count.articles
        into.members |= count.members
        if count.samples:
            into.samples = _least(into.samples + count.samples, key)


class Memo:
    """The tally nodes one writer has read or written, so a run of batches
    reads each node from the store once (`articles_patch(memo=)`).

    Valid only while nothing else changes the tally: the writer holds the
    store, and forgets the memo after any other write of its own.  A
    batch's counts become known (`commit`) only once its change is in the
    store."""

    def __init__(self) -> None:
        #: Keyed by `Key`, not node IRI: at 10,000 articles the memo holds
        #: ~400,000 nodes, and the keys' names are shared strings.
        self.nodes: dict[Key, _Count | None] = {}  # None: no such node
        self.pending: dict[Key, _Count | None] = {}
        #: Every node of the tally is in `nodes` (it was empty when the run
        #: began), so a node not there does not exist and is not read.
        self.complete = False

    def start(self, graph: Context) -> None:
        """Note whether the tally has no node yet (a first ingest): then
        no batch of the run reads a count from the store."""
        self.complete = not graph.store.ask(_PREFIXES + f"""
            ASK {{ GRAPH {iri(tally_graph(graph))} {{ ?r hkg:claimCount ?n }} }}""")

    def claims(self, graph: Context, relation: tuple[str, str, str]) -> int | None:
        """Claims of a relation (every modality) as this writer last wrote
        or read its count; None when unknown (or no such node)."""
        count = self.nodes.get((*relation, ""))
        return count.claims if count is not None else None

    def commit(self) -> None:
        self.nodes.update(self.pending)
        self.pending = {}

    def forget(self) -> None:
        self.nodes.clear()
        self.pending.clear()
        self.complete = False


class Deferred:
    """The tally counts of articles added in bulk, kept in memory and
    written in one patch (`flush`) instead of one per batch: a first
    ingest of 1,000 articles wrote each hub's counts 16 times, and the
    patches cost more than the articles.

    While counts are held the stored tally lags its articles, so the first
    `hold` removes the tally's version triple; `flush` writes it back with
    the counts.  A writer that opens the store after a crash in between
    finds no version and recounts the whole tally (`ensure`).  Only for a
    writer no one reads (`kg ingest`): a reader in this process would see
    the old counts until the flush."""

    def __init__(self, graph: Context, memo: Memo) -> None:
        self.graph, self.memo = graph, memo
        self.counts: dict[Key, _Count] = {}
        self.articles = 0
        self.stale = False

    def mark(self) -> Patch | None:
        """The patch that marks the tally as lagging, to apply with the
        first batch whose counts are held (None once applied)."""
        if self.stale:
            return None
        return Patch(tally_graph(self.graph), remove=[_version_triple(self.graph)])

    def hold(self, claims: list[tuple[str, str, str, str, str]]) -> None:
        """Keep the counts of one new article, once its batch (with the
        `mark`) is in the store."""
        _count_new(self.counts, claims)
        self.articles += 1
        self.stale = True

    def flush(self) -> None:
        """Write the held counts, `FLUSH_NODES` nodes per change (each
        change's patch is then held in memory alone), and the version
        triple with the last."""
        if not self.stale:
            return
        keys = sorted(self.counts)
        for start in range(0, max(len(keys), 1), FLUSH_NODES):
            part = {key: self.counts[key] for key in keys[start:start + FLUSH_NODES]}
            patch = _patch(self.graph, {}, part, [], self.memo, bulk=True)
            if start + FLUSH_NODES >= len(keys):
                patch.add.append(_version_triple(self.graph))
            try:
                self.graph.store.add_graphs([], "", patch, readers=False)
            except BaseException:
                self.memo.forget()
                raise
            self.memo.commit()
        self.counts, self.articles, self.stale = {}, 0, False

    def close(self) -> None:
        """Write what is held, if the store takes it; if not (the error
        that stopped the run stops this too), the tally stays without its
        version triple and the next writer's open recounts it."""
        try:
            self.flush()
        except Exception as err:  # noqa: BLE001 - the run's own error is what the caller sees
            log.info("the relation tally could not be brought up to date (%s); the next "
                     "writer to open the store recounts it", err)


#: Tally nodes written per change by `Deferred.flush`.
FLUSH_NODES = 20000


def _count_new(counts: dict[Key, _Count], claims: list[tuple[str, str, str, str, str]],
               members: bool = False) -> None:
    """Add one article's (claim, s, p, o, m) rows to `counts` in one pass;
    `members`: also keep each key's claims (only an article's own share,
    `_contributions`, needs them)."""
    seen: set[Key] = set()
    for claim, s, p, o, m in claims:
        for key in ((s, p, o, m), (s, p, o, "")):
            count = counts.get(key)
            if count is None:
                counts[key] = count = _Count(members=set() if members else frozenset())
            count.claims += 1
            if key not in seen:
                seen.add(key)
                count.articles += 1
            if members:
                cast(set, count.members).add(claim)
            if key[3]:
                _sample(count.samples, claim)


def _version_triple(graph: Context) -> "Triple":
    return (tally_graph(graph), HKG.tallyVersion, Literal(TALLY_VERSION))


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
    return _patch(graph, old, now, [article for article, _ in changes], memo)


def _patch(graph: Context, old: dict[Key, _Count], now: dict[Key, _Count],
           articles: list[URIRef], memo: Memo | None, bulk: bool = False) -> Patch:
    """The tally change of taking `old` contributions (of `articles`) out
    and putting `now` in; `bulk`: new nodes as N-Quads lines
    (`Patch.lines`, for `Store.add_graphs`)."""
    lines = NQuadLines(tally_graph(graph), graph.minter.base) if bulk else None
    nodes = {key: _node(graph, key) for key in set(old) | set(now)}
    known = memo.nodes if memo is not None else {}
    unread = [node for key, node in nodes.items() if key not in known]
    current = {} if memo is not None and memo.complete else _current(graph, unread)
    # The batch's nodes, not the memo's (every node of a long run).
    current.update({nodes[k]: c for k in nodes if (c := known.get(k)) is not None})
    written: dict[Key, _Count | None] = {}
    remove: list[Triple] = []
    add: list[Triple] = []
    for key in sorted(nodes):
        node = nodes[key]
        before = current.get(node)
        was, then = old.get(key, _Count()), now.get(key, _Count())
        if before is None:
            # No node, so no stored claim of this key (a tally never lags the
            # articles it counts): only the new articles'.
            # The relation's node: a key of this patch, but at a chunk's edge.
            triples = _node_triples(graph, key, then, nodes.get(key[:3] + ("",)))
            if lines is not None:
                lines.add(triples)
            else:
                add += triples
            # `then.samples` is kept sorted, and `then` is dropped after the
            # patch: its list is the memo's, not a copy (a long run's memo
            # holds every node it wrote, ~400,000 at 10,000 articles).
            written[key] = _Count(then.claims, then.articles, then.samples)
            continue
        after = _Count(before.claims - was.claims + then.claims,
                       before.articles - was.articles + then.articles)
        if after.claims <= 0:
            remove += _node_triples(graph, key, before)
            written[key] = None
            continue
        # The least claims: of the samples from other articles, the
        # articles' new claims and, if a sample went, the others' next least.
        kept = [c for c in before.samples if c not in was.members]
        others = before.claims - was.claims  # claims of other articles
        candidates = kept + then.samples
        if len(kept) < len(before.samples) and others > len(kept):
            candidates += _other_samples(graph, key, articles, kept)
        after.samples = _least(candidates, key)
        written[key] = after
        if (after.claims, after.articles, after.samples) != (before.claims, before.articles,
                                                             before.samples):
            remove += _count_triples(node, before)
            add += _count_triples(node, after)
    if memo is not None:
        memo.pending = written
    return Patch(tally_graph(graph), remove, add, lines.text() if lines is not None else "")


def entities_with_claims(graph: Context) -> frozenset[str]:
    """Every entity some claim names as subject or object (in any modality),
    read from the tally: one row per entity, not per claim."""
    rows = graph.store.select_values(_PREFIXES + f"""
        SELECT DISTINCT ?e WHERE {{ GRAPH {iri(str(tally_graph(graph)))} {{
          {{ ?r hkg:tallySubject ?e }} UNION {{ ?r hkg:tallyObject ?e }} }} }}""")
    return frozenset(str(r["e"]) for r in rows)


def rebuild(graph: Context) -> int:
    """Recount the whole tally from the articles, a chunk of articles per
    query (each query's rows bounded), with the same counting as a bulk
    writer's (`Deferred`); the number of tally nodes."""
    articles = [r["a"] for r in graph.store.select_values(_PREFIXES + """
        SELECT ?a WHERE { GRAPH ?a { ?a a hkg:Article } } ORDER BY ?a""")]

    def query(values: Sparql) -> str:
        return _PREFIXES + f"""
            SELECT ?a ?c ?s ?p ?o ?m WHERE {{ VALUES ?a {{ {values} }}
              GRAPH ?a {{ ?c a hkg:Claim ; hkg:subject ?s ; hkg:predicate ?p ;
                          hkg:object ?o ; hkg:modality ?m }} {_not_rejected(graph)} }}"""

    counts: dict[Key, _Count] = {}
    for chunk in chunked(articles, ARTICLES_PER_QUERY):
        rows: dict[str, list[tuple[str, str, str, str, str]]] = defaultdict(list)
        for r in select_chunked(graph.store, chunk, query):
            rows[r["a"]].append((r["c"], r["s"], r["p"], r["o"], r["m"]))
        for claims in rows.values():
            _count_new(counts, claims)
    triples: list[Triple] = [_version_triple(graph)]
    for key, count in counts.items():
        triples += _node_triples(graph, key, count)
    graph.store.replace_graph(tally_graph(graph), triples)
    return len(counts)


#: Articles whose claims one query of `rebuild` reads.
ARTICLES_PER_QUERY = 50


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
