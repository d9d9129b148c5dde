"""The access monitor in a real browser, with the Content-Security-Policy enforced, and axe-core.

A log with immigration flags is scanned and imported before the browser starts (once
Playwright's event loop runs in the test's thread, Django refuses database calls there);
the privacy officer then signs in, reads the overview's counts and charts, opens a
finding and reads its rows. A style the policy blocks would leave the bars black, so any
CSP violation fails the test; axe-core checks every page in a second context that shares
the session with the policy bypassed. Screenshots go to test-artifacts/screenshots/monitor-*.png.
"""

from __future__ import annotations

import pytest

from web.test_browser import (  # noqa: F401
    _assert_all_accessible,
    _csp_contexts,
    _csp_violations,
    _screenshot,
    _sign_in,
    browser,
)

from .conftest import FLAGS, ICE_LESC, PERSONAL, UNKNOWN_IAQ

pytestmark = pytest.mark.browser


@pytest.fixture
def contexts(live_server, transactional_db, scanned, privacy_officer, browser):  # noqa: F811
    # The data fixtures come before `browser`, so they are in the database before the
    # event loop runs.
    with _csp_contexts(browser, live_server.url) as pair:
        yield pair


def test_the_privacy_officer_reads_the_flags_and_opens_a_finding_to_its_rows(
    contexts, scanned, password
):
    from playwright.sync_api import expect

    enforced, with_axe = contexts
    page = enforced.new_page()
    blocked = _csp_violations(page)
    _sign_in(page, "privacy_officer", password, "/monitor/")
    expect(page.get_by_role("heading", name="Access monitor", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name=f"{scanned.flags} flags")).to_be_visible()
    immigration = page.locator(".custodiet-flags--immigration")
    expect(immigration.get_by_role("heading", name="Immigration enforcement")).to_be_visible()
    expect(immigration.locator("dd")).to_have_text(
        [
            str(FLAGS[category])
            for category in ("immigration_agency", "immigration_reason", "immigration_query")
        ]
    )
    for name in ("Flags by month and category", "Flags by category"):
        expect(page.get_by_role("img", name=name)).to_be_visible()
    expect(page.get_by_role("img", name="accessing agencies with the most flags")).to_be_visible()
    # A bar drawn in its colour, not the black an SVG falls back to without its styles.
    january = page.locator("#month-2025-01 path").first
    assert january.evaluate("bar => getComputedStyle(bar).fill") == "rgb(139, 10, 3)"
    _screenshot(page, "monitor-overview")
    # The findings fit the page at 1280 pixels wide: nothing to scroll sideways to read.
    widths = page.locator("#findings-caption").evaluate(
        """caption => ({
            table: caption.closest("table").scrollWidth,
            box: caption.closest("table").parentElement.clientWidth,
            page: document.documentElement.scrollWidth,
            window: document.documentElement.clientWidth,
        })"""
    )
    assert widths["table"] <= widths["box"] and widths["page"] <= widths["window"], widths

    page.get_by_label("Category", exact=True).select_option("immigration")
    page.get_by_label("From month").fill("2025-02")
    page.get_by_role("button", name="Show").click()
    # February and March: 2 immigration queries, 2 immigration reasons, 1 immigration agency.
    expect(page.get_by_role("heading", name="5 flags")).to_be_visible()
    assert "category=immigration" in page.url and "start=2025-02" in page.url
    filtered_url = page.url

    page.get_by_role("link", name=ICE_LESC).click()
    expect(page.get_by_role("heading", name=ICE_LESC, level=1)).to_be_visible()
    expect(
        page.get_by_text("Rule MON-1: The accessing agency is an immigration agency")
    ).to_be_visible()
    expect(page.get_by_text("C.R.S. 24-74-103 bars sharing personal information")).to_be_visible()
    rows = page.get_by_role("table", name="Rows 1 to 3 of 3")
    expect(rows.get_by_role("row")).to_have_count(2 + 3)
    expect(rows).to_contain_text("DQ.VTICE0900.CO.TXT RSN/ROBBERY.OLN/100200300")
    finding_url = page.url
    _screenshot(page, "monitor-finding")

    page.goto("/monitor/")
    page.get_by_role("link", name=UNKNOWN_IAQ).first.click()
    expect(page.get_by_role("table", name="Rows 1 to 2 of 2")).to_contain_text(PERSONAL[0])

    page.set_viewport_size({"width": 400, "height": 800})
    page.goto("/monitor/")
    _screenshot(page, "monitor-overview-narrow")
    assert not blocked, "\n".join(blocked)

    _assert_all_accessible(
        with_axe(),
        [
            ("/monitor/", "the access monitor"),
            (filtered_url, "the filtered access monitor"),
            ("/monitor/?start=soon&category=maybe", "the access monitor with bad filters"),
            (finding_url, "a finding"),
        ],
    )
