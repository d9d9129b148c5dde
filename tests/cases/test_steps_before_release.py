"""The steps some decisions require before anything is released: the Governor's office's
review of a DHS subpoena (`governor_review`), the clerk's check of a person's identity
(`verify_identity`), and the officer's name, agency and badge number with a copy of the
process (`record_officer`). Each is recorded once, as a ledgered event, from the case page.
"""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfReader

from custodiet.cases import actions
from custodiet.cases.models import State
from custodiet.ledger import store

from .conftest import HSI, HSI_SUBPOENA, I200_LINES, OWN_RECORD, make_pdf
from .test_case_pages import case_of, take_in, text

pytestmark = pytest.mark.usefixtures("frozen_now")

AWAITED = "Awaited before anything is released"
COUNSEL_REASON = "A grand jury subpoena in a wire fraud case: the address may be released."


def _pdf_text(pdf: bytes) -> str:
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))


def _governor(answer: str, answered_on: str = "2025-08-03", reference: str = "GOV-25-0419"):
    return {
        "governor-answer": answer,
        "governor-answered_on": answered_on,
        "governor-reference": reference,
    }


@pytest.fixture
def subpoena(august, signed_in, clerk, supervisor, mailoutbox):
    """HSI's grand jury subpoena of 1 August 2025, taken in through the intake form."""
    return case_of(take_in(signed_in(clerk), HSI_SUBPOENA))


# The Governor's office's review


def test_a_dhs_subpoena_awaits_the_governors_office_and_supervisors_get_the_form(
    subpoena, signed_in, counsel, supervisor, clerk
):
    decision = subpoena.request.decisions.get().payload
    assert "governor_review" in decision["obligations"]
    assert subpoena.state == State.WITH_COUNSEL
    url = f"/cases/{subpoena.request.public_id}/"

    for person in (counsel, clerk):
        page = signed_in(person).get(url)
        assert AWAITED in text(page)
        assert (
            "The Governor's office's review of the subpoena. "
            "A supervisor or the privacy officer records it." in text(page)
        )
        assert 'action="/cases/' + subpoena.request.public_id + '/governor-review/"' not in (
            page.content.decode()
        )
    page = signed_in(supervisor).get(url)
    assert "Record the Governor's office's review of the subpoena" in text(page)
    assert f'action="{url}governor-review/"' in page.content.decode()


def test_nothing_is_released_until_the_review_is_recorded_then_it_is(
    subpoena, signed_in, counsel, supervisor, privacy_officer, clerk
):
    url = f"/cases/{subpoena.request.public_id}/"
    actions.counsel_decide(subpoena, by=counsel, release=True, reason=COUNSEL_REASON)
    actions.approve(subpoena, by=supervisor)
    client = signed_in(clerk)
    assert "Issue the release package" not in text(client.get(url))

    refused = client.post(f"{url}release/")
    assert refused.status_code == 409
    assert (
        "Record the Governor's office's review of the subpoena before anything is released."
        in text(refused)
    )
    subpoena.refresh_from_db()
    assert subpoena.state == State.APPROVED and not subpoena.letters.exists()

    officer = signed_in(privacy_officer)
    assert officer.post(f"{url}governor-review/", _governor("approved")).status_code == 302
    event = subpoena.request.events.get(kind="obligation.recorded")
    assert event.payload == {
        "obligation": "governor_review",
        "met": True,
        "approved": True,
        "answered_on": "2025-08-03",
        "reference": "GOV-25-0419",
    }
    assert event.actor == "privacy_officer"
    assert store.leaf_mismatch(event, bytes(event.ledger_entry.data)) is None
    page = text(client.get(url))
    assert AWAITED not in page
    assert (
        "Recorded before release: Governor's office review approved "
        "(answered 3 Aug 2025, reference GOV-25-0419)" in page
    )
    assert "Issue the release package" in page

    assert client.post(f"{url}release/").status_code == 302
    subpoena.refresh_from_db()
    assert subpoena.state == State.RELEASED


def test_a_review_not_approved_sends_the_case_to_be_refused_and_the_letter_says_so(
    subpoena, signed_in, supervisor, clerk
):
    url = f"/cases/{subpoena.request.public_id}/"
    boss = signed_in(supervisor)
    response = boss.post(f"{url}governor-review/", _governor("not_approved"))
    assert response.status_code == 302
    assert "Recorded: the Governor's office did not approve. The request is to refuse." in text(
        boss.get(url)
    )
    subpoena.refresh_from_db()
    assert subpoena.state == State.TO_REFUSE
    event = subpoena.request.events.get(kind="obligation.recorded")
    assert event.payload["met"] is False and event.payload["to_state"] == "to_refuse"
    page = text(signed_in(clerk).get(url))
    assert "not approved, so the request is to refuse" in page
    assert AWAITED not in page

    case = actions.refuse(subpoena, by=clerk)
    english = _pdf_text(bytes(case.letters.get(language="en").pdf))
    assert "The subpoena was sent to the Governor's office for review before any answer" in english
    assert "did not approve an answer (its reference GOV-25-0419, of August 3, 2025)" in english
    spanish = _pdf_text(bytes(case.letters.get(language="es").pdf))
    assert "no aprobó una respuesta (su referencia GOV-25-0419, del 3 de agosto de 2025)" in spanish


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (_governor("approved", reference=""), "reference", "This field is required."),
        (_governor("approved", answered_on="2025-08-05"), "answered_on", "after today"),
        (_governor("perhaps"), "answer", "Select a valid choice."),
    ],
    ids=["no-reference", "future-date", "unknown-answer"],
)
def test_the_review_form_explains_its_problems_and_records_nothing(
    subpoena, signed_in, supervisor, data, field, message
):
    url = f"/cases/{subpoena.request.public_id}/"
    response = signed_in(supervisor).post(f"{url}governor-review/", data)
    assert response.status_code == 200
    error = re.search(
        rf'id="id_governor-{field}_error">(.+?)</span></span>', response.content.decode(), re.S
    )
    assert error and message in error.group(1)
    assert not subpoena.request.events.filter(kind="obligation.recorded").exists()


def test_a_review_is_recorded_once(subpoena, signed_in, supervisor):
    client = signed_in(supervisor)
    url = f"/cases/{subpoena.request.public_id}/governor-review/"
    assert client.post(url, _governor("approved")).status_code == 302
    again = client.post(url, _governor("not_approved"))
    assert again.status_code == 409
    assert "is not awaited on case" in text(again)
    subpoena.refresh_from_db()
    assert subpoena.state == State.WITH_COUNSEL


def test_a_step_the_decision_does_not_require_cannot_be_recorded(
    august, opened, clerk, supervisor, signed_in, mailoutbox
):
    case = opened({**HSI, "received_date": "2025-08-01"}, by=clerk)  # no subpoena
    response = signed_in(supervisor).post(
        f"/cases/{case.request.public_id}/governor-review/", _governor("approved")
    )
    assert response.status_code == 409
    assert "the decision does not require it" in text(response)


def test_a_step_newly_required_on_the_day_of_release_sends_the_case_back_to_counsel(
    august, opened, clerk, counsel, supervisor, signed_in, mailoutbox
):
    # Received the day before the Governor's office began its reviews, released after.
    case = opened({**HSI_SUBPOENA, "received_date": "2025-06-30"}, by=clerk)
    assert "governor_review" not in case.request.decisions.get().payload["obligations"]
    actions.counsel_decide(case, by=counsel, release=True, reason=COUNSEL_REASON)
    actions.approve(case, by=supervisor)

    client = signed_in(clerk)
    url = f"/cases/{case.request.public_id}/"
    client.post(f"{url}release/")

    case.refresh_from_db()
    assert case.state == State.WITH_COUNSEL
    page = text(client.get(url))
    assert "and that law requires the Governor's office's review of the subpoena first." in page
    assert "Decided again on 4 August 2025 under the law in force that day" in page
    assert AWAITED in page


# The person's identity


def test_the_clerk_records_the_identity_check_before_the_release(
    opened, clerk, supervisor, signed_in, mailoutbox
):
    case = opened(OWN_RECORD, by=clerk)
    assert "verify_identity" in case.request.decisions.get().payload["obligations"]
    actions.approve(case, by=supervisor)
    client = signed_in(clerk)
    url = f"/cases/{case.request.public_id}/"
    page = text(client.get(url))
    assert AWAITED in page and "Record the check of the requester's identity" in page
    assert client.post(f"{url}release/").status_code == 409

    number = client.post(f"{url}identity/", {"identity-document_seen": "License 99-123-4567"})
    assert number.status_code == 200
    assert "Say what kind of document you saw, not its number." in text(number)

    note = "Colorado driver's license, name and photo match"
    assert client.post(f"{url}identity/", {"identity-document_seen": note}).status_code == 302
    event = case.request.events.get(kind="obligation.recorded")
    assert event.payload == {"obligation": "verify_identity", "met": True, "document_seen": note}
    assert f"requester's identity checked: {note}" in text(client.get(url))
    assert client.post(f"{url}release/").status_code == 302
    case.refresh_from_db()
    assert case.state == State.RELEASED


def test_the_identity_action_refuses_a_document_number_whoever_calls_it(
    opened, clerk, supervisor, mailoutbox
):
    case = opened(OWN_RECORD, by=clerk)
    with pytest.raises(actions.WorkflowError, match="never its number"):
        actions.record_obligation(
            case, "verify_identity", by=clerk, details={"document_seen": "passport 123 456 789"}
        )
    assert not case.request.events.filter(kind="obligation.recorded").exists()


# The officer, at an institution (Article 74.1)


def test_the_officer_and_the_process_are_recorded_before_the_release(
    august, institution, opened, clerk, counsel, supervisor, signed_in, mailoutbox
):
    case = opened({**HSI, "received_date": "2025-08-01"}, by=clerk)
    assert "record_officer" in case.request.decisions.get().payload["obligations"]
    assert not case.documents.exists()
    actions.counsel_decide(case, by=counsel, release=True, reason="A forced-labour case.")
    actions.approve(case, by=supervisor)
    client = signed_in(clerk)
    url = f"/cases/{case.request.public_id}/"
    officer = {
        "officer-officer_name": "Special Agent R. Example",
        "officer-officer_agency": "Homeland Security Investigations",
        "officer-badge_number": "4471",
    }
    page = client.get(url)
    assert "Record the lead officer's name, agency and badge number" in text(page)
    assert 'enctype="multipart/form-data"' in page.content.decode()

    without_copy = client.post(f"{url}officer/", officer)
    assert without_copy.status_code == 409
    assert "Keep a copy of the process: upload it as a PDF with this step." in text(without_copy)
    assert not case.request.events.filter(kind="obligation.recorded").exists()

    pdf = make_pdf(I200_LINES)
    upload = SimpleUploadedFile("subpoena.pdf", pdf, "application/pdf")
    assert client.post(f"{url}officer/", {**officer, "officer-process": upload}).status_code == 302
    document = case.documents.get()
    event = case.request.events.get(kind="obligation.recorded")
    assert event.payload["officer_name"] == "Special Agent R. Example"
    assert event.payload["badge_number"] == "4471"
    assert event.payload["document_sha256"] == [document.sha256]
    assert (
        "lead officer Special Agent R. Example, Homeland Security Investigations, badge 4471"
        in (text(client.get(url)))
    )
    assert client.post(f"{url}release/").status_code == 302
    case.refresh_from_db()
    assert case.state == State.RELEASED
