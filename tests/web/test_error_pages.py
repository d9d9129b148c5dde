"""Every error page in the site's design: what happened, where to go, and sign-out for the
signed-in; partner systems' accounts told that they use the API; the API answering JSON.

A partner's browser sign-in ends on the start page with 200, not 403: the sign-in worked,
and the page is the account's own (it says the account uses the API and offers sign-out).
The staff pages a partner opens by address answer 403 with the same explanation.
"""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from custodiet.accounts.ratelimit import hit
from custodiet.accounts.rates import Rate
from custodiet.web import errors
from web.test_browser import _assert_accessible, _screenshot, browser  # noqa: F401

URLS = "web.error_urls"
SIGN_OUT = 'action="/accounts/logout/"'
DESIGN = ("uswds/css/uswds.min.css", "Skip to main content", "Transparency report")
PAGES = [
    pytest.param("/suspicious/", 400, "Request not understood", id="400"),
    pytest.param("/oversight-only/", 403, "Not allowed", id="403"),
    pytest.param("/no-such-page/", 404, "Page not found", id="404"),
    pytest.param("/fails/", 500, "Something went wrong", id="500"),
]
API_EXPLAINED = "Partner systems send requests and read back their decisions through"
NO_AGENCY = "This account belongs to no agency"


def html(response) -> str:
    return response.content.decode()


def text(response) -> str:
    """The page's main content as a person reads it."""
    page = html(response)
    main = page[page.index("<main") :]
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", main)))


def broken(request):
    """A context processor that fails, as one that reads a database that is down does."""
    raise RuntimeError("the database is down")


@pytest.fixture
def browser_of(clerk):
    """A client that answers a failing view with the 500 page, as a server does."""

    def make(who: str) -> Client:
        client = Client(raise_request_exception=False)
        if who == "signed in":
            client.force_login(clerk)
        return client

    return make


@pytest.mark.urls(URLS)
@pytest.mark.parametrize("who", ["anonymous", "signed in"])
@pytest.mark.parametrize(("url", "status", "heading"), PAGES)
def test_each_error_page_is_in_the_sites_design(browser_of, who, url, status, heading):
    response = browser_of(who).get(url)

    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    page = html(response)
    assert f"<h1>{heading}</h1>" in page
    assert all(part in page for part in DESIGN)
    assert (SIGN_OUT in page) is (who == "signed in")
    if status != 500:
        where = "Go to the start page" if who == "signed in" else "Sign in"
        assert where in text(response)


@pytest.mark.urls(URLS)
def test_the_403_page_says_why_and_whom_to_ask(signed_in, clerk):
    response = signed_in(clerk).get("/oversight-only/")

    assert response.status_code == 403
    words = text(response)
    assert "Your role (Clerk) may not do this." in words
    assert "ask your agency's Custodiet administrator whether your role should open it" in words
    assert API_EXPLAINED not in words


def test_an_error_page_leads_back_only_to_this_site(client, db):
    here = client.get("/no-such-page/", HTTP_REFERER="http://testserver/transparency/")
    elsewhere = client.get("/no-such-page/", HTTP_REFERER="https://elsewhere.example/")

    assert 'href="http://testserver/transparency/">Back to the page you came from' in html(here)
    assert "Back to the page you came from" not in html(elsewhere)


def test_a_request_for_another_host_is_answered_by_the_400_page(client, db):
    response = client.get("/", HTTP_HOST="elsewhere.example")

    assert response.status_code == 400
    assert "<h1>Request not understood</h1>" in html(response)


def test_a_partner_signing_in_by_browser_is_told_to_use_the_api(client, partner, password):
    response = client.post(
        "/accounts/login/", {"username": "partner", "password": password}, follow=True
    )

    assert response.redirect_chain == [("/", 302)]
    assert response.status_code == 200
    page = html(response)
    assert "<h1>This account uses the API</h1>" in page
    assert API_EXPLAINED in text(response)
    assert 'href="/api/docs"' in page
    assert "Authorization: Bearer &lt;token&gt;" in page
    # Sign-out in the navigation and under the explanation; no staff page is offered.
    assert page.count(SIGN_OUT) == 2
    assert 'href="/explorer/"' not in page


@pytest.mark.parametrize("url", ["/explorer/", "/policy/", "/cases/", "/log/"])
def test_the_staff_pages_tell_a_partner_to_use_the_api(signed_in, partner, url):
    response = signed_in(partner).get(url)

    assert response.status_code == 403
    words = text(response)
    assert "Not allowed" in words
    assert API_EXPLAINED in words
    assert 'href="/api/docs"' in html(response)
    assert SIGN_OUT in html(response)


def test_an_account_of_no_agency_is_told_whom_to_ask(client, unaffiliated, password):
    response = client.post(
        "/accounts/login/", {"username": "unaffiliated", "password": password}, follow=True
    )

    assert (response.redirect_chain, response.status_code) == ([("/", 302)], 200)
    assert f"<h1>{NO_AGENCY}</h1>" in html(response)
    assert "Ask your agency's Custodiet administrator to add it" in text(response)
    assert 'href="/explorer/"' not in html(response)

    refused = client.get("/explorer/")
    assert refused.status_code == 403
    assert "This account belongs to no agency, so it has no role" in text(refused)
    assert SIGN_OUT in html(refused)


def test_a_form_sent_with_an_expired_token_says_so_and_leads_back(clerk):
    visitor = Client(enforce_csrf_checks=True)
    visitor.force_login(clerk)
    visitor.get("/explorer/")  # the form, and the token's cookie

    response = visitor.post(
        "/explorer/", {"purpose": "robbery"}, HTTP_REFERER="http://testserver/explorer/"
    )

    assert response.status_code == 403
    page = html(response)
    assert "<h1>This form has expired</h1>" in page
    assert "Nothing was saved" in page
    assert "Go back, reload the page, and send the form again." in text(response)
    assert 'href="http://testserver/explorer/">Back to the form' in page
    # The page's own sign-out carries a token that works.
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    signed_out = visitor.post("/accounts/logout/", {"csrfmiddlewaretoken": token})
    assert (signed_out.status_code, signed_out["Location"]) == (302, "/accounts/login/")


def test_a_sign_in_with_no_token_cookie_says_the_form_expired(db):
    response = Client(enforce_csrf_checks=True).post(
        "/accounts/login/", {"username": "clerk", "password": "whatever"}
    )

    assert response.status_code == 403
    assert "<h1>This form has expired</h1>" in html(response)
    assert SIGN_OUT not in html(response)
    assert "Sign in" in text(response)


@pytest.mark.urls(URLS)
def test_the_500_page_renders_when_a_context_processor_fails(settings, browser_of):
    engine = settings.TEMPLATES[0]
    processors = [*engine["OPTIONS"]["context_processors"], "web.test_error_pages.broken"]
    settings.TEMPLATES = [
        {**engine, "OPTIONS": {**engine["OPTIONS"], "context_processors": processors}}
    ]

    response = browser_of("signed in").get("/fails/")

    assert response.status_code == 500
    page = html(response)
    assert "<h1>Something went wrong</h1>" in page
    assert all(part in page for part in DESIGN)
    # Rendered without the request: nothing of the person, so no sign-out.
    assert SIGN_OUT not in page


@pytest.mark.urls(URLS)
def test_the_500_page_is_plain_text_when_no_template_renders(monkeypatch, browser_of):
    def fail(*args, **kwargs):
        raise RuntimeError("the templates are broken")

    monkeypatch.setattr(errors, "render", fail)
    monkeypatch.setattr(errors.loader, "render_to_string", fail)

    response = browser_of("signed in").get("/fails/")

    assert response.status_code == 500
    assert html(response) == errors.PLAIN_500


def test_an_unknown_api_path_answers_json_and_an_unknown_page_html(client, db):
    api = client.get("/api/v1/no-such-endpoint")
    page = client.get("/no-such-page")

    assert (api.status_code, api["Content-Type"]) == (404, "application/json")
    assert api.json() == {
        "errors": [
            {"field": "path", "message": "no such endpoint; the endpoints are listed at /api/docs"}
        ]
    }
    assert (page.status_code, page["Content-Type"]) == (404, "text/html; charset=utf-8")


@pytest.mark.urls(URLS)
def test_a_failure_under_the_api_answers_json(browser_of):
    response = browser_of("anonymous").get("/api/fails/")

    assert (response.status_code, response["Content-Type"]) == (500, "application/json")
    assert response.json()["errors"][0]["field"] == "request"


def test_the_429_pages_are_in_the_sites_design(settings, monkeypatch, client, signed_in, clerk):
    wrong = {"username": "clerk", "password": "not the password at all"}
    paused = [client.post("/accounts/login/", wrong) for _ in range(5)][-1]
    # Ten seconds into a minute: no upload window ends while the test runs.
    now = dt.datetime(2025, 3, 10, 16, 0, 10, tzinfo=dt.UTC)
    monkeypatch.setattr(timezone, "now", lambda: now)
    settings.CUSTODIET_UPLOAD_RATE = rate = Rate(1, 60)
    assert hit("upload-person", str(clerk.pk), rate) is None  # the one upload allowed
    upload = SimpleUploadedFile("i-200.pdf", b"%PDF-1.4", content_type="application/pdf")
    uploads = signed_in(clerk).post("/explorer/", {"process_file": upload})

    for response, heading, has_sign_out in (
        (uploads, "Too many uploads", True),
        (paused, "Sign-in paused", False),
    ):
        assert response.status_code == 429
        page = html(response)
        assert f"<h1>{heading}</h1>" in page
        assert all(part in page for part in DESIGN)
        assert (SIGN_OUT in page) is has_sign_out


@pytest.fixture
def page(live_server, transactional_db, partner, browser):  # noqa: F811
    # `partner` comes before `browser`: once Playwright's event loop runs in this thread,
    # Django refuses database calls here.
    context = browser.new_context(
        bypass_csp=True, base_url=live_server.url, viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


@pytest.mark.browser
@pytest.mark.urls(URLS)
def test_the_error_pages_are_accessible(page, password):
    from playwright.sync_api import expect

    page.goto("/no-such-page/")
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    _assert_accessible(page, "the 404 page, signed out")
    page.goto("/fails/")
    expect(page.get_by_role("heading", name="Something went wrong")).to_be_visible()
    _assert_accessible(page, "the 500 page")

    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("partner")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="This account uses the API")).to_be_visible()
    _screenshot(page, "partner-home")
    _assert_accessible(page, "a partner's start page")

    page.goto("/explorer/")
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    expect(page.get_by_role("link", name="the API documentation")).to_be_visible()
    _screenshot(page, "error-403-partner")
    _assert_accessible(page, "the 403 page for a partner")
    page.goto("/no-such-page/")
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    _screenshot(page, "error-404")
    _assert_accessible(page, "the 404 page, signed in")

    page.get_by_role("button", name="Sign out partner").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
