"""IRIs that work where they are shown: a page served on another host or
port than the base IRI's (`kg serve --port 9000`, a public address) links
only to itself, and an IRI shown as text sits beside the address that
resolves it on that server.

The test client answers as http://localhost/ while the graph's IRIs are
under the default base http://localhost:8000/, the mismatch the README's
own `--port` example makes."""
from __future__ import annotations

from collections import deque
from urllib.parse import urldefrag, urlsplit

import pytest

from kg import KnowledgeGraph, Settings

from webapp import create_app

from .support import html, seed_graph

#: Pages the crawl visits at most (every kind of page is reached well before).
CRAWL_LIMIT = 120


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    folder = tmp_path_factory.mktemp("iris")
    settings = Settings(store="embedded", data_dir=str(folder / "data"))
    with KnowledgeGraph.open(settings) as graph:
        seed_graph(graph, folder)
        yield create_app(settings, graph=graph).test_client()


@pytest.mark.parametrize("path", ["/entity/ketamine", "/article/ketamine-for-anxiety"])
def test_an_iri_of_another_port_sits_beside_its_local_address(client, path):
    page = html(client.get(path))
    shown = [code.text for code in page.xpath("//code") if code.text
             and code.text.startswith("http://localhost:8000/")]
    assert shown == ["http://localhost:8000" + path]
    here = page.xpath("//span[@class='local-iri']/a")
    assert [a.get("href") for a in here] == [path]
    assert here[0].text == "http://localhost" + path
    assert client.get(here[0].get("href")).status_code == 200


def test_the_claim_page_links_its_iri_here_too(client):
    article = html(client.get("/article/ketamine-for-anxiety"))
    claim = next(href for href in article.xpath("//a/@href") if href.startswith("/claim/"))
    here = html(client.get(claim)).xpath("//span[@class='local-iri']/a/@href")
    assert here == [urlsplit(claim).path]


def test_no_local_address_is_added_where_the_iri_already_resolves(client):
    page = html(client.get("/entity/ketamine", base_url="http://localhost:8000/"))
    assert page.xpath("//span[@class='local-iri']") == []
    assert "http://localhost:8000/entity/ketamine" in [c.text for c in page.xpath("//code")]


def test_every_link_on_the_pages_resolves_on_this_server(client):
    """Breadth-first from the home page over the links to this server: none
    answers 404 or 5xx, and no link points at the base IRI's port, which
    this server is not listening on."""
    queue, seen, visited = deque(["/"]), {"/"}, 0
    while queue and visited < CRAWL_LIMIT:
        url = queue.popleft()
        response = client.get(url)
        visited += 1
        assert response.status_code < 400, (url, response.status_code)
        if response.mimetype != "text/html":
            continue
        for href in html(response).xpath("//a/@href"):
            target, _ = urldefrag(href)
            assert not target.startswith("http://localhost:8000"), (url, href)
            parts = urlsplit(target)
            if parts.scheme or parts.netloc or not parts.path.startswith("/"):
                continue  # another site (an article's source), or a fragment
            if parts.path.startswith(("/static/", "/export/", "/api/")) or target in seen:
                continue  # files and downloads: their own tests
            seen.add(target)
            queue.append(target)
    assert visited >= 40, f"the crawl reached only {visited} pages"
