"""Web hostility: script in articles is only ever text,
paths never escape, every answer carries the security headers, errors show
no internals, and nothing changes state without the admin token.

The hostile article goes in through the real `kg ingest` command (the
extractor mints entities from its list items, so entity names carry the
payloads too); the pages are the real app's, parsed with lxml.  What
`tests/webapp` already covers (the hand-built hostile claim, SPARQL
protocol refusals) is not repeated here.
"""
from __future__ import annotations

import http.client
import io
import json
import re
import urllib.parse
import zipfile
from pathlib import Path

import lxml.etree
import lxml.html
import pytest
from click.testing import CliRunner

from kg import KnowledgeGraph, Settings
from kg.admin import create_token
from kg.cli import main as kg_cli
from webapp import create_app

from ..conftest import seed_article
from ..webapp.conftest import LiveServer

#: The XSS corpus: each must reach a reader only as text.
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
SVG = '"><svg onload=alert(1)>'
JINJA = "{{7*7}}"
JINJA_RAW = "{% raw %}{{ config }}{% endraw %}"
TITLE = f"{SCRIPT} {SVG} {JINJA} {JINJA_RAW} Title"
HOSTILE_TXT = f"""{TITLE}

Ketamine can cause {IMG} rash. Ketamine may cause {JINJA} headache.

Zorblaxin is an antidepressant medicine. Zorblaxin can cause nausea.

Ketamine can cause the following side effects:

- {SVG}
- {IMG}
- {SCRIPT} spots
- {JINJA_RAW} tingling

See [the site](javascript:alert(1)) for more.
"""
HOSTILE_MD = f"""---
title: {SCRIPT} {IMG} markdown
---
# Markdown {SVG}

Ketamine can cause dizziness. See [the site](javascript:alert(1)) and
[other](JaVaScRiPt:alert(2)) and <a href="javascript:alert(3)">raw</a> {JINJA}.
"""
#: Entities the extractor mints from the hostile list items (checked below,
#: so a change in the extractor that stops minting them fails loudly).
MINTED = {"img-src-x-onerror-alert": "<img src=x onerror=alert",
          "svg-onload-alert": '"><svg onload=alert',
          "script-alert": "<script>alert"}
#: Raw fragments that must never appear in any body we serve (an `onerror=`
#: attribute is looked for in the parsed tree: as escaped text it is fine).
RAW = ("<script>alert", "<img src=x", "<svg onload", 'href="javascript:', "href='javascript:")
TOKEN = "test-admin-token-0123456789"


class Site:
    def __init__(self, app, graph, data: Path, claim: str):
        self.app, self.graph, self.data, self.claim = app, graph, data, claim
        self.client = app.test_client()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The seed and both hostile articles, ingested by `kg ingest`, served
    by the real app on the embedded store."""
    seed = seed_article()
    folder = tmp_path_factory.mktemp("hostile")
    articles = folder / "articles"
    articles.mkdir()
    (articles / "hostile.txt").write_text(HOSTILE_TXT, encoding="utf-8")
    (articles / "hostile-md.md").write_text(HOSTILE_MD, encoding="utf-8")
    (articles / seed.name).write_bytes(seed.read_bytes())
    data = folder / "data"
    result = CliRunner().invoke(kg_cli, ["--data-dir", str(data), "ingest", str(articles)])
    assert result.exit_code == 0, result.output
    assert "3 added" in result.output and "0 failed" in result.output
    create_token(data)
    settings = Settings(data_dir=str(data), query_timeout=5)
    graph = KnowledgeGraph.open(settings, write=True)
    app = create_app(settings, graph=graph)
    app.config["KG_ADMIN_TOKEN"] = TOKEN
    claims = app.test_client().get("/api/claims", query_string={"article": "hostile"}).json
    rows = claims["claims"] if isinstance(claims, dict) else claims
    claim = next(r["claim"] for r in rows if IMG in r["evidence"]).rsplit("/", 1)[-1]
    yield Site(app, graph, data, claim)
    app.extensions["kg_sparql"].runner.close()
    graph.close()


def test_the_extractor_minted_the_hostile_entities(site):
    """The corpus reaches entity names, not just text: the entities the
    pages below render really carry the payloads."""
    for key, label in MINTED.items():
        response = site.client.get(f"/api/entity/{key}")
        assert response.status_code == 200, key
        assert response.json["entity"]["label"] == label


# ------------------------------------------------------------------ escaping

def _pages(site) -> dict[str, str]:
    """Every HTML route, with arguments that make it show hostile data."""
    sparql = ("PREFIX dcterms: <http://purl.org/dc/terms/>\n"
              "SELECT ?title WHERE { ?a dcterms:title ?title } ORDER BY ?title")
    ket = "ketamine"
    return {
        "home": "/",
        "search-title": "/search?q=alert",
        "search-snippet": "/search?q=rash",
        "search-entity": "/search?q=onerror",
        "entity-drug": f"/entity/{ket}",
        **{f"entity-{key}": f"/entity/{key}" for key in MINTED},
        "relation": f"/relation/{ket}/hasAdverseEffect/img-src-x-onerror-alert",
        "relation-svg": f"/relation/{ket}/hasAdverseEffect/svg-onload-alert",
        "article": "/article/hostile",
        "article-md": "/article/hostile-md",
        "articles": "/articles",
        "claim": f"/claim/{site.claim}",
        "graph": f"/graph?entity={ket}&depth=1",
        "graph-hostile": "/graph?entity=script-alert&depth=2",
        "path": "/path?from=zorblaxin&to=img-src-x-onerror-alert",
        "types": "/types/",
        "type-index": "/types/AdverseEffect?unmapped=1",
        "export-form": f"/export?entity={ket}&depth=1",
        "sparql-editor": "/sparql?" + urllib.parse.urlencode({"query": sparql}),
    }


PAGES = ["home", "search-title", "search-snippet", "search-entity", "entity-drug",
         *(f"entity-{k}" for k in MINTED), "relation", "relation-svg", "article", "article-md",
         "articles", "claim", "graph", "graph-hostile", "path", "types", "type-index",
         "export-form", "sparql-editor"]
#: Pages that show the hostile article's full title: `{{7*7}}` and the
#: `{% raw %}` block must be there verbatim (not evaluated, not swallowed).
SHOWS_TITLE = {"home", "article", "articles", "sparql-editor"}


def _assert_no_raw(body: str, where: str) -> None:
    for raw in RAW:
        assert raw.lower() not in body.lower(), (where, raw)
    assert "&lt;Config" not in body and "<Config" not in body, where  # {{ config }} evaluated


def _assert_tree_clean(root, where: str) -> None:
    """No element or attribute came from the payload: no event handler
    attributes at all (the CSP forbids inline script anyway), no script but
    our own static files, no svg/img from the text, no javascript: URL."""
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        tag = lxml.etree.QName(element).localname.lower()
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), (where, tag, name, value)
            if name.lower() in ("href", "src", "action", "formaction", "xlink:href") or \
                    name.endswith("}href"):
                scheme = re.sub(r"[\s\x00-\x1f]", "", value).lower()
                assert not scheme.startswith(("javascript:", "vbscript:", "data:text/html")), \
                    (where, tag, name, value)
        if tag == "script":
            assert element.get("src", "").startswith("/static/"), (where, element.attrib)
            assert not (element.text or "").strip(), (where, "inline script")
        if tag == "img":
            assert element.get("src") != "x", where
        if tag == "svg":
            assert element.get("onload") is None, where


@pytest.mark.parametrize("name", PAGES)
def test_every_page_shows_the_corpus_only_as_text(site, name):
    """Each HTML page that shows the hostile article, its sentences or the
    minted entities: raw payload absent, the same text present as escaped
    text (so the test is not passing on a page that dropped it), `{{7*7}}`
    not evaluated to 49, and no element or attribute from the payload."""
    url = _pages(site)[name]
    response = site.client.get(url, headers={"Accept": "text/html"})
    assert response.status_code == 200, (url, response.status_code)
    assert response.mimetype == "text/html"
    body = response.get_data(as_text=True)
    _assert_no_raw(body, url)
    root = lxml.html.fromstring(body)
    _assert_tree_clean(root, url)
    text = root.text_content()
    # The payload is on the page, as text: the escaped form is present.
    assert name == "types" or any(p in text for p in (SCRIPT, IMG, SVG, "<img src=x onerror=alert",
                                                      "<script>alert", '"><svg onload=alert')), url
    if name in SHOWS_TITLE:
        assert JINJA in text and JINJA_RAW in text, url


def test_jinja_in_titles_is_never_evaluated(site):
    """`{{7*7}}` and `{% raw %}` in a title reach the article page exactly
    as written: no 49, no template tags swallowed."""
    root = lxml.html.fromstring(site.client.get("/article/hostile").get_data(as_text=True))
    heading = " ".join(root.xpath("//h1")[0].text_content().split())
    assert JINJA in heading and JINJA_RAW in heading and "49" not in heading


def test_markdown_javascript_links_are_not_links(site):
    """`[x](javascript:...)`, its mixed-case form and a raw `<a href=
    "javascript:">` in Markdown never become a link on the article page."""
    body = site.client.get("/article/hostile-md").get_data(as_text=True)
    root = lxml.html.fromstring(body)
    hrefs = [a.get("href", "") for a in root.iter("a")]
    assert hrefs and not [h for h in hrefs if "javascript" in h.lower()]
    assert "the site" in root.text_content()


def test_svg_export_and_preview_hold_the_names_as_text(site):
    """The SVG download and the export page's preview draw the minted
    entities' names as text nodes: no script, handler or foreign object."""
    for url in ("/export/preview.svg?entity=ketamine&depth=1",
                "/export?entity=ketamine&depth=1&format=svg"):
        response = site.client.get(url)
        assert response.status_code == 200, url
        body = response.get_data(as_text=True)
        _assert_no_raw(body, url)
        root = lxml.etree.fromstring(response.get_data())
        _assert_tree_clean(root, url)
        tags = {lxml.etree.QName(e).localname for e in root.iter() if isinstance(e.tag, str)}
        assert not tags & {"script", "foreignObject", "iframe", "img", "image"}, (url, tags)
        texts = " ".join(t for t in root.itertext())
        assert "<img src=x onerror=alert" in texts, url


def test_teaching_pack_handout_escapes_the_corpus(site):
    """The teaching pack's printable handout (a file opened from disk, so
    no CSP protects it) has the article title and quotes as text only."""
    response = site.client.get("/export?entity=ketamine&depth=1&format=pack")
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as pack:
        names = [n for n in pack.namelist() if n.endswith("-handout.html")]
        assert len(names) == 1, pack.namelist()
        body = pack.read(names[0]).decode("utf-8")
        svgs = [pack.read(n) for n in pack.namelist() if n.endswith(".svg")]
    _assert_no_raw(body, "handout")
    root = lxml.html.fromstring(body)
    _assert_tree_clean(root, "handout")
    assert not root.xpath("//script")
    text = root.text_content()
    assert IMG in text and "<img src=x onerror=alert" in text
    for svg in svgs:
        _assert_tree_clean(lxml.etree.fromstring(svg), "pack svg")


def test_json_and_rdf_views_keep_the_corpus_as_data(site):
    """The machine views carry the same strings as data, never HTML: JSON
    is application/json (nosniff stops a browser from reading it as a
    page), Turtle text/turtle."""
    response = site.client.get("/api/article/hostile")
    assert response.mimetype == "application/json"
    assert SCRIPT in json.dumps(response.json, ensure_ascii=False)
    response = site.client.get("/article/hostile?format=ttl")
    assert response.mimetype == "text/turtle"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


# ------------------------------------------------------------------ paths

#: Canary text written beside and above the data folder; no answer may hold it.
CANARY = "CANARY-9f1c2e-file-contents"
TRAVERSALS = ["../../../../etc/passwd", "..%2f..%2f..%2f..%2fetc%2fpasswd",
              "%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd", "%2e%2e/%2e%2e/canary.txt",
              "%2Fetc%2Fpasswd", "/etc/passwd", "..%5c..%5ccanary.txt", "....//....//etc/passwd",
              "%252e%252e%252fetc%252fpasswd", "canary.txt%00.html", "%00", "x%00../../etc/passwd",
              "..", "%2e%2e", "data/admin-token", "..%2fdata%2fadmin-token"]
ROUTES = ["/entity/{}", "/api/entity/{}", "/article/{}", "/api/article/{}", "/claim/{}",
          "/api/claim/{}", "/types/{}", "/relation/ketamine/hasAdverseEffect/{}",
          "/relation/{}/hasAdverseEffect/rash", "/static/{}", "/static/vendor/{}",
          "/graph?entity={}", "/path?from={}&to=rash", "/export?entity={}",
          "/export?article={}", "/export/preview.svg?article={}", "/api/graph?entity={}",
          "/api/export?article={}&format=ttl", "/search?q={}", "/api/search?q={}"]


def _raw_get(url: str, path: str) -> tuple[int, bytes, str | None]:
    """One GET with the path exactly as given (no client normalisation)."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.putrequest("GET", path, skip_accept_encoding=True)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read(), response.getheader("Location")
    finally:
        connection.close()


@pytest.fixture(scope="module")
def live(site):
    server = LiveServer(site.app)
    yield server
    server.close()


def test_path_traversal_never_reaches_a_file(site, live):
    """`../`, encoded and double-encoded dots, backslashes, absolute paths
    and NUL in every route that takes a name, id or path, sent raw over
    HTTP: a 4xx (or, for search boxes that take any text, a 200 page about
    that text), never a 5xx and never a file's contents."""
    (site.data.parent / "canary.txt").write_text(CANARY)
    (site.data / "canary.txt").write_text(CANARY)
    secret = (site.data / "admin-token").read_text().strip()
    passwd = Path("/etc/passwd").read_text().splitlines()[0] if Path("/etc/passwd").exists() \
        else "root:x:0:0"
    seen = {}
    for route in ROUTES:
        for attack in TRAVERSALS:
            path = route.format(attack)
            status, body, location = _raw_get(live.url, path)
            if status in (301, 308):  # waitress decodes %2F, Werkzeug merges "//"
                assert location and location.startswith(live.url + "/"), (path, location)
                status, body, _ = _raw_get(live.url, location[len(live.url):])
            seen[path] = status
            assert status < 500, (path, status, body[:300])
            for leak in (CANARY, secret, passwd, "[metadata]", "def create_app"):
                assert leak.encode() not in body, (path, leak)
            if "?" not in route:
                assert status in (400, 404), (path, status)
    assert len(seen) == len(ROUTES) * len(TRAVERSALS)


def test_static_files_serve_only_the_static_folder(site, live):
    """A control: a real static file is served, so the 404s above are the
    refusal, not a broken route."""
    status, body, _ = _raw_get(live.url, "/static/" + _a_static_file())
    assert status == 200 and body
    for path in ("/static/../__init__.py", "/static/%2e%2e/__init__.py",
                 "/static/..%2f__init__.py", "/static/%2e%2e%2f%2e%2e%2fsetup.cfg"):
        status, body, _ = _raw_get(live.url, path)
        assert status in (400, 404), path
        assert b"create_app" not in body and b"[metadata]" not in body


def _a_static_file() -> str:
    import webapp

    static = Path(webapp.__file__).parent / "static"
    return next(p for p in sorted(static.rglob("*.css"))).relative_to(static).as_posix()


def test_upload_names_and_delete_ids_never_leave_the_data_folder(site, tmp_path):
    """With the token: an upload named `../../x.txt` or `/etc/x.txt` gets
    its article id from the last name only and writes nothing outside the
    data folder; DELETE of a traversal id is a 4xx that removes nothing."""
    headers = {"Authorization": f"Bearer {TOKEN}"}
    before = {p for p in site.data.parent.rglob("*")}
    for name in ("../../escape.txt", "/tmp/escape.txt", "..\\..\\escape.txt"):
        response = site.client.post("/api/articles", headers=headers, data={
            "file": (io.BytesIO(b"Escape\n\nKetamine can cause nausea.\n"), name)})
        assert response.status_code < 500, (name, response.status_code)
        if response.status_code < 300:
            article = response.json.get("article") or response.json.get("id")
            assert article and "/" not in article and ".." not in article, response.json
            assert site.client.delete(f"/api/articles/{article}", headers=headers) \
                .status_code < 300
    after = {p for p in site.data.parent.rglob("*")}
    outside = {p for p in after - before if site.data not in p.parents}
    assert outside == set() and not Path("/tmp/escape.txt").exists()
    articles = site.client.get("/api/articles").json
    quads = site.graph.store.dump_nquads()
    for attack in ("..%2f..%2fetc%2fpasswd", "%2e%2e", "..%2fhostile", "hostile%00"):
        response = site.client.delete(f"/api/articles/{attack}", headers=headers)
        assert response.status_code in (400, 404), (attack, response.status_code)
    assert site.client.get("/api/articles").json == articles
    assert site.graph.store.dump_nquads() == quads


# ------------------------------------------------------------------ CLI paths

def test_cli_ingest_names_what_it_refuses(tmp_path):
    """`kg ingest` of a path outside any article folder is the local user's
    own choice (the CLI runs with their rights; the server's upload is the
    trust boundary): a supported file is read like any other, an
    unsupported one (`/etc/passwd`) or a missing `../` path is refused in
    one line naming it, exit 1, with nothing stored."""
    data = tmp_path / "data"
    runner = CliRunner()
    for path in ("/etc/passwd", str(tmp_path / "no" / ".." / ".." / "missing.txt")):
        result = runner.invoke(kg_cli, ["--data-dir", str(data), "ingest", path])
        assert result.exit_code == 1, (path, result.output)
        assert "Traceback" not in result.output
        lines = [line for line in result.output.splitlines() if path in line]
        assert lines, (path, result.output)
    result = runner.invoke(kg_cli, ["--data-dir", str(data), "articles"])
    assert result.exit_code == 0 and result.output.strip() == ""


def test_cli_export_to_a_path_it_cannot_write_is_one_line(tmp_path, seed_copy):
    """`kg export -o` into a folder, into /proc or through a file used as a
    folder: exit 1 with one `cannot write` line, no traceback, no
    `.partial` left behind; a missing parent folder is created (what the
    user asked for); `-o -` writes to stdout."""
    data = tmp_path / "data"
    runner = CliRunner()
    assert runner.invoke(kg_cli, ["--data-dir", str(data), "ingest", str(seed_copy)]) \
        .exit_code == 0
    base = ["--data-dir", str(data), "export", "--entity", "ketamine", "--format", "svg", "-q"]
    folder = tmp_path / "out"
    folder.mkdir()
    blocker = tmp_path / "file"
    blocker.write_text("x")
    for target in (folder, Path("/proc/version"), blocker / "x.svg"):
        result = runner.invoke(kg_cli, base + ["-o", str(target)])
        assert result.exit_code == 1, (target, result.output)
        # A ClickException exits 1 through SystemExit; anything else is a crash.
        assert isinstance(result.exception, SystemExit), (target, result.exception)
        assert "Traceback" not in result.output
        assert f"cannot write {target}" in result.output, result.output
    assert not list(tmp_path.rglob(".*.partial")) and not list(folder.iterdir())
    nested = tmp_path / "a" / "b" / "k.svg"
    result = runner.invoke(kg_cli, base + ["-o", str(nested)])
    assert result.exit_code == 0 and nested.read_bytes().startswith(b"<")
    result = runner.invoke(kg_cli, base + ["-o", "-"])
    assert result.exit_code == 0 and "<svg" in result.output


# ------------------------------------------------------------------ headers and errors

def _sample_path(rule, site) -> str:
    values = {"key": "ketamine", "subject": "ketamine", "predicate": "hasAdverseEffect",
              "obj": "rash", "claim_id": site.claim, "article_id": "hostile",
              "type_name": "Drug", "filename": _a_static_file(),
              "record_id": "0123456789abcdef0123", "name": "alice"}
    return rule.build(values, append_unknown=False)[1] if rule.arguments else rule.rule


def _csp(headers) -> dict[str, str]:
    policy = headers.get("Content-Security-Policy", "")
    return {part.split()[0]: part for part in (p.strip() for p in policy.split(";")) if part}


def _assert_security_headers(response, where: str) -> None:
    headers = response.headers
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    csp = _csp(headers)
    script = csp.get("script-src") or csp.get("default-src")
    assert script and "'unsafe-inline'" not in script and "'unsafe-eval'" not in script, \
        (where, script)
    assert csp.get("frame-ancestors") in ("frame-ancestors 'none'", "frame-ancestors 'self'"), \
        (where, csp)


def test_security_headers_on_every_route(site):
    """Every rule of `app.url_map` (a sample URL each, by every method it
    takes), a 404 and a 405 carry nosniff, a CSP whose script-src allows no
    inline or eval'd script, and frame-ancestors 'none' or 'self'."""
    checked = []
    for rule in site.app.url_map.iter_rules():
        path = _sample_path(rule, site)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = site.client.open(path, method=method)
            _assert_security_headers(response, f"{method} {path} {response.status_code}")
            response.close()
            checked.append((method, path))
    for path, method in (("/no-such-page", "GET"), ("/entity/no-such", "GET"),
                         ("/", "DELETE")):
        response = site.client.open(path, method=method)
        assert response.status_code in (404, 405)
        _assert_security_headers(response, path)
    assert len(checked) >= len(list(site.app.url_map.iter_rules()))


def test_debug_is_off(site, tmp_path):
    """The app is built with debug and testing off, the way `kg serve`
    builds it; the Werkzeug debugger console is not served."""
    app = create_app(Settings(data_dir=str(tmp_path / "d")))
    try:
        assert app.debug is False and app.testing is False
        assert not app.config["PROPAGATE_EXCEPTIONS"]
        response = app.test_client().get("/console")
        assert response.status_code == 404 and b"Werkzeug" not in response.data
    finally:
        app.extensions["kg_sparql"].runner.close()
        app.extensions["kg"].close()


def test_a_forced_500_is_a_generic_page_without_traceback(tmp_path):
    """An unexpected exception in a view answers 500 with the generic page
    (or JSON under /api/): no traceback, no exception text, no file path,
    and the security headers still set."""
    app = create_app(Settings(data_dir=str(tmp_path / "d")))
    secret = "secret-detail-7c1d"

    @app.get("/boom")
    def boom():
        raise RuntimeError(f"{secret} in {__file__}")

    @app.get("/api/boom")
    def api_boom():
        raise KeyError(secret)

    try:
        client = app.test_client()
        for path, kind in (("/boom", "text/html"), ("/api/boom", "application/json")):
            response = client.get(path, headers={"Accept": "text/html"})
            assert response.status_code == 500 and response.mimetype == kind
            body = response.get_data(as_text=True)
            for leak in ("Traceback", secret, "RuntimeError", "KeyError", ".py", "File \""):
                assert leak not in body, (path, leak)
            _assert_security_headers(response, path)
    finally:
        app.extensions["kg_sparql"].runner.close()
        app.extensions["kg"].close()


# ------------------------------------------------------------------ tokens

#: POST routes that change nothing in the store (they read: a SPARQL query
#: or an export by form; or stop the caller's own running query, named by
#: an unguessable id the server issued to its page, from its own address);
#: each is checked below to leave the store as it was.
READ_ONLY_POSTS = {"sparql.endpoint", "export.api", "sparql.cancel"}
#: The HTML forms (issue 19: sign-in, flags, curator actions): refused
#: without the form's CSRF token (400) whatever the headers say; their
#: token and curator checks are tests/webapp/test_curate_pages.py's.
FORM_POSTS = {"curate.sign_in", "curate.sign_out", "curate.flag", "curate.review",
              "curate.undo", "curate.reground"}
#: Anonymous by design (issue 19: a reader's flag, rate-limited, never a
#: decision): the intruder's body, which names no reason, is refused (400).
ANONYMOUS_POSTS = {"curation_api.flag"}
WRITE = {"POST", "PUT", "PATCH", "DELETE"}


def test_every_state_changing_route_needs_the_token(site):
    """Every rule taking POST/PUT/PATCH/DELETE: without a token, with a
    wrong one, with another scheme, and with the token in the query string
    or a method-override header, it refuses (401/403) and the store is
    unchanged; the read-only POSTs change nothing either.  A control with
    the right token succeeds, so the refusal is the token's doing."""
    quads = site.graph.store.dump_nquads()
    body = {"id": "intruder", "text": "Intruder\n\nKetamine can cause nausea."}
    writes = []
    for rule in site.app.url_map.iter_rules():
        methods = rule.methods & WRITE
        if not methods:
            continue
        path = _sample_path(rule, site)
        for method in sorted(methods):
            if rule.endpoint in FORM_POSTS:
                for headers in ({}, {"Authorization": f"Bearer {TOKEN}"}):
                    response = site.client.open(path, method=method, headers=headers, data={
                        "token": TOKEN, "reason": "wrong", "verdict": "rejected"})
                    assert response.status_code == 400, (method, path, response.status_code)
                continue
            if rule.endpoint in ANONYMOUS_POSTS:
                response = site.client.open(path, method=method, json=body)
                assert response.status_code == 400, (method, path, response.status_code)
                continue
            if rule.endpoint in READ_ONLY_POSTS:
                response = site.client.open(path, method=method, data={
                    "query": "ASK {}", "update": "DROP ALL", "entity": "ketamine",
                    "format": "ttl"})
                assert response.status_code < 500
                continue
            writes.append((method, path))
            for headers in ({}, {"Authorization": "Bearer wrong"},
                            {"Authorization": f"Basic {TOKEN}"},
                            {"Authorization": f"Bearer {TOKEN[:-1]}"},
                            {"X-Admin-Token": TOKEN}):
                response = site.client.open(path, method=method, json=body, headers=headers)
                assert response.status_code in (401, 403), (method, path, headers,
                                                            response.status_code)
            response = site.client.open(path + f"?token={TOKEN}", method=method, json=body)
            assert response.status_code in (401, 403)
    for method in ("DELETE", "PUT", "PATCH"):
        response = site.client.post("/api/articles/hostile", json=body,
                                    headers={"X-HTTP-Method-Override": method})
        assert response.status_code in (401, 403, 404, 405)
    assert site.graph.store.dump_nquads() == quads
    assert {m for m, _ in writes} >= {"POST", "DELETE"}, writes
    # Control: the token opens the same door.
    headers = {"Authorization": f"Bearer {TOKEN}"}
    added = site.client.post("/api/articles", json=body, headers=headers)
    assert added.status_code in (200, 201), added.get_data(as_text=True)
    assert site.client.delete("/api/articles/intruder", headers=headers).status_code < 300
    assert site.graph.store.dump_nquads() == quads
