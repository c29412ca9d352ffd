"""The claims list (issue 18, item 2) and the reader's vocabulary on
pages (item 4), over a real embedded store and the Flask test client.

The oracle is `kg.read.claims` (every claim, read by a different query),
filtered in Python: each facet value must select exactly the claims it
names, its count must equal their number, downloads must hold the page's
rows, pages must neither repeat nor skip a claim."""
from __future__ import annotations

import csv
import io
import re
from urllib.parse import parse_qsl, urlsplit

import lxml.html
import pytest

from ingest import domain
from kg import KnowledgeGraph, Settings, read
from kg.claimlist import FILTERS
from webapp import create_app

from ..conftest import SAMPLES
from .support import html, seed_graph, text_of


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("claims-list")
    settings = Settings(store="embedded", data_dir=str(folder / "data"))
    with KnowledgeGraph.open(settings) as graph:
        seed_graph(graph, folder)
        for path in sorted(SAMPLES.glob("*.*")):
            if path.name != "README.md":
                graph.ingest_file(path)
        yield graph, create_app(settings, graph=graph)


@pytest.fixture(scope="module")
def client(seeded):
    return seeded[1].test_client()


@pytest.fixture(scope="module")
def everything(seeded):
    return read.claims(seeded[0])


def _json(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, (url, response.get_data(as_text=True)[:300])
    return response.get_json()


def _matches(graph, claim, name: str, value: str) -> bool:
    """Whether a claim (its JSON) has `value` for the filter `name`."""
    if name == "modality":
        return claim["modality"] == value
    if name == "predicate":
        return claim["predicate"] == value
    if name == "subject_type":
        return claim["subject"]["type"] == value
    if name == "object_type":
        return claim["object"]["type"] == value
    if name == "article":
        return claim["article"] == value
    entity = str(graph.minter.entity(value))
    return entity in (claim["subject"]["iri"], claim["object"]["iri"])


# ------------------------------------------------------------------ filters

def test_each_facet_value_selects_exactly_its_claims_and_counts_them(
        client, seeded, everything):
    """For every value of every facet: /api/claims?<facet>=<value> returns
    exactly the claims the oracle selects, and the facet's count is their
    number; a value narrows the list."""
    graph = seeded[0]
    data = _json(client, "/api/claims?limit=1000&facets=1")
    assert data["total"] == len(everything) > 100
    oracle = [c.as_json() for c in everything]
    checked = 0
    for name in FILTERS:
        values = data["facets"][name]["values"]
        assert values, name
        for value in values[:6]:
            found = _json(client, f"/api/claims?limit=1000&{name}={value['value']}")
            expected = [c["claim"] for c in oracle if _matches(graph, c, name, value["value"])]
            assert sorted(c["claim"] for c in found["claims"]) == sorted(expected), \
                (name, value)
            assert found["total"] == value["count"] == len(expected), (name, value)
            assert 0 < found["total"] < data["total"]
            assert found["filters"] == {name: [value["value"]]}
            checked += 1
    assert checked >= 25


def test_filters_combine_and_between_parameters_or_within_one(client, seeded, everything):
    """modality=hedged,negated&predicate=... is (hedged OR negated) AND
    that predicate; repeating a parameter is the same as comma-separating."""
    graph = seeded[0]
    oracle = [c.as_json() for c in everything]
    expected = sorted(c["claim"] for c in oracle
                      if c["modality"] in ("hedged", "negated")
                      and c["predicate"] in ("decreases", "hasAdverseEffect"))
    assert expected
    for query in ("modality=hedged,negated&predicate=decreases,hasAdverseEffect",
                  "modality=hedged&modality=negated&predicate=decreases"
                  "&predicate=hasAdverseEffect"):
        found = _json(client, f"/api/claims?limit=1000&{query}")
        assert sorted(c["claim"] for c in found["claims"]) == expected
    ketamine_hedged = [c["claim"] for c in oracle if c["modality"] == "hedged"
                       and _matches(graph, c, "entity", "ketamine")
                       and c["article"] == "ketamine-for-anxiety"]
    found = _json(client, "/api/claims?limit=1000&modality=hedged&entity=ketamine"
                          "&article=ketamine-for-anxiety")
    assert sorted(c["claim"] for c in found["claims"]) == sorted(ketamine_hedged)
    assert ketamine_hedged


def test_facets_count_under_the_other_filters(client, everything):
    """With modality=hedged chosen, the modality facet still lists every
    modality (counted without its own filter), and the predicate facet
    counts hedged claims only."""
    data = _json(client, "/api/claims?modality=hedged&facets=1&limit=1")
    modality = {v["value"]: v for v in data["facets"]["modality"]["values"]}
    for name in ("asserted", "hedged", "negated"):
        assert modality[name]["count"] == sum(c.modality == name for c in everything)
    assert modality["hedged"]["selected"] and not modality["asserted"]["selected"]
    assert modality["hedged"]["label"] == domain.MODALITIES["hedged"].label
    predicates = {v["value"]: v["count"] for v in data["facets"]["predicate"]["values"]}
    hedged = [c for c in everything if c.modality == "hedged"]
    assert sum(predicates.values()) == len(hedged) == data["total"]


@pytest.mark.parametrize("url, words", [
    ("/api/claims?colour=red", ["colour", "modality", "predicate", "subject_type",
                                "article", "entity", "sort", "limit", "offset"]),
    ("/api/claims?modality=sure", ["modality", "asserted", "hedged", "investigational",
                                   "negated", "sure"]),
    ("/api/claims?predicate=cures", ["predicate", "treats", "hasAdverseEffect", "cures"]),
    ("/api/claims?subject_type=Plant", ["subject_type", "Drug", "AdverseEffect", "Plant"]),
    ("/api/claims?sort=colour", ["sort", "subject", "-subject", "colour"]),
    ("/api/claims.csv?object_type=drug", ["object_type", "Drug", "drug"]),
    ("/api/claims.csv?_sort=subject", ["_sort", "sort"]),
    ("/api/claims?facets=yes", ["facets", "1"]),
])
def test_unknown_filter_or_value_is_a_400_naming_it_and_what_it_takes(client, url, words):
    """A mistake is a 400 whose plain message names the parameter and the
    values it takes, never an unfiltered list."""
    response = client.get(url)
    assert response.status_code == 400
    message = response.get_json()["message"]
    for word in words:
        assert word in message, (word, message)


def test_the_page_refuses_what_the_api_refuses(client):
    response = client.get("/claims?modality=sure", headers={"Accept": "text/html"})
    assert response.status_code == 400
    assert "modality takes asserted, hedged" in response.get_data(as_text=True).lower()
    assert client.get("/claims?nonsense=1").status_code == 400
    assert client.get("/claims?article=no-such-article").status_code == 404
    assert client.get("/api/claims?entity=no-such-entity-anywhere").status_code == 404


def test_api_stays_backward_compatible(client, seeded, everything):
    """Without filters, /api/claims answers what it answered before: the
    contract's claims in `kg claims` order, paged by limit and offset (each
    with its relation's belief and its review state added, issue 19)."""
    def contract(claim: dict) -> dict:
        assert "value" in claim["belief"] and claim["review_state"] is None
        return {k: v for k, v in claim.items() if k not in ("belief", "review_state")}

    page = _json(client, "/api/claims?limit=3&offset=2")
    assert {"total", "offset", "limit", "claims"} <= set(page)
    assert page["total"] == len(everything)
    assert [contract(c) for c in page["claims"]] == [c.as_json() for c in everything[2:5]]
    one = _json(client, "/api/claims?article=ketamine-for-anxiety&limit=1")["claims"][0]
    assert contract(one) == read.claims(seeded[0], "ketamine-for-anxiety")[0].as_json()
    assert _json(client, "/api/claims")["limit"] == 100


# -------------------------------------------------------- sort and paging

def _key(claim: dict, sort: str):
    if sort == "subject":
        return claim["subject"]["label"].lower()
    if sort == "object":
        return claim["object"]["label"].lower()
    if sort == "predicate":
        return domain.PREDICATES[claim["predicate"]].label
    if sort == "modality":
        return list(domain.MODALITIES).index(claim["modality"])
    return claim["article"]


@pytest.mark.parametrize("sort", ["article", "subject", "predicate", "object", "modality"])
def test_sort_orders_by_the_key_both_ways(client, everything, sort):
    """Each sort orders the whole list by its key (the reader's words for
    predicates, the readers' order for modalities); "-" reverses it; both
    hold every claim once."""
    up = _json(client, f"/api/claims?limit=1000&sort={sort}")["claims"]
    down = _json(client, f"/api/claims?limit=1000&sort=-{sort}")["claims"]
    keys = [_key(c, sort) for c in up]
    assert keys == sorted(keys) and len(set(keys)) > 1
    back = [_key(c, sort) for c in down]
    assert back == sorted(back, reverse=True)
    assert sorted(c["claim"] for c in up) == sorted(c["claim"] for c in down) == \
        sorted(c.iri for c in everything)


def test_paging_neither_repeats_nor_skips(client, everything):
    """Pages of 7 under a filter and a sort join up into the one-page list."""
    whole = _json(client, "/api/claims?limit=1000&sort=-object&modality=asserted")
    seen = []
    for offset in range(0, whole["total"] + 7, 7):
        part = _json(client, f"/api/claims?limit=7&offset={offset}&sort=-object"
                             "&modality=asserted")
        assert part["total"] == whole["total"]
        seen += [c["claim"] for c in part["claims"]]
    assert len(seen) == len(set(seen)) == whole["total"]
    assert seen == [c["claim"] for c in whole["claims"]]


def test_html_pages_follow_next_links_without_repeats(client):
    """The page's Next links walk the whole filtered list, 50 a page."""
    url, rows = "/claims?modality=asserted&sort=subject", []
    while url:
        page = html(client.get(url))
        rows += page.xpath("//table[@class='claims']/tbody/tr/@data-claim")
        nxt = page.xpath("//nav[@class='pager']/a[@rel='next']/@href")
        url = nxt[0] if nxt else None
    total = _json(client, "/api/claims?modality=asserted&limit=1")["total"]
    assert total > 50 and len(rows) == len(set(rows)) == total


# --------------------------------------------------------------- the page

def _rows(page) -> list[str]:
    return page.xpath("//table[@class='claims']/tbody/tr/@data-claim")


def test_page_facets_and_rows_match_the_api(client):
    """The page lists the API's rows for the same filters, shows each with
    its article and modality, and its facet counts are the API's."""
    url = "/claims?predicate=hasAdverseEffect&sort=-subject&page=2"
    page = html(client.get(url))
    api = _json(client, "/api/claims?predicate=hasAdverseEffect&sort=-subject&limit=50"
                        "&offset=50&facets=1")
    assert _rows(page) == [c["claim"] for c in api["claims"]] and _rows(page)
    for row in page.xpath("//table[@class='claims']/tbody/tr"):
        assert row.xpath(".//span[contains(@class, 'modality')]")
        assert row.xpath(".//a[starts-with(@href, '/article/')]")
    for name, facet in api["facets"].items():
        shown = {a.get("data-value"): int(text_of(a.getnext()).replace(",", ""))
                 for a in page.xpath(f"//section[@data-facet='{name}']//li/a")}
        assert shown == {v["value"]: v["count"] for v in facet["values"]}, name
    heading = text_of(page.xpath("//h2[@id='list-title']")[0])
    assert heading.startswith(f"{api['total']} claims from ")


def test_downloads_hold_the_page_rows(client):
    """The page's CSV and JSON links give exactly its rows, in its order."""
    page = html(client.get("/claims?modality=hedged,investigational&sort=-subject"))
    rows = _rows(page)
    assert rows
    csv_href = page.xpath("//p[@class='downloads']/a[@data-format='csv']/@href")[0]
    json_href = page.xpath("//p[@class='downloads']/a[@data-format='json']/@href")[0]
    table = list(csv.DictReader(io.StringIO(client.get(csv_href).get_data(as_text=True))))
    assert [r["claim"] for r in table] == rows
    assert [c["claim"] for c in client.get(json_href).get_json()["claims"]] == rows
    params = parse_qsl(urlsplit(csv_href).query)
    assert sorted(v for k, v in params if k == "modality") == ["hedged", "investigational"]
    assert ("sort", "-subject") in params
    # Reader's words beside the names, one word per modality.
    for r in table:
        assert r["how_stated"] == domain.MODALITIES[r["modality"]].label
        assert r["relation"] == domain.PREDICATES[r["predicate"]].label
        assert r["sentence"] and not re.search(r"[a-z][A-Z]", r["sentence"])
    # The second page's links hold the second page.
    second = html(client.get("/claims?page=2"))
    href = second.xpath("//p[@class='downloads']/a[@data-format='csv']/@href")[0]
    table = list(csv.DictReader(io.StringIO(client.get(href).get_data(as_text=True))))
    assert [r["claim"] for r in table] == _rows(second) and len(table) == 50


def test_home_badges_link_to_the_filtered_list(client, everything):
    """Each modality badge and predicate count on the home page links to
    the claims list filtered by it, whose total is the badge's number."""
    home = html(client.get("/"))
    badges = home.xpath("//ul[@class='modalities']//a")
    assert len(badges) == len(domain.MODALITIES)
    for badge in badges:
        number = int(text_of(badge).split()[-1])
        modality = dict(parse_qsl(urlsplit(badge.get("href")).query))["modality"]
        assert number == sum(c.modality == modality for c in everything)
        listed = html(client.get(badge.get("href")))
        assert text_of(listed.xpath("//h2[@id='list-title']")[0]).startswith(f"{number} ")
    for link in home.xpath("//ul[@class='predicates']//a"):
        predicate = dict(parse_qsl(urlsplit(link.get("href")).query))["predicate"]
        assert text_of(link) == domain.PREDICATES[predicate].label
        count = int(text_of(link.getnext()))
        assert count == sum(c.predicate == predicate for c in everything)


# ------------------------------------------------------ types and articles

def test_articles_list_sorts_filters_and_counts(client, seeded):
    articles = read.articles(seeded[0])
    page = html(client.get("/articles?sort=-claims"))
    ids = page.xpath("//table[@class='articles']/tbody/tr/@data-article")
    by_id = {a.id: a for a in articles}
    counts = [by_id[i].claims for i in ids]
    assert counts == sorted(counts, reverse=True) and len(ids) == len(articles)
    link = page.xpath(f"//tr[@data-article='{ids[0]}']//a[starts-with(@href, '/claims')]")[0]
    assert int(text_of(link)) == _json(client, "/api/claims?limit=1&" + urlsplit(
        link.get("href")).query)["total"] == by_id[ids[0]].claims
    titles = html(client.get("/articles?sort=title")).xpath(
        "//table[@class='articles']/tbody/tr/td[1]/a/text()")
    assert titles == sorted(titles, key=str.lower)
    only = html(client.get("/articles?q=ketamine")).xpath(
        "//table[@class='articles']/tbody/tr/@data-article")
    assert only and set(only) == {a.id for a in articles if "ketamine" in a.title.lower()
                                  or "ketamine" in a.id}
    assert len(only) < len(articles)
    assert client.get("/articles?sort=colour").status_code == 400


def test_types_list_counts_link_to_the_claims_list(client):
    page = html(client.get("/types/?sort=-claims"))
    rows = page.xpath("//table[@class='types']/tbody/tr")
    assert len(rows) == len(domain.TYPES)
    claims = [int(text_of(r.xpath("./td")[1])) for r in rows]
    assert claims == sorted(claims, reverse=True)
    for row in rows:
        name = row.get("data-type")
        assert text_of(row.xpath("./th")[0]) == domain.TYPES[name].plural
        for link in row.xpath(".//a[starts-with(@href, '/claims')]"):
            query = urlsplit(link.get("href")).query
            assert int(text_of(link)) == _json(client, f"/api/claims?limit=1&{query}")["total"]


def test_type_index_sorts_by_claims_and_filters_by_name(client):
    page = html(client.get("/types/AdverseEffect?sort=-claims"))
    cells = page.xpath("//table[@class='entities']/tbody/tr/td[2]")
    counts = [int(text_of(c)) for c in cells]
    assert counts == sorted(counts, reverse=True) and counts[0] > counts[-1]
    first = cells[0].xpath("./a/@href")[0]
    assert _json(client, "/api/claims?limit=1&" + urlsplit(first).query)["total"] == counts[0]
    every = html(client.get("/types/AdverseEffect")).xpath(
        "//table[@class='entities']/tbody/tr")
    rows = html(client.get("/types/AdverseEffect?q=pressure")).xpath(
        "//table[@class='entities']/tbody/tr")
    # The name or one of its other names ("high blood pressure") has the words.
    assert rows and all("pressure" in (text_of(r.xpath("./td[1]")[0]) + " "
                                       + text_of(r.xpath("./td[3]")[0])).lower() for r in rows)
    assert len(rows) < len(every)


# ------------------------------------------------------- reader vocabulary

CAMEL = sorted({*(p for p in domain.PREDICATES if re.search(r"[a-z][A-Z]", p)),
                *(t for t in domain.TYPES if re.search(r"[a-z][A-Z]", t))})


def _visible_text(body: str) -> str:
    tree = lxml.html.fromstring(body)
    for node in tree.xpath("//script|//style|//code|//pre|//textarea"):
        node.drop_tree()
    words = [text_of(tree)]
    words += tree.xpath("//@title|//@aria-label|//@alt|//@placeholder")
    return " ".join(words)


def test_no_camel_case_predicate_or_type_names_in_pages(client, seeded):
    """Readers see the domain table's words: no predicate or type name in
    camelCase (hasAdverseEffect, AdverseEffect) in any page's visible text
    or tooltips, and no raw modality name where a reader word exists."""
    assert "hasAdverseEffect" in CAMEL and "AdverseEffect" in CAMEL
    claim = read.claims(seeded[0], "ketamine-for-anxiety")[0]
    urls = ["/", "/claims", "/claims?predicate=hasAdverseEffect&subject_type=Drug",
            "/types/", "/types/AdverseEffect", "/articles", "/entity/ketamine",
            "/entity/nmda-receptor", "/article/ketamine-for-anxiety",
            "/claim/" + claim.iri.rsplit("/", 1)[1], "/search?q=ketamine+side+effects",
            "/search?q=ketamine&predicate=hasAdverseEffect&type=AdverseEffect",
            "/relation/ketamine/hasAdverseEffect/dissociation", "/export"]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        text = _visible_text(response.get_data(as_text=True))
        for name in CAMEL:
            assert not re.search(rf"\b{name}\b", text), (url, name)
        assert not re.search(r"\b(asserted|investigational|negated)\b", text), url


def test_route_sentences_read_naturally(client):
    """The administeredVia relation reads 'is given by the <route> route'."""
    assert domain.describe("Ketamine", "administeredVia", "intravenous", "hedged") == \
        "Ketamine may be given by the intravenous route"
    page = html(client.get("/claims?predicate=administeredVia"))
    rows = page.xpath("//table[@class='claims']/tbody/tr")
    assert rows
    csv_href = page.xpath("//p[@class='downloads']/a[@data-format='csv']/@href")[0]
    table = list(csv.DictReader(io.StringIO(client.get(csv_href).get_data(as_text=True))))
    assert any(re.search(r" given by the \w+ route$", r["sentence"]) for r in table)
    assert not any("by the route" in r["sentence"] for r in table)
