"""Curation in the HTML pages (issue 19): a curator signs in with a token,
readers flag claims, curators confirm, reject, change a modality, write a
note and undo, and the queue page lists what needs a look.

Every change is a POST form carrying a CSRF token (`webapp.security`),
answered with a redirect back to the page it came from and a one-line
confirmation (POST-redirect-GET); no GET route changes anything.  The
decisions themselves are `kg.curation`'s; this module reads forms, checks
who may act, and renders.

A curator's session is Flask's signed cookie (`webapp.security`: HttpOnly,
SameSite=Strict, Secure over https) holding the curator's name and a
fingerprint of the token used to sign in; every request re-checks the
fingerprint against the tokens that are valid now, so revoking a token
(`kg curator revoke`) ends its sessions at once.
"""
from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from urllib.parse import urlsplit

from flask import (Blueprint, Flask, current_app, flash, g, redirect, render_template,
                   request, session, url_for)
from werkzeug.exceptions import BadRequest, Forbidden

from ingest import domain
from ingest.domain import describe

from kg import curation, curation_log, curators, grounding, views
from kg.admin import find_token

from .api import write_lock
from .curation_api import flag_budget
from .ratelimit import RequestBudget, TooManyQueries
from .state import get_graph

__all__ = ["TooManyAttempts", "bp", "current_curator", "init_app", "require_curator"]

bp = Blueprint("curate", __name__)

#: How long a curator stays signed in without signing in again.
SESSION_HOURS = 12
_SESSION_KEY = "curator"
#: Sign-in attempts one client may make in 10 minutes (after 5 at once).
SIGN_INS_PER_10_MINUTES = 10


# ----------------------------------------------------------------- who acts

def _fingerprint(token: str) -> str:
    """What the session keeps of the token: an HMAC under the app's secret
    key, so the cookie never carries the token (it is signed, not secret)."""
    key = current_app.secret_key
    assert isinstance(key, bytes)
    return hmac.new(key, token.strip().encode(), hashlib.sha256).hexdigest()


def _admin_token() -> str | None:
    return find_token(get_graph().settings.data_path, current_app.config.get("KG_ADMIN_TOKEN"))


def _check_token(token: str) -> str | None:
    """The curator a presented token names ("admin" for the admin token),
    or None."""
    return curators.check(get_graph().settings.data_path, token, admin_token=_admin_token())


def _issued(name: str) -> str:
    """When the curator's current token was made ("" if there is none): a
    token issued again under the same name is a new one."""
    entries = curators.names(get_graph().settings.data_path)
    return next((str(e.get("created", "")) for e in entries if e["name"] == name), "")


def current_curator() -> str | None:
    """The signed-in curator's name, or None (a reader).  A session whose
    curator was revoked, or whose admin token changed, since it signed in
    is ended here."""
    if "curator_checked" in g:
        return g.curator_checked
    if current_app.config["SESSION_COOKIE_NAME"] not in request.cookies:
        # No session: asking it would add `Vary: Cookie` to every page.
        g.curator_checked = None
        return None
    held = session.get(_SESSION_KEY)
    name = None
    if isinstance(held, dict) and _still_valid(held):
        name = str(held["name"])
    elif held is not None:
        session.pop(_SESSION_KEY, None)
    g.curator_checked = name
    return name


def _still_valid(held: dict) -> bool:
    """The session's curator may still act: the admin token is the one it
    signed in with, or the curator still holds the token it signed in with
    (not revoked, not issued again)."""
    name = str(held.get("name", ""))
    if name == curators.ADMIN:
        admin = _admin_token()
        return admin is not None and hmac.compare_digest(_fingerprint(admin),
                                                         str(held.get("fp", "")))
    issued = _issued(name)
    return bool(issued) and issued == held.get("issued")


def require_curator() -> str:
    """The signed-in curator, or 403 for anyone else."""
    name = current_curator()
    if name is None:
        raise Forbidden("only a signed-in curator can do this; sign in with your curator "
                        "token first")
    return name


# ----------------------------------------------------------------- helpers

def _back(default: str) -> str:
    """Where to go after a form: the form's `next` if it is a path on this
    site (never another host: an open redirect), else `default`."""
    target = request.form.get("next", "")
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.scheme \
            and not parts.netloc and "\\" not in target:
        return target
    return default


def _spend(budget: RequestBudget, message: str) -> None:
    """Count one attempt of this client against `budget`, or answer 429
    with `message` and when to come back."""
    try:
        budget.admit(request.remote_addr or "?")
    except TooManyQueries as err:
        raise TooManyAttempts(f"{message}; try again in {_wait(err.retry_after)}",
                              err.retry_after) from None


def _sign_in_budget() -> RequestBudget:
    """Sign-in attempts per client: 5 at once, 10 per 10 minutes."""
    return current_app.extensions.setdefault(
        "kg.sign-in-budget", RequestBudget(SIGN_INS_PER_10_MINUTES, 600.0, 5))


def _wait(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} seconds"
    return f"{(seconds + 59) // 60} minutes"


class TooManyAttempts(TooManyQueries):
    """Too many sign-ins or flags from one client (429, Retry-After)."""


# ------------------------------------------------------------------ sign-in

@bp.get("/curate/sign-in")
def sign_in_form():
    """The curator sign-in page (a token, never a password)."""
    return render_template("sign_in.html")


@bp.post("/curate/sign-in")
def sign_in():
    """Exchange a curator (or the admin) token for a signed session cookie."""
    _spend(_sign_in_budget(), "too many sign-in attempts from here")
    token = request.form.get("token", "")
    name = _check_token(token)
    if name is None:
        return render_template("sign_in.html",
                               error="That token is not a valid curator token. Tokens are "
                                     "given by the administrator (`kg curator add NAME`)."), 401
    session.clear()  # a fresh session (and CSRF token) for the signed-in curator
    session.permanent = True
    session[_SESSION_KEY] = {"name": name, "fp": _fingerprint(token), "issued": _issued(name)}
    flash(f"Signed in as {name}.")
    return redirect(_back(url_for("curate.queue")))


@bp.post("/curate/sign-out")
def sign_out():
    """End the curator's session."""
    session.clear()
    flash("Signed out.")
    return redirect(_back(url_for("pages.home")))


# -------------------------------------------------------------- reader flags

def _claim_iri(claim_id: str) -> str:
    return str(get_graph().minter.claim_named(claim_id))


@bp.post("/claim/<claim_id>/flag")
def flag(claim_id: str):
    """A reader reports a claim as wrong (anonymous, rate-limited): stored
    as a flag for the curators' queue; the claim itself does not change."""
    reason = request.form.get("reason", "")
    if reason not in domain.FLAG_REASONS:
        raise BadRequest("choose what is wrong with the claim: "
                         + ", ".join(w.label for w in domain.FLAG_REASONS.values()))
    _spend(flag_budget(), "you have sent many reports in a short time")
    with write_lock():
        curation.flag(get_graph(), _claim_iri(claim_id), reason)
    flash("Thank you: your report (“" + domain.FLAG_REASONS[reason].label + "”) was "
          "recorded. A curator will look at it; the claim stays as it is until then.")
    return redirect(_back(url_for("pages.claim", claim_id=claim_id)))


# ------------------------------------------------------------ curator actions

@bp.post("/claim/<claim_id>/review")
def review(claim_id: str):
    """A curator confirms or rejects a claim, changes how it is stated,
    or writes a note on it."""
    who = require_curator()
    verdict = request.form.get("verdict", "")
    modality = request.form.get("modality", "")
    note = request.form.get("note", "").strip() or None
    if verdict not in ("", "confirmed", "rejected"):
        raise BadRequest("verdict takes confirmed or rejected")
    if modality and modality not in domain.MODALITIES:
        raise BadRequest("modality takes " + ", ".join(domain.MODALITIES))
    if note and len(note) > 2000:
        raise BadRequest("a note is at most 2,000 characters")
    iri = _claim_iri(claim_id)
    with write_lock():
        if verdict or modality:
            curation.review(get_graph(), iri, who, verdict=verdict or None,
                            modality=modality or None, note=note)
        elif note:
            curation.add_note(get_graph(), iri, note, who)
        else:
            raise BadRequest("choose confirm, reject, a new modality or write a note")
    done = []
    if verdict:
        done.append(domain.REVIEW_STATES[verdict].label)
    if modality:
        done.append("now " + domain.MODALITIES[modality].label)
    if note:
        done.append("note added")
    flash("Claim " + ", ".join(done) + ". Undo it from the history below if that was a mistake.")
    return redirect(_back(url_for("pages.claim", claim_id=claim_id)))


@bp.post("/curation/undo/<record_id>")
def undo(record_id: str):
    """A curator takes back a curation (it stays in the history, marked
    undone)."""
    who = require_curator()
    with write_lock():
        curation.undo(get_graph(), record_id, who)
    flash("Undone. The history keeps both the change and its undoing.")
    return redirect(_back(url_for("curate.queue")))


@bp.post("/curation/reground")
def reground():
    """A curator maps a name the extractor minted to a vocabulary entity:
    every article naming it is re-read at once, and later ones too."""
    who = require_curator()
    surface = " ".join(request.form.get("surface", "").split()).lower()
    target = request.form.get("entity", "").strip()
    type_ = request.form.get("type", "") or None
    note = request.form.get("note", "").strip() or None
    if not surface or len(surface) > 300:
        raise BadRequest("name the words to map (at most 300 characters)")
    if type_ is not None and type_ not in domain.TYPES:
        raise BadRequest("type takes " + ", ".join(domain.TYPES))
    if not target:
        raise BadRequest("name the entity these words mean")
    with write_lock():
        grounding.reground(get_graph(), surface, target, who, type_=type_, note=note)
    flash(f"“{surface}” now means {target}; the articles that name it were read again.")
    return redirect(_back(url_for("curate.queue")))


# ------------------------------------------------------------------ the queue

QUEUE_PAGE = 50


@bp.get("/curation/queue")
def queue():
    """Open flags and unmapped entities, the ones most readers see first.
    Anyone may look; the forms are for signed-in curators."""
    from .pages import _page_number

    number = _page_number()
    items = curation_log.queue(get_graph(), limit=QUEUE_PAGE + 1,
                               offset=(number - 1) * QUEUE_PAGE)
    return render_template("queue.html", rows=[_queue_row(i) for i in items[:QUEUE_PAGE]],
                           page=number, page_size=QUEUE_PAGE, more=len(items) > QUEUE_PAGE)


def _queue_row(item: curation_log.QueueItem) -> dict:
    """What the queue page shows of an item: a flagged claim in words with
    its article, or an unmapped entity with the name to map."""
    reach = f"{item.reach} article{'' if item.reach == 1 else 's'}"
    row = {"kind": item.kind, "reach_text": reach, "flags": item.flags}
    if item.kind == "flag":
        graph = get_graph()
        claim_id = graph.minter.local(item.iri, "claim") or ""
        view = views.claim_view(graph, claim_id)
        c = view.claim
        return {**row, "claim": item.iri, "modality": c.modality, "article": c.article,
                "title": view.title,
                "text": describe(c.subject.label, c.predicate, c.object.label, c.modality),
                "state_label": domain.REVIEW_STATES["flagged"].label}
    return {**row, "entity": item.iri, "label": item.label, "type": item.type,
            "surface": item.label.lower()}


def init_app(app: Flask) -> None:
    app.config.setdefault("PERMANENT_SESSION_LIFETIME", timedelta(hours=SESSION_HOURS))
    app.register_blueprint(bp)

    @app.context_processor
    def _curator():
        return {"curator": current_curator}
