"""Store backends behind one contract, chosen by configuration.

`open_store(settings)` looks the backend up by name and imports it lazily,
so a deployment that never uses the remote backend never imports its client.
"""
from __future__ import annotations

from typing import cast

from ..config import Settings
from ..plugins import STORES, load_class
from .base import Store

__all__ = ["Store", "open_store"]


def open_store(settings: Settings, write: bool = True) -> Store:
    """Open the backend the settings name (`kg.plugins.STORES`).

    Args:
        settings: which backend, and where.
        write: whether this process will write (the embedded store then
            takes the data folder's single-writer lock).

    Raises:
        ConfigError: unknown backend or missing dependency.
        StoreBusy: another process writes to the embedded store.
    """
    backend = cast("type[Store]", load_class(STORES, "store", settings.store))
    return backend.from_settings(settings, write=write)
