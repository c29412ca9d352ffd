"""The per-app state that views read, kept out of the package `__init__`
so that the blueprints' modules import it without importing `webapp`
itself (which imports them: a cycle)."""
from __future__ import annotations

from flask import current_app

from kg import KnowledgeGraph

__all__ = ["get_graph"]


def get_graph() -> KnowledgeGraph:
    """The graph of the current app (`app.extensions["kg"]`)."""
    return current_app.extensions["kg"]
