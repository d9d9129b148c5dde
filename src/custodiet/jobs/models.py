"""A background job: what it is, who started it, how far it has got and how it ended.

A job's row changes as it runs (its progress, then its result); what a job decides that
must be kept for good (a verification's outcome, an attestation) goes to the ledger or to
its own insert-only records, not only here.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone

from custodiet.accounts.models import Agency

# A running job that has not reported for this long has died (its process was killed).
HEARTBEAT = dt.timedelta(seconds=120)


class State(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "Running"
    DONE = "done", "Finished"
    FAILED = "failed", "Failed"


class Job(models.Model):
    kind = models.CharField(max_length=40)
    # Both empty for a job a command ran (`custodiet ledger verify` from cron): it belongs
    # to the deployment, and no agency's people see its page.
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, related_name="jobs")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="jobs"
    )
    args = models.JSONField(default=dict)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    done = models.BigIntegerField(default=0)
    total = models.BigIntegerField(null=True)
    label = models.CharField(max_length=200, blank=True)
    result = models.JSONField(null=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True)
    heartbeat_at = models.DateTimeField(null=True)
    finished_at = models.DateTimeField(null=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["agency", "kind", "-created_at"])]

    def __str__(self) -> str:
        return f"job {self.pk} ({self.kind}, {self.state})"

    @property
    def finished(self) -> bool:
        return self.state in {State.DONE, State.FAILED}

    @property
    def stalled(self) -> bool:
        """Started (or queued) but silent for longer than a living job ever is."""
        if self.finished:
            return False
        last = self.heartbeat_at or self.started_at or self.created_at
        return timezone.now() - last > HEARTBEAT

    @property
    def percent(self) -> int | None:
        if not self.total:
            return None
        return min(100, int(100 * self.done / self.total))
