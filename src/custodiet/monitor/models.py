"""What the database-access monitor found, as imported for the privacy officer.

A `Scan` is one import of `custodiet scan --import`: the files read (with their SHA-256)
and the counts. Its flags are grouped into `Finding`s (one category, rule and accessing
agency; a volume anomaly also by user, whose spike it is), and each flag keeps the original
log row it came from (`FlaggedAccess`), so a finding opens to the rows behind it. All three are insert-only: a later scan adds to them, nothing edits
them (on PostgreSQL the database refuses UPDATE and DELETE).
"""

from __future__ import annotations

from django.db import models

from custodiet.accounts.models import Agency
from custodiet.scanner.rules import CATEGORIES

CATEGORY_LABELS = {
    "immigration_agency": "Immigration agency",
    "immigration_reason": "Immigration reason",
    "immigration_query": "Immigration query",
    "no_articulable_purpose": "No articulable purpose",
    "uncertified_access": "Uncertified access",
    "volume_anomaly": "Volume anomaly",
}
assert tuple(CATEGORY_LABELS) == CATEGORIES


class Category(models.TextChoices):
    IMMIGRATION_AGENCY = "immigration_agency", CATEGORY_LABELS["immigration_agency"]
    IMMIGRATION_REASON = "immigration_reason", CATEGORY_LABELS["immigration_reason"]
    IMMIGRATION_QUERY = "immigration_query", CATEGORY_LABELS["immigration_query"]
    NO_ARTICULABLE_PURPOSE = "no_articulable_purpose", CATEGORY_LABELS["no_articulable_purpose"]
    UNCERTIFIED_ACCESS = "uncertified_access", CATEGORY_LABELS["uncertified_access"]
    VOLUME_ANOMALY = "volume_anomaly", CATEGORY_LABELS["volume_anomaly"]


class Scan(models.Model):
    """One imported scan of one or more access logs."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="scans")
    imported_at = models.DateTimeField()
    # Who ran the import: a person's user name, or the command line's operating-system user.
    imported_by = models.CharField(max_length=150)
    # [{"name", "sha256", "layout", "rows"}] for each file read.
    files = models.JSONField()
    # What the scan read the logs with: the rule file's SHA-256, and the agency directory as
    # of this change (None: the packaged directory).
    rules_sha256 = models.CharField(max_length=64)
    directory_change = models.BigIntegerField(null=True)
    rows = models.BigIntegerField()
    flags = models.BigIntegerField()
    by_category = models.JSONField()
    # [{"label", "ori", "name", "accesses"}]: organizations and ORIs the agency directory
    # does not know, most accesses first.
    unknown_agencies = models.JSONField(default=list)
    certification_checked = models.BooleanField()

    class Meta:
        ordering = ["-imported_at", "-id"]

    def __str__(self) -> str:
        return f"scan {self.pk} ({self.rows} rows, {self.flags} flags)"

    @property
    def file_names(self) -> str:
        return ", ".join(f["name"] for f in self.files)


class Finding(models.Model):
    """The flags of one scan that share a category, rule and agency (and user, for volume)."""

    scan = models.ForeignKey(Scan, on_delete=models.PROTECT, related_name="findings")
    category = models.CharField(max_length=30, choices=Category.choices)
    rule = models.CharField(max_length=20)
    # As the log names it, which may be long: "... (not in the agency directory)".
    agency = models.TextField()
    agency_directory_id = models.CharField(max_length=64, blank=True)
    user_id = models.CharField(max_length=200, blank=True)
    accesses = models.BigIntegerField()
    first_at = models.DateTimeField()
    last_at = models.DateTimeField()
    # The first flag's explanation; each flagged access keeps its own.
    why = models.TextField()

    class Meta:
        ordering = ["scan", "category", "-accesses", "id"]
        indexes = [models.Index(fields=["category", "first_at"])]

    def __str__(self) -> str:
        return f"{self.get_category_display()}: {self.agency} ({self.accesses})"


class FlaggedAccess(models.Model):
    """One flagged row of a log, with every original column as it was read."""

    finding = models.ForeignKey(Finding, on_delete=models.PROTECT, related_name="rows")
    source_file = models.CharField(max_length=500)
    source_line = models.BigIntegerField()
    occurred_at = models.DateTimeField()
    why = models.TextField()
    # [[column, value], ...] in the file's order (a JSON object's keys lose their order in
    # PostgreSQL's jsonb).
    record = models.JSONField()

    class Meta:
        ordering = ["occurred_at", "source_line", "id"]
        # A finding's page lists its rows in this order, whatever their number.
        indexes = [models.Index(fields=["finding", "occurred_at", "source_line", "id"])]

    def __str__(self) -> str:
        return f"{self.source_file}:{self.source_line}"

    @property
    def columns(self) -> dict[str, str | None]:
        """The original row, column by column."""
        return dict(self.record)
