"""What the SPARQL editor of issue 18 needs from the server, over real HTTP
(waitress) on the embedded store: syntax errors in plain words with their
line and column, no downloads for a failed query, the ontology's terms for
autocomplete, and a cancel request that stops the caller's own query only,
rate-limited, with the worker really killed."""
from __future__ import annotations

import json
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser

import pytest


from .conftest import one_worker_editor

CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
UNDECLARED = "SELECT ?d WHERE {\n  ?d a hkg:Drug .\n}"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with one_worker_editor(tmp_path_factory.mktemp("editor-api")) as server:
        yield server


def _post(url: str, data: dict, headers: dict | None = None, timeout: float = 40):
    request = urllib.request.Request(url, data=urllib.parse.urlencode(data).encode(),
                                     method="POST", headers={
                                         "Content-Type": "application/x-www-form-urlencoded",
                                         **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read().decode()


def _page_id(site) -> str:
    with urllib.request.urlopen(urllib.request.Request(
            site.url + "/sparql", headers={"Accept": "text/html"}), timeout=20) as response:
        page = response.read().decode()
    return re.search(r'data-query-id="([^"]+)"', page)[1]


def test_syntax_error_is_a_sentence_with_its_place(site):
    """An undeclared prefix answers 400 with one plain sentence naming the
    line and column of the prefixed name and the fix, its place in
    X-Error-Line / X-Error-Column, and the parser's own text only after it."""
    status, headers, body = _post(site.url + "/sparql", {"query": UNDECLARED})
    assert status == 400
    first, _, rest = body.partition("\n")
    assert first == ("400 SPARQL syntax error at line 2, column 8: the prefix hkg: is not "
                     "declared; add PREFIX hkg: <https://w3id.org/health-kg/ontology#> at the top")
    assert (headers["X-Error-Line"], headers["X-Error-Column"]) == ("2", "8")
    assert "expected one of" not in first and "expected one of" in rest
    assert "X-Error-Line" in headers["Access-Control-Expose-Headers"]


class _Page(HTMLParser):
    """The editor page's error box, details and download links."""

    def __init__(self):
        super().__init__()
        self.attrs: dict[str, dict] = {}
        self.downloads: list[str] = []
        self._in = None
        self.text: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.attrs[attrs["id"]] = attrs
            self._in = attrs["id"]
        if tag == "a" and "data-format" in attrs:
            self.downloads.append(attrs["data-format"])

    def handle_data(self, data):
        if self._in:
            self.text[self._in] = self.text.get(self._in, "") + data


def test_failed_query_page_offers_no_downloads_and_marks_the_place(site):
    """The editor page of a malformed query (no JavaScript needed) shows
    the sentence, keeps the parser's text in a details element, gives the
    place to the script, and offers no download link; a good query does."""
    url = site.url + "/sparql?" + urllib.parse.urlencode({"query": UNDECLARED})
    request = urllib.request.Request(url, headers={"Accept": "text/html"})
    with pytest.raises(urllib.error.HTTPError) as failed:
        urllib.request.urlopen(request, timeout=20)
    page = _Page()
    page.feed(failed.value.read().decode())
    assert failed.value.code == 400
    assert "the prefix hkg: is not declared" in page.text["error-message"]
    assert "expected one of" not in page.text["error-message"]
    assert "expected one of" in page.text["error-raw"]
    assert "hidden" not in page.attrs["error-details"]
    assert (page.attrs["error"]["data-line"], page.attrs["error"]["data-column"]) == ("2", "8")
    assert page.downloads == [] and "hidden" in page.attrs["downloads"]
    good = urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"})
    with urllib.request.urlopen(urllib.request.Request(
            site.url + "/sparql?" + good, headers={"Accept": "text/html"}), timeout=20) as ok:
        answered = _Page()
        answered.feed(ok.read().decode())
    assert answered.downloads == ["json", "xml", "csv", "tsv"]


def test_editor_page_carries_the_ontology_terms(site):
    """Autocomplete's terms come from the packaged ontology: the classes
    and predicates of kg.ttl with the domain table's reader words."""
    with urllib.request.urlopen(urllib.request.Request(
            site.url + "/sparql", headers={"Accept": "text/html"}), timeout=20) as response:
        page = _Page()
        page.feed(response.read().decode())
    terms = {t["name"]: t for t in json.loads(page.attrs["sparql"]["data-completions"])}
    from ingest.domain import PREDICATES, TYPES

    for name, words in TYPES.items():
        assert terms[f"hkg:{name}"]["kind"] == "class"
        assert terms[f"hkg:{name}"]["label"] == words.label
    for name, words in PREDICATES.items():
        assert terms[f"hkg:{name}"]["kind"] == "predicate"
        assert terms[f"hkg:{name}"]["label"] == words.label
    assert terms["hkg:Claim"]["kind"] == "class" and terms["rdfs:label"]["kind"] == "predicate"


def _run_long(site, query_id: str | None, box: dict) -> threading.Thread:
    def go():
        began = time.monotonic()
        box["answer"] = _post(site.url + "/sparql", {"query": CARTESIAN},
                              {"X-Query-Id": query_id} if query_id else {})
        box["took"] = time.monotonic() - began

    thread = threading.Thread(target=go)
    thread.start()
    return thread


def _pool(site):
    return site.service.runner._engine()._started()


def test_cancel_stops_the_callers_query_and_frees_the_worker(site):
    """Cancelling with the page's id kills the worker running the query:
    the query answers 409 at once, the process is gone, and a short query
    runs on the one-worker pool within seconds (without the cancel it
    would wait for the 30 s limit)."""
    query_id = _page_id(site)
    pool = _pool(site)
    deadline = time.monotonic() + 20
    while not pool._idle and time.monotonic() < deadline:
        time.sleep(0.05)
    worker = pool._idle[0]
    box: dict = {}
    thread = _run_long(site, query_id, box)
    time.sleep(1.5)  # past the long-query threshold: the query holds its slot
    assert "answer" not in box and worker.process.poll() is None
    cancelled_at = time.monotonic()
    status, _, body = _post(site.url + "/sparql/cancel", {"id": query_id})
    assert status == 200, body
    thread.join(10)
    assert box["answer"][0] == 409 and "cancelled" in box["answer"][2]
    assert time.monotonic() - cancelled_at < 3
    worker.process.wait(timeout=3)  # the worker that ran it was killed
    began = time.monotonic()
    status, _, body = _post(site.url + "/sparql", {"query": "ASK { ?s ?p ?o }"},
                            {"Accept": "application/sparql-results+json"})
    assert status == 200 and json.loads(body)["boolean"] is True
    assert time.monotonic() - began < 5


def test_cancel_needs_the_query_id_and_the_same_client(site):
    """Another id, a forged id, or the right id from another client address
    cancel nothing: the query runs on until its own end."""
    query_id = _page_id(site)
    box: dict = {}
    thread = _run_long(site, query_id, box)
    try:
        time.sleep(0.5)
        nonce = query_id.split(".")[0]
        forged = nonce + "." + "A" * 24
        for other in (_page_id(site), forged, "", "x" * 49):
            status, _, _ = _post(site.url + "/sparql/cancel", {"id": other})
            assert status == 404
        assert site.service.cancel(query_id, "203.0.113.9") is False  # another address
        time.sleep(0.3)
        assert "answer" not in box
    finally:
        assert site.service.cancel(query_id, "127.0.0.1") is True
        thread.join(10)
    assert box["answer"][0] == 409


def test_cancel_is_rate_limited(site):
    """Cancel requests draw on a per-client budget: a flood gets 429 with
    Retry-After (a budget of its own here, so other tests keep theirs)."""
    from webapp.ratelimit import ClientBudget

    kept = site.service.cancels
    site.service.cancels = ClientBudget(seconds=3.0, per=60.0, concurrent=2, min_cost=0.1)
    statuses = []
    try:
        for _ in range(40):
            status, headers, _ = _post(site.url + "/sparql/cancel", {"id": "nothing"})
            statuses.append(status)
            if status == 429:
                assert int(headers["Retry-After"]) >= 1
                break
    finally:
        site.service.cancels = kept
    assert statuses[0] == 404 and statuses[-1] == 429 and len(statuses) > 20


def test_home_says_its_counts_are_of_entities_mentioned_in_articles(site):
    """The home page's type counts say what they count, and the example
    query gives both drug numbers, which differ on the seed."""
    with urllib.request.urlopen(site.url + "/", timeout=20) as response:
        home = _Page()
        home.feed(response.read().decode())
    assert "mentioned in articles" in home.text["counts-note"]
    from kg.sparql import examples

    example = next(e for e in examples() if e.name == "drugs-known-and-mentioned")
    status, _, body = _post(site.url + "/sparql", {"query": example.text},
                            {"Accept": "application/sparql-results+json"})
    row = json.loads(body)["results"]["bindings"][0]
    known, mentioned = int(row["known"]["value"]), int(row["mentionedInArticles"]["value"])
    assert status == 200 and 0 < mentioned < known
