"""Uncertified access, read against the partner registry: a third party is flagged on a day
no 24-74-105 certification (valid 365 days from signing) covered it, from 2022-01-01."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen.canvas import Canvas

from custodiet.partners import actions
from custodiet.partners.models import Kind

from . import logs
from .conftest import custodiet_scan, flags_of, read_output

pytestmark = pytest.mark.usefixtures("frozen_now")

INSURER = "Front Range Mutual Insurance"


def certification_pdf() -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=letter)
    canvas.drawString(72, 720, "Third-Party Entity/Organization Certification (C.R.S. 24-74-105)")
    canvas.drawString(72, 700, "The entity will not use personal identifying information for")
    canvas.drawString(72, 680, "federal immigration enforcement. Signed: Dana Example")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


@pytest.fixture
def registry(agency, privacy_officer):
    """Denver PD certified 2024-06-01, Aurora PD (ORI CO0030000) lapsed, an insurer current."""

    def register(name: str, kind: str, **details):
        return actions.register_partner(
            agency=agency,
            by=privacy_officer,
            details=actions.Details(name=name, kind=kind, **details),
        )

    def certify(partner, signed_on: dt.date) -> None:
        actions.record_certification(
            partner,
            by=privacy_officer,
            signed_on=signed_on,
            signer_name="Dana Example",
            signer_title="Compliance Officer",
            filename="certification.pdf",
            content=certification_pdf(),
        )

    certify(register("", Kind.LAW_ENFORCEMENT, directory_id="CO-DENVER-PD"), dt.date(2024, 6, 1))
    aurora = register("", Kind.LAW_ENFORCEMENT, directory_id="CO-AURORA-PD", oris=("CO0030000",))
    certify(aurora, dt.date(2023, 1, 1))
    certify(register(INSURER, Kind.PRIVATE), dt.date(2025, 1, 15))
    return agency


def switch_row(day: str, ori: str) -> tuple[str, ...]:
    return (f"{day}T12:00:00Z", ori, f"user-{ori}", f"DQ.{ori}.CO.TXT RSN/ROBBERY.OLN/123456789")


# (day, ORI, flagged)
SWITCH_ACCESSES = [
    ("2024-05-31", "CO0160200", True),  # the day before Denver PD signed
    ("2024-06-01", "CO0160200", False),  # the day it signed
    ("2025-03-01", "CO0160200", False),
    ("2025-06-01", "CO0160200", False),  # 365 days after: its last day
    ("2025-06-02", "CO0160200", True),  # lapsed
    ("2023-06-01", "CO0030000", False),  # Aurora PD, covered then
    ("2025-03-01", "CO0030000", True),  # Aurora PD, lapsed since 2024-01-01
    ("2021-12-31", "CO0990000", False),  # before 24-74-105 applied
    ("2022-01-01", "CO0990000", True),  # an ORI in no registry entry
    ("2025-03-01", "CO0990000", True),
]
# (day, organization, flagged)
CANONICAL_ACCESSES = [
    ("2025-02-01", INSURER, False),
    ("2025-02-01", "front range mutual  insurance", False),  # the registry's name, as written
    ("2025-02-01", "Nice Insurance", True),
    ("2025-02-01", "Colorado Division of Motor Vehicles", False),  # the agency itself
    ("2025-02-01", "", False),  # the system's own users
]


def test_only_third_parties_without_a_current_certification_are_flagged(tmp_path, registry):
    switch, canonical = tmp_path / "switch.csv", tmp_path / "portal.csv"
    switch_lines = logs.write_csv(
        switch, logs.SWITCH_HEADER, [switch_row(day, ori) for day, ori, _ in SWITCH_ACCESSES]
    )
    canonical_lines = logs.write_csv(
        canonical,
        ("occurred_at", "organization", "user_id", "reason"),
        [(f"{day}T12:00:00Z", org, "clerk", "underwriting") for day, org, _ in CANONICAL_ACCESSES],
    )
    out = tmp_path / "flags.csv"
    ran = custodiet_scan(switch, canonical, "--agency", registry.code, "--out", out)
    assert ran.code == 0, ran.stderr
    rows = read_output(out)[1]
    found = {(row["source_file"], int(row["source_line"]), row["category"]) for row in rows}
    expected = {
        (str(switch), line, logs.UNCERTIFIED)
        for line, (_, _, flagged) in zip(switch_lines, SWITCH_ACCESSES, strict=True)
        if flagged
    } | {
        (str(canonical), line, logs.UNCERTIFIED)
        for line, (_, _, flagged) in zip(canonical_lines, CANONICAL_ACCESSES, strict=True)
        if flagged
    }
    assert found == expected


def test_the_why_says_who_had_no_certification_for_which_day(tmp_path, registry):
    log = tmp_path / "switch.csv"
    logs.write_csv(log, logs.SWITCH_HEADER, [switch_row("2025-06-02", "CO0160200")])
    out = tmp_path / "flags.csv"
    assert custodiet_scan(log, "--out", out).code == 0
    (row,) = read_output(out)[1]
    assert row["rule"] == "MON-5"
    assert row["why"].startswith("Denver Police Department (CO0160200) had no certification")
    assert "2025-06-02" in row["why"]
    assert "2024-06-01" in row["why"]


def test_without_a_registry_uncertified_access_is_not_looked_for(tmp_path, db):
    log = tmp_path / "switch.csv"
    logs.write_csv(log, logs.SWITCH_HEADER, [switch_row("2025-03-01", "CO0990000")])
    out = tmp_path / "flags.csv"
    ran = custodiet_scan(log, "--out", out, "--summary")
    assert ran.code == 0, ran.stderr
    assert flags_of(read_output(out)[1]) == set()
    assert "Uncertified access was not checked" in ran.stdout
