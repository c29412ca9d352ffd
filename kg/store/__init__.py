"""Store backends behind one contract, chosen by configuration.

`open_store(settings)` looks the backend up by name and imports it lazily,
so a deployment that never uses the remote backend never imports its client.
"""
from __future__ import annotations

import importlib

from ..config import Settings
from ..errors import ConfigError
from .base import Store

__all__ = ["BACKENDS", "Store", "open_store"]

#: Backend name -> "module:class", imported on first use.
BACKENDS: dict[str, str] = {
    "embedded": "kg.store.embedded:EmbeddedStore",
    "memory": "kg.store.memory:MemoryStore",
    "sparql": "kg.store.remote:RemoteStore",
}


def open_store(settings: Settings, write: bool = True) -> Store:
    """Open the backend the settings name.

    Args:
        settings: which backend, and where.
        write: whether this process will write (the embedded store then
            takes the data folder's single-writer lock).

    Raises:
        ConfigError: unknown backend or missing dependency.
        StoreBusy: another process writes to the embedded store.
    """
    target = BACKENDS.get(settings.store)
    if target is None:
        raise ConfigError(f"unknown store {settings.store!r}; choose from {', '.join(BACKENDS)}")
    module_name, class_name = target.split(":")
    try:
        cls = getattr(importlib.import_module(module_name), class_name)
    except ImportError as err:
        raise ConfigError(f"store {settings.store!r} needs {err.name}, which is not installed") \
            from None
    if settings.store == "embedded":
        return cls(settings.data_path, write=write)
    if settings.store == "sparql":
        return cls(settings.sparql_query, settings.sparql_update or settings.sparql_query,
                   scope=settings.base_iri)
    return cls()
