"""No dead ends and readable descriptions (issue 18, items 7 and 9),
through Flask's test client on a real embedded store holding the seed, the
contradicting article and the hostile one (`support.py`).

Error pages speak plain words and offer ways on; an entity no article
states anything about says so and offers no downloads; autocomplete puts
entities with claims first; entity pages describe the entity and list
relations in the domain table's reading order, long groups folded; the
OpenAPI document and VoID read as pages in a browser and stay data for
programs; the README's parameter names are the ones the code reads.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from ingest import domain
from kg import KnowledgeGraph, Settings
from kg.tally import entities_with_claims

from webapp import create_app
from webapp.openapi import openapi_document
from webapp.pages import FOLD_AT
from webapp.parameters import PAGE_PARAMETERS

from .support import html, seed_graph, text_of

ROOT = Path(__file__).parents[2]
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ends")
    settings = Settings(store="embedded", data_dir=str(folder / "data"))
    with KnowledgeGraph.open(settings) as graph:
        seed_graph(graph, folder)
        yield graph


@pytest.fixture(scope="module")
def client(seeded):
    return create_app(seeded.settings, graph=seeded).test_client()


# ------------------------------------------------------------ error pages

@pytest.mark.parametrize("url, status, headline", [
    ("/no/such/page", 404, "Not found"),
    ("/entity/ketamine?page=x", 400, "That request could not be understood"),
    ("/claim/0000?format=ttl", 404, "Not found"),
    ("/types/Nope", 404, "Not found"),
])
def test_error_pages_speak_plain_words(client, url, status, headline):
    """A reader's error page has a plain headline, never the exception's
    class name ("404 NotFound", "400 QueryError") nor the graph's own IRIs,
    keeps the not-medical-advice notice and offers ways on."""
    response = client.get(url, headers={"Accept": BROWSER_ACCEPT})
    assert response.status_code == status
    page = html(response)
    assert text_of(page.xpath("//h1")[0]) == headline
    text = text_of(page)
    for internal in ("NotFound", "BadRequest", "QueryError", "KGError", "Traceback",
                     "http://localhost:8000/"):
        assert internal not in text, internal
    assert "Not medical advice" in text
    assert page.xpath("//ul[@class='ways-on']//a[@href='/']")
    if status == 404:
        assert page.xpath("//section[@class='error-page']//form[@role='search']")


def test_missing_entity_offers_the_names_meant_and_a_search(client):
    """A misspelt entity: the page links the entities meant (each resolves)
    and fills the search box with the words of the address."""
    page = html(client.get("/entity/ketamin"))
    links = page.xpath("//p[@class='did-you-mean']/a/@href")
    assert "/entity/ketamine" in links
    for href in links:
        assert client.get(href).status_code in (200, 302)
    assert page.xpath("//section[@class='error-page']//input[@name='q']/@value") == ["ketamin"]


def test_api_errors_stay_json_for_programs(client):
    response = client.get("/api/entity/ketamne")
    assert response.status_code == 404
    assert response.get_json()["error"] == "NotFound"
    assert response.get_json()["message"].startswith("no entity named 'ketamne'")


# -------------------------------------------------------------- entities

def test_entity_without_claims_says_so_and_offers_no_downloads(client, seeded):
    """Ketorolac is in the vocabulary but no article states anything about
    it: one plain sentence, no download links, no graph to open."""
    assert str(seeded.minter.entity("ketorolac")) not in entities_with_claims(seeded)
    page = html(client.get("/entity/ketorolac"))
    note = page.xpath("//section[contains(@class, 'no-claims')]")
    assert note and "No article states anything about ketorolac" in text_of(note[0])
    assert not page.xpath("//*[@id='export-downloads']")
    assert not page.xpath("//main//a[starts-with(@href, '/export')]")
    assert not page.xpath("//main//a[starts-with(@href, '/graph')]")
    # An entity with claims keeps its downloads.
    page = html(client.get("/entity/ketamine"))
    assert page.xpath("//*[@id='export-downloads']//a")
    assert not page.xpath("//section[contains(@class, 'no-claims')]")


def test_entity_page_has_a_short_description_from_the_ontology(client):
    """With no definition of its own, an entity is described by its class's
    comment in kg.ttl, labelled with the type's reader word."""
    page = html(client.get("/entity/ketamine"))
    description = text_of(page.xpath("//p[@class='description']")[0])
    assert description == "Drug: A medicine or a class of medicines (ketamine, SSRIs)."
    page = html(client.get("/entity/nmda-receptor"))
    assert text_of(page.xpath("//p[@class='description']")[0]).startswith("Receptor: A receptor")


def test_entity_definition_wins_over_the_class_comment(seeded):
    """A skos:definition in the graph is the entity's own description."""
    from kg import read
    from kg.terms import SKOS

    from rdflib import Literal, URIRef

    entity = str(seeded.minter.entity("ketorolac"))
    scratch = URIRef(seeded.minter.base + "graph/test-definition")
    seeded.store.replace_graph(scratch, [(URIRef(entity), SKOS.definition,
                                          Literal("A pain medicine."))])
    try:
        assert read.entity_description(seeded, entity, "Drug") == ("A pain medicine.", False)
    finally:
        seeded.store.drop_graph(scratch)
    assert read.entity_description(seeded, entity, "Drug")[1] is True


def test_relations_in_reading_order_and_long_groups_folded(client):
    """Groups follow `reading_order` of the domain table (what it treats
    first), and a group with more rows than FOLD_AT shows FOLD_AT and folds
    the rest behind a summary."""
    page = html(client.get("/entity/ketamine"))
    heads = page.xpath("//section[@aria-labelledby='rel-out']/section[@class='predicate-group']"
                       "/h3/@id")
    names = [h.split("-", 2)[2] for h in heads]
    assert names == [p for p in domain.READING_ORDER if p in names] and len(names) > 3
    folded = page.xpath("//section[@class='predicate-group'][details[@class='more-rows']]")
    assert folded, "ketamine has groups of more than FOLD_AT relations"
    for group in folded:
        assert len(group.xpath("./ul[@class='rows']/li")) == FOLD_AT
        summary = text_of(group.xpath("./details/summary")[0])
        assert re.fullmatch(r"Show (all \d+|\d+ more)", summary), summary
        assert group.xpath("./details/ul[@class='rows']/li")


def test_path_from_an_entity_to_itself_says_so(client):
    """"ketamine" to "Ketalar" (its brand name) is one entity: the page says
    so and links it, rather than "No path"."""
    response = client.get("/path", query_string={"from": "ketamine", "to": "Ketalar"})
    assert response.status_code == 200
    page = html(response)
    note = page.xpath("//p[@class='same-entity']")
    assert note and "both name" in text_of(note[0])
    assert "/entity/ketamine" in note[0].xpath(".//a/@href")
    assert "No path" not in text_of(page)


def test_autocomplete_ranks_entities_with_claims_first(client, seeded):
    """Every suggestion naming an entity some claim names comes before every
    one that names none."""
    with_claims = entities_with_claims(seeded)
    found = client.get("/api/suggest", query_string={"q": "ket", "limit": 20}).get_json()
    flags = [hit["iri"] in with_claims for hit in found]
    assert True in flags and False in flags, found
    assert flags == sorted(flags, reverse=True), found


# ------------------------------------------------------- API page and VoID

def test_openapi_is_a_page_for_browsers_and_json_for_programs(client):
    """A browser gets the document rendered by the vendored Swagger UI, from
    this server only; programs (any Accept but one naming HTML first) and
    `?format=json` get the JSON as before."""
    page = client.get("/api/openapi.json", headers={"Accept": BROWSER_ACCEPT})
    assert page.status_code == 200 and page.mimetype == "text/html"
    tree = html(page)
    scripts = tree.xpath("//script/@src")
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in scripts
    assert all(src.startswith("/static/") for src in scripts)
    assert not tree.xpath("//script[not(@src)]")  # the CSP allows no inline script
    bundle = client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js")
    assert bundle.status_code == 200
    bundle.close()
    assert "Not medical advice" in text_of(tree)
    # Accept, and Cookie for a client holding a session (issue 19: a page
    # differs for a signed-in curator).
    assert page.headers["Vary"] in ("Accept", "Accept, Cookie")
    for accept in (None, "*/*", "application/json", "text/html;q=0.5, application/json"):
        response = client.get("/api/openapi.json", headers={"Accept": accept} if accept else {})
        assert response.mimetype == "application/json", accept
        assert response.get_json()["openapi"].startswith("3.1")
    forced = client.get("/api/openapi.json?format=json", headers={"Accept": BROWSER_ACCEPT})
    assert forced.get_json()["paths"]


def test_vendored_renderer_carries_its_licence_and_version():
    folder = ROOT / "webapp" / "static" / "vendor" / "swagger-ui"
    assert "Apache License" in (folder / "LICENSE").read_text()
    note = (folder / "README.md").read_text()
    version = re.search(r"swagger-ui-dist@([0-9.]+)", note).group(1)
    assert f"VERSION={version}" in (ROOT / "scripts" / "vendor_apidocs.sh").read_text()
    assert "sourceMappingURL" not in (folder / "swagger-ui-bundle.js").read_text()[-2000:]


def test_void_is_a_page_for_browsers_and_rdf_for_clients(client):
    page = client.get("/.well-known/void", headers={"Accept": BROWSER_ACCEPT})
    assert page.mimetype == "text/html"
    tree = html(page)
    assert text_of(tree.xpath("//h1")[0]) == "About this dataset"
    assert "hkg:Claim" in text_of(tree)
    assert tree.xpath("//a[@href='?format=ttl']")
    for accept in (None, "*/*", "text/turtle", "application/ld+json"):
        response = client.get("/.well-known/void", headers={"Accept": accept} if accept else {})
        assert response.mimetype != "text/html", accept
    assert client.get("/.well-known/void?format=ttl",
                      headers={"Accept": BROWSER_ACCEPT}).mimetype == "text/turtle"


# --------------------------------------------------------------- README

def _documented_parameters() -> list[tuple[str, str]]:
    """(path, parameter) for every `path?name=` the README writes."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    found = []
    for path, query in re.findall(r"(/[\w./-]*)\?((?:[\w-]+=[^&\s`)]*&?)+)", text):
        found += [(path, pair.split("=")[0]) for pair in query.split("&") if pair]
    return found


def test_readme_parameter_names_are_the_ones_the_code_reads(client):
    """Each `/path?name=` in the README names a parameter its route reads:
    the JSON API's from the OpenAPI document, pages' from
    `webapp.parameters` (issue 18: the README said /api/suggest?prefix=)."""
    documented = _documented_parameters()
    assert ("/api/suggest", "q") in documented and len(documented) > 5
    adapter = client.application.url_map.bind("localhost")
    paths = openapi_document("http://localhost")["paths"]
    for path, name in documented:
        endpoint, _ = adapter.match(path, method="GET")
        if path.startswith("/api/"):
            template = next(p for p in paths if re.fullmatch(
                re.sub(r"\{[^}]+\}", "[^/]+", p), path))
            names = {p["name"] for p in paths[template]["get"].get("parameters", [])}
        else:
            names = set(PAGE_PARAMETERS[endpoint])
        assert name in names, (path, name, sorted(names))


def test_readme_parameter_scan_finds_a_wrong_name():
    """The scan above would see the old mistake."""
    assert ("/api/suggest", "prefix") not in _documented_parameters()
    sample = "`/api/suggest?prefix=` and `/search?q=&kind=`"
    found = re.findall(r"(/[\w./-]*)\?((?:[\w-]+=[^&\s`)]*&?)+)", sample)
    assert found == [("/api/suggest", "prefix="), ("/search", "q=&kind=")]
