"""What the Governor's office checks in an agency's report bundle (contract/REPORTS.md),
from the bundle's files and the agency's log key alone: no access to the agency's
database, and nothing accepted half.

1. `signature`: the checkpoint is signed by the agency's log key the recipient holds;
   `witness`: and cosigned by each witness key it trusts (C2SP tlog-cosignature).
2. `log`: the entries hash to the checkpoint's root (RFC 6962), the report names that
   checkpoint, and a previously accepted checkpoint is a prefix of this log.
3. `counts` and `record`: the counts recounted from the leaves equal the report's, and the
   written record has one row per reportable request and no other.
4. `attestation`: present, with the statute's statement; or absent with the exceptions
   listed, and those are the releases the leaves show.
"""

from __future__ import annotations

import base64
import binascii
import csv
import datetime as dt
import gzip
import io
import json
import tarfile
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from custodiet.merkle.compact import CompactTree
from custodiet.merkle.cosignature import WitnessVerifier
from custodiet.merkle.note import Checkpoint, NoteError, Verifier, verify_checkpoint
from custodiet.merkle.rfc6962 import leaf_hashes
from custodiet.reports.recount import Period, PeriodError, recount

STATEMENT = "No request was granted for any purpose prohibited by C.R.S. 24-74-103."
REQUIRED = ("report.json", "record.csv", "checkpoint", "entries.jsonl.gz")
# A bundle read from an archive may hold no more than this, unpacked.
MAX_UNPACKED = 8 << 30
BATCH = 4096


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


class Unusable(Exception):
    """The bundle cannot be read at all: a file missing, an archive that is not one."""


def _unpack(archive: Path, into: Path) -> Path:
    try:
        with tarfile.open(archive, "r:gz") as tar:
            members = tar.getmembers()
            if sum(m.size for m in members) > MAX_UNPACKED:
                raise Unusable(f"{archive}: unpacks to more than {MAX_UNPACKED:,} bytes")
            tar.extractall(into, filter="data")
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

    with gzip.open(path, "rb") as handle:
        for number, line in enumerate(handle):
            try:
                entry = json.loads(line)
                data = base64.b64decode(entry["data"], validate=True)
            except (ValueError, KeyError, TypeError, binascii.Error):
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
            except ValueError:
                leaf = {}
            yield number, leaf if isinstance(leaf, dict) else {}
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
            return _verify(_unpack(bundle, Path(folder)), log_key, previous, witnesses)
    if not bundle.is_dir():
        raise Unusable(f"{bundle}: no such bundle (a folder or a .tar.gz)")
    return _verify(bundle, log_key, previous, witnesses)


def _witnessed(note: str, witnesses: Sequence[WitnessVerifier]) -> Check:
    """Each trusted witness cosigned the bundle's checkpoint: so the log it shows is the
    one the witness saw grow, not a history rewritten and signed again by the agency."""
    stamps = []
    for witness in witnesses:
        try:
            stamp = witness.timestamp(note)
        except NoteError as error:
            return Check("witness", False, str(error))
        moment = dt.datetime.fromtimestamp(stamp, dt.UTC)
        stamps.append(f"{witness.name} at {moment:%Y-%m-%d %H:%M} UTC")
    return Check("witness", True, "cosigned by " + "; ".join(stamps))


def _verify(
    folder: Path, log_key: Verifier, previous: str | None, witnesses: Sequence[WitnessVerifier]
) -> list[Check]:
    missing = [name for name in REQUIRED if not (folder / name).is_file()]
    if missing:
        raise Unusable(f"the bundle lacks {', '.join(missing)}")
    try:
        report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
        period = Period.parse(report["period"]["label"])
        agency, zone = str(report["agency"]), str(report["period"]["time_zone"])
    except (ValueError, KeyError, TypeError, PeriodError) as error:
        raise Unusable(f"report.json cannot be read: {error}") from None
    checks: list[Check] = []
    note = (folder / "checkpoint").read_text()
    try:
        head = verify_checkpoint(note, log_key)
        checks.append(Check("signature", True, f"signed by {log_key.name}, size {head.size}"))
    except (NoteError, ValueError) as error:
        checks.append(Check("signature", False, f"the checkpoint is not the agency's: {error}"))
        return checks
    if witnesses:
        checks.append(_witnessed(note, witnesses))
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
    counted = recount(_entries(folder / "entries.jsonl.gz", tree, marks), period, agency, zone)
    checks.append(_log(report, head, earlier, tree, marks))
    checks.append(_counts(report, counted.counts))
    checks.append(_record(folder, counted.reportable_ids))
    checks.append(_attestation(report, counted.exceptions))
    return checks


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
    text = (folder / "record.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    ids = [row.get("request_id", "") for row in rows]
    if sorted(ids) == sorted(reportable):
        return Check("record", True, f"{len(rows):,} rows, one per reportable request")
    extra = sorted(set(ids) - set(reportable))
    absent = sorted(set(reportable) - set(ids))
    twice = sorted({i for i in ids if ids.count(i) > 1})
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
        return Check(
            "attestation",
            True,
            f"attested by {attestation.get('name')}, {attestation.get('title')}",
        )
    if report.get("exceptions") != exceptions:
        return Check(
            "attestation",
            False,
            f"not attested, and the exceptions listed are not the {len(exceptions)} the leaves show",
        )
    return Check(
        "attestation",
        True,
        f"not attested; {len(exceptions)} exception(s) listed, as the leaves show"
        if exceptions
        else "not yet attested; the leaves show no exception",
    )
