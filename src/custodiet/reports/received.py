"""The Governor's office's side: the agencies' accepted reports, kept in a folder.

`oversight.toml` says where they are kept and which keys the office trusts:

    store = "accepted"                          # relative to this file
    witness_keys = ["witness.gov.example/oversight+1a2b3c4d+BA..."]

    [[agency]]
    code = "CO-DOR-DMV"
    log_key = "dmv.colorado.example/ledger+5e6f7a8b+AQ..."
    time_zone = "America/Denver"                # the default

`receive` checks a bundle as contract/REPORTS.md says, against the agency's log key, every
trusted witness and the checkpoint of the agency's last accepted report (so nothing
reported before may change), and keeps it only if every check passes:
`<store>/<agency>/<period>/<log size>/` holds the bundle, and `<store>/<agency>/latest`
the checkpoint of the largest log accepted so far. `summary` adds up the latest accepted
report of each agency for a quarter, and the quarters of its year up to it, for the Joint
Budget Committee.
"""

from __future__ import annotations

import fcntl
import json
import shutil
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from custodiet.merkle.cosignature import WitnessVerifier
from custodiet.merkle.note import NoteError, Verifier, verify_checkpoint
from custodiet.reports import oversight
from custodiet.reports.bundle_files import FILES
from custodiet.reports.recount import STATUSES, Period

SUMMARY_FIELDS = (
    "agency",
    "period",
    "requests",
    *STATUSES,
    "immigration_related",
    "log_size",
)


class ReceiveError(Exception):
    """The office cannot take the bundle in: configuration, an unknown agency, ..."""


@dataclass(frozen=True)
class Office:
    store: Path
    witnesses: list[WitnessVerifier]
    agencies: dict[str, Verifier]  # code -> log key
    zones: dict[str, str]  # code -> the time zone its reports must use

    @classmethod
    def load(cls, path: Path) -> Office:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
            witnesses = [WitnessVerifier.from_vkey(k) for k in data.get("witness_keys", [])]
            listed = data.get("agency", [])
            agencies = {str(a["code"]): Verifier.from_vkey(str(a["log_key"])) for a in listed}
            # Days are counted on the agency's calendar: a report may not choose another.
            zones = {str(a["code"]): str(a.get("time_zone", "America/Denver")) for a in listed}
        except (
            OSError,
            tomllib.TOMLDecodeError,
            KeyError,
            TypeError,
            NoteError,
            ValueError,
        ) as error:
            raise ReceiveError(f"{path}: {error}") from None
        if not witnesses:
            raise ReceiveError(
                f"{path}: 'witness_keys' names no witness: a report is accepted only when witnessed"
            )
        return cls(path.parent / str(data.get("store", "accepted")), witnesses, agencies, zones)

    def latest(self, agency: str) -> str | None:
        path = self.store / agency / "latest"
        return path.read_text() if path.is_file() else None


@dataclass(frozen=True)
class Received:
    accepted: bool
    checks: list[oversight.Check]
    kept_at: Path | None


def receive(office: Office, bundle: Path) -> Received:
    """Check the bundle and keep it if every check passes; Unusable if it cannot be read.

    An archive is unpacked once: the files checked are the files kept. Bundles are taken
    in one at a time, whoever sends them (the pages' job or the command line): each is
    checked against the checkpoint last accepted, and two checked at once could both
    extend it and fork what is kept."""
    office.store.mkdir(parents=True, exist_ok=True)
    with (office.store / ".receiving.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            return _receive(office, bundle)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _receive(office: Office, bundle: Path) -> Received:
    with tempfile.TemporaryDirectory(prefix="custodiet-received-") as folder:
        source = oversight.unpack(bundle, Path(folder)) if bundle.is_file() else bundle
        if not source.is_dir():
            raise oversight.Unusable(f"{bundle}: no such bundle (a folder or a .tar.gz)")
        report, period, agency, zone = oversight.read_report(source / "report.json")
        key = office.agencies.get(agency)
        if key is None:
            raise ReceiveError(
                f"{bundle}: agency {agency!r} is not in the office's list of agencies"
            )
        if zone != office.zones[agency]:
            raise ReceiveError(
                f"{bundle}: the report counts days in {zone}, the agency's are in {office.zones[agency]}"
            )
        checks = oversight.verify(source, key, office.latest(agency), office.witnesses)
        if not all(check.ok for check in checks):
            return Received(False, checks, None)
        home = office.store / agency / period.label / str(int(report["log"]["size"]))
        if not home.exists():
            home.mkdir(parents=True)
            for name in FILES:
                if (source / name).is_file():
                    shutil.copyfile(source / name, home / name)
    head = verify_checkpoint((home / "checkpoint").read_text(), key)
    latest = office.latest(agency)
    if latest is None or verify_checkpoint(latest, key).size <= head.size:
        (office.store / agency / "latest").write_text((home / "checkpoint").read_text())
    return Received(True, checks, home)


def _accepted(office: Office, agency: str, label: str) -> dict[str, Any] | None:
    """The accepted report of that period with the largest log, if any."""
    folder = office.store / agency / label
    if not folder.is_dir():
        return None
    sizes = sorted((int(p.name) for p in folder.iterdir() if p.name.isdigit()), reverse=True)
    if not sizes:
        return None
    report: dict[str, Any] = json.loads((folder / str(sizes[0]) / "report.json").read_text())
    return report


def summary(office: Office, quarter: Period) -> list[dict[str, Any]]:
    """For each agency: the quarter's figures, and the year's to date, from accepted reports."""
    if quarter.kind != "quarter":
        raise ReceiveError(f"{quarter.label}: the summary is for a quarter (2025-Q3)")
    year, number = quarter.label.split("-Q")
    rows = []
    for agency in sorted(office.agencies):
        year_to_date = dict.fromkeys((*STATUSES, "requests", "immigration_related"), 0)
        found_quarter = None
        for n in range(1, int(number) + 1):
            report = _accepted(office, agency, f"{year}-Q{n}")
            if report is None:
                continue
            counts = report["counts"]
            figures = {status: int(counts["final_status"].get(status, 0)) for status in STATUSES}
            figures["requests"] = int(counts["requests"])
            figures["immigration_related"] = int(counts["immigration_related"].get("yes", 0))
            for name, value in figures.items():
                year_to_date[name] += value
            if n == int(number):
                found_quarter = (figures, int(report["log"]["size"]))
        if found_quarter is not None:
            figures, size = found_quarter
            rows.append({"agency": agency, "period": quarter.label, **figures, "log_size": size})
        else:
            rows.append({"agency": agency, "period": quarter.label, "requests": "not reported"})
        rows.append(
            {
                "agency": agency,
                "period": f"{year} to {quarter.label}",
                **year_to_date,
                "log_size": "",
            }
        )
    return rows


def write_summary(rows: list[dict[str, Any]], out: Path) -> None:
    """The summary as CSV, or as a workbook with a chart by agency and outcome (.xlsx)."""
    if out.suffix.lower() == ".xlsx":
        from openpyxl import Workbook
        from openpyxl.chart import BarChart, Reference

        book = Workbook()
        sheet = book.active
        sheet.title = "Summary"
        sheet.append(list(SUMMARY_FIELDS))
        for row in rows:
            sheet.append([row.get(field, "") for field in SUMMARY_FIELDS])
        quarters = [i for i, row in enumerate(rows, start=2) if "to" not in str(row["period"])]
        if quarters:
            chart = BarChart()
            chart.type, chart.grouping, chart.overlap = "bar", "stacked", 100
            chart.title = f"Requests by agency and final status, {rows[0]['period']}"
            data = Reference(
                sheet, min_col=4, max_col=3 + len(STATUSES), min_row=1, max_row=len(rows) + 1
            )
            chart.add_data(data, titles_from_data=True)
            chart.set_categories(Reference(sheet, min_col=1, min_row=2, max_row=len(rows) + 1))
            sheet.add_chart(chart, "J2")
        book.save(out)
        return
    import csv

    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=SUMMARY_FIELDS)
        writer.writeheader()
        for row in rows:
            writer.writerow({field: row.get(field, "") for field in SUMMARY_FIELDS})
