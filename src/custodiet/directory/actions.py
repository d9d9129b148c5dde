"""Changing the agency directory: checked whole, recorded insert-only, ledgered."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from custodiet.directory.current import current_directory, forget, lock_for_change
from custodiet.directory.models import DirectoryChange
from custodiet.ledger import store
from custodiet.policy.facts.agencies import Directory
from custodiet.records.models import Event


class DirectoryError(ValueError):
    """The change would make the directory invalid; the message names the field."""


def save_agency(entry: dict[str, Any], *, note: str, by: str, new: bool) -> Directory:
    """Add an agency (`new`) or replace one's entry; return the directory it makes."""
    if not note.strip():
        raise DirectoryError("field 'note': say why the directory changes")
    with transaction.atomic():
        lock_for_change()
        before = current_directory()
        exists = before.get(entry.get("id", "")) is not None
        if new and exists:
            raise DirectoryError(f"field 'id': {entry['id']!r} is already in the directory")
        if not new and not exists:
            raise DirectoryError(f"field 'id': {entry.get('id')!r} is not in the directory")
        try:
            after = before.revised([entry])
        except ValueError as exc:
            raise DirectoryError(str(exc)) from None
        change = DirectoryChange.objects.create(
            agency_id=entry["id"],
            entry=entry,
            note=note.strip(),
            changed_by=by,
            changed_at=timezone.now(),
        )
        event = Event.objects.create(
            request=None,
            kind="directory.added" if new else "directory.changed",
            actor=by,
            at=change.changed_at,
            payload={"change": change.pk, "agency": entry["id"], "entry": entry},
        )
        store.append([event])
        transaction.on_commit(forget)
    return after
