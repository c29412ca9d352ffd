"""The JSON API under /api/, its OpenAPI 3 document, and adding or
retracting articles while the server runs.

Reads (GET, no authentication): search, suggest, entity, relations,
relation, article, claims, claim, path, graph, stats.  Writes: POST
/api/articles (a multipart file upload or a JSON article) and DELETE
/api/articles/<id>, each needing `Authorization: Bearer <token>`: the token
is KG_ADMIN_TOKEN when set, else the one `kg serve` writes to
`<data>/admin-token` (mode 0600; the rules are `kg.admin`'s).  With
neither, writes answer 403.

An upload is written to a fresh private folder inside the data folder under
a name made from the article id (never from a path the client sent), then
ingested with `KnowledgeGraph.ingest_file`: the article's graph is replaced in one
transaction, so readers see the old version or the new one.  Several files
in one request take the batch path (`KnowledgeGraph.ingest_files`): new articles
are added many per transaction, each whole to readers.  Writes are
serialised by a lock; the store's own transaction keeps readers safe.
"""
from __future__ import annotations

import json
import shutil
import tempfile
import threading
from pathlib import Path

from flask import Blueprint, current_app, jsonify, render_template, request, url_for
from werkzeug.exceptions import BadRequest, Forbidden, RequestEntityTooLarge, Unauthorized

from ingest import readers
from ingest.readers import READERS, article_id
from kg import claimlist, read, views
from kg.admin import find_token, token_matches
from kg.errors import NotFound, quoted
from kg.read import Evidence
from kg.search import FACETS
from kg.subgraph import Selection, neighbourhood, paths

from .claims import CSV_MAX, JSON_MAX, read_filter
from .claims import claims_csv as claims_table
from .negotiation import prefers_html
from .openapi import openapi_document
from .state import get_graph

__all__ = ["admin_token", "bp"]

bp = Blueprint("api", __name__, url_prefix="/api")

#: Uploads are refused above this size (the readers refuse > 5 MB anyway).
MAX_UPLOAD = 5 * 1024 * 1024 + 64 * 1024
#: A request of several files (the batch path) is refused above this size
#: in all, or above this many files.
MAX_BATCH_UPLOAD = 64 * 1024 * 1024
MAX_BATCH_FILES = 1000
_WRITE_LOCK = "kg.write-lock"


# --------------------------------------------------------------- the token

def admin_token() -> str | None:
    """The token this app accepts (the app's `KG_ADMIN_TOKEN` config, else
    `kg.admin.find_token`'s environment or token file), or None when writes
    are switched off."""
    return find_token(get_graph().settings.data_path, current_app.config.get("KG_ADMIN_TOKEN"))


def _require_admin() -> None:
    expected = admin_token()
    if not expected:
        raise Forbidden("adding articles through the server is switched off: start it with "
                        "`kg serve` (which writes <data>/admin-token) or set KG_ADMIN_TOKEN")
    given = request.headers.get("Authorization", "")
    scheme, _, token = given.partition(" ")
    if scheme.lower() != "bearer" or not token_matches(token, expected):
        raise Unauthorized("a valid `Authorization: Bearer <token>` header is required")


def write_lock() -> threading.Lock:
    """The app's one writer lock: every write (JSON API or form) holds it."""
    return current_app.extensions.setdefault(_WRITE_LOCK, threading.Lock())


# ----------------------------------------------------------------- helpers

def _int(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"{name} must be a whole number") from None
    if not low <= value <= high:
        raise BadRequest(f"{name} must be {low}-{high}")
    return value


def _required(name: str) -> str:
    value = request.args.get(name, "").strip()
    if not value:
        raise BadRequest(f"the {name!r} parameter is required")
    return value


def _selection() -> Selection:
    from .pages import MODALITIES, PREDICATES, _chosen

    return Selection(predicates=_chosen("predicate", PREDICATES),
                     modalities=_chosen("modality", MODALITIES))


class _Links:
    """Where the API's JSON links: the pages of this app."""

    def entity(self, iri: str) -> str | None:
        key = get_graph().minter.local(iri, "entity")
        return url_for("pages.entity", key=key) if key else None

    def evidence(self, evidence: Evidence) -> str:
        return (url_for("pages.article", article_id=evidence.article)
                + f"#c{evidence.start}-{evidence.end}")


LINKS = _Links()


# ------------------------------------------------------------------- reads

@bp.get("/openapi.json")
def openapi():
    """This API described in OpenAPI 3.1: JSON for programs, and for a
    browser (Accept naming text/html above JSON, or `?format=html`) a page
    that renders it with the vendored Swagger UI (issue 18)."""
    document = openapi_document(request.host_url.rstrip("/"))
    if prefers_html(request.headers.get("Accept"), request.args.get("format")):
        json_url = url_for("api.openapi", format="json")
        response = current_app.make_response(render_template(
            "apidocs.html", document=document, json_url=json_url,
            json_path=url_for("api.openapi")))
    else:
        response = jsonify(document)
    response.headers["Vary"] = "Accept"
    return response


@bp.get("/search")
def search():
    filters = {name: request.args.get(name, "").strip() for name in FACETS}
    result = get_graph().search.search(_required("q"), limit=_int("limit", 10, 1, 100),
                                       page=_int("page", 1, 1, 1000), filters=filters)
    return jsonify(result.as_json())


@bp.get("/suggest")
def suggest():
    prefix = request.args.get("q", "")
    if not prefix.strip():
        return jsonify([])
    return jsonify(get_graph().search.suggest(prefix, _int("limit", 8, 1, 50)))


@bp.get("/stats")
def stats():
    import dataclasses

    return jsonify(dataclasses.asdict(read.stats(get_graph())))


@bp.get("/entity/<key>")
def entity(key: str):
    limit, offset = _int("limit", 50, 1, 500), _int("offset", 0, 0, 1_000_000)
    graph = get_graph()
    view = views.entity_view(graph, key, _selection(), limit=limit, offset=offset)
    return jsonify(view.as_json(offset, limit, LINKS))


@bp.get("/relations")
def relations():
    """Relations of one entity (filtered), or one subject-predicate-object."""
    graph = get_graph()
    if request.args.get("subject") or request.args.get("object"):
        one = views.relation_view(graph, _required("subject"), _required("predicate"),
                                  _required("object"))
        return jsonify(one.as_json(LINKS))
    limit, offset = _int("limit", 50, 1, 500), _int("offset", 0, 0, 1_000_000)
    view = views.entity_view(graph, _required("entity"), _selection(), limit=limit,
                             offset=offset)
    direction = request.args.get("direction", "both")
    if direction not in ("both", "out", "in"):
        raise BadRequest("direction must be both, out or in")
    rows = []
    if direction in ("both", "out"):
        rows += [r for group in view.outgoing.values() for r in group]
    if direction in ("both", "in"):
        rows += [r for group in view.incoming.values() for r in group]
    return jsonify({"entity": views.entity_json(view.entity, LINKS),
                    "relations": [r.as_json(LINKS) for r in rows]})


@bp.get("/article/<article_id>")
def article(article_id: str):
    return jsonify(views.article_view(get_graph(), article_id).as_json())


@bp.get("/articles")
def articles():
    import dataclasses

    return jsonify([dataclasses.asdict(a) for a in read.articles(get_graph())])


def _claim_page(max_limit: int, others: tuple[str, ...] = ("limit", "offset")
                ) -> tuple[claimlist.ClaimFilter, claimlist.ClaimPage]:
    """The filtered, sorted page of claims /api/claims and its CSV twin
    answer (the filters of the /claims page: `kg.claimlist`)."""
    chosen = read_filter(others, request.path)
    limit, offset = _int("limit", 100, 1, max_limit), _int("offset", 0, 0, 10_000_000)
    return chosen, claimlist.claim_page(get_graph(), chosen, limit, offset)


@bp.get("/claims")
def claims():
    """Claims in the JSONL contract's shape, filtered (article, entity,
    modality, predicate, subject_type, object_type), sorted and paged;
    with `facets=1`, each filter's values with their counts."""
    chosen, found = _claim_page(JSON_MAX, ("limit", "offset", "facets"))
    body = {"total": found.total, "offset": found.offset, "limit": found.limit,
            "claims": [row.as_json() for row in found.rows],
            "filters": {name: list(chosen.values(name)) for name in claimlist.FILTERS
                        if chosen.values(name)},
            "sort": ("-" if chosen.descending else "") + chosen.sort}
    flag = request.args.get("facets", "")
    if flag not in ("", "0", "1", "true", "false"):
        raise BadRequest(f"facets takes 1 or 0, not {quoted(flag)}")
    if flag in ("1", "true"):
        body["facets"] = {name: facet.as_json()
                          for name, facet in claimlist.facets(get_graph(), chosen).items()}
    return jsonify(body)


@bp.get("/claims.csv")
def claims_csv():
    """The same filtered, sorted page as CSV (up to 10,000 rows), with the
    reader's words beside the names."""
    _, found = _claim_page(CSV_MAX)
    response = current_app.response_class(claims_table(found), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="claims.csv"'
    response.headers["X-Total-Count"] = str(found.total)
    return response


@bp.get("/claim/<claim_id>")
def claim(claim_id: str):
    return jsonify(views.claim_view(get_graph(), claim_id).as_json(LINKS))


def _node_json(iri: str, data: dict) -> dict:
    key = get_graph().minter.local(iri, "entity")
    return {"id": iri, "label": data["label"], "type": data["type"],
            "mapped": data["mapped"], "ids": data["ids"],
            "href": url_for("pages.entity", key=key) if key else None}


def _edge_json(s: str, o: str, data: dict) -> dict:
    minter = get_graph().minter
    return {"id": f"{s} {data['predicate']} {o}", "source": s, "target": o,
            "predicate": data["predicate"], "modality": data["modality"],
            "modalities": data["modalities"], "articles": data["articles"],
            "negated": data["negated"],
            "href": url_for("pages.relation", subject=minter.local(s, "entity") or s,
                            predicate=data["predicate"], obj=minter.local(o, "entity") or o),
            "claims": [c.as_json() for c in data["claims"]]}


@bp.get("/graph")
def graph():
    """A neighbourhood as nodes and edges (the graph view's data)."""
    depth = _int("depth", 1, 1, 2)
    sub = neighbourhood(get_graph(), _required("entity"), depth, _selection())
    return jsonify({"centre": sub.graph["centre"], "truncated": sub.graph["truncated"],
                    "nodes": [_node_json(n, d) for n, d in sub.nodes(data=True)],
                    "edges": [_edge_json(s, o, d) for s, o, d in sub.edges(data=True)]})


@bp.get("/path")
def path():
    """Up to k shortest paths; each hop with its claims."""
    sub, found = paths(get_graph(), _required("from"), _required("to"),
                       k=_int("k", 5, 1, 20), max_hops=_int("max_hops", 4, 1, 6),
                       selection=_selection())
    result = []
    for nodes in found:
        hops = []
        for a, b in zip(nodes, nodes[1:]):
            edges = [_edge_json(s, o, data) for s, o in ((a, b), (b, a))
                     for data in (sub.get_edge_data(s, o) or {}).values()]
            hops.append({"from": a, "to": b, "relations": edges})
        result.append({"entities": [_node_json(n, sub.nodes[n]) for n in nodes], "hops": hops})
    return jsonify({"from": sub.graph["source"], "to": sub.graph["target"], "paths": result})


# ------------------------------------------------------------------ writes

def _upload_to(folder: Path) -> Path:
    """The request's article written into `folder` under a name made from
    its id and an allowed suffix."""
    if request.files:
        if len(request.files) != 1 or "file" not in request.files:
            raise BadRequest("send exactly one file, in the form field 'file'")
        upload = request.files["file"]
        name = Path((upload.filename or "").replace("\\", "/")).name
        suffix = Path(name).suffix.lower()
        if suffix not in READERS:
            raise BadRequest(f"unsupported file type {suffix or '(none)'!r}; expected one of "
                             f"{', '.join(sorted(READERS))}")
        ident = article_id(request.form.get("id") or Path(name).stem)
        if not ident:
            raise BadRequest("cannot derive an article id from the file name; send 'id'")
        target = folder / f"{ident}{suffix}"
        upload.save(target)
        return target
    if request.is_json:
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("text"), str):
            raise BadRequest('a JSON article is an object with at least "text": '
                             '{"id", "title", "url", "date", "text"}')
        ident = article_id(str(body.get("id") or body.get("title") or ""))
        if not ident:
            raise BadRequest('the JSON article needs an "id" or a "title"')
        target = folder / f"{ident}.json"
        target.write_text(json.dumps({**body, "id": ident}, ensure_ascii=False),
                          encoding="utf-8")
        return target
    raise BadRequest("send a multipart/form-data upload (field 'file') or a JSON article")


@bp.post("/articles")
def add_article():
    """Add or replace one article; 201 when added, 200 when replaced or
    unchanged, 422 when the file cannot be ingested (nothing written).
    Several files in the form field 'file': the batch path (`_add_many`)."""
    _require_admin()
    # The app-wide body limit (1 MB) suits queries; an article may be 5 MB,
    # and a request of several files MAX_BATCH_UPLOAD in all.
    request.max_content_length = MAX_BATCH_UPLOAD
    if request.files and len(request.files.getlist("file")) > 1:
        return _add_many(request.files.getlist("file"))
    if (request.content_length or 0) > MAX_UPLOAD:
        raise RequestEntityTooLarge(f"an article file is at most {MAX_UPLOAD // 1024} KB")
    graph = get_graph()
    uploads = graph.settings.data_path / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="upload-", dir=uploads))
    try:
        path = _upload_to(folder)
        with write_lock():
            result = graph.ingest_file(path)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if not result.ok:
        # The reason only: the temporary path means nothing to the client.
        message = result.error.removeprefix(f"{path}: ").replace(str(path), path.name)
        return jsonify(error="ArticleError", message=message, status=422), 422
    body = {"article": result.article, "status": result.status, "claims": result.claims,
            "url": url_for("pages.article", article_id=result.article)}
    return jsonify(body), 201 if result.status == "added" else 200


def _add_many(uploads: list) -> tuple:
    """Add or replace many articles in one request (`KnowledgeGraph.ingest_files`:
    new articles in batches, one store change and one index commit each).
    200 with one result per file, in order: its article, status and claims,
    or why it failed (that file only)."""
    if len(uploads) > MAX_BATCH_FILES or set(request.files) != {"file"} or request.form:
        raise BadRequest(f"send at most {MAX_BATCH_FILES} files, all in the form field 'file' "
                         "(each article's id comes from its file name)")
    graph = get_graph()
    uploads_dir = graph.settings.data_path / "uploads"
    uploads_dir.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="upload-", dir=uploads_dir))
    names: list[str] = []
    paths: list[tuple[int, Path]] = []
    results: dict[int, dict[str, object]] = {}
    try:
        for number, upload in enumerate(uploads):
            name = Path((upload.filename or "").replace("\\", "/")).name
            suffix = Path(name).suffix.lower()
            ident = article_id(Path(name).stem)
            names.append(name)
            if suffix not in READERS or not ident:
                results[number] = {"file": name, "status": "failed", "message":
                                   f"unsupported file type {suffix or '(none)'!r}" if ident
                                   else "cannot derive an article id from the file name"}
                continue
            # One folder per file: two files may name the same article.
            target = folder / str(number) / f"{ident}{suffix}"
            target.parent.mkdir()
            upload.save(target)
            paths.append((number, target))
        with write_lock():
            written = list(graph.ingest_files([p for _, p in paths], workers=0))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    for (number, path), result in zip(paths, written):
        if result.ok:
            results[number] = {"file": names[number], "article": result.article,
                               "status": result.status, "claims": result.claims,
                               "url": url_for("pages.article", article_id=result.article)}
        else:
            message = result.error.removeprefix(f"{path}: ")
            for other, saved in paths:  # temporary paths mean nothing to the client
                message = message.replace(str(saved), names[other])
            results[number] = {"file": names[number], "status": "failed", "message": message}
    return jsonify(articles=[results[n] for n in range(len(uploads))]), 200


@bp.delete("/articles/<article_id>")
def remove_article(article_id: str):
    """Retract one article (its whole graph)."""
    _require_admin()
    # Every stored id is a slug (`readers.article_id`); anything else (a NUL,
    # `../`) names no article, and would not even make a valid graph IRI.
    with write_lock():
        existed = readers.article_id(article_id) == article_id and \
            get_graph().delete_article(article_id)
    if not existed:
        raise NotFound(f"no article {article_id!r}")
    return jsonify(article=article_id, status="deleted")
