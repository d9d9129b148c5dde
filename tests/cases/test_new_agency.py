"""A new agency from nothing to its first emailed refusal letter, in a real browser, as
the README tells a deployment to do it: `custodiet setup` makes the first administrator;
the administrator signs in with the temporary password, sets the agency's return address
and adds a clerk, a supervisor and a partner system with its token; the clerk changes the
temporary password, takes in an ICE request with an I-200, previews the refusal letter,
issues it and emails it. Every page on the way is checked with axe-core, and the main
ones are kept as screenshots (test-artifacts/screenshots/new-agency-*.png).

The database is set up before the browser starts (Django refuses database calls once
Playwright's event loop runs in the test's thread); after that everything goes through
the pages, and the emailed letter is read off the locmem outbox the live server shares.
"""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from pypdf import PdfReader

from web.test_browser import _assert_accessible, _screenshot, browser  # noqa: F401

from .conftest import I200_LINES, make_pdf

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("frozen_now")]

NEW_PASSWORD = "a passphrase the clerk chose for themselves"


@pytest.fixture
def first_password(transactional_db, settings, tmp_path) -> str:
    settings.CUSTODIET_LOG_KEY_FILE = str(tmp_path / "log.key")
    out = io.StringIO()
    call_command(
        "setup",
        "--agency",
        "CO-DOR-DMV",
        "--agency-name",
        "Colorado Division of Motor Vehicles",
        "--username",
        "records.admin",
        "--email",
        "records.admin@dmv.example",
        stdout=out,
        stderr=io.StringIO(),
    )
    return out.getvalue().strip()


@pytest.fixture
def page(live_server, first_password, browser):  # noqa: F811
    context = browser.new_context(
        bypass_csp=True, base_url=live_server.url, viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def _sign_in(page, username: str, password: str, lands_on: str) -> None:
    from playwright.sync_api import expect

    page.goto("/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=re.compile(lands_on))).to_be_visible()


def _sign_out(page, username: str) -> None:
    from playwright.sync_api import expect

    page.get_by_role("button", name=f"Sign out {username}").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def _secret(page) -> str:
    return page.locator("#secret").inner_text().strip()


def _add_person(page, username: str, role: str, email: str = "") -> str:
    from playwright.sync_api import expect

    page.get_by_role("link", name="Administration", exact=True).click()
    page.get_by_role("link", name="Add a person").click()
    expect(page.get_by_role("heading", name="Add a person")).to_be_visible()
    page.get_by_label("Username").fill(username)
    page.get_by_label("First name").fill(username.split(".")[0].title())
    page.get_by_label("Last name").fill("Example")
    if email:
        page.get_by_label("Work email").fill(email)
    page.get_by_label("Role").select_option(label=role)
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_role("heading", name=f"Temporary password for {username}")).to_be_visible()
    return _secret(page)


def test_a_new_agency_is_set_up_and_emails_its_first_refusal_letter(
    page, first_password, tmp_path, mailoutbox
):
    from playwright.sync_api import expect

    # The first administrator, from `custodiet setup`, lands on the administration.
    _sign_in(page, "records.admin", first_password, "Administration of")
    _screenshot(page, "new-agency-administration-empty")
    _assert_accessible(page, "the administration of a new agency")

    page.get_by_role("link", name="Edit the agency's details").click()
    page.get_by_label("Return address").fill("1881 Pierce Street\nLakewood, CO 80214")
    page.get_by_label("Email for replies").fill("dmv.records@dmv.example")
    _assert_accessible(page, "the agency's details")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("The agency's details were saved.")).to_be_visible()

    clerk_password = _add_person(page, "casey.clerk", "Clerk", "casey.clerk@dmv.example")
    _screenshot(page, "new-agency-password-once")
    _assert_accessible(page, "the temporary password, shown once")
    _add_person(page, "sam.supervisor", "Supervisor", "sam.supervisor@dmv.example")
    _add_person(page, "records.system", "Partner system (API)")
    page.get_by_role("link", name=re.compile("^Done")).click()
    page.get_by_label("What the token is for").fill("the records vendor's system")
    page.get_by_role("button", name="Issue a token").click()
    token = _secret(page)
    assert token.startswith("cus_")
    _assert_accessible(page, "the new token, shown once")

    page.get_by_role("link", name="Administration", exact=True).click()
    people = page.get_by_role("table").first
    expect(people).to_contain_text("casey.clerk")
    expect(people).to_contain_text("Supervisor")
    expect(page.get_by_role("table").nth(1)).to_contain_text(token[:12])
    expect(page.get_by_role("table").nth(1)).not_to_contain_text(token)
    _screenshot(page, "new-agency-administration")
    _assert_accessible(page, "the administration with its people")
    _sign_out(page, "records.admin")

    # The clerk signs in with the temporary password and chooses their own.
    _sign_in(page, "casey.clerk", clerk_password, "Work queue")
    page.get_by_role("link", name="Change password").click()
    page.get_by_label("Your current password").fill(clerk_password)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("The new password again").fill(NEW_PASSWORD)
    _assert_accessible(page, "the password change")
    page.get_by_role("button", name="Change the password").click()
    expect(page.get_by_role("heading", name="Your password was changed")).to_be_visible()

    # A request from ICE with an administrative warrant, and where to answer it.
    page.get_by_role("link", name="New request").click()
    page.get_by_label("Date received").fill("2025-03-07")
    page.get_by_label("Time received").fill("14:40")
    page.get_by_label(re.compile(r"^How it arrived")).select_option("email")
    page.get_by_label(re.compile(r"^Organization")).fill("U.S. Immigration and Customs Enforcement")
    page.get_by_label("Level of government").select_option("federal")
    page.get_by_label("Requester's email").fill("ero.denver@ice.example")
    page.get_by_label("Requester's postal address").fill(
        "12445 East Caley Avenue\nCentennial, CO 80111"
    )
    page.get_by_label("Person's name").fill("Juan Doe")
    page.locator("label.usa-checkbox__label").filter(has_text=re.compile("^Address$")).click()
    warrant = tmp_path / "i200.pdf"
    warrant.write_bytes(make_pdf(I200_LINES))
    page.get_by_label("Upload the documents as PDFs").set_input_files([str(warrant)])
    _assert_accessible(page, "the filled intake form")
    page.get_by_role("button", name="Record and decide").click()
    expect(page.locator("h1 + p .usa-tag").first).to_have_text("To refuse")
    public_id = page.locator("h1").first.inner_text().split()[-1]
    expect(page.get_by_text("Your next step: issue the refusal letter").first).to_be_visible()

    # The preview is the letter as it would go, marked, and nothing is recorded.
    href = page.get_by_role("link", name="English (PDF)").get_attribute("href")
    preview = page.request.get(href)
    assert preview.status == 200 and preview.headers["content-type"] == "application/pdf"
    draft = _text_of(preview.body())
    assert "PREVIEW" in draft
    assert "1881 Pierce Street" in draft and "12445 East Caley Avenue" in draft
    assert "Form I-200" in draft

    page.get_by_role("button", name="Issue the refusal letter").click()
    letters = page.get_by_role("region", name="Letters issued and delivered").first
    expect(letters.get_by_text("Not delivered yet.")).to_be_visible()
    letters.get_by_text("Email it now, with the letters attached").click()
    _assert_accessible(page, "the refused case, before delivery")
    letters.get_by_role("button", name="Record the delivery").click()
    expect(letters.get_by_text(re.compile(r"Emailed to ero\.denver@ice\.example"))).to_be_visible()
    expect(
        page.get_by_text("The case is closed: the refusal letter was issued.", exact=True)
    ).to_be_visible()
    _screenshot(page, "new-agency-letter-emailed")
    _assert_accessible(page, "the refused case, emailed")

    sent = [mail for mail in mailoutbox if mail.to == ["ero.denver@ice.example"]]
    assert len(sent) == 1
    names = [name for name, _, _ in sent[0].attachments]
    assert names == [f"{public_id}-refusal-en.pdf", f"{public_id}-refusal-es.pdf"]
    letter = _text_of(sent[0].attachments[0][1])
    assert "PREVIEW" not in letter
    assert "1881 Pierce Street" in letter and "Form I-200" in letter
    assert sent[0].reply_to == ["dmv.records@dmv.example"]


def _text_of(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))
