"""`custodiet reminders` for approvals waiting on a supervisor past the agency's deadline."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import timezone

from custodiet.accounts.models import Agency, Role
from custodiet.cases import actions as case_actions
from custodiet.ledger import store
from custodiet.records.models import Event
from custodiet.reminders import actions
from custodiet.reminders.due import due
from custodiet.reminders.models import SentReminder

DENVER = ZoneInfo("America/Denver")


class RefusingBackend(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("the mail server refused the connection")


def sent_events():
    return Event.objects.filter(kind="reminder.sent")


def test_an_overdue_approval_emails_the_supervisors_once(awaiting, reminders, mailoutbox, settings):
    settings.CUSTODIET_BASE_URL = "https://custodiet.agency.example/"
    case = awaiting()

    out = reminders("--today", "2025-03-13")

    assert "sent 1 reminder (1 approval.overdue)" in out
    [mail] = mailoutbox
    assert sorted(mail.to) == ["second_supervisor@agency.example", "supervisor@agency.example"]
    assert case.request.public_id in mail.subject
    assert f"https://custodiet.agency.example/cases/{case.request.public_id}" in mail.body
    assert "March 12, 2025 (1 day ago)" in mail.body
    assert "Pat Resident" not in mail.body


def test_each_reminder_is_recorded_with_its_event_in_the_ledger(awaiting, reminders):
    case = awaiting()

    reminders("--today", "2025-03-13")

    [record] = SentReminder.objects.all()
    assert (record.kind, record.object_id, record.period) == (
        "approval.overdue",
        case.pk,
        dt.date(2025, 3, 13),
    )
    [event] = sent_events()
    assert record.event == event
    assert event.request == case.request
    assert event.payload == {"reminder": "approval.overdue", "recipients": 2}
    assert event.ledger_entry is not None
    assert store.verify().ok


def test_running_twice_sends_nothing_the_second_time(awaiting, reminders, mailoutbox):
    awaiting()
    reminders("--today", "2025-03-13")

    out = reminders("--today", "2025-03-13")

    assert "sent 0 reminders" in out
    assert len(mailoutbox) == 1
    assert SentReminder.objects.count() == 1
    assert sent_events().count() == 1


def test_an_approval_due_today_is_not_overdue(awaiting, reminders, mailoutbox):
    awaiting()

    assert "sent 0 reminders" in reminders("--today", "2025-03-12")
    assert mailoutbox == []
    assert "sent 1 reminder" in reminders("--today", "2025-03-13")


@pytest.mark.parametrize(
    ("first_run", "later_run", "again"),
    [
        ("2025-03-13", "2025-03-19", False),  # day 7 overdue: still the first week
        ("2025-03-13", "2025-03-20", True),  # day 8: the second week's reminder
        ("2025-03-19", "2025-03-20", True),  # a late first run does not delay the second
        ("2025-03-13", "2025-03-26", True),  # a missed week is caught up by the next run
        ("2025-03-20", "2025-03-26", False),
    ],
)
def test_it_reminds_again_each_week_while_the_approval_waits(
    awaiting, reminders, mailoutbox, first_run, later_run, again
):
    awaiting()
    reminders("--today", first_run)

    out = reminders("--today", later_run)

    assert ("sent 1 reminder" in out) is again
    assert len(mailoutbox) == (2 if again else 1)


def test_it_uses_the_agencys_local_date_without_today(awaiting, reminders, monkeypatch):
    awaiting()
    # 05:30 UTC on the 13th is still the 12th in Denver: not overdue yet.
    late_evening = dt.datetime(2025, 3, 12, 22, 30, tzinfo=DENVER)
    monkeypatch.setattr(timezone, "now", lambda: late_evening.astimezone(dt.UTC))
    assert "2025-03-12: sent 0 reminders" in reminders()

    monkeypatch.setattr(timezone, "now", lambda: late_evening + dt.timedelta(hours=2))
    assert "2025-03-13: sent 1 reminder" in reminders()


def test_dry_run_sends_and_records_nothing(awaiting, reminders, mailoutbox):
    case = awaiting()

    out = reminders("--dry-run", "--today", "2025-03-13")

    assert f"would send approval.overdue for case {case.request.public_id}" in out
    assert "second_supervisor@agency.example, supervisor@agency.example" in out
    assert "would send 1 reminder (1 approval.overdue); nothing sent or recorded" in out
    assert mailoutbox == []
    assert not SentReminder.objects.exists()
    assert not sent_events().exists()
    assert "sent 1 reminder" in reminders("--today", "2025-03-13")


def test_a_failed_email_records_nothing_and_the_next_run_sends_it(
    awaiting, reminders, mailoutbox, settings
):
    awaiting()
    entries = store.size()
    locmem = settings.EMAIL_BACKEND
    settings.EMAIL_BACKEND = f"{RefusingBackend.__module__}.{RefusingBackend.__qualname__}"

    with pytest.raises(
        CommandError,
        match=r"1 reminder \(1 approval.overdue\) could not be sent; the next run tries",
    ):
        reminders("--today", "2025-03-13")

    assert not SentReminder.objects.exists()
    assert not sent_events().exists()
    assert store.size() == entries
    settings.EMAIL_BACKEND = locmem
    assert "sent 1 reminder" in reminders("--today", "2025-03-13")
    assert len(mailoutbox) == 1
    assert store.verify().ok


def test_one_failure_does_not_stop_the_other_reminders(
    agency, awaiting, reminders, mailoutbox, person
):
    other = Agency.objects.create(code="CO-CDPS-CSP", name="Colorado State Patrol")
    person("trooper_supervisor", Role.SUPERVISOR, other)
    stranded = awaiting(other)
    awaiting()
    # The other agency's only supervisor leaves: nobody is left to remind.
    stranded.agency.members.update(role=Role.CLERK)
    err = io.StringIO()

    with pytest.raises(CommandError, match="1 reminder"):
        call_command("reminders", "--today", "2025-03-13", stdout=io.StringIO(), stderr=err)

    assert f"case {stranded.request.public_id}: nobody with an email address" in err.getvalue()
    [mail] = mailoutbox
    assert "trooper_supervisor@agency.example" not in mail.to
    assert SentReminder.objects.count() == 1


def test_an_approved_case_is_not_reminded(awaiting, supervisors, reminders, mailoutbox):
    case = awaiting()
    case_actions.approve(case, by=supervisors[0])

    assert "sent 0 reminders" in reminders("--today", "2025-03-13")
    assert mailoutbox == []


def test_a_reminder_another_run_sent_meanwhile_is_not_sent_again(awaiting, reminders, mailoutbox):
    awaiting()
    [stale] = due(dt.date(2025, 3, 13))
    reminders("--today", "2025-03-13")

    assert actions.send(stale, by="a second run") is None

    assert len(mailoutbox) == 1
    assert sent_events().count() == 1


@pytest.mark.parametrize("value", ["2025-13-01", "2025-02-29", "yesterday", ""])
def test_a_bad_today_is_refused(db, reminders, value):
    with pytest.raises(CommandError, match="is not a valid date written as YYYY-MM-DD"):
        reminders("--today", value)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_the_database_refuses_to_forget_a_sent_reminder(awaiting, reminders):
    awaiting()
    reminders("--today", "2025-03-13")

    with pytest.raises(Exception, match="insert-only"), transaction.atomic():
        SentReminder.objects.all().delete()
