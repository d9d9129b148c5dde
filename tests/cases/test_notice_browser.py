"""Telling the person, in a real browser: a New York deployment takes in a request from
ICE; the clerk's queue shows the notice due, the case page says when, and the clerk issues
the notice to the address of record and sees it recorded. Every page is checked with
axe-core and kept as a screenshot (test-artifacts/screenshots/notice-*.png).

The case is opened before the browser starts (Django refuses database calls once
Playwright's event loop runs in the test's thread); after that everything goes through
the pages.
"""

from __future__ import annotations

import re

import pytest

from web.test_browser import _assert_accessible, _screenshot, browser  # noqa: F401

from .conftest import ICE, PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("frozen_now")]


@pytest.fixture
def case_in_new_york(transactional_db, settings, tmp_path, opened, clerk):
    settings.CUSTODIET_POLICY_PACK = "us-ny"
    settings.CUSTODIET_LOG_KEY_FILE = str(tmp_path / "log.key")
    return opened(ICE, by=clerk)


@pytest.fixture
def page(live_server, case_in_new_york, browser):  # noqa: F811
    context = browser.new_context(
        bypass_csp=True, base_url=live_server.url, viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def test_the_clerk_sees_the_notice_due_and_sends_it(page, case_in_new_york):
    from playwright.sync_api import expect

    public_id = case_in_new_york.request.public_id
    page.goto("/")
    page.get_by_label("Username").fill("clerk")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Work queue")).to_be_visible()
    row = page.get_by_role("row").filter(has_text=public_id)
    expect(row).to_contain_text("Notice to the person due 10 Mar 2025")
    _assert_accessible(page, "the queue with a notice due")
    _screenshot(page, "notice-queue")

    row.get_by_role("link", name=public_id).click()
    expect(page.get_by_role("heading", name="Telling the person")).to_be_visible()
    expect(page.get_by_text("Not sent yet.")).to_be_visible()
    expect(page.get_by_text(re.compile(r"Due Monday 10 March 2025 \(today\)"))).to_be_visible()
    _assert_accessible(page, "the case page with a notice to send")
    _screenshot(page, "notice-case-due")

    page.get_by_label(re.compile("Mail it to the person's address of record")).check()
    page.locator("#id_notice-0-to").fill("Juan Doe\n12 Elm Street\nAlbany, NY 12207")
    page.get_by_role("button", name="Issue and record the notice").click()
    expect(page.get_by_text(re.compile("Recorded: the notice mailed to Juan Doe"))).to_be_visible()
    section = page.locator("section[aria-labelledby=notices-heading]")
    expect(section.get_by_text("Sent", exact=True)).to_be_visible()
    expect(section.get_by_role("link", name="Notice, Spanish")).to_be_visible()
    _assert_accessible(page, "the case page with the notice sent")
    _screenshot(page, "notice-case-sent")
