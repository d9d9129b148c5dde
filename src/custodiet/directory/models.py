"""The privacy officer's changes to the agency directory.

The packaged file (`custodiet/policy/data/agencies.toml`) is where the directory starts;
each change here adds an agency or replaces one entry whole. Changes are insert-only and
ledgered, so the directory any past decision or scan used can be rebuilt.
"""

from __future__ import annotations

from django.db import models


class DirectoryChange(models.Model):
    agency_id = models.CharField(max_length=64)
    # The agency's table as the directory file writes it (policy.facts.agencies.entry).
    entry = models.JSONField()
    note = models.TextField()
    changed_by = models.CharField(max_length=150)
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.agency_id} ({self.changed_at:%Y-%m-%d})"
