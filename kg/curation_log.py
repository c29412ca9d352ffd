"""What curators read (issue 19): the history of a claim, entity, relation
or article; orphaned records; the queue of open flags and unmapped
entities; and the curated claims as evaluation JSONL (export and import).

Reads only, but for `import_records`, which makes reviews through
`kg.curation.review`.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from dataclasses import dataclass, field
from typing import Iterable, Iterator

from . import anchoring, read
from .curation import review, reviews
from .anchoring import Record, anchor_state
from .context import Context
from .terms import HKG, iri, sparql_prefixes

__all__ = ["Event", "QueueItem", "export_records", "history", "import_records", "orphans",
           "queue"]

_PREFIXES = sparql_prefixes()


@dataclass(frozen=True)
class Event:
    """One change in a history: an ingest or replacement of an article
    (with the relations it added and removed) or a curation record."""

    kind: str  # "ingested", "replaced", or a record kind
    when: str
    who: str = ""
    article: str = ""
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    record: Record | None = None

    def as_json(self) -> dict:
        data: dict = {"kind": self.kind, "when": self.when, "who": self.who}
        if self.article:
            data["article"] = self.article
        if self.record is None:
            data.update(added=list(self.added), removed=list(self.removed))
        else:
            data["record"] = self.record.as_json()
        return data


def _article_events(ctx: Context, articles: Iterable[str]) -> list[Event]:
    """Each article's last write, from its graph: replaced when it carries
    change notes (`kg.load._change_notes`), else ingested."""
    events = []
    for article in sorted(set(articles)):
        a = iri(article)
        rows = ctx.store.select_values(_PREFIXES + f"""
            SELECT ?id ?modified ?added ?removed WHERE {{ GRAPH {a} {{
              {a} dcterms:identifier ?id OPTIONAL {{ {a} dcterms:modified ?modified }}
              OPTIONAL {{ {a} hkg:claimAdded ?added }} OPTIONAL {{ {a} hkg:claimRemoved ?removed }}
            }} }}""")
        if not rows:
            continue
        added = tuple(sorted({r["added"] for r in rows if "added" in r}))
        removed = tuple(sorted({r["removed"] for r in rows if "removed" in r}))
        events.append(Event("replaced" if added or removed else "ingested",
                            rows[0].get("modified", ""), article=rows[0]["id"], added=added,
                            removed=removed))
    return events


def history(ctx: Context, iri_: str | None = None,
            relation: tuple[str, str, str] | None = None) -> list[Event]:
    """Newest first: the ingests and replacements of the articles involved
    and the curation records (undone ones included, marked) of one claim,
    entity or article (`iri_`), or of one relation (subject, predicate,
    object IRIs).  Replacements before an article's last write are not
    kept (an article's graph holds its latest change notes only)."""
    minter = ctx.minter
    records: list[Record] = []
    articles: set[str] = set()
    if relation is not None:
        s, p, o = relation
        rows = ctx.store.select_values(_PREFIXES + f"""
            SELECT DISTINCT ?a WHERE {{ GRAPH ?a {{ ?c hkg:subject {iri(s)} ;
              hkg:predicate {iri(p)} ; hkg:object {iri(o)} }} }}""")
        articles = {r["a"] for r in rows}
        records = [r for r in anchoring.load(ctx, about=s).records
                   if r.anchor and (r.anchor.subject, r.anchor.predicate, r.anchor.object)
                   == (s, p, o)]
    elif iri_ is not None and minter.local(iri_, "claim") is not None:
        records = anchoring.load(ctx, claims=[iri_]).records
        rows = ctx.store.select_values(_PREFIXES + f"""
            SELECT ?a WHERE {{ GRAPH ?a {{ {iri(iri_)} prov:wasDerivedFrom ?a }} }}""")
        articles = {r["a"] for r in rows}
    elif iri_ is not None and minter.local(iri_, "article") is not None:
        records = anchoring.load(ctx, article=iri_).records
        records += [r for r in anchoring.load(ctx, about=iri_).records if r.anchor is None]
        articles = {iri_}
    elif iri_ is not None:
        records = anchoring.load(ctx, about=iri_).records
    events = _article_events(ctx, articles)
    events += [Event(r.kind, r.when, r.who, r.anchor.article_id if r.anchor else "", record=r)
               for r in {r.id: r for r in records}.values()]
    return sorted(events, key=lambda e: (_time(e.when), e.record is not None,
                                         e.record.id if e.record else ""), reverse=True)


def _time(text: str) -> datetime:
    """An event's time, comparable whatever its precision (an article's
    is to the second, a record's to the microsecond)."""
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return datetime.min.replace(tzinfo=timezone.utc)
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def orphans(ctx: Context) -> list[Record]:
    """Claim records whose anchor no stored claim has (its sentence was
    edited or removed, or its article deleted), oldest first; undone ones
    are not listed.  They apply again if a claim with the anchor returns."""
    loaded = anchoring.load(ctx, kinds=("review", "flag", "note"))
    return [r for r in loaded.records if r.orphaned and r.active]


@dataclass(frozen=True)
class QueueItem:
    """Something for a curator: a claim with open flags, or an entity an
    article minted (unmapped).  `reach`: the articles readers meet it in
    (the relation's articles for a claim; those naming the entity)."""

    kind: str  # "flag" or "unmapped"
    iri: str
    label: str
    reach: int
    flags: dict[str, int] = field(default_factory=dict)
    type: str = ""

    def as_json(self) -> dict:
        data = {"kind": self.kind, "iri": self.iri, "label": self.label, "reach": self.reach,
                "type": self.type}
        if self.kind == "flag":
            data["flags"] = dict(self.flags)
        return data


def queue(ctx: Context, limit: int = 100, offset: int = 0) -> list[QueueItem]:
    """Open flags and unmapped entities, most reach first (then flags
    before entities, then label): three queries."""
    from .tally import tally_graph

    rows = ctx.store.select_values(_PREFIXES + f"""
        SELECT ?c ?s ?p ?o (MAX(?k) AS ?reach) WHERE {{
          GRAPH {iri(ctx.minter.curation_graph)} {{ ?c hkg:flagCount ?n }}
          GRAPH ?a {{ ?c hkg:subject ?s ; hkg:predicate ?p ; hkg:object ?o }}
          OPTIONAL {{ GRAPH {iri(tally_graph(ctx))} {{ ?t hkg:tallySubject ?s ;
            hkg:tallyPredicate ?p ; hkg:tallyObject ?o ; hkg:articleCount ?k }} }}
        }} GROUP BY ?c ?s ?p ?o""")
    info = read.entity_info(ctx, [r[k] for r in rows for k in ("s", "o")], names_only=True)
    found = reviews(ctx, [r["c"] for r in rows])
    items = []
    for row in rows:
        label = (f"{info[row['s']].label} {read.local_name(row['p'])} "
                 f"{info[row['o']].label}")
        items.append(QueueItem("flag", row["c"], label, int(row.get("reach", 1) or 1),
                               found[row["c"]].flags))
    rows = ctx.store.select_values(_PREFIXES + """
        SELECT ?e (COUNT(DISTINCT ?a) AS ?reach) WHERE { GRAPH ?a {
          ?a hkg:mentions ?e . ?e hkg:mapped false } } GROUP BY ?e""")
    info = read.entity_info(ctx, [r["e"] for r in rows], names_only=True)
    items += [QueueItem("unmapped", r["e"], info[r["e"]].label, int(r["reach"]),
                        type=info[r["e"]].type) for r in rows]
    items.sort(key=lambda i: (-i.reach, i.kind != "flag", i.label.lower(), i.iri))
    return items[offset:offset + limit]


def export_records(ctx: Context) -> Iterator[dict]:
    """The claims curators decided (confirmed, rejected or corrected) as
    lines of the evaluation JSONL schema (`../shared/eval/SCHEMA.md`), in
    article and evidence order, with the decision in `"curation"`
    ("confirmed", "rejected", "changed"), the curators, and notes.  A
    rejected claim's line is a negative example: the article does not
    state it.  Orphaned records are not exported (`orphans` lists them)."""
    records = anchoring.load(ctx, kinds=("review", "note")).records
    groups: dict[str, list[Record]] = {}
    for record in records:
        if record.anchor is not None and record.claims:
            groups.setdefault(record.claims[0], []).append(record)
    claims = {c.iri: c for c in _claims(ctx, groups)}
    lines = []
    for claim_iri, group in groups.items():
        claim = claims.get(claim_iri)
        state = anchor_state(group)
        if claim is None or not (state.decision.verdict or state.decision.modality):
            continue
        name = state.state(_extracted(ctx, claim_iri, claim.modality))
        notes = [r.note for r in group if r.note and r.active]
        lines.append({
            "article": claim.article, "subject": claim.subject.label,
            "subject_type": claim.subject.type, "predicate": claim.predicate,
            "object": claim.object.label, "object_type": claim.object.type,
            "object_synonyms": list(claim.object.synonyms), "object_ids": list(claim.object.ids),
            "modality": claim.modality, "evidence": claim.evidence,
            "curation": name, "curators": sorted({r.who for r in group if r.active}),
            **({"note": " ".join(notes)} if notes else {})})
    yield from sorted(lines, key=lambda d: (d["article"], d["evidence"], d["predicate"],
                                            d["subject"], d["object"]))


def _claims(ctx: Context, groups: dict[str, list[Record]]) -> list[read.ClaimRecord]:
    articles = sorted({r.anchor.article_id for g in groups.values() for r in g if r.anchor})
    found = []
    for article in articles:
        found += [c for c in read.claims(ctx, article) if c.iri in groups]
    return found


def _extracted(ctx: Context, claim: str, modality: str) -> str:
    rows = ctx.store.select_values(
        f"SELECT ?x WHERE {{ {iri(claim)} {iri(HKG.extractedModality)} ?x }} LIMIT 1")
    return rows[0]["x"].rsplit("#", 1)[-1] if rows else modality


def _same(a: str, b: str) -> bool:
    return " ".join(a.lower().split()) == " ".join(b.lower().split())


def import_records(ctx: Context, lines: Iterable[str], who: str) -> int:
    """Load curated claims back (lines of `export_records`, or gold claims
    of the evaluation schema): each line whose claim the article states
    (same evidence, predicate, subject and object by label or synonym)
    becomes a review by `who`: rejected for `"curation": "rejected"`,
    else confirmed, with the line's modality when it differs.  A claim
    already so decided gets no new record (importing twice changes
    nothing).  Returns the number of reviews made.

    Raises:
        BadCuration: a line is not a JSON object of the schema.
    """
    made = 0
    by_article: dict[str, list[read.ClaimRecord]] = {}
    for number, text in enumerate(lines, 1):
        if not text.strip():
            continue
        try:
            line = json.loads(text)
            article, evidence = str(line["article"]), str(line["evidence"])
            predicate, modality = str(line["predicate"]), line.get("modality")
        except (ValueError, KeyError, TypeError) as err:
            raise anchoring.BadCuration(f"line {number}: not a claim of the evaluation "
                                        f"schema ({err})", "line") from None
        if article not in by_article:
            by_article[article] = (read.claims(ctx, article)
                                   if read.article_exists(ctx, article) else [])
        for claim in by_article[article]:
            if not (_same(claim.evidence, evidence) and claim.predicate == predicate
                    and _names(claim.subject, line.get("subject"), line.get("subject_synonyms"))
                    and _names(claim.object, line.get("object"), line.get("object_synonyms"))):
                continue
            verdict = "rejected" if line.get("curation") == "rejected" else "confirmed"
            current = reviews(ctx, [claim.iri])[claim.iri]
            wanted = modality if modality and modality != current.extracted_modality else None
            if current.verdict == verdict and (wanted is None or current.modality == wanted):
                continue
            review(ctx, claim.iri, who, verdict=verdict, modality=wanted,
                   note=str(line.get("note", "")) or None)
            made += 1
    return made


def _names(entity: read.EntityInfo, label: object, synonyms: object) -> bool:
    if not isinstance(label, str):
        return False
    names = [label, *(synonyms if isinstance(synonyms, list) else [])]
    known = [entity.label, *entity.synonyms]
    return any(_same(a, str(b)) for a in known for b in names)
