"""Curator tokens (issue 19): named, revocable, stored hashed.

`<data>/curators.json` (mode 0600) maps each curator's name to the SHA-256
of their token and when it was made; a token is shown once, by `add`, and
never stored.  `check` finds the curator a presented token belongs to in
constant time per stored token.  The admin token (`kg.admin`) also curates,
as "admin"; it manages these tokens (`kg curator ...`, `/api/curators`).
Standard library only.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import threading
from datetime import datetime, timezone
from pathlib import Path

from .anchoring import check_curator_name
from .errors import KGError, NotFound, quoted

__all__ = ["ADMIN", "CURATORS_FILE", "add", "check", "curators_path", "names", "revoke"]

#: The file's name inside the data folder.
CURATORS_FILE = "curators.json"
#: The name curations made with the admin token are recorded under.
ADMIN = "admin"
_LOCK = threading.Lock()


def curators_path(data_dir: str | Path) -> Path:
    """`<data>/curators.json`.

    >>> curators_path("/srv/kg").as_posix()
    '/srv/kg/curators.json'
    """
    return Path(data_dir) / CURATORS_FILE


def _digest(token: str) -> str:
    return hashlib.sha256(token.strip().encode("utf-8")).hexdigest()


def _read(data_dir: str | Path) -> dict[str, dict]:
    try:
        data = json.loads(curators_path(data_dir).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as err:
        raise KGError(f"cannot read {curators_path(data_dir)}: {err}") from None
    return data if isinstance(data, dict) else {}


def _write(data_dir: str | Path, data: dict[str, dict]) -> None:
    """Replace the file atomically, readable by its owner only."""
    path = curators_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=1, sort_keys=True)
    os.chmod(temporary, 0o600)
    os.replace(temporary, path)


def add(data_dir: str | Path, name: str) -> str:
    """Make a token for the curator `name` and return it (shown once: only
    its hash is kept).  A curator who has a token gets a new one; the old
    one stops working.

    Raises:
        BadCuration: `name` is not a curator name, or is "admin".
    """
    check_curator_name(name)
    if name == ADMIN:
        from .anchoring import BadCuration

        raise BadCuration(f"{ADMIN!r} is the admin token's name", "name")
    token = secrets.token_urlsafe(32)
    with _LOCK:
        data = _read(data_dir)
        data[name] = {"sha256": _digest(token),
                      "created": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        _write(data_dir, data)
    return token


def names(data_dir: str | Path) -> list[dict]:
    """The curators with a token: name and when it was made, by name."""
    return [{"name": n, "created": e.get("created", "")}
            for n, e in sorted(_read(data_dir).items())]


def revoke(data_dir: str | Path, name: str) -> None:
    """Revoke `name`'s token (its curations stay, recorded under the name).

    Raises:
        NotFound: no curator of that name.
    """
    with _LOCK:
        data = _read(data_dir)
        if name not in data:
            raise NotFound(f"no curator {quoted(name)}")
        del data[name]
        _write(data_dir, data)


def check(data_dir: str | Path, token: str | None, admin_token: str | None = None) -> str | None:
    """The curator `token` belongs to: a name, "admin" for the admin token,
    None for anything else.  Every stored hash is compared, in constant
    time, whichever matches.

    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> token = add(folder, "alice")
    >>> check(folder, token), check(folder, token + "x"), check(folder, "s", admin_token="s")
    ('alice', None, 'admin')
    """
    presented = (token or "").strip()
    if not presented:
        return None
    found = None
    if admin_token and hmac.compare_digest(presented.encode(), admin_token.strip().encode()):
        found = ADMIN
    digest = _digest(presented).encode()
    for name, entry in sorted(_read(data_dir).items()):
        if hmac.compare_digest(digest, str(entry.get("sha256", "")).encode()) and found is None:
            found = name
    return found
