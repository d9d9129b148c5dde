"""Sending one reminder: the email, its record, its event and the event's ledger entry.

All four happen in one transaction, and the email is sent before the ledger entry is
appended so the ledger's lock is not held while the mail server answers. An email that
fails rolls the transaction back: nothing is recorded and the next run sends it. The
one gap left is an email sent whose commit then fails; that reminder goes out twice,
which is the safe side of the gap.
"""

from __future__ import annotations

from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.utils import timezone

from custodiet.ledger import store
from custodiet.records.models import Event
from custodiet.reminders.due import Reminder
from custodiet.reminders.models import SentReminder


class ReminderError(ValueError):
    """This reminder cannot be sent now; nothing was recorded."""


def send(reminder: Reminder, *, by: str) -> SentReminder | None:
    """Send and record this reminder; None if another run already did."""
    if not reminder.recipients:
        raise ReminderError(f"{reminder.about}: nobody with an email address to send it to")
    now = timezone.now()
    with transaction.atomic():
        event = Event.objects.create(
            request=reminder.request,
            kind="reminder.sent",
            actor=by,
            at=now,
            payload={"reminder": reminder.kind, "recipients": len(reminder.recipients)},
        )
        try:
            # Claims the key: a concurrent run inserting the same one waits here for this
            # transaction, then fails.
            with transaction.atomic():
                record = SentReminder.objects.create(
                    kind=reminder.kind,
                    object_id=reminder.object_id,
                    period=reminder.period,
                    recipients=len(reminder.recipients),
                    event=event,
                    sent_at=now,
                )
        except IntegrityError:
            transaction.set_rollback(True)
            return None
        EmailMessage(
            subject=reminder.subject,
            body=reminder.body,
            to=list(reminder.to),
            cc=list(reminder.cc),
            reply_to=list(reminder.reply_to),
        ).send()
        store.append([event])
    return record
