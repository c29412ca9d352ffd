"""The admin token that guards the write API (`POST /api/articles`,
`DELETE /api/articles/<id>`): its file, where it is looked up, how it is
created and how a presented token is checked.

One set of rules for the server (`webapp.api`, `kg serve`) and the client
(`kg ingest --server`, `kg delete --server`): a token given explicitly
wins, then `KG_ADMIN_TOKEN`, then `<data>/admin-token`.  The variable is
read here, not in kg's settings table, so the secret never becomes a
command-line flag (visible to every user in `ps`).  Standard library only.
"""
from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path

from .errors import KGError

__all__ = ["ENV", "TOKEN_FILE", "create_token", "find_token", "read_token", "token_matches",
           "token_path"]

#: The token file's name inside the data folder.
TOKEN_FILE = "admin-token"
#: The environment variable that overrides the file.
ENV = "KG_ADMIN_TOKEN"


def token_path(data_dir: str | Path) -> Path:
    """Where `kg serve` keeps the token: `<data>/admin-token`.

    >>> token_path("/srv/kg").as_posix()
    '/srv/kg/admin-token'
    """
    return Path(data_dir) / TOKEN_FILE


def find_token(data_dir: str | Path, given: str | None = None) -> str | None:
    """The admin token: `given`, else `KG_ADMIN_TOKEN`, else the token file
    (stripped); None when none of them holds one.  Never creates the file."""
    token = (given or os.environ.get(ENV, "")).strip()
    if token:
        return token
    try:
        return token_path(data_dir).read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def read_token(data_dir: str | Path, given: str | None = None) -> str:
    """`find_token`, for a client that cannot go on without one.

    Raises:
        KGError: none of them is there (the message says what to do).
    """
    token = find_token(data_dir, given)
    if not token:
        raise KGError(f"no admin token: {token_path(data_dir)} is missing (does `kg serve` run "
                      f"on this data folder?); pass --token or set {ENV}")
    return token


def create_token(data_dir: str | Path) -> str:
    """The admin token: `KG_ADMIN_TOKEN` if set, else the token file,
    created (mode 0600, 256 random bits) if missing.  Called by `kg serve`.

    Creating is atomic (`O_EXCL`): two servers started at once on one data
    folder end up with the same token.
    """
    from_env = os.environ.get(ENV, "").strip()
    if from_env:
        return from_env
    path = token_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        token = secrets.token_urlsafe(32)
        handle.write(token + "\n")
    return token


def token_matches(presented: str, expected: str) -> bool:
    """Whether a presented token is the expected one, in constant time (a
    timing difference must not tell an attacker how much was right).

    >>> token_matches(" s3cret ", "s3cret"), token_matches("s3cre", "s3cret")
    (True, False)
    """
    return hmac.compare_digest(presented.strip().encode(), expected.encode())
