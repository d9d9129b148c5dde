"""The people of an agency, one per role, and the requests and documents the case-page tests
use. Time is frozen at a Monday morning in Denver, so ages and due dates are fixed.

Requests are entered the way a clerk enters them, through the intake form; the steps a
test does not exercise itself are taken with `custodiet.cases.actions`.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen.canvas import Canvas

from custodiet.accounts.models import Agency, Role
from custodiet.cases import actions
from custodiet.cases.models import Case
from custodiet.policy.model import parse_request

DENVER = ZoneInfo("America/Denver")
NOW = dt.datetime(2025, 3, 10, 9, 30, tzinfo=DENVER)
PASSWORD = "a long test password, never used outside tests"

ROBBERY = {
    "received_date": "2025-03-07",
    "received_time": "08:30",
    "channel": "email",
    "requester_name": "Detective, Robbery Unit",
    "requester_organization": "Denver Police Department",
    "requester_level": "local",
    "subject_name": "Alex Roe",
    "subject_date_of_birth": "1985-07-21",
    "records_requested": ["address", "photo"],
    "purpose": "Armed robbery investigation",
    "purpose_category": "criminal_investigation",
    "case_number": "DPD-2025-118204",
    "offense": "aggravated robbery",
}
ICE = {
    "received_date": "2025-03-07",
    "received_time": "14:40",
    "channel": "email",
    "requester_name": "Deportation officer",
    "requester_organization": "U.S. Immigration and Customs Enforcement",
    "requester_component": "ERO",
    "requester_level": "federal",
    "subject_name": "Juan Doe",
    "subject_license_number": "991234567",
    "records_requested": ["address"],
    "purpose": "Warrant attached.",
}
HSI = {
    "received_date": "2025-03-06",
    "received_time": "11:20",
    "channel": "phone",
    "requester_name": "Special agent",
    "requester_organization": "Homeland Security Investigations",
    "requester_component": "HSI",
    "requester_level": "federal",
    "subject_name": "Sam Poe",
    "records_requested": ["name", "address", "date_of_birth"],
    "purpose": "Identify a suspected recruiter in a forced-labour investigation.",
    "purpose_category": "criminal_investigation",
    "case_number": "DV07PR23DV0019",
    "offense": "forced labor, 18 U.S.C. 1589",
}
# Requests received under older law and released under today's (March 2025): an ICE
# criminal investigation the Governor's guidance alone allowed in 2020, and a robbery
# request every law since allows.
ICE_2020 = {
    "received_date": "2020-08-01",
    "received_time": "10:00",
    "channel": "email",
    "requester_name": "Special agent",
    "requester_organization": "U.S. Immigration and Customs Enforcement",
    "requester_level": "federal",
    "subject_name": "Pat Doe",
    "records_requested": ["address"],
    "purpose": "Drug trafficking investigation",
    "purpose_category": "criminal_investigation",
    "case_number": "ICE-DN-2020-0311",
    "offense": "drug trafficking, 21 U.S.C. 841",
}
ROBBERY_2020 = {**ROBBERY, "received_date": "2020-08-03", "case_number": "DPD-2020-044120"}
# A DHS subpoena to a state agency after 2025-07-01: the Governor's office reviews it.
HSI_SUBPOENA = {
    "received_date": "2025-08-01",
    "received_time": "10:15",
    "channel": "email",
    "requester_name": "Special agent",
    "requester_organization": "Homeland Security Investigations",
    "requester_level": "federal",
    "subject_name": "Lee Poe",
    "records_requested": ["address"],
    "purpose": "Wire fraud investigation",
    "purpose_category": "criminal_investigation",
    "case_number": "HSI-DN-2025-0107",
    "offense": "wire fraud",
    "process_kind": "court_subpoena",
    "process_title": "Grand jury subpoena",
    "process_issued_by": "United States District Court for the District of Colorado",
    "process_signed_by": "Clerk of Court",
}
# The person in interest, at the counter, asking for their own record.
OWN_RECORD = {
    "received_date": "2025-03-07",
    "received_time": "11:05",
    "channel": "in_person",
    "requester_name": "Alex Roe",
    "requester_organization": "Alex Roe",
    "requester_level": "individual",
    "subject_name": "Alex Roe",
    "records_requested": ["address", "driving_record"],
    "purpose": "A copy of my own driving record",
}
I200_LINES = [
    "U.S. DEPARTMENT OF HOMELAND SECURITY",
    "WARRANT FOR ARREST OF ALIEN",
    "To: Any immigration officer authorized pursuant to sections 236 and 287",
    "of the Immigration and Nationality Act and part 287 of title 8, CFR.",
    "I have determined that there is probable cause to believe that the",
    "person named here is removable from the United States.",
    "(Signature of Authorized Immigration Officer)",
    "Supervisory Detention and Deportation Officer",
    "Form I-200 (Rev. 09/16)",
]


def make_pdf(lines: list[str], pages: int = 1) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=letter)
    for _ in range(pages):
        y = 720
        for line in lines:
            canvas.drawString(72, y, line)
            y -= 18
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def pdf_upload(
    name: str = "i-200.pdf", content: bytes | None = None, content_type: str = "application/pdf"
) -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, make_pdf(I200_LINES) if content is None else content, content_type
    )


def contract(form: dict[str, Any], agency: Agency) -> dict[str, Any]:
    """A form's request in the contract format, for steps taken with the actions directly."""
    from custodiet.cases.forms import IntakeForm

    bound = IntakeForm(form, agency=agency)
    assert bound.is_valid(), bound.errors
    return bound.contract()


def without_csrf_tokens(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


@pytest.fixture
def frozen_now(monkeypatch):
    """Every `timezone.now()` (dates, ages, sessions, rows' timestamps) is NOW."""
    monkeypatch.setattr(timezone, "now", lambda: NOW.astimezone(dt.UTC))
    return NOW


@pytest.fixture
def august(frozen_now, monkeypatch):
    """Now is 4 August 2025, after the Governor's office began reviewing DHS subpoenas and
    after Article 74.1 took effect."""
    now = dt.datetime(2025, 8, 4, 9, 30, tzinfo=DENVER)
    monkeypatch.setattr(timezone, "now", lambda: now.astimezone(dt.UTC))
    return now


@pytest.fixture
def institution(monkeypatch):
    """The deployment is an institution that receives state money (Article 74.1)."""
    monkeypatch.setenv("CUSTODIET_AGENCY_KIND", "institution")


@pytest.fixture
def other_agency(db) -> Agency:
    return Agency.objects.create(code="CO-CDPS-CSP", name="Colorado State Patrol")


@pytest.fixture
def outsider(person, other_agency):
    """A supervisor of another agency: every capability, none of this agency's cases."""
    return person("outsider", Role.SUPERVISOR, other_agency)


@pytest.fixture
def outside_counsel(person, other_agency):
    return person("outside_counsel", Role.COUNSEL, other_agency)


@pytest.fixture
def signed_in() -> Callable[[Any], Client]:
    """A browser-like client signed in as this person."""

    def sign_in(user: Any) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def opened(agency) -> Callable[..., Case]:
    """A case opened with the actions, from intake-form data."""

    def open_case(form: dict[str, Any], *, by: Any, uploads: tuple = ()) -> Case:
        return actions.take_in(
            parse_request(contract(form, agency)), by=by, agency=agency, uploads=uploads
        )

    return open_case


@pytest.fixture
def log_key(settings, tmp_path) -> str:
    """A fresh checkpoint signing key; returns its verifier key."""
    settings.CUSTODIET_LOG_KEY_FILE = tmp_path / "keys" / "log.key"
    out = io.StringIO()
    call_command("ledger", "keygen", stdout=out, stderr=io.StringIO())
    return out.getvalue().strip()
