"""Export downloads: the /export form page, /export?...&format=F downloads
and /api/export.  Views parse the parameters into one `kg.export`
request and hand the bytes back; every check lives in `kg.export`.

URL scheme (the same parameters as `kg export`; repeat or comma-separate
predicate, modality and type):

    /export                                   the form
    /export?entity=ketamine&depth=2           the form, filled, with a preview
                                              and a download link per format
    /export?entity=ketamine&depth=2&format=svg      the download
    /export/preview.svg?entity=ketamine&depth=2     the diagram, inline
    /api/export?entity=ketamine&format=ttl    the download, errors as JSON
                                              (GET, or POST form-encoded for
                                              long CONSTRUCT queries)

Scopes: entity (+ depth), article, from + to, or construct.  Bad or
unknown parameters answer 400, an unknown entity or article 404.
"""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, Response, render_template, request, url_for

from kg import subgraph as _subgraph
from kg.errors import KGError, QueryError
from kg.export import FORMATS, ExportRequest, get_format
from kg.export.construct import check_construct
from kg.export.request import PREDICATE_NAMES, TYPES, file_name
from kg.subgraph import MAX_DEPTH, MODALITIES

from .state import get_graph

__all__ = ["bp", "export_links", "export_url"]

bp = Blueprint("export", __name__)


def _params() -> dict[str, list[str]]:
    values = request.values if request.method == "POST" else request.args
    return {name: values.getlist(name) for name in values}


def _format_of(params: dict[str, list[str]]) -> str | None:
    given = [v.strip() for v in params.get("format", []) if v.strip()]
    if len(given) > 1:
        raise QueryError("format is given more than once")
    return given[0] if given else None


def export_url(export: ExportRequest, fmt: str | None = None, endpoint: str = "export.page"
               ) -> str:
    """The URL of an export page or download (for links on other pages)."""
    params = export.as_params() + ([("format", fmt)] if fmt else [])
    return url_for(endpoint) + ("?" + urlencode(params) if params else "")


def _link_text(fmt) -> str:
    """A download link's text: the format's name, or "Teaching pack"."""
    return "Teaching pack" if fmt.name == "pack" else fmt.name.upper()


def export_links(label: str | None = None, target_label: str | None = None,
                 entities: int | None = None, **scope) -> list[dict]:
    """Download links for a selection another page shows (entity, path,
    SPARQL CONSTRUCT results): one per export format, each with the file
    name the download will carry (for the link's `download` attribute).

    Args:
        label, target_label: the labels the file name is made of (the
            entity's, or the paths' two ends').
        entities: at most this many entities: above `MAX_ENTITIES` the SVG
            diagram, which would be refused, is not offered.
        scope: `ExportRequest` fields (entity, depth, predicates, source,
            target, construct...).

    Returns:
        [{"format": Format, "href": str, "filename": str, "form": the export
        form filled with this selection, "text": the link's text}], empty
        when the scope is not an export (a DESCRIBE, say).
    """
    from kg.export.picture import MAX_ENTITIES

    try:
        export = ExportRequest(**scope)
        if export.construct:
            check_construct(export.construct, get_graph().settings.base_iri)
    except QueryError:
        return []
    stem, form = export.base_name(label, target_label), export_url(export)
    return [{"format": f, "href": export_url(export, f.name), "filename": file_name(stem, f),
             "form": form, "text": _link_text(f)} for f in FORMATS.values()
            if not (f.name == "svg" and entities is not None and entities > MAX_ENTITIES)]


def construct_export_formats() -> dict:
    """What the SPARQL editor needs to offer export downloads for a
    CONSTRUCT it ran in place (the server renders the same links with
    `export_links` when it runs the query): the export page's URL and, per
    format, its name, file name, media type and label."""
    stem = ExportRequest(construct="CONSTRUCT WHERE { ?s ?p ?o }").base_name()
    return {"url": url_for("export.page"),
            "formats": [{"name": f.name, "file": file_name(stem, f), "type": f.media_type,
                         "label": f.label,
                         "text": _link_text(f)}
                        for f in FORMATS.values()]}


@bp.app_context_processor
def _export_helpers() -> dict:
    return {"export_links": export_links, "construct_export_formats": construct_export_formats}


def _download(params: dict[str, list[str]], fmt_name: str, inline: bool = False) -> Response:
    fmt = get_format(fmt_name)
    export = ExportRequest.from_params(params)
    subgraph = export.select(get_graph())
    data = fmt.write(subgraph)
    response = Response(data, content_type=fmt.media_type)
    response.headers.set("Content-Disposition", "inline" if inline else "attachment",
                         filename=export.filename(subgraph, fmt))
    response.headers["Cache-Control"] = "no-store"
    if subgraph.graph.get("truncated"):  # a hub's step was cut at the claim limit
        response.headers["X-Export-Truncated"] = f"claims-per-step={_subgraph.MAX_STEP_CLAIMS}"
    return response


@bp.get("/export")
def page():
    """The form; with `format`, the download itself."""
    params = _params()
    fmt = _format_of(params)
    if fmt:
        return _download(params, fmt)
    form = {"depth": "1", "min_articles": "1"}
    form.update({k: v[0] for k, v in params.items() if v and k not in ("predicate", "modality",
                                                                       "type")})
    chosen = {k: set(params.get(k, [])) for k in ("predicate", "modality", "type")}
    context = dict(form=form, chosen=chosen, formats=FORMATS.values(), types=TYPES,
                   modalities=MODALITIES, depths=range(1, MAX_DEPTH + 1),
                   predicates=PREDICATE_NAMES,
                   error=None, export=None, subgraph=None, links=[], preview=None)
    if not any(v.strip() for k, vs in params.items() for v in vs
               if k not in ("depth", "min_articles")):
        return render_template("export.html", **context)
    try:
        export = ExportRequest.from_params(params)
        subgraph = export.select(get_graph())
    except KGError as err:
        context["error"] = str(err)
        return render_template("export.html", **context), err.status
    from kg.export.picture import MAX_ENTITIES

    context.update(export=export, subgraph=subgraph,
                   articles=list(subgraph.graph.get("articles", {}).values()),
                   links=[(f, export_url(export, f.name), export.filename(subgraph, f))
                          for f in FORMATS.values()],
                   preview=(export_url(export, endpoint="export.preview")
                            if 0 < subgraph.number_of_nodes() <= MAX_ENTITIES else None))
    return render_template("export.html", **context)


@bp.get("/export/preview.svg")
def preview():
    """The diagram shown inline (for an <img> on the form page)."""
    params = _params()
    if _format_of(params) not in (None, "svg"):
        raise QueryError("the preview is an SVG")
    params.pop("format", None)
    return _download(params, "svg", inline=True)


@bp.route("/api/export", methods=["GET", "POST"])
def api():
    """The download for programs: the same parameters, errors as JSON."""
    params = _params()
    fmt = _format_of(params)
    if not fmt:
        raise QueryError(f"format is required: one of {', '.join(FORMATS)}")
    return _download(params, fmt)
