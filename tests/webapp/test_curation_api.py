"""The curation JSON API (issue 19) over real HTTP (waitress on loopback,
an on-disk store): curator and admin tokens, anonymous rate-limited flags
that never change a claim, reviews that remove the direct edge, undo, the
queue and history, and no curator action through GET."""
from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from kg import KnowledgeGraph, Settings, curators, read
from kg.admin import create_token
from kg.terms import HKG, iri
from webapp import create_app
from webapp import curation_api

ARTICLE = """Ketamine for depression

Ketamine is used to treat depression.

Ketamine can cause nausea.
"""


@pytest.fixture
def served(tmp_path, live_server, monkeypatch):
    """A served app on an embedded store holding one article, with an
    admin token and one curator's token."""
    settings = Settings(store="embedded", data_dir=str(tmp_path / "data"))
    monkeypatch.setattr(curation_api, "FLAG_BURST", 3)
    with KnowledgeGraph.open(settings) as graph:
        path = tmp_path / "k1.txt"
        path.write_text(ARTICLE, encoding="utf-8")
        assert graph.ingest_file(path).ok
        admin = create_token(settings.data_path)
        alice = curators.add(settings.data_path, "alice")
        server = live_server(create_app(settings, graph=graph))
        yield {"url": server.url, "graph": graph, "admin": admin, "alice": alice}


def call(base: str, method: str, path: str, body: dict | None = None, token: str | None = None,
         headers: dict | None = None):
    """(status, JSON body, headers) of one request."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null"), response.headers
    except urllib.error.HTTPError as err:
        raw = err.read()
        try:
            payload = json.loads(raw)
        except ValueError:
            payload = raw.decode("utf-8", "replace")
        return err.code, payload, err.headers


def _claim(graph, predicate: str):
    return next(c for c in read.claims(graph, "k1") if c.predicate == predicate)


def _edge(graph, claim) -> bool:
    return graph.store.ask(f"ASK {{ {iri(claim.subject.iri)} {iri(HKG[claim.predicate])} "
                           f"{iri(claim.object.iri)} }}")


def test_review_needs_a_curator_token_and_rejects_through_the_api(served):
    """401 without a token, with a bad one and with a revoked one; a curator's
    and the admin's token both curate, recorded under their names."""
    base, graph = served["url"], served["graph"]
    claim = _claim(graph, "treats")
    claim_id = claim.iri.rsplit("/", 1)[-1]
    path = f"/api/claims/{claim_id}/review"
    assert call(base, "POST", path, {"verdict": "rejected"})[0] == 401
    assert call(base, "POST", path, {"verdict": "rejected"}, token="not-a-token")[0] == 401
    assert call(base, "POST", path, {"verdict": "rejected"},
                headers={"Authorization": f"Basic {served['alice']}"})[0] == 401
    assert _edge(graph, claim)
    status, body, _ = call(base, "POST", path, {"verdict": "rejected", "note": "not said"},
                           token=served["alice"])
    assert status == 200, body
    assert body["record"]["who"] == "alice" and body["review"]["state"] == "rejected"
    assert not _edge(graph, claim)
    status, body, _ = call(base, "GET", f"/api/claims/{claim_id}")
    assert status == 200 and body["review"]["state"] == "rejected"
    assert body["claim"] == claim.iri and body["relation"]
    status, body, _ = call(base, "POST", f"/api/curation/undo/{body['review']['records'][0]['id']}",
                           token=served["admin"])
    assert status == 200 and body["record"]["who"] == "admin"
    assert _edge(graph, claim)
    curators.revoke(graph.settings.data_path, "alice")
    assert call(base, "POST", path, {"verdict": "confirmed"}, token=served["alice"])[0] == 401


def test_bad_fields_answer_400_naming_the_field(served):
    base, graph = served["url"], served["graph"]
    claim_id = _claim(graph, "treats").iri.rsplit("/", 1)[-1]
    path = f"/api/claims/{claim_id}/review"
    for body, field in (({"verdict": "maybe"}, "verdict"), ({"modality": "sure"}, "modality"),
                        ({"verdict": 3}, "verdict"), ({}, "verdict")):
        status, answer, _ = call(base, "POST", path, body, token=served["alice"])
        assert (status, answer["field"]) == (400, field), answer
    assert call(base, "POST", "/api/claims/ffff/review", {"verdict": "rejected"},
                token=served["alice"])[0] == 404
    status, answer, _ = call(base, "POST", f"/api/claims/{claim_id}/flag", {"reason": "meh"})
    assert (status, answer["field"]) == (400, "reason")


def test_flags_without_a_token_never_change_a_claim_and_are_rate_limited(served):
    """Anonymous flags count, change neither the article graph nor the
    edge, and past the client's budget answer 429 with Retry-After."""
    base, graph = served["url"], served["graph"]
    claim = _claim(graph, "treats")
    claim_id = claim.iri.rsplit("/", 1)[-1]
    name = graph.minter.article("k1")
    before = sorted(map(str, graph.store.quads(name)))
    statuses = [call(base, "POST", f"/api/claims/{claim_id}/flag", {"reason": "wrong"})[0]
                for _ in range(3)]
    assert statuses == [201, 201, 201]
    status, body, headers = call(base, "POST", f"/api/claims/{claim_id}/flag",
                                 {"reason": "wrong"})
    assert status == 429 and int(headers["Retry-After"]) >= 1
    assert sorted(map(str, graph.store.quads(name))) == before
    assert _edge(graph, claim)
    status, body, _ = call(base, "GET", f"/api/claims/{claim_id}")
    assert body["review"]["state"] == "flagged" and body["review"]["flags"] == {"wrong": 3}
    assert body["modality"] == "asserted"
    # No address is stored: the records name the reader, nothing more.
    assert all(r["who"] == "reader" for r in body["review"]["records"])
    assert "127.0.0.1" not in graph.store.dump_nquads()
    status, body, _ = call(base, "GET", "/api/curation/queue")
    assert [(i["kind"], i["flags"]) for i in body["items"]] == [("flag", {"wrong": 3})]


def test_no_curator_action_answers_a_get(served):
    base, graph = served["url"], served["graph"]
    claim_id = _claim(graph, "treats").iri.rsplit("/", 1)[-1]
    for path in (f"/api/claims/{claim_id}/review", f"/api/claims/{claim_id}/flag",
                 "/api/curation/undo/0123456789abcdef", "/api/curation/reground",
                 "/api/curation/merge", "/api/curation/note"):
        assert call(base, "GET", path, token=served["alice"])[0] == 405, path
    app = create_app(graph.settings, graph=graph)
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("curation_api.") and "GET" in rule.methods:
            assert rule.endpoint in {"curation_api.claim", "curation_api.queue",
                                     "curation_api.orphans", "curation_api.history",
                                     "curation_api.list_curators"}, rule


def test_the_admin_token_manages_curator_tokens(served):
    base, admin, alice = served["url"], served["admin"], served["alice"]
    assert call(base, "GET", "/api/curators")[0] == 401
    assert call(base, "GET", "/api/curators", token=alice)[0] == 401
    status, body, _ = call(base, "GET", "/api/curators", token=admin)
    assert status == 200 and [c["name"] for c in body] == ["alice"]
    status, body, _ = call(base, "POST", "/api/curators", {"name": "bob"}, token=admin)
    assert status == 201 and body["name"] == "bob"
    bob = body["token"]
    assert call(base, "POST", "/api/curators", {"name": "Bad Name"}, token=admin)[0] == 400
    assert call(base, "POST", "/api/curators", {"name": "carol"}, token=bob)[0] == 401
    claim_id = _claim(served["graph"], "treats").iri.rsplit("/", 1)[-1]
    status, body, _ = call(base, "POST", f"/api/claims/{claim_id}/review",
                           {"verdict": "confirmed"}, token=bob)
    assert status == 200 and body["record"]["who"] == "bob"
    assert call(base, "DELETE", "/api/curators/bob", token=admin)[0] == 200
    assert call(base, "DELETE", "/api/curators/bob", token=admin)[0] == 404
    assert call(base, "POST", f"/api/claims/{claim_id}/review", {"verdict": "confirmed"},
                token=bob)[0] == 401


def test_history_and_regrounding_through_the_api(served):
    base, graph, alice = served["url"], served["graph"], served["alice"]
    claim = _claim(graph, "treats")
    call(base, "POST", f"/api/claims/{claim.iri.rsplit('/', 1)[-1]}/review",
         {"modality": "hedged"}, token=alice)
    status, events, _ = call(base, "GET", "/api/history?iri=" + claim.iri)
    assert status == 200 and [e["kind"] for e in events] == ["review", "ingested"]
    status, events, _ = call(base, "GET", "/api/history?subject=" + claim.subject.iri
                             + "&predicate=treats&object=" + claim.object.iri)
    assert [e["kind"] for e in events] == ["review", "ingested"]
    assert call(base, "GET", "/api/history")[0] == 400
    status, body, _ = call(base, "POST", "/api/curation/reground",
                           {"surface": "Zorbafen", "entity": "ketamine"}, token=alice)
    assert status == 201 and body["record"]["surface"] == "zorbafen"
    assert call(base, "POST", "/api/curation/reground", {"surface": "x", "entity": "nobody"},
                token=alice)[0] == 404
    status, body, _ = call(base, "POST", "/api/curation/note",
                           {"iri": claim.subject.iri, "text": "Also sold as Ketalar."},
                           token=alice)
    assert status == 201
