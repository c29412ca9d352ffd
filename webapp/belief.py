"""Belief pages and JSON (issue 19, item 5): `/contested`, the relations
some articles support and others deny, each with its belief, its why and
every claim's sentence, article and modality; `/api/contested`, the same
as JSON.  One call into `kg.contested` per request.
"""
from __future__ import annotations

from flask import Blueprint, jsonify, render_template, url_for

from kg.contested import contested_page

from .api import LINKS, _int
from .pages import _page_number
from .state import get_graph

__all__ = ["api_bp", "bp"]

bp = Blueprint("belief", __name__)
api_bp = Blueprint("belief_api", __name__, url_prefix="/api")

#: Contested relations per page; each shows every quote, capped per
#: modality (its relation page has them all).
CONTESTED_PAGE = 20
QUOTES = 3


@bp.get("/contested")
def contested():
    """Relations the articles disagree about, most articles first."""
    page = _page_number()
    found = contested_page(get_graph(), CONTESTED_PAGE, (page - 1) * CONTESTED_PAGE)
    pages = max(1, (found.total + CONTESTED_PAGE - 1) // CONTESTED_PAGE)

    def link(number: int) -> str:
        return url_for("belief.contested", page=number) if number > 1 \
            else url_for("belief.contested")

    return render_template("contested.html", found=found, page=page, pages=pages, link=link,
                           quotes=QUOTES)


@api_bp.get("/contested")
def contested_json():
    """Contested relations with their belief and claims, paged."""
    found = contested_page(get_graph(), _int("limit", CONTESTED_PAGE, 1, 100),
                           _int("offset", 0, 0, 1_000_000))
    return jsonify(found.as_json(LINKS))
