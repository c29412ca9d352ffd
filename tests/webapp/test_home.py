"""The home page: counts from the graph, escaped article text, over real HTTP."""
from __future__ import annotations

import threading
import urllib.request
from html.parser import HTMLParser

import pytest

from kg import KnowledgeGraph, read

from webapp import create_app

from ..conftest import BACKENDS, backend_settings, seed_article


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data):
        self.parts.append(data)


def _text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


@pytest.fixture
def app(graph):
    graph.ingest_file(seed_article())
    return create_app(graph.settings, graph=graph)


@pytest.fixture(scope="module", params=BACKENDS)
def seeded_graph(request, tmp_path_factory):
    """The seed on each backend, shared by the tests that only read pages
    (a fresh store and ingest per test cost ~2 s each).  pytest runs one
    backend's tests together, so no other test empties the server between."""
    folder = tmp_path_factory.mktemp(f"home-{request.param}")
    with KnowledgeGraph.open(backend_settings(request, folder, request.param)) as opened:
        assert opened.ingest_file(seed_article()).ok
        yield opened


@pytest.fixture(scope="module")
def seeded_app(seeded_graph):
    return create_app(seeded_graph.settings, graph=seeded_graph)


def test_home_shows_the_graph_counts(seeded_app, seeded_graph):
    numbers = read.stats(seeded_graph)
    response = seeded_app.test_client().get("/")
    assert response.status_code == 200
    text = _text(response.get_data(as_text=True))
    assert f"Claims {numbers.claims}" in text
    assert f"Articles {numbers.articles}" in text
    assert "Not medical advice" in text
    assert "Ketamines For Anxiety" in text


def test_home_counts_follow_ingest_and_delete(app, graph, tmp_path):
    """The home page keeps its counts between requests (recounting a large
    graph per request saturated the server) and recounts after a write."""

    client = app.test_client()
    before = read.stats(graph)
    assert f"Articles {before.articles}" in _text(client.get("/").get_data(as_text=True))
    note = tmp_path / "home-note.txt"
    note.write_text("Home note\n\nSertraline can cause nausea. Sertraline may cause "
                    "insomnia.\n", encoding="utf-8")
    assert graph.ingest_file(note).ok
    after = read.stats(graph)
    assert after.articles == before.articles + 1 and after.claims > before.claims
    text = _text(client.get("/").get_data(as_text=True))
    assert f"Articles {after.articles}" in text and f"Claims {after.claims}" in text
    assert "Home note" in text
    assert graph.delete_article("home-note")
    text = _text(client.get("/").get_data(as_text=True))
    assert f"Articles {before.articles}" in text and "Home note" not in text


def test_article_titles_are_escaped(graph, tmp_path):
    evil = tmp_path / "evil.txt"  # a .txt title is kept verbatim, tags and all
    evil.write_text("<script>alert(1)</script> title\n\nKetamine can cause nausea.\n",
                    encoding="utf-8")
    assert graph.ingest_file(evil).ok
    html = create_app(graph.settings, graph=graph).test_client().get("/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_unknown_path_is_a_404_page_without_traceback(seeded_app):
    app = seeded_app
    response = app.test_client().get("/no/such/page")
    assert response.status_code == 404
    assert "Traceback" not in response.get_data(as_text=True)
    assert app.test_client().get("/no", headers={"Accept": "application/json"}).json["status"] \
        == 404


def test_security_headers(seeded_app):
    response = seeded_app.test_client().get("/")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]


def test_served_over_real_http_by_waitress(seeded_app):
    """The app answers a real HTTP client through the production server."""
    from waitress import create_server

    server = create_server(seeded_app, host="127.0.0.1", port=0, threads=2)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.effective_port}/"
        with urllib.request.urlopen(url, timeout=10) as response:
            body = response.read().decode()
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("text/html")
        assert "Recently ingested articles" in body
        css = urllib.request.urlopen(url + "static/style.css", timeout=10).read()
        assert b"--asserted" in css
    finally:
        # From inside the server's loop, as LiveServer (conftest) does: a
        # close from this thread races the loop's select() ("Bad file
        # descriptor" in the server thread, seen once in a full run).
        server.trigger.pull_trigger(server.close)
        thread.join(timeout=5)


def test_home_in_a_real_browser(seeded_app, live_server, page):
    """Debian's Chromium renders the home page: the notice and counts show,
    no console errors, no request leaves the machine."""
    server = live_server(seeded_app)
    page.goto(server.url + "/")
    assert page.locator("h1").inner_text() == "What health articles say about medicines"
    assert "Not medical advice" in page.locator(".notice").inner_text()
    assert page.locator("dl.counts dd").count() >= 3
    page.probe.screenshot("home")
