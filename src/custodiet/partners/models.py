"""Partners of an agency, and what the agency holds about each: the restriction notices
it sent them and their acknowledgments, and their 24-74-105 certifications.

A partner changes only through `custodiet.partners.actions`, each change written with its
event and ledger entry. Notices, acknowledgments and certifications are insert-only: no
code path saves them twice, what they point at cannot be deleted (`on_delete=PROTECT`),
and on PostgreSQL a trigger refuses UPDATE and DELETE (migration 0002). A notice and a
signed certification form are kept with their SHA-256, which their ledger entry records.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower

from custodiet.accounts.models import Agency


class Kind(models.TextChoices):
    LAW_ENFORCEMENT = "law_enforcement", "Law enforcement"
    GOVERNMENT = "government", "Government"
    PRIVATE = "private", "Private"
    OTHER = "other", "Other"


class Partner(models.Model):
    """An organization that receives the agency's data or queries its databases."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="partners")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # Its id in the agency directory (policy/data/agencies.toml) when it is listed there:
    # the directory then gives its other names, acronyms and ORIs, as the policy engine
    # reads them.
    directory_id = models.CharField(max_length=64, blank=True)
    # ORIs beyond those the directory gives it.
    oris = models.JSONField(default=list, blank=True)
    contact_name = models.CharField(max_length=200, blank=True)
    contact_email = models.EmailField(blank=True)
    contact_address = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint("agency", Lower("name"), name="partners_partner_name"),
            models.UniqueConstraint(
                fields=["agency", "directory_id"],
                condition=~models.Q(directory_id=""),
                name="partners_partner_directory_id",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Delivery(models.TextChoices):
    EMAIL = "email", "Email"
    MAIL = "mail", "Mail"
    HAND = "hand", "Hand delivery"


class Notice(models.Model):
    """A restriction notice as sent: the PDF (English and Spanish), how, where and when."""

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="notices")
    # 1 for the partner's first notice; with the partner, the notice's printed number.
    sequence = models.PositiveIntegerField()
    method = models.CharField(max_length=10, choices=Delivery.choices)
    # The email address, or the postal address or person it was handed to.
    sent_to = models.CharField(max_length=500)
    sent_at = models.DateTimeField()
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    sha256 = models.CharField(max_length=64)
    pdf = models.BinaryField()

    class Meta:
        ordering = ["sent_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "sequence"], name="partners_notice_sequence")
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return notice_reference(self.partner_id, self.sequence)


def notice_reference(partner_id: int, sequence: int) -> str:
    """The number printed on a notice, which the partner quotes to acknowledge it."""
    return f"N-{partner_id:04d}-{sequence:02d}"


class AcknowledgedBy(models.TextChoices):
    SIGNED_COPY = "signed_copy", "Signed copy returned"
    EMAIL = "email", "Reply by email"
    LETTER = "letter", "Letter"
    IN_PERSON = "in_person", "In person"


class Acknowledgment(models.Model):
    """The partner's word that it received a notice and will keep to it."""

    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="acknowledgments")
    acknowledged_on = models.DateField()
    # Who acknowledged it for the partner: a name and title, as they signed or wrote.
    acknowledged_by = models.CharField(max_length=300)
    method = models.CharField(max_length=20, choices=AcknowledgedBy.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["acknowledged_on", "id"]

    def __str__(self) -> str:
        return f"{self.notice} acknowledged on {self.acknowledged_on}"


class Certification(models.Model):
    """A C.R.S. 24-74-105 certification: the signed form, as uploaded, and who signed it when."""

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="certifications")
    signed_on = models.DateField()
    signer_name = models.CharField(max_length=200)
    signer_title = models.CharField(max_length=200)
    filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    form = models.BinaryField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-signed_on", "-id"]

    def __str__(self) -> str:
        return f"{self.partner} certification signed {self.signed_on}"
