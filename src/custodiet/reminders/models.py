"""The record of every reminder sent, one row per reminder, insert-only.

The unique key (kind, object, period) is what makes a second run send nothing: a reminder
is sent only by the transaction that inserts its row, and a failed email rolls the row
back so the next run tries again. On PostgreSQL a trigger refuses UPDATE and DELETE
(migration 0002), as for the ledger.
"""

from __future__ import annotations

from django.db import models

from custodiet.records.models import Event


class SentReminder(models.Model):
    # What the reminder is about, e.g. "approval.overdue" (see `custodiet.reminders.due`).
    kind = models.CharField(max_length=40)
    # The primary key of the row it is about: a case, a certification, a notice.
    object_id = models.PositiveBigIntegerField()
    # Which reminder of its series: the first day of the overdue week, the expiry date...
    period = models.DateField()
    recipients = models.PositiveSmallIntegerField()
    event = models.OneToOneField(Event, on_delete=models.PROTECT, related_name="reminder")
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_id", "period"], name="reminders_sent_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.object_id} for {self.period}"
