"""Belief per relation: how well a (subject, predicate, object) is
supported, as a number with a one-line why (issue 19, item 5).

In the spirit of INDRA's belief engine, but every input is one a reader
can check:

- **one vote per article**: an article's support for the relation is its
  best claim of it, `precision(rule) x weight(modality)` (stated 1.0,
  hedged 0.5, under study 0.3); its denial is its best negated claim's
  `precision(rule)`;
- **rule precision**: each extraction rule's claims shown and correct on
  the dev corpus (`ontology/rule_precision.tsv`, made by
  `scripts/measure_rules.py`), plus curator decisions on claims of that
  rule (confirmed: one more correct, rejected: one more wrong), smoothed
  with a Beta(5, 1) prior: `(correct + 5) / (shown + 6)`; the prior's mean,
  5/6, is what issue 19 measured on real pages (one claim in six wrong);
- **curator decisions**: a confirmed claim's precision is 1 (certain); a
  rejected claim has no vote;
- articles combine as independent evidence: `S = 1 - prod(1 - support)`
  (noisy-OR: how likely it is that at least one supporting article was
  read right), times the supporting share of all votes,
  `sum(support) / (sum(support) + sum(denial))`:

      belief = S x sum(support) / (sum(support) + sum(denial))

  S itself when nothing denies the relation, 0 when nothing supports it,
  half of S when support and denial weigh the same.

The belief graph `<base>graph/belief` holds one node per relation
(`hkg:Belief`, see `ontology/kg.ttl`), so SPARQL can read and sort by it;
`refresh` recomputes the nodes of the relations a write touched, and
`ensure` the whole graph when its version triple is missing or old (a
store written before beliefs existed, or a crash in a bulk ingest).

>>> vote = Vote("a1", "c1", "asserted", "treats.used-to", None)
>>> combine([vote], {"treats.used-to": 0.9}).value
0.9
"""
from __future__ import annotations

import functools
import hashlib
import math
from collections import defaultdict
from dataclasses import dataclass
from sys import intern
from typing import TYPE_CHECKING, Iterable, Mapping

from rdflib import Literal, URIRef
from rdflib.namespace import XSD

import ontology
from ingest import domain

from . import anchoring
from .context import Context
from .store.base import NQuadLines, Patch, Triple, nt_term
from .terms import HKG, Sparql, chunked, integer, iri, iris, literal, sparql_prefixes

if TYPE_CHECKING:
    from .tally import Memo

__all__ = ["BELIEF_VERSION", "MODALITY_WEIGHTS", "PRIOR", "Belief", "Contested", "Held",
           "Precision", "Relation", "Vote", "belief", "belief_graph", "beliefs", "claim_beliefs",
           "combine", "contested", "contested_count", "curation_graph", "ensure", "mark_stale",
           "refresh", "relation_values", "relations_of_article", "rule_precision", "stored"]

#: Layout and formula of the belief graph; a writer recomputes another version's.
BELIEF_VERSION = "1"
#: Beta prior of every rule's precision: (correct, wrong) pseudo-claims.
PRIOR = (5.0, 1.0)
#: An article's support is its best claim's precision times this weight.
MODALITY_WEIGHTS: Mapping[str, float] = {"asserted": 1.0, "hedged": 0.5, "investigational": 0.3}
_PREFIXES = sparql_prefixes()
_CONFIRMED, _REJECTED = str(HKG.confirmed), str(HKG.rejected)

#: (subject IRI, predicate IRI, object IRI).
Relation = tuple[str, str, str]


def belief_graph(graph: Context) -> URIRef:
    return URIRef(graph.minter.base + "graph/belief")


def curation_graph(graph: Context) -> URIRef:
    """Where the curation records and each claim's `hkg:reviewState` live
    (written by `kg.curation`)."""
    return graph.minter.curation_graph


def _node(graph: Context, relation: Relation) -> URIRef:
    digest = hashlib.sha1("\x1f".join(relation).encode("utf-8")).hexdigest()[:24]
    return URIRef(f"{graph.minter.base}belief/{digest}")


# ------------------------------------------------------------ precision

@dataclass(frozen=True)
class Precision:
    """One rule's evidence: claims shown and correct on the dev corpus, and
    curator decisions on its claims."""

    shown: int = 0
    correct: int = 0
    confirmed: int = 0
    rejected: int = 0

    @property
    def value(self) -> float:
        """Beta-smoothed: (correct + confirmed + 5) / (shown + decisions + 6).

        >>> round(Precision(shown=9, correct=5).value, 3)
        0.667
        >>> Precision().value == PRIOR[0] / sum(PRIOR)
        True
        """
        right = self.correct + self.confirmed + PRIOR[0]
        return right / (self.shown + self.confirmed + self.rejected + sum(PRIOR))


@functools.lru_cache(maxsize=1)
def _measured() -> Mapping[str, tuple[int, int]]:
    """Rule -> (shown, correct) from the packaged file."""
    rows = [line.split("\t") for line in ontology.RULE_PRECISION.read_text().splitlines()
            if line and not line.startswith("#")][1:]
    return {rule: (int(shown), int(correct)) for rule, shown, correct in rows}


def rule_precision(graph: Context) -> dict[str, Precision]:
    """Every rule's precision evidence: the measured counts and the
    curators' confirmed and rejected claims of it (one query).  A rule
    missing here has the prior's precision (`Precision()`)."""
    decided: dict[str, dict[str, int]] = defaultdict(dict)
    for row in graph.store.select_values(_PREFIXES + f"""
            SELECT ?rule ?state (COUNT(DISTINCT ?c) AS ?n) WHERE {{
              GRAPH {iri(curation_graph(graph))} {{ ?c hkg:reviewState ?state }}
              VALUES ?state {{ hkg:confirmed hkg:rejected }}
              GRAPH ?a {{ ?c hkg:rule ?rule }} }}
            GROUP BY ?rule ?state"""):
        decided[row["rule"]][row["state"]] = int(row["n"])
    result = {}
    for rule in set(_measured()) | set(decided):
        shown, correct = _measured().get(rule, (0, 0))
        result[rule] = Precision(shown, correct, decided[rule].get(_CONFIRMED, 0),
                                 decided[rule].get(_REJECTED, 0))
    return result


# --------------------------------------------------------------- belief

@dataclass(frozen=True, slots=True)
class Vote:
    """One claim of a relation: its article, modality (local name), rule
    and review state (`hkg:reviewState` local name, or None)."""

    article: str
    claim: str
    modality: str
    rule: str
    state: str | None = None


@dataclass(frozen=True)
class Belief:
    """A relation's belief, the counts behind it and its one-line why."""

    value: float
    why: str
    contested: bool
    #: Independent articles with a claim of it that was not rejected.
    articles: int
    supporting: int = 0
    denying: int = 0

    def as_json(self) -> dict:
        return {"value": round(self.value, 3), "why": self.why, "contested": self.contested,
                "articles": self.articles, "supporting": self.supporting,
                "denying": self.denying}


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def combine(votes: Iterable[Vote], precision: Mapping[str, float]) -> Belief:
    """The belief of one relation from its claims' votes; `precision` maps
    a rule to its precision (missing: the prior's mean).

    >>> p = {"r": 0.8}
    >>> one = combine([Vote("a1", "c1", "asserted", "r")], p)
    >>> two = combine([Vote("a1", "c1", "asserted", "r"), Vote("a2", "c2", "hedged", "r")], p)
    >>> one.value < two.value
    True
    >>> two.why
    '2 articles support it (1 stated, 1 hedged); rules about 80% precise'
    """
    default = PRIOR[0] / sum(PRIOR)
    support: dict[str, tuple[float, str]] = {}
    denial: dict[str, float] = {}
    rejected = confirmed = 0
    used: list[float] = []
    for vote in votes:
        if vote.state == "rejected":
            rejected += 1
            continue
        sure = vote.state == "confirmed"
        confirmed += sure
        p = 1.0 if sure else precision.get(vote.rule, default)
        if not sure:
            used.append(p)
        if vote.modality == "negated":
            denial[vote.article] = max(denial.get(vote.article, 0.0), p)
            continue
        weight = MODALITY_WEIGHTS.get(vote.modality, MODALITY_WEIGHTS["investigational"])
        best = support.get(vote.article)
        if best is None or p * weight > best[0]:
            support[vote.article] = (p * weight, vote.modality)
    backing = [v for v, _ in support.values()]
    s = 1 - math.prod(1 - v for v in backing)
    weight = sum(backing) + sum(denial.values())
    value = s * sum(backing) / weight if weight else 0.0
    articles = len(set(support) | set(denial))
    return Belief(value, _why(support, denial, used, confirmed, rejected),
                  bool(support and denial), articles, len(support), len(denial))


def _why(support: dict[str, tuple[float, str]], denial: dict[str, float], used: list[float],
         confirmed: int, rejected: int) -> str:
    """'4 articles support it (3 stated, 1 hedged), 1 denies it; rules
    about 80% precise; confirmed by a curator'."""
    parts = []
    if support:
        modes: dict[str, int] = defaultdict(int)
        for _, modality in support.values():
            modes[modality] += 1
        mix = ", ".join(f"{modes[m]} {words.label}" for m, words in domain.MODALITIES.items()
                        if modes.get(m))
        parts.append(f"{_plural(len(support), 'article supports', 'articles support')} it "
                     f"({mix})")
    else:
        parts.append("no article supports it")
    if denial:
        parts[-1] += f", {_plural(len(denial), 'denies', 'deny')} it"
    if used:
        parts.append(f"rules about {5 * round(20 * sum(used) / len(used))}% precise")
    if confirmed:
        parts.append("confirmed by a curator" if confirmed == 1
                     else f"{confirmed} claims confirmed by curators")
    if rejected:
        parts.append(f"{_plural(rejected, 'claim', 'claims')} rejected by a curator")
    return "; ".join(parts)


def _votes(graph: Context, relations: list[Relation] | None) -> dict[Relation, list[Vote]]:
    """The votes of `relations` (every relation when None), read from the
    article graphs and the curation graph."""
    curation = iri(curation_graph(graph))
    # VALUES inside GRAPH and the object first: objects are the selective
    # part (few subjects, many objects); 6 times faster than subject first.
    pattern = Sparql(f"""?c hkg:object ?o ; hkg:subject ?s ; hkg:predicate ?p ;
                              hkg:modality ?m ; prov:wasDerivedFrom ?a .
                           OPTIONAL {{ ?c hkg:rule ?rule }} }}
        OPTIONAL {{ GRAPH {curation} {{ ?c hkg:reviewState ?state }} }}""")
    if relations is None:
        rows = graph.store.select_values(_PREFIXES + f"""
            SELECT ?s ?p ?o ?a ?c ?m ?rule ?state WHERE {{ GRAPH ?a {{ {pattern} }}""")
    else:
        rows = []
        for chunk in chunked(relations):
            rows += graph.store.select_values(_PREFIXES + f"""
                SELECT ?s ?p ?o ?a ?c ?m ?rule ?state WHERE {{ GRAPH ?a {{
                  VALUES (?s ?p ?o) {{ {relation_values(chunk)} }} {pattern} }}""")
    found: dict[Relation, dict[str, Vote]] = defaultdict(dict)
    hkg = str(HKG)
    for r in rows:
        state = r.get("state")
        found[r["s"], r["p"], r["o"]][r["c"]] = Vote(
            r["a"], r["c"], r["m"].removeprefix(hkg), r.get("rule", ""),
            state.removeprefix(hkg) if state else None)
    return {relation: sorted(votes.values(), key=lambda v: v.claim)
            for relation, votes in found.items()}


def relation_values(relations: Iterable[Relation]) -> Sparql:
    """`(<s> <p> <o>) ...` rows for a `VALUES (?s ?p ?o)` block.

    >>> relation_values([("urn:s", "urn:p", "urn:o")])
    '(<urn:s> <urn:p> <urn:o>)'
    """
    return Sparql(" ".join(f"({iri(s)} {iri(p)} {iri(o)})" for s, p, o in relations))


def _precision_values(graph: Context) -> dict[str, float]:
    return {rule: p.value for rule, p in rule_precision(graph).items()}


def beliefs(graph: Context, relations: Iterable[Relation]) -> dict[Relation, Belief]:
    """The belief of each relation, computed now from the articles and the
    curations (not read from the belief graph); relations without any claim
    are left out."""
    wanted = sorted(set(relations))
    precision = _precision_values(graph)
    return {relation: combine(votes, precision)
            for relation, votes in _votes(graph, wanted).items()}


def belief(graph: Context, subject: str, predicate: str, obj: str) -> Belief | None:
    """The belief of one relation (IRIs), or None when no claim states or
    denies it.

    >>> from kg import KnowledgeGraph, Settings
    >>> with KnowledgeGraph.open(Settings(store="memory")) as g:
    ...     belief(g, "urn:x", str(HKG.treats), "urn:y") is None
    True
    """
    return beliefs(graph, [(subject, predicate, obj)]).get((subject, predicate, obj))


def claim_beliefs(graph: Context, claims: Iterable[str]) -> dict[str, Belief]:
    """Claim IRI -> the stored belief of its relation (from the belief
    graph), for pages and exports that list claims."""
    from .terms import select_chunked

    def query(values: Sparql) -> str:
        return _PREFIXES + f"""
            SELECT ?c ?v ?why ?contested ?n ?k ?articles WHERE {{ VALUES ?c {{ {values} }}
              GRAPH ?a {{ ?c prov:wasDerivedFrom ?a ; hkg:subject ?s ; hkg:predicate ?p ;
                             hkg:object ?o }}
              GRAPH {iri(belief_graph(graph))} {{ {_STORED} }} }}"""

    return {r["c"]: _stored(r) for r in select_chunked(graph.store, sorted(set(claims)), query)}


#: The pattern of a stored belief node ?b of relation ?s ?p ?o (`_stored`
#: reads its row).
_STORED = """?b hkg:beliefObject ?o ; hkg:beliefSubject ?s ; hkg:beliefPredicate ?p ;
                 hkg:belief ?v ; hkg:beliefWhy ?why .
              OPTIONAL { ?b hkg:beliefArticles ?articles }
              OPTIONAL { ?b hkg:contested ?contested }
              OPTIONAL { ?b hkg:supportingArticles ?n ; hkg:denyingArticles ?k }"""


def stored(graph: Context, relations: Iterable[Relation]) -> dict[Relation, tuple[str, Belief]]:
    """The belief graph's node and belief of each relation that has one
    (for exports, which carry what the graph holds)."""
    found: dict[Relation, tuple[str, Belief]] = {}
    for chunk in chunked(sorted(set(relations))):
        for r in graph.store.select_values(_PREFIXES + f"""
                SELECT ?b ?s ?p ?o ?v ?why ?contested ?n ?k ?articles WHERE {{
                  GRAPH {iri(belief_graph(graph))} {{
                    VALUES (?s ?p ?o) {{ {relation_values(chunk)} }} {_STORED} }} }}"""):
            found[r["s"], r["p"], r["o"]] = (r["b"], _stored(r))
    return found


def _stored(row: Mapping[str, str]) -> Belief:
    articles = int(row.get("articles", 1))
    return Belief(float(row["v"]), row["why"], row.get("contested") == "true", articles,
                  int(row.get("n", articles)), int(row.get("k", 0)))


# --------------------------------------------------------- belief graph

# rdflib makes a new term on each namespace attribute access.
_SUBJECT, _PREDICATE, _OBJECT = HKG.beliefSubject, HKG.beliefPredicate, HKG.beliefObject
_VALUE, _WHY, _ARTICLES = HKG.belief, HKG.beliefWhy, HKG.beliefArticles
_CONTESTED, _SUPPORTING, _DENYING = HKG.contested, HKG.supportingArticles, HKG.denyingArticles
_TRUE = Literal(True)
#: Entities, predicates, values, whys and counts recur across nodes; a
#: bulk ingest writes thousands of nodes, and making rdflib terms was most
#: of its cost.
_term = functools.lru_cache(maxsize=65536)(URIRef)
_text = functools.lru_cache(maxsize=65536)(Literal)


@functools.lru_cache(maxsize=4096)
def _number(value: int) -> Literal:
    return Literal(value)


@functools.lru_cache(maxsize=2048)
def _decimal(value: str) -> Literal:
    return Literal(value, datatype=XSD.decimal)


def _triples(graph: Context, relation: Relation, found: Belief) -> list[Triple]:
    """A relation's node: subject, predicate, object, belief, why and
    articles (unless 1); `hkg:contested true` only when contested, and the supporting
    and denying counts only when some article denies it (otherwise every
    article supports it).  Lean, because `kg ingest` writes one per relation."""
    node = _node(graph, relation)
    s, p, o = relation
    triples: list[Triple] = [
        (node, _SUBJECT, _term(s)), (node, _PREDICATE, _term(p)), (node, _OBJECT, _term(o)),
        (node, _VALUE, _decimal(f"{found.value:.3f}")), (node, _WHY, _text(found.why))]
    if found.articles != 1:  # most relations have one article: no triple says so
        triples.append((node, _ARTICLES, _number(found.articles)))
    if found.contested:
        triples.append((node, _CONTESTED, _TRUE))
    if found.denying:
        triples += [(node, _SUPPORTING, _number(found.supporting)),
                    (node, _DENYING, _number(found.denying))]
    return triples


def _version_triple(graph: Context) -> Triple:
    return (belief_graph(graph), HKG.beliefVersion, Literal(BELIEF_VERSION))


def _stored_nodes(graph: Context, nodes: list[URIRef]) -> dict[URIRef, list[Triple]]:
    """The triples of these belief nodes as the store holds them (removed
    in the store's own lexical forms), by node."""
    name = iri(belief_graph(graph))
    found: dict[URIRef, list[Triple]] = defaultdict(list)
    for chunk in chunked(sorted(map(str, nodes))):
        for r in graph.store.select(f"""SELECT ?n ?p ?v WHERE {{ GRAPH {name} {{
                     VALUES ?n {{ {iris(chunk)} }} ?n ?p ?v }} }}"""):
            node = URIRef(str(r["n"]))
            found[node].append((node, r["p"], r["v"]))
    return found


def _same(stored: list[Triple], new: list[Triple]) -> bool:
    """Whether a node's stored triples say what its new ones say (values
    compared as values: a store may write 0.870 as 0.87)."""
    def values(triples: list[Triple]) -> set:
        return {(p, o.toPython() if isinstance(o, Literal) else o) for _, p, o in triples}

    return values(stored) == values(new)


def refresh(graph: Context, relations: Iterable[Relation] | None = None,
            readers: bool = True, current: bool = False) -> int:
    """Recompute the belief graph's nodes of `relations` (every relation
    when None: the whole graph is rewritten) from the articles, the rule
    precision and the curations; a relation no claim names any more loses
    its node.  Returns the number of nodes (re)written.

    One change of the store (`Store.add_graphs` with a patch, or a graph
    replacement for all), so readers see each node's old or new belief.
    `readers`: False lets a bulk writer (`kg ingest`) load it in bulk.
    `current`: also write the version triple (a bulk writer's flush, after
    `mark_stale`); a full refresh always does.
    Other relations of a rule whose precision a curation changed keep their
    belief until their next refresh (`kg reindex` refreshes all).
    """
    precision = _precision_values(graph)
    if relations is None:
        found = {relation: combine(votes, precision)
                 for relation, votes in _votes(graph, None).items()}
        triples = [t for relation in sorted(found)
                   for t in _triples(graph, relation, found[relation])]
        triples.append(_version_triple(graph))
        name = belief_graph(graph)
        if readers:
            graph.store.replace_graph(name, triples)
        else:
            graph.store.drop_graph(name)
            graph.store.add_graphs([name], "".join(
                f"{nt_term(s)} {nt_term(p)} {nt_term(o)} {nt_term(name)} .\n"
                for s, p, o in triples), readers=False)
        return len(found)
    patch = _patch(graph, relations, precision, current)
    _apply(graph, patch, readers)
    return sum(1 for _, p, _ in patch.add if p == _VALUE)


def _patch(graph: Context, relations: Iterable[Relation], precision: Mapping[str, float],
           current: bool, votes: Mapping[Relation, list[Vote]] | None = None) -> Patch:
    """The belief graph's change for `relations` recomputed from the
    store (or from their `votes` as `_votes` read them): each node whose
    belief changed is replaced, each relation no claim names any more
    loses its node."""
    patch = Patch(belief_graph(graph))
    if current:
        patch.add.append(_version_triple(graph))
    wanted = sorted(set(relations))
    if not wanted:
        return patch
    if votes is None:
        votes = _votes(graph, wanted)
    found = {relation: combine(relation_votes, precision)
             for relation, relation_votes in votes.items()}
    stored = _stored_nodes(graph, [_node(graph, r) for r in wanted])
    for relation in wanted:
        node = _node(graph, relation)
        new = _triples(graph, relation, found[relation]) if relation in found else []
        old = stored.get(node, [])
        if not _same(old, new):
            patch.remove.extend(old)
            patch.add.extend(new)
    return patch


#: Belief nodes a bulk writer writes per change (about 6 triples each):
#: bounds the memory of the patch, as `tally.FLUSH_NODES` does for counts.
RELATIONS_PER_CHANGE = 20_000


class Held:
    """The votes of new articles a batch writer added (`kg.load.
    write_articles`), from the claims in hand, so their beliefs are written
    without reading the claims back: reading 12,000 relations' claims takes
    Oxigraph about 6 s, a third of a 300-article `kg ingest`.

    A relation whose every claim is known (the tally's count, as the writer
    last wrote it, equals the votes known) is computed from them alone; any
    other is read from the store once, and its votes are known from then
    on.  Votes stay known for the whole run: a hub relation gains claims in
    every batch, and reading all of them back at each write made the
    writes of a 10,000-article ingest grow with the square of its size.
    `forget` after anything else changed claims."""

    def __init__(self, graph: Context) -> None:
        self.graph = graph
        #: relations with claims added since the last write -> their new votes
        self.votes: dict[Relation, list[Vote]] = defaultdict(list)
        #: every relation this run has read or added claims of -> all its votes
        #: (without review states, which are read at each write)
        self.known: dict[Relation, list[Vote]] = {}

    def hold(self, article: str, claims: list[tuple[str, str, str, str, str]],
             rules: Mapping[str, str]) -> None:
        """Keep one new article's (claim, s, p, o, modality IRI) rows,
        once it is in the store."""
        hkg = str(HKG)
        for claim, s, p, o, m in claims:
            vote = Vote(article, claim, intern(m.removeprefix(hkg)), rules.get(claim, ""))
            self.votes[s, p, o].append(vote)
            known = self.known.get((s, p, o))
            if known is not None:
                known.append(vote)

    def forget(self) -> None:
        """Drop the votes known (another writer changed claims)."""
        self.known.clear()

    @property
    def pending(self) -> bool:
        """Whether relations have new votes whose beliefs are not written."""
        return bool(self.votes)

    def write(self, memo: "Memo", readers: bool = True, current: bool = False) -> int:
        """Write the beliefs of the relations with new votes (after their
        tally counts are in `memo`); the nodes written.  With readers, one
        change; without (a bulk writer), `RELATIONS_PER_CHANGE` relations
        per change, the belief graph marked `current` by the last."""
        held, self.votes = self.votes, defaultdict(list)
        if not held and not current:
            return 0
        relations = sorted(held)
        size = max(len(relations), 1) if readers else RELATIONS_PER_CHANGE
        states = anchoring.review_states(self.graph)
        precision = _precision_values(self.graph)
        written = 0
        for start in range(0, max(len(relations), 1), size):
            part = {relation: held[relation] for relation in relations[start:start + size]}
            written += self._write(part, memo, readers, current and start + size >= len(relations),
                                   states, precision)
        return written

    def _write(self, held: dict[Relation, list[Vote]], memo: "Memo", readers: bool,
               current: bool, states: Mapping[str, str], precision: Mapping[str, float]) -> int:
        """`write` for some of the relations, in one change."""
        graph = self.graph
        known = self.known
        fresh = {relation for relation in held if relation not in known}
        for relation in fresh:
            known[relation] = list(held[relation])
        alone = {relation: known[relation] for relation in held
                 if memo.claims(graph, relation) == len(known[relation])}
        others = sorted(relation for relation in held if relation not in alone)
        # Fresh relations have no node yet: their triples are added.  The
        # others are compared with their stored nodes (`_patch`): those
        # known from an earlier write of this run with their votes in hand,
        # the rest with their votes read from the store (and known after).
        # Without readers (a bulk writer) new nodes go as N-Quads lines.
        lines = None if readers else NQuadLines(belief_graph(graph), graph.minter.base)
        add: list[Triple] = []
        single: dict[tuple, Belief] = {}  # most relations: one claim, one article
        replaced: dict[Relation, list[Vote]] = {}
        for relation in sorted(alone):
            votes = [Vote(v.article, v.claim, v.modality, v.rule, states.get(v.claim))
                     for v in alone[relation]]
            if relation not in fresh:
                replaced[relation] = votes
                continue
            if len(votes) == 1:
                key = (votes[0].modality, votes[0].rule, votes[0].state)
                found = single.get(key)
                if found is None:
                    found = single[key] = combine(votes, precision)
            else:
                found = combine(votes, precision)
            if lines is not None:
                lines.add(_triples(graph, relation, found))
            else:
                add += _triples(graph, relation, found)
        read = _votes(graph, others) if others else {}
        for relation in others:
            known[relation] = [Vote(v.article, v.claim, v.modality, v.rule)
                               for v in read.get(relation, [])]
        patch = _patch(graph, [*replaced, *others], precision, current, {**replaced, **read})
        patch.add.extend(add)
        if lines is not None:
            patch = Patch(patch.graph, patch.remove, patch.add, lines.text())
        _apply(graph, patch, readers)
        return len(alone) + len(others)


def _apply(graph: Context, patch: Patch, readers: bool) -> None:
    """One change: with readers, one transaction (`Store.apply`: no reader
    sees a node's old and new belief together); without, the bulk loader."""
    if patch.empty:
        return
    if readers:
        graph.store.apply([patch])
    else:
        graph.store.add_graphs([], "", patch, readers=False)


def mark_stale(graph: Context) -> None:
    """Remove the belief graph's version triple: beliefs will lag the
    articles until a `refresh(current=True)` (a bulk writer's flush), and
    a writer opening the store before that recomputes them (`ensure`)."""
    graph.store.apply([Patch(belief_graph(graph), remove=[_version_triple(graph)])])


def ensure(graph: Context) -> bool:
    """Recompute the whole belief graph when its version triple is missing
    or another version's (a store written before beliefs, or by an older
    formula); True when it was."""
    s, p, o = _version_triple(graph)
    if graph.store.ask(f"ASK {{ GRAPH {iri(s)} {{ {iri(s)} {iri(p)} {literal(str(o))} }} }}"):
        return False
    refresh(graph)
    return True


def relations_of_article(graph: Context, article: URIRef) -> list[Relation]:
    """The relations an article's stored claims name (before it is
    replaced or dropped, so their beliefs can be refreshed after)."""
    rows = graph.store.select_values(_PREFIXES + f"""
        SELECT DISTINCT ?s ?p ?o WHERE {{ GRAPH {iri(article)} {{
          ?c a hkg:Claim ; hkg:subject ?s ; hkg:predicate ?p ; hkg:object ?o }} }}""")
    return [(r["s"], r["p"], r["o"]) for r in rows]


# ------------------------------------------------------------ contested

@dataclass(frozen=True)
class Contested:
    """A relation some articles support and others deny, with its belief."""

    subject: str
    predicate: str
    object: str
    belief: Belief

    @property
    def relation(self) -> Relation:
        return (self.subject, self.predicate, self.object)


def contested(graph: Context, limit: int = 50, offset: int = 0) -> list[Contested]:
    """Contested relations from the belief graph, those with most articles
    on both sides first (then by subject, predicate, object IRIs)."""
    rows = graph.store.select_values(_PREFIXES + f"""
        SELECT ?s ?p ?o ?v ?why ?contested ?n ?k ?articles WHERE {{
          GRAPH {iri(belief_graph(graph))} {{ ?b hkg:contested true . {_STORED} }} }}
        ORDER BY DESC(?n + ?k) ?s ?p ?o LIMIT {integer(limit)} OFFSET {integer(offset)}""")
    return [Contested(r["s"], r["p"], r["o"], _stored(r)) for r in rows]


def contested_count(graph: Context) -> int:
    """How many relations are contested."""
    rows = graph.store.select_values(_PREFIXES + f"""
        SELECT (COUNT(?b) AS ?n) WHERE {{ GRAPH {iri(belief_graph(graph))} {{
          ?b hkg:contested true }} }}""")
    return int(rows[0]["n"]) if rows else 0
