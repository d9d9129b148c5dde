"""The reports an agency built for the Governor's office, and what its attester did with
each. Both are insert-only: a report built again is another row, and a report is attested
(or sent with its exceptions listed) once, by an event in the ledger that names the
SHA-256 of its report.json as built."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from custodiet.accounts.models import Agency
from custodiet.records.models import Event


class Report(models.Model):
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="reports")
    period = models.CharField(max_length=7)  # "2025-Q3" or "2025"
    kind = models.CharField(max_length=7)  # quarter | year
    # The bundle's folder, as built; once attested its report.json and report.pdf are
    # written again with the attestation, and bundle.tar.gz beside them is what is sent.
    directory = models.CharField(max_length=500)
    sha256 = models.CharField(max_length=64)  # of report.json as built (attestation null)
    log_size = models.BigIntegerField()
    requests = models.PositiveIntegerField()
    exceptions = models.PositiveIntegerField()
    witnessed = models.BooleanField()
    built_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="reports_built",
        null=True,  # built by `custodiet report build`
    )
    built_at = models.DateTimeField(auto_now_add=True)
    event = models.OneToOneField(Event, on_delete=models.PROTECT, related_name="report_built")

    class Meta:
        ordering = ["-built_at", "-id"]

    def __str__(self) -> str:
        return f"{self.agency.code} {self.period} (log size {self.log_size})"


class Attestation(models.Model):
    class Kind(models.TextChoices):
        ATTESTED = "attested", "Attested"
        SENT_WITH_EXCEPTIONS = "sent_with_exceptions", "Sent with its exceptions listed"

    report = models.OneToOneField(Report, on_delete=models.PROTECT, related_name="attestation")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=150)
    title = models.CharField(max_length=150)
    at = models.DateTimeField()
    event = models.OneToOneField(Event, on_delete=models.PROTECT, related_name="attestation")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.report}"
