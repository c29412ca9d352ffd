"""HTML pages.  Each view makes one call into `kg` and renders the result."""
from __future__ import annotations

from flask import Blueprint, render_template

from kg import read

from . import get_graph

__all__ = ["bp"]

bp = Blueprint("pages", __name__)


@bp.get("/")
def home():
    """Counts by kind and type, and the most recently ingested articles."""
    graph = get_graph()
    return render_template("home.html", stats=read.stats(graph),
                           articles=read.articles(graph)[:20])
