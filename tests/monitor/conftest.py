"""A message-switch log whose flags are known, scanned and imported for the agency.

The log runs over January to March 2025 (times in UTC, read in the agency's zone): routine
Denver Police queries with a stated reason, which nothing flags, and among them the flags
counted in FLAGS. The scan runs through `custodiet.scanner.scan` with the agency's id and
without a partner registry (so certifications are not checked), and is imported through
`custodiet.monitor.actions.import_scan`, as `custodiet scan --import` does.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import timezone

from custodiet.accounts.models import Agency
from custodiet.monitor import actions
from custodiet.monitor.models import Scan
from custodiet.scanner import ScanContext, scan

NOW = dt.datetime(2025, 4, 2, 10, 0, tzinfo=ZoneInfo("America/Denver"))
ICE_LESC = "Law Enforcement Support Center (VTICE0900)"
DENVER_PD = "Denver Police Department (CO0160200)"
UNKNOWN_IAQ = "CO0010000 (not in the agency directory)"
UNKNOWN_TEST = "CO0300000 (not in the agency directory)"
# A plate and a name that only the privacy officer may read.
PERSONAL = ("DOE, JUAN", "19900203")

# (time, ORI, user, message): the flagged queries, with their categories.
FLAGGED = [
    (
        "2025-01-07T10:00:00Z",
        "VTICE0900",
        "lesc-1",
        "DQ.VTICE0900.CO.TXT RSN/ROBBERY.OLN/100200300",
        {"immigration_agency"},
    ),
    (
        "2025-01-21T10:00:00Z",
        "VTICE0900",
        "lesc-1",
        "DQ.VTICE0900.CO.TXT RSN/ROBBERY.OLN/100200301",
        {"immigration_agency"},
    ),
    (
        "2025-03-04T10:00:00Z",
        "VTICE0900",
        "lesc-1",
        "DQ.VTICE0900.CO.TXT RSN/ROBBERY.OLN/100200302",
        {"immigration_agency"},
    ),
    (
        "2025-02-04T11:00:00Z",
        "CO0010000",
        "sgt-roe",
        "IAQ.CO0010000.AX.TXT PUR/C.ATN/SGT ROE.NAM/DOE, JUAN.DOB/19900203.SEX/M",
        {"immigration_query"},
    ),
    (
        "2025-02-05T11:00:00Z",
        "CO0010000",
        "sgt-roe",
        "IAQ.CO0010000.AX.TXT PUR/C.ATN/SGT ROE.NAM/ROE, ANN.DOB/19850101.SEX/F",
        {"immigration_query"},
    ),
    (
        "2025-02-11T12:00:00Z",
        "CO0160200",
        "dpd-4411",
        "DQ.CO0160200.CO.TXT RSN/ICE.OLN/987654321",
        {"immigration_reason"},
    ),
    (
        "2025-03-05T12:00:00Z",
        "CO0160200",
        "dpd-5005",
        "DQ.CO0160200.CO.TXT PUR/CRIMINAL ALIEN.OLN/560",
        {"immigration_reason"},
    ),
    (
        "2025-01-15T13:00:00Z",
        "CO0300000",
        "tester",
        "DQ.CO0300000.CO.TXT RSN/TEST.OLN/561",
        {"no_articulable_purpose"},
    ),
    (
        "2025-03-18T13:00:00Z",
        "CO0160200",
        "dpd-2002",
        "DQ.CO0160200.CO.TXT RSN/INV.OLN/562",
        {"no_articulable_purpose"},
    ),
]
# On 12 March, six Denver officers query and one runs BULK queries, far above the others:
# volume anomalies. How many of that day's queries the volume rule flags is the scanner's
# to say (its thresholds are parameters), so tests read that number from the scan.
BULK = 30
VOLUME_DAY = "2025-03-12"
VOLUME_USERS = [f"dpd-{n}" for n in range(10, 15)]

# The flags of FLAGGED, by category.
FLAGS = {
    "immigration_agency": 3,
    "immigration_reason": 2,
    "immigration_query": 2,
    "no_articulable_purpose": 2,
    "uncertified_access": 0,
}
BY_MONTH = {
    "2025-01": {"immigration_agency": 2, "no_articulable_purpose": 1},
    "2025-02": {"immigration_query": 2, "immigration_reason": 1},
    "2025-03": {"immigration_agency": 1, "immigration_reason": 1, "no_articulable_purpose": 1},
}


def log_rows() -> list[tuple[str, str, str, str]]:
    rows = []
    # Routine work: two queries a day on five days of each month, with a reason.
    for month in (1, 2, 3):
        for day in (3, 6, 10, 17, 24):
            for officer in ("dpd-100", "dpd-101"):
                rows.append(
                    (
                        f"2025-{month:02d}-{day:02d}T09:00:00Z",
                        "CO0160200",
                        officer,
                        f"RQ.CO0160200.CO.TXT.LIC/R{month}{day}.RSN/ROBBERY",
                    )
                )
    for user in VOLUME_USERS:
        for n in range(2):
            rows.append(
                (
                    f"{VOLUME_DAY}T08:0{n}:00Z",
                    "CO0160200",
                    user,
                    "RQ.CO0160200.CO.TXT.LIC/V1.RSN/BURGLARY",
                )
            )
    for n in range(BULK):
        rows.append(
            (
                f"{VOLUME_DAY}T14:{n:02d}:00Z",
                "CO0160200",
                "dpd-9",
                f"RQ.CO0160200.CO.TXT.LIC/B{n}.RSN/BURGLARY",
            )
        )
    rows.extend(row[:4] for row in FLAGGED)
    return sorted(rows)


def write_log(path: Path, *, plate: str = "R") -> Path:
    """The known log; another `plate` prefix makes another file with the same flags (a file
    already imported is refused)."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(("timestamp", "ori", "user_id", "message"))
        writer.writerows(
            (at, ori, user, text.replace("LIC/R", f"LIC/{plate}"))
            for at, ori, user, text in log_rows()
        )
    return path


@pytest.fixture(autouse=True)
def frozen_now(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW.astimezone(dt.UTC))
    return NOW


@pytest.fixture
def import_log(tmp_path) -> Callable[..., Scan]:
    """Scan a log (the known one unless given) and import it for an agency."""

    def run(agency: Agency, path: Path | None = None, *, by: str = "privacy_officer") -> Scan:
        path = path or write_log(tmp_path / "switch-2025-q1.csv")
        context = ScanContext(agency_id=agency.code, time_zone=settings.TIME_ZONE, threads=1)
        with scan([path], context=context) as result:
            return actions.import_scan(result, agency=agency, by=by)

    return run


@pytest.fixture
def scanned(agency, import_log) -> Scan:
    return import_log(agency)
