"""The deployment's Governor's office (CUSTODIET_OVERSIGHT_CONFIG), and what its store of
accepted reports holds, read from the files `custodiet.reports.received` keeps there."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from custodiet.reports.received import Office, ReceiveError
from custodiet.reports.recount import Period, PeriodError


class NoOffice(Exception):
    """This deployment has no Governor's office, or its configuration cannot be read."""


def current() -> Office:
    path = settings.CUSTODIET_OVERSIGHT_CONFIG
    if path is None:
        raise NoOffice(
            "This deployment has no Governor's office configured: "
            "CUSTODIET_OVERSIGHT_CONFIG names no oversight.toml."
        )
    try:
        return Office.load(Path(path))
    except ReceiveError as error:
        raise NoOffice(f"The office's configuration cannot be read: {error}") from None


def incoming(office: Office) -> Path:
    """Where uploaded bundles wait for their check: beside the store, never inside it."""
    return office.store.parent / "incoming"


@dataclass(frozen=True)
class Accepted:
    """One accepted report, as kept: `<store>/<agency>/<period>/<log size>/`."""

    agency: str
    period: str
    log_size: int
    root: str  # base64, as the checkpoint and report.json write it
    requests: int
    attested_by: str  # "name, title"; empty for a report sent with its exceptions
    exceptions: int
    folder: Path
    kept_at: dt.datetime

    @property
    def root_short(self) -> str:
        return self.root[:12]


def _read(folder: Path, agency: str, label: str) -> Accepted | None:
    try:
        report: dict[str, Any] = json.loads((folder / "report.json").read_text(encoding="utf-8"))
        attestation = report.get("attestation") or {}
        return Accepted(
            agency=agency,
            period=label,
            log_size=int(report["log"]["size"]),
            root=str(report["log"]["root"]),
            requests=int(report["counts"]["requests"]),
            attested_by=", ".join(
                str(part) for part in (attestation.get("name"), attestation.get("title")) if part
            ),
            exceptions=len(report.get("exceptions") or []),
            folder=folder,
            kept_at=dt.datetime.fromtimestamp((folder / "checkpoint").stat().st_mtime, dt.UTC),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None  # not a report the office kept: another file left in the store


def accepted(office: Office, agency: str) -> list[Accepted]:
    """The agency's accepted reports, the latest period first, the largest log first."""
    found = []
    home = office.store / agency
    periods = sorted(home.iterdir()) if home.is_dir() else []
    for folder in periods:
        if not folder.is_dir():
            continue  # `latest`: the checkpoint of the largest log accepted
        try:
            period = Period.parse(folder.name)
        except PeriodError:
            continue
        for kept in folder.iterdir():
            if kept.name.isdigit() and (report := _read(kept, agency, period.label)):
                found.append((period.end, period.kind == "quarter", report))
    found.sort(key=lambda item: (item[0], item[1], item[2].log_size), reverse=True)
    return [report for *_, report in found]
