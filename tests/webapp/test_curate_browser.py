"""Curation in a real browser (issue 19): Debian's headless Chromium
through Playwright, against the app served by waitress.  A reader reports
a claim with the flag button; a curator signs in, finds it in the queue,
rejects it, sees it in the claim's history and undoes it there.  The
`page` fixture fails a test on any console error (a CSP violation is one)
or a request to another host.
"""
from __future__ import annotations

import re

import pytest

from kg import curation

from .support import seeded_app

ADMIN = "admin-token-for-browser-tests-42"
NMDA = "/relation/ketamine/antagonistOf/nmda-receptor"


@pytest.fixture
def served(tmp_path, live_server):
    with seeded_app(tmp_path, ADMIN) as (app, graph):
        yield live_server(app), graph


def _sign_in(page, url: str) -> None:
    page.goto(url + "/curate/sign-in")
    page.get_by_label("Curator token").fill(ADMIN)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/curation/queue"))
    assert "Signed in as curator admin" in page.locator(".curator-bar").inner_text()


def test_flag_button_reports_a_claim(served, page):
    """On the relation page a reader opens "Report a problem" under a quote,
    picks a reason and sends it: the page comes back with a thank-you, the
    quote is marked as reported, and the claim is unchanged."""
    site, graph = served
    page.goto(site.url + NMDA)
    quote = page.locator("blockquote[data-claim]").first
    claim = quote.get_attribute("data-claim")
    quote.locator("summary", has_text="Report a problem").click()
    quote.get_by_label("Wrong modality", exact=False).check()
    quote.get_by_role("button", name="Send report").click()
    page.wait_for_url(site.url + NMDA)
    assert "Thank you" in page.locator(".flash").inner_text()
    marked = page.locator(f"blockquote[data-claim='{claim}']")
    assert "flagged" in (marked.get_attribute("class") or "")
    review = curation.reviews(graph, [claim])[claim]
    assert review.state == "flagged" and review.flags == {"wrong-modality": 1}
    page.probe.screenshot("curation-flag")


def test_queue_and_history(served, page):
    """A reported claim is in the curator's queue; the curator opens it,
    rejects it with a note, finds the rejection in its history, undoes it
    there, and the claim is back as it was."""
    site, graph = served
    page.goto(site.url + NMDA)
    quote = page.locator("blockquote[data-claim]").first
    claim = quote.get_attribute("data-claim")
    quote.locator("summary", has_text="Report a problem").click()
    quote.locator("input[name=reason]").first.check()
    quote.get_by_role("button", name="Send report").click()
    page.wait_for_url(site.url + NMDA)

    _sign_in(page, site.url)
    link = f"a[href$='{claim.rsplit('/', 1)[-1]}']"
    item = page.locator(".queue-item").filter(has=page.locator(link))
    assert item.count() == 1
    # The hostile page's minted entity.
    assert page.locator(".queue-item.kind-unmapped").count() >= 1
    page.probe.screenshot("curation-queue")
    item.locator(link).first.click()
    page.wait_for_url(re.compile(r"/claim/"))
    page.get_by_label("Note").fill("the article only wonders about it")
    page.get_by_role("button", name="Reject").click()
    page.wait_for_url(re.compile(r"/claim/"))
    assert "rejected" in page.locator(".flash").inner_text().lower()
    history = page.locator("section.history")
    assert "the article only wonders about it" in history.inner_text()
    assert curation.reviews(graph, [claim])[claim].state == "rejected"
    page.probe.screenshot("curation-history")

    history.get_by_role("button", name="Undo").first.click()
    page.wait_for_url(re.compile(r"/claim/"))
    assert "Undone" in page.locator(".flash").inner_text()
    assert page.locator("section.history li.undone").count() >= 1
    assert curation.reviews(graph, [claim])[claim].state != "rejected"


def test_curator_pages_fit_a_phone(served, browser):
    """Signed in on a 390 px phone, with every "Report a problem" and map
    form opened: the claim page (curator form, history), the relation page
    and the queue are no wider than the screen."""
    from .conftest import probed_page
    from .test_phone import HEIGHT, WIDTH

    site, graph = served
    with probed_page(browser, viewport={"width": WIDTH, "height": HEIGHT}, is_mobile=True,
                     has_touch=True, device_scale_factor=2) as phone:
        phone.goto(site.url + NMDA)
        claim = phone.locator("blockquote[data-claim]").first.get_attribute("data-claim")
        _sign_in(phone, site.url)
        for url in (f"/claim/{claim.rsplit('/', 1)[-1]}", NMDA, "/curation/queue",
                    "/article/ketamine-for-anxiety"):
            phone.goto(site.url + url)
            phone.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
            width = phone.evaluate("document.documentElement.scrollWidth")
            from .test_phone import _overflow
            assert width <= WIDTH, (url, width, _overflow(phone))
            assert "Not medical advice" in phone.locator(".notice").inner_text()
        phone.goto(site.url + f"/claim/{claim.rsplit('/', 1)[-1]}")
        phone.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        phone.probe.screenshot("phone-curator-claim")
