"""The Governor's office's pages in a real browser, with the Content-Security-Policy
enforced, and axe-core: the reports received, a bundle refused at the door, a receipt
accepted, refused and being checked, and the Joint Budget Committee summary."""

from __future__ import annotations

import pytest

from custodiet.jobs.models import Job
from custodiet.oversight.models import Receipt, Verdict
from web.test_browser import (  # noqa: F401
    _assert_accessible,
    _assert_all_accessible,
    _csp_contexts,
    _csp_violations,
    _screenshot,
    _sign_in,
    browser,
)

from .conftest import keep

pytestmark = pytest.mark.browser

CHECKS = ("signature", "witness", "log", "leaves", "counts", "record", "attestation")


@pytest.fixture
def receipts(transactional_db, office, agency, governor) -> dict[str, int]:
    """Reports kept, and three bundles sent: accepted, refused by a check, being checked."""
    kept = keep(office, "CO-DOR-DMV", "2025-Q3", {"released": 4, "refused": 2}, size=95)
    keep(office, "CO-DOR-DMV", "2025-Q2", {"released": 1, "pending": 1}, size=60)
    keep(office, "CO-CDPS-CSP", "2025-Q3", {"refused": 3}, size=12, exceptions=1)
    by = {"office": governor.membership.agency, "uploaded_by": governor, "sha256": "ab" * 32}
    accepted = Receipt.objects.create(size=40_000, **by)
    Verdict.objects.create(
        receipt=accepted,
        agency="CO-DOR-DMV",
        period="2025-Q3",
        accepted=True,
        checks=[{"name": n, "ok": True, "detail": f"{n} as expected"} for n in CHECKS],
        kept_at=str(kept.resolve()),
    )
    refused = Receipt.objects.create(size=41_000, **by)
    Verdict.objects.create(
        receipt=refused,
        agency="CO-DOR-DMV",
        period="2025-Q4",
        accepted=False,
        checks=[
            {"name": n, "ok": n != "counts", "detail": "released: report 4, leaves 3"}
            for n in CHECKS
        ],
    )
    # Recorded as `start` records it, without its process: the test database is in memory.
    job = Job.objects.create(
        kind="bundle-receive", agency=governor.membership.agency, started_by=governor, args={}
    )
    checking = Receipt.objects.create(size=42_000, job=job, **by)
    return {"accepted": accepted.pk, "refused": refused.pk, "checking": checking.pk}


@pytest.fixture
def contexts(live_server, receipts, browser):  # noqa: F811
    # The data fixtures come before `browser`: Playwright's sync API keeps an event loop in
    # this thread, and Django refuses database calls while one is running.
    with _csp_contexts(browser, live_server.url) as pair:
        yield pair


def test_the_office_reads_its_reports_refuses_a_file_and_sums_up_a_quarter(
    contexts, receipts, password, tmp_path
):
    from playwright.sync_api import expect

    enforced, with_axe = contexts
    page = enforced.new_page()
    blocked = _csp_violations(page)
    _sign_in(page, "governor", password, "/oversight/")
    expect(
        page.get_by_role("heading", name="Reports received by the Governor's office")
    ).to_be_visible()
    expect(page.get_by_role("link", name="Reports received")).to_have_class(
        "usa-nav-link usa-current"
    )
    expect(page.get_by_role("row", name="2025-Q3 95")).to_contain_text(
        "Attested by Example Attester"
    )
    _screenshot(page, "oversight-reports")

    not_a_bundle = tmp_path / "report.tar.gz"
    not_a_bundle.write_text("not an archive")
    page.get_by_label("Report bundle (.tar.gz)").set_input_files(str(not_a_bundle))
    page.get_by_role("button", name="Receive and check").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Report bundle (.tar.gz): This file is not a gzip-compressed archive"
    )
    _screenshot(page, "oversight-upload-refused")

    page.goto(f"/oversight/receipts/{receipts['refused']}/")
    expect(page.get_by_role("heading", name="Refused: nothing was kept")).to_be_visible()
    expect(page.locator("#check-counts")).to_contain_text("Failed")
    _screenshot(page, "oversight-receipt-refused")
    page.goto(f"/oversight/receipts/{receipts['checking']}/")
    expect(page.get_by_role("heading", name="Being checked")).to_be_visible()

    page.goto("/oversight/summary/?quarter=2025-Q3")
    chart = page.get_by_role("img", name="Requests by agency and final status, 2025-Q3")
    expect(chart).to_be_visible()
    released = page.locator("#jbc-quarter-CO-DOR-DMV path").first
    assert released.evaluate("bar => getComputedStyle(bar).fill") == "rgb(33, 110, 31)"
    _screenshot(page, "oversight-summary")
    assert not blocked, "\n".join(blocked)

    checked = with_axe()
    refused = checked.new_page()
    refused.goto("/oversight/")
    refused.get_by_label("Report bundle (.tar.gz)").set_input_files(str(not_a_bundle))
    refused.get_by_role("button", name="Receive and check").click()
    expect(refused.get_by_role("alert")).to_be_visible()
    _assert_accessible(refused, "a bundle refused at the door")
    checked.close()
    _assert_all_accessible(
        with_axe(),
        [
            ("/oversight/", "the reports received"),
            (f"/oversight/receipts/{receipts['accepted']}/", "an accepted bundle"),
            (f"/oversight/receipts/{receipts['refused']}/", "a refused bundle"),
            (f"/oversight/receipts/{receipts['checking']}/", "a bundle being checked"),
            ("/oversight/summary/?quarter=2025-Q3", "the summary"),
            ("/oversight/summary/?quarter=soon", "the summary with a bad quarter"),
        ],
    )
