"""The people who may or may not read the request log, and a log to read.

The log is made the way every request is recorded, through
`custodiet.records.actions.receive_and_decide`, from requests in the contract format: a
few months of 2025 with each outcome, two receiving agencies, several channels, one
month with no request at all, and one request at 23:30 on the last evening of a month
(already the next month in UTC), to keep months local.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from custodiet.policy.model import parse_request
from custodiet.records.actions import receive_and_decide
from custodiet.records.models import RequestRecord

DENVER = ZoneInfo("America/Denver")
NOW = dt.datetime(2025, 5, 12, 9, 0, tzinfo=DENVER)
PASSWORD = "a long test password, never used outside tests"

ROBBERY = {
    "channel": "email",
    "receiving_agency": "CO-DOR-DMV",
    "records_requested": ["address", "photo"],
    "requester": {
        "name": "Det. K. Lin",
        "organization": "Denver Police Department",
        "ori": "CO0160200",
        "level": "local",
    },
    "purpose": "Armed robbery investigation",
    "purpose_category": "criminal_investigation",
    "criminal_investigation": {"case_number": "DPD-25-004411", "offense": "aggravated robbery"},
}
ICE_NO_PROCESS = {
    "channel": "email",
    "receiving_agency": "CO-DOR-DMV",
    "records_requested": ["address"],
    "requester": {
        "name": "Deportation Officer R. Hale",
        "organization": "U.S. Immigration and Customs Enforcement",
        "component": "ERO",
        "level": "federal",
    },
    "subjects": [{"name": "Juan Doe", "date_of_birth": "1990-02-03"}],
    "purpose": "Locate subject for removal proceedings.",
    "purpose_category": "civil_immigration_enforcement",
}
ICE_JUDICIAL_WARRANT = {
    **ICE_NO_PROCESS,
    "purpose": "Execution of search warrant",
    "legal_process": [
        {
            "text": "UNITED STATES DISTRICT COURT\nfor the\nDistrict of Colorado\n"
            "In the Matter of the Search of records held by the Colorado Division of Motor "
            "Vehicles\nSEARCH AND SEIZURE WARRANT\nTo: Any authorized law enforcement officer\n"
            "YOU ARE COMMANDED to execute this warrant on or before June 1, 2025.\n"
            "/s/ Hon. Maria Castillo, United States Magistrate Judge"
        }
    ],
}

# (received, local time in Denver; the request; what changes)
LOG = [
    ("2025-01-06T08:30", ROBBERY, {}),
    ("2025-01-14T10:00", ICE_NO_PROCESS, {}),
    ("2025-01-21T15:45", ROBBERY, {"channel": "phone"}),
    # 06:30 UTC on 1 February, but January in Denver.
    ("2025-01-31T23:30", ICE_NO_PROCESS, {"channel": "mail"}),
    # No request in February.
    ("2025-03-03T09:15", ICE_JUDICIAL_WARRANT, {}),
    ("2025-03-10T11:00", ROBBERY, {"receiving_agency": "CO-CDPS-CSP"}),
    ("2025-03-10T11:00", ICE_NO_PROCESS, {"receiving_agency": "CO-CDPS-CSP"}),
    ("2025-03-31T16:00", ROBBERY, {"requester": {"organization": "Aurora Police Department"}}),
    ("2025-04-01T00:10", ICE_JUDICIAL_WARRANT, {"channel": "phone"}),
    ("2025-04-15T13:20", ICE_NO_PROCESS, {}),
    ("2025-04-30T17:05", ROBBERY, {"purpose": '=HYPERLINK("http://example.invalid")'}),
]


def contract(received: str, base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    request = copy.deepcopy(base)
    for key, value in changes.items():
        if isinstance(value, dict):
            request[key] = {**request[key], **value}
        else:
            request[key] = value
    at = dt.datetime.fromisoformat(received).replace(tzinfo=DENVER)
    request["received_at"] = at.isoformat()
    return request


@pytest.fixture(autouse=True)
def frozen_now(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW.astimezone(dt.UTC))
    return NOW


@pytest.fixture
def log(agency, other_agency) -> list[RequestRecord]:
    """The requests of LOG that `agency` received, recorded and decided, in the order received.

    The others are recorded in the log of the agency they name, `other_agency`, and must
    never show in `agency`'s pages or downloads.
    """
    requests = [parse_request(contract(*entry)) for entry in LOG]
    for receiver in (agency, other_agency):
        receive_and_decide(
            [request for request in requests if request.receiving_agency == receiver.code],
            actor="import:test",
            agency=receiver,
        )
    return list(RequestRecord.objects.filter(agency=agency).order_by("received_at", "id"))


@pytest.fixture
def password() -> str:
    return PASSWORD
