"""Curation as readers see it on the pages (issue 19, item 4): each shown
claim's state (confirmed, rejected, flagged, changed) in the domain table's
words, rejected claims hidden unless the page is asked for them
(`?rejected=show`), and the change history of a claim, relation or entity.

A view names the claims it is about to show (`load`); their reviews come
from `kg.curation.reviews` in one query and are kept for the request, so
the templates ask `claim_review(iri)` per quote without querying again.
"""
from __future__ import annotations

import dataclasses
from typing import Iterable
from urllib.parse import urlencode

from flask import Flask, g, request
from werkzeug.exceptions import BadRequest

from ingest import domain
from kg import curation, curation_log

from .state import get_graph

__all__ = ["HIDDEN_STATE", "REJECTED_PARAMETER", "claim_review", "history", "init_app",
           "load", "show_rejected", "visible", "visible_article", "visible_entity"]

#: The GET parameter that shows rejected claims (`?rejected=show`).
REJECTED_PARAMETER = "rejected"
#: The state whose claims pages hide by default.
HIDDEN_STATE = "rejected"


def show_rejected() -> bool:
    """Whether the page was asked to show rejected claims too."""
    value = request.args.get(REJECTED_PARAMETER, "")
    if value not in ("", "show", "hide"):
        raise BadRequest(f"{REJECTED_PARAMETER} takes show or hide")
    return value == "show"


def toggle_url(show: bool) -> str:
    """This page with rejected claims shown (`show`) or hidden; its other
    parameters kept."""
    pairs = [(k, v) for k, v in request.args.items(multi=True) if k != REJECTED_PARAMETER]
    if show:
        pairs.append((REJECTED_PARAMETER, "show"))
    return request.path + ("?" + urlencode(pairs) if pairs else "")


def load(iris: Iterable[str]) -> dict[str, curation.Review]:
    """The reviews of these claims (one query), kept for the request's
    templates; claims already loaded are not asked again."""
    known: dict[str, curation.Review] = g.setdefault("kg_reviews", {})
    wanted = sorted({str(i) for i in iris} - set(known))
    if wanted:
        known.update(curation.reviews(get_graph(), wanted))
    return known


def claim_review(iri: str) -> curation.Review | None:
    """A claim's review, if the view loaded it and any curation names it."""
    review = g.get("kg_reviews", {}).get(str(iri))
    return review if review is not None and (review.state or review.records) else None


def is_hidden(iri: str) -> bool:
    review = g.get("kg_reviews", {}).get(str(iri))
    return review is not None and review.state == HIDDEN_STATE


def visible(row, show: bool):
    """`row` (a `kg.views.RelationRow`) without its rejected claims unless
    `show`, and how many it left out.  Counts read from the relation tally
    already leave rejected claims out."""
    load(e.claim for e in row.evidence)
    if show:
        return row, 0
    kept = tuple(e for e in row.evidence if not is_hidden(e.claim))
    return dataclasses.replace(row, evidence=kept), len(row.evidence) - len(kept)


def visible_entity(view, show: bool):
    """An entity page's `kg.views.EntityView` without the rejected claims
    among its sample quotes unless `show`, and how many it left out."""
    rows = [r for groups in (view.outgoing, view.incoming) for rs in groups.values() for r in rs]
    load(e.claim for r in rows for e in r.evidence)
    if show:
        return view, 0
    hidden = 0

    def kept(groups):
        nonlocal hidden
        out: dict[str, list] = {}
        for predicate, group in groups.items():
            out[predicate] = []
            for row in group:
                row, left_out = visible(row, False)
                hidden += left_out
                out[predicate].append(row)
        return out

    return dataclasses.replace(view, outgoing=kept(view.outgoing),
                               incoming=kept(view.incoming)), hidden


def visible_article(view, show: bool):
    """An article page's `kg.views.ArticleView` without its rejected claims
    unless `show` (neither listed nor marked in the text), and how many."""
    load(c.iri for c in view.claims)
    if show:
        return view, 0
    kept = [c for c in view.claims if not is_hidden(c.iri)]
    return dataclasses.replace(view, claims=kept), len(view.claims) - len(kept)


def history(about) -> list:
    """The change history of a claim, entity or article IRI, or of a
    relation given as (subject IRI, predicate name, object IRI): ingests,
    replacements and curations, newest first."""
    graph = get_graph()
    if isinstance(about, tuple):
        events = curation_log.history(graph, relation=about)
    else:
        events = curation_log.history(graph, about)
    return [_event_row(graph, e) for e in events]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _event_row(graph, event: curation_log.Event) -> dict:
    """A history entry as the page shows it: what happened in words, who,
    the note, and the record an Undo button takes back."""
    record = event.record
    row = {"kind": event.kind, "when": event.when, "who": event.who, "note": "",
           "article": event.article, "record": None, "undone_by": None, "undoable": False}
    if record is None:
        if event.kind == "replaced":
            row["text"] = (f"Article {event.article} replaced: {_plural(len(event.added), 'claim')}"
                           f" appeared, {_plural(len(event.removed), 'claim')} disappeared")
        else:
            row["text"] = f"Article {event.article} ingested"
        row["who"] = ""
        return row
    row.update(note=record.note, record=record.id, undone_by=record.undone_by,
               undoable=record.kind != "undo" and record.active)
    if record.kind == "review":
        parts = []
        if record.verdict:
            parts.append(domain.REVIEW_STATES[record.verdict].label.capitalize())
        if record.modality:
            parts.append(f"how it is stated set to “{domain.MODALITIES[record.modality].label}”")
        row["text"] = ", ".join(parts) or "Reviewed"
    elif record.kind == "flag":
        reason = domain.FLAG_REASONS.get(record.reason or "")
        row["text"] = f"Reported by a reader: {reason.label if reason else record.reason}"
        row["who"] = ""
    elif record.kind == "note":
        row["text"] = "Note"
    elif record.kind == "regrounding":
        target = graph.minter.local(record.entity or "", "entity") or record.entity
        row["text"] = f"“{record.surface}” mapped to {target}"
    elif record.kind == "merge":
        target = graph.minter.local(record.entity or "", "entity") or record.entity
        row["text"] = f"Merged into {target}"
    elif record.kind == "undo":
        row["text"] = "Undid an earlier change"
    else:
        row["text"] = record.kind.capitalize()
    return row


def state_label(state: str | None) -> str:
    """A review state in the reader's words (the domain table's)."""
    if not state:
        return ""
    return domain.REVIEW_STATES[state].label


def init_app(app: Flask) -> None:
    @app.context_processor
    def _states():
        return {"claim_review": claim_review, "state_label": state_label,
                "review_states": domain.REVIEW_STATES, "flag_reasons": domain.FLAG_REASONS,
                "show_rejected": show_rejected, "rejected_toggle_url": toggle_url}
