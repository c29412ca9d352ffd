"""Export downloads on the web (issue 7): the form page, downloads with file
names and media types, /api/export with the CLI's parameters, 400 on bad
ones, escaping, and screenshots of the diagram and handout in a browser.

The articles are the fixture of `tests/kg/test_export.py` (fictitious
drugs, an article title and evidence carrying `<script>`).
"""
from __future__ import annotations

import io
import os
import shutil
import xml.etree.ElementTree as ET
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import networkx as nx
import pytest
from rdflib import Graph

from kg import KnowledgeGraph, Settings
from kg.export import FORMATS
from webapp import create_app

from ..conftest import SEED
from ..kg.test_export import XSS, write_articles
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
    assert message.replace("'", "&#39;") in page.get_data(as_text=True)


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


def _save(path: Path) -> None:
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, DOCS / path.name)


def test_screenshots_of_diagram_and_handout(page, live_server, tmp_path):
    """The seed's diagram and printable handout render in headless Chromium
    without errors or outside requests (`page` checks both); screenshots go
    to test-output/ (and docs/screenshots/ with UPDATE_SCREENSHOTS=1)."""
    from kg.load import ingest_file

    with KnowledgeGraph.open(Settings(store="memory", data_dir=str(tmp_path))) as graph:
        assert ingest_file(graph, SEED).ok
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
