"""`custodiet reminders` for the partner registry: certifications about to lapse, and
restriction notices no one has acknowledged."""

from __future__ import annotations

import datetime as dt

import pytest

from custodiet.accounts.models import Role
from custodiet.partners import actions as partner_actions
from custodiet.partners.models import AcknowledgedBy
from custodiet.records.models import Event
from custodiet.reminders.models import SentReminder

from .conftest import PARTNER_EMAIL

# Signed on April 1, 2024: covers requests through April 1, 2025 (365 days later).
SIGNED_ON = dt.date(2024, 4, 1)


# Certifications ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("signed_on", "today", "sent"),
    [
        (SIGNED_ON, "2025-03-02", False),  # 30 days left: still current
        (SIGNED_ON, "2025-03-03", True),  # 29 days left: expiring
        (SIGNED_ON, "2025-04-01", True),  # its last day
        (SIGNED_ON, "2025-04-02", False),  # lapsed: the registry shows it, no reminder
        # Across February 29: signed March 1, 2023, it covers through February 29, 2024.
        (dt.date(2023, 3, 1), "2024-01-30", False),
        (dt.date(2023, 3, 1), "2024-01-31", True),
    ],
)
def test_a_certification_is_reminded_once_it_lapses_within_30_days(
    partner, certify, reminders, mailoutbox, signed_on, today, sent
):
    certify(partner(), signed_on)

    out = reminders("--today", today)

    assert ("sent 1 reminder (1 certification.expiring)" in out) is sent
    assert len(mailoutbox) == int(sent)


def test_the_expiry_reminder_goes_to_the_partner_copied_to_the_privacy_officer(
    partner, certify, reminders, mailoutbox
):
    certify(partner(), SIGNED_ON)

    reminders("--today", "2025-03-03")

    [mail] = mailoutbox
    assert mail.to == [PARTNER_EMAIL]
    assert mail.cc == ["privacy_officer@agency.example"]
    assert mail.reply_to == ["privacy_officer@agency.example"]
    assert "lapses after April 1, 2025" in mail.subject
    assert "received through April 1, 2025" in mail.body
    assert "hasta el 1 de abril de 2025" in mail.body
    [event] = Event.objects.filter(kind="reminder.sent")
    assert event.request is None
    assert event.payload == {"reminder": "certification.expiring", "recipients": 2}


def test_it_reminds_again_7_days_before_the_certification_lapses(
    partner, certify, reminders, mailoutbox
):
    certify(partner(), SIGNED_ON)

    assert "sent 1 reminder" in reminders("--today", "2025-03-03")
    assert "sent 0 reminders" in reminders("--today", "2025-03-25")  # 7 days left
    assert "sent 1 reminder" in reminders("--today", "2025-03-26")  # 6 days left
    assert "sent 0 reminders" in reminders("--today", "2025-04-01")
    assert len(mailoutbox) == 2


def test_a_new_certification_ends_the_reminders(partner, certify, reminders, mailoutbox):
    insurer = partner()
    certify(insurer, SIGNED_ON)
    reminders("--today", "2025-03-03")
    certify(insurer, dt.date(2025, 3, 5))

    assert "sent 0 reminders" in reminders("--today", "2025-03-26")
    assert len(mailoutbox) == 1


def test_without_a_contact_email_the_privacy_officers_are_reminded(
    partner, certify, reminders, mailoutbox
):
    certify(partner(contact_email=""), SIGNED_ON)

    reminders("--today", "2025-03-03")

    [mail] = mailoutbox
    assert mail.to == ["privacy_officer@agency.example"]
    assert mail.cc == []
    assert mail.body.startswith("(To the privacy officers: the registry holds no email address")


# Restriction notices ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "sent"),
    [
        ("2025-03-23", False),  # 13 days after it was sent
        ("2025-03-24", True),  # 14 days
        ("2025-04-06", True),  # a late first run still sends the first reminder
    ],
)
def test_a_notice_unacknowledged_for_14_days_is_reminded(
    partner, notify, reminders, mailoutbox, today, sent
):
    notice = notify(partner(), dt.date(2025, 3, 10))

    out = reminders("--today", today)

    assert ("sent 1 reminder (1 notice.unacknowledged)" in out) is sent
    if sent:
        [mail] = mailoutbox
        assert mail.to == [PARTNER_EMAIL]
        assert mail.cc == ["privacy_officer@agency.example"]
        assert notice.reference in mail.subject
        assert "On March 10, 2025" in mail.body and "El 10 de marzo de 2025" in mail.body
    else:
        assert mailoutbox == []


def test_an_unacknowledged_notice_is_reminded_every_14_days(partner, notify, reminders, mailoutbox):
    notify(partner(), dt.date(2025, 3, 10))

    assert "sent 1 reminder" in reminders("--today", "2025-03-24")
    assert "sent 0 reminders" in reminders("--today", "2025-04-06")
    assert "sent 1 reminder" in reminders("--today", "2025-04-07")
    assert "sent 0 reminders" in reminders("--today", "2025-04-07")
    assert len(mailoutbox) == 2


def test_an_acknowledged_notice_is_not_reminded(
    partner, notify, clock, privacy_officer, reminders, mailoutbox
):
    notice = notify(partner(), dt.date(2025, 3, 10))
    clock.day = dt.date(2025, 3, 12)
    partner_actions.acknowledge(
        notice,
        by=privacy_officer,
        acknowledged_on=dt.date(2025, 3, 12),
        acknowledged_by="Dana Example, Compliance Officer",
        method=AcknowledgedBy.EMAIL,
    )

    assert "sent 0 reminders" in reminders("--today", "2025-03-24")
    assert mailoutbox == []


def test_a_notice_sent_again_starts_the_count_again(partner, notify, reminders, mailoutbox):
    insurer = partner()
    notify(insurer, dt.date(2025, 3, 10))
    second = notify(insurer, dt.date(2025, 3, 20))

    assert "sent 0 reminders" in reminders("--today", "2025-03-24")
    assert "sent 1 reminder" in reminders("--today", "2025-04-03")
    [mail] = mailoutbox
    assert second.reference in mail.subject
    [record] = SentReminder.objects.all()
    assert record.object_id == second.pk


def test_a_partner_never_sent_a_notice_is_not_reminded(partner, clock, reminders, mailoutbox):
    partner()

    assert "sent 0 reminders" in reminders("--today", "2025-06-01")


# Every kind at once -----------------------------------------------------------------------


def test_the_summary_counts_each_kind_and_dry_run_lists_them(
    awaiting, partner, certify, notify, person, agency, reminders, mailoutbox
):
    case = awaiting()
    insurer = partner()
    certify(insurer, SIGNED_ON)
    notice = notify(insurer, dt.date(2025, 3, 10))
    person("second_privacy_officer", Role.PRIVACY_OFFICER, agency)

    out = reminders("--dry-run", "--today", "2025-03-24")

    assert out.splitlines() == [
        f"would send approval.overdue for case {case.request.public_id} to "
        "second_supervisor@agency.example, supervisor@agency.example",
        "would send certification.expiring for Front Range Mutual Insurance (certification "
        f"valid through 2025-04-01) to {PARTNER_EMAIL}, privacy_officer@agency.example, "
        "second_privacy_officer@agency.example",
        f"would send notice.unacknowledged for Front Range Mutual Insurance (notice "
        f"{notice.reference}) to {PARTNER_EMAIL}, privacy_officer@agency.example, "
        "second_privacy_officer@agency.example",
        "2025-03-24: would send 3 reminders (1 approval.overdue, 1 certification.expiring, "
        "1 notice.unacknowledged); nothing sent or recorded",
    ]
    assert mailoutbox == []
    assert not SentReminder.objects.exists()

    out = reminders("--today", "2025-03-24")

    assert out == (
        "2025-03-24: sent 3 reminders (1 approval.overdue, 1 certification.expiring, "
        "1 notice.unacknowledged)\n"
    )
    assert len(mailoutbox) == 3
    assert "sent 0 reminders" in reminders("--today", "2025-03-24")
