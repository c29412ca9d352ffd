"""The SPARQL editor of issue 18 in Debian's Chromium (Playwright): a syntax
error marked at its line and column with a plain message and no downloads,
autocomplete of the ontology's classes and predicates, a cancel button that
frees the server's worker, a history kept across reloads and clearable,
and a results table that sorts by a column and pages.  The `page` fixture
fails a test on a console error or a request to another host."""
from __future__ import annotations

import random
import time
import urllib.parse

import pytest
from playwright.sync_api import expect


CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@pytest.fixture(scope="module")
def editor(tmp_path_factory):
    from .conftest import one_worker_editor

    with one_worker_editor(tmp_path_factory.mktemp("editor18")) as server:
        yield server


def _set(page, text: str) -> None:
    page.evaluate("t => document.querySelector('.CodeMirror').CodeMirror.setValue(t)", text)


def _value(page) -> str:
    return page.evaluate("document.querySelector('.CodeMirror').CodeMirror.getValue()")


def _expected_console(page, status: int) -> None:
    """Chromium logs every failed fetch as a console error; drop the one the
    test caused on purpose (exactly one)."""
    logged = [e for e in page.probe.console_errors if f"status of {status}" in e]
    assert len(logged) == 1, page.probe.console_errors
    page.probe.console_errors.remove(logged[0])


def test_syntax_error_is_marked_at_its_line_and_column(editor, page):
    """After a query that answered (downloads offered), a query with an
    undeclared prefix on line 42 shows one plain sentence naming line and
    column, the parser's text only behind a closed "Details", no download
    link, and the editor marks that word, scrolled into view."""
    page.goto(editor.url + "/sparql")
    _set(page, "ASK { ?s ?p ?o }")
    page.locator("#run").click()
    expect(page.locator("#downloads a")).to_have_count(4)
    query = "SELECT ?d WHERE {\n" + "# filler\n" * 40 + "  ?d a  zzz:Drug .\n}\n"
    _set(page, query)
    page.evaluate("window.scrollTo(0, 0)")
    page.locator("#run").click()
    message = page.locator("#error-message")
    expect(message).to_be_visible()
    marked = page.locator(".CodeMirror .cm-error-mark")
    box = marked.bounding_box()  # scrolled into view (before any click scrolls)
    assert box and 0 <= box["y"] <= page.viewport_size["height"] - box["height"]
    assert page.locator(".cm-error-widget").inner_text().startswith(
        "SPARQL syntax error at line 42, column 9")
    assert message.inner_text() == ("400 SPARQL syntax error at line 42, column 9: the prefix "
                                    "zzz: is not declared; declare it with PREFIX zzz: <...> "
                                    "at the top")
    details = page.locator("#error-details")
    assert details.is_visible() and details.get_attribute("open") is None
    assert not page.locator("#error-raw").is_visible()
    details.locator("summary").click()
    expect(page.locator("#error-raw")).to_contain_text("error at 42:")
    assert page.locator("#downloads").is_hidden() and page.locator("#downloads a").count() == 0
    marks = page.evaluate("""Array.from(document.querySelector('.CodeMirror').CodeMirror
        .getAllMarks()).filter(m => m.className === 'cm-error-mark').map(m => m.find())""")
    assert marks == [{"from": {"line": 41, "ch": 8, "sticky": None},
                      "to": {"line": 41, "ch": 16, "sticky": None}}]
    assert marked.inner_text() == "zzz:Drug"
    _expected_console(page, 400)
    # Editing clears the mark.
    page.locator(".CodeMirror textarea").type(" ")
    assert page.locator(".CodeMirror .cm-error-mark").count() == 0
    assert page.locator(".cm-error-widget").count() == 0
    page.probe.screenshot("sparql-editor-syntax-error")


def test_autocomplete_offers_ontology_classes_and_predicates(editor, page):
    """Typing a prefixed name pops up the ontology's terms: `hkg:Dr` offers
    the class hkg:Drug, `hkg:trea` the predicate hkg:treats; Enter picks."""
    page.goto(editor.url + "/sparql")
    _set(page, "")
    page.locator(".CodeMirror").click()
    page.locator(".CodeMirror textarea").type("SELECT * WHERE { ?d a hkg:Dr")
    hints = page.locator(".CodeMirror-hints li")
    expect(hints.first).to_be_visible()
    offered = hints.all_inner_texts()
    assert offered and all(o.startswith("hkg:Dr") for o in offered)
    assert any(o.startswith("hkg:Drug") and "class" in o for o in offered)
    page.keyboard.press("Enter")
    assert _value(page).endswith("?d a hkg:Drug")
    page.locator(".CodeMirror textarea").type(" ; hkg:trea")
    expect(hints.first).to_be_visible()
    offered = hints.all_inner_texts()
    assert any(o.startswith("hkg:treats") and "predicate" in o for o in offered)
    page.keyboard.press("Enter")
    assert _value(page).endswith("?d a hkg:Drug ; hkg:treats")
    assert _value(page).startswith("PREFIX hkg: <https://w3id.org/health-kg/ontology#>\n")
    # Ctrl+Space on a bare word finds the class by its local name.
    page.locator(".CodeMirror textarea").type(" ?c . ?c a Condi")
    page.keyboard.press("Control+Space")
    expect(hints.first).to_be_visible()
    assert hints.first.inner_text().startswith("hkg:Condition")


def test_cancel_stops_the_query_on_the_server(editor, page):
    """Cancel during a query that would run 30 s: the page says the server
    stopped it within seconds, the worker process that ran it is gone, and
    the next query answers at once from the one-worker pool."""
    page.goto(editor.url + "/sparql")
    pool = editor.service.runner._engine()._started()
    deadline = time.monotonic() + 20
    while not pool._idle and time.monotonic() < deadline:
        time.sleep(0.05)
    worker = pool._idle[0]
    _set(page, CARTESIAN)
    page.locator("#run").click()
    cancel = page.locator("#cancel")
    expect(cancel).to_be_visible()
    time.sleep(1.5)
    assert worker.process.poll() is None  # still working
    began = time.monotonic()
    cancel.click()
    expect(page.locator("#status")).to_have_text("Cancelled: the server stopped the query.",
                                                 timeout=5000)
    assert time.monotonic() - began < 5
    worker.process.wait(timeout=3)
    _expected_console(page, 409)
    assert cancel.is_hidden() and page.locator("#downloads a").count() == 0
    _set(page, "ASK { ?s ?p ?o }")
    began = time.monotonic()
    page.locator("#run").click()
    expect(page.locator("p.boolean")).to_have_text("true", timeout=5000)
    assert time.monotonic() - began < 5


def test_history_survives_a_reload_and_clears(editor, page):
    """Queries run are listed (newest first) after a reload; a click loads
    one back; "Clear history" empties the list, also after a reload."""
    page.goto(editor.url + "/sparql")
    page.evaluate("window.localStorage.clear()")
    page.reload()
    expect(page.locator("#history-list li")).to_have_text(["No queries yet."])
    for query in ("ASK { ?s a ?t }", "SELECT ?t WHERE { ?s a ?t } LIMIT 3"):
        _set(page, query)
        page.locator("#run").click()
        expect(page.locator("#status")).to_contain_text(" ms")
    page.reload()
    items = page.locator("#history-list .history-item")
    expect(items).to_have_text(["SELECT ?t WHERE { ?s a ?t } LIMIT 3", "ASK { ?s a ?t }"])
    assert "3 rows" in page.locator("#history-list li").first.inner_text()
    _set(page, "")
    items.nth(1).click()
    assert _value(page) == "ASK { ?s a ?t }"
    page.locator("#clear-history").click()
    expect(page.locator("#history-list li")).to_have_text(["No queries yet."])
    page.reload()
    expect(page.locator("#history-list li")).to_have_text(["No queries yet."])
    assert page.evaluate("window.localStorage.getItem('kg-sparql-history')") is None


def test_results_table_sorts_by_a_column_and_pages(editor, page):
    """120 rows in a shuffled order: pages of 50 with the total; a click on
    ?n sorts numerically (2 before 10), again reverses; Next shows the next
    rows in that order; the server-rendered table of a shared link pages too."""
    numbers = list(range(1, 121))
    random.Random(18).shuffle(numbers)
    query = ("SELECT ?n ?name WHERE { VALUES ?n { " + " ".join(map(str, numbers)) + " } "
             'BIND(CONCAT("item ", STR(?n)) AS ?name) }')
    page.goto(editor.url + "/sparql")
    _set(page, query)
    page.locator("#run").click()
    rows = page.locator("table.results tbody tr")
    expect(rows).to_have_count(50)
    summary = page.locator(".pager-summary")
    assert summary.inner_text() == "Rows 1–50 of 120 · page 1 of 3"
    first = "table.results tbody tr:first-child td:first-child"
    assert page.locator(first).inner_text() == str(numbers[0])
    header = page.locator("table.results th", has_text="?n").first
    header.locator("button").click()
    assert header.get_attribute("aria-sort") == "ascending"
    column = "l => l.map(td => td.innerText)"
    assert page.locator("table.results tbody td:first-child").evaluate_all(column)[:11] == \
        [str(n) for n in range(1, 12)]
    header.locator("button").click()
    assert header.get_attribute("aria-sort") == "descending"
    assert page.locator(first).inner_text() == "120"
    page.locator(".pager button", has_text="Next").click()
    assert summary.inner_text() == "Rows 51–100 of 120 · page 2 of 3"
    assert page.locator(first).inner_text() == "70"
    page.locator(".pager button", has_text="Next").click()
    expect(rows).to_have_count(20)
    assert page.locator(".pager button", has_text="Next").is_disabled()
    page.locator("table.results th", has_text="?name").locator("button").click()
    assert page.locator(first).inner_text() == "1"  # back to page 1, by ?name
    assert page.locator("table.results tbody td:nth-child(2)").evaluate_all(column)[:3] == \
        ["item 1", "item 2", "item 3"]
    page.probe.screenshot("sparql-editor-table")
    page.goto(editor.url + "/sparql?" + urllib.parse.urlencode({"query": query}))
    expect(rows).to_have_count(50)
    assert summary.inner_text() == "Rows 1–50 of 120 · page 1 of 3"
