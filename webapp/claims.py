"""The claims list (issue 18, item 2): `/claims`, Datasette-style, with
facets, sort, pages and downloads of the filtered view, and the request
side shared with `/api/claims` and `/api/claims.csv`.

The view makes one call into `kg.claimlist` for the page and one for the
facets; parameters are read and checked there (`claimlist.parse`), so the
page and the API take the same filters and refuse the same mistakes.
"""
from __future__ import annotations

import csv
import io
from dataclasses import replace
from typing import Sequence
from urllib.parse import urlencode

from flask import Blueprint, render_template, request, url_for

from ingest import domain
from ingest.domain import describe
from kg import claimlist
from kg.claimlist import FILTERS, ClaimFilter, ClaimPage

from . import claimstate
from .state import get_graph

__all__ = ["PAGE_SIZE", "bp", "claims_csv", "read_filter"]

bp = Blueprint("claims", __name__)

#: Claims per page of /claims.
PAGE_SIZE = 50
#: Headings of the facets, in the words of the page.
FACET_TITLES = {"modality": "How it is stated", "predicate": "Relation",
                "subject_type": "Subject is a", "object_type": "Object is a",
                "article": "Article", "entity": "Names the entity"}
#: Column headings and the sort key each one sorts by.
COLUMNS = (("subject", "Subject"), ("predicate", "Relation"), ("object", "Object"),
           ("modality", "How stated"), ("article", "Article"), ("belief", "Belief"))


def read_filter(others: tuple[str, ...], where: str) -> ClaimFilter:
    """The request's claim filter; `others` are the parameters the view
    reads itself.  Each known name is read by name (so the injection
    test's recorder sees it); any other name is refused by `parse`."""
    known = (*FILTERS, "sort", *others)
    pairs = [(name, value) for name in known for value in request.args.getlist(name)]
    pairs += [(name, "") for name in request.args.keys() if name not in known]
    return claimlist.parse(pairs, others, where)


def _page_number() -> int:
    from .pages import _page_number as number

    return number()


def _url(endpoint: str, pairs: Sequence[tuple[str, object]]) -> str:
    query = urlencode([(k, v) for k, v in pairs if v not in (None, "")])
    return url_for(endpoint) + ("?" + query if query else "")


class Links:
    """The page's links: the same view with one thing changed."""

    def __init__(self, chosen: ClaimFilter, page: int):
        self.chosen, self.page = chosen, page

    def toggle(self, name: str, value: str) -> str:
        """Add `value` to the filter `name`, or take it away if chosen."""
        values = list(self.chosen.values(name))
        values = [v for v in values if v != value] if value in values else [*values, value]
        return self._with(self.chosen.without(name), [(name, v) for v in values])

    def sort(self, key: str) -> str:
        """Sort by `key`; a second click on the current key reverses it."""
        descending = self.chosen.sort == key and not self.chosen.descending
        params = [p for p in self.chosen.params() if p[0] != "sort"]
        if key != "article" or descending:
            params.append(("sort", ("-" if descending else "") + key))
        return _url("claims.page", params)

    def to_page(self, number: int) -> str:
        return _url("claims.page",
                    [*self.chosen.params(), ("page", number if number > 1 else None)])

    def download(self, endpoint: str, limit: int, offset: int) -> str:
        # The API lists every claim (it takes no `rejected`).
        params = [p for p in self.chosen.params() if p[0] != "rejected"]
        return _url(endpoint, [*params, ("limit", limit), ("offset", offset)])

    def rejected(self, show: bool) -> str:
        """The same list with claims a curator rejected shown or hidden."""
        params = [p for p in self.chosen.params() if p[0] != "rejected"]
        return _url("claims.page", [*params, *([("rejected", "show")] if show else [])])

    def _with(self, rest: ClaimFilter, extra: list[tuple[str, str]]) -> str:
        params = rest.params()
        keep = [p for p in params if p[0] != "sort"]
        return _url("claims.page", [*keep, *extra, *[p for p in params if p[0] == "sort"]])


@bp.get("/claims")
def page():
    """Claims, filtered by facets with counts, sorted and paged; each with
    its article and how the article states it."""
    chosen = read_filter(("page", claimstate.REJECTED_PARAMETER), "/claims")
    chosen = replace(chosen, rejected="show" if claimstate.show_rejected() else "hide")
    number = _page_number()
    graph = get_graph()
    found = claimlist.claim_page(graph, chosen, PAGE_SIZE, (number - 1) * PAGE_SIZE)
    facets = claimlist.facets(graph, chosen)
    claimstate.load(row.record.iri for row in found.rows)
    pages = max(1, (found.total + PAGE_SIZE - 1) // PAGE_SIZE)
    return render_template("claims.html", found=found, facets=facets, chosen=chosen,
                           page=number, pages=pages, links=Links(chosen, number),
                           titles=FACET_TITLES, columns=COLUMNS,
                           summary=summary(found, facets), csv_max=CSV_MAX,
                           json_max=JSON_MAX)


#: Rows one download may hold: JSON as /api/claims always allowed, CSV more.
JSON_MAX = 1000
CSV_MAX = 10_000


def summary(found: ClaimPage, facets: dict[str, claimlist.Facet]) -> str:
    """What the list counts, in words: "34 hedged claims from 6 articles"."""
    modalities = found.filter.modality
    how = ""
    if len(modalities) == 1:
        how = domain.MODALITIES[modalities[0]].label + " "
    noun = "claim" if found.total == 1 else "claims"
    articles = facets["article"]
    text = f"{found.total:,} {how}{noun}"
    if found.total and not articles.truncated:
        n = sum(1 for v in articles.values if v.count)
        text += f" from {n:,} article{'' if n == 1 else 's'}"
    elif found.total:
        text += f" from more than {len(articles.values):,} articles"
    return text


CSV_HEADER = ("article", "article_title", "claim", "subject", "subject_type", "predicate",
              "object", "object_type", "modality", "evidence", "start", "end",
              "relation", "how_stated", "sentence", "belief", "belief_why", "review_state")


def claims_csv(found: ClaimPage) -> str:
    """The page's rows as CSV: the `kg claims --format csv` columns (names,
    for programs) and then the reader's words for them: the relation, how
    the article states it, and the claim as a plain sentence."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    for row in found.rows:
        r = row.record
        predicate = domain.PREDICATES.get(r.predicate)
        writer.writerow([r.article, row.title, r.iri, r.subject.label, r.subject.type,
                         r.predicate, r.object.label, r.object.type, r.modality, r.evidence,
                         r.start, r.end, predicate.label if predicate else r.predicate,
                         domain.MODALITIES[r.modality].label,
                         describe(r.subject.label, r.predicate, r.object.label, r.modality),
                         f"{row.belief.value:.3f}" if row.belief else "",
                         row.belief.why if row.belief else "", row.review_state or ""])
    return buffer.getvalue()
