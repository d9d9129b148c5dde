"""The request log in a real browser, with the Content-Security-Policy enforced, and axe-core.

The page is looked at as production serves it: the chart is inline SVG, and a style the
policy blocks would leave its bars black, so the test fails on any CSP violation. axe-core
can only be injected with the policy bypassed, so it runs in a second browser context
that shares the session. Screenshots go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import csv
import io

import pytest

from web.test_browser import (  # noqa: F401
    _assert_all_accessible,
    _csp_contexts,
    _csp_violations,
    _screenshot,
    _sign_in,
    browser,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def contexts(live_server, transactional_db, log, privacy_officer, browser):  # noqa: F811
    # The data fixtures come before `browser`: Playwright's sync API keeps an event loop in
    # this thread, and Django refuses database calls while one is running.
    with _csp_contexts(browser, live_server.url) as pair:
        yield pair


def test_the_privacy_officer_filters_the_log_sees_the_chart_and_downloads_it(contexts, password):
    from playwright.sync_api import expect

    enforced, with_axe = contexts
    page = enforced.new_page()
    blocked = _csp_violations(page)
    _sign_in(page, "privacy_officer", password, "/log/")
    expect(page.get_by_role("heading", name="Request log", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="9 requests")).to_be_visible()
    chart = page.get_by_role("img", name="Requests by month and outcome")
    expect(chart).to_be_visible()
    # A bar drawn in its colour, not the black an SVG falls back to without its styles.
    refused = page.locator("#month-2025-01 path").first
    assert refused.evaluate("bar => getComputedStyle(bar).fill") == "rgb(181, 9, 9)"
    _screenshot(page, "request-log")

    page.get_by_label("Rules' outcome", exact=True).select_option("refuse")
    page.get_by_label("Received from").fill("2025-01-01")
    page.get_by_label("Received until").fill("2025-03-31")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", name="2 requests")).to_be_visible()
    assert "outcome=refuse" in page.url and "start=2025-01-01" in page.url
    page.get_by_text("The chart's numbers, as a table").click()
    expect(page.get_by_role("row", name="January 2025 2 0 0 2 2")).to_be_visible()
    _screenshot(page, "request-log-filtered")

    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    with open(download.value.path(), encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(io.StringIO(handle.read())))
    assert [row["outcome"] for row in rows] == ["refuse"] * 2
    filtered_url = page.url

    page.goto("/log/?start=soon&outcome=maybe")
    expect(page.get_by_role("alert")).to_contain_text("Received from: “soon” is not a date")
    expect(page.get_by_role("img")).to_have_count(0)
    _screenshot(page, "request-log-errors")

    page.set_viewport_size({"width": 400, "height": 800})
    page.goto(filtered_url)
    _screenshot(page, "request-log-narrow")
    assert not blocked, "\n".join(blocked)

    _assert_all_accessible(
        with_axe(),
        [
            ("/log/", "the request log"),
            (filtered_url, "the filtered request log"),
            ("/log/?start=soon&outcome=maybe", "the request log with bad filters"),
        ],
    )
