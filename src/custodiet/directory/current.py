"""The agency directory in force: the packaged file with the privacy officer's changes."""

from __future__ import annotations

import functools
import logging

from django.db import connection

from custodiet.directory.models import DirectoryChange
from custodiet.policy.facts.agencies import Directory, default_directory

logger = logging.getLogger(__name__)
# Any fixed 64-bit number: the advisory lock that serializes changes on PostgreSQL.
CHANGE_LOCK = 0x6469726563746F72


def current_directory() -> Directory:
    """The directory as of the latest change (built once per change, then cached)."""
    latest = DirectoryChange.objects.order_by("-id").values_list("id", "changed_at").first()
    return default_directory() if latest is None else _as_of(*latest)


def lock_for_change() -> None:
    """Inside a transaction: wait until no other change to the directory is being made.

    SQLite needs nothing more: its transactions take the write lock when they begin.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHANGE_LOCK])


def forget() -> None:
    """Drop the built directories, after a change or a rolled-back test."""
    _as_of.cache_clear()


@functools.lru_cache(maxsize=4)
def _as_of(change_id: int, changed_at: object) -> Directory:
    directory = default_directory()
    for change in DirectoryChange.objects.filter(id__lte=change_id).order_by("id"):
        try:
            directory = directory.revised([change.entry])
        except ValueError as exc:
            # A change made before the packaged directory was updated may now conflict with
            # it. Decisions must still be made: keep the rest, and say which change is out.
            logger.error(
                "directory change %s (%s) is not applied: %s", change.pk, change.agency_id, exc
            )
    return directory
