"""An agency with a clerk, two supervisors and a privacy officer; cases opened through the
workflow, and partners registered, notified and certified through the registry's actions.

Every case here is received on Friday, March 7, 2025 by an agency that answers within
5 days, so its answer is due on Wednesday, March 12: the 13th is its first overdue day.
Runs pass `--today`; what the registry dates by the clock is done at `clock`'s time.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils import timezone

from custodiet.accounts.models import Agency, Membership, Role
from custodiet.cases import actions
from custodiet.cases.models import Case
from custodiet.partners import actions as partner_actions
from custodiet.partners.models import Delivery, Kind, Notice, Partner
from custodiet.policy.model import parse_request

DENVER = ZoneInfo("America/Denver")
DUE_ON = dt.date(2025, 3, 12)
PARTNER_EMAIL = "compliance@insurer.example"
_numbers = itertools.count(1)


def robbery_request(agency: Agency) -> dict[str, Any]:
    """An eligible request in the contract format, so its case waits for a supervisor."""
    number = next(_numbers)
    return {
        "id": f"T-REM-{number:04d}",
        "received_at": "2025-03-07T08:30:00-07:00",
        "channel": "email",
        "receiving_agency": agency.code,
        "requester": {
            "organization": "Denver Police Department",
            "level": "local",
            "name": "Det. Alex Example",
        },
        "subjects": [{"name": "Pat Resident", "date_of_birth": "1990-02-03"}],
        "records_requested": ["address"],
        "purpose": "Armed robbery investigation",
        "purpose_category": "criminal_investigation",
        "criminal_investigation": {"case_number": f"DPD-{number}", "offense": "robbery"},
    }


@pytest.fixture
def agency(db) -> Agency:
    return Agency.objects.create(
        code="CO-DOR-DMV", name="Colorado Division of Motor Vehicles", answer_within_days=5
    )


@pytest.fixture
def person(django_user_model) -> Callable[..., Any]:
    def make(username: str, role: str, agency: Agency) -> Any:
        user = django_user_model.objects.create_user(
            username=username, email=f"{username}@agency.example"
        )
        Membership.objects.create(user=user, agency=agency, role=role)
        return user

    return make


@pytest.fixture
def supervisors(person, agency):
    return [
        person("supervisor", Role.SUPERVISOR, agency),
        person("second_supervisor", Role.SUPERVISOR, agency),
    ]


class Clock:
    """`timezone.now()` for the code under test: 9:30 in Denver on the day set."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, day: dt.date) -> None:
        self.day = day
        monkeypatch.setattr(timezone, "now", self.now)

    def now(self) -> dt.datetime:
        return dt.datetime.combine(self.day, dt.time(9, 30), tzinfo=DENVER).astimezone(dt.UTC)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    return Clock(monkeypatch, dt.date(2025, 3, 10))


@pytest.fixture
def partner(agency, privacy_officer) -> Callable[..., Partner]:
    """A partner of the agency, registered by the privacy officer."""

    def register(name: str = "Front Range Mutual Insurance", **details: Any) -> Partner:
        values = {"kind": Kind.PRIVATE, "contact_email": PARTNER_EMAIL} | details
        return partner_actions.register_partner(
            agency=agency, by=privacy_officer, details=partner_actions.Details(name=name, **values)
        )

    return register


@pytest.fixture
def certify(privacy_officer) -> Callable[[Partner, dt.date], Any]:
    def record(partner: Partner, signed_on: dt.date) -> Any:
        return partner_actions.record_certification(
            partner,
            by=privacy_officer,
            signed_on=signed_on,
            signer_name="Dana Example",
            signer_title="Compliance Officer",
            filename="certification.pdf",
            content=b"%PDF-1.4 a signed certification",
        )

    return record


@pytest.fixture
def notify(privacy_officer, clock, mailoutbox) -> Callable[..., Notice]:
    """Send the partner a restriction notice by post on this day; the outbox is cleared."""

    def send(partner: Partner, on: dt.date) -> Notice:
        clock.day = on
        notice = partner_actions.send_notice(
            partner, by=privacy_officer, method=Delivery.MAIL, sent_to="1 Main St, Denver"
        )
        mailoutbox.clear()
        return notice

    return send


@pytest.fixture
def awaiting(agency, clerk, supervisors, mailoutbox) -> Callable[..., Case]:
    """A case awaiting a supervisor's approval, due on DUE_ON; its intake notice is cleared."""

    def open_case(in_agency: Agency | None = None) -> Case:
        where = in_agency or agency
        case = actions.take_in(parse_request(robbery_request(where)), by=clerk, agency=where)
        assert case.state == "awaiting_approval" and case.due_on == DUE_ON
        mailoutbox.clear()
        return case

    return open_case


@pytest.fixture
def reminders() -> Callable[..., str]:
    """Run `custodiet reminders` with these arguments; returns what it printed."""

    def run(*args: str) -> str:
        out = io.StringIO()
        call_command("reminders", *args, stdout=out, stderr=io.StringIO())
        return out.getvalue()

    return run
