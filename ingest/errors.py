"""Errors raised while reading or extracting an article."""
from __future__ import annotations

__all__ = ["ArticleError"]


class ArticleError(ValueError):
    """An article file that cannot be ingested.

    The message is one line naming the file and the reason, fit to show a
    user as is: ``str(err) == "notes.txt: file is empty"``.
    """

    def __init__(self, path: object, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")
