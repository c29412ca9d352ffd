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
import time

import pytest

from kg import Settings
from webapp.security import SECRET_FILE, secret_key

from .support import html, seeded_app, text_of

ADMIN = "admin-token-for-tests-0123456789"


@pytest.fixture
def site(tmp_path):
    """A seeded app on its own data folder, with a known admin token."""
    with seeded_app(tmp_path, ADMIN) as (app, _):
        yield app


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


def test_web_nodes_can_share_a_secret_key(tmp_path, monkeypatch):
    """`KG_SECRET_KEY` wins over the file (web nodes with their own data
    folders sign alike); a short one is refused with what to do."""
    from kg import KGError

    monkeypatch.setenv("KG_SECRET_KEY", "k" * 40)
    for node in ("a", "b"):
        settings = Settings(store="embedded", data_dir=str(tmp_path / node))
        assert secret_key(settings) == b"k" * 40
        assert not (tmp_path / node / SECRET_FILE).exists()
    monkeypatch.setenv("KG_SECRET_KEY", "short")
    with pytest.raises(KGError, match="too short"):
        secret_key(Settings(store="embedded", data_dir=str(tmp_path / "c")))


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


# ------------------------------------------------------------------ flags

NMDA = "/relation/ketamine/antagonistOf/nmda-receptor"


def claim_on(client, url: str) -> str:
    """The IRI of the first claim quoted on the page at `url`."""
    claims = html(client.get(url)).xpath("//blockquote[@data-claim]/@data-claim")
    assert claims, f"no claim quoted on {url}"
    return claims[0]


def local(claim_iri: str) -> str:
    return claim_iri.rsplit("/", 1)[-1]


def form_token(client, url: str, action: str) -> str:
    """The CSRF token of the form posting to `action` on the page at `url`."""
    page = html(client.get(url))
    tokens = page.xpath(f"//form[@action='{action}']//input[@name='csrf_token']/@value")
    assert tokens, f"no form posting to {action} on {url}"
    return tokens[0]


def article_quads(app, claim_iri: str) -> list[str]:
    """The N-Quads of every graph but the curation graph (article graphs,
    the tally, beliefs aside), sorted: what a flag must never change."""
    graph = app.extensions["kg"]
    curation_graph = str(graph.minter.base) + "graph/curation"
    belief_graph = str(graph.minter.base) + "graph/belief"
    return sorted(line for line in graph.store.dump_nquads().splitlines()
                  if not line.rstrip(" .").endswith((f"<{curation_graph}>",
                                                     f"<{belief_graph}>")))


def test_a_flag_from_the_relation_page_never_changes_the_claim(site):
    """A reader reports a claim from the relation page: a redirect back to
    the page with a thank-you, the claim shown as flagged, the flag in the
    curation graph, and every article graph (modality, direct edge) as it
    was."""
    client = site.test_client()
    claim = claim_on(client, NMDA)
    before = article_quads(site, claim)
    action = f"/claim/{local(claim)}/flag"
    token = form_token(client, NMDA, action)
    response = client.post(action, data={"reason": "wrong", "next": NMDA, "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith(NMDA)
    page = html(client.get(NMDA))
    assert "Thank you" in text_of(page.xpath("//div[@class='flash']")[0])
    quote = page.xpath(f"//blockquote[@data-claim='{claim}']")[0]
    assert "flagged" in quote.get("class")
    assert article_quads(site, claim) == before
    graph = site.extensions["kg"]
    from kg import curation
    review = curation.reviews(graph, [claim])[claim]
    assert review.state == "flagged" and review.flags == {"wrong": 1}
    assert review.verdict is None and review.modality == review.extracted_modality


def test_a_flag_without_the_csrf_token_changes_nothing(site):
    """The same POST without the form's token: 400 and the store as it was."""
    client = site.test_client()
    claim = claim_on(client, NMDA)
    before = site.extensions["kg"].store.dump_nquads()
    response = client.post(f"/claim/{local(claim)}/flag", data={"reason": "wrong"})
    assert response.status_code == 400
    assert site.extensions["kg"].store.dump_nquads() == before


def test_flags_are_rate_limited(site):
    """A client sending report after report is told to wait (429 with
    Retry-After) and its extra reports are not stored; the page and the
    JSON API draw on one budget."""
    from webapp.curation_api import FLAG_BURST

    client = site.test_client()
    claim = claim_on(client, NMDA)
    action = f"/claim/{local(claim)}/flag"
    token = form_token(client, NMDA, action)
    statuses = [client.post(action, data={"reason": "wrong-entity", "csrf_token": token})
                for _ in range(FLAG_BURST)]
    assert [r.status_code for r in statuses] == [302] * FLAG_BURST
    refused = client.post(action, data={"reason": "wrong-entity", "csrf_token": token})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "many reports" in text_of(html(refused))
    api = client.post(f"/api/claims/{local(claim)}/flag", json={"reason": "wrong"})
    assert api.status_code == 429
    from kg import curation
    review = curation.reviews(site.extensions["kg"], [claim])[claim]
    assert review.flags == {"wrong-entity": FLAG_BURST}


def test_a_flag_with_an_unknown_reason_is_refused(site):
    client = site.test_client()
    claim = claim_on(client, NMDA)
    action = f"/claim/{local(claim)}/flag"
    before = site.extensions["kg"].store.dump_nquads()
    token = form_token(client, NMDA, action)
    response = client.post(action, data={"reason": "boring", "csrf_token": token})
    assert response.status_code == 400
    assert site.extensions["kg"].store.dump_nquads() == before


# -------------------------------------------------------- curator actions

def test_no_curator_action_through_get(site):
    """Every route that changes curation state answers GET with 405, even
    signed in and with the form's fields in the query string."""
    client = site.test_client()
    sign_in(client, ADMIN)
    claim = local(claim_on(client, NMDA))
    before = site.extensions["kg"].store.dump_nquads()
    for url in (f"/claim/{claim}/review?verdict=rejected", f"/claim/{claim}/flag?reason=wrong",
                "/curation/undo/0123456789abcdef", "/curation/reground?surface=x&entity=y",
                "/curate/sign-out"):
        assert client.get(url).status_code == 405, url
    assert site.extensions["kg"].store.dump_nquads() == before
    assert "curator-bar" in client.get("/").get_data(as_text=True)  # still signed in


def test_curator_actions_need_a_signed_in_curator(site):
    """A reader's POST to a curator action, CSRF token and all: 403, no
    change, and the claim page shows no curator form."""
    client = site.test_client()
    claim = local(claim_on(client, NMDA))
    page = html(client.get(f"/claim/{claim}"))
    assert not page.xpath("//section[@class='curator-actions']")
    token = form_token(client, f"/claim/{claim}", f"/claim/{claim}/flag")
    before = site.extensions["kg"].store.dump_nquads()
    response = client.post(f"/claim/{claim}/review", data={"verdict": "rejected",
                                                           "csrf_token": token})
    assert response.status_code == 403
    response = client.post("/curation/undo/0123456789abcdef", data={"csrf_token": token})
    assert response.status_code == 403
    assert site.extensions["kg"].store.dump_nquads() == before


def _curate(client, claim: str, **fields):
    url = f"/claim/{claim}"
    token = form_token(client, url, f"/claim/{claim}/review")
    response = client.post(f"/claim/{claim}/review", data={**fields, "csrf_token": token,
                                                           "next": url})
    assert response.status_code == 302, response.get_data(as_text=True)[-800:]
    return response


def test_a_rejected_claim_is_hidden_until_the_toggle_shows_it(site):
    """A signed-in curator rejects the NMDA claim on its page: the relation
    page hides it and says so, `?rejected=show` shows it struck through and
    marked rejected; the entity page, the article's claim list and the
    claims list hide it too."""
    client = site.test_client()
    sign_in(client, ADMIN)
    claim_iri = claim_on(client, NMDA)
    claim = local(claim_iri)
    _curate(client, claim, verdict="rejected", note="the article only wonders")
    page = html(client.get(NMDA))
    assert not page.xpath(f"//blockquote[@data-claim='{claim_iri}']")
    toggle = page.xpath("//p[@class='rejected-toggle']")[0]
    assert "rejected by a curator" in text_of(toggle)
    href = toggle.xpath(".//a/@href")[0]
    assert href == NMDA + "?rejected=show"
    shown = html(client.get(href))
    quote = shown.xpath(f"//blockquote[@data-claim='{claim_iri}']")[0]
    assert "state-rejected" in quote.get("class")
    assert "rejected" in text_of(quote.xpath(".//span[contains(@class, 'review-state')]")[0])
    # Elsewhere too.  (The entity page's rows come from the relation tally,
    # which counts no rejected claim: this relation, stated by that claim
    # alone, has no row there at all.)
    assert claim_iri not in client.get("/entity/ketamine").get_data(as_text=True)
    for url in ("/article/ketamine-for-anxiety", "/claims?entity=nmda-receptor"):
        body = client.get(url).get_data(as_text=True)
        assert claim_iri not in body, url
        assert claim_iri in client.get(url + ("&" if "?" in url else "?")
                                       + "rejected=show").get_data(as_text=True), url
    # Its own page still shows it, marked.
    own = html(client.get(f"/claim/{claim}"))
    assert "A curator rejected this claim" in text_of(own)


def test_undo_from_the_history(site):
    """The claim page's history lists the curation with who and why; its
    Undo button (signed in) takes it back, and the history keeps both."""
    client = site.test_client()
    sign_in(client, ADMIN)
    claim_iri = claim_on(client, NMDA)
    claim = local(claim_iri)
    _curate(client, claim, verdict="confirmed", note="checked against the text")
    page = html(client.get(f"/claim/{claim}"))
    history = page.xpath("//section[@class='history']")[0]
    assert "checked against the text" in text_of(history)
    assert "admin" in text_of(history)
    undo = history.xpath(".//form[contains(@action, '/curation/undo/')]")
    assert len(undo) == 1
    token = undo[0].xpath(".//input[@name='csrf_token']/@value")[0]
    response = client.post(undo[0].get("action"), data={"csrf_token": token,
                                                        "next": f"/claim/{claim}"})
    assert response.status_code == 302
    from kg import curation
    assert curation.reviews(site.extensions["kg"], [claim_iri])[claim_iri].state is None
    history = html(client.get(f"/claim/{claim}")).xpath("//section[@class='history']")[0]
    assert history.xpath(".//li[contains(@class, 'undone')]")
    assert not history.xpath(".//form[contains(@action, '/curation/undo/')]")


def test_a_revoked_curator_token_no_longer_signs_in(site):
    """A named curator token signs in as that curator; revoking it ends the
    session at once and the token no longer signs in."""
    from kg import curators

    data = site.extensions["kg"].settings.data_path
    token = curators.add(data, "alice")
    client = site.test_client()
    sign_in(client, token)
    assert "Signed in as curator alice" in text_of(html(client.get("/")))
    # A new token for alice replaces the old one: the old session ends too.
    client.get("/curate/sign-in")
    time.sleep(1.1)  # a token's issue time is kept to the second
    renewed = curators.add(data, "alice")
    assert "curator-bar" not in client.get("/").get_data(as_text=True)
    sign_in(client, token, status=401)
    sign_in(client, renewed)
    curators.revoke(data, "alice")
    assert "curator-bar" not in client.get("/").get_data(as_text=True)
    claim = local(claim_on(client, NMDA))
    token_field = form_token(client, f"/claim/{claim}", f"/claim/{claim}/flag")
    response = client.post(f"/claim/{claim}/review", data={"verdict": "rejected",
                                                           "csrf_token": token_field})
    assert response.status_code == 403
    sign_in(site.test_client(), token, status=401)


def test_the_queue_lists_flags_and_unmapped_names_and_regrounds(site):
    """The queue shows a reported claim and the hostile article's minted
    entity (escaped); a signed-in curator maps that name to a vocabulary
    entity with the queue's form, and it leaves the queue."""
    from .support import HOSTILE_ENTITY, assert_escaped

    client = site.test_client()
    claim = claim_on(client, NMDA)
    action = f"/claim/{local(claim)}/flag"
    client.post(action, data={"reason": "wrong", "csrf_token": form_token(client, NMDA, action)})
    page = html(client.get("/curation/queue"))
    assert page.xpath(f"//li[contains(@class, 'kind-flag')]//a[@href='/claim/{local(claim)}']")
    unmapped = page.xpath(f"//li[contains(@class, 'kind-unmapped')][.//a[@href="
                          f"'/entity/{HOSTILE_ENTITY}']]")
    assert unmapped and not unmapped[0].xpath(".//form")  # no form for readers
    assert_escaped(client.get("/curation/queue").get_data(as_text=True))
    sign_in(client, ADMIN)
    page = html(client.get("/curation/queue"))
    form = page.xpath(f"//li[contains(@class, 'kind-unmapped')][.//a[@href="
                      f"'/entity/{HOSTILE_ENTITY}']]//form")[0]
    fields = {i.get("name"): i.get("value") for i in form.xpath(".//input")}
    response = client.post(form.get("action"), data={**fields, "entity": "nausea"})
    assert response.status_code == 302, response.get_data(as_text=True)[-600:]
    page = html(client.get("/curation/queue"))
    assert "now means nausea" in text_of(page.xpath("//div[@class='flash']")[0])
    assert not page.xpath(f"//a[@href='/entity/{HOSTILE_ENTITY}']")


def test_relation_and_entity_pages_show_belief_with_why(site):
    """Each relation's belief (kg.belief) with its one-line why, on its
    relation page and on its row of the entity page; a curator's rejection
    of one of its claims changes both."""
    from kg import belief
    from kg.terms import HKG

    graph = site.extensions["kg"]
    client = site.test_client()
    subject = str(graph.minter.entity("ketamine"))
    obj = str(graph.minter.entity("nmda-receptor"))
    expected = belief.belief(graph, subject, str(HKG.antagonistOf), obj)
    assert expected is not None and 0 < expected.value <= 1
    line = html(client.get(NMDA)).xpath("//p[contains(@class, 'belief')]")[0]
    assert text_of(line) == f"Belief {expected.value:.2f} {expected.why}"
    row = html(client.get("/entity/ketamine")).xpath(
        "//li[contains(@class, 'row')][.//h4/a[normalize-space()='NMDA receptor']]")[0]
    assert f"Belief {expected.value:.2f}" in text_of(row.xpath(".//p[contains(@class, "
                                                               "'belief')]")[0])
    sign_in(client, ADMIN)
    _curate(client, local(claim_on(client, NMDA)), verdict="rejected")
    after = belief.belief(graph, subject, str(HKG.antagonistOf), obj)
    assert after is not None and after.why != expected.why
    shown = html(client.get(NMDA)).xpath("//p[contains(@class, 'belief')]")[0]
    assert after.why in text_of(shown)


def test_forms_only_go_back_to_this_site(site):
    """A form's `next` leads back to a page of this site; another host (or
    a scheme-relative address) is replaced by the form's own default."""
    client = site.test_client()
    claim = local(claim_on(client, NMDA))
    action = f"/claim/{claim}/flag"
    token = form_token(client, NMDA, action)
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x"):
        fields = {"reason": "wrong", "next": target, "csrf_token": token}
        response = client.post(action, data=fields)
        assert response.status_code == 302
        assert response.headers["Location"] == f"/claim/{claim}", target
