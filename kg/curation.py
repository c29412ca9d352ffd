"""Curation (issue 19): readers flag claims, curators confirm, reject or
correct them, reground names, merge entities, write notes, and undo.

Every act is a record in the curation graph (`kg.anchoring`: who, when,
why, and for a claim its content anchor), never an edit of an article's
graph.  The effects on an article (a curated modality, no direct edge and
no count for a rejected claim) are derived from the records each time the
article is written, by the one function a re-ingest uses
(`kg.load.apply_records`, `kg.rdf.apply_curations`); so they survive a
re-ingest, an edit elsewhere in the text and a new extractor version.

Each function here takes a `Context` (`KnowledgeGraph` is one: it indexes
the articles a curation rewrites, through `Context.articles_changed`) and
makes one store transaction.  Writers hold the data folder's writer lock,
as `kg ingest` does.

>>> from kg.store.memory import MemoryStore
>>> from kg.terms import Minter
>>> ctx = Context(MemoryStore(), Minter("http://localhost:8000/"))
>>> reviews(ctx, ["http://localhost:8000/claim/00"])["http://localhost:8000/claim/00"].state
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ingest import domain

from . import anchoring, load
from .anchoring import (READER, Anchor, BadCuration, Record, anchor_state, check_curator_name,
                        clean_note)
from .context import Context
from .errors import NotFound, quoted
from .grounding import merge, reground, undo_grounding
from .terms import Sparql, chunked, iri, select_chunked, sparql_prefixes

__all__ = ["Anchor", "BadCuration", "Record", "Review", "add_note", "check_curator_name", "flag",
           "merge", "reground", "review", "reviews", "undo"]

_PREFIXES = sparql_prefixes()
_note = clean_note


@dataclass(frozen=True)
class Review:
    """Where one claim stands: its review state (a `domain.REVIEW_STATES`
    name, None when as extracted), the curators' verdict, the modality it
    has now and the extractor's, the open flags by reason, and its records
    (oldest first)."""

    state: str | None = None
    verdict: str | None = None
    modality: str | None = None
    extracted_modality: str | None = None
    flags: dict[str, int] = field(default_factory=dict)
    records: list[Record] = field(default_factory=list)

    def as_json(self) -> dict:
        words = domain.REVIEW_STATES.get(self.state or "")
        return {"state": self.state, "label": words.label if words else None,
                "verdict": self.verdict, "modality": self.modality,
                "extracted_modality": self.extracted_modality, "flags": dict(self.flags),
                "records": [r.as_json() for r in self.records]}


def reviews(ctx: Context, claim_iris: list[str]) -> dict[str, Review]:
    """Each claim's `Review` (an empty one for a claim without records):
    two queries per `kg.terms.VALUES_CHUNK` claims."""
    wanted = list(dict.fromkeys(claim_iris))
    if not wanted:
        return {}
    records: list[Record] = []
    for chunk in chunked(wanted):
        records += anchoring.load(ctx, claims=chunk).records

    def query(values: Sparql) -> str:
        return _PREFIXES + f"""
            SELECT ?c ?m ?xm WHERE {{ VALUES ?c {{ {values} }}
              GRAPH ?a {{ ?c hkg:modality ?m OPTIONAL {{ ?c hkg:extractedModality ?xm }} }} }}"""

    modalities: dict[str, tuple[str, str]] = {}
    for row in select_chunked(ctx.store, wanted, query):
        m = row["m"].rsplit("#", 1)[-1]
        modalities[row["c"]] = (m, row.get("xm", row["m"]).rsplit("#", 1)[-1])
    found: dict[str, Review] = {}
    by_claim: dict[str, list[Record]] = {}
    for record in {r.id: r for r in records}.values():
        for claim in record.claims:
            by_claim.setdefault(claim, []).append(record)
    for claim in wanted:
        mine = sorted(by_claim.get(claim, []), key=lambda r: (r.when, r.id))
        modality, extracted = modalities.get(claim, (None, None))
        state = anchor_state(mine)
        found[claim] = Review(state.state(extracted), state.decision.verdict, modality,
                              extracted, state.flags, mine)
    return found


def _claim(ctx: Context, claim: str) -> anchoring.ClaimFound:
    return anchoring.find_claim(ctx, claim)


def review(ctx: Context, claim: str, who: str, verdict: str | None = None,
           modality: str | None = None, note: str | None = None) -> Record:
    """A curator confirms or rejects a claim, and/or sets its modality.

    The article's graph is rewritten with the decision applied (a rejected
    claim gives no direct edge and no count; a changed modality is the
    claim's `hkg:modality`, the extractor's kept as
    `hkg:extractedModality`), in one transaction with the record.

    Args:
        claim: the claim's IRI.
        who: the curator's name.
        verdict: "confirmed", "rejected" or None.
        modality: a `domain.MODALITIES` name, or None.
        note: why, in a sentence (optional).

    Raises:
        BadCuration: neither a verdict nor a modality, or one not known.
        NotFound: no such claim.
    """
    check_curator_name(who)
    if verdict is not None and verdict not in ("confirmed", "rejected"):
        raise BadCuration(f"verdict must be 'confirmed' or 'rejected', not {quoted(verdict)}",
                          "verdict")
    if modality is not None and modality not in domain.MODALITIES:
        raise BadCuration(f"modality must be one of {', '.join(domain.MODALITIES)}, not "
                          f"{quoted(modality)}", "modality")
    if verdict is None and modality is None:
        raise BadCuration("a review needs a verdict or a modality", "verdict")
    found = _claim(ctx, claim)
    record = Record(anchoring.new_id(), "review", who, anchoring.now(), _note(note),
                    found.anchor, (claim,), verdict=verdict, modality=modality)
    ctx.articles_changed(load.apply_records(ctx, found.article_id, [record]))
    return record


def flag(ctx: Context, claim: str, reason: str) -> Record:
    """A reader flags a claim (anonymous: recorded as "reader", nothing
    about the reader is kept).  A flag is not a decision: it changes the
    claim's review state to "flagged" (unless a curator decided) and its
    open flag count, never its modality, edges or counts.

    Raises:
        BadCuration: `reason` is not a `domain.FLAG_REASONS` name.
        NotFound: no such claim.
    """
    if reason not in domain.FLAG_REASONS:
        raise BadCuration(f"reason must be one of {', '.join(domain.FLAG_REASONS)}, not "
                          f"{quoted(reason)}", "reason")
    found = _claim(ctx, claim)
    record = Record(anchoring.new_id(), "flag", READER, anchoring.now(), "", found.anchor,
                    (claim,), reason=reason)
    load.apply_records(ctx, found.article_id, [record], replace=False)
    return record


def add_note(ctx: Context, about: str, text: str, who: str) -> Record:
    """A curator's note on a claim (anchored, so it follows the claim), an
    entity or an article.

    Raises:
        BadCuration: an empty or too long note.
        NotFound: `about` is none of our claims, entities or articles.
    """
    check_curator_name(who)
    body = _note(text)
    if not body:
        raise BadCuration("the note is empty", "note")
    if ctx.minter.local(about, "claim") is not None:
        found = _claim(ctx, about)
        record = Record(anchoring.new_id(), "note", who, anchoring.now(), body, found.anchor,
                        (about,))
        load.apply_records(ctx, found.article_id, [record], replace=False)
        return record
    if not ctx.store.ask(f"ASK {{ {{ {iri(about)} ?p ?o }} UNION {{ GRAPH {iri(about)} "
                         f"{{ ?s ?p ?o }} }} }}"):
        raise NotFound(f"nothing is known about {quoted(about)}")
    record = Record(anchoring.new_id(), "note", who, anchoring.now(), body, about=about)
    ctx.store.apply(anchoring.article_patch_for(ctx, [record]))
    return record


def undo(ctx: Context, record_id: str, who: str, note: str | None = None) -> Record:
    """Take back a record: it stays, marked `hkg:undoneBy` the new undo
    record, and has no effect from now on (its claim's article is rewritten
    without it; a regrounding's articles are extracted again).

    Raises:
        NotFound: no such record.
        BadCuration: it is an undo, or already undone.
    """
    check_curator_name(who)
    loaded = anchoring.load(ctx, ids=[record_id])
    if not loaded.records:
        raise NotFound(f"no curation {quoted(record_id)}")
    target = loaded.records[0]
    if target.kind == "undo":
        raise BadCuration("an undo cannot be undone; make the curation again", "id")
    if not target.active:
        raise BadCuration(f"curation {record_id} was already undone by {target.undone_by}", "id")
    record = Record(anchoring.new_id(), "undo", who, anchoring.now(), _note(note),
                    target.anchor, target.claims, undoes=target.id, about=target.about)
    link = (ctx.minter.curation(target.id), anchoring.UNDONE_BY, ctx.minter.curation(record.id))
    if target.anchor is not None and target.claims:
        rewrite = target.kind == "review"
        documents = load.apply_records(ctx, target.anchor.article_id, [record], [link],
                                       {target.id: record.id}, replace=rewrite)
        ctx.articles_changed(documents)
    elif target.kind in ("regrounding", "merge"):
        undo_grounding(ctx, target, record, link)
    else:
        patch = anchoring.article_patch_for(ctx, [record])
        patch.add.append(link)
        ctx.store.apply(patch)
    return record
