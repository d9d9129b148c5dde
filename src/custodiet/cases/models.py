"""A case is a recorded request moving through the workflow.

Its state changes only through `custodiet.cases.actions`, each change written with its
event and ledger entry. Uploaded documents and issued letters are insert-only, kept with
their SHA-256 so the ledger can vouch for exactly what was received and sent.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from custodiet.accounts.models import Agency
from custodiet.records.models import RequestRecord


class State(models.TextChoices):
    WITH_COUNSEL = "with_counsel", "With counsel"
    AWAITING_APPROVAL = "awaiting_approval", "Awaiting a supervisor"
    SENT_BACK = "sent_back", "Sent back by the supervisor"
    APPROVED = "approved", "Approved for release"
    TO_REFUSE = "to_refuse", "To refuse"
    RELEASED = "released", "Released"
    REFUSED = "refused", "Refused"


OPEN_STATES = (
    State.WITH_COUNSEL,
    State.AWAITING_APPROVAL,
    State.SENT_BACK,
    State.APPROVED,
    State.TO_REFUSE,
)


class Case(models.Model):
    request = models.OneToOneField(RequestRecord, on_delete=models.PROTECT, related_name="case")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="cases")
    state = models.CharField(max_length=20, choices=State.choices, db_index=True)
    taken_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    counsel_reason = models.TextField(blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    supervisor_notified_at = models.DateTimeField(null=True, blank=True)
    due_on = models.DateField()
    closed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return f"{self.request.public_id} ({self.get_state_display()})"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class Document(models.Model):
    """A legal document the requester offered, as uploaded."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="documents")
    filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    content = models.BinaryField()
    text = models.TextField(blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.filename


class Letter(models.Model):
    """A refusal letter or a release package, as issued."""

    class Kind(models.TextChoices):
        REFUSAL = "refusal", "Refusal letter"
        RELEASE = "release", "Release package"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="letters")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    language = models.CharField(max_length=2, choices=[("en", "English"), ("es", "Español")])
    sha256 = models.CharField(max_length=64)
    pdf = models.BinaryField()
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.language}) for {self.case}"


class Delivery(models.Model):
    """How issued letters went out, recorded when they did: emailed, mailed or handed over.

    Issuing a letter makes it; only a delivery says it left the building. A case's
    letters may go out more than once (emailed, then mailed as well).
    """

    class Method(models.TextChoices):
        EMAIL = "email", "Emailed"
        MAIL = "mail", "Mailed"
        HAND = "hand", "Handed over"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="deliveries")
    letters = models.ManyToManyField(Letter, related_name="deliveries")
    method = models.CharField(max_length=5, choices=Method.choices)
    # The email address, the postal address, or whom it was handed to, as recorded.
    to = models.TextField(blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.get_method_display()} for {self.case}"


class SubjectNotice(models.Model):
    """The duty to tell a person that their records were asked for (`notify_subject`).

    One per person the request names, opened with the case when the decision carries the
    obligation, with the last day the pack's law allows (New York: 3 days after the
    request; Illinois and Massachusetts: 3 business days, without the state's holidays).
    It is met by a `NoticeAction`: the notice letter sent, or, where the law excuses it,
    counsel's recorded reason. Insert-only, like the letters.
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="subject_notices")
    # Which of the request's subjects (its position in `subjects`), and the name it gave.
    position = models.PositiveSmallIntegerField()
    subject = models.CharField(max_length=300, blank=True)
    due_on = models.DateField(db_index=True)
    citation = models.CharField(max_length=300)
    # "3 business days", as the letter and the page say it.
    period = models.CharField(max_length=40)
    # When the law excuses the notice (Massachusetts), in its words; empty when it never does.
    exception = models.TextField(blank=True)
    # Whether it must go before anything is released (Massachusetts).
    before_release = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "position"], name="one_notice_per_subject")
        ]

    def __str__(self) -> str:
        return f"Notice to the person {self.position + 1} of {self.case}"


class NoticeAction(models.Model):
    """A notice to the person sent (its letters and how), or excused by counsel with why."""

    class Kind(models.TextChoices):
        SENT = "sent", "Sent"
        EXCUSED = "excused", "Excused by counsel"

    notice = models.ForeignKey(SubjectNotice, on_delete=models.PROTECT, related_name="actions")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    # How and where it went (the address of record, or the email the person chose).
    method = models.CharField(max_length=5, choices=Delivery.Method.choices, blank=True)
    to = models.TextField(blank=True)
    letter_en = models.BinaryField(null=True)
    letter_es = models.BinaryField(null=True)
    sha256 = models.JSONField(default=list)
    reason = models.TextField(blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            # One notice is met once: a second sending is refused by the database too.
            models.UniqueConstraint(fields=["notice"], name="notice_met_once")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.notice}"
