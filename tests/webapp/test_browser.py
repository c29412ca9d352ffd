"""The front end in a real browser: Debian's headless Chromium
through Playwright walks search -> entity -> article -> graph view -> path,
by keyboard where a reader would, asserting content on each page.  The
`page` fixture fails a test on any console error (a CSP violation is one) or
any request to another host.

Screenshots of each page go to test-output/; with UPDATE_SCREENSHOTS=1 the
viewport-sized ones used in the docs are also written to docs/screenshots/.
Embedded store only (the other backends are covered without a browser).
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from kg import KnowledgeGraph, Settings

from webapp import create_app

from ..conftest import SAMPLES
from .support import HOSTILE_ID, NMDA_SENTENCE, seed_graph

DOCS = Path(__file__).parents[2] / "docs" / "screenshots"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser")
    settings = Settings(store="embedded", data_dir=str(folder / "data"))
    with KnowledgeGraph.open(settings) as graph:
        seed_graph(graph, folder)
        for path in sorted(SAMPLES.glob("*.*")):  # richer pictures; not asserted on
            graph.ingest_file(path)
        yield create_app(settings, graph=graph)


@pytest.fixture
def site(app, live_server):
    return live_server(app)


def _docs_shot(page, name: str) -> None:
    """A viewport-sized picture for the docs (only when asked for)."""
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(DOCS / f"{name}.png"), full_page=False)


def test_search_entity_article_graph_path(site, page):
    """The reader's walk, with keyboard autocomplete, the hedged NMDA quote
    linked to its sentence, the graph view drawn and clickable, and a path
    whose hops quote their sentences."""
    page.goto(site.url + "/")
    assert "Not medical advice" in page.locator(".notice").inner_text()
    box = page.get_by_label("Search articles, drugs, conditions, side effects")
    box.fill("ketamine anxiety")
    box.press("Enter")
    page.wait_for_url(re.compile(r"/search\?q=ketamine\+anxiety"))
    assert page.locator("li.hit").count() > 0
    assert page.locator(".facets a").count() > 0
    assert page.locator("li.hit .snippet mark").count() > 0
    page.probe.screenshot("search")
    _docs_shot(page, "search")

    # Autocomplete by keyboard: type, arrow down to the suggestion, Enter.
    box = page.get_by_role("combobox", name="Search articles, drugs, conditions, side effects")
    box.fill("")
    box.type("ketam", delay=20)
    option = page.get_by_role("option").filter(has_text=re.compile(r"^ketamine"))
    option.first.wait_for()
    assert box.get_attribute("aria-expanded") == "true"
    for _ in range(page.get_by_role("option").count()):
        box.press("ArrowDown")
        active = box.get_attribute("aria-activedescendant")
        if page.locator(f"#{active}").inner_text().startswith("ketamine\n") or \
                page.locator(f"#{active} span").first.inner_text() == "ketamine":
            break
    box.press("Enter")
    page.wait_for_url(site.url + "/entity/ketamine")

    # Entity page: the NMDA receptor relation quotes the hedged sentence.
    assert page.locator("h1").inner_text() == "ketamine"
    row = page.locator("li.row").filter(has=page.locator("h4 a", has_text="NMDA receptor"))
    quote = row.locator("section.hedged blockquote").filter(has_text=NMDA_SENTENCE)
    assert quote.count() == 1
    # (In the decreases group: groups follow the domain table's reading order,
    # which puts "increases", where other samples state blood pressure, first.)
    decreases = page.locator("section.predicate-group").filter(
        has=page.locator("h3#g-out-decreases"))
    denied = decreases.locator("li.row").filter(has=page.locator("h4 a", has_text=re.compile(
        r"^blood pressure$"))).first
    assert denied.locator("section.negated blockquote").count() >= 1
    page.probe.screenshot("entity")
    row.scroll_into_view_if_needed()
    _docs_shot(page, "entity")

    # Article page at that sentence: it is marked and in view.
    quote.locator("footer a").click()
    page.wait_for_url(re.compile(r"/article/ketamine-for-anxiety#c\d+-\d+"))
    target = page.locator("mark.claim.target")
    target.first.wait_for()
    assert " ".join(target.first.inner_text().split()) == " ".join(NMDA_SENTENCE.split())
    assert "hedged" in target.first.get_attribute("class")
    assert target.first.is_visible()
    assert page.locator(".article-text a.mention").count() > 5
    assert page.locator("section.claims li").count() > 5
    page.probe.screenshot("article")
    _docs_shot(page, "article")

    # Graph view from the entity page, drawn by the vendored Cytoscape.js.
    page.locator(".article-text a.mention", has_text=re.compile(r"^[Kk]etamine$")).first.click()
    page.wait_for_url(site.url + "/entity/ketamine")
    page.get_by_role("link", name="Graph around ketamine").click()
    page.wait_for_selector("#cy[data-ready=true]")
    nodes = page.evaluate("document.getElementById('cy').cy.nodes().length")
    assert nodes > 5
    point = page.evaluate("""() => {
        const cy = document.getElementById('cy').cy;
        const node = cy.nodes().filter(n => n.data('label') === 'NMDA receptor')[0];
        const box = document.getElementById('cy').getBoundingClientRect();
        const at = node.renderedPosition();
        return {x: box.left + at.x, y: box.top + at.y};
    }""")
    page.mouse.click(point["x"], point["y"])
    info = page.locator("#cy-info")
    assert info.locator("h2").inner_text() == "NMDA receptor"
    assert info.get_by_role("link", name="Open its page").get_attribute("href") == \
        "/entity/nmda-receptor"
    # Every relation is a row, though the picture gathers leaves into groups.
    assert page.locator("table.relations-table tbody tr").count() == \
        page.evaluate("document.getElementById('cy').graphData.edges.length")
    page.probe.screenshot("graph")
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":  # a smaller hub reads better in the docs
        page.goto(site.url + "/graph?entity=esketamine")
        page.wait_for_selector("#cy[data-ready=true]")
        _docs_shot(page, "graph")

    # Path finder, filled in and submitted by keyboard.
    page.get_by_role("link", name="Paths").click()
    page.get_by_label("From").fill("NMDA receptor")
    page.get_by_label("To").fill("anxiety")
    page.get_by_label("To").press("Enter")
    page.wait_for_url(re.compile(r"/path\?from=NMDA\+receptor&to=anxiety"))
    hops = page.locator("ol.paths > li").first.locator("li.hop")
    assert hops.count() >= 1
    for i in range(hops.count()):
        assert hops.nth(i).locator("blockquote footer a").count() >= 1
        assert hops.nth(i).locator(".modality").count() >= 1
    page.probe.screenshot("path")
    _docs_shot(page, "path")


def test_graph_filters_and_click_through(site, page):
    """Ticking a modality filter redraws only those relations; clicking an
    edge shows its quotes with links to the articles."""
    page.goto(site.url + "/graph?entity=ketamine")
    page.wait_for_selector("#cy[data-ready=true]")
    page.get_by_text("Filters").click()
    page.get_by_label("Denied (negated)").check()
    page.get_by_role("button", name="Show", exact=True).click()
    page.wait_for_url(re.compile(r"modality=negated"))
    page.wait_for_selector("#cy[data-ready=true]")
    modalities = page.evaluate(
        "document.getElementById('cy').cy.edges().map(e => e.data('modality'))")
    assert modalities and set(modalities) == {"negated"}
    # Return nothing: serialising the collection emit() returns takes a minute.
    # (A relation of its own: a group's line opens the group instead.)
    page.evaluate("() => { document.getElementById('cy').cy.edges('[!cluster]')[0].emit('tap'); }")
    info = page.locator("#cy-info")
    assert info.locator("blockquote.negated").count() >= 1
    assert info.locator("blockquote footer a").first.get_attribute("href").startswith(
        "/article/")


def test_phone_layout_and_hostile_article(site, page):
    """On a phone-sized screen the entity page needs no sideways scrolling;
    an article full of markup renders as text and runs nothing."""
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(site.url + "/entity/ketamine")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.probe.screenshot("entity-phone")
    _docs_shot(page, "entity-phone")
    page.goto(site.url + f"/article/{HOSTILE_ID}")
    assert "<script>" in page.locator("h1").inner_text()
    assert page.locator("main script, main img, main svg").count() == 0


def test_keyboard_reaches_the_content(site, page):
    """The first Tab lands on "Skip to content", which moves focus to main."""
    page.goto(site.url + "/entity/ketamine")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    # Following the link is asynchronous: wait for it (at most 5 s) before looking.
    page.wait_for_function("location.hash === '#main'", timeout=5000)
    assert page.url.endswith("#main")


def test_home_badge_opens_the_filtered_claims_list(site, page):
    """Clicking the home page's "Hedged" badge opens the claims list
    filtered to hedged claims: every row hedged, with its article, the
    count in the heading the badge's number; a facet click narrows it
    further and a column heading sorts it."""
    page.goto(site.url + "/")
    badge = page.locator("ul.modalities a", has=page.locator("span.modality.hedged"))
    number = int(badge.inner_text().split()[-1])
    assert number > 0
    badge.click()
    page.wait_for_url(re.compile(r"/claims\?modality=hedged$"))
    assert "Not medical advice" in page.locator(".notice").inner_text()
    assert page.locator("#list-title").inner_text().startswith(f"{number} hedged claims")
    rows = page.locator("table.claims tbody tr")
    assert rows.count() == min(number, 50)
    assert rows.locator("span.modality.hedged").count() == rows.count()
    assert rows.locator("td:nth-child(5) a[href^='/article/']").count() == rows.count()
    page.probe.screenshot("claims")
    _docs_shot(page, "claims")

    facet = page.locator("section[data-facet='predicate'] li a").first
    value = facet.get_attribute("data-value")
    count = int(facet.locator("xpath=following-sibling::span").inner_text())
    facet.click()
    page.wait_for_url(re.compile(rf"predicate={value}"))
    assert page.locator("table.claims tbody tr").count() == min(count, 50)
    assert page.locator("a.chip").count() == 2

    page.locator("th a[data-sort='subject']").click()
    page.wait_for_url(re.compile(r"sort=subject"))
    subjects = [s.lower() for s in
                page.locator("table.claims tbody tr td:first-child").all_inner_texts()]
    assert subjects == sorted(subjects)


def test_reader_words_local_iris_and_no_dead_ends(site, page):
    """Issue 18, items 3, 4 and 7 as a reader meets them: the entity page
    reads in the domain table's words (no camelCase), its IRI (under the
    default base, port 8000, while this server listens elsewhere) sits
    beside the address that opens it here, and a mistyped entity leads to
    a plain-words page whose "did you mean" link opens the right one."""
    page.goto(site.url + "/entity/ketamine")
    body = page.locator("main").inner_text()
    assert not re.search(r"\b(has|administered|antagonist)[A-Z]\w+|AdverseEffect", body), body
    assert "Side effects" in body
    here = page.locator(".local-iri a")
    assert here.inner_text() == site.url + "/entity/ketamine"
    assert "http://localhost:8000/entity/ketamine" in page.locator(".iri code").inner_text()
    here.click()
    page.wait_for_url(site.url + "/entity/ketamine")

    page.goto(site.url + "/entity/ketamin")
    assert page.locator("h1").inner_text() == "Not found"
    assert "NotFound" not in page.content()
    # The browser logs the 404 document itself, once; nothing else failed.
    logged = [e for e in page.probe.console_errors if "status of 404" in e]
    assert len(logged) == 1, page.probe.console_errors
    page.probe.console_errors.remove(logged[0])
    page.get_by_role("link", name=re.compile(r"^ketamine$", re.I)).first.click()
    page.wait_for_url(re.compile(r"/entity/ketamine$"))
    assert page.locator("h1").inner_text().lower() == "ketamine"
