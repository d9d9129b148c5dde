"""The report to the Governor's office as the bundle of contract/REPORTS.md.

`build` writes, for one agency and one quarter or year on its calendar:

- `report.json`: the period, the log's size and root, the counts recounted from the leaves
  (`custodiet.reports.recount`, the function the recipient runs too), the exceptions
  found, and the attestation (null until the agency's attester signs it);
- `record.csv` and `record.xlsx`: the written record, one row per reportable request
  received in the period (personal data: for the Governor's office only);
- `report.pdf`: the same for people, tagged PDF/UA like the letters;
- `checkpoint`: a signed checkpoint of the log taken now, after the period ended;
- `entries.jsonl.gz`: every ledger entry up to that checkpoint, as the ledger export;
- `log.vkey`: the log's verifier key.

A period is reported once it has ended: the figures of a quarter still running would
change under the reader.
"""

from __future__ import annotations

import base64
import csv
import gzip
import hashlib
import json
import os
import tarfile
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from openpyxl import Workbook

from custodiet import labels
from custodiet.accounts.models import Agency
from custodiet.cases.letters import write_pdf
from custodiet.ledger import store
from custodiet.ledger.models import Checkpoint, Entry
from custodiet.merkle.cosignature import WitnessVerifier
from custodiet.policy.packs import ReportingDuty, get_pack
from custodiet.records.export import EXPORT_FIELDS, LogFilter, export_rows
from custodiet.records.spreadsheet import safe_row
from custodiet.reports import exports
from custodiet.reports.bundle_files import FILES
from custodiet.reports.charts import stacked_bars
from custodiet.reports.log import count
from custodiet.reports.oversight import report_text, sha256_as_built
from custodiet.reports.recount import Period, Recount, leaves, recount

BUNDLE_VERSION = 1
# The archive of the bundle as sent, written beside its files once it is attested.
SENT = "bundle.tar.gz"


class ReportError(Exception):
    """The report cannot be built as asked (a period not yet ended, no ledger key, ...)."""


@dataclass(frozen=True)
class Built:
    directory: Path
    report: dict[str, Any]
    sha256: str  # of report.json: what an attestation names
    witnessed: bool  # the checkpoint carries a witness's cosignature


def duties(period: Period) -> list[ReportingDuty]:
    """The pack's reporting duties that ask for this period's report."""
    pack = get_pack(settings.CUSTODIET_POLICY_PACK)
    return [duty for duty in pack.reporting if duty.covers(period.kind, period.start)]


def required(period: Period) -> str:
    """Which law asks for this report, in words (or that none does)."""
    found = duties(period)
    if not found:
        return f"no reporting duty of the pack asks for a {period.kind} report for {period.label}"
    return "; ".join(
        duty.citation + ("" if duty.confirmed else " (unconfirmed: counsel confirms)")
        for duty in found
    )


Progress = Callable[[int, int, str], None]


def _entry_data(size: int) -> Iterator[bytes]:
    for (data,) in (
        Entry.objects.filter(index__lt=size).order_by("index").values_list("data").iterator(5000)
    ):
        yield bytes(data)


def _counting(data: Iterable[bytes], size: int, label: str, progress: Progress) -> Iterator[bytes]:
    for done, item in enumerate(data, start=1):
        if done % 10_000 == 0:
            progress(done, size, label)
        yield item
    progress(size, size, label)


def _write_entries(path: Path, size: int, progress: Progress) -> None:
    # mtime 0: the same log gives the same file, byte for byte.
    with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as handle:
        entries = _counting(_entry_data(size), size, "Writing the entries", progress)
        for index, data in enumerate(entries):
            line = {"index": index, "data": base64.b64encode(data).decode()}
            handle.write((json.dumps(line) + "\n").encode())


def _record_rows(agency: Agency, period: Period, reportable: set[str]) -> Iterator[dict[str, str]]:
    where = LogFilter(agency=agency, start=period.start, end=period.end)
    for row in export_rows(where):
        if row["request_id"] in reportable:
            yield row


def _write_record(directory: Path, agency: Agency, period: Period, reportable: set[str]) -> int:
    rows = 0
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Record")
    sheet.append(exports._header(sheet, EXPORT_FIELDS))
    with (directory / "record.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=EXPORT_FIELDS)
        writer.writeheader()
        for row in _record_rows(agency, period, reportable):
            writer.writerow(safe_row(row))
            sheet.append([exports._cell(sheet, f, row[f]) for f in EXPORT_FIELDS])
            rows += 1
    book.save(directory / "record.xlsx")
    return rows


def _pdf(agency: Agency, period: Period, report: dict[str, Any]) -> bytes:
    where = LogFilter(agency=agency, start=period.start, end=period.end)
    chart = stacked_bars(
        count(where),
        title=f"Requests by month and outcome, {period.label}",
        description="Requests received each month of the period, by the rules' outcome.",
    )
    counts = report["counts"]
    tables = [
        (
            caption,
            column,
            {labels.label(value, vocabulary): n for value, n in counts[key].items()},
        )
        for caption, column, key, vocabulary in (
            ("By final status", "Status", "final_status", "final_status"),
            ("Immigration-related", "Immigration-related", "immigration_related", None),
            ("By requester level", "Level", "requester_level", "level"),
            ("By channel", "Channel", "channel", "channel"),
            ("By legal process offered", "Kind", "legal_process", "kind"),
            ("By records requested", "Record", "records_requested", "records_requested"),
        )
    ]
    html = render_to_string(
        "reports/report_pdf.html",
        {"agency": agency, "period": period, "report": report, "chart": chart, "tables": tables},
    )
    return write_pdf(html, f"custodiet:report:{agency.code}:{period.label}")


@dataclass(frozen=True)
class Witnesses:
    """Where a report's checkpoint is sent to be cosigned, and the keys that cosign it."""

    urls: list[str]
    keys: list[WitnessVerifier]

    @classmethod
    def configured(cls) -> Witnesses:
        """The deployment's (CUSTODIET_WITNESS_URLS and CUSTODIET_WITNESS_KEYS)."""
        try:
            keys = [
                WitnessVerifier.from_vkey(Path(k).read_text() if Path(k).is_file() else k)
                for k in settings.CUSTODIET_WITNESS_KEYS
            ]
        except (OSError, ValueError) as error:
            raise ReportError(f"CUSTODIET_WITNESS_KEYS: {error}") from None
        return cls(list(settings.CUSTODIET_WITNESS_URLS), keys)

    def cosign(self, head: Checkpoint) -> None:
        for url in self.urls:
            try:
                store.witness(head, url, self.keys)
            except store.WitnessRefused as error:
                raise ReportError(f"the witness refused the checkpoint: {error}") from None


def _no_progress(done: int, total: int, label: str) -> None:
    pass


def build(
    agency: Agency,
    period: Period,
    directory: Path,
    progress: Progress = _no_progress,
    witnesses: Witnesses | None = None,
) -> Built:
    """Write the bundle for `period` into `directory` (created; it must not hold one)."""
    zone = settings.TIME_ZONE
    today = timezone.localdate()
    if period.end >= today:
        raise ReportError(
            f"{period.label} ends on {period.end.isoformat()}: a period is reported once it "
            f"has ended (today is {today.isoformat()} in {zone})"
        )
    if directory.exists() and any(directory.iterdir()):
        raise ReportError(f"{directory} is not empty: a bundle is written into a new folder")
    directory.mkdir(parents=True, exist_ok=True)
    head = store.checkpoint()
    (witnesses or Witnesses.configured()).cosign(head)
    data = _counting(_entry_data(head.size), head.size, "Recounting the ledger", progress)
    counted: Recount = recount(leaves(data), period, agency.code, zone)
    if counted.problems:
        raise ReportError(
            "the ledger holds leaves a report cannot rest on (run `custodiet ledger verify`): "
            + "; ".join(counted.problems[:5])
        )
    _write_entries(directory / "entries.jsonl.gz", head.size, progress)
    (directory / "checkpoint").write_text(store.cosigned_note(head))
    (directory / "log.vkey").write_text(store.signer().verifier.vkey + "\n")
    progress(0, len(counted.reportable_ids), "Writing the written record")
    rows = _write_record(directory, agency, period, set(counted.reportable_ids))
    if rows != len(counted.reportable_ids):
        raise ReportError(
            f"the records hold {rows} reportable requests of {period.label}, the ledger "
            f"{len(counted.reportable_ids)}: run `custodiet ledger verify`"
        )
    report = {
        "version": BUNDLE_VERSION,
        "agency": agency.code,
        "agency_name": agency.name,
        "period": period.as_json(zone),
        "generated_at": timezone.now().isoformat(timespec="seconds"),
        "log": {
            "origin": head.note.split("\n", 1)[0],
            "size": head.size,
            "root": base64.b64encode(bytes(head.root)).decode(),
        },
        "counts": counted.counts,
        "attestation": None,
        "exceptions": counted.exceptions,
    }
    text = report_text(report)
    (directory / "report.json").write_text(text, encoding="utf-8")
    progress(0, 1, "Writing the PDF")
    (directory / "report.pdf").write_bytes(_pdf(agency, period, report))
    return Built(
        directory, report, hashlib.sha256(text.encode()).hexdigest(), head.cosignatures.exists()
    )


def _replace(path: Path, write: Callable[[Path], object]) -> None:
    """Write `path` whole or not at all: into a file of this writer's own beside it (two
    writers at once, the attestation and a download writing the bundle again, never share
    one), flushed to disk, then renamed over it."""
    partial = path.with_name(f".{path.name}.{uuid.uuid4().hex}.partial")
    try:
        write(partial)
        with partial.open("rb") as written:
            os.fsync(written.fileno())
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


def write_attestation(
    agency: Agency, directory: Path, attestation: dict[str, Any] | None, *, sha256: str
) -> dict[str, Any]:
    """Write report.json and report.pdf again with the attestation (or, for a report sent
    with its exceptions, as built), then bundle.tar.gz beside them: what is sent. Refused
    unless the folder's report.json is the report as built, whose SHA-256 is `sha256`."""
    report: dict[str, Any] = json.loads((directory / "report.json").read_text(encoding="utf-8"))
    if sha256_as_built(report) != sha256:
        raise ReportError(
            f"{directory / 'report.json'} is not the report as built (SHA-256 {sha256}): "
            "it was changed since, and is not sent"
        )
    report["attestation"] = attestation
    period = Period.parse(report["period"]["label"])
    pdf = _pdf(agency, period, report)
    for name, content in (("report.json", report_text(report).encode()), ("report.pdf", pdf)):
        _replace(directory / name, lambda partial, content=content: partial.write_bytes(content))
    _replace(directory / SENT, lambda partial: pack(directory, partial))
    return report


def pack(directory: Path, archive: Path) -> Path:
    """The bundle as one .tar.gz, its files at the top level."""
    with tarfile.open(archive, "w:gz") as tar:
        for name in FILES:
            tar.add(directory / name, arcname=name)
    return archive
