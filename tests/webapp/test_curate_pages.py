"""Curation in the HTML pages (issue 19) through Flask's test client: the
secret key, CSRF on every form, curator sign-in and sign-out, flags,
curator actions, the queue and the history; stored state checked after
each request.

Data: the seed, the contradicting article and the hostile one
(`support.py`) on the embedded store, one app per test on its own data
folder (the tests change curation state).
"""
from __future__ import annotations

import os
import stat

import pytest

from kg import KnowledgeGraph, Settings

from webapp import create_app
from webapp.security import SECRET_FILE, secret_key

from .support import html, seed_graph, text_of

ADMIN = "admin-token-for-tests-0123456789"


@pytest.fixture
def site(tmp_path):
    """A seeded app on its own data folder, with a known admin token."""
    settings = Settings(store="embedded", data_dir=str(tmp_path / "data"))
    with KnowledgeGraph.open(settings) as graph:
        seed_graph(graph, tmp_path)
        app = create_app(settings, graph=graph)
        app.config["KG_ADMIN_TOKEN"] = ADMIN
        try:
            yield app
        finally:
            app.extensions["kg_sparql"].runner.close()


def csrf_of(client, url: str) -> str:
    """The CSRF token of the first form on the page at `url`."""
    page = html(client.get(url))
    tokens = page.xpath("//form[@method='post']//input[@name='csrf_token']/@value")
    assert tokens, f"no form with a CSRF token on {url}"
    return tokens[0]


def sign_in(client, token: str, status: int = 302):
    response = client.post("/curate/sign-in", data={
        "token": token, "csrf_token": csrf_of(client, "/curate/sign-in")})
    assert response.status_code == status, response.get_data(as_text=True)[-600:]
    return response


# ------------------------------------------------------------- secret key

def test_secret_key_is_kept_private_and_reused(tmp_path):
    """`<data>/secret-key` is made once, mode 0600, and read back by the
    next app on the folder (sessions survive a restart); the memory store
    gets a fresh random key."""
    settings = Settings(store="embedded", data_dir=str(tmp_path / "data"))
    first = secret_key(settings)
    path = tmp_path / "data" / SECRET_FILE
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert len(first) == 32 and secret_key(settings) == first
    assert [p.name for p in path.parent.iterdir()] == [SECRET_FILE]  # no temporary left
    memory = Settings(store="memory", data_dir=str(tmp_path / "memory"))
    assert secret_key(memory) != secret_key(memory)
    assert not (tmp_path / "memory").exists()


# ------------------------------------------------------------------- CSRF

def test_session_cookie_flags(site):
    """The session cookie (holding the CSRF token) is HttpOnly and
    SameSite=Strict; Secure over https only."""
    client = site.test_client()
    cookie = client.get("/curate/sign-in").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" not in cookie
    secure = site.test_client().get("/curate/sign-in", base_url="https://localhost")
    assert "Secure" in secure.headers["Set-Cookie"]


def test_form_posts_without_a_csrf_token_are_refused(site):
    """Sign-in and sign-out without the form's token, or with another
    session's token: 400, in plain words, and no session is made."""
    client = site.test_client()
    response = client.post("/curate/sign-in", data={"token": ADMIN})
    assert response.status_code == 400
    assert "nothing was changed" in text_of(html(response))
    other = site.test_client()
    stolen = csrf_of(other, "/curate/sign-in")
    response = client.post("/curate/sign-in", data={"token": ADMIN, "csrf_token": stolen})
    assert response.status_code == 400
    assert client.post("/curate/sign-out").status_code == 400
    assert "Signed in as" not in client.get("/").get_data(as_text=True)


def test_the_json_api_and_sparql_need_no_csrf_token(site):
    """The token-authenticated API and the SPARQL protocol keep their own
    rules: no CSRF token asked."""
    client = site.test_client()
    response = client.post("/sparql", data={"query": "ASK {}"},
                           headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.get_data(as_text=True)
    response = client.post("/api/articles", json={"id": "x", "text": "X\n\nKetamine."})
    assert response.status_code == 401  # the token's refusal, not CSRF's 400
    response = client.post("/sparql/cancel", headers={"X-Query-Id": "nope"})
    assert response.status_code != 400 or "CSRF" not in response.get_data(as_text=True)


# ---------------------------------------------------------------- sign-in

def test_admin_signs_in_and_out(site):
    """The admin token signs in as "admin": the bar names the curator on
    every page until sign-out (a POST with the token)."""
    client = site.test_client()
    response = sign_in(client, ADMIN)
    assert "HttpOnly" in response.headers["Set-Cookie"]
    page = html(client.get("/"))
    assert "Signed in as curator admin" in text_of(page.xpath("//div[@class='curator-bar']")[0])
    token = page.xpath("//form[contains(@action, 'sign-out')]//input[@name='csrf_token']/@value")
    response = client.post("/curate/sign-out", data={"csrf_token": token[0], "next": "/"})
    assert response.status_code == 302
    assert "curator-bar" not in client.get("/").get_data(as_text=True)


def test_bad_tokens_do_not_sign_in(site):
    """A wrong token, an empty one, a prefix of the admin token: 401 and
    no curator bar."""
    client = site.test_client()
    for token in ("wrong", "", ADMIN[:-1], ADMIN + "x"):
        response = sign_in(client, token, status=401)
        assert "not a valid curator token" in text_of(html(response))
    assert "curator-bar" not in client.get("/").get_data(as_text=True)


def test_a_changed_admin_token_ends_the_session(site):
    """A session is only as good as the token it signed in with."""
    client = site.test_client()
    sign_in(client, ADMIN)
    site.config["KG_ADMIN_TOKEN"] = "a-new-admin-token-9876543210"
    assert "curator-bar" not in client.get("/").get_data(as_text=True)
