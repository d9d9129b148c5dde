"""Importing a scan's findings: one transaction, with its ledger event, or nothing at all."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from custodiet.accounts.models import Agency
from custodiet.directory.models import DirectoryChange
from custodiet.ledger import store
from custodiet.monitor.models import Finding, FlaggedAccess, Scan
from custodiet.records.models import Event
from custodiet.scanner import Scan as ScanResult

BATCH = 5_000


class AlreadyImported(ValueError):
    """A file of the scan was imported before: importing it again would count it twice."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def file_records(paths: Iterable[Path]) -> list[dict[str, Any]]:
    return [{"name": path.name, "sha256": _sha256(path)} for path in paths]


def refuse_reimport(agency: Agency, files: list[dict[str, Any]]) -> None:
    """Raise AlreadyImported if the agency imported any of these files (by SHA-256) before."""
    digests = {f["sha256"]: f["name"] for f in files}
    for earlier in Scan.objects.filter(agency=agency).only("files", "imported_at"):
        for imported in earlier.files:
            if imported["sha256"] in digests:
                raise AlreadyImported(
                    f"{digests[imported['sha256']]} was imported already, as scan "
                    f"{earlier.pk} on {timezone.localdate(earlier.imported_at)}; "
                    "nothing was imported"
                )


def import_scan(
    result: ScanResult,
    *,
    agency: Agency,
    by: str,
    progress: Callable[[int, int], None] | None = None,
) -> Scan:
    """Store a finished scan's findings and every flagged row, and ledger the import."""
    summary = result.summary()
    files = [
        {
            "name": Path(f.label).name,
            "sha256": _sha256(f.path),
            "layout": f.layout.name,
            "rows": f.rows,
        }
        for f in result.files
    ]
    with transaction.atomic():
        # One import at a time per agency, so that two cannot both find a file new.
        Agency.objects.select_for_update().filter(pk=agency.pk).first()
        refuse_reimport(agency, files)
        scan = Scan.objects.create(
            agency=agency,
            imported_at=timezone.now(),
            imported_by=by,
            files=files,
            rules_sha256=result.context.rules.sha256,
            directory_change=DirectoryChange.objects.aggregate(latest=Max("id"))["latest"],
            rows=summary.rows,
            flags=summary.flags,
            by_category=summary.by_category,
            unknown_agencies=[asdict(unknown) for unknown in summary.unknown_agencies],
            certification_checked=summary.certification_checked,
        )
        groups: dict[tuple[str, str, str, str, str], int] = {}
        for found in result.findings():
            finding = Finding.objects.create(
                scan=scan,
                category=found["category"],
                rule=found["rule"],
                agency=found["agency"],
                agency_directory_id=found["agency_id"],
                user_id=found["user_id"][:200],
                accesses=found["accesses"],
                first_at=found["first_at"],
                last_at=found["last_at"],
                why=found["why"],
            )
            key = (
                found["category"],
                found["rule"],
                found["agency"],
                found["agency_id"],
                found["user_id"],
            )
            groups[key] = finding.pk
        batch: list[FlaggedAccess] = []
        done = 0
        for flag in result.flagged():
            key = (
                flag["category"],
                flag["rule"],
                flag["agency"],
                flag["agency_id"],
                flag["finding_user"],
            )
            batch.append(
                FlaggedAccess(
                    finding_id=groups[key],
                    source_file=Path(flag["source_file"]).name,
                    source_line=flag["source_line"],
                    occurred_at=flag["occurred_at"],
                    why=flag["why"],
                    record=list(flag["record"].items()),
                )
            )
            if len(batch) >= BATCH:
                FlaggedAccess.objects.bulk_create(batch)
                done += len(batch)
                batch = []
                if progress:
                    progress(done, summary.flags)
        FlaggedAccess.objects.bulk_create(batch)
        if progress:
            progress(summary.flags, summary.flags)
        payload: dict[str, Any] = {
            "scan": scan.pk,
            "agency": agency.code,
            "files": files,
            "rows": summary.rows,
            "flags": summary.flags,
            "by_category": summary.by_category,
            "rules_sha256": scan.rules_sha256,
            "directory_change": scan.directory_change,
        }
        event = Event.objects.create(
            request=None,
            kind="monitor.scan_imported",
            actor=by,
            at=scan.imported_at,
            payload=payload,
        )
        store.append([event])
    return scan
