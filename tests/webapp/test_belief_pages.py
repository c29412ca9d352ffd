"""The contested relations page and API (issue 19, item 5), over a real
embedded store and the Flask test client: a relation stated in one article
and denied in another is listed with its belief, its why and both claims
(sentence, article, modality); an uncontested one is not."""
from __future__ import annotations

import csv
import io

import pytest

from kg import KnowledgeGraph, Settings, belief
from webapp import create_app

from .support import html, text_of

ARTICLES = {
    "states": "Sertraline for depression\n\nSertraline is used to treat depression. "
              "Sertraline can cause nausea.\n",
    "denies": "A sceptical view\n\nSertraline does not treat depression. Sertraline can cause "
              "nausea.\n",
}


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    folder = tmp_path_factory.mktemp("contested")
    settings = Settings(store="embedded", data_dir=str(folder / "data"))
    with KnowledgeGraph.open(settings) as graph:
        for name, text in ARTICLES.items():
            path = folder / f"{name}.txt"
            path.write_text(text, encoding="utf-8")
            assert graph.ingest_file(path).ok
        yield create_app(settings, graph=graph).test_client()


def test_the_contested_page_lists_a_relation_stated_in_one_article_and_denied_in_another(
        client):
    response = client.get("/contested")
    assert response.status_code == 200
    tree = html(response)
    headings = [text_of(h) for h in tree.xpath("//section[@class='contested']/h2")]
    assert headings == ["sertraline treats depression"]  # nausea: no article denies it
    section = tree.xpath("//section[@class='contested']")[0]
    why = text_of(section.xpath(".//p[@class='belief']")[0])
    assert "1 article supports it (1 stated), 1 denies it" in why
    assert why.startswith("Belief 0.")
    quotes = section.xpath(".//blockquote")
    said = {text_of(q.xpath("./p")[0]): text_of(q.xpath("./footer")[0]) for q in quotes}
    assert said == {"“Sertraline is used to treat depression.”":
                    "Sertraline for depression — states",
                    "“Sertraline does not treat depression.”": "A sceptical view — denies"}
    assert all(q.xpath("./footer/a/@href")[0].startswith("/article/") for q in quotes)
    assert "Not medical advice" in text_of(tree.xpath("//*[contains(@class,'notice')]")[0])


def test_the_contested_api_gives_the_belief_and_every_claim(client):
    body = client.get("/api/contested").get_json()
    assert body["total"] == 1 and len(body["relations"]) == 1
    relation = body["relations"][0]
    assert (relation["subject"]["label"], relation["predicate"], relation["object"]["label"]) \
        == ("sertraline", "treats", "depression")
    assert relation["belief"]["contested"] is True
    assert (relation["belief"]["supporting"], relation["belief"]["denying"]) == (1, 1)
    assert 0 < relation["belief"]["value"] < 1
    assert sorted((e["article"], e["modality"]) for e in relation["evidence"]) == [
        ("denies", "negated"), ("states", "asserted")]
    assert client.get("/api/contested?offset=1").get_json()["relations"] == []
    assert client.get("/api/contested?limit=0").status_code == 400


def test_the_home_page_links_the_contested_page_and_openapi_documents_it(client):
    links = html(client.get("/")).xpath("//a/@href")
    assert "/contested" in links
    document = client.get("/api/openapi.json").get_json()
    assert "/api/contested" in document["paths"]
    assert "Belief" in document["components"]["schemas"]


def test_the_page_belief_is_the_computed_one(client):
    """What the page shows is what `kg.belief` computes for the relation."""
    graph = client.application.extensions["kg"]
    e = "http://localhost:8000/entity/"
    computed = belief.belief(graph, e + "sertraline",
                             "https://w3id.org/health-kg/ontology#treats", e + "depression")
    relation = client.get("/api/contested").get_json()["relations"][0]
    assert computed is not None and relation["belief"] == computed.as_json()


def test_claims_sort_by_belief_and_carry_it_in_json_and_csv(client):
    """`sort=-belief` orders the claims list by their relation's belief,
    highest first; each claim's JSON and CSV row carries that belief."""
    graph = client.application.extensions["kg"]
    body = client.get("/api/claims?sort=-belief").get_json()
    assert body["sort"] == "-belief" and body["total"] == 4
    values = [c["belief"]["value"] for c in body["claims"]]
    assert values == sorted(values, reverse=True) and values[0] > values[-1]
    for c in body["claims"]:
        computed = belief.belief(graph, c["subject"]["iri"],
                                 "https://w3id.org/health-kg/ontology#" + c["predicate"],
                                 c["object"]["iri"])
        assert computed is not None and c["belief"] == computed.as_json()
    ascending = client.get("/api/claims?sort=belief").get_json()["claims"]
    assert [c["belief"]["value"] for c in ascending] == sorted(values)
    rows = list(csv.reader(io.StringIO(
        client.get("/api/claims.csv?sort=-belief").get_data(as_text=True))))
    assert rows[0][-3:] == ["belief", "belief_why", "review_state"]
    assert [(r[-3], r[-2]) for r in rows[1:]] == [
        (f"{c['belief']['value']:.3f}", c["belief"]["why"]) for c in body["claims"]]
    page = html(client.get("/claims?sort=-belief"))
    shown = [float(text_of(td))
             for td in page.xpath("//table[@class='claims']//td[@class='belief']")]
    assert shown == [round(v, 2) for v in values]


def test_a_curator_rejecting_the_denial_updates_belief_at_once(tmp_path):
    """Through the curation API (a curator's token): rejecting the denying
    claim refreshes the relation's belief in the same request, so
    /api/claims/<id> shows the new belief with its why and the relation is
    no longer contested."""
    from kg import curators, read

    settings = Settings(store="embedded", data_dir=str(tmp_path / "data"))
    with KnowledgeGraph.open(settings) as graph:
        for name, text in ARTICLES.items():
            path = tmp_path / f"{name}.txt"
            path.write_text(text, encoding="utf-8")
            assert graph.ingest_file(path).ok
        token = curators.add(settings.data_path, "bea")
        client = create_app(settings, graph=graph).test_client()
        claims = {c.article: c.iri.rsplit("/", 1)[-1] for c in read.claims(graph)
                  if c.predicate == "treats"}
        before = client.get(f"/api/claims/{claims['states']}").get_json()["belief"]
        assert before["contested"] and before["denying"] == 1
        response = client.post(f"/api/claims/{claims['denies']}/review",
                               json={"verdict": "rejected"},
                               headers={"Authorization": f"Bearer {token}"})
        assert response.status_code in (200, 201), response.get_data(as_text=True)
        after = client.get(f"/api/claims/{claims['states']}").get_json()["belief"]
        assert not after["contested"] and after["denying"] == 0
        assert after["value"] > before["value"]
        assert after["why"].endswith("; 1 claim rejected by a curator")
        assert client.get("/api/contested").get_json()["relations"] == []
        assert "No relation is contested" in text_of(html(client.get("/contested")).xpath(
            "//main")[0])
