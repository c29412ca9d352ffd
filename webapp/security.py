"""What keeps the HTML forms safe (issue 19, item 3): the Flask secret key,
the session cookie's flags, and CSRF protection on every form that POSTs.

- The secret key signs the session cookie (a signed-in curator, the CSRF
  token).  It is kept in `<data>/secret-key` (mode 0600, 256 random bits,
  created atomically), so sessions survive a restart and every server on
  one data folder signs alike; the memory store, which keeps nothing on
  disk, gets a random key per app.  `KG_SECRET_KEY` overrides both: web
  nodes behind one proxy, each with its own data folder, share it
  (docs/deploy.md).  Like `KG_ADMIN_TOKEN`, it is read here, never a flag.
- The session cookie is HttpOnly, SameSite=Strict, and Secure when the
  request came over https (or the base IRI is https: a TLS proxy in front).
- Every POST, PUT, PATCH or DELETE is checked for Flask-WTF's CSRF token
  except where a browser form cannot be the caller: the JSON API under
  `/api/` (its writes need a bearer token, which another site cannot send;
  its one anonymous write, a flag, takes JSON only), and the SPARQL
  protocol endpoint `/sparql` (read-only) and `/sparql/cancel` (a signed
  query id from the same client address).  A refused request changes
  nothing and gets 400 with a reader's explanation.
"""
from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

from flask import Flask, current_app, request
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFError, CSRFProtect

from kg import KGError, Settings

__all__ = ["CSRF_EXEMPT_ENDPOINTS", "SECRET_ENV", "SECRET_FILE", "init_app", "secret_key"]

#: The secret key's file name inside the data folder.
SECRET_FILE = "secret-key"
#: The environment variable that overrides the file (shared by web nodes).
SECRET_ENV = "KG_SECRET_KEY"
#: Endpoints outside /api/ that take POST without a CSRF token (their own
#: rules: the SPARQL protocol is read-only; a cancel needs the signed id
#: issued to the editor page, from the same client address).
CSRF_EXEMPT_ENDPOINTS = frozenset({"sparql.endpoint", "sparql.cancel"})
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def secret_key(settings: Settings) -> bytes:
    """The key that signs the app's session cookies: `KG_SECRET_KEY` if
    set, else `<data>/secret-key`, created if missing (mode 0600, 32 random
    bytes written as hex); random per call for the memory store.

    Creating is atomic: the key is written to a temporary file in the same
    folder and linked into place (`os.link` fails if the name exists), so
    two servers started at once on one folder read the same whole key,
    never a half-written one.

    >>> len(secret_key(Settings(store="memory")))
    32
    """
    shared = os.environ.get(SECRET_ENV, "").strip()
    if shared:
        if len(shared) < 32:
            raise KGError(f"{SECRET_ENV} is too short to sign sessions: give at least 32 "
                          "random characters (`python -c 'import secrets; "
                          "print(secrets.token_hex(32))'`)")
        return shared.encode("utf-8")
    if settings.store == "memory":
        return secrets.token_bytes(32)
    path = Path(settings.data_dir) / SECRET_FILE
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=".secret-key-", dir=path.parent)  # mode 0600
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(32) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:  # another process made it first: use theirs
            pass
    finally:
        os.unlink(temporary)
    return bytes.fromhex(path.read_text(encoding="ascii").strip())


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session, Secure whenever the page is served
    over https (Flask's own setting is one value for every request)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        settings: Settings = app.config["KG_SETTINGS"]
        return request.is_secure or settings.base_iri.startswith("https:")


def _needs_token() -> bool:
    if request.method not in _UNSAFE or request.url_rule is None:
        return False  # a 404 or 405 stays one
    if request.path.startswith("/api/"):
        return False
    return request.endpoint not in CSRF_EXEMPT_ENDPOINTS


def init_app(app: Flask) -> None:
    """Secret key, session cookie flags and CSRF checks for `app`."""
    app.secret_key = secret_key(app.config["KG_SETTINGS"])
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_NAME="kg_session",
        # The check runs in our before_request (below), not on every view.
        WTF_CSRF_CHECK_DEFAULT=False,
        # A form's token lasts as long as the browser session that holds
        # its cookie (HttpOnly, SameSite=Strict), not Flask-WTF's default
        # hour: a reader may flag a claim on a page left open all morning.
        WTF_CSRF_TIME_LIMIT=None)
    app.session_interface = _SessionInterface()
    csrf = CSRFProtect(app)

    @app.before_request
    def _check_csrf():
        if _needs_token():
            csrf.protect()

    @app.errorhandler(CSRFError)
    def _refused(err: CSRFError):
        from .errors import answer

        current_app.logger.info("CSRF refused: %s %s: %s", request.method, request.path,
                                err.description)
        return answer(400, "CSRFError",
                      "This form has expired or was sent from another site, so nothing was "
                      "changed. Go back, reload the page and send it again.")
