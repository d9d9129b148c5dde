"""Requests for personal information, their decisions, and the events that record each step.

Events are the history: each is appended to the ledger in the same transaction, and
neither events nor decisions are ever edited or deleted (`on_delete=PROTECT`, and no
code path saves them twice). A request row carries the columns the request log filters
on, copied from its events when they are written.
"""

from __future__ import annotations

from django.db import models

from custodiet.accounts.models import Agency


class RequestQuerySet(models.QuerySet["RequestRecord"]):
    def of_agency(self, agency: Agency) -> RequestQuerySet:
        """The requests this agency received: the only way a list, count or export starts."""
        return self.filter(agency=agency)


class RequestRecord(models.Model):
    # Unique within the agency: a partner's own id names nothing in another agency's log,
    # so no sender can learn which ids another agency holds.
    public_id = models.CharField(max_length=80, db_index=True)
    # The agency whose log holds the request: the one that took it in. Null only for rows
    # recorded before requests belonged to an agency that no agency could be found for.
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="requests", null=True, blank=True
    )
    received_at = models.DateTimeField(db_index=True)
    channel = models.CharField(max_length=16, blank=True)
    receiving_agency = models.CharField(max_length=64, blank=True)
    requester_organization = models.CharField(max_length=300)
    requester_level = models.CharField(max_length=16, blank=True)
    purpose_category = models.CharField(max_length=40, blank=True)
    # The request exactly as received, in the contract's format.
    payload = models.JSONField()
    outcome = models.CharField(max_length=16, blank=True, db_index=True)
    immigration_related = models.BooleanField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RequestQuerySet.as_manager()

    class Meta:
        ordering = ["received_at", "id"]
        indexes = [
            models.Index(fields=["requester_organization", "received_at"]),
            models.Index(fields=["agency", "received_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "public_id"], name="records_request_id_per_agency"
            )
        ]

    def __str__(self) -> str:
        return self.public_id


class DecisionRecord(models.Model):
    request = models.ForeignKey(RequestRecord, on_delete=models.PROTECT, related_name="decisions")
    outcome = models.CharField(max_length=16)
    immigration_related = models.BooleanField()
    pack = models.CharField(max_length=40)
    pack_version = models.CharField(max_length=40)
    as_of = models.DateField()
    decided_by = models.CharField(max_length=150)
    # The decision in the contract's format, as the engine returned it.
    payload = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.outcome} on {self.request_id}"


class Event(models.Model):
    request = models.ForeignKey(
        RequestRecord, on_delete=models.PROTECT, related_name="events", null=True, blank=True
    )
    kind = models.CharField(max_length=40)
    actor = models.CharField(max_length=150)
    at = models.DateTimeField()
    payload = models.JSONField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"
