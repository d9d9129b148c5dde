"""The report's figures counted from the ledger's leaves alone (contract/REPORTS.md).

The agency builds its report with this function and the Governor's office checks it with
the same one, over the entries the bundle carries: so a figure in `report.json` is right
exactly when the log the witness cosigned says so, whatever the agency's database holds.
A leaf keeps in the clear only what the counts need (`custodiet.ledger.leaf`, version 2):
when and how a request came, the requester's level, the records asked for, the decision's
outcome, whether it is reportable and immigration-related, the legal process's kinds, and
what happened to the case.

Final status is the case's as of the log's size: `released` or `refused` once the letter
went out, `pending` otherwise (the workflow has no withdrawal; the key is kept at 0 so
that the contract's four statuses are always there).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import zoneinfo
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

STATUSES = ("released", "refused", "pending", "withdrawn")
DECISIONS = ("request.decided", "request.redecided")
_PERIOD = re.compile(r"(\d{4})(?:-Q([1-4]))?")


class PeriodError(ValueError):
    pass


@dataclass(frozen=True)
class Period:
    """A quarter ("2025-Q3") or a year ("2025"), both ends inclusive, on the agency's calendar."""

    kind: str  # quarter | year
    label: str
    start: dt.date
    end: dt.date

    @classmethod
    def parse(cls, text: str) -> Period:
        found = _PERIOD.fullmatch(text.strip())
        if found is None:
            raise PeriodError(
                f"{text!r} is not a period: write a quarter as 2025-Q3 or a year as 2025"
            )
        year = int(found.group(1))
        if not 2000 <= year <= 2999:
            raise PeriodError(f"{text!r}: the year must be between 2000 and 2999")
        if found.group(2) is None:
            return cls("year", str(year), dt.date(year, 1, 1), dt.date(year, 12, 31))
        quarter = int(found.group(2))
        start = dt.date(year, 3 * quarter - 2, 1)
        following = dt.date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1)
        return cls("quarter", f"{year}-Q{quarter}", start, following - dt.timedelta(days=1))

    def holds(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def as_json(self, time_zone: str) -> dict[str, str]:
        return {
            "kind": self.kind,
            "label": self.label,
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "time_zone": time_zone,
        }


@dataclass
class _Request:
    received_on: dt.date
    channel: str
    level: str
    records: list[str]
    decision: dict[str, Any] = field(default_factory=dict)
    status: str = "pending"

    @property
    def reportable(self) -> bool:
        # Version 1 leaves hashed `reportable`: such a request counts, as the statute's
        # record covers every third party's request unless shown otherwise.
        value = self.decision.get("reportable")
        return value.get("value", True) is not False if isinstance(value, dict) else True


@dataclass
class Recount:
    counts: dict[str, Any]
    exceptions: list[dict[str, Any]]
    reportable_ids: list[str]
    # Leaves the recount could not take as they are, each naming its entry: a report
    # resting on them is refused.
    problems: list[str] = field(default_factory=list)


def leaves(lines: Iterable[bytes]) -> Iterator[tuple[int, Any]]:
    """(entry index, leaf) from the leaf bytes of entries 0, 1, ...; a leaf that is not
    JSON is given as None (the recount names it)."""
    for index, data in enumerate(lines):
        try:
            yield index, json.loads(data)
        except (ValueError, RecursionError):
            yield index, None


def _day(stamp: object, zone: zoneinfo.ZoneInfo) -> dt.date | None:
    if not isinstance(stamp, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(stamp)
        return (moment.astimezone(zone) if moment.tzinfo else moment).date()
    except (ValueError, OverflowError):
        return None


def _object(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def exception_why(decision: dict[str, Any]) -> str | None:
    """Why releasing under this decision is an exception to the attestation, or None.

    An exception is a release that the law in force on its day did not allow (the rules
    refused it), or an immigration-related release without court-issued process or a
    recorded legal requirement (REPORTS.md)."""
    if decision.get("outcome") == "refuse":
        return "released although the law in force that day refused it"
    if not decision.get("immigration_related"):
        return None
    processes = decision.get("legal_process")
    reasons = decision.get("reasons")
    court = any(
        isinstance(process, dict) and process.get("court_issued")
        for process in (processes if isinstance(processes, list) else [])
    )
    required = any(
        isinstance(reason, dict) and "required-by-law" in str(reason.get("rule", ""))
        for reason in (reasons if isinstance(reasons, list) else [])
    )
    if court or required:
        return None
    return (
        "immigration-related, released without court-issued process or a recorded legal requirement"
    )


def recount(
    entries: Iterable[tuple[int, Any]], period: Period, agency: str, time_zone: str
) -> Recount:
    """The report's counts, exceptions and reportable requests, from the leaves; what
    cannot be read as the ledger writes it is listed in `problems`, by entry."""
    zone = zoneinfo.ZoneInfo(time_zone)
    requests: dict[str, _Request] = {}
    others: set[str] = set()  # requests another agency of the same log received
    exceptions: list[dict[str, Any]] = []
    problems: list[str] = []
    for index, leaf in entries:
        if not isinstance(leaf, dict) or leaf.get("v") not in (1, 2):
            problems.append(f"entry {index}: not a ledger leaf")
            continue
        kind, key, payload = leaf.get("kind"), leaf.get("request"), _object(leaf.get("payload"))
        if key is not None and not isinstance(key, str):
            problems.append(f"entry {index}: its request id is not text")
            continue
        if kind == "request.received":
            request = _object(payload.get("request"))
            received_by = request.get("receiving_agency")
            if received_by is not None and received_by != agency:
                others.add(str(key))
                continue
            if key in requests:
                problems.append(f"entry {index}: request {key} is received a second time")
                continue
            received = _day(request.get("received_at"), zone)
            if received is None:
                problems.append(
                    f"entry {index}: request {key} has no date received that can be read"
                )
                continue
            requester = _object(request.get("requester"))
            records = request.get("records_requested")
            requests[str(key)] = _Request(
                received_on=received,
                channel=str(request.get("channel") or "unknown"),
                level=str(requester.get("level") or "unknown"),
                records=[str(r) for r in records] if isinstance(records, list) else [],
            )
        elif key is None or key in others:
            continue
        elif key not in requests:
            problems.append(f"entry {index}: {kind} for request {key}, which no entry received")
        elif kind in DECISIONS:
            requests[key].decision = _object(payload.get("decision"))
        elif kind in ("request.released", "request.refused"):
            found = requests[key]
            found.status = "released" if kind == "request.released" else "refused"
            when = _day(leaf.get("at"), zone)
            if when is None:
                problems.append(f"entry {index}: its time cannot be read")
                continue
            why = exception_why(found.decision) if found.status == "released" else None
            if why is not None and period.holds(when):
                exceptions.append(
                    {"request": key, "entry": index, "on": when.isoformat(), "why": why}
                )
    counted = [
        (key, r) for key, r in requests.items() if r.reportable and period.holds(r.received_on)
    ]
    status: Counter[str] = Counter(dict.fromkeys(STATUSES, 0))
    related: Counter[str] = Counter({"yes": 0, "no": 0})
    level: Counter[str] = Counter()
    channel: Counter[str] = Counter()
    process: Counter[str] = Counter()
    records: Counter[str] = Counter()
    for _, r in counted:
        status[r.status] += 1
        related["yes" if r.decision.get("immigration_related") else "no"] += 1
        level[r.level] += 1
        channel[r.channel] += 1
        processes = r.decision.get("legal_process")
        kinds = {
            str(p.get("kind") or "other")
            for p in (processes if isinstance(processes, list) else [])
            if isinstance(p, dict)
        }
        process.update(kinds or {"none"})
        records.update(set(r.records))
    counts = {
        "requests": len(counted),
        "final_status": dict(status),
        "immigration_related": dict(related),
        "requester_level": dict(sorted(level.items())),
        "channel": dict(sorted(channel.items())),
        "legal_process": dict(sorted(process.items())),
        "records_requested": dict(sorted(records.items())),
    }
    return Recount(counts, exceptions, sorted(key for key, _ in counted), problems)
