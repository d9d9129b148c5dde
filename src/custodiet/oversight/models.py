"""Every bundle sent to the Governor's office, and what its checks found.

Both are insert-only, so that what the office was sent and what it decided can be shown
as it happened: a `Receipt` is written when a bundle arrives (or is refused at the door,
too large or not an archive), a `Verdict` once, when the background check has finished.
No code path updates or deletes either, and what they point at cannot be deleted.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from custodiet.accounts.models import Agency
from custodiet.jobs.models import Job


class ReceiptQuerySet(models.QuerySet["Receipt"]):
    def of_office(self, office: Agency) -> ReceiptQuerySet:
        """The bundles sent to this office: the only way a page lists or fetches them."""
        return self.filter(office=office).select_related("uploaded_by", "job", "verdict")


class Receipt(models.Model):
    # The receiving office: the agency of the person who uploaded the bundle.
    office = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="receipts")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    # Of the file as sent; empty when it was refused before it was read whole (too large).
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.BigIntegerField()
    # Where the file waited for its check (removed once checked), and the check's job.
    path = models.CharField(max_length=500, blank=True)
    job = models.OneToOneField(
        Job, on_delete=models.PROTECT, null=True, blank=True, related_name="receipt"
    )
    # Why the file was refused at the door, before any check; then there is no job.
    refused = models.TextField(blank=True)

    objects = ReceiptQuerySet.as_manager()

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        indexes = [models.Index(fields=["office", "-uploaded_at"])]

    def __str__(self) -> str:
        return f"receipt {self.pk} ({self.sha256[:12] or 'refused'})"

    @property
    def found(self) -> Verdict | None:
        """The verdict, once the check has finished."""
        try:
            return self.verdict
        except Verdict.DoesNotExist:
            return None

    @property
    def outcome(self) -> str:
        """accepted, refused, checking, or stopped: its job ended, or died, with no verdict."""
        verdict = self.found
        if self.refused or (verdict is not None and not verdict.accepted):
            return "refused"
        if verdict is not None:
            return "accepted"
        if self.job is None or self.job.finished or self.job.stalled:
            return "stopped"
        return "checking"


class Verdict(models.Model):
    receipt = models.OneToOneField(Receipt, on_delete=models.PROTECT, related_name="verdict")
    # As the bundle's report.json names them: empty when it could not be read.
    agency = models.CharField(max_length=64, blank=True)
    period = models.CharField(max_length=16, blank=True)
    accepted = models.BooleanField()
    # Each check of contract/REPORTS.md, in order: {"name", "ok", "detail"}.
    checks = models.JSONField(default=list)
    # The folder of the office's store that holds the accepted bundle.
    kept_at = models.CharField(max_length=500, blank=True)
    # Why the bundle could not be checked at all (an archive that is not a bundle, an
    # agency the office does not know); the checks are then empty.
    error = models.TextField(blank=True)
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-decided_at", "-id"]

    def __str__(self) -> str:
        return f"{'accepted' if self.accepted else 'refused'}: {self.agency} {self.period}"

    @property
    def failed(self) -> list[str]:
        return [check["name"] for check in self.checks if not check["ok"]]
