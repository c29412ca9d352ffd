"""HTML pages through Flask's test client: content checked on the
parsed HTML, escaping checked as "raw absent, escaped present".

Data: the seed, an article contradicting it and a hostile article (see
`support.py`), ingested once per module into the embedded store; the
acceptance test also runs on the memory store and a real Oxigraph server.
"""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from ingest import domain
from kg import KnowledgeGraph, Settings, read

from webapp import create_app
from webapp.markup import Span, marked_text, safe_highlight

from .support import (HOSTILE_ENTITY, HOSTILE_ID, NMDA_SENTENCE, assert_escaped, html,
                      seed_graph, text_of)

NOTICE = "Not medical advice"


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pages")
    settings = Settings(store="embedded", data_dir=str(folder / "data"))
    with KnowledgeGraph.open(settings) as graph:
        extra = seed_graph(graph, folder)
        yield graph, extra


@pytest.fixture(scope="module")
def client(seeded):
    return create_app(seeded[0].settings, graph=seeded[0]).test_client()


def _get(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, (url, response.get_data(as_text=True)[:500])
    return response


# ------------------------------------------------------------ the acceptance

def _check_ketamine_page(client):
    page = html(_get(client, "/entity/ketamine"))
    assert NOTICE in text_of(page)
    group = page.xpath("//section[@class='predicate-group'][@data-predicate='antagonistOf']")[0]
    assert text_of(group.xpath(".//h3")[0]).startswith("Receptors it blocks")
    row = group.xpath(".//li[contains(@class, 'row')][.//h4/a[normalize-space()="
                      "'NMDA receptor']]")[0]
    hedged = row.xpath(".//section[contains(@class, 'column') and contains(@class, 'hedged')]")[0]
    quote = hedged.xpath(".//blockquote")[0]
    assert NMDA_SENTENCE in text_of(quote)
    href = quote.xpath(".//footer/a/@href")[0]
    assert re.fullmatch(r"/article/ketamine-for-anxiety#c\d+-\d+", href)
    # The link lands on that sentence: the anchor's text is the sentence.
    article = html(_get(client, href.split("#")[0]))
    anchor = article.get_element_by_id(href.split("#")[1])
    assert text_of(anchor) == " ".join(NMDA_SENTENCE.split())
    assert "hedged" in anchor.get("class")
    # Blood pressure: denied (under "decreases", in the Denied column), never an effect.
    effects = page.xpath("//section[@class='predicate-group'][@data-predicate="
                         "'hasAdverseEffect']//h4/a/text()")
    assert "blood pressure" not in effects
    denied = page.xpath("//li[contains(@class, 'row')][.//h4/a[normalize-space()="
                        "'blood pressure']]")
    assert denied, "blood pressure is missing from the ketamine page"
    seed_row = denied[0]
    negated = seed_row.xpath(".//section[contains(@class, 'negated')]//blockquote")
    assert any("Neither blood pressure" in text_of(q) for q in negated)
    return page


def test_ketamine_page_shows_hedged_nmda_and_denied_blood_pressure(client):
    """The issue's acceptance on the seed: the NMDA receptor relation quotes the
    hedged sentence, linked to the article at that sentence; blood pressure
    shows as denied, not as an effect."""
    page = _check_ketamine_page(client)
    summary = page.xpath("//li[contains(@class, 'row')][.//h4/a[normalize-space()='NMDA "
                         "receptor']]//p[@class='summary']")[0]
    assert text_of(summary) == ("Ketamine blocks NMDA receptor — 2 quotes from 1 article: "
                                "1 stated, 1 hedged")
    assert "hedged" in text_of(summary)


def test_acceptance_on_a_sparql_server(settings_sparql, tmp_path):
    """The same page from a real Oxigraph server (the memory store runs the
    same reads in tests/kg/test_views.py)."""
    settings = settings_sparql
    with KnowledgeGraph.open(settings) as graph:
        seed_graph(graph, tmp_path)
        _check_ketamine_page(create_app(settings, graph=graph).test_client())


@pytest.fixture
def settings_sparql(oxigraph_server, tmp_path):
    import urllib.request

    drop = urllib.request.Request(f"{oxigraph_server}/update", data=b"DROP ALL", method="POST",
                                  headers={"Content-Type": "application/sparql-update"})
    urllib.request.urlopen(drop, timeout=10).read()
    return Settings(store="sparql", data_dir=str(tmp_path / "data"),
                    sparql_query=f"{oxigraph_server}/query",
                    sparql_update=f"{oxigraph_server}/update")


# ----------------------------------------------------------------- the pages

def test_home_has_search_counts_entry_lists_and_recent_articles(client, seeded):
    """Home: a labelled search box wired to autocomplete, counts by type
    linking to type pages, entry lists, recent articles linking to their pages."""
    stats = read.stats(seeded[0])
    page = html(_get(client, "/"))
    box = page.xpath("//form[@role='search']//input[@name='q']")[0]
    assert page.xpath(f"//label[@for='{box.get('id')}']")
    assert box.get("data-suggest") == "/api/suggest" and box.get("role") == "combobox"
    counts = {text_of(d.getparent().find("dt")): text_of(d) for d in page.xpath("//dl/div/dd")}
    assert counts["Claims"] == str(stats.claims)
    assert counts["Drugs"] == str(stats.entities_by_type["Drug"])
    assert page.xpath("//dd/a[@href='/types/Drug']")
    assert page.xpath("//section[@aria-labelledby='entry-Drug']//a[@href='/entity/ketamine']")
    assert page.xpath("//section[@aria-labelledby='recent']//a[@href="
                      "'/article/ketamine-for-anxiety']")


def test_search_shows_three_kinds_with_facets_paging_and_highlights(client):
    """Search: entity, article and claim hits; facets with counts that link to
    filtered searches; claims with modality and article; a next page."""
    page = html(_get(client, "/search?q=ketamine"))
    assert page.xpath("//li[contains(@class,'hit')]//p[@class='snippet']/mark")
    facet = page.xpath("//aside[@class='facets']//section[@aria-label='By kind']//a")
    assert {text_of(a) for a in facet} == {"entity", "article", "claim"}
    for link in facet:
        count = int(re.search(r"\((\d+)\)", text_of(link.getparent())).group(1))
        hits = html(_get(client, link.get("href"))).xpath("//li[contains(@class, 'hit')]")
        assert hits and {h.get("class") for h in hits} == {f"hit {text_of(link)}"}
        assert len(hits) == min(count, 10)
    claim = page.xpath("//li[contains(@class,'hit claim')]")[0]
    assert claim.xpath(".//span[contains(@class,'modality')]")
    assert claim.xpath(".//p[@class='provenance']/a[starts-with(@href, '/article/')]")
    nxt = page.xpath("//nav[@class='pager']/a[@rel='next']/@href")[0]
    assert parse_qs(urlsplit(nxt).query)["page"] == ["2"]
    second = html(_get(client, nxt))
    assert "page 2 of" in text_of(second.xpath("//h2[@id='hits-title']")[0])


def test_search_filter_and_did_you_mean(client):
    """A facet filter narrows the hits and can be removed; a misspelling gets
    "did you mean"."""
    page = html(_get(client, "/search?q=ketamine&kind=entity"))
    assert {li.get("class") for li in page.xpath("//li[contains(@class,'hit')]")} == {
        "hit entity"}
    assert page.xpath("//p[@class='active-filters']/a[@class='chip']")
    page = html(_get(client, "/search?q=ketamin"))
    suggestion = page.xpath("//p[@class='did-you-mean']/a")[0]
    assert text_of(suggestion) == "ketamine"


def test_search_errors_are_400_pages(client):
    """Bad paging or an over-long query answers 400 with a page, not a
    traceback; an unknown filter value just finds nothing."""
    for url in ("/search?q=x&page=0", "/search?q=x&page=a", "/search?q=" + "x" * 300):
        body = _get(client, url, 400).get_data(as_text=True)
        assert "Traceback" not in body and NOTICE in body
    page = html(_get(client, "/search?q=ketamine&kind=nope"))
    assert text_of(page.xpath("//h2[@id='hits-title']")[0]) == "0 results"


def test_entity_page_header_ids_and_relations_both_ways(client):
    """Type, standard IDs linked to their registries, relations grouped by
    predicate in both directions, each with its plain-language line."""
    page = html(_get(client, "/entity/nmda-receptor"))
    assert text_of(page.xpath("//p[@class='kind']")[0]) == "receptor"
    incoming = page.xpath("//section[@aria-labelledby='rel-in']//li[contains(@class,'row')]")
    assert any("ketamine" in text_of(r.xpath(".//h4/a")[0]) for r in incoming)
    page = html(_get(client, "/entity/ketamine"))
    links = page.xpath("//p[@class='ids']/a/@href")
    for href in links:
        assert href.startswith(("http://purl.obolibrary.org/obo/",
                                "https://meshb.nlm.nih.gov/record/ui?ui="))
    names = page.xpath("//section[@aria-labelledby='rel-out']//section/@data-predicate")
    # In the domain table's reading order (issue 18): what it treats first.
    assert names == [p for p in domain.READING_ORDER if p in names]
    assert names[0] == "treats" and "antagonistOf" in names
    for summary in page.xpath("//p[@class='summary']"):
        assert re.search(r" — \d+ ([a-z ]+ )?quotes? from \d+ articles?", text_of(summary))


def test_entity_page_lists_the_first_mentioning_articles_and_counts_all(client, monkeypatch):
    """A hub is named by thousands of articles: the page lists the first
    MENTIONS_SHOWN by title, says how many there are and links a search."""
    from kg import views

    page = html(_get(client, "/entity/ketamine"))
    every = page.xpath("//section[@aria-labelledby='mentioned']//li/a/text()")
    assert len(every) >= 2 and every == sorted(every)
    assert not page.xpath("//section[@aria-labelledby='mentioned']//p[@class='filter-note']")
    monkeypatch.setattr(views, "MENTIONS_SHOWN", 1)
    page = html(_get(client, "/entity/ketamine"))
    assert page.xpath("//section[@aria-labelledby='mentioned']//li/a/text()") == every[:1]
    note = page.xpath("//section[@aria-labelledby='mentioned']//p[@class='filter-note']")[0]
    assert text_of(note).startswith(f"{len(every)} articles; the first 1 by title")
    query = parse_qs(urlsplit(note.xpath(".//a/@href")[0]).query)
    assert query == {"q": ["ketamine"], "kind": ["article"]}


def test_unmapped_entity_has_a_notice(client):
    page = html(_get(client, f"/entity/{HOSTILE_ENTITY}"))
    assert "Not yet mapped" in text_of(page.xpath("//p[@class='unmapped']")[0])


def test_entity_relations_page_through_one_predicate(client, seeded, monkeypatch):
    """A long group is paged: 'Next' goes to the same predicate's next slice."""
    from webapp import pages

    monkeypatch.setattr(pages, "GROUP_SIZE", 1)
    monkeypatch.setattr(pages, "PAGE_SIZE", 2)
    page = html(_get(client, "/entity/ketamine"))
    # The overview shows GROUP_SIZE rows and links the group's own page,
    # which starts at its first row (not at row PAGE_SIZE + 1).
    groups = page.xpath("//section[@class='predicate-group']")
    largest = max(groups, key=lambda g: int(text_of(g.xpath(".//h3/span")[0]).split()[0]))
    assert int(text_of(largest.xpath(".//h3/span")[0]).split()[0]) > 2
    group = largest.xpath(".//nav[@class='pager']/a[@rel='next']/@href")[0]
    query = parse_qs(urlsplit(group).query)
    assert "page" not in query and query["predicate"]
    first = html(_get(client, group))
    assert first.xpath("//nav[@class='pager']/span/text()")[0].startswith("1–2 of")
    nxt = first.xpath("//nav[@class='pager']/a[@rel='next']/@href")[0]
    query = parse_qs(urlsplit(nxt).query)
    assert query["page"] == ["2"] and query["predicate"]
    second = html(_get(client, nxt))
    assert second.xpath("//p[@class='filter-note']")
    assert len(second.xpath("//section[@aria-labelledby='rel-out']//li[contains(@class,'row')]")
               ) <= 2
    _get(client, "/entity/ketamine?predicate=nope", 400)
    _get(client, "/entity/ketamine?page=2", 400)


def test_entity_rows_cap_quotes_and_link_the_rest(client, monkeypatch):
    """A row shows a few quotes per modality and links the relation page for
    the rest."""
    from webapp import pages

    monkeypatch.setattr(pages, "QUOTE_CAP", 1)
    page = html(_get(client, "/entity/ketamine"))
    row = page.xpath("//li[contains(@class, 'row')][.//h4/a[normalize-space()='anxiety']]")[0]
    supporting = row.xpath(".//section[contains(@class,'asserted')]")[0]
    total = int(text_of(supporting.xpath(".//h5/span[@class='count']")[0]).split()[0])
    assert total > 1 and len(supporting.xpath(".//blockquote")) == 1
    more = supporting.xpath(".//p[@class='more']/a")[0]
    assert text_of(more).startswith(f"{total - 1} more stated quote")
    assert more.get("href") == "/relation/ketamine/treats/anxiety"


def test_relation_page_shows_contradiction(client):
    """One s-p-o across articles: the seed denies, the other article states."""
    page = html(_get(client, "/relation/ketamine/decreases/blood-pressure"))
    assert "contradicted" in page.xpath("//p[contains(@class,'agreement')]/@class")[0]
    assert page.xpath("//section[contains(@class,'negated')]//blockquote")
    assert page.xpath("//section[contains(@class,'asserted')]//blockquote")
    _get(client, "/relation/ketamine/nope/blood-pressure", 404)
    _get(client, "/relation/ketamine/treats/blood-pressure", 404)


def test_relation_page_pages_through_quotes(client, monkeypatch):
    """A relation stated by many articles is paged: each page shows at most
    a page of quotes per modality, the pages together show every quote once,
    and the counts stay the totals."""
    from webapp import pages

    monkeypatch.setattr(pages, "RELATION_PAGE_SIZE", 1)
    url = "/relation/ketamine/treats/anxiety"
    first = html(_get(client, url))
    supporting = first.xpath("//section[contains(@class,'asserted')]")[0]
    total = int(text_of(supporting.xpath(".//h5/span[@class='count']")[0]).split()[0])
    assert total > 1
    quotes, page_url = [], url
    while page_url:
        page = html(_get(client, page_url))
        shown = page.xpath("//section[contains(@class,'asserted')]//blockquote")
        assert len(shown) <= 1 and not page.xpath("//p[@class='more']")
        quotes += [text_of(q) for q in shown]
        following = page.xpath("//nav[@class='pager']/a[@rel='next']/@href")
        page_url = following[0] if following else None
    assert len(quotes) == total == len(set(quotes))
    _get(client, url + "?page=0", 400)


def test_claim_page_shows_source_modality_and_relation(client, seeded):
    claim = read.claims(seeded[0], "ketamine-for-anxiety")[0]
    page = html(_get(client, f"/claim/{claim.iri.rsplit('/', 1)[-1]}"))
    assert page.xpath("//span[contains(@class,'modality')]")
    assert page.xpath("//a[@href='/article/ketamine-for-anxiety']")
    assert claim.evidence.split()[0] in text_of(page.xpath("//blockquote")[0])
    _get(client, "/claim/0000", 404)


def test_article_page_marks_claims_and_links_mentions(client, seeded):
    """Title, source, text with mention links and claim marks built from
    offsets; every claim listed with a link to its sentence."""
    view_claims = read.claims(seeded[0], "ketamine-for-anxiety")
    page = html(_get(client, "/article/ketamine-for-anxiety"))
    text = page.xpath("//div[@class='article-text']")[0]
    from kg.views import article_view

    article = article_view(seeded[0], "ketamine-for-anxiety")
    assert text_of(text) == " ".join(article.text.split())
    assert text.xpath(".//a[@class='mention t-Drug'][@href='/entity/ketamine']")
    ids = set(text.xpath(".//mark/@id"))
    for claim in view_claims:
        assert f"c{claim.start}-{claim.end}" in ids
    assert len(page.xpath("//section[@class='claims']//li")) == len(view_claims)
    assert page.xpath("//section[@class='claims']//li//span[contains(@class,'modality')]")
    _get(client, "/article/nope", 404)


def test_article_page_shows_what_a_replacement_changed(tmp_path):
    """After replacing an article, its page says which claims appeared and
    which disappeared."""
    with KnowledgeGraph.open(Settings(store="memory", data_dir=str(tmp_path / "d"))) as graph:
        path = tmp_path / "note.txt"
        path.write_text("Note\n\nKetamine may cause nausea.\n", encoding="utf-8")
        graph.ingest_file(path)
        path.write_text("Note\n\nKetamine can cause dizziness.\n", encoding="utf-8")
        assert graph.ingest_file(path).status == "replaced"
        page = html(create_app(graph.settings, graph=graph).test_client().get("/article/note"))
    assert "dizziness" in text_of(page.xpath("//ul[@class='added']")[0])
    assert "nausea" in text_of(page.xpath("//ul[@class='removed']")[0])


def test_graph_page_lists_the_relations_and_points_to_its_data(client):
    page = html(_get(client, "/graph?entity=ketamine&depth=1&modality=negated"))
    box = page.get_element_by_id("cy")
    assert box.get("data-src").startswith("/api/graph?entity=ketamine&depth=1&modality=negated")
    rows = page.xpath("//table[contains(@class,'relations-table')]/tbody/tr")
    assert rows and all(r.xpath(".//span[contains(@class,'negated')]") for r in rows)
    assert page.xpath("//input[@name='modality'][@value='negated'][@checked]")
    assert page.xpath("//script[contains(@src, 'vendor/cytoscape/cytoscape.min.js')]")
    _get(client, "/graph?entity=nobody-at-all", 404)
    _get(client, "/graph?entity=ketamine&depth=3", 400)
    _get(client, "/graph?entity=ketamine&predicate=nope", 400)


def test_path_page_gives_each_hop_a_quote_and_modality(client):
    page = html(_get(client, "/path?from=nmda-receptor&to=anxiety"))
    paths = page.xpath("//ol[@class='paths']/li")
    assert paths
    for hop in paths[0].xpath(".//li[@class='hop']"):
        assert hop.xpath(".//blockquote/footer/a[starts-with(@href, '/article/')]")
        assert hop.xpath(".//span[contains(@class,'modality')]")
    _get(client, "/path?from=ketamine&to=nobody-at-all", 404)


def test_type_pages(client):
    page = html(_get(client, "/types/AdverseEffect"))
    assert page.xpath(f"//a[@href='/entity/{HOSTILE_ENTITY}']")
    unmapped = html(_get(client, "/types/AdverseEffect?unmapped=1"))
    assert all("not yet mapped" in text_of(tr) for tr in unmapped.xpath("//tbody/tr"))
    assert html(_get(client, "/types/")).xpath("//a[@href='/types/Drug']")
    _get(client, "/types/Nope", 404)
    assert html(_get(client, "/articles")).xpath("//a[@href='/article/ketamine-for-anxiety']")


PAGES = ["/", "/search?q=ketamine", "/search?q=rash", "/entity/ketamine",
         f"/entity/{HOSTILE_ENTITY}", f"/article/{HOSTILE_ID}", "/articles",
         "/types/AdverseEffect", f"/graph?entity={HOSTILE_ENTITY}",
         f"/path?from=ketamine&to={HOSTILE_ENTITY}",
         f"/relation/ketamine/hasAdverseEffect/{HOSTILE_ENTITY}"]


@pytest.mark.parametrize("url", PAGES)
def test_hostile_text_is_escaped_everywhere(client, url):
    """Titles, text, evidence and an entity name carrying markup reach every
    page escaped; every page keeps the not-medical-advice notice."""
    body = _get(client, url).get_data(as_text=True)
    assert_escaped(body)
    assert NOTICE in body


def test_hostile_claim_and_article_pages_show_escaped_text(client, seeded):
    body = _get(client, f"/claim/{seeded[1]['hostile_claim']}").get_data(as_text=True)
    assert_escaped(body)
    assert "&lt;script&gt;alert(&#34;xss&#34;)&lt;/script&gt;" in body
    body = _get(client, f"/article/{HOSTILE_ID}").get_data(as_text=True)
    assert_escaped(body)
    assert "&lt;/textarea&gt;&lt;svg onload=alert(2)&gt;" in body


# ---------------------------------------------------------- markup helpers

@pytest.mark.parametrize("snippet, expected", [
    ("plain <mark>word</mark>", "plain <mark>word</mark>"),
    ("&lt;b&gt; <mark>x</mark>", "&lt;b&gt; <mark>x</mark>"),
    ("<script>alert(1)</script><mark>x</mark>", "&lt;script&gt;alert(1)&lt;/script&gt;"
     "<mark>x</mark>"),
    ("<mark onclick=x>a</mark>", "&lt;mark onclick=x&gt;a"),
    ("<mark>unclosed", "<mark>unclosed</mark>"),
    ("</mark>stray", "stray"),
    ('"quoted" &amp; more', "&#34;quoted&#34; &amp; more"),
])
def test_highlight_filter_keeps_only_mark(snippet, expected):
    """The highlight filter re-escapes everything but balanced <mark> tags."""
    assert str(safe_highlight(snippet)) == expected


def test_marked_text_escapes_every_piece_and_nests_crossing_spans():
    text = "<b>A</b> binds B & C."
    spans = [Span(0, 8, "mention", "t-Drug", href="/entity/a"),
             Span(0, 13, "claim", "hedged", title='say "x"'),
             Span(9, 21, "claim", "negated")]
    out = str(marked_text(text, spans))
    assert "<b>" not in out and "&lt;b&gt;A&lt;/b&gt;" in out and "&amp;" in out
    assert out.count('id="c0-13"') == 1 and out.count('id="c9-21"') == 1
    assert out.count('data-span="c9-21"') == 2  # split where it crosses c0-13
    assert 'title="say &#34;x&#34;"' in out
    root = html_fragment(out)
    assert text_of(root) == " ".join(text.split())


def html_fragment(markup: str):
    import lxml.html

    return lxml.html.fragment_fromstring(markup, create_parent="div")


@pytest.mark.parametrize("name, key", [
    ("Ketamine", "ketamine"), ("NMDA receptor", "nmda-receptor"),
    ("social phobia", "social-anxiety-disorder"), ("SAD", "social-anxiety-disorder")])
def test_entity_url_takes_a_label_or_synonym_and_redirects_to_the_key(client, name, key):
    """A name typed into the URL finds the entity by label or synonym in any
    case and redirects to the entity's own URL, keeping the query string."""
    response = client.get(f"/entity/{name}", query_string={"format": "ttl"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/entity/{key}?format=ttl"
    assert client.get(response.headers["Location"]).status_code == 200


@pytest.mark.parametrize("url", ["/entity/ketamin", "/graph?entity=ketamin",
                                 "/path?from=ketamin&to=nmda-receptor",
                                 "/relation/ketamin/treats/social-anxiety-disorder"])
def test_unknown_names_are_404_with_did_you_mean(client, url):
    """A misspelt name is a plain 404 that suggests the entity meant, never
    an engine error: the error page links the names meant; the graph and
    path forms say so beside the form."""
    response = client.get(url)
    assert response.status_code == 404
    page = html(response)
    text = text_of(page)
    if page.xpath("//section[@class='error-page']"):
        assert "No entity named 'ketamin'." in text
        assert "/entity/ketamine" in page.xpath("//p[@class='did-you-mean']/a/@href")
    else:
        assert "no entity named 'ketamin'; did you mean 'ketamine'" in text
    assert "syntax error" not in text and "expected" not in text


def test_api_unknown_entity_is_json_404_with_did_you_mean(client):
    response = client.get("/api/entity/ketamne")
    assert response.status_code == 404
    assert response.get_json()["message"].startswith(
        "no entity named 'ketamne'; did you mean 'ketamine'")
