"""Export downloads on the web: the form page, downloads with file
names and media types, /api/export with the CLI's parameters, 400 on bad
ones, escaping, and screenshots of the diagram and handout in a browser.

The articles are the fixture of `tests/kg/test_export.py` (fictitious
drugs, an article title and evidence carrying `<script>`).
"""
from __future__ import annotations

import csv
import io
import json
import os
import shutil
import xml.etree.ElementTree as ET
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode

import networkx as nx
import pytest
from rdflib import Graph, URIRef

from kg import KnowledgeGraph, Settings
from kg.export import FORMATS, ExportRequest
from kg.terms import HKG, RDF
from webapp import create_app

from ..conftest import seed_article
from ..kg.test_export import JSONLD_PARSER_WARNING, XSS, edges_of, iri, write_articles
from .conftest import OUTPUT

#: Screenshots go to test-output/; with UPDATE_SCREENSHOTS=1 also to docs/screenshots/.
DOCS = Path(__file__).parents[2] / "docs" / "screenshots"


@pytest.fixture(scope="module")
def kg_graph(tmp_path_factory):
    folder = tmp_path_factory.mktemp("web-export")
    with KnowledgeGraph.open(Settings(store="memory", data_dir=str(folder))) as graph:
        write_articles(graph)
        yield graph


@pytest.fixture
def client(kg_graph):
    return create_app(kg_graph.settings, graph=kg_graph).test_client()


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.text: list[str] = []
        self.links: list[str] = []
        self.images: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag == "img":
            self.images.append(attrs["src"])

    def handle_data(self, data):
        self.text.append(data)


def _page(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    page.joined = " ".join(" ".join(page.text).split())
    return page


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_downloads_have_file_names_and_media_types(client, fmt):
    """/export?entity=..&format=F is an attachment named after the selection
    with the format's media type."""
    response = client.get(f"/export?entity=zetamine&depth=2&format={fmt}")
    assert response.status_code == 200
    assert response.headers["Content-Type"].split(";")[0] == \
        FORMATS[fmt].media_type.split(";")[0]
    name = f"zetamine-depth-2{'-pack' if fmt == 'pack' else ''}.{FORMATS[fmt].extension}"
    assert response.headers["Content-Disposition"] == f"attachment; filename={name}"
    assert response.data


def test_api_takes_the_cli_parameters_and_answers_json_errors(client):
    """/api/export: repeated or comma-separated predicates and modalities,
    from/to, article and construct (also by POST); errors are JSON."""
    ok = client.get("/api/export?entity=zetamine&predicate=treats&predicate=decreases"
                    "&modality=asserted&format=csv")
    rows = ok.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert ok.status_code == 200 and len(rows) == 3
    assert {r.split(",")[1] for r in rows[1:]} == {"treats", "decreases"}
    paths = client.get("/api/export?from=etazine&to=gloom+disorder&format=graphml")
    graph = nx.read_graphml(io.BytesIO(paths.data))
    assert {d["label"] for _, d in graph.nodes(data=True)} >= {"etazine", "QX receptor",
                                                               "zetamine", "gloom disorder"}
    article = client.get("/api/export?article=zeta-two&format=ttl")
    assert article.headers["Content-Disposition"] == "attachment; filename=article-zeta-two.ttl"
    posted = client.post("/api/export", data={
        "construct": "CONSTRUCT { ?s hkg:treats ?o } WHERE { ?s hkg:treats ?o }",
        "format": "nt"})
    assert posted.status_code == 200
    assert len(Graph().parse(data=posted.data, format="nt")) > 10
    missing = client.get("/api/export?entity=zetamine")
    assert missing.status_code == 400 and "format is required" in missing.json["message"]


def test_a_cut_selection_says_so_in_the_download_and_the_handout(client, monkeypatch):
    """A hub whose step has more claims than the limit is cut; the cut is
    never silent: a header on the download and a sentence in the handout
    (the SVG and the form page already say it), and none without a cut."""
    import kg.subgraph

    whole = client.get("/api/export?entity=zetamine&depth=2&format=pack")
    assert "X-Export-Truncated" not in whole.headers
    assert "was cut" not in _handout(whole.data)
    monkeypatch.setattr(kg.subgraph, "MAX_STEP_CLAIMS", 2)
    cut = client.get("/api/export?entity=zetamine&depth=2&format=pack")
    assert cut.status_code == 200
    assert cut.headers["X-Export-Truncated"] == "claims-per-step=2"
    assert "this selection was cut" in " ".join(_handout(cut.data).split())
    rows = client.get("/api/export?entity=zetamine&depth=2&format=csv").get_data(as_text=True)
    assert len(rows.lstrip("\ufeff").splitlines()) - 1 <= 4  # 2 claims per step, 2 steps


def _handout(pack: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(pack)) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".html"))
        return archive.read(name).decode("utf-8")


def test_openapi_documents_api_export_with_its_parameters_and_media_types(client):
    """/api/openapi.json lists /api/export (GET, and POST with a form body)
    with every parameter the request takes, the registry's formats, and
    one media type per format, each the one the download is served with."""
    from kg.export.request import PARAMETERS, PREDICATE_NAMES, TYPES

    doc = client.get("/api/openapi.json").get_json()
    operations = doc["paths"]["/api/export"]
    assert set(operations) == {"get", "post"}
    for method, operation in operations.items():
        parameters = {p["name"]: p for p in operation["parameters"]}
        assert set(parameters) == set(PARAMETERS), method
        assert all(p["in"] == "query" for p in parameters.values())
        assert [n for n, p in parameters.items() if p["required"]] == ["format"]
        assert parameters["format"]["schema"]["enum"] == list(FORMATS)
        assert parameters["predicate"]["schema"]["items"]["enum"] == list(PREDICATE_NAMES)
        assert parameters["type"]["schema"]["items"]["enum"] == list(TYPES)
        assert parameters["modality"]["schema"]["items"]["enum"] == [
            "asserted", "hedged", "investigational", "negated"]
        assert parameters["depth"]["schema"]["maximum"] == 3
        assert set(operation["responses"]) == {"200", "400", "404"}
    form = operations["post"]["requestBody"]["content"]["application/x-www-form-urlencoded"]
    assert set(form["schema"]["properties"]) == set(PARAMETERS)
    assert "requestBody" not in operations["get"]
    media = operations["get"]["responses"]["200"]["content"]
    assert set(media) == {f.media_type.split(";")[0] for f in FORMATS.values()}
    for fmt in FORMATS.values():
        served = client.get(f"/api/export?entity=zetamine&format={fmt.name}")
        assert served.status_code == 200
        assert served.mimetype in media, fmt.name
        assert media[served.mimetype]["schema"]["contentMediaType"] == \
            served.headers["Content-Type"].replace("; ", ";").replace(";", "; ")


@pytest.mark.parametrize("query,status,message", [
    ("entity=zetamine&format=docx", 400, "unknown export format 'docx'"),
    ("entity=zetamine&depth=9&format=ttl", 400, "depth must be"),
    ("entity=zetamine&depth=x&format=ttl", 400, "whole number"),
    ("entity=zetamine&predicate=cures&format=ttl", 400, "unknown predicate"),
    ("entity=zetamine&modality=probably&format=ttl", 400, "unknown modality"),
    ("entity=zetamine&type=Gene&format=ttl", 400, "unknown type"),
    ("entity=zetamine&min_articles=-1&format=ttl", 400, "min_articles"),
    ("entity=zetamine&colour=red&format=ttl", 400, "unknown parameter"),
    ("entity=zetamine&article=zeta-one&format=ttl", 400, "not entity and article"),
    ("format=ttl", 400, "say what to export"),
    ("entity=zetamine&format=ttl&format=nt", 400, "more than once"),
    ("construct=CONSTRUCT+%7B%3Fs+%3Fp+%3Fo%7D+WHERE+%7BSERVICE+%3Chttp%3A%2F%2Fx%2F%3E"
     "+%7B%3Fs+%3Fp+%3Fo%7D%7D&format=ttl", 400, "SERVICE"),
    ("entity=nobody&format=ttl", 404, "no entity named 'nobody'"),
    ("article=no-such-article&format=ttl", 404, "no article"),
])
def test_bad_parameters_are_refused(client, query, status, message):
    """Every parameter is validated: 400 (404 for what does not exist), with
    the reason, on the API and on the download URL."""
    api = client.get(f"/api/export?{query}")
    assert api.status_code == status and message in api.json["message"]
    page = client.get(f"/export?{query}", headers={"Accept": "text/html"})
    assert page.status_code == status
    # The page says it as a sentence: its first letter capitalised.
    assert message.replace("'", "&#39;").lower() in page.get_data(as_text=True).lower()


def test_form_page_shows_the_selection_with_links_and_preview(client):
    """/export alone is the form; with a selection it lists a download link
    per format and previews the diagram; article text stays escaped."""
    empty = client.get("/export")
    assert empty.status_code == 200 and 'name="entity"' in empty.get_data(as_text=True)
    response = client.get("/export?entity=zetamine&depth=2&modality=asserted&modality=hedged")
    html = response.get_data(as_text=True)
    page = _page(html)
    assert response.status_code == 200
    assert "Zetamine: relations within 2 steps" in page.joined
    assert f"Zetamine {XSS} explained" in page.joined
    assert XSS not in html and "&lt;script&gt;" in html
    downloads = [link for link in page.links if "format=" in link]
    assert len(downloads) == len(FORMATS)
    for link in downloads:
        got = client.get(link)
        assert got.status_code == 200 and "attachment" in got.headers["Content-Disposition"]
    assert "modality=asserted&modality=hedged" in downloads[0]
    preview = client.get(page.images[0])
    assert preview.headers["Content-Type"] == "image/svg+xml"
    assert preview.headers["Content-Disposition"].startswith("inline")
    root = ET.fromstring(preview.data)
    assert "QX receptor" in [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    bad = client.get("/export?entity=zetamine&depth=7")
    assert bad.status_code == 400 and 'name="entity"' in bad.get_data(as_text=True)


def test_downloads_keep_the_security_headers(client):
    """A download is served with nosniff and the app's CSP like any page."""
    response = client.get("/export?entity=zetamine&format=svg")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


# ---------------------------------------------------------------- download links on other pages

class _Links(HTMLParser):
    """The export download links of a page: (href, download name, format)."""

    def __init__(self):
        super().__init__()
        self.found: list[tuple[str, str, str]] = []
        self.native: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and "download" in attrs and attrs.get("data-format"):
            kept = self.found if attrs["href"].startswith("/export?") else self.native
            kept.append((attrs["href"], attrs["download"], attrs["data-format"]))


def _links(client, url: str) -> _Links:
    """The download links on the page at `url` (which must answer 200)."""
    response = client.get(url, headers={"Accept": "text/html"})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    links = _Links()
    links.feed(response.get_data(as_text=True))
    return links


_RDF_PARSERS = {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld", "rdfxml": "xml"}


def _claims_in_rdf(graph: Graph) -> set[tuple[str, str, str]]:
    return {(str(graph.value(c, HKG.subject)), str(graph.value(c, HKG.predicate)).rsplit("#")[-1],
             str(graph.value(c, HKG.object))) for c in graph.subjects(RDF.type, HKG.Claim)}


def _read_back(fmt: str, data: bytes) -> set[tuple[str, str, str]]:
    """The (subject IRI, predicate, object IRI) relations of a downloaded
    file, read with the format's standard reader."""
    if fmt in _RDF_PARSERS:
        return _claims_in_rdf(Graph().parse(data=data, format=_RDF_PARSERS[fmt]))
    if fmt in ("graphml", "gexf"):
        back = (nx.read_graphml(io.BytesIO(data), force_multigraph=True) if fmt == "graphml"
                else nx.read_gexf(io.BytesIO(data)))
        return {(s, d["predicate"], o) for s, o, d in back.edges(data=True)}
    if fmt == "cytoscape":
        return {(e["data"]["source"], e["data"]["predicate"], e["data"]["target"])
                for e in json.loads(data)["elements"]["edges"]}
    if fmt == "csv":
        return {(r["subject_iri"], r["predicate"], r["object_iri"])
                for r in csv.DictReader(io.StringIO(data.decode("utf-8-sig")))}
    if fmt == "pack":
        archive = zipfile.ZipFile(io.BytesIO(data))
        graphml = next(n for n in archive.namelist() if n.endswith(".graphml"))
        handout = next(n for n in archive.namelist() if n.endswith("-handout.html"))
        assert "Not medical advice" in archive.read(handout).decode("utf-8")
        return _read_back("graphml", archive.read(graphml))
    raise AssertionError(f"no reader for {fmt}")


def _follow_every_link(client, links: _Links, expected) -> None:
    """Each export format is linked once; each link downloads the file its
    `download` attribute names, with the format's media type, and the file
    read back holds exactly the expected selection's relations (the SVG
    draws each of its entities)."""
    assert sorted(f for _, _, f in links.found) == sorted(FORMATS)
    labels = {d["label"] for _, d in expected.nodes(data=True)}
    for href, name, fmt in links.found:
        response = client.get(href)
        assert response.status_code == 200, (href, response.get_data(as_text=True)[:300])
        assert response.headers["Content-Disposition"] == f"attachment; filename={name}"
        assert name.endswith("." + FORMATS[fmt].extension)
        assert response.mimetype == FORMATS[fmt].media_type.split(";")[0]
        if fmt == "svg":
            root = ET.fromstring(response.data)
            drawn = " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
            assert all(label in drawn for label in labels), fmt
        else:
            assert _read_back(fmt, response.data) == edges_of(expected), fmt


@JSONLD_PARSER_WARNING
def test_entity_page_links_download_its_relations_in_every_format(client, kg_graph):
    """The entity page links the entity's depth-1 relations in each export
    format, named after the entity; with a predicate chosen, only those."""
    links = _links(client, "/entity/test-zetamine")
    assert {name for _, name, _ in links.found} == {
        f"zetamine-depth-1{'-pack' if f == 'pack' else ''}.{FORMATS[f].extension}"
        for f in FORMATS}
    expected = ExportRequest(entity="zetamine", depth=1).select(kg_graph)
    assert len(expected.edges) == 6
    _follow_every_link(client, links, expected)
    treats = _links(client, "/entity/test-zetamine?predicate=treats")
    expected = ExportRequest(entity="zetamine", depth=1, predicates=("treats",)).select(kg_graph)
    assert edges_of(expected) == {(iri("zetamine"), "treats", iri("gloom-disorder"))}
    _follow_every_link(client, treats, expected)


@JSONLD_PARSER_WARNING
def test_path_page_links_download_its_paths_in_every_format(client, kg_graph):
    """The path page links the paths it shows in each export format."""
    links = _links(client, "/path?from=etazine&to=gloom+disorder")
    assert {name for _, name, _ in links.found} >= {
        "paths-etazine-to-gloom-disorder.graphml", "paths-etazine-to-gloom-disorder-pack.zip"}
    expected = ExportRequest(source="etazine", target="gloom disorder").select(kg_graph)
    assert {(iri("etazine"), "antagonistOf", iri("qx-receptor")),
            (iri("zetamine"), "treats", iri("gloom-disorder"))} <= edges_of(expected)
    _follow_every_link(client, links, expected)
    missing = client.get("/path?from=etazine&to=nobody", headers={"Accept": "text/html"})
    assert missing.status_code == 404
    nothing = _Links()
    nothing.feed(missing.get_data(as_text=True))
    assert nothing.found == []


@JSONLD_PARSER_WARNING
def test_sparql_results_link_their_downloads(client, kg_graph):
    """A CONSTRUCT's results link the export of the relations it names (with
    their claims) in every format, and its RDF in each SPARQL format; a
    DESCRIBE only the latter; a SELECT its table as CSV and TSV, which the
    csv module reads back as the rows the JSON results hold."""
    construct = "CONSTRUCT { ?s hkg:antagonistOf ?o } WHERE { ?s hkg:antagonistOf ?o }"
    links = _links(client, "/sparql?" + urlencode({
        "query": "PREFIX hkg: <https://w3id.org/health-kg/ontology#>\n" + construct}))
    assert {name for _, name, _ in links.found} >= {"construct.ttl", "construct-pack.zip"}
    expected = ExportRequest(construct=construct).select(kg_graph)
    assert edges_of(expected) == {(iri("zetamine"), "antagonistOf", iri("qx-receptor")),
                                  (iri("etazine"), "antagonistOf", iri("qx-receptor"))}
    _follow_every_link(client, links, expected)
    relations = {(str(s), str(o)) for s, _, o, in Graph().parse(
        data=client.get(links.native[0][0]).data, format=_RDF_PARSERS[links.native[0][2]])}
    assert {f for _, _, f in links.native} == {"ttl", "nt", "rdfxml", "jsonld"}
    for href, _, fmt in links.native:
        parsed = Graph().parse(data=client.get(href).data, format=_RDF_PARSERS[fmt])
        assert {(str(s), str(o)) for s, _, o in parsed} == relations == {
            (s, o) for s, _, o in edges_of(expected)}, fmt
    describe = _links(client, "/sparql?" + urlencode({"query": f"DESCRIBE <{iri('etazine')}>"}))
    assert describe.found == [] and {f for _, _, f in describe.native} >= {"ttl", "nt"}
    for href, _, fmt in describe.native:
        assert (URIRef(iri("etazine")), None, None) in Graph().parse(
            data=client.get(href).data, format=_RDF_PARSERS[fmt]), fmt
    select = ("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
              "SELECT ?e ?label WHERE { ?e rdfs:label ?label "
              "FILTER(STRSTARTS(STR(?e), 'http://localhost:8000/entity/test-')) } ORDER BY ?e")
    table = _links(client, "/sparql?" + urlencode({"query": select}))
    assert table.found == []
    rows = client.get("/sparql?" + urlencode({"query": select, "format": "json"})).get_json()
    wanted = [(b["e"]["value"], b["label"]["value"]) for b in rows["results"]["bindings"]]
    assert ("http://localhost:8000/entity/test-zetamine", "zetamine") in wanted
    native = {f: href for href, _, f in table.native}
    assert {"csv", "tsv"} <= set(native)
    got = list(csv.DictReader(io.StringIO(client.get(native["csv"]).get_data(as_text=True))))
    assert [(r["e"], r["label"]) for r in got] == wanted
    tsv = client.get(native["tsv"]).get_data(as_text=True).splitlines()
    assert tsv[0].split("\t") == ["?e", "?label"]
    assert [tuple(cell.strip("<>\"") for cell in line.split("\t")) for line in tsv[1:]] == wanted


def _save(path: Path) -> None:
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, DOCS / path.name)


def test_screenshots_of_diagram_and_handout(page, live_server, tmp_path):
    """The seed's diagram and printable handout render in headless Chromium
    without errors or outside requests (`page` checks both); screenshots go
    to test-output/ (and docs/screenshots/ with UPDATE_SCREENSHOTS=1)."""

    with KnowledgeGraph.open(Settings(store="memory", data_dir=str(tmp_path))) as graph:
        assert graph.ingest_file(seed_article()).ok
        app = create_app(graph.settings, graph=graph)
        server = live_server(app)
        page.goto(f"{server.url}/export/preview.svg?entity=ketamine&depth=1")
        assert page.locator("text").filter(has_text="NMDA receptor").count() == 1
        size = page.evaluate("[document.documentElement.width.baseVal.value,"
                             " document.documentElement.height.baseVal.value]")
        page.set_viewport_size({"width": int(size[0]), "height": int(size[1])})
        OUTPUT.mkdir(exist_ok=True)
        # A full-page screenshot of a bare SVG document never settles in
        # Chromium; the viewport is set to the drawing's size instead.
        page.screenshot(path=str(OUTPUT / "export-diagram.png"))
        _save(OUTPUT / "export-diagram.png")
        data = app.test_client().get("/api/export?entity=ketamine&format=pack").data
    archive = zipfile.ZipFile(io.BytesIO(data))
    handout = archive.read("ketamine-depth-1/ketamine-depth-1-handout.html").decode("utf-8")
    page.set_viewport_size({"width": 900, "height": 1900})
    page.goto("about:blank")
    page.set_content(handout)  # as opened from disk: no server, nothing fetched
    assert page.locator(".notice").inner_text().startswith("Not medical advice.")
    assert page.evaluate("document.querySelectorAll('script').length") == 0
    page.screenshot(path=str(OUTPUT / "export-handout.png"))  # its first page and a half
    _save(OUTPUT / "export-handout.png")
