"""The registries of pluggable parts: store backends and search engines.

Each maps a configuration name to "module:class", imported on first use, so
a deployment that never uses a part never imports its library.  The names
here are the only ones `kg.config` accepts; anything else is a
configuration error.
"""
from __future__ import annotations

import importlib

from .errors import ConfigError

__all__ = ["ENGINES", "STORES", "load_class"]

#: Store backend name -> its `kg.store.base.Store` class.
STORES: dict[str, str] = {
    "embedded": "kg.store.embedded:EmbeddedStore",
    "memory": "kg.store.memory:MemoryStore",
    "sparql": "kg.store.remote:RemoteStore",
}

#: Search engine name -> its `kg.search.base.Engine` class.
ENGINES: dict[str, str] = {
    "whoosh": "kg.search._whoosh:WhooshEngine",
    "tantivy": "kg.search._tantivy:TantivyEngine",
}


def load_class(registry: dict[str, str], kind: str, name: str) -> type:
    """The class registered as `name`.

    Raises:
        ConfigError: no such name, or its library is not installed.
    """
    target = registry.get(name)
    if target is None:
        raise ConfigError(f"unknown {kind} {name!r}; choose from {', '.join(registry)}")
    module_name, class_name = target.split(":")
    try:
        return getattr(importlib.import_module(module_name), class_name)
    except ImportError as err:
        raise ConfigError(f"{kind} {name!r} needs {err.name}, which is not installed") from None
