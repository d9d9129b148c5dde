"""What the API keeps of its own: the answer to each request a partner may send again."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from custodiet.records.models import RequestRecord


class StoredAnswer(models.Model):
    """The answer to a call that took a request in, so that a retry gets it again.

    Found by the partner's `Idempotency-Key` (for a day) or by the request's own `id`.
    The request and its events are in the ledger; this row only remembers the reply, and
    is written in the transaction that takes the request in.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Empty for a call sent with an id and no key, and once a key has expired and a later
    # call has taken it up again (the row stays, found by the request's id).
    key = models.CharField(max_length=255, blank=True)
    # The body's SHA-256 in canonical JSON (RFC 8785): a retry is the same body whatever
    # its whitespace and key order.
    fingerprint = models.CharField(max_length=64)
    # Empty only inside the transaction that claims the key, before the request exists.
    request = models.OneToOneField(
        RequestRecord, on_delete=models.PROTECT, null=True, related_name="+"
    )
    body = models.JSONField(null=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "key"], condition=~Q(key=""), name="api_one_answer_per_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.key or '(no key)'} -> {self.request_id}"
