"""The demo's access logs: a year of message-switch queries and a plate-reader federal
export, written with a fixed seed, scanned against the demo registry and imported, so the
privacy officer's monitor pages have something true to show.

What they hold, and what the scan should find:
- the Denver Police Department (in the directory, certified every January, up to the
  January before the demo is loaded) runs most of the queries, with a few vague reasons
  and one officer's burst of 400 queries in a day;
- the State Patrol (registered with its ORI but not in the directory, certified for the
  logs' year and not renewed since) is listed for review;
- ICE's Law Enforcement Support Center (VTICE0900) runs driver queries: an immigration
  agency, with no certification;
- a county sheriff sends Immigration Alien Queries to AX;
- the plate-reader export shows federal searches, some for "ICE WARRANT" or
  "Immigration (civil/administrative)".
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from custodiet.accounts.models import Agency
from custodiet.directory.current import current_directory
from custodiet.monitor import actions
from custodiet.monitor.models import Scan
from custodiet.monitor.registry import scan_partners
from custodiet.scanner import ScanContext, scan

SWITCH_ROWS = 30_000
YEAR = 2025
DENVER = "CO0160200"
PATROL = "CODSP0000"
SHERIFF = "CO0600000"
LESC = "VTICE0900"
REASONS = ("THEFT", "DUI", "HIT AND RUN", "WARRANT", "STOLEN VEHICLE", "ASSAULT", "FRAUD")
VAGUE = ("INV", "TEST", "")


def _time(rng: random.Random) -> dt.datetime:
    start = dt.datetime(YEAR, 1, 1, tzinfo=dt.UTC)
    return start + dt.timedelta(seconds=rng.randrange(365 * 24 * 3600))


def _plate(rng: random.Random) -> str:
    return f"{rng.choice('ABCDEFGHJK')}{rng.choice('ABCDEFGHJK')}{rng.choice('ABCDEFGHJK')}{rng.randrange(1000):03d}"


def _message(rng: random.Random, key: str, ori: str, destination: str, reason: str | None) -> str:
    fields = [] if reason is None else [f"RSN/{reason}"]
    if key.startswith("R"):
        fields.append(f"LIC/{_plate(rng)}")
    else:
        fields.append(f"OLN/{rng.randrange(10**8, 10**9)}")
    return f"{key}.{ori}.{destination}.TXT " + ".".join(fields)


def write_switch_log(path: Path, rows: int = SWITCH_ROWS, seed: int = 7) -> None:
    rng = random.Random(seed)  # noqa: S311 (demo data, repeatable on purpose)
    burst_day = dt.datetime(YEAR, 6, 12, 9, tzinfo=dt.UTC)
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["timestamp", "ori", "user_id", "message"])
        for _ in range(rows):
            pick = rng.random()
            when = _time(rng)
            if pick < 0.70:
                ori, user = DENVER, f"DPD{rng.randrange(120):03d}"
                reason = rng.choice(VAGUE) if rng.random() < 0.03 else rng.choice(REASONS)
                message = _message(rng, rng.choice(("DQ", "RQ", "KQ")), ori, "CO", reason)
            elif pick < 0.93:
                ori, user = PATROL, f"CSP{rng.randrange(80):03d}"
                message = _message(rng, rng.choice(("DQ", "RQ")), ori, "CO", rng.choice(REASONS))
            elif pick < 0.98:
                ori, user = LESC, f"LESC{rng.randrange(15):02d}"
                message = _message(rng, "DQ", ori, "CO", rng.choice(("I", None)))
            else:
                ori, user = SHERIFF, f"TCSO{rng.randrange(6):02d}"
                message = f"IAQ.{ori}.AX.TXT PUR/C.ATN/SGT ROE.NAM/DOE, JUAN.DOB/19900203.SEX/M"
            out.writerow([when.strftime("%Y-%m-%dT%H:%M:%SZ"), ori, user, message])
        for minute in range(400):
            when = burst_day + dt.timedelta(minutes=minute)
            message = _message(rng, "DQ", DENVER, "CO", "WARRANT")
            out.writerow([when.strftime("%Y-%m-%dT%H:%M:%SZ"), DENVER, "DPD007", message])


FEDERAL_ORGS = (
    ("[Federal] Federal Bureau of Investigation (FBI)", ("Fraud investigation", "Kidnapping")),
    ("[Federal] U.S. Immigration and Customs Enforcement (ICE)", ("ICE WARRANT", "ICE+ERO")),
    ("[Federal] Homeland Security Investigations", ("HSI", "Immigration (civil/administrative)")),
    ("[Federal] U.S. Marshals Service", ("Fugitive warrant", "inv")),
)


def write_federal_export(path: Path, rows: int = 240, seed: int = 11) -> None:
    rng = random.Random(seed)  # noqa: S311 (demo data, repeatable on purpose)
    header = [
        "ID",
        "Name",
        "Org Name",
        "Total Networks Searched",
        "License Plate",
        "Reason",
        "Case #",
        "Filters",
        "Search Time",
        "Search Type",
    ]
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(header)
        for number in range(rows):
            org, reasons = rng.choice(FEDERAL_ORGS)
            out.writerow(
                [
                    f"S{number:05d}",
                    f"agent{rng.randrange(20):02d}",
                    org,
                    rng.randrange(1, 40),
                    _plate(rng),
                    rng.choice(reasons),
                    f"{YEAR}-{rng.randrange(10**5):05d}" if rng.random() < 0.5 else "",
                    "",
                    _time(rng).strftime("%Y-%m-%d %H:%M:%S"),
                    "License Plate",
                ]
            )


def load(agency: Agency, *, by: AbstractBaseUser) -> Scan | None:
    """Scan and import the demo logs once; None if a scan is there already."""
    if Scan.objects.filter(agency=agency).exists():
        return None
    with transaction.atomic():
        return _load(agency, by)


def _load(agency: Agency, by: AbstractBaseUser) -> Scan:
    _register(agency, by)
    directory = current_directory()
    context = ScanContext(
        directory=directory,
        agency_id=agency.code,
        partners=scan_partners(agency, directory),
        time_zone=settings.TIME_ZONE,
    )
    with tempfile.TemporaryDirectory(prefix="custodiet-demo-") as folder:
        switch = Path(folder) / f"switch-{YEAR}.csv"
        federal = Path(folder) / f"alpr-federal-searches-{YEAR}.csv"
        write_switch_log(switch)
        write_federal_export(federal)
        with scan([switch, federal], context=context) as result:
            return actions.import_scan(result, agency=agency, by=by.get_username())


def _certified(*, renews: bool) -> list[dt.date]:
    """The days a police partner signed: the first Monday after New Year's Day of the year
    before the logs' and of theirs, then of every year since when it renews."""
    today = timezone.localdate()
    last = today.year if renews else YEAR
    days = []
    for year in range(YEAR - 1, last + 1):
        new_year = dt.date(year, 1, 1)
        day = new_year + dt.timedelta(days=7 - new_year.weekday())
        if day <= today:
            days.append(day)
    return days


def _register(agency: Agency, by: AbstractBaseUser) -> None:
    from custodiet.cases.letters import write_pdf
    from custodiet.partners import actions as partners

    for name, kind, directory_id, oris in (
        ("Denver Police Department", "government", "CO-DENVER-PD", ()),
        ("Colorado State Patrol", "government", "", (PATROL,)),
    ):
        partner = partners.register_partner(
            agency=agency,
            by=by,
            details=partners.Details(name=name, kind=kind, directory_id=directory_id, oris=oris),
        )
        for day in _certified(renews=bool(directory_id)):
            form = write_pdf(
                f"<html lang='en'><head><title>Certification</title></head><body><p>{name} "
                "certifies under C.R.S. 24-74-105 that it will not use personal identifying "
                f"information for federal immigration enforcement. Signed {day}.</p></body></html>",
                f"{name}-{day}",
            )
            partners.record_certification(
                partner,
                by=by,
                signed_on=day,
                signer_name="Records manager",
                signer_title="Records manager",
                filename=f"certification-{day}.pdf",
                content=form,
            )
