"""The main paths through the case pages, walked in a real browser as the people walk them.

A clerk and supervisors sign in with the sign-in form, follow the navigation and the
links, fill the intake form, upload the documents, press the buttons and download the
letters; nothing is posted behind the pages' back except the one forged approval that
must be refused. Every page visited is checked with axe-core, and the main ones are kept
as full-page screenshots (test-artifacts/screenshots/walk-*.png) for people to look at.

The people exist before the browser starts: once Playwright's event loop runs in the
test's thread Django refuses database calls there, so the tests read what they need off
the pages (and off the locmem outbox, which the live server's thread shares).
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from custodiet.web.forms import vocabulary_label
from web.test_browser import _assert_accessible, _screenshot, browser  # noqa: F401

from .conftest import I200_LINES, ICE, PASSWORD, ROBBERY, make_pdf

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("frozen_now")]

# The intake form's label for each field of the conftest's requests.
TEXT_FIELDS = {
    "received_date": "Date received",
    "received_time": "Time received",
    "requester_name": "Requester's name or title",
    "requester_organization": re.compile(r"^Organization"),
    "requester_component": "Component",
    "subject_name": "Person's name",
    "subject_date_of_birth": "Person's date of birth",
    "subject_license_number": "Person's driver's license or ID number",
    "purpose": "Purpose, as the requester stated it",
    "case_number": "Case number",
    "offense": "Offence",
}
SELECTS = {
    "channel": re.compile(r"^How it arrived"),
    "requester_level": "Level of government",
    "purpose_category": "Purpose category",
}


@pytest.fixture
def people(transactional_db, clerk, supervisor, second_supervisor) -> dict[str, Any]:
    return {"clerk": clerk, "supervisor": supervisor, "second_supervisor": second_supervisor}


@pytest.fixture
def page(live_server, people, browser):  # noqa: F811
    # `people` comes before `browser`, so they are in the database before the event loop runs.
    context = browser.new_context(
        bypass_csp=True, base_url=live_server.url, viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def _sign_in(page, username: str, *, screenshot: bool = False) -> None:
    from playwright.sync_api import expect

    page.goto("/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    if screenshot:
        _screenshot(page, "walk-sign-in")
    _assert_accessible(page, "the sign-in page")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Work queue")).to_be_visible()
    _assert_accessible(page, f"the work queue of {username}")


def _sign_out(page, username: str) -> None:
    from playwright.sync_api import expect

    page.get_by_role("button", name=f"Sign out {username}").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def _take_in(
    page, request: dict[str, Any], *, documents: tuple = (), screenshot: bool = False
) -> str:
    """Open "New request" from the navigation, fill the form as the request reads, submit."""
    from playwright.sync_api import expect

    page.get_by_role("navigation", name="Primary navigation").get_by_role(
        "link", name="New request"
    ).click()
    expect(page.get_by_role("heading", name="New request")).to_be_visible()
    _assert_accessible(page, "the blank intake form")
    for field, value in request.items():
        if field in TEXT_FIELDS:
            page.get_by_label(TEXT_FIELDS[field]).fill(value)
        elif field in SELECTS:
            page.get_by_label(SELECTS[field]).select_option(value)
        elif field == "records_requested":
            for record in value:
                # USWDS draws the box on the label and moves the real input off screen.
                label = vocabulary_label(record)
                page.locator("label.usa-checkbox__label").filter(
                    has_text=re.compile(f"^{re.escape(label)}$")
                ).click()
                expect(page.get_by_label(label, exact=True)).to_be_checked()
        else:
            raise AssertionError(f"the walk does not know the intake field {field}")
    if documents:
        page.get_by_label("Upload the documents as PDFs").set_input_files(list(documents))
    if screenshot:
        _screenshot(page, "walk-intake")
    _assert_accessible(page, "the filled intake form")
    page.get_by_role("button", name="Record and decide").click()
    expect(page.get_by_text(re.compile(r"^Request \S+ is recorded and decided"))).to_be_visible()
    return _public_id(page)


def _public_id(page) -> str:
    heading = page.get_by_role("heading", level=1).inner_text()
    found = re.fullmatch(r"Request (\S+)", heading.strip())
    assert found, f"not a case page: {heading!r}"
    return found.group(1)


def _state(page):
    return page.locator("h1 + p .usa-tag").first


def _download(page, link_name: str) -> tuple[str, bytes]:
    with page.expect_download() as info:
        page.get_by_role("link", name=link_name, exact=True).click()
    download = info.value
    return download.suggested_filename, Path(download.path()).read_bytes()


def _pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(content))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def test_a_clerk_takes_in_ice_with_an_i200_and_sends_the_refusal_letter(page):
    from playwright.sync_api import expect

    _sign_in(page, "clerk", screenshot=True)
    expect(page.get_by_text("No cases to show.")).to_be_visible()
    _screenshot(page, "walk-queue-clerk-empty")

    i200 = {"name": "i-200.pdf", "mimeType": "application/pdf", "buffer": make_pdf(I200_LINES)}
    public_id = _take_in(page, ICE, documents=(i200,), screenshot=True)

    expect(
        page.get_by_text(f"Request {public_id} is recorded and decided: to refuse.")
    ).to_be_visible()
    expect(_state(page)).to_have_text("To refuse")
    expect(page.locator("#decision-heading")).to_have_text("Refuse")
    expect(page.get_by_text("C.R.S. 24-74-103", exact=True).first).to_be_visible()
    finding = page.locator(".custodiet-reason--document")
    expect(finding).to_have_count(1)
    expect(finding.locator(".custodiet-reason__head")).to_contain_text(
        "Administrative warrant, not issued by a court"
    )
    expect(finding.locator("dt:text-is('How it was known') + dd")).to_have_text(
        "Inferred from the document"
    )
    expect(finding.locator("dt:text-is('Court-issued') + dd")).to_have_text("No")
    expect(page.get_by_role("link", name="i-200.pdf")).to_be_visible()
    _screenshot(page, "walk-case-refused")
    _assert_accessible(page, "the case to refuse")

    page.get_by_role("button", name="Issue the refusal letter").click()
    expect(
        page.get_by_text("Refused. The refusal letter is issued in English and Spanish")
    ).to_be_visible()
    expect(_state(page)).to_have_text("Refused")
    letters = page.get_by_role("region", name="Letters issued and delivered").first
    expect(letters.get_by_role("link")).to_have_text(
        ["Refusal letter, English", "Refusal letter, Español"]
    )
    expect(letters.get_by_text("Not delivered yet.")).to_be_visible()
    expect(
        page.get_by_text("Your next step: deliver the letters", exact=False).first
    ).to_be_visible()
    _screenshot(page, "walk-case-refused-letters")
    _assert_accessible(page, "the refused case with its letters")

    filename, pdf = _download(page, "Refusal letter, English")
    assert filename == f"{public_id}-refusal-en.pdf"
    text = _pdf_text(pdf)
    assert "C.R.S. 24-74-103" in text
    assert public_id in text

    # Issued is not sent: until it is delivered, the case stays on the clerk's queue.
    page.get_by_role("link", name="Work queue", exact=True).first.click()
    expect(page.get_by_role("link", name=public_id)).to_be_visible()
    page.get_by_role("link", name=public_id).click()
    letters.get_by_text("It was handed over").click()
    letters.get_by_label("To").fill("The requesting officer, at the counter")
    letters.get_by_role("button", name="Record the delivery").click()
    expect(
        letters.get_by_text("Handed over to The requesting officer, at the counter")
    ).to_be_visible()
    _assert_accessible(page, "the refused case, delivered")

    page.get_by_role("link", name="Work queue", exact=True).first.click()
    expect(page.get_by_text("No cases to show.")).to_be_visible()  # delivered: off my queue
    page.get_by_label("Show", exact=True).select_option(label="Refused (1)")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("link", name=public_id)).to_be_visible()
    _screenshot(page, "walk-queue-clerk")
    _assert_accessible(page, "the queue of refused cases")


def test_a_detectives_request_is_approved_by_a_supervisor_and_released_by_the_clerk(
    page, people, mailoutbox
):
    from playwright.sync_api import expect

    _sign_in(page, "clerk")
    public_id = _take_in(page, ROBBERY)
    expect(_state(page)).to_have_text("Awaiting a supervisor")
    next_steps = page.get_by_role("region", name="What you can do now")
    expect(next_steps.get_by_role("button")).to_have_count(0)
    expect(next_steps).to_contain_text(
        "Waiting for a supervisor to approve it for release or send it back."
    )
    _assert_accessible(page, "the case awaiting a supervisor, as the clerk sees it")

    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert sorted(mail.to) == sorted(
        [people["supervisor"].email, people["second_supervisor"].email]
    )
    assert mail.subject == f"Approval needed: {public_id} from Denver Police Department"
    assert f"/cases/{public_id}/" in mail.body

    _sign_out(page, "clerk")
    _sign_in(page, "supervisor")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=public_id))
    expect(row.get_by_text("Your turn")).to_be_visible()
    expect(row).to_contain_text("Awaiting a supervisor")
    _screenshot(page, "walk-queue-supervisor")
    row.get_by_role("link", name=public_id).click()

    expect(page.get_by_role("button", name="Approve for release")).to_be_visible()
    releasable = page.get_by_role("region", name="May be released").get_by_role("listitem")
    expect(releasable).to_have_text(["Address", "Photograph"])
    _screenshot(page, "walk-case-awaiting-approval")
    _assert_accessible(page, "the case awaiting approval, as the supervisor sees it")

    page.get_by_role("button", name="Approve for release").click()
    expect(
        page.get_by_text("Approved for release. The release package can now be issued.")
    ).to_be_visible()
    expect(_state(page)).to_have_text("Approved for release")
    _assert_accessible(page, "the approved case")
    # The clerk who took it in is told, once the approval is committed.
    assert [mail.to for mail in mailoutbox[1:]] == [[people["clerk"].email]]
    assert mailoutbox[1].subject == f"Approved: request {public_id}"

    _sign_out(page, "supervisor")
    _sign_in(page, "clerk")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=public_id))
    expect(row.get_by_text("Your turn")).to_be_visible()
    row.get_by_role("link", name=public_id).click()
    page.get_by_role("button", name="Issue the release package").click()
    expect(
        page.get_by_text("Released. The release package is issued in English and Spanish")
    ).to_be_visible()
    expect(_state(page)).to_have_text("Released")
    letters = page.get_by_role("region", name="Letters issued and delivered").first
    expect(letters.get_by_role("link")).to_have_text(
        ["Release package, English", "Release package, Español"]
    )
    history = page.get_by_role("region", name="History").first
    expect(history).to_contain_text("Approved for release by a supervisor")
    expect(history).to_contain_text("Released with the release package: 2 documents")
    _screenshot(page, "walk-case-released")
    _assert_accessible(page, "the released case with its letters")

    filename, pdf = _download(page, "Release package, English")
    assert filename == f"{public_id}-release-en.pdf"
    text = _pdf_text(pdf)
    assert "may be used only for criminal investigations" in text
    assert "immigration enforcement" in text
    released = text[text.index("Records released") : text.index("Records withheld")]
    assert released.split() == ["Records", "released", "Address", "Photograph"]

    history.get_by_role("row").filter(has_text="Released with the release package").get_by_role(
        "link"
    ).click()
    expect(page.get_by_role("heading", name=re.compile(r"^Ledger entry \d+$"))).to_be_visible()
    expect(page.get_by_role("heading", name="Verified")).to_be_visible()
    expect(
        page.get_by_text(
            re.compile(
                r"Released with the release package: 2 documents; decided again under the law "
                r"of \d+ \w+ \d{4}, which allows it, by clerk"
            )
        )
    ).to_be_visible()
    _screenshot(page, "walk-proof")
    _assert_accessible(page, "the proof of the release's ledger entry")


def test_a_clerk_sees_no_approve_button_and_a_forged_approval_is_refused(page):
    from playwright.sync_api import expect

    _sign_in(page, "clerk")
    public_id = _take_in(page, ROBBERY)
    expect(_state(page)).to_have_text("Awaiting a supervisor")
    expect(page.get_by_role("button", name="Approve for release")).to_have_count(0)
    expect(page.get_by_role("button", name="Send back")).to_have_count(0)

    # The form a supervisor's page would show, built in the clerk's page with its own token.
    token = page.locator("input[name=csrfmiddlewaretoken]").first.input_value()
    with page.expect_response(f"**/cases/{public_id}/approve/") as answer:
        page.evaluate(
            """([action, token]) => {
                const form = document.createElement("form");
                form.method = "post";
                form.action = action;
                const input = document.createElement("input");
                input.type = "hidden";
                input.name = "csrfmiddlewaretoken";
                input.value = token;
                form.append(input);
                document.body.append(form);
                form.submit();
            }""",
            [f"/cases/{public_id}/approve/", token],
        )
    assert answer.value.status == 403
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    expect(page.get_by_text("Your role (Clerk) may not do this.")).to_be_visible()
    _screenshot(page, "walk-denied")
    _assert_accessible(page, "the page refusing the clerk's approval")

    page.get_by_role("link", name=f"Back to request {public_id}").click()
    expect(_state(page)).to_have_text("Awaiting a supervisor")
    expect(page.get_by_role("region", name="History").first).not_to_contain_text("Approved")


def test_a_supervisor_who_took_the_request_in_sees_no_approve_button(page):
    from playwright.sync_api import expect

    _sign_in(page, "supervisor")
    public_id = _take_in(page, ROBBERY)
    expect(_state(page)).to_have_text("Awaiting a supervisor")
    expect(page.get_by_role("button", name="Approve for release")).to_have_count(0)
    expect(page.get_by_role("button", name="Send back")).to_have_count(0)
    expect(
        page.get_by_text(
            "You took in or decided this request, so another supervisor must approve it."
        )
    ).to_be_visible()
    _screenshot(page, "walk-case-own-intake")
    _assert_accessible(page, "the case the supervisor took in")

    page.get_by_role("link", name="Work queue", exact=True).first.click()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=public_id))
    expect(row).to_contain_text("Awaiting a supervisor")
    expect(row.get_by_text("Your turn")).to_have_count(0)
