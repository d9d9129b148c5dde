"""Sign-in protection in a real browser: the second factor's pages and the pause page,
each checked with axe-core (WCAG 2.1 A and AA), as tests/web does for the staff pages.
"""

from __future__ import annotations

import re
import time
from base64 import b32decode

import pytest
from django_otp.oath import TOTP

from custodiet.accounts.models import Role
from web.test_browser import _assert_accessible, _screenshot, browser  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture
def people(transactional_db, person) -> None:
    person(Role.SUPERVISOR)
    person(Role.CLERK)


@pytest.fixture
def page(live_server, settings, people, clock, browser):  # noqa: F811
    # `people` comes before `browser`: once Playwright's event loop runs in this thread,
    # Django refuses database calls here, so the tests read what they need off the pages.
    settings.CUSTODIET_REQUIRE_2FA = True
    context = browser.new_context(
        bypass_csp=True, base_url=live_server.url, viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def _sign_in(page, username: str, password: str) -> None:
    page.goto("/explorer/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def _code(key: str, at: float) -> str:
    totp = TOTP(b32decode(key.replace(" ", "")))
    totp.time = at
    return f"{totp.token():06d}"


def test_a_supervisor_enrols_an_app_and_verifies_at_the_next_sign_in(page, password, clock):
    from playwright.sync_api import expect

    _sign_in(page, "supervisor", password)
    expect(page.get_by_role("heading", name="Set up your second factor")).to_be_visible()
    expect(page.get_by_role("img", name="QR code holding the set-up link")).to_be_visible()
    expect(page.get_by_label("Or open this set-up link")).to_have_value(
        re.compile(r"^otpauth://totp/Custodiet%3Asupervisor\?secret=")
    )
    _screenshot(page, "two-factor-enrol")
    _assert_accessible(page, "the second-factor enrolment page")

    key = page.locator("#setup-key").inner_text()
    page.get_by_label("6-digit code").fill(_code(key, clock.now))
    page.get_by_role("button", name="Confirm and continue").click()
    expect(page.get_by_role("heading", name="Decision explorer")).to_be_visible()

    page.get_by_role("button", name="Sign out supervisor").click()
    _sign_in(page, "supervisor", password)
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    _assert_accessible(page, "the code page")

    right = _code(key, clock.now)
    page.get_by_label("6-digit code").fill(f"{(int(right) + 1) % 1_000_000:06d}")
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_text("That code does not match")).to_be_visible()
    _screenshot(page, "two-factor-verify-error")
    _assert_accessible(page, "the code page with an error")

    time.sleep(1.1)  # django-otp's wait after one wrong code
    clock.tick(30)
    page.get_by_label("6-digit code").fill(_code(key, clock.now))
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name="Decision explorer")).to_be_visible()


def test_a_clerk_who_mistypes_five_times_sees_when_to_try_again(page, password):
    from playwright.sync_api import expect

    for _ in range(5):
        _sign_in(page, "clerk", "not the password")
    expect(page.get_by_role("heading", name="Sign-in paused")).to_be_visible()
    expect(page.get_by_text("Try again after")).to_be_visible()
    _screenshot(page, "sign-in-paused")
    _assert_accessible(page, "the sign-in pause page")

    _sign_in(page, "clerk", password)
    expect(page.get_by_role("heading", name="Sign-in paused")).to_be_visible()
