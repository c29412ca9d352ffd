"""Every page on a phone (issue 18, item 8): Debian's headless Chromium at
390 x 844 CSS pixels, as a touch device honouring the viewport meta tag,
visits every route of the app and asserts that nothing is wider than the
screen (`document.documentElement.scrollWidth <= 390`), with no console
error (a CSP violation is one) and no request to another host.

The routes come from the app's URL map: a GET route missing from `ROUTES`
fails `test_every_route_is_visited`, so a new page gets a phone check.
"""
from __future__ import annotations

import re

import pytest

from kg import KnowledgeGraph, Settings

from webapp import create_app

from .conftest import probed_page
from .support import seed_graph

WIDTH, HEIGHT = 390, 844

#: Endpoint -> the URL the phone test visits for it (real data from the
#: seed), or None for routes that are not pages (data, downloads, files).
ROUTES: dict[str, str | None] = {
    "pages.home": "/",
    "pages.search": "/search?q=ketamine",
    "pages.entity": "/entity/ketamine",
    "pages.relation": "/relation/ketamine/antagonistOf/nmda-receptor",
    "pages.claim": "claim",  # the first claim search finds
    "pages.article": "/article/ketamine-for-anxiety",
    "pages.articles": "/articles",
    "pages.types": "/types/",
    "pages.type_index": "/types/AdverseEffect",
    "pages.graph_view": "/graph?entity=ketamine",
    "pages.path": "/path?from=NMDA+receptor&to=anxiety",
    "claims.page": "/claims?modality=hedged",
    "curate.sign_in_form": "/curate/sign-in",
    "curate.queue": "/curation/queue",
    "belief.contested": "/contested",
    "sparql.endpoint": "/sparql?query=SELECT+%3Fs+%3Fp+%3Fo+WHERE+%7B+%3Fs+%3Fp+%3Fo+%7D+LIMIT+20",
    "sparql.void": "/.well-known/void",
    "export.page": "/export?entity=ketamine&depth=1",
    "api.openapi": "/api/openapi.json",
    "export.preview": None,  # an image for the export form
    "static": None,
}
#: Pages beyond one per route: the error page, the empty SPARQL editor, an
#: entity no article states anything about, the path from a thing to itself.
EXTRA = ["/entity/ketamin", "/sparql", "/entity/ketorolac", "/path?from=ketamine&to=Ketalar",
         "/export"]


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("phone")
    settings = Settings(store="embedded", data_dir=str(folder / "data"))
    with KnowledgeGraph.open(settings) as graph:
        seed_graph(graph, folder)
        yield create_app(settings, graph=graph)


@pytest.fixture
def phone(browser):
    """A page in a phone-sized, touch, mobile-viewport browser context; the
    test fails on console errors or requests to other hosts."""
    with probed_page(browser, viewport={"width": WIDTH, "height": HEIGHT}, is_mobile=True,
                     has_touch=True, device_scale_factor=2) as opened:
        yield opened


def test_every_route_is_visited(app):
    """Each GET page route of the app has a phone visit (or is named as not
    a page), so a new page cannot skip the width check."""
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()
                 if "GET" in rule.methods and not rule.rule.startswith("/api/")}
    endpoints.add("api.openapi")  # the one API route that is also a page
    assert endpoints <= set(ROUTES), sorted(endpoints - set(ROUTES))


def _wait_until_drawn(page) -> None:
    """Pages whose content arrives after load: the graph and the API page."""
    if page.locator("#cy").count():
        page.wait_for_selector("#cy[data-ready=true]")
    if page.locator("#swagger-ui").count():
        page.wait_for_selector("#swagger-ui[data-ready=true]")
        page.wait_for_selector("#swagger-ui .opblock")


def _overflow(page) -> list[str]:
    """The elements reaching past the right edge of the screen (for the
    failure message)."""
    return page.evaluate("""(width) => {
        const out = [];
        for (const el of document.querySelectorAll('body *')) {
          const box = el.getBoundingClientRect();
          if (box.right > width + 0.5 && box.width > 0) {
            out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
                     (el.className && typeof el.className === 'string'
                        ? '.' + el.className.trim().split(/\\s+/).join('.') : '') +
                     ' right=' + Math.round(box.right));
          }
        }
        return out.slice(0, 8);
    }""", WIDTH)


def test_no_page_is_wider_than_a_phone(app, live_server, phone):
    """Every page at 390 px: the document is no wider than the screen, and
    the notice that this is not medical advice is there."""
    site = live_server(app)
    phone.goto(site.url + "/search?q=ketamine&kind=claim")
    claim = phone.locator("a[href^='/claim/']").first.get_attribute("href")
    urls = [claim if url == "claim" else url for url in ROUTES.values() if url] + EXTRA
    widths = {}
    for url in urls:
        response = phone.goto(site.url + url)
        assert response is not None
        expected = 404 if url == "/entity/ketamin" else 200
        assert response.status == expected, url
        if expected == 404:  # Chromium logs the page's own status; nothing else may fail
            errors = phone.probe.console_errors
            errors[:] = [e for e in errors if "status of 404" not in e]
        _wait_until_drawn(phone)
        assert "Not medical advice" in phone.locator(".notice").inner_text(), url
        width = phone.evaluate("document.documentElement.scrollWidth")
        widths[url] = (width, _overflow(phone) if width > WIDTH else [])
        phone.probe.screenshot("phone-" + (re.sub(r"[^a-z0-9]+", "-", url.lower()).strip("-")
                                           or "home"))
    wide = {url: found for url, found in widths.items() if found[0] > WIDTH}
    assert wide == {}, "\n".join(f"{url}: {w} {found}" for url, (w, found) in wide.items())


def test_search_facets_fold_on_a_phone(app, live_server, phone, browser):
    """On a phone the facets are folded and the first result is in the first
    screen; on a wide screen they are open beside the results."""
    site = live_server(app)
    phone.goto(site.url + "/search?q=ketamine")
    facets = phone.locator("aside.facets details")
    assert facets.get_attribute("open") is None
    first = phone.locator("li.hit").first.bounding_box()
    assert first is not None and first["y"] + 40 < HEIGHT, first
    phone.locator("aside.facets summary").click()
    assert phone.locator("aside.facets details section a").first.is_visible()

    wide = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = wide.new_page()
        page.goto(site.url + "/search?q=ketamine")
        assert page.locator("aside.facets details").get_attribute("open") is not None
        assert page.locator("aside.facets details section a").first.is_visible()
    finally:
        wide.close()
