"""The decision explorer in a real browser: sign in, decide, and check every page with axe-core.

Drives the system's Chromium through Playwright against pytest-django's live server.
Full-page screenshots go to test-artifacts/screenshots/ for people to look at. Every page
visited is checked with axe-core against WCAG 2.1 A and AA; a serious or critical
violation fails the test.
"""

from __future__ import annotations

import os
import re
import subprocess
import tarfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PROJECT = Path(__file__).resolve().parents[2]
AXE_VERSION = "4.14.1"
AXE = PROJECT / ".build" / "axe-core" / "axe.min.js"
SCREENSHOTS = PROJECT / "test-artifacts" / "screenshots"
AXE_RUN = """async () => await axe.run(document, {
    runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'], resultTypes: ['violations']
})"""


def _axe_script() -> Path:
    """axe-core from its npm package, fetched once the way `make assets` does."""
    if AXE.exists():
        return AXE
    AXE.parent.mkdir(parents=True, exist_ok=True)
    try:
        subprocess.run(
            ["npm", "pack", "--silent", f"axe-core@{AXE_VERSION}"],
            cwd=AXE.parent,
            check=True,
            capture_output=True,
            timeout=120,
        )
        with tarfile.open(AXE.parent / f"axe-core-{AXE_VERSION}.tgz") as archive:
            member = archive.extractfile("package/axe.min.js")
            assert member is not None
            AXE.write_bytes(member.read())
    except (OSError, subprocess.SubprocessError, tarfile.TarError) as exc:
        pytest.fail(f"axe-core is missing and could not be fetched ({exc}); run `make assets`")
    return AXE


@pytest.fixture
def browser():
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is not installed (make browser installs it)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; browser tests must run in CI")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(live_server, transactional_db, counsel, browser):
    # `counsel` comes before `browser` on purpose: Playwright's sync API keeps an event
    # loop in this thread, and Django refuses database calls while one is running.
    # The CSP forbids inline scripts, so axe-core can only be injected with it bypassed.
    context = browser.new_context(
        bypass_csp=True, base_url=live_server.url, viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def _assert_accessible(page, what: str) -> None:
    page.add_script_tag(path=str(_axe_script()))
    result = page.evaluate(AXE_RUN)
    serious = [v for v in result["violations"] if v["impact"] in {"serious", "critical"}]
    report = "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']}\n"
        + "\n".join(f"    {node['target']}: {node['failureSummary']}" for node in v["nodes"])
        for v in serious
    )
    assert not serious, f"accessibility violations on {what}:\n{report}"


def _screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def _sign_in(page, username: str, password: str, url: str = "/explorer/") -> None:
    page.goto(url)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**{url}")


@contextmanager
def _csp_contexts(browser, base_url: str) -> Iterator[tuple[Any, Callable[[], Any]]]:
    """A context with the Content-Security-Policy enforced, as production serves the pages,
    and a way to open a second one that shares its session with the policy bypassed, where
    axe-core can be injected."""
    options = {"base_url": base_url, "viewport": {"width": 1280, "height": 900}}
    enforced = browser.new_context(**options)
    enforced.set_default_timeout(15_000)
    try:
        yield (
            enforced,
            lambda: browser.new_context(
                bypass_csp=True, storage_state=enforced.storage_state(), **options
            ),
        )
    finally:
        enforced.close()


def _assert_all_accessible(context, pages: Iterable[tuple[str, str]]) -> None:
    """Check each (url, what it is) with axe-core, every <details> opened; close the context."""
    page = context.new_page()
    for url, what in pages:
        page.goto(url)
        for summary in page.locator("details > summary").all():
            summary.click()
        _assert_accessible(page, what)
    context.close()


def _csp_violations(page) -> list[str]:
    """The Content-Security-Policy violations the page reports from now on."""
    blocked: list[str] = []
    page.on(
        "console",
        lambda message: (
            blocked.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return blocked


def test_counsel_signs_in_loads_the_i200_example_and_is_told_to_refuse(page, password):
    from playwright.sync_api import expect

    page.goto("/explorer/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    _screenshot(page, "login")
    _assert_accessible(page, "the sign-in page")

    _sign_in(page, "counsel", password)
    expect(page.get_by_role("heading", name="Decision explorer")).to_be_visible()
    _screenshot(page, "explorer")
    _assert_accessible(page, "the blank explorer")

    page.get_by_role("link", name="ICE attaches a Form I-200 and calls it a warrant").click()
    expect(page.get_by_text("Example loaded")).to_be_visible()
    _assert_accessible(page, "the explorer with an example loaded")

    page.get_by_role("button", name="Decide").click()
    expect(page.locator("#decision-heading")).to_have_text("Refuse")
    expect(page.get_by_text("C.R.S. 24-74-103", exact=True).first).to_be_visible()
    expect(page.get_by_text("Immigration-related", exact=True)).to_be_visible()
    _screenshot(page, "explorer-decision")
    for summary in page.locator("details > summary").all():
        summary.click()
    _screenshot(page, "explorer-decision-details")
    _assert_accessible(page, "the explorer with a decision, details open")

    page.get_by_role("link", name="Rules in force").click()
    expect(page.get_by_role("heading", name="Rules in force", exact=True)).to_be_visible()
    _screenshot(page, "policy")
    _assert_accessible(page, "the rules in force")


def test_counsel_types_a_detectives_robbery_request_and_sees_it_is_eligible(page, password):
    from playwright.sync_api import expect

    _sign_in(page, "counsel", password)
    page.get_by_role("button", name="Decide").click()
    expect(page.get_by_text("Nothing was decided")).to_be_visible()
    expect(page.get_by_role("link", name="requester.organization: is required")).to_be_visible()
    _screenshot(page, "explorer-errors")
    _assert_accessible(page, "the explorer showing errors")

    page.get_by_label("Date received").fill("2023-06-21")
    page.get_by_label("Time received").fill("08:30")
    page.get_by_label("How it arrived").select_option("email")
    page.get_by_label("Requester's name or title").fill("Detective, Robbery Unit")
    page.get_by_label(re.compile(r"^Organization")).fill("Denver Police Department")
    page.get_by_label("Level of government").select_option("local")
    for record in ("Address", "Photograph"):
        # USWDS draws the box on the label and moves the real input off screen.
        page.locator("label.usa-checkbox__label").filter(has_text=re.compile(f"^{record}$")).click()
        expect(page.get_by_label(record, exact=True)).to_be_checked()
    page.get_by_label("Purpose, as the requester stated it").fill("Armed robbery investigation")
    page.get_by_label("Purpose category").select_option("criminal_investigation")
    page.get_by_label("Case number").fill("DPD-2023-118204")
    page.get_by_label("Offence").fill("aggravated robbery")
    page.get_by_role("button", name="Decide").click()

    expect(page.locator("#decision-heading")).to_have_text(
        "Eligible for release once the obligations are met"
    )
    expect(page.get_by_text("Tell a supervisor before anything is released.")).to_be_visible()
    _assert_accessible(page, "the explorer with an eligible decision")

    page.set_viewport_size({"width": 400, "height": 800})
    expect(page.get_by_role("link", name="Rules in force")).to_be_visible()
    _screenshot(page, "explorer-decision-narrow")
