"""An agency with one person per role, a privacy officer of another agency, and partners
registered, notified and certified through `custodiet.partners.actions`.

Time is frozen at Monday, March 10, 2025, 9:30 in Denver. Database requests are decided
through `custodiet.records.actions.receive_and_decide` or, where a case matters,
`custodiet.cases.actions.take_in`.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen.canvas import Canvas

from custodiet.accounts.models import Agency
from custodiet.partners import actions
from custodiet.partners.models import Kind, Partner
from custodiet.policy.model import Request, parse_request

DENVER = ZoneInfo("America/Denver")
NOW = dt.datetime(2025, 3, 10, 9, 30, tzinfo=DENVER)
TODAY = NOW.date()
PASSWORD = "a long test password, never used outside tests"
INSURER = "Front Range Mutual Insurance"
CERTIFICATION_LINES = [
    "Third-Party Entity/Organization Certification for Access to PII",
    "through a database or automated network (C.R.S. 24-74-105)",
    "I certify under penalty of perjury that the entity will not use",
    "personal identifying information for federal immigration enforcement.",
    "Signed: Dana Example, Compliance Officer",
]
_numbers = itertools.count(1)


def make_pdf(lines: list[str]) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=letter)
    y = 720
    for line in lines:
        canvas.drawString(72, y, line)
        y -= 18
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def database_request(
    received_on: dt.date = TODAY, *, organization: str = INSURER, **changes: Any
) -> Request:
    """An underwriting query through the DMV's database: eligible with a current certification."""
    data: dict[str, Any] = {
        "id": f"T-DB-{next(_numbers):04d}",
        "received_at": f"{received_on.isoformat()}T08:00:00-07:00",  # before NOW
        "channel": "database",
        "receiving_agency": "CO-DOR-DMV",
        "requester": {"organization": organization, "level": "private"},
        "records_requested": ["driving_record"],
        "purpose": "Underwriting",
        "purpose_category": "agency_function",
    }
    data.update(changes)
    return parse_request(data)


@pytest.fixture
def frozen_now(monkeypatch):
    """Every `timezone.now()` (dates, rows' timestamps) is NOW."""
    monkeypatch.setattr(timezone, "now", lambda: NOW.astimezone(dt.UTC))
    return NOW


@pytest.fixture
def other_agency(db) -> Agency:
    return Agency.objects.create(code="CO-DPS-CSP", name="Colorado State Patrol")


@pytest.fixture
def signed_in() -> Callable[[Any], Client]:
    def sign_in(user: Any) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def register(agency, privacy_officer) -> Callable[..., Partner]:
    """A partner of the agency, registered by the privacy officer."""

    def make(name: str = INSURER, **details: Any) -> Partner:
        values = {"kind": Kind.PRIVATE, "contact_email": "compliance@insurer.example"} | details
        return actions.register_partner(
            agency=agency,
            by=privacy_officer,
            details=actions.Details(name=name, **values),
        )

    return make


@pytest.fixture
def certify(privacy_officer) -> Callable[[Partner, dt.date], Any]:
    """Record a certification signed on the given day."""

    def make(partner: Partner, signed_on: dt.date) -> Any:
        return actions.record_certification(
            partner,
            by=privacy_officer,
            signed_on=signed_on,
            signer_name="Dana Example",
            signer_title="Compliance Officer",
            filename="certification.pdf",
            content=make_pdf(CERTIFICATION_LINES),
        )

    return make
