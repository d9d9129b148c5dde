"""Letters that go out: the requester's email and postal address taken at intake, the
agency's and the requester's address blocks and the offered document's name on the letter,
a preview that is never recorded, and each delivery (emailed with the PDFs attached,
mailed, handed over) recorded as it happens, with its ledger entry.

Everything goes through HTTP as the clerk's browser does; the mail is Django's test
outbox (locmem), time is frozen (tests/cases/conftest.py).
"""

from __future__ import annotations

import json
import re
import smtplib

import pytest
from django.core.mail.backends.locmem import EmailBackend
from django.test import Client

from custodiet.accounts.models import Agency
from custodiet.cases.models import Case, Delivery, Letter, State
from custodiet.ledger.models import Entry
from custodiet.records.models import Event

from .conftest import ICE, ROBBERY, pdf_upload
from .test_case_pages import case_of, take_in, text
from .test_letters import _text as pdf_text

# A supervisor to notify: a request eligible for release waits for their approval.
pytestmark = pytest.mark.usefixtures("frozen_now", "supervisor")

EMAIL = "field-office@ice.example.gov"
ADDRESS = "Example Field Office\n12445 East Example Avenue\nCentennial, CO 80111"
CONTACT = {"requester_email": EMAIL, "requester_address": ADDRESS}
I200_NAME = (
    "Form I-200, Warrant for Arrest of Alien (administrative warrant, not issued by a court)"
)
I200_NAME_ES = (
    "Formulario I-200, Warrant for Arrest of Alien (orden administrativa, no emitida por un "
    "tribunal)"
)


@pytest.fixture
def return_address(agency):
    agency.address = "Records Office\n1881 Example Street\nLakewood, CO 80214"
    agency.email = "records@dmv.example.gov"
    agency.phone = "303-555-0100"
    agency.save()
    return agency


@pytest.fixture
def refused(clerk, signed_in, return_address) -> Case:
    """ICE's request with an I-200 and the requester's contact, refused by the clerk."""
    client = signed_in(clerk)
    case = case_of(take_in(client, {**ICE, **CONTACT}, documents=[pdf_upload()]))
    response = client.post(f"/cases/{case.request.public_id}/refuse/")
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == State.REFUSED
    return case


def deliver(client: Client, case: Case, method: str, to: str = ""):
    return client.post(
        f"/cases/{case.request.public_id}/deliver/",
        {"delivery-method": method, "delivery-to": to},
    )


def read(response) -> str:
    """The page's text with no space before punctuation, as a person reads it."""
    return re.sub(r"\s+([,.:])", r"\1", text(response))


def ledger_counts() -> tuple[int, int, int]:
    return Event.objects.count(), Entry.objects.count(), Delivery.objects.count()


# Intake


def test_intake_asks_for_the_requesters_email_and_postal_address(clerk, signed_in):
    html = signed_in(clerk).get("/cases/new/").content.decode()
    assert 'name="requester_email"' in html
    assert '<textarea name="requester_address"' in html


def test_intake_keeps_the_requesters_email_and_postal_address(clerk, signed_in):
    case = case_of(take_in(signed_in(clerk), {**ROBBERY, **CONTACT}))
    requester = case.request.payload["requester"]
    assert requester["email"] == EMAIL
    assert requester["address"].splitlines() == ADDRESS.splitlines()


def test_intake_refuses_an_email_that_is_not_one_and_records_nothing(clerk, signed_in):
    response = take_in(signed_in(clerk), {**ROBBERY, "requester_email": "the ERO office"})
    assert response.status_code == 200
    assert "Enter a valid email address." in text(response)
    assert not Case.objects.exists() and not Event.objects.exists()


def test_the_requesters_contact_is_hashed_in_every_ledger_leaf(refused, clerk, signed_in):
    assert deliver(signed_in(clerk), refused, "email").status_code == 302
    assert deliver(signed_in(clerk), refused, "mail").status_code == 302
    leaves = [bytes(entry.data).decode() for entry in Entry.objects.all()]
    received = next(json.loads(leaf) for leaf in leaves if '"request.received"' in leaf)
    kept = received["payload"]["request"]["requester"]
    assert kept["organization"] == "U.S. Immigration and Customs Enforcement"
    assert kept["email"].startswith("hmac-sha256:") and kept["address"].startswith("hmac-sha256:")
    for leaf in leaves:
        assert EMAIL not in leaf
        assert "Example Field Office" not in leaf and "12445" not in leaf


# The letter


def test_the_refusal_letter_carries_both_addresses_and_names_the_i200(refused):
    english = pdf_text(bytes(refused.letters.get(language="en").pdf))
    spanish = pdf_text(bytes(refused.letters.get(language="es").pdf))
    for letter in (english, spanish):
        assert "Records Office 1881 Example Street Lakewood, CO 80214" in letter
        assert "records@dmv.example.gov" in letter
        assert "U.S. Immigration and Customs Enforcement ERO Example Field Office " in letter
        assert "12445 East Example Avenue Centennial, CO 80111" in letter
        assert "PREVIEW" not in letter and "BORRADOR" not in letter
        assert "—" not in letter
    assert "Phone 303-555-0100" in english and "Tel. 303-555-0100" in spanish
    assert I200_NAME in english
    assert I200_NAME_ES in spanish


def test_a_document_described_at_intake_is_named_as_it_was_described(
    clerk, signed_in, return_address
):
    described = {
        **ICE,
        "process_form": "I-205",
        "process_title": "Warrant of Removal/Deportation",
        "process_issued_by": "Example Field Office Director",
    }
    client = signed_in(clerk)
    case = case_of(take_in(client, described))
    client.post(f"/cases/{case.request.public_id}/refuse/")
    letter = pdf_text(bytes(Letter.objects.get(case=case, language="en").pdf))
    assert (
        "Form I-205, Warrant of Removal/Deportation, issued by Example Field Office Director "
        "(administrative warrant, not issued by a court)"
    ) in letter


# The preview


def test_the_preview_is_marked_as_one_and_recorded_nowhere(clerk, signed_in, return_address):
    client = signed_in(clerk)
    case = case_of(take_in(client, {**ICE, **CONTACT}, documents=[pdf_upload()]))
    before = ledger_counts()
    url = f"/cases/{case.request.public_id}/"
    assert f'href="{url}letters/preview-en.pdf"' in client.get(url).content.decode()

    english = client.get(f"{url}letters/preview-en.pdf")
    spanish = client.get(f"{url}letters/preview-es.pdf")

    assert english.status_code == spanish.status_code == 200
    assert english["Content-Type"] == "application/pdf"
    assert "no-store" in english["Cache-Control"]
    assert "preview" in english["Content-Disposition"]
    english_text, spanish_text = pdf_text(english.content), pdf_text(spanish.content)
    assert "PREVIEW – NOT ISSUED" in english_text and "Preview, not issued." in english_text
    assert "BORRADOR – NO EMITIDO" in spanish_text
    assert I200_NAME in english_text and "Example Field Office" in english_text
    assert ledger_counts() == before
    assert not Letter.objects.exists()
    case.refresh_from_db()
    assert case.state == State.TO_REFUSE


def test_there_is_no_preview_while_no_letter_is_to_be_issued(clerk, signed_in):
    client = signed_in(clerk)
    case = case_of(take_in(client, ROBBERY))  # awaiting a supervisor's approval
    response = client.get(f"/cases/{case.request.public_id}/letters/preview-en.pdf")
    assert response.status_code == 409
    assert "has no letter to issue" in text(response)
    assert client.get(f"/cases/{case.request.public_id}/letters/preview-fr.pdf").status_code == 404


# Delivery


def test_the_case_says_issued_not_sent_until_the_letter_goes_out(clerk, signed_in, return_address):
    client = signed_in(clerk)
    case = case_of(take_in(client, {**ICE, **CONTACT}))
    url = f"/cases/{case.request.public_id}/"
    assert "Issue the refusal letter" in text(client.get(url))

    client.post(f"{url}refuse/")

    page = read(client.get(url))
    assert "The refusal letter is issued in English and Spanish. It has not gone out yet" in page
    assert "The refusal letter was issued 10 March 2025, 09:30, in English and Spanish" in page
    assert "Not delivered yet." in page
    assert "was sent" not in page and "Letters sent" not in page
    assert page.index("Letters issued and delivered") < page.index("The request")


def test_emailing_attaches_both_pdfs_and_writes_a_ledger_event(
    refused, clerk, signed_in, mailoutbox
):
    client = signed_in(clerk)
    url = f"/cases/{refused.request.public_id}/"
    mailoutbox.clear()

    response = deliver(client, refused, "email")

    assert response.status_code == 302 and response["Location"] == url
    [mail] = mailoutbox
    assert mail.to == [EMAIL]
    assert mail.reply_to == ["records@dmv.example.gov"]
    assert refused.request.public_id in mail.subject
    issued = list(refused.letters.order_by("id"))
    assert [(name, bytes(content)) for name, content, _ in mail.attachments] == [
        (f"{refused.request.public_id}-refusal-{letter.language}.pdf", bytes(letter.pdf))
        for letter in issued
    ]
    delivery = Delivery.objects.get()
    assert (delivery.method, delivery.to, delivery.by) == ("email", EMAIL, clerk)
    assert list(delivery.letters.order_by("id")) == issued
    event = Event.objects.get(kind="letter.delivered")
    assert event.actor == clerk.username
    assert event.payload["delivery"] == {
        "method": "email",
        "letter_sha256": [letter.sha256 for letter in issued],
        "language": ["en", "es"],
        "to": EMAIL,
    }
    leaf = json.loads(bytes(event.ledger_entry.data))
    kept = leaf["payload"]["delivery"]
    assert kept["method"] == "email" and kept["language"] == ["en", "es"]
    assert kept["letter_sha256"] == [letter.sha256 for letter in issued]
    assert kept["to"].startswith("hmac-sha256:")

    page = read(client.get(url))
    assert f"Emailed to {EMAIL}, with the letters attached." in page
    assert f"Emailed to {EMAIL}, 10 March 2025, 09:30, by" in page
    assert "Not delivered yet." not in page
    assert f"Letters delivered: emailed to {EMAIL}" in page


def test_the_clerk_marks_it_mailed_or_handed_over(refused, clerk, signed_in, mailoutbox):
    client = signed_in(clerk)
    mailoutbox.clear()

    assert deliver(client, refused, "mail").status_code == 302
    assert deliver(client, refused, "hand", "Example Requester, at the counter").status_code == 302

    assert mailoutbox == []
    mailed, handed = Delivery.objects.order_by("id")
    assert (mailed.method, mailed.to) == ("mail", ADDRESS)
    assert (handed.method, handed.to) == ("hand", "Example Requester, at the counter")
    assert Event.objects.filter(kind="letter.delivered").count() == 2
    page = read(client.get(f"/cases/{refused.request.public_id}/"))
    assert "Mailed to Example Field Office, 12445 East Example Avenue, Centennial, CO 80111" in page
    assert "Handed over to Example Requester, at the counter" in page


def test_a_hand_delivery_says_who_received_it(refused, clerk, signed_in):
    before = ledger_counts()
    response = deliver(signed_in(clerk), refused, "hand")
    assert response.status_code == 409
    assert "Give who received it: the request holds none." in text(response)
    assert ledger_counts() == before


def test_an_email_the_server_refuses_records_nothing(
    refused, clerk, signed_in, mailoutbox, monkeypatch
):
    def refuse(self, messages):
        raise smtplib.SMTPRecipientsRefused({EMAIL: (550, b"mailbox unavailable")})

    monkeypatch.setattr(EmailBackend, "send_messages", refuse)
    mailoutbox.clear()
    before = ledger_counts()

    response = deliver(signed_in(clerk), refused, "email")

    assert response.status_code == 409
    page = text(response)
    assert "Nothing was changed" in page
    assert f"The email to {EMAIL} could not be sent" in page
    assert "nothing is recorded as delivered" in page
    assert "Not delivered yet." in page
    assert ledger_counts() == before
    assert mailoutbox == []


def test_no_email_without_an_address(clerk, signed_in, mailoutbox):
    client = signed_in(clerk)
    case = case_of(take_in(client, ICE))
    client.post(f"/cases/{case.request.public_id}/refuse/")
    mailoutbox.clear()
    response = deliver(client, case, "email")
    assert response.status_code == 409
    assert "Give an email address: the request holds none." in text(response)
    assert not Delivery.objects.exists() and mailoutbox == []


def test_nothing_is_delivered_before_it_is_issued(clerk, signed_in):
    client = signed_in(clerk)
    case = case_of(take_in(client, {**ICE, **CONTACT}))
    response = deliver(client, case, "mail")
    assert response.status_code == 409
    assert not Delivery.objects.exists()


def test_counsel_cannot_deliver_and_another_agency_finds_no_case(
    refused, counsel, outsider, signed_in
):
    before = ledger_counts()
    assert deliver(signed_in(counsel), refused, "mail").status_code == 403
    assert deliver(signed_in(outsider), refused, "mail").status_code == 404
    url = f"/cases/{refused.request.public_id}/letters/preview-en.pdf"
    assert signed_in(counsel).get(url).status_code == 403
    assert signed_in(outsider).get(url).status_code == 404
    assert ledger_counts() == before


def test_a_delivery_needs_the_csrf_token(refused, clerk):
    client = Client(enforce_csrf_checks=True)
    client.force_login(clerk)
    before = ledger_counts()
    response = deliver(client, refused, "mail")
    assert response.status_code == 403
    assert ledger_counts() == before


def test_a_name_no_email_header_can_carry_is_refused_with_nothing_recorded(
    refused, clerk, signed_in, mailoutbox
):
    # Agencies saved before names were checked for one line: Django will not put a line
    # break in the Subject, and the clerk is told so instead of meeting a server error.
    Agency.objects.filter(pk=refused.agency_id).update(name="Motor Vehicles\nBcc: x@example.org")
    mailoutbox.clear()
    before = ledger_counts()
    response = deliver(signed_in(clerk), refused, "email")
    assert response.status_code == 409
    assert "could not be sent" in text(response)
    assert ledger_counts() == before and not mailoutbox


def test_a_case_delivered_twice_is_listed_once(refused, clerk, signed_in):
    client = signed_in(clerk)
    for method, to in (("mail", ""), ("hand", "The officer, at the counter")):
        assert deliver(client, refused, method, to).status_code == 302
    page = client.get("/cases/", {"state": "refused"}).content.decode()
    assert page.count(f">{refused.request.public_id}<") == 1
    assert "1 case" in text(client.get("/cases/", {"state": "refused"}))
