"""Web fixtures: a real server on a free loopback port and a real browser.

`live_server(app)` serves an app with waitress (the production server) in a
thread; `page` is a Playwright page in Debian's headless Chromium that
records console errors and every request leaving 127.0.0.1, so a test can
assert that a page makes none.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = os.environ.get("KG_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage"]
#: Screenshots and traces of browser tests go here (kept by CI as artefacts).
OUTPUT = Path(__file__).parents[2] / "test-output"


class LiveServer:
    def __init__(self, app):
        from waitress import create_server

        self.server = create_server(app, host="127.0.0.1", port=0, threads=4)
        self.url = f"http://127.0.0.1:{self.server.effective_port}"
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()

    def close(self):
        # Close from inside the server's own loop: closing its sockets from
        # this thread races the loop's select() ("Bad file descriptor" in the
        # server thread, reported by pytest as an unhandled thread error).
        self.server.trigger.pull_trigger(self.server.close)
        self.thread.join(timeout=5)


@pytest.fixture
def live_server():
    """Call with an app; the server stops at the end of the test."""
    servers: list[LiveServer] = []

    def start(app) -> LiveServer:
        server = LiveServer(app)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is None:
        pytest.fail(f"{CHROMIUM} is missing; `./run test` installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class PageProbe:
    """What a page did: console errors and requests to other hosts."""

    def __init__(self, page):
        self.page = page
        self.console_errors: list[str] = []
        self.foreign_requests: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.console_errors.append(m.text))
        page.on("pageerror", lambda e: self.console_errors.append(str(e)))

        def route(r):
            host = urlsplit(r.request.url).hostname
            if r.request.url.startswith(("data:", "blob:")) or host in ("127.0.0.1", "localhost"):
                r.continue_()
            else:
                self.foreign_requests.append(r.request.url)
                r.abort()

        page.route("**/*", route)

    def screenshot(self, name: str) -> Path:
        OUTPUT.mkdir(exist_ok=True)
        path = OUTPUT / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@contextlib.contextmanager
def probed_page(browser, **context_options):
    """A page in a new browser context made with `context_options`;
    `page.probe` has console errors and foreign requests, and leaving the
    block fails if either happened."""
    context = browser.new_context(**context_options)
    opened = context.new_page()
    probe = opened.probe = PageProbe(opened)
    try:
        yield opened
    finally:
        context.close()
    assert probe.foreign_requests == [], "the page reached other hosts"
    assert probe.console_errors == [], "the page logged errors"


@pytest.fixture
def page(browser):
    """A fresh desktop-sized browser page (`probed_page`)."""
    with probed_page(browser, viewport={"width": 1280, "height": 900}) as opened:
        yield opened


@contextlib.contextmanager
def one_worker_editor(folder: Path):
    """The seed on the embedded store in `folder`, served over HTTP, with one
    query worker and a 30 s limit: a query the cancel button did not stop
    would hold the only worker for 30 s.  `server.service` is the app's
    SPARQL service."""
    from kg import KnowledgeGraph, Settings
    from kg.sparql import Limits, QueryRunner
    from webapp import create_app

    from ..conftest import seed_article

    settings = Settings(data_dir=str(folder), query_timeout=30)
    with KnowledgeGraph.open(settings) as graph:
        assert graph.ingest_file(seed_article()).ok
        app = create_app(settings, graph=graph)
        service = app.extensions["kg_sparql"]
        service.runner = QueryRunner(graph, Limits(timeout=30), workers=1)
        server = LiveServer(app)
        server.service = service
        try:
            yield server
        finally:
            server.close()
            service.runner.close()
