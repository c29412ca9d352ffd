"""HTML pages.  Each view calls into `kg` for one page-shaped value and
renders it; no SPARQL or search-engine calls live here.

URL scheme (the entity, claim and article routes are also the paths of the
IRIs the graph mints, `<KG_BASE_IRI>entity/<key>` and so on, and answer
Turtle, JSON-LD or N-Triples by content negotiation or `?format=`):

    /                           search box, counts, entry lists, recent articles
    /search?q=&kind=&type=&predicate=&modality=&article=&page=
    /entity/<key>[?predicate=P&page=N]   relations both ways, evidence side by side
    /relation/<s>/<predicate>/<o>        one relation across articles
    /claim/<hash>                        one claim, and its relation's other evidence
    /article/<id>                        text with mentions linked, claims marked
    /articles?q=&sort=&page=, /types/?sort=, /types/<Type>?q=&sort=&unmapped=
                                         index pages with counts, sort and a filter
    (/claims, the claims list, is webapp.claims)
    /graph?entity=&depth=&predicate=&modality=   interactive neighbourhood
    /path?from=&to=                      paths between two entities
"""
from __future__ import annotations

import dataclasses
from typing import Any
from urllib.parse import urlencode

from flask import (Blueprint, Response, abort, current_app, redirect, render_template,
                   request, url_for)
from werkzeug.exceptions import BadRequest
from werkzeug.exceptions import NotAcceptable as HTTPNotAcceptable

from ingest import domain
from kg import belief, claimlist, read, views
from kg.errors import NotFound, QueryError, quoted
from kg.search import FACETS
from kg.subgraph import MODALITIES, Selection, neighbourhood, paths, resolve_entity
from kg.terms import HKG, PREFIXES, curie_to_iri

from . import claimstate
from .markup import Span, marked_text, safe_highlight, span_anchor
from .negotiation import FORMATS, NotAcceptable, choose
from .state import get_graph

__all__ = ["bp", "entity_href", "registry_url"]

bp = Blueprint("pages", __name__)

#: The domain table's words, as the templates use them.
MODALITY_NAMES = {m: w.heading for m, w in domain.MODALITIES.items()}
MODALITY_PASSIVE = {m: w.passive for m, w in domain.MODALITIES.items()}
MODALITY_VERBS = {m: w.verb for m, w in domain.MODALITIES.items()}
TYPE_PLURALS = {t: w.plural for t, w in domain.TYPES.items()}
TYPE_LABELS = {t: w.label for t, w in domain.TYPES.items()}
PREDICATE_LABELS = {p: w.label for p, w in domain.PREDICATES.items()}
PREDICATES = tuple(domain.PREDICATES)
TYPES = tuple(domain.TYPES)
#: The domain table's words the graph view's script needs (issue 18, item 5):
#: type labels and plurals for node cards and cluster names ("23 side
#: effects"), predicate labels and headings for relations; never written in JS.
GRAPH_WORDS = {
    "types": {t: {"label": w.label, "plural": w.plural} for t, w in domain.TYPES.items()},
    "predicates": {p: {"label": w.label, "heading": w.heading, "incoming": w.incoming_heading}
                   for p, w in domain.PREDICATES.items()},
}
#: Related entities per predicate group on an entity page showing every
#: group (the best supported; each group links its own pages), and on a
#: page of one group; quotes per modality in each row (the relation page
#: has them all, RELATION_PAGE_SIZE per modality and page).  Keeps a hub's
#: page small: 5 rows per group render in ~70 ms for a 10,000-claim hub,
#: 10 in ~110 ms (measured).
GROUP_SIZE = 5
#: Rows of a group shown open on an entity page; the rest of its page of
#: GROUP_SIZE fold behind "show all" (issue 18: long lists folded).
FOLD_AT = 3
PAGE_SIZE = 50
QUOTE_CAP = 3
RELATION_PAGE_SIZE = 50
MAX_DEPTH_VIEW = 2


# ------------------------------------------------------------------ helpers

def _local(iri: str, kind: str) -> str:
    found = get_graph().minter.local(str(iri), kind)
    return found if found is not None else str(iri).rsplit("/", 1)[-1]


def entity_href(iri: str) -> str:
    return url_for("pages.entity", key=_local(iri, "entity"))


def claim_href(iri: str) -> str:
    return url_for("pages.claim", claim_id=_local(iri, "claim"))


def evidence_href(article: str, start: int, end: int) -> str:
    """The article page scrolled to the claim's sentence."""
    return url_for("pages.article", article_id=article) + "#" + span_anchor(start, end)


def relation_href(row) -> str:
    return relation_url(row.subject.iri, row.predicate, row.object.iri)


def relation_url(subject_iri: str, predicate: str, object_iri: str) -> str:
    return url_for("pages.relation", subject=_local(subject_iri, "entity"),
                   predicate=predicate, obj=_local(object_iri, "entity"))


def registry_url(curie: str) -> str | None:
    """Where a standard ID is described: OBO PURLs (HP, MONDO, GO, CHEBI, ...),
    the MeSH browser, UniProt.  Plain links; the server never fetches them."""
    prefix, _, local = curie.partition(":")
    if prefix.upper() == "MESH":
        return "https://meshb.nlm.nih.gov/record/ui?" + urlencode({"ui": local})
    if prefix.upper() == "UNIPROT":
        return f"https://www.uniprot.org/uniprotkb/{local}"
    try:
        return curie_to_iri(curie)
    except ValueError:
        return None


def _page_number() -> int:
    try:
        number = int(request.args.get("page", "1"))
    except ValueError:
        raise BadRequest("page must be a whole number") from None
    if not 1 <= number <= 1000:
        raise BadRequest("page must be 1-1000")
    return number


def _chosen(name: str, allowed) -> frozenset[str]:
    values = {v.strip() for raw in request.args.getlist(name) for v in raw.split(",")
              if v.strip()}
    unknown = values - set(allowed)
    if unknown:
        raise QueryError(f"unknown {name} {quoted(sorted(unknown)[0])}; "
                         f"use {', '.join(allowed)}")
    return frozenset(values)


#: Search facets' headings in the reader's words.
SEARCH_FACET_TITLES = {"kind": "Kind", "type": "Type", "predicate": "Relation",
                       "modality": "How it is stated", "article": "Article"}


def reader_word(name: str, value: str) -> str:
    """A facet value (a type, predicate or modality name) as readers see it;
    other values as they are."""
    if name == "type" and value in domain.TYPES:
        return domain.TYPES[value].label
    if name == "predicate" and value in domain.PREDICATES:
        return domain.PREDICATES[value].label
    if name == "modality" and value in domain.MODALITIES:
        return domain.MODALITIES[value].label
    return value


def group_heading(direction: str, predicate: str) -> str:
    """The heading over an entity's relations of one predicate, in the
    domain table's words: "Side effects and risks" (out), "What treats it"
    (in)."""
    words = domain.PREDICATES.get(predicate)
    if words is None:
        return predicate
    return words.heading if direction == "out" else words.incoming_heading


@bp.app_template_filter("highlight")
def _highlight_filter(snippet: str):
    return safe_highlight(snippet)


@bp.app_context_processor
def _helpers():
    return dict(entity_href=entity_href, claim_href=claim_href, evidence_href=evidence_href,
                relation_href=relation_href, relation_url=relation_url,
                registry_url=registry_url,
                modality_names=MODALITY_NAMES, modality_verbs=MODALITY_VERBS,
                modality_passive=MODALITY_PASSIVE, type_plurals=TYPE_PLURALS,
                type_labels=TYPE_LABELS, predicate_labels=PREDICATE_LABELS,
                modalities=MODALITIES, describe=views.describe,
                group_heading=group_heading, reader_word=reader_word)


# ------------------------------------------------------------- linked data

def _representation():
    """The negotiated format for a linked-data resource (HTML, Turtle,
    JSON-LD, N-Triples)."""
    try:
        return choose(request.headers.get("Accept"), request.args.get("format"))
    except NotAcceptable as err:
        if request.args.get("format"):
            raise BadRequest(str(err)) from None
        raise HTTPNotAcceptable(str(err)) from None


def _alternates(path: str) -> str:
    return ", ".join(f'<{path}?format={f.name}>; rel="alternate"; type="{f.media_type}"'
                     for f in FORMATS if f.name != "html")


def _rdf(iri: str, fmt) -> Response:
    data = views.resource_graph(get_graph(), iri)
    if fmt.name == "jsonld":
        body = data.serialize(format="json-ld", context=dict(PREFIXES), indent=2)
    else:
        body = data.serialize(format=fmt.rdflib)
    response = Response(body, mimetype=fmt.media_type)
    response.headers["Vary"] = "Accept"
    return response


def _html(template: str, path: str, **context) -> Response:
    response = Response(render_template(template, **context), mimetype="text/html")
    response.headers["Vary"] = "Accept"
    response.headers["Link"] = _alternates(path)
    return response


# ------------------------------------------------------------------- pages

@bp.get("/")
def home():
    """Search box, counts by type, entry lists, recently ingested articles."""
    stats, articles, by_type = _home_data(get_graph())
    return render_template("home.html", stats=stats, articles=articles, by_type=by_type,
                           predicate_words=domain.PREDICATES,
                           entry_types=("Drug", "Condition", "AdverseEffect"))


def _home_data(graph) -> tuple:
    """The home page's counts and lists, recomputed only when an article or
    the ontology changed.  Counting them took 1.7 s per request at 1.6M
    triples (0.9 s of it the triple count), so 50 readers saturated the
    server (load test); the key costs one query of ~50 ms: every
    article graph and the ontology graph carry a content hash, and any write
    that changes a count changes one of them."""
    rows = graph.store.select(
        f"SELECT ?g ?h WHERE {{ GRAPH ?g {{ ?g <{PREFIXES['hkg']}contentHash> ?h }} }}")
    key = frozenset((str(r["g"]), str(r["h"])) for r in rows)
    cache = current_app.extensions.setdefault("kg.home", {})
    if cache.get("key") != key:
        by_type: dict[str, list] = {}
        for entity in read.entities(graph):
            by_type.setdefault(entity.type, []).append(entity)
        cache.update(key=key, data=(read.stats(graph), read.articles(graph)[:10], by_type))
    return cache["data"]


@bp.get("/search")
def search():
    """Hits of the three kinds, facets with counts, paging, "did you mean"."""
    text = request.args.get("q", "").strip()
    filters = {name: request.args.get(name, "").strip() for name in FACETS}
    filters = {k: v for k, v in filters.items() if v}
    page = _page_number()
    result = None
    if text:
        result = get_graph().search.search(text, limit=10, page=page, filters=filters)

    def link(**changes) -> str:
        params = {"q": text, **filters, "page": page}
        params.update(changes)
        if "page" not in changes:
            params["page"] = 1
        return url_for("pages.search") + "?" + urlencode(
            {k: v for k, v in params.items() if v not in (None, "", 1) or k == "q"})

    pages = (result.total + result.limit - 1) // result.limit if result else 0
    return render_template("search.html", q=text, result=result, filters=filters, link=link,
                           pages=pages, page=page, facet_names=FACETS,
                           facet_titles=SEARCH_FACET_TITLES)


@bp.get("/entity/<key>")
def entity(key: str):
    """The entity page, or its RDF description."""
    graph = get_graph()
    fmt = _representation()
    iri = resolve_entity(graph, key)
    canonical = graph.minter.local(iri, "entity")
    if canonical is not None and canonical != key:  # a label or synonym: the entity's own URL
        # The query appended, not passed to url_for, which would take `_external`,
        # `_anchor`, `_scheme`... in it for its own options.
        target = url_for("pages.entity", key=canonical)
        if request.query_string:  # as sent: repeated parameters kept
            target += "?" + request.query_string.decode("latin-1")
        return redirect(target)
    if fmt.name != "html":
        return _rdf(iri, fmt)
    predicate = request.args.get("predicate", "").strip()
    if predicate and predicate not in PREDICATES:
        raise QueryError(f"unknown predicate {predicate!r}")
    page = _page_number()
    if page > 1 and not predicate:
        raise BadRequest("page through one predicate's relations: add predicate=")
    selection = Selection(predicates=frozenset({predicate})) if predicate else None
    size = PAGE_SIZE if predicate else GROUP_SIZE
    view = views.entity_view(graph, iri, selection, limit=size, offset=(page - 1) * size)
    view, hidden = claimstate.visible_entity(view, claimstate.show_rejected())
    rows = [r for groups in (view.outgoing, view.incoming) for rs in groups.values() for r in rs]
    return _html("entity.html", request.path, view=view, key=key, predicate=predicate,
                 page=page, page_size=size, iri=iri, quote_cap=QUOTE_CAP, fold_at=FOLD_AT,
                 hidden=hidden, history=claimstate.history(iri), beliefs=_beliefs(rows))


@bp.get("/relation/<subject>/<predicate>/<obj>")
def relation(subject: str, predicate: str, obj: str):
    """One subject-predicate-object across every article that states it."""
    if predicate not in PREDICATES:
        raise NotFound(f"no relation {predicate!r}")
    view = views.relation_view(get_graph(), subject, predicate, obj)
    row, hidden = claimstate.visible(view.row, claimstate.show_rejected())
    view = dataclasses.replace(view, row=row)
    key = (row.subject.iri, str(HKG[row.predicate]), row.object.iri)
    return render_template("relation.html", view=view, row=row, subject=subject, obj=obj,
                           page=_page_number(), page_size=RELATION_PAGE_SIZE, hidden=hidden,
                           history=claimstate.history(key), beliefs=_beliefs([row]))


@bp.get("/claim/<claim_id>")
def claim(claim_id: str):
    """One claim, or its RDF description."""
    graph = get_graph()
    fmt = _representation()
    iri = str(graph.minter.claim_named(claim_id))
    if fmt.name != "html":
        return _rdf(iri, fmt)
    view = views.claim_view(graph, claim_id)
    row, hidden = claimstate.visible(view.relation, claimstate.show_rejected())
    return _html("claim.html", request.path, view=view, c=view.claim, row=row, hidden=hidden,
                 review=claimstate.load([iri])[iri], history=claimstate.history(iri))


def _beliefs(rows) -> dict[tuple[str, str, str], belief.Belief]:
    """(subject IRI, predicate name, object IRI) -> the relation's belief
    (issue 19, item 5) for the rows a page shows: computed now from the
    articles and curations, in one call, so it agrees with the quotes."""
    keys = {(r.subject.iri, str(HKG[r.predicate]), r.object.iri): r for r in rows}
    found = belief.beliefs(get_graph(), keys)
    return {(s, keys[s, p, o].predicate, o): b for (s, p, o), b in found.items()}


def _article_spans(view: views.ArticleView) -> list[Span]:
    graph = get_graph()
    spans: list[Span] = []
    by_range: dict[tuple[int, int], list] = {}
    for record in view.claims:
        by_range.setdefault((record.start, record.end), []).append(record)
    for (start, end), records in sorted(by_range.items()):
        modalities = sorted({r.modality for r in records}, key=MODALITIES.index)
        title = "; ".join(
            f"{views.describe(r.subject.label, r.predicate, r.object.label, r.modality)}"
            f" ({domain.MODALITIES[r.modality].label})" for r in records)
        spans.append(Span(start, end, "claim", " ".join(modalities), title=title))
    for start, end, iri, type_ in view.mentions:
        key = graph.minter.local(iri, "entity")
        if key is not None:
            spans.append(Span(start, end, "mention", f"t-{type_}",
                              href=url_for("pages.entity", key=key),
                              title=TYPE_LABELS.get(type_, type_)))
    return spans


@bp.get("/article/<article_id>")
def article(article_id: str):
    """The article's text with mentions linked and claims marked, or its
    named graph as RDF."""
    graph = get_graph()
    fmt = _representation()
    if fmt.name != "html":
        if not read.article_exists(graph, article_id):
            raise NotFound(f"no article {article_id!r}")
        return _rdf(str(graph.minter.article(article_id)), fmt)
    view = views.article_view(graph, article_id)
    view, hidden = claimstate.visible_article(view, claimstate.show_rejected())
    body = marked_text(view.text, _article_spans(view))
    return _html("article.html", request.path, view=view, a=view.summary, body=body,
                 iri=str(graph.minter.article(article_id)), hidden=hidden)


def _list_sort(allowed: tuple[str, ...], default: str) -> tuple[str, bool]:
    """An index page's `sort` parameter: one of `allowed`, a leading "-"
    reversing it."""
    raw = request.args.get("sort", "").strip() or default
    key = raw.removeprefix("-")
    if key not in allowed:
        takes = ", ".join([*allowed, *(f"-{a}" for a in allowed)])
        raise QueryError(f"sort takes {takes}, not {quoted(raw)}")
    return key, raw.startswith("-")


def _text_filter() -> str:
    text = request.args.get("q", "").strip()
    if len(text) > 200:
        raise BadRequest("q is at most 200 characters")
    return text


#: Articles per page of /articles.
ARTICLES_PAGE = 100
ARTICLE_SORTS = ("ingested", "title", "date", "claims")
ENTITY_SORTS = ("name", "claims")
TYPE_SORTS = ("name", "entities", "claims")


@bp.get("/articles")
def articles():
    """Articles, filtered by words of their title, sorted (most recently
    ingested first by default) and paged, each with its claim count
    linking to its claims."""
    key, descending = _list_sort(ARTICLE_SORTS, "-ingested")
    text = _text_filter()
    number = _page_number()
    found = read.articles(get_graph())
    if text:
        found = [a for a in found if text.lower() in a.title.lower()
                 or text.lower() in a.id.lower()]
    order = {"ingested": lambda a: (a.modified, a.id), "title": lambda a: (a.title.lower(), a.id),
             "date": lambda a: (a.date, a.id), "claims": lambda a: (a.claims, a.id)}[key]
    found = sorted(found, key=order, reverse=descending)
    pages = max(1, (len(found) + ARTICLES_PAGE - 1) // ARTICLES_PAGE)
    shown = found[(number - 1) * ARTICLES_PAGE:number * ARTICLES_PAGE]

    def link(**changes) -> str:
        params = {"q": text, "sort": ("-" if descending else "") + key, **changes}
        if params["sort"] == "-ingested":
            params["sort"] = ""
        return url_for("pages.articles") + "?" + urlencode(
            {k: v for k, v in params.items() if v not in ("", None, 1)})

    return render_template("articles.html", articles=shown, total=len(found), q=text,
                           sort=key, descending=descending, page=number, pages=pages,
                           link=link, claims=sum(a.claims for a in found))


@bp.get("/types/")
def types():
    """Entity types with how many entities and claims each has, sorted;
    each count links to its list."""
    key, descending = _list_sort(TYPE_SORTS, "name")
    graph = get_graph()
    stats = read.stats(graph)
    facets = claimlist.facets(graph, claimlist.ClaimFilter())
    as_subject = {v.value: v.count for v in facets["subject_type"].values}
    as_object = {v.value: v.count for v in facets["object_type"].values}
    claims = claimlist.type_claim_counts(graph)
    rows: list[dict[str, Any]] = [
        {"name": t, "plural": w.plural, "entities": stats.entities_by_type.get(t, 0),
         "claims": claims.get(t, 0), "as_subject": as_subject.get(t, 0),
         "as_object": as_object.get(t, 0)} for t, w in domain.TYPES.items()]
    if key != "name" or descending:
        rows.sort(key=lambda r: (r[key] if key != "name" else r["plural"].lower()),
                  reverse=descending)
    return render_template("types.html", stats=stats, rows=rows, sort=key,
                           descending=descending)


@bp.get("/types/<type_name>")
def type_index(type_name: str):
    """All entities of one type (all drugs, all side effects, ...), with
    how many claims name each, filtered by name and sorted."""
    if type_name not in TYPES:
        abort(404, f"no entity type {type_name!r}; the types are {', '.join(TYPES)}")
    unmapped = request.args.get("unmapped") == "1"
    key, descending = _list_sort(ENTITY_SORTS, "name")
    text = _text_filter()
    graph = get_graph()
    found = read.entities(graph, unmapped=unmapped, type_=type_name)
    counts = claimlist.entity_claim_counts(graph, type_name)
    if text:
        low = text.lower()
        found = [e for e in found if low in e.label.lower()
                 or any(low in s.lower() for s in e.synonyms)]
    if key == "claims":
        # Stable: names stay in order among equal counts, either way.
        found = sorted(found, key=lambda e: counts.get(e.iri, 0), reverse=descending)
    elif descending:
        found = found[::-1]

    def link(**changes) -> str:
        params = {"unmapped": "1" if unmapped else "", "q": text,
                  "sort": ("-" if descending else "") + key, **changes}
        if params["sort"] == "name":
            params["sort"] = ""
        return url_for("pages.type_index", type_name=type_name) + "?" + urlencode(
            {k: v for k, v in params.items() if v not in ("", None)})

    return render_template("type.html", type_name=type_name, entities=found, types=TYPES,
                           unmapped=unmapped, counts=counts, q=text, sort=key,
                           descending=descending, link=link,
                           entity_key=lambda iri: graph.minter.local(iri, "entity"))


def _selection_form() -> tuple[Selection, dict]:
    predicates = _chosen("predicate", PREDICATES)
    modalities = _chosen("modality", MODALITIES)
    return (Selection(predicates=predicates, modalities=modalities),
            {"predicate": predicates, "modality": modalities})


@bp.get("/graph")
def graph_view():
    """The interactive neighbourhood of an entity (depth 1-2), with the same
    relations listed as links for keyboards and screen readers."""
    name = request.args.get("entity", "").strip()
    try:
        depth = int(request.args.get("depth", "1"))
    except ValueError:
        raise BadRequest("depth must be 1 or 2") from None
    if not 1 <= depth <= MAX_DEPTH_VIEW:
        raise BadRequest("depth must be 1 or 2")
    selection, chosen = _selection_form()
    sub, error = None, None
    if name:
        try:
            sub = neighbourhood(get_graph(), name, depth, selection)
        except NotFound as err:
            error = str(err)
    edges = []
    if sub is not None:
        info = {n: d for n, d in sub.nodes(data=True)}
        edges = sorted(((info[s], d, info[o], s, o) for s, o, d in sub.edges(data=True)),
                       key=lambda e: (e[0]["label"].lower(), e[1]["predicate"],
                                      e[2]["label"].lower()))
    params = [("entity", name), ("depth", depth)] + [
        (k, v) for k in ("predicate", "modality") for v in sorted(chosen[k])]
    status = 404 if error else 200
    return render_template("graph.html", name=name, depth=depth, chosen=chosen, sub=sub,
                           edges=edges, error=error, predicates=PREDICATES,
                           graph_words=GRAPH_WORDS,
                           data_url=url_for("api.graph") + "?" + urlencode(params)), status


@bp.get("/path")
def path():
    """Paths between two entities over the claim graph, each hop with its
    quotes and modalities."""
    source = request.args.get("from", "").strip()
    target = request.args.get("to", "").strip()
    found: list[list[str]] = []
    sub, error, same = None, None, None
    if source and target:
        graph = get_graph()
        try:
            ends = resolve_entity(graph, source), resolve_entity(graph, target)
            if ends[0] == ends[1]:  # issue 18: "ketamine" to "Ketalar" is no path at all
                same = read.entity_info(graph, [ends[0]], names_only=True)[ends[0]]
            else:
                sub, found = paths(graph, source, target, k=5, max_hops=4)
        except NotFound as err:
            error = str(err)
    hops = [_hops(sub, p) for p in found]
    return render_template("path.html", source=source, target=target, paths=hops, sub=sub,
                           error=error, same=same), 404 if error else 200


def _hops(sub, nodes: list[str]) -> list[dict]:
    """Each step of a path: the two entities and every claim between them,
    in whichever direction the article states it."""
    steps = []
    for a, b in zip(nodes, nodes[1:]):
        relations = []
        for s, o in ((a, b), (b, a)):
            for key, data in (sub.get_edge_data(s, o) or {}).items():
                relations.append({"subject": sub.nodes[s], "object": sub.nodes[o],
                                  "subject_iri": s, "object_iri": o, **data})
        steps.append({"from": sub.nodes[a], "from_iri": a, "to": sub.nodes[b], "to_iri": b,
                      "relations": relations})
    return steps
