"""Settings: one declarative table, read from `KG_*` variables, then frozen.

Every setting has an environment variable and a CLI flag (see `kg --help`);
`kg settings` prints this table, and a test keeps README in step with it.
"""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

from .errors import ConfigError
from .plugins import ENGINES, STORES

__all__ = ["SETTINGS", "Setting", "Settings", "load_settings"]


@dataclass(frozen=True)
class Setting:
    """One row of the settings table."""

    name: str
    default: Any
    help: str
    parse: Callable[[str], Any] = str

    @property
    def env(self) -> str:
        return "KG_" + self.name.upper()


def _one_of(registry: dict[str, str]) -> Callable[[str], str]:
    def parse(value: str) -> str:
        value = value.strip().lower()
        if value not in registry:
            raise ValueError(f"must be one of {', '.join(registry)}")
        return value
    return parse


def _base_iri(value: str) -> str:
    value = value.strip()
    if not value.startswith(("http://", "https://")) or " " in value:
        raise ValueError("must be an absolute http(s) IRI")
    return value if value.endswith(("/", "#")) else value + "/"


def _positive_float(value: str) -> float:
    number = float(value)
    if number <= 0:
        raise ValueError("must be positive")
    return number


def _whole(value: str, least: int, what: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = least - 1
    if number < least:
        raise ValueError(f"must be {what}")
    return number


def _count(value: str) -> int:
    return _whole(value, 1, "a whole number, 1 or more")


def _megabytes(value: str) -> int:
    return _whole(value, 0, "a whole number of MB, or 0 for no cap")


SETTINGS: tuple[Setting, ...] = (
    Setting("data_dir", "./data", "Data folder: the embedded store, search index, lock file.",
            lambda v: str(Path(v).expanduser())),
    Setting("store", "embedded", "Store backend: embedded (on disk), memory, or sparql.",
            _one_of(STORES)),
    Setting("sparql_query", "", "Query endpoint URL when KG_STORE=sparql."),
    Setting("sparql_update", "", "Update endpoint URL when KG_STORE=sparql."),
    Setting("base_iri", "http://localhost:8000/",
            "Base of every minted IRI (articles, claims, entities).", _base_iri),
    Setting("query_timeout", 15.0, "Seconds a public SPARQL query may run.", _positive_float),
    Setting("query_workers", 3,
            "Worker processes that run public SPARQL queries on the embedded store.", _count),
    Setting("long_queries", 2,
            "How many of them may run a query past 1 s at once; fewer than the workers, so "
            "short queries always find one.", _count),
    Setting("query_memory", 2048,
            "MB of memory each query worker may map (0: no cap); a query needing more is "
            "stopped.", _megabytes),
    Setting("search_engine", "tantivy",
            "Full-text engine: tantivy (native, fast at any size) or whoosh (pure Python, "
            "a few thousand articles).",
            _one_of(ENGINES)),
)


@dataclass(frozen=True)
class Settings:
    """The frozen configuration one process runs with."""

    data_dir: str = "./data"
    store: str = "embedded"
    sparql_query: str = ""
    sparql_update: str = ""
    base_iri: str = "http://localhost:8000/"
    query_timeout: float = 15.0
    query_workers: int = 3
    long_queries: int = 2
    query_memory: int = 2048
    search_engine: str = "tantivy"

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir)

    def replace(self, **changes: Any) -> "Settings":
        """A copy with some values changed (None values are ignored), checked
        like values from the environment."""
        checked = {}
        for row in SETTINGS:
            value = changes.get(row.name)
            if value is not None:
                checked[row.name] = _checked(row, str(value), f"--{row.name.replace('_', '-')}")
        settings = dataclasses.replace(self, **checked)
        settings.validate()
        return settings

    def validate(self) -> None:
        if self.store == "sparql" and not self.sparql_query:
            raise ConfigError("KG_STORE=sparql needs KG_SPARQL_QUERY (the query endpoint URL)")
        if self.long_queries >= self.query_workers:
            raise ConfigError(f"KG_LONG_QUERIES ({self.long_queries}) must be below "
                              f"KG_QUERY_WORKERS ({self.query_workers}), so that one worker "
                              "always stays free for short queries")


def _checked(row: Setting, raw: str, where: str) -> Any:
    try:
        return row.parse(raw)
    except ValueError as err:
        raise ConfigError(f"{where}={raw!r}: {err}") from None


def load_settings(environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Settings from `KG_*` variables, then explicit overrides (CLI flags).

    >>> load_settings({"KG_STORE": "memory"}).store
    'memory'

    Raises:
        ConfigError: a value that does not parse, naming the variable.
    """
    environ = os.environ if environ is None else environ
    values = {}
    for row in SETTINGS:
        if row.env in environ and environ[row.env] != "":
            values[row.name] = _checked(row, environ[row.env], row.env)
    return Settings(**values).replace(**overrides)
