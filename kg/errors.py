"""Errors carrying messages fit to show a user: one line, no traceback."""
from __future__ import annotations

__all__ = ["ConfigError", "KGError", "NotFound", "QueryError", "StoreBusy",
           "StoreUnavailable", "quoted"]


def quoted(value: object, size: int = 80) -> str:
    """A value for a one-line message: repr'd, cut at `size` characters (a
    100 KB parameter must not come back as a 100 KB message).

    >>> quoted("x" * 100, 5)
    "'xxxxx...'"
    """
    text = str(value)
    return repr(text if len(text) <= size else text[:size] + "...")


class KGError(Exception):
    """Base of every error `kg` reports to a user as one line."""

    #: HTTP status the web app answers with.
    status = 500


class ConfigError(KGError):
    """A setting has a value that cannot be used."""

    status = 500


class NotFound(KGError):
    """No such article, entity or claim.

    `suggestions` holds names close to the missing one (a "did you mean"
    the web app's error page links), when the raiser knows any.

    >>> NotFound("no entity named 'ketamin'", suggestions=("ketamine",)).suggestions
    ('ketamine',)
    """

    status = 404

    def __init__(self, message: str = "", suggestions: tuple[str, ...] = ()):
        super().__init__(message)
        self.suggestions = tuple(suggestions)


class QueryError(KGError):
    """A SPARQL query that is malformed or refused by policy."""

    status = 400


class StoreBusy(KGError):
    """The on-disk store is held by another writer."""

    status = 503


class StoreUnavailable(KGError):
    """The store cannot be reached or opened."""

    status = 503
