"""Restriction notices: the PDF in English and Spanish, how it was sent, the partners'
acknowledgments, the list of those who have not acknowledged, and the bulk re-send.
"""

from __future__ import annotations

import hashlib
import io
import smtplib

import pytest
from django.core.mail import EmailMessage
from django.urls import reverse
from pypdf import PdfReader

from custodiet.partners import actions
from custodiet.partners.models import Acknowledgment, Notice
from custodiet.records.models import Event

from .conftest import INSURER, TODAY

pytestmark = pytest.mark.usefixtures("frozen_now")


def pdf_text(content: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return " ".join(text.split())


def test_the_notice_carries_the_restriction_in_english_and_spanish(register, privacy_officer):
    partner = register(contact_name="Dana Example", contact_address="1 Main St\nDenver CO")
    notice = actions.send_notice(partner, by=privacy_officer, method="mail")

    text = pdf_text(bytes(notice.pdf))

    assert notice.sent_to == "1 Main St\nDenver CO"  # the registry's address
    assert notice.sha256 == hashlib.sha256(bytes(notice.pdf)).hexdigest()
    for words in (
        "may be used only for criminal investigations",
        "It may not be used for federal immigration enforcement, and it may not be passed on "
        "to anyone for that purpose.",
        "Colorado Governor's guidance to executive agencies of May 20, 2020; C.R.S. 24-74-103.",
        "solo puede usarse para investigaciones penales",
        "No puede usarse para la aplicación de las leyes federales de inmigración, y no puede "
        "transmitirse a nadie con ese fin.",
        "Directriz del Gobernador de Colorado a las agencias ejecutivas del 20 de mayo de 2020",
        f"{INSURER}",
        "Colorado Division of Motor Vehicles",
        notice.reference,
        "March 10, 2025",
        "10 de marzo de 2025",
    ):
        assert words in text, words
    reader = PdfReader(io.BytesIO(bytes(notice.pdf)))
    assert len(reader.pages) >= 2  # the Spanish starts on a page of its own


def test_a_notice_sent_by_email_goes_out_with_its_pdf_and_is_ledgered(
    register, privacy_officer, signed_in, mailoutbox
):
    partner = register()
    response = signed_in(privacy_officer).post(
        reverse("partner-notice-send", args=[partner.pk]), {"method": "email"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("partner", args=[partner.pk])

    notice = Notice.objects.get(partner=partner)
    assert (notice.method, notice.sent_to) == ("email", "compliance@insurer.example")
    [message] = mailoutbox
    assert message.to == ["compliance@insurer.example"]
    assert message.reply_to == ["privacy_officer@agency.example"]
    assert notice.reference in message.subject
    assert "only for criminal investigations" in message.body
    assert "solo para investigaciones penales" in message.body
    [(filename, content, mimetype)] = message.attachments
    assert (filename, mimetype) == (f"restriction-notice-{notice.reference}.pdf", "application/pdf")
    assert content == bytes(notice.pdf)

    event = Event.objects.get(kind="notice.sent")
    assert event.request is None
    assert event.ledger_entry is not None
    assert event.payload["document_sha256"] == [notice.sha256]
    assert event.payload["method"] == "email"
    assert "compliance@insurer.example" not in str(event.payload)

    download = signed_in(privacy_officer).get(
        reverse("partner-notice", args=[partner.pk, notice.pk])
    )
    assert download.content == bytes(notice.pdf)


def test_a_notice_by_hand_names_who_received_it_and_sends_no_email(
    register, privacy_officer, signed_in, mailoutbox
):
    partner = register()
    client = signed_in(privacy_officer)
    url = reverse("partner-notice-send", args=[partner.pk])

    missing = client.post(url, {"method": "hand"})
    assert "Give who received it" in missing.content.decode()
    assert not Notice.objects.exists()

    client.post(url, {"method": "hand", "sent_to": "Front desk, Sgt. Example"})
    notice = Notice.objects.get()
    assert (notice.method, notice.sent_to) == ("hand", "Front desk, Sgt. Example")
    assert mailoutbox == []


def test_an_email_the_server_refuses_leaves_no_record(
    register, privacy_officer, signed_in, monkeypatch
):
    def refuse(self, fail_silently=False):
        raise smtplib.SMTPRecipientsRefused({"compliance@insurer.example": (550, b"no")})

    monkeypatch.setattr(EmailMessage, "send", refuse)
    partner = register()
    response = signed_in(privacy_officer).post(
        reverse("partner-notice-send", args=[partner.pk]), {"method": "email"}
    )
    assert response.status_code == 200
    assert "could not be sent" in response.content.decode()
    assert not Notice.objects.exists()
    assert not Event.objects.filter(kind="notice.sent").exists()


def test_acknowledgments_and_the_list_of_who_has_not_acknowledged(
    register, privacy_officer, signed_in
):
    acknowledged, waiting = register("Acked Co"), register("Waiting Co")
    register("New Co")
    for partner in (acknowledged, waiting):
        actions.send_notice(partner, by=privacy_officer, method="mail", sent_to="Denver")
    actions.acknowledge(
        acknowledged.notices.get(),
        by=privacy_officer,
        acknowledged_on=TODAY,
        acknowledged_by="Pat Example, Chief",
        method="signed_copy",
    )
    client = signed_in(privacy_officer)

    html = client.get(reverse("partner-notices")).content.decode()
    assert "2 partners without an acknowledgment" in html
    assert ">Waiting Co</a>" in html and ">New Co</a>" in html and "Never sent" in html
    assert "Acked Co" not in html

    notice = waiting.notices.get()
    response = client.post(
        reverse("partner-acknowledge", args=[waiting.pk]),
        {
            "notice": notice.pk,
            "acknowledged_on": "2025-03-10",
            "acknowledged_by": "Lee Example, Records Manager",
            "method": "email",
        },
    )
    assert response.status_code == 302
    ack = Acknowledgment.objects.get(notice=notice)
    assert (ack.acknowledged_on, ack.acknowledged_by, ack.method) == (
        TODAY,
        "Lee Example, Records Manager",
        "email",
    )
    event = Event.objects.filter(kind="notice.acknowledged").last()
    assert event.payload["notice"] == notice.reference
    assert event.payload["acknowledged_on"] == "2025-03-10"
    assert "Lee Example" not in str(event.payload)

    html = client.get(reverse("partner-notices")).content.decode()
    assert "1 partner without an acknowledgment" in html
    assert ">Waiting Co</a>" not in html and ">New Co</a>" in html

    listed = client.get(reverse("partners"), {"notice": "acknowledged"}).content.decode()
    assert ">Acked Co</a>" in listed and ">Waiting Co</a>" in listed and "New Co" not in listed


@pytest.mark.parametrize(
    ("acknowledged_on", "message"),
    [("2025-03-09", "it cannot have been acknowledged before"), ("2025-03-11", "in the future")],
)
def test_an_acknowledgment_outside_the_notices_life_is_refused(
    acknowledged_on, message, register, privacy_officer, signed_in
):
    partner = register()
    notice = actions.send_notice(partner, by=privacy_officer, method="mail", sent_to="Denver")
    response = signed_in(privacy_officer).post(
        reverse("partner-acknowledge", args=[partner.pk]),
        {
            "notice": notice.pk,
            "acknowledged_on": acknowledged_on,
            "acknowledged_by": "Lee Example",
            "method": "email",
        },
    )
    assert message in response.content.decode()
    assert not Acknowledgment.objects.exists()


def test_another_partners_notice_cannot_be_acknowledged_here(register, privacy_officer, signed_in):
    mine, other = register("Mine Co"), register("Other Co")
    theirs = actions.send_notice(other, by=privacy_officer, method="mail", sent_to="Denver")
    actions.send_notice(mine, by=privacy_officer, method="mail", sent_to="Denver")
    response = signed_in(privacy_officer).post(
        reverse("partner-acknowledge", args=[mine.pk]),
        {
            "notice": theirs.pk,
            "acknowledged_on": "2025-03-10",
            "acknowledged_by": "Lee Example",
            "method": "email",
        },
    )
    assert "Select a valid choice" in response.content.decode()
    assert not Acknowledgment.objects.exists()


def test_bulk_resend_emails_each_partner_that_has_not_acknowledged_once(
    register, privacy_officer, signed_in, mailoutbox
):
    acked = register("Acked Co", contact_email="acked@example.org")
    waiting = register("Waiting Co", contact_email="waiting@example.org")
    register("New Co", contact_email="new@example.org")
    register("Paper Co", contact_email="", contact_address="2 Main St, Denver")
    first = actions.send_notice(acked, by=privacy_officer, method="email")
    actions.acknowledge(
        first, by=privacy_officer, acknowledged_on=TODAY, acknowledged_by="A", method="email"
    )
    actions.send_notice(waiting, by=privacy_officer, method="mail", sent_to="Denver")
    mailoutbox.clear()
    sent_before = Event.objects.filter(kind="notice.sent").count()

    response = signed_in(privacy_officer).post(reverse("partner-notices-resend"), follow=True)

    assert sorted(message.to[0] for message in mailoutbox) == [
        "new@example.org",
        "waiting@example.org",
    ]
    for message in mailoutbox:
        [(_, content, _)] = message.attachments
        notice = Notice.objects.get(sent_to=message.to[0], method="email")
        assert content == bytes(notice.pdf)
        assert notice.reference in message.subject
    events = Event.objects.filter(kind="notice.sent").order_by("id")[sent_before:]
    assert sorted(event.payload["name"] for event in events) == ["New Co", "Waiting Co"]
    assert all(event.ledger_entry is not None for event in events)
    assert waiting.notices.count() == 2
    html = response.content.decode()
    assert "A new notice was emailed to 2 partners." in html
    assert "No email address is on file for Paper Co" in html


def test_a_refused_message_in_a_bulk_resend_spares_the_others(
    register, privacy_officer, monkeypatch, mailoutbox
):
    register("Bad Co", contact_email="bad@example.org")
    register("Good Co", contact_email="good@example.org")
    send = EmailMessage.send

    def picky(self, fail_silently=False):
        if self.to == ["bad@example.org"]:
            raise smtplib.SMTPRecipientsRefused({"bad@example.org": (550, b"no")})
        return send(self, fail_silently)

    monkeypatch.setattr(EmailMessage, "send", picky)
    resent = actions.resend_to_unacknowledged(privacy_officer.membership.agency, by=privacy_officer)
    assert [notice.partner.name for notice in resent.sent] == ["Good Co"]
    assert [partner.name for partner, _ in resent.failed] == ["Bad Co"]
    assert [message.to for message in mailoutbox] == [["good@example.org"]]
    assert list(Notice.objects.values_list("partner__name", flat=True)) == ["Good Co"]


def test_notice_numbers_follow_each_partner(register, privacy_officer):
    one, two = register("One Co"), register("Two Co")
    numbers = [
        actions.send_notice(partner, by=privacy_officer, method="mail", sent_to="x").reference
        for partner in (one, one, two)
    ]
    assert numbers == [f"N-{one.pk:04d}-01", f"N-{one.pk:04d}-02", f"N-{two.pk:04d}-01"]
