"""Curation records and their anchors: what `kg.load` applies to an article
each time it writes it, and what `kg.curation` writes (issue 19).

A record lives in the curation graph (`Minter.curation_graph`), never in an
article's graph.  A record about a claim carries the claim's *anchor*
(`kg.rdf.anchor_key` of article, evidence text, subject, predicate, object)
and its parts, and `prov:used` the claim(s) having that anchor now.  Every
write of an article reads the article's records (one query), applies their
decisions to its triples (`kg.rdf.apply_curations`) and refreshes, in the
same transaction, the records' `prov:used` links and the claims'
materialised `hkg:reviewState` / `hkg:flagCount` (`article_patch`): a record
whose anchor no claim has any more loses its link and is an orphan.

A record is in effect unless another record undid it (`hkg:undoneBy`).  For
one anchor, the verdict is that of the latest review giving one, the
modality that of the latest review giving one; readers' flags are open
until a curator reviews the claim after them.
"""
from __future__ import annotations

import re
import secrets
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Iterable

from rdflib import Literal, URIRef

from ingest import domain

from .context import Context
from .errors import KGError, NotFound, quoted
from .rdf import Curated, Decision, anchor_key
from .store.base import Patch, Triple
from .terms import (HKG, PROV, RDF, RDFS, XSD, Sparql, iri, iris, literal, select_chunked,
                    sparql_prefixes)

__all__ = ["KINDS", "MAX_NOTE", "READER", "UNDONE_BY", "Anchor", "AnchorState", "BadCuration",
           "ClaimFound", "Loaded", "check_curator_name", "clean_note",
           "Record", "anchor_state", "article_patch", "article_patch_for", "curated_articles",
           "decisions", "find_claim", "in_order", "load", "new_id", "now", "record_triples"]

_PREFIXES = sparql_prefixes()

#: Record kind -> its class in kg.ttl.
KINDS = {"review": HKG.Review, "flag": HKG.Flag, "note": HKG.Note,
         "regrounding": HKG.Regrounding, "merge": HKG.Merge, "undo": HKG.Undo}
_KIND_OF = {str(cls): kind for kind, cls in KINDS.items()}
#: Who a reader's flag is recorded as: no address or other personal data.
READER = "reader"


#: A curator's name: what `<base>curator/<name>` ends with.
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
#: Longest note kept (a note is a sentence or a paragraph, not a document).
MAX_NOTE = 2000


class BadCuration(KGError):
    """A curation that cannot be made as asked (a verdict or a modality not
    in the domain table, nothing to do, an undo of an undo): 400 on the web,
    naming the field."""

    status = 400

    def __init__(self, message: str, field_name: str = ""):
        super().__init__(message)
        self.field = field_name


def check_curator_name(name: str) -> str:
    """`name` if it may name a curator (lower-case letters, digits, `.`,
    `_`, `-`; not "reader", which flags are recorded as).

    >>> check_curator_name("alice")
    'alice'
    """
    if not _NAME.match(name or "") or name == READER:
        raise BadCuration(f"not a curator name: {quoted(name)} (lower-case letters, digits, "
                          f"'.', '_' and '-'; not {READER!r})", "who")
    return name


def clean_note(text: str | None) -> str:
    """A note or a why, stripped; at most `MAX_NOTE` characters."""
    text = (text or "").strip()
    if len(text) > MAX_NOTE:
        raise BadCuration(f"the note is {len(text)} characters; at most {MAX_NOTE}", "note")
    return text


def new_id() -> str:
    """A record id: 16 random hex characters."""
    return secrets.token_hex(8)


def now() -> str:
    """The time of a record, UTC with microseconds (records of one second
    keep their order)."""
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class Anchor:
    """A claim's content: what a curation of it holds on to.

    >>> a = Anchor("http://x/article/a1", "K treats D.", "http://x/entity/k",
    ...            "https://w3id.org/health-kg/ontology#treats", "http://x/entity/d")
    >>> a.article_id, len(a.key)
    ('a1', 64)
    """

    article: str
    evidence: str
    subject: str
    predicate: str
    object: str

    @property
    def article_id(self) -> str:
        return self.article.rsplit("/", 1)[-1]

    @property
    def key(self) -> str:
        return anchor_key(self.article_id, self.evidence, self.subject, self.predicate,
                          self.object)

    def as_json(self) -> dict:
        return {"key": self.key, "article": self.article_id, "evidence": self.evidence,
                "subject": self.subject, "predicate": self.predicate.rsplit("#", 1)[-1],
                "object": self.object}


@dataclass(frozen=True)
class Record:
    """One curation record.  `kind` is a key of `KINDS`; `who` the curator's
    name ("reader" for a flag); `when` an ISO time; `claims` the claims that
    have its anchor now (none: orphaned, or not about a claim)."""

    id: str
    kind: str
    who: str
    when: str
    note: str = ""
    anchor: Anchor | None = None
    claims: tuple[str, ...] = ()
    verdict: str | None = None
    modality: str | None = None
    reason: str | None = None
    surface: str | None = None
    entity_type: str | None = None
    entity: str | None = None
    merged: str | None = None
    about: str | None = None
    undoes: str | None = None
    undone_by: str | None = None

    @property
    def claim(self) -> str | None:
        return self.claims[0] if self.claims else None

    @property
    def active(self) -> bool:
        return self.undone_by is None

    @property
    def orphaned(self) -> bool:
        return self.anchor is not None and not self.claims

    def as_json(self) -> dict:
        data: dict = {"id": self.id, "kind": self.kind, "who": self.who, "when": self.when}
        for name in ("note", "verdict", "modality", "reason", "surface", "entity_type",
                     "entity", "merged", "about", "undoes", "undone_by"):
            value = getattr(self, name)
            if value:
                data[name] = value
        if self.anchor is not None:
            data["anchor"] = self.anchor.as_json()
            data["claims"] = list(self.claims)
            data["orphaned"] = self.orphaned
        return data


def record_triples(ctx: Context, record: Record) -> list[Triple]:
    """A record's triples, as the curation graph holds them."""
    node = ctx.minter.curation(record.id)
    triples: list[Triple] = [
        (node, RDF.type, HKG.Curation), (node, RDF.type, KINDS[record.kind]),
        (node, PROV.wasAssociatedWith, ctx.minter.curator(record.who)),
        (node, PROV.endedAtTime, Literal(record.when, datatype=XSD.dateTime))]
    if record.note:
        triples.append((node, RDFS.comment, Literal(record.note)))
    a = record.anchor
    if a is not None:
        triples += [(node, HKG.anchor, Literal(a.key)),
                    (node, HKG.anchorArticle, URIRef(a.article)),
                    (node, HKG.anchorEvidence, Literal(a.evidence)),
                    (node, HKG.anchorSubject, URIRef(a.subject)),
                    (node, HKG.anchorPredicate, URIRef(a.predicate)),
                    (node, HKG.anchorObject, URIRef(a.object))]
        triples += [(node, PROV.used, URIRef(c)) for c in record.claims]
    if record.verdict:
        triples.append((node, HKG.verdict, HKG[record.verdict]))
    if record.modality:
        triples.append((node, HKG.newModality, HKG[record.modality]))
    if record.reason:
        triples.append((node, HKG.flagReason, Literal(record.reason)))
    if record.surface:
        triples.append((node, HKG.surfaceForm, Literal(record.surface)))
    if record.entity_type:
        triples.append((node, HKG.entityType, HKG[record.entity_type]))
    if record.entity:
        triples.append((node, HKG.groundedTo, URIRef(record.entity)))
    if record.merged:
        triples.append((node, HKG.mergedEntity, URIRef(record.merged)))
    if record.about:
        triples.append((node, HKG.about, URIRef(record.about)))
    if record.undoes:
        triples.append((node, HKG.undoes, ctx.minter.curation(record.undoes)))
    return triples


@dataclass
class Loaded:
    """Records as read from the store, with what the curation graph says
    now of the claims they use (to refresh it: `article_patch`)."""

    records: list[Record] = field(default_factory=list)
    #: The stored `prov:used`, `hkg:reviewState` and `hkg:flagCount` triples.
    links: set[Triple] = field(default_factory=set)


def _local(value: str | None) -> str | None:
    return value.rsplit("#", 1)[-1] if value else None


def load(ctx: Context, *, article: str | None = None, anchors: Iterable[str] = (),
         ids: Iterable[str] = (), claims: Iterable[str] = (), about: str | None = None,
         kinds: Iterable[str] = ()) -> Loaded:
    """Records (in time order) chosen by one of: the article they are
    anchored in, anchor keys, record ids, the claims they use, what a
    record is about (an entity or article: notes, regroundings, merges);
    by none of them, every record.  `kinds` keeps those kinds only.
    One query."""
    graph = iri(ctx.minter.curation_graph)
    chooser = ""
    if article is not None:
        # Most articles have no record: a lookup of one index entry (0.5 ms)
        # instead of the full query's plan (5 ms), on every article write.
        if not ctx.store.ask(f"ASK {{ GRAPH {graph} {{ ?r {iri(HKG.anchorArticle)} "
                             f"{iri(article)} }} }}"):
            return Loaded()
        chooser = f"?r hkg:anchorArticle {iri(article)} ."
    elif anchors:
        keys = " ".join(literal(a) for a in anchors)
        chooser = f"VALUES ?anchor {{ {keys} }} ?r hkg:anchor ?anchor ."
    elif ids:
        chooser = f"VALUES ?r {{ {iris(ctx.minter.curation(i) for i in ids)} }}"
    elif claims:
        chooser = f"VALUES ?c {{ {iris(claims)} }} ?r prov:used ?c ."
    elif about is not None:
        e = iri(about)
        chooser = Sparql(f"{{ ?r hkg:about {e} }} UNION {{ ?r hkg:groundedTo {e} }}"
                         f" UNION {{ ?r hkg:mergedEntity {e} }}"
                         f" UNION {{ ?r hkg:anchorSubject|hkg:anchorObject {e} }}")
    kind_filter = ""
    wanted = list(kinds)
    if wanted:
        kind_filter = f"VALUES ?kind {{ {iris(KINDS[k] for k in wanted)} }}"
    rows = ctx.store.select_values(_PREFIXES + f"""
        SELECT ?r ?kind ?who ?when ?note ?anchor ?a ?ev ?s ?p ?o ?used ?st ?fc ?verdict ?mod
               ?reason ?surface ?etype ?to ?merged ?about ?undoes ?undone
        WHERE {{ GRAPH {graph} {{
          {chooser} {kind_filter}
          ?r a ?kind ; prov:wasAssociatedWith ?who ; prov:endedAtTime ?when .
          FILTER(?kind != hkg:Curation)
          OPTIONAL {{ ?r rdfs:comment ?note }}
          OPTIONAL {{ ?r hkg:anchor ?anchor ; hkg:anchorArticle ?a ; hkg:anchorEvidence ?ev ;
                        hkg:anchorSubject ?s ; hkg:anchorPredicate ?p ; hkg:anchorObject ?o }}
          OPTIONAL {{ ?r prov:used ?used OPTIONAL {{ ?used hkg:reviewState ?st }}
                      OPTIONAL {{ ?used hkg:flagCount ?fc }} }}
          OPTIONAL {{ ?r hkg:verdict ?verdict }} OPTIONAL {{ ?r hkg:newModality ?mod }}
          OPTIONAL {{ ?r hkg:flagReason ?reason }} OPTIONAL {{ ?r hkg:surfaceForm ?surface }}
          OPTIONAL {{ ?r hkg:entityType ?etype }} OPTIONAL {{ ?r hkg:groundedTo ?to }}
          OPTIONAL {{ ?r hkg:mergedEntity ?merged }} OPTIONAL {{ ?r hkg:about ?about }}
          OPTIONAL {{ ?r hkg:undoes ?undoes }} OPTIONAL {{ ?r hkg:undoneBy ?undone }}
        }} }}""")
    found: dict[str, Record] = {}
    used: dict[str, list[str]] = defaultdict(list)
    loaded = Loaded()
    minter = ctx.minter
    for row in rows:
        node = row["r"]
        if node not in found:
            anchor = None
            if "anchor" in row:
                anchor = Anchor(row["a"], row["ev"], row["s"], row["p"], row["o"])
            undoes, undone = row.get("undoes"), row.get("undone")
            found[node] = Record(
                id=minter.local(node, "curation") or node, kind=_KIND_OF[row["kind"]],
                who=minter.local(row["who"], "curator") or row["who"], when=row["when"],
                note=row.get("note", ""), anchor=anchor, verdict=_local(row.get("verdict")),
                modality=_local(row.get("mod")), reason=row.get("reason"),
                surface=row.get("surface"), entity_type=_local(row.get("etype")),
                entity=row.get("to"), merged=row.get("merged"), about=row.get("about"),
                undoes=minter.local(undoes, "curation") if undoes else None,
                undone_by=minter.local(undone, "curation") if undone else None)
        claim = row.get("used")
        if claim is not None:
            if claim not in used[node]:
                used[node].append(claim)
            loaded.links.add((URIRef(node), PROV.used, URIRef(claim)))
            if "st" in row:
                loaded.links.add((URIRef(claim), HKG.reviewState, URIRef(row["st"])))
            if "fc" in row:
                loaded.links.add((URIRef(claim), HKG.flagCount, Literal(int(row["fc"]))))
    loaded.records = sorted((replace(r, claims=tuple(sorted(used[n]))) for n, r in found.items()),
                            key=lambda r: (r.when, r.id))
    return loaded


@dataclass(frozen=True)
class AnchorState:
    """What the records of one anchor amount to now."""

    decision: Decision
    #: Open flags by reason: flags no curator has reviewed the claim since.
    flags: dict[str, int]

    def state(self, extracted: str | None = None) -> str | None:
        """The review state (`domain.REVIEW_STATES`), None for as extracted:
        the first of the table's order of precedence that applies."""
        applies = {"rejected": self.decision.verdict == "rejected",
                   "confirmed": self.decision.verdict == "confirmed",
                   "changed": bool(self.decision.modality)
                   and self.decision.modality != extracted,
                   "flagged": sum(self.flags.values()) > 0}
        return next((s for s in domain.REVIEW_STATES if applies.get(s)), None)


def anchor_state(records: Iterable[Record]) -> AnchorState:
    """The decision and open flags of one anchor's records (in time order)."""
    verdict = modality = None
    flags: dict[str, int] = {}
    for record in records:
        if not record.active:
            continue
        if record.kind == "review":
            verdict = record.verdict or verdict
            modality = record.modality or modality
            flags = {}  # a curator has looked at the claim
        elif record.kind == "flag" and record.reason:
            flags[record.reason] = flags.get(record.reason, 0) + 1
    return AnchorState(Decision(verdict, modality), flags)


def _by_anchor(records: Iterable[Record]) -> dict[str, list[Record]]:
    grouped: dict[str, list[Record]] = defaultdict(list)
    for record in records:
        if record.anchor is not None:
            grouped[record.anchor.key].append(record)
    return grouped


def decisions(records: Iterable[Record]) -> dict[str, Decision]:
    """Anchor -> the decision its records make (for `apply_curations`)."""
    return {key: anchor_state(group).decision for key, group in _by_anchor(records).items()}


def article_patch(ctx: Context, curated: Curated, loaded: Loaded,
                  new: Iterable[Record] = ()) -> Patch:
    """The curation graph's change when an article is written as `curated`
    with its records `loaded` (plus `new` records, whose triples it adds):
    each record's `prov:used` names the claims having its anchor now, and
    those claims' review state and open flag count follow the records."""
    fresh = list(new)
    records = loaded.records + fresh
    claims_of: dict[str, list[str]] = defaultdict(list)
    for claim, key in curated.anchors.items():
        claims_of[key].append(claim)
    links: set[Triple] = set()
    for key, group in _by_anchor(records).items():
        claims = claims_of.get(key, [])
        for record in group:
            links.update((ctx.minter.curation(record.id), PROV.used, URIRef(c)) for c in claims)
        state = anchor_state(group)
        for claim in claims:
            name = state.state(curated.extracted.get(claim))
            if name:
                links.add((URIRef(claim), HKG.reviewState, HKG[name]))
            open_flags = sum(state.flags.values())
            if open_flags:
                links.add((URIRef(claim), HKG.flagCount, Literal(open_flags)))
    added = [t for r in fresh for t in record_triples(ctx, replace(r, claims=()))]
    return Patch(ctx.minter.curation_graph, in_order(loaded.links - links),
                 added + in_order(links - loaded.links))


def article_patch_for(ctx: Context, records: Iterable[Record]) -> Patch:
    """The curation graph's change adding records no article write touches
    (a note on an entity, a regrounding, an orphan's undo)."""
    return Patch(ctx.minter.curation_graph,
                 add=[t for r in records for t in record_triples(ctx, r)])


#: The link from an undone record to the undo that took it back.
UNDONE_BY = HKG.undoneBy


def in_order(triples: Iterable[Triple]) -> list[Triple]:
    """Triples in a stable order (by their text: IRIs and literals mixed)."""
    return sorted(triples, key=lambda t: tuple(str(x) for x in t))


@dataclass(frozen=True)
class ClaimFound:
    """A stored claim's article, anchor and modalities."""

    iri: str
    article_id: str
    anchor: Anchor
    modality: str
    extracted: str


def find_claim(ctx: Context, claim: str) -> ClaimFound:
    """The stored claim `claim` (an IRI).

    Raises:
        NotFound: no article holds it.
    """
    c = iri(claim)
    rows = ctx.store.select_values(_PREFIXES + f"""
        SELECT ?a ?id ?ev ?s ?p ?o ?m ?xm WHERE {{ GRAPH ?a {{
          {c} a hkg:Claim ; prov:wasDerivedFrom ?a ; hkg:evidence ?ev ; hkg:subject ?s ;
              hkg:predicate ?p ; hkg:object ?o ; hkg:modality ?m .
          ?a dcterms:identifier ?id OPTIONAL {{ {c} hkg:extractedModality ?xm }} }} }} LIMIT 1""")
    if not rows:
        raise NotFound(f"no claim {quoted(claim)}")
    row = rows[0]
    modality = _local(row["m"]) or ""
    return ClaimFound(claim, row["id"], Anchor(row["a"], row["ev"], row["s"], row["p"], row["o"]),
                      modality, _local(row.get("xm")) or modality)


def curated_articles(ctx: Context) -> frozenset[str]:
    """The IRIs of the articles some record is anchored in: one query, for
    a bulk writer to send only these through the curated write path."""
    rows = ctx.store.select_values(_PREFIXES + f"""
        SELECT DISTINCT ?a WHERE {{ GRAPH {iri(ctx.minter.curation_graph)} {{
          ?r hkg:anchorArticle ?a }} }}""")
    return frozenset(r["a"] for r in rows)


def review_states(ctx: Context, claims: Iterable[str] | None = None) -> dict[str, str]:
    """Claim IRI -> its materialised review state (a `domain.REVIEW_STATES`
    name) for the claims that have one, without reading any record.

    `claims`: one query per `VALUES_CHUNK` of them (a page of claims);
    None: every reviewed claim in one query, far fewer than claims (a bulk
    writer's beliefs, a subgraph of thousands of claims)."""
    graph = iri(ctx.minter.curation_graph)

    def query(values: Sparql) -> str:
        return _PREFIXES + f"""
            SELECT ?c ?state WHERE {{ {f"VALUES ?c {{ {values} }}" if values else ""}
              GRAPH {graph} {{ ?c hkg:reviewState ?state }} }}"""

    if claims is None:
        rows = ctx.store.select_values(query(Sparql("")))
    else:
        rows = select_chunked(ctx.store, sorted(set(claims)), query)
    return {row["c"]: row["state"].rsplit("#", 1)[-1] for row in rows}
