"""The curation JSON API (issue 19), under /api/: one call into `kg`
per view.

- `GET /api/claims/<claim_id>`: `/api/claim/<id>`'s body plus `"review"`.
- `POST /api/claims/<claim_id>/flag` `{"reason": ...}`: anonymous, a budget
  per client address (429 with Retry-After past it); a flag never changes
  the claim.
- Curator actions, each a POST with `Authorization: Bearer <token>` (a
  curator's token, `kg.curators`, or the admin token, recorded as
  "admin"): `/api/claims/<claim_id>/review`, `/api/curation/undo/<id>`,
  `/api/curation/reground`, `/api/curation/merge`, `/api/curation/note`.
  401 without a token or with a bad one.
- Reads: `GET /api/curation/queue`, `/api/curation/orphans`, `/api/history`.
- Curator tokens, for the admin token only: `GET`/`POST /api/curators`,
  `DELETE /api/curators/<name>`.

A bad field answers 400 naming it (`{"error", "message", "status",
"field"}`).  Tokens travel in a header, never a cookie, so a page of
another site cannot make a browser send one (no CSRF here); no curator
action answers a GET.
"""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from werkzeug.exceptions import BadRequest, Forbidden, Unauthorized

from kg import belief, curation, curation_log, curators, views
from kg.anchoring import BadCuration

from .api import LINKS, _int, admin_token, write_lock
from .ratelimit import RequestBudget, TooManyQueries
from .state import get_graph

__all__ = ["FLAGS_PER_HOUR", "FLAG_BURST", "bp"]

bp = Blueprint("curation_api", __name__, url_prefix="/api")

#: Flags one client address may send per hour, and at once.
FLAGS_PER_HOUR = 30
FLAG_BURST = 5
_BUDGET = "kg.flag-budget"


@bp.errorhandler(TooManyQueries)
def _too_many(err: TooManyQueries):
    response = jsonify(error="TooManyRequests", message=str(err), status=429)
    response.status_code = 429
    response.headers["Retry-After"] = str(err.retry_after)
    return response


@bp.errorhandler(BadCuration)
def _bad_field(err: BadCuration):
    response = jsonify(error="BadRequest", message=str(err), status=400, field=err.field)
    response.status_code = 400
    return response


def _curator() -> str:
    """The curator the request's Bearer token names ("admin" for the admin
    token), or 401."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    name = None
    if scheme.lower() == "bearer":
        name = curators.check(get_graph().settings.data_path, token, admin_token())
    if name is None:
        raise Unauthorized("a curator's token is required: `Authorization: Bearer <token>`")
    return name


def _admin() -> None:
    expected = admin_token()
    if not expected:
        raise Forbidden("managing curators is switched off: start the server with `kg serve` "
                        "(which writes <data>/admin-token) or set KG_ADMIN_TOKEN")
    if _curator() != curators.ADMIN:
        raise Unauthorized("the admin token is required")


def _body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadRequest("the body must be a JSON object")
    return data


def _text(data: dict, name: str, required: bool = False) -> str | None:
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise BadCuration(f"{name} is required", name)
        return None
    if not isinstance(value, str):
        raise BadCuration(f"{name} must be a string", name)
    return value


def _claim_iri(claim_id: str) -> str:
    return str(get_graph().minter.claim_named(claim_id))


def _review_json(claim: str) -> dict:
    return curation.reviews(get_graph(), [claim])[claim].as_json()


@bp.get("/claims/<claim_id>")
def claim(claim_id: str):
    """One claim (as /api/claim/<id>) with its review and its relation's
    belief (`kg.belief`; null while the belief graph has none)."""
    graph = get_graph()
    body = views.claim_view(graph, claim_id).as_json(LINKS)
    iri = _claim_iri(claim_id)
    body["review"] = _review_json(iri)
    found = belief.claim_beliefs(graph, [iri]).get(iri)
    body["belief"] = found.as_json() if found is not None else None
    return jsonify(body)


@bp.post("/claims/<claim_id>/review")
def review(claim_id: str):
    who = _curator()
    data = _body()
    claim = _claim_iri(claim_id)
    with write_lock():
        record = curation.review(get_graph(), claim, who, _text(data, "verdict"),
                                 _text(data, "modality"), _text(data, "note"))
    return jsonify(record=record.as_json(), review=_review_json(claim))


def flag_budget() -> RequestBudget:
    """The flags' budget per client, shared by the JSON API and the pages'
    forms (one reader, one budget, whichever door)."""
    return current_app.extensions.setdefault(
        _BUDGET, RequestBudget(FLAGS_PER_HOUR, 3600.0, FLAG_BURST))


@bp.post("/claims/<claim_id>/flag")
def flag(claim_id: str):
    flag_budget().admit(request.remote_addr or "?")
    reason = _text(_body(), "reason", required=True) or ""
    claim = _claim_iri(claim_id)
    with write_lock():
        record = curation.flag(get_graph(), claim, reason)
    state = curation.reviews(get_graph(), [claim])[claim]
    return jsonify(record={"id": record.id, "kind": record.kind, "reason": record.reason},
                   state=state.state, flags=state.flags), 201


@bp.post("/curation/undo/<record_id>")
def undo(record_id: str):
    who = _curator()
    data = request.get_json(silent=True) if request.data else {}
    note = _text(data, "note") if isinstance(data, dict) else None
    with write_lock():
        record = curation.undo(get_graph(), record_id, who, note)
    return jsonify(record=record.as_json())


@bp.post("/curation/reground")
def reground():
    who = _curator()
    data = _body()
    with write_lock():
        record = curation.reground(get_graph(), _text(data, "surface", True) or "",
                                   _text(data, "entity", True) or "", who,
                                   _text(data, "type"), _text(data, "note"))
    return jsonify(record=record.as_json()), 201


@bp.post("/curation/merge")
def merge():
    who = _curator()
    data = _body()
    with write_lock():
        record = curation.merge(get_graph(), _text(data, "entity", True) or "",
                                _text(data, "into", True) or "", who, _text(data, "note"))
    return jsonify(record=record.as_json()), 201


@bp.post("/curation/note")
def note():
    who = _curator()
    data = _body()
    with write_lock():
        record = curation.add_note(get_graph(), _text(data, "iri", True) or "",
                                   _text(data, "text", True) or "", who)
    return jsonify(record=record.as_json()), 201


@bp.get("/curation/queue")
def queue():
    limit, offset = _int("limit", 100, 1, 1000), _int("offset", 0, 0, 1_000_000)
    items = curation_log.queue(get_graph(), limit, offset)
    return jsonify(limit=limit, offset=offset, items=[i.as_json() for i in items])


@bp.get("/curation/orphans")
def orphans():
    return jsonify([r.as_json() for r in curation_log.orphans(get_graph())])


@bp.get("/history")
def history():
    """A claim's, entity's or article's history (`iri`), or a relation's
    (`subject`, `predicate`, `object`: entities by key, name or IRI)."""
    from ingest.domain import PREDICATES
    from kg.errors import NotFound, quoted
    from kg.subgraph import resolve_entity
    from kg.terms import HKG

    graph = get_graph()
    iri = request.args.get("iri", "").strip()
    parts = [request.args.get(n, "").strip() for n in ("subject", "predicate", "object")]
    if iri:
        events = curation_log.history(graph, iri)
    elif all(parts):
        s, p, o = parts
        if p not in PREDICATES:
            raise NotFound(f"no relation {quoted(p)}")
        events = curation_log.history(graph, relation=(
            resolve_entity(graph, s), str(HKG[p]), resolve_entity(graph, o)))
    else:
        raise BadRequest("give iri, or subject, predicate and object")
    return jsonify([e.as_json() for e in events])


@bp.get("/curators")
def list_curators():
    _admin()
    return jsonify(curators.names(get_graph().settings.data_path))


@bp.post("/curators")
def add_curator():
    _admin()
    name = _text(_body(), "name", required=True) or ""
    token = curators.add(get_graph().settings.data_path, name)
    return jsonify(name=name, token=token), 201


@bp.delete("/curators/<name>")
def revoke_curator(name: str):
    _admin()
    curators.revoke(get_graph().settings.data_path, name)
    return jsonify(revoked=name)
