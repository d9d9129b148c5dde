"""Building a report for the Governor's office, and attesting it, as recorded acts.

Each is an event in the ledger: `report.built` names the report's SHA-256 and the log
size it rests on; `report.attested` (the statute's statement) or
`report.sent_with_exceptions` names the same SHA-256, so the attester's act is bound to
exactly the report they read. A report with exceptions cannot be attested, only sent
with them listed; a report is attested or sent once.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from custodiet.accounts.models import Agency
from custodiet.ledger import store
from custodiet.records.models import Event
from custodiet.reports import bundle
from custodiet.reports.models import Attestation, Report
from custodiet.reports.oversight import STATEMENT, sha256_as_built
from custodiet.reports.recount import Period


class AttestError(Exception):
    """The report cannot be attested (or sent) as asked; nothing was recorded."""


def folder_for(agency: Agency, period: Period) -> Path:
    """A new folder for a build of this period: builds are kept, each in its own."""
    stamp = timezone.now().strftime("%Y%m%dT%H%M%S%f")
    return Path(settings.CUSTODIET_REPORTS_DIR) / agency.code / period.label / stamp


def build_report(
    agency: Agency,
    period: Period,
    *,
    by: Any = None,
    directory: Path | None = None,
    progress: bundle.Progress = bundle._no_progress,
    witnesses: bundle.Witnesses | None = None,
) -> Report:
    """Build the bundle (`custodiet.reports.bundle.build`) and record that it was built."""
    directory = directory or folder_for(agency, period)
    built = bundle.build(agency, period, directory, progress, witnesses)
    figures = {
        "agency": agency.code,
        "period": period.label,
        "sha256": built.sha256,
        "log_size": built.report["log"]["size"],
        "requests": built.report["counts"]["requests"],
        "exceptions": len(built.report["exceptions"]),
    }
    with transaction.atomic():
        event = Event.objects.create(
            request=None,
            kind="report.built",
            actor=by.get_username() if by is not None else "custodiet report build",
            at=timezone.now(),
            payload={"report": figures},
        )
        store.append([event])
        return Report.objects.create(
            agency=agency,
            period=period.label,
            kind=period.kind,
            directory=str(directory.resolve()),
            sha256=built.sha256,
            log_size=figures["log_size"],
            requests=figures["requests"],
            exceptions=figures["exceptions"],
            witnessed=built.witnessed,
            built_by=by,
            event=event,
        )


def _record(report: Report, kind: str, *, by: Any, name: str, title: str) -> Attestation:
    now = timezone.now()
    figures: dict[str, Any] = {
        "agency": report.agency.code,
        "period": report.period,
        "sha256": report.sha256,
        "log_size": report.log_size,
        "exceptions": report.exceptions,
    }
    if kind == Attestation.Kind.ATTESTED:
        figures["statement"] = STATEMENT
    try:
        with transaction.atomic():
            event = Event.objects.create(
                request=None,
                kind=f"report.{kind}",
                actor=by.get_username(),
                at=now,
                payload={"report": figures},
            )
            store.append([event], place=True)  # its position goes into report.json
            return Attestation.objects.create(
                report=report, kind=kind, by=by, name=name, title=title, at=now, event=event
            )
    except IntegrityError:
        raise AttestError(
            f"{report.period} was attested or sent already: build it again to send another"
        ) from None


def superseded_by(report: Report) -> Report | None:
    """The latest build of the report's period, if it is not this one: a newer build may
    count what this one could not (a release recorded since), so only the latest is attested."""
    latest = (
        Report.objects.filter(agency_id=report.agency_id, period=report.period)
        .order_by("-built_at", "-id")
        .first()
    )
    return latest if latest is not None and latest.pk != report.pk else None


def _on_disk(report: Report) -> str | None:
    """The SHA-256, as built, of the report.json in the report's folder: what its page
    showed the attester, and what the bundle sent will carry."""
    try:
        content = json.loads((Path(report.directory) / "report.json").read_text(encoding="utf-8"))
        return sha256_as_built(content)
    except (OSError, ValueError, TypeError):
        return None


def _check(report: Report, by: Any, name: str, title: str) -> None:
    membership = getattr(by, "membership", None)
    if membership is None or not membership.can_attest or membership.agency_id != report.agency_id:
        raise AttestError("only the agency's designated attester attests its reports")
    if Attestation.objects.filter(report=report).exists():
        raise AttestError(f"{report.period} was attested or sent already")
    if not name.strip() or not title.strip():
        raise AttestError("the attestation names who attests and their title")
    if superseded_by(report) is not None:
        raise AttestError(f"{report.period} was built again since: attest its latest build")
    if _on_disk(report) != report.sha256:
        raise AttestError(
            "report.json in its folder is not the report as built (SHA-256 "
            f"{report.sha256}): build the report again"
        )


def attest(report: Report, *, by: Any, name: str, title: str) -> Attestation:
    """The attester attests the report: no request of the period was granted for a
    prohibited purpose. Refused while the report lists any exception."""
    _check(report, by, name, title)
    if report.exceptions:
        raise AttestError(
            f"the report lists {report.exceptions} exception(s): it cannot be attested, only "
            "sent with them listed"
        )
    attestation = _record(
        report, Attestation.Kind.ATTESTED, by=by, name=name.strip(), title=title.strip()
    )
    write_files(attestation)
    return attestation


def send_with_exceptions(report: Report, *, by: Any, name: str, title: str) -> Attestation:
    """The attester sends a report that has exceptions as it is, with them listed."""
    _check(report, by, name, title)
    if not report.exceptions:
        raise AttestError("the report lists no exception: attest it instead")
    attestation = _record(
        report,
        Attestation.Kind.SENT_WITH_EXCEPTIONS,
        by=by,
        name=name.strip(),
        title=title.strip(),
    )
    write_files(attestation)
    return attestation


def attestation_json(attestation: Attestation) -> dict[str, Any] | None:
    """The attestation as report.json carries it (null for a report sent with exceptions)."""
    if attestation.kind != Attestation.Kind.ATTESTED:
        return None
    entry = attestation.event.ledger_entry.index
    return {
        "name": attestation.name,
        "title": attestation.title,
        "at": attestation.at.astimezone(dt.UTC).isoformat(timespec="seconds"),
        "statement": STATEMENT,
        "report_sha256": attestation.report.sha256,
        "ledger_entry": entry,
    }


def write_files(attestation: Attestation) -> Path:
    """Write the bundle as sent (idempotent: run again if the process stopped half-way)."""
    report = attestation.report
    directory = Path(report.directory)
    bundle.write_attestation(
        report.agency, directory, attestation_json(attestation), sha256=report.sha256
    )
    return directory / bundle.SENT


def sent_archive(report: Report) -> Path | None:
    """The archive to send, written again if it is missing; None until attested or sent."""
    attestation = Attestation.objects.filter(report=report).select_related("event").first()
    if attestation is None:
        return None
    path = Path(report.directory) / bundle.SENT
    return path if path.is_file() else write_files(attestation)
