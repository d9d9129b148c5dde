"""The browsable API documentation at /api/docs: ninja's bundled Swagger UI, served from
this site under its own Content-Security-Policy, with nothing fetched from elsewhere.

Needs "ninja" in INSTALLED_APPS: without it ninja renders a page that loads Swagger UI
from a CDN with an inline script, which the CSP (and a network-less deployment) refuses.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from custodiet.accounts.models import Agency, ApiToken, Role

from .conftest import detective_request, make_member

DOCS = "/api/docs"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]


@pytest.mark.django_db
def test_the_docs_page_uses_the_bundled_swagger_ui_and_no_inline_script(client):
    response = client.get(DOCS)
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "/static/ninja/swagger-ui-init.js" in html
    assert "//" not in "".join(re.findall(r'(?:src|href)="([^"]*)"', html))
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert all("src=" in attrs or "application/json" in attrs for attrs, _ in scripts)
    assert "script-src 'self'" in response["Content-Security-Policy"]


@pytest.mark.browser
def test_the_docs_page_works_under_the_csp_and_submits_a_request(
    live_server, transactional_db, django_user_model
):
    # Everything the database needs is written before Playwright starts its event loop in
    # this thread (Django refuses database calls while one runs).
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (make browser installs it)")
    dmv = Agency.objects.create(code="CO-DOR-DMV", name="Division of Motor Vehicles")
    make_member(django_user_model, "supervisor", dmv, Role.SUPERVISOR, email="s@dmv.example")
    partner = make_member(django_user_model, "dmv-portal", dmv, Role.PARTNER)
    token = ApiToken.issue(partner, "portal")[1]
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(base_url=live_server.url)
        problems: list[str] = []
        page.on(
            "console", lambda message: message.type == "error" and problems.append(message.text)
        )
        page.on("pageerror", lambda error: problems.append(str(error)))
        # No network: anything not from this server is refused, and counted.
        page.route(
            re.compile(r"^(?!" + re.escape(live_server.url) + ")"),
            lambda route: (problems.append("fetched " + route.request.url), route.abort()),
        )
        page.goto(DOCS)
        # Submit one request, submit a batch, record a database query, read one back.
        expect(page.locator(".opblock")).to_have_count(4)
        single = page.locator(".opblock-post").filter(
            has=page.locator(".opblock-summary-path[data-path='/api/v1/requests']")
        )

        page.get_by_role("button", name="Authorize").first.click()
        page.locator(".auth-container input").fill(token)
        page.locator(".auth-btn-wrapper button.authorize").click()
        page.locator(".btn-done").click()
        single.locator(".opblock-summary").click()
        single.locator(".try-out__btn").click()
        single.locator("textarea.body-param__text").fill(json.dumps(detective_request()))
        single.locator(".execute").click()
        status = single.locator(".live-responses-table tbody .response-col_status")
        expect(status.first).to_have_text("201")
        browser.close()
    assert problems == []
