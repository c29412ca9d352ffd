"""The SPARQL editor in Debian's Chromium (Playwright): highlighting, prefix
insertion, examples, results linked to our pages, downloads, a shareable
URL, the row-cap note; no console error and no request leaving the machine
(the `page` fixture fails the test otherwise)."""
from __future__ import annotations

import json
import urllib.parse
import urllib.request

import pytest

from kg import KnowledgeGraph, Settings

from kg.sparql import Limits, QueryRunner
from webapp import create_app

from ..conftest import seed_article


@pytest.fixture(scope="module")
def editor(tmp_path_factory):
    """The seed on the embedded store, served by waitress; results cut at
    5 rows so the note shows."""
    from .conftest import LiveServer

    settings = Settings(data_dir=str(tmp_path_factory.mktemp("editor")), query_timeout=5)
    with KnowledgeGraph.open(settings) as graph:
        assert graph.ingest_file(seed_article()).ok
        app = create_app(settings, graph=graph)
        service = app.extensions["kg_sparql"]
        service.runner = QueryRunner(graph, Limits(timeout=5, max_rows=5), workers=1)
        server = LiveServer(app)
        yield server
        server.close()
        service.runner.close()


def _type(page, text: str) -> None:
    page.locator(".CodeMirror textarea").type(text)


def test_editor_runs_an_example_and_links_results(editor, page):
    """Picking an example loads it into the highlighted editor and runs it;
    the results table links entity IRIs to entity pages, the page URL
    carries the query, and a download link returns the same rows as CSV."""
    page.goto(editor.url + "/sparql")
    assert page.locator(".CodeMirror").count() == 1
    assert page.locator(".CodeMirror .cm-keyword").count() > 0  # SPARQL highlighting
    examples = page.locator("a.example")
    assert examples.count() >= 6
    page.locator("a.example", has_text="Drugs that antagonise the NMDA receptor").click()
    page.wait_for_selector("table.results tbody tr")
    assert "antagonistOf" in page.evaluate(
        "document.querySelector('.CodeMirror').CodeMirror.getValue()")
    link = page.locator("table.results a[href='/entity/ketamine']")
    assert link.count() >= 1
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(page.url).query)["query"][0]
    assert "antagonistOf" in query
    status = page.locator("#status").inner_text()
    assert "row" in status
    csv_href = page.locator("#downloads a[data-format=csv]").get_attribute("href")
    with urllib.request.urlopen(editor.url + csv_href, timeout=10) as response:
        assert response.headers["Content-Type"].startswith("text/csv")
        assert "ketamine" in response.read().decode()
    link.first.click()
    page.wait_for_url("**/entity/ketamine")
    page.probe.screenshot("sparql-editor-entity")


def test_typing_a_known_prefix_adds_its_declaration(editor, page):
    page.goto(editor.url + "/sparql")
    page.evaluate("document.querySelector('.CodeMirror').CodeMirror.setValue('')")
    page.locator(".CodeMirror").click()
    _type(page, 'SELECT ?d WHERE { ?d a hkg:Drug ; rdfs:label "ketamine" . ?d a hkg:Drug }')
    text = page.evaluate("document.querySelector('.CodeMirror').CodeMirror.getValue()")
    assert "PREFIX hkg: <https://w3id.org/health-kg/ontology#>\n" in text
    assert "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n" in text
    assert text.count("PREFIX hkg:") == 1 and text.endswith('?d a hkg:Drug }')
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("table.results tbody tr")
    assert page.locator("table.results a[href='/entity/ketamine']").count() == 1


def test_row_cap_note_errors_and_shared_links(editor, page):
    """A result over the cap shows the note; a refused query shows its
    reason; a shared link opens with the query and its results, with no
    JavaScript needed to see them."""
    query = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
    page.goto(editor.url + "/sparql?" + urllib.parse.urlencode({"query": query}))
    assert page.locator("table.results tbody tr").count() == 5  # rendered by the server
    assert page.locator("#truncated").is_visible()
    page.evaluate("document.querySelector('.CodeMirror').CodeMirror.setValue("
                  + json.dumps("SELECT * { SERVICE <http://example.org/sparql> { ?s ?p ?o } }")
                  + ")")
    page.locator("#run").click()
    page.wait_for_selector("#error:not([hidden])")
    assert "SERVICE is refused" in page.locator("#error").inner_text()
    # Chromium logs every 4xx fetch as a console error; this one is the point.
    refused = [e for e in page.probe.console_errors if "status of 400" in e]
    assert len(refused) == 1
    page.probe.console_errors.remove(refused[0])
    assert page.locator("#truncated").is_hidden()
    page.probe.screenshot("sparql-editor-error")


def test_construct_shows_turtle_and_graph_downloads(editor, page):
    page.goto(editor.url + "/sparql")
    page.evaluate("document.querySelector('.CodeMirror').CodeMirror.setValue("
                  + json.dumps("CONSTRUCT WHERE { ?s a <https://w3id.org/health-kg/ontology"
                               "#Drug> }") + ")")
    page.locator("#run").click()
    page.wait_for_selector("pre.rdf")
    assert "@prefix" in page.locator("pre.rdf").inner_text()
    formats = page.locator("#downloads a").evaluate_all("l => l.map(a => a.dataset.format)")
    assert formats == ["ttl", "nt", "rdfxml", "jsonld"]
    names = page.locator("#downloads a").evaluate_all("l => l.map(a => a.download)")
    assert names == ["results.ttl", "results.nt", "results.rdf", "results.jsonld"]


def test_construct_run_in_place_offers_the_same_export_links_as_the_server(editor, page):
    """Running a CONSTRUCT in place empties the results, server-rendered
    export links included; the script puts back the same links (format,
    file name, URL), and the Turtle one downloads the relations with their
    quotes."""
    import rdflib
    from playwright.sync_api import expect

    query = ("PREFIX hkg: <https://w3id.org/health-kg/ontology#>\n"
             "CONSTRUCT { ?s hkg:antagonistOf ?o } WHERE { ?s hkg:antagonistOf ?o }")
    page.goto(editor.url + "/sparql?" + urllib.parse.urlencode({"query": query}))
    links = "l => l.map(a => [a.dataset.format, a.download, a.getAttribute('href')])"
    server = page.locator("#export-downloads a[data-format]").evaluate_all(links)
    assert [f for f, _, _ in server][:3] == ["ttl", "jsonld", "nt"] and len(server) >= 9
    page.locator("#run").click()
    expect(page.locator("#status")).to_contain_text(" ms")  # the run in place answered
    page.wait_for_selector("#export-downloads a[data-format='ttl']")
    assert page.locator("#export-downloads a[data-format]").evaluate_all(links) == server
    assert page.locator("#export-downloads a", has_text="more options").count() == 1
    href = dict((f, h) for f, _, h in server)["ttl"]
    with urllib.request.urlopen(editor.url + href) as response:
        exported = rdflib.Graph().parse(data=response.read(), format="turtle")
    hkg = rdflib.Namespace("https://w3id.org/health-kg/ontology#")
    assert set(exported.objects(None, hkg.predicate)) == {hkg.antagonistOf}
    assert any("NMDA" in str(e) for e in exported.objects(None, hkg.evidence))
