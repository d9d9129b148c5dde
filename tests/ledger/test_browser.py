"""The ledger page and a job's page in a real browser, with the Content-Security-Policy
enforced (the job page's script must run under it), and axe-core on both.

The button's job is launched as on a server. On a database other processes can reach,
its process verifies the ledger and the page follows it to the end; on SQLite's in-memory
test database no process can, and the job fails at once saying so. Either way the page
shows how it ended, without a reload by hand.
"""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command

from custodiet.jobs.launch import record
from web.test_browser import (  # noqa: F401
    _assert_all_accessible,
    _csp_contexts,
    _csp_violations,
    _screenshot,
    _sign_in,
    browser,
)

from .test_ledger_page import import_requests, ledger  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture
def verified(transactional_db, ledger, auditor, agency) -> int:  # noqa: F811
    """A verification the auditor ran, run here as its process would; its job's id."""
    job = record("ledger-verify", user=auditor, agency=agency, args={"next_url": "/ledger/"})
    call_command("job", "run", str(job.pk), stdout=io.StringIO())
    return job.pk


@pytest.fixture
def contexts(live_server, monkeypatch, settings, verified, browser):  # noqa: F811
    # The data fixtures come before `browser`: Playwright's sync API keeps an event loop in
    # this thread, and Django refuses database calls while one is running.
    monkeypatch.setenv("CUSTODIET_LOG_KEY_FILE", str(settings.CUSTODIET_LOG_KEY_FILE))
    with _csp_contexts(browser, live_server.url) as pair:
        yield pair


def test_the_auditor_reads_the_ledger_and_starts_a_verification(contexts, verified, password):
    from playwright.sync_api import expect

    enforced, with_axe = contexts
    page = enforced.new_page()
    blocked = _csp_violations(page)
    _sign_in(page, "auditor", password, "/ledger/")
    expect(page.get_by_role("heading", name="Ledger", exact=True)).to_be_visible()
    expect(page.locator("#verification-result")).to_contain_text("Verified")
    expect(page.get_by_role("row", name=re.compile(r"^20 "))).to_be_visible()
    expect(page.get_by_label("The log's verifier key")).to_have_value(
        re.compile(r"^custodiet\.invalid/ledger\+[0-9a-f]{8}\+")
    )
    page.get_by_text("The signed note", exact=False).first.click()
    expect(page.locator("#checkpoint-20 pre")).to_contain_text("custodiet.invalid/ledger\n20\n")
    _screenshot(page, "ledger")

    page.get_by_role("button", name="Verify the ledger now").click()
    expect(page.get_by_role("heading", name="Verify the ledger", exact=True)).to_be_visible()
    expect(page.locator('[data-job="state"]')).to_have_text(
        re.compile("^(Finished|Failed)$"), timeout=60_000
    )
    _screenshot(page, "ledger-job")
    job_url = page.url
    page.get_by_role("link", name="Back").click()
    expect(page.get_by_role("heading", name="Ledger", exact=True)).to_be_visible()
    assert not blocked, "\n".join(blocked)

    _assert_all_accessible(
        with_axe(),
        [
            ("/ledger/", "the ledger page"),
            (f"/jobs/{verified}/", "a finished verification's page"),
            (job_url, "the page of the verification the button started"),
        ],
    )
