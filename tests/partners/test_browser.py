"""The privacy officer's registry in a real browser: register a partner, record its
certification, send it the notice, read the overviews, and see a database request
refused once the certification has lapsed.

Every page visited is checked with axe-core; the main ones are kept as full-page
screenshots (test-artifacts/screenshots/partners-*.png). The people and the partner
system's API token exist before the browser starts: once Playwright's event loop runs in
the test's thread, Django refuses database calls there, so the test reads what it needs
off the pages and the API's answers.
"""

from __future__ import annotations

from typing import Any

import pytest

from custodiet.accounts.models import ApiToken, Role
from web.test_browser import _assert_accessible, _screenshot, browser  # noqa: F401

from .conftest import CERTIFICATION_LINES, INSURER, PASSWORD, make_pdf

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("frozen_now")]


@pytest.fixture
def people(transactional_db, person, agency, privacy_officer, supervisor) -> dict[str, Any]:
    system = person("partner_system", Role.PARTNER, agency)
    _, token = ApiToken.issue(system, "DMV database gateway")
    return {"privacy_officer": privacy_officer, "token": token}


@pytest.fixture
def page(live_server, people, browser):  # noqa: F811
    # `people` comes before `browser`, so they are in the database before the event loop runs.
    context = browser.new_context(
        bypass_csp=True, base_url=live_server.url, viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def _query(page, token: str, received_on: str) -> dict[str, Any]:
    """A database query from the insurer, as the DMV's gateway submits it."""
    response = page.request.post(
        "/api/v1/requests",
        headers={"Authorization": f"Bearer {token}"},
        data={
            "received_at": f"{received_on}T08:00:00-07:00",
            "channel": "database",
            "receiving_agency": "CO-DOR-DMV",
            "requester": {"organization": INSURER, "level": "private"},
            "records_requested": ["driving_record"],
            "purpose": "Underwriting",
            "purpose_category": "agency_function",
            # What the insurer claims; the registry's record is what counts.
            "certification": {"signed_on": "2025-03-01"},
        },
    )
    assert response.status == 201, response.text()
    return response.json()


def test_a_privacy_officer_registers_certifies_and_sees_a_lapsed_partner_refused(page, people):
    from playwright.sync_api import expect

    page.goto("/partners/")
    page.get_by_label("Username").fill("privacy_officer")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Partners", exact=True)).to_be_visible()
    _assert_accessible(page, "the empty registry")

    page.get_by_role("link", name="Register a partner").click()
    _assert_accessible(page, "the blank partner form")
    page.get_by_label("Name", exact=True).fill(INSURER)
    page.get_by_label("Kind of organization").select_option("private")
    page.get_by_label("Contact's name and title").fill("Dana Example, Compliance Officer")
    page.get_by_label("Contact's email address").fill("compliance@insurer.example")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("heading", name=INSURER)).to_be_visible()
    expect(page.get_by_text(f"{INSURER} is registered.")).to_be_visible()

    page.get_by_role("link", name="Record a certification").click()
    _assert_accessible(page, "the certification form")
    page.get_by_label("Date signed").fill("2024-03-01")
    page.get_by_label("Signed by").fill("Dana Example")
    page.get_by_label("Signer's title").fill("Compliance Officer")
    page.get_by_label("The signed form, as a PDF").set_input_files(
        {
            "name": "certification.pdf",
            "mimeType": "application/pdf",
            "buffer": make_pdf(CERTIFICATION_LINES),
        }
    )
    page.get_by_role("button", name="Record").click()
    expect(page.get_by_text("it covers requests received through 2025-03-01")).to_be_visible()

    page.get_by_role("link", name="Send the notice").click()
    _assert_accessible(page, "the notice form")
    page.get_by_role("button", name="Issue the notice").click()
    expect(page.get_by_text("emailed to compliance@insurer.example")).to_be_visible()
    expect(page.get_by_text("Lapsed", exact=True)).to_be_visible()
    _screenshot(page, "partners-partner")
    _assert_accessible(page, "the partner's page")

    page.get_by_role("link", name="Certifications").click()
    lapsed = page.locator("section", has=page.locator("#standing-lapsed"))
    expect(lapsed.get_by_role("link", name=INSURER)).to_be_visible()
    expect(lapsed.get_by_text("Lapsed 8 days ago")).to_be_visible()
    _screenshot(page, "partners-certifications")
    _assert_accessible(page, "the certifications overview")

    page.get_by_role("link", name="Not acknowledged").click()
    expect(page.get_by_role("link", name=INSURER)).to_be_visible()
    _screenshot(page, "partners-not-acknowledged")
    _assert_accessible(page, "the notices not acknowledged")

    page.get_by_role("navigation", name="Primary navigation").get_by_role(
        "link", name="Partners", exact=True
    ).click()
    page.get_by_label("Certification").select_option("lapsed")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("link", name=INSURER)).to_be_visible()
    _assert_accessible(page, "the filtered list of partners")

    # While the certification covered it, a query was eligible; after, it is refused.
    covered = _query(page, people["token"], "2025-02-20")
    assert covered["decision"]["outcome"] == "eligible"
    lapsed_query = _query(page, people["token"], "2025-03-10")
    decision = lapsed_query["decision"]
    assert decision["outcome"] == "refuse"
    assert "24-74-105" in decision["reasons"][0]["citation"]

    page.goto(f"/cases/{lapsed_query['id']}/")
    expect(page.locator("#decision-heading")).to_have_text("Refuse")
    expect(page.get_by_text("C.R.S. 24-74-105; 1 CCR 204-30-14", exact=True)).to_be_visible()
    page.get_by_text("All facts and terms").click()
    facts = page.get_by_role("region", name="Facts and terms")
    expect(facts.get_by_role("row", name="certification_current")).to_contain_text(
        f"Signed 2024-03-01, 374 days before the request, according to the partner "
        f"registry ({INSURER}, matched by name)"
    )
    _screenshot(page, "partners-refused-query")
