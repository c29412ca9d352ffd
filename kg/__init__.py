"""The knowledge graph: stores, writing articles' claims, reading them back.

Public surface (everything else is private to the package)::

    from kg import KnowledgeGraph, load_settings
    with KnowledgeGraph.open(load_settings()) as graph:
        ...
"""
from .config import SETTINGS, Settings, load_settings
from .errors import ConfigError, KGError, NotFound, QueryError, StoreBusy, StoreUnavailable
from .graph import KnowledgeGraph

__all__ = ["SETTINGS", "ConfigError", "KGError", "KnowledgeGraph", "NotFound", "QueryError",
           "Settings", "StoreBusy", "StoreUnavailable", "load_settings"]
