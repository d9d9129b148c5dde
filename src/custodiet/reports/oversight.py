"""What the Governor's office checks in an agency's report bundle (contract/REPORTS.md),
from the bundle's files and the agency's log key alone: no access to the agency's
database, and nothing accepted half.

1. `signature`: the checkpoint is signed by the agency's log key the recipient holds;
   `witness`: and cosigned by each witness key it trusts (C2SP tlog-cosignature).
2. `log`: the entries hash to the checkpoint's root (RFC 6962), the report names that
   checkpoint, and a previously accepted checkpoint is a prefix of this log.
3. `counts` and `record`: the counts recounted from the leaves equal the report's, and the
   written record has one row per reportable request and no other.
4. `attestation`: present, with the statute's statement and naming the SHA-256 of the
   report as built (attestation null); or absent with the exceptions listed, and those
   are the releases the leaves show. A report with no exception must be attested.
"""

from __future__ import annotations

import base64
import binascii
import csv
import datetime as dt
import gzip
import hashlib
import io
import json
import tarfile
import tempfile
import zoneinfo
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from custodiet.merkle.compact import CompactTree
from custodiet.merkle.cosignature import WitnessVerifier
from custodiet.merkle.note import Checkpoint, NoteError, Verifier, verify_checkpoint
from custodiet.merkle.rfc6962 import leaf_hashes
from custodiet.reports.bundle_files import FILES
from custodiet.reports.recount import Period, PeriodError, recount

STATEMENT = "No request was granted for any purpose prohibited by C.R.S. 24-74-103."
REQUIRED = ("report.json", "record.csv", "checkpoint", "entries.jsonl.gz")
# A bundle read from an archive may hold no more than this, unpacked, in so many members;
# no entry line may be longer than MAX_LINE, and entries.jsonl.gz not inflate past
# MAX_ENTRIES_BYTES.
MAX_UNPACKED = 8 << 30
MAX_MEMBERS = 64
MAX_LINE = 1 << 20
MAX_ENTRIES_BYTES = 16 << 30
BATCH = 4096


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


class Unusable(Exception):
    """The bundle cannot be read at all: a file missing, an archive that is not one."""


def unpack(archive: Path, into: Path) -> Path:
    """The bundle's own files from the archive, regular files only, within the budget."""
    try:
        with tarfile.open(archive, "r:gz") as tar:
            wanted = []
            for number, member in enumerate(tar):
                if number >= MAX_MEMBERS:
                    raise Unusable(f"{archive}: more than {MAX_MEMBERS} members: not a bundle")
                if member.name in FILES and member.isfile():
                    wanted.append(member)
            if sum(m.size for m in wanted) > MAX_UNPACKED:
                raise Unusable(f"{archive}: unpacks to more than {MAX_UNPACKED:,} bytes")
            tar.extractall(into, members=wanted, filter="data")
    except (tarfile.TarError, OSError, EOFError) as error:
        raise Unusable(f"{archive}: not a bundle archive ({error})") from None
    return into


def _entries(
    path: Path, tree: CompactTree, marks: dict[int, bytes]
) -> Iterator[tuple[int, dict[str, Any]]]:
    """The leaves of entries.jsonl.gz, hashing each into `tree` as it goes; the root at
    each size in `marks` is filled in on the way."""
    batch: list[bytes] = []

    def flush() -> None:
        # Hashed a batch at a time, split where a marked size falls inside the batch.
        start = 0
        while start < len(batch):
            end = tree.size + len(batch) - start
            stop = min((m for m in marks if tree.size < m <= end), default=end)
            count = stop - tree.size
            tree.extend(leaf_hashes(batch[start : start + count]))
            start += count
            if tree.size in marks:
                marks[tree.size] = tree.root()
        batch.clear()

    read = 0
    with gzip.open(path, "rb") as handle:
        number = 0
        while line := handle.readline(MAX_LINE + 1):
            read += len(line)
            if len(line) > MAX_LINE or read > MAX_ENTRIES_BYTES:
                raise Unusable(f"entries.jsonl.gz line {number + 1}: longer than any entry")
            try:
                entry = json.loads(line)
                data = base64.b64decode(entry["data"], validate=True)
            except (ValueError, KeyError, TypeError, binascii.Error, RecursionError):
                raise Unusable(f"entries.jsonl.gz line {number + 1}: not an entry") from None
            if entry.get("index") != number:
                raise Unusable(
                    f"entries.jsonl.gz line {number + 1}: index {entry.get('index')!r}, "
                    f"expected {number}: entries are missing or out of order"
                )
            batch.append(data)
            if len(batch) >= BATCH:
                flush()
            try:
                leaf = json.loads(data)
            except (ValueError, RecursionError):
                leaf = None
            yield number, leaf
            number += 1
    flush()


def verify(
    bundle: Path,
    log_key: Verifier,
    previous: str | None = None,
    witnesses: Sequence[WitnessVerifier] = (),
) -> list[Check]:
    """Every check of the contract, each with its verdict; Unusable if unreadable."""
    if bundle.is_file():
        with tempfile.TemporaryDirectory(prefix="custodiet-bundle-") as folder:
            return _verify(unpack(bundle, Path(folder)), log_key, previous, witnesses)
    if not bundle.is_dir():
        raise Unusable(f"{bundle}: no such bundle (a folder or a .tar.gz)")
    return _verify(bundle, log_key, previous, witnesses)


def _witnessed(note: str, witnesses: Sequence[WitnessVerifier], period: Period, zone: str) -> Check:
    """Each trusted witness cosigned the bundle's checkpoint after the period ended: so the
    log it shows is the one the witness saw grow, not a history rewritten and signed again
    by the agency, and it holds every event of the period."""
    ended = dt.datetime.combine(
        period.end + dt.timedelta(days=1), dt.time(), zoneinfo.ZoneInfo(zone)
    )
    stamps = []
    for witness in witnesses:
        try:
            stamp = witness.timestamp(note)
        except NoteError as error:
            return Check("witness", False, str(error))
        moment = dt.datetime.fromtimestamp(stamp, dt.UTC)
        if moment < ended:
            return Check(
                "witness",
                False,
                f"{witness.name} cosigned this checkpoint at {moment:%Y-%m-%d %H:%M} UTC, before "
                f"{period.label} ended: events after it would be missing from the report",
            )
        stamps.append(f"{witness.name} at {moment:%Y-%m-%d %H:%M} UTC")
    return Check("witness", True, "cosigned after the period ended by " + "; ".join(stamps))


def _verify(
    folder: Path, log_key: Verifier, previous: str | None, witnesses: Sequence[WitnessVerifier]
) -> list[Check]:
    missing = [name for name in REQUIRED if not (folder / name).is_file()]
    if missing:
        raise Unusable(f"the bundle lacks {', '.join(missing)}")
    report, period, agency, zone = read_report(folder / "report.json")
    checks: list[Check] = []
    try:
        note = (folder / "checkpoint").read_bytes()[:MAX_LINE].decode("utf-8")
        head = verify_checkpoint(note, log_key)
        checks.append(Check("signature", True, f"signed by {log_key.name}, size {head.size}"))
    except (NoteError, ValueError) as error:
        checks.append(Check("signature", False, f"the checkpoint is not the agency's: {error}"))
        return checks
    if witnesses:
        checks.append(_witnessed(note, witnesses, period, zone))
    earlier: Checkpoint | None = None
    if previous is not None:
        try:
            earlier = verify_checkpoint(previous, log_key)
        except (NoteError, ValueError) as error:
            raise Unusable(f"the previous checkpoint is not the agency's: {error}") from None
    tree = CompactTree()
    marks: dict[int, bytes] = {head.size: b""}
    if earlier is not None:
        marks[earlier.size] = b""
    try:
        counted = recount(_entries(folder / "entries.jsonl.gz", tree, marks), period, agency, zone)
    except (OSError, EOFError, gzip.BadGzipFile) as error:
        raise Unusable(f"entries.jsonl.gz cannot be read: {error}") from None
    checks.append(_log(report, head, earlier, tree, marks))
    checks.append(
        Check(
            "leaves",
            not counted.problems,
            "; ".join(counted.problems[:5])
            + (f" (and {len(counted.problems) - 5} more)" if len(counted.problems) > 5 else ""),
        )
        if counted.problems
        else Check(
            "leaves", True, f"every one of the {tree.size:,} leaves read as the ledger writes them"
        )
    )
    checks.append(_counts(report, counted.counts))
    checks.append(_record(folder, counted.reportable_ids))
    checks.append(_attestation(report, counted.exceptions))
    return checks


def read_report(path: Path) -> tuple[dict[str, Any], Period, str, str]:
    """report.json, checked for the shape the checks read; Unusable naming what is wrong."""
    if not path.is_file():
        raise Unusable(f"{path.parent}: the bundle has no report.json")
    try:
        report = json.loads(path.read_bytes()[: 16 << 20].decode("utf-8"))
    except (ValueError, RecursionError) as error:
        raise Unusable(f"report.json is not JSON: {error}") from None
    shape = {"agency": str, "period": dict, "log": dict, "counts": dict, "exceptions": list}
    for name, kind in shape.items():
        if not isinstance(report, dict) or not isinstance(report.get(name), kind):
            raise Unusable(f"report.json: {name!r} is missing or not a {kind.__name__}")
    label, zone = report["period"].get("label"), report["period"].get("time_zone")
    if not isinstance(label, str) or not isinstance(zone, str):
        raise Unusable("report.json: period.label and period.time_zone must be text")
    try:
        period = Period.parse(label)
        zoneinfo.ZoneInfo(zone)
    except (PeriodError, zoneinfo.ZoneInfoNotFoundError, ValueError) as error:
        raise Unusable(f"report.json: {error}") from None
    if (
        report["period"].get("from") != period.start.isoformat()
        or report["period"].get("to") != period.end.isoformat()
    ):
        raise Unusable(f"report.json: the period's dates are not those of {label}")
    return report, period, str(report["agency"]), zone


def _log(
    report: dict[str, Any],
    head: Checkpoint,
    earlier: Checkpoint | None,
    tree: CompactTree,
    marks: dict[int, bytes],
) -> Check:
    if tree.size != head.size:
        return Check(
            "log", False, f"the checkpoint's size is {head.size}, the entries number {tree.size}"
        )
    if marks[head.size] != head.root and head.size:
        return Check(
            "log",
            False,
            "the entries do not hash to the checkpoint's root: an entry was changed, removed or reordered",
        )
    named = report.get("log") or {}
    if named.get("size") != head.size or named.get("root") != base64.b64encode(head.root).decode():
        return Check("log", False, "report.json names another checkpoint than the bundle's")
    if earlier is not None:
        if earlier.size > head.size:
            return Check(
                "log", False, f"the log shrank: accepted size {earlier.size}, now {head.size}"
            )
        if earlier.size and marks.get(earlier.size) != earlier.root:
            return Check(
                "log",
                False,
                f"entries 0..{earlier.size - 1} are not those of the accepted checkpoint: the reported history changed",
            )
    return Check(
        "log",
        True,
        f"{head.size:,} entries hash to the checkpoint's root"
        + (f"; consistent with the accepted size {earlier.size:,}" if earlier else ""),
    )


def _counts(report: dict[str, Any], counts: dict[str, Any]) -> Check:
    stated = report.get("counts")
    if stated == counts:
        return Check(
            "counts",
            True,
            f"{counts['requests']:,} reportable requests, every figure recounted from the leaves",
        )
    wrong = sorted(
        k for k in set(counts) | set(stated or {}) if (stated or {}).get(k) != counts.get(k)
    )
    return Check(
        "counts",
        False,
        "recounted from the leaves, these differ: "
        + "; ".join(
            f"{k}: report {json.dumps((stated or {}).get(k))}, leaves {json.dumps(counts.get(k))}"
            for k in wrong
        ),
    )


def _record(folder: Path, reportable: list[str]) -> Check:
    try:
        text = (folder / "record.csv").read_bytes()[:MAX_UNPACKED].decode("utf-8")
        rows = list(csv.DictReader(io.StringIO(text, newline="")))
    except (UnicodeDecodeError, csv.Error) as error:
        return Check("record", False, f"record.csv cannot be read: {error}")
    ids = Counter(row.get("request_id") or "" for row in rows)
    if sorted(ids.elements()) == sorted(reportable):
        return Check("record", True, f"{len(rows):,} rows, one per reportable request")
    expected = set(reportable)
    extra = sorted(set(ids) - expected)
    absent = sorted(expected - set(ids))
    twice = sorted(key for key, n in ids.items() if n > 1)
    parts = [
        f"{label}: {', '.join(found[:10])}"
        for label, found in (
            ("not reportable or not in the period", extra),
            ("missing", absent),
            ("twice", twice),
        )
        if found
    ]
    return Check("record", False, "record.csv " + "; ".join(parts))


def report_text(report: dict[str, Any]) -> str:
    """report.json's exact text: the attestation names the SHA-256 of this text with the
    attestation null, which the recipient recomputes the same way."""
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


def sha256_as_built(report: dict[str, Any]) -> str:
    """The SHA-256 of the report as it was before it was attested."""
    return hashlib.sha256(report_text({**report, "attestation": None}).encode()).hexdigest()


def _attestation(report: dict[str, Any], exceptions: list[dict[str, Any]]) -> Check:
    attestation = report.get("attestation")
    if attestation is not None:
        if exceptions:
            return Check(
                "attestation",
                False,
                f"attested although the leaves show {len(exceptions)} exception(s), the first at entry {exceptions[0]['entry']}",
            )
        if not isinstance(attestation, dict) or attestation.get("statement") != STATEMENT:
            return Check(
                "attestation", False, "the attestation does not make the statute's statement"
            )
        as_built = sha256_as_built(report)
        if attestation.get("report_sha256") != as_built:
            return Check(
                "attestation",
                False,
                "the attestation does not name this report's SHA-256 "
                f"({as_built} with the attestation left out): it was made for another report",
            )
        return Check(
            "attestation",
            True,
            f"attested by {attestation.get('name')}, {attestation.get('title')}, naming "
            f"report SHA-256 {as_built[:16]}… (ledger entry {attestation.get('ledger_entry')})",
        )
    if report.get("exceptions") != exceptions:
        return Check(
            "attestation",
            False,
            f"not attested, and the exceptions listed are not the {len(exceptions)} the leaves show",
        )
    if not exceptions:
        return Check(
            "attestation",
            False,
            "not attested, though the leaves show no exception: the agency's attester "
            "attests the report before it is sent",
        )
    return Check(
        "attestation",
        True,
        f"not attested; {len(exceptions)} exception(s) listed, as the leaves show",
    )
