"""Filters of the log, each with the same question asked of the records in plain Python.

The tests compare what the page and the exports show with what this oracle picks, so a
filter is checked against an independent answer rather than against itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.utils import timezone

from custodiet.records.models import RequestRecord

Pick = Callable[[RequestRecord], bool]


def received(record: RequestRecord) -> dt.date:
    return timezone.localtime(record.received_at).date()


def between(start: str, end: str) -> Pick:
    first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    return lambda record: first <= received(record) <= last


FILTERS = [
    pytest.param({}, lambda record: True, id="everything"),
    # Includes 23:30 on 31 January, which is 1 February in UTC.
    pytest.param(
        {"start": "2025-01-01", "end": "2025-01-31"},
        between("2025-01-01", "2025-01-31"),
        id="january",
    ),
    pytest.param(
        {"start": "2025-02-01", "end": "2025-02-28"},
        between("2025-02-01", "2025-02-28"),
        id="february",
    ),
    pytest.param(
        {"start": "2025-03-10", "end": "2025-03-10"},
        between("2025-03-10", "2025-03-10"),
        id="one-day",
    ),
    pytest.param(
        {"start": "2025-03-31"},
        lambda record: received(record) >= dt.date(2025, 3, 31),
        id="from-a-date",
    ),
    pytest.param(
        {"requester": "police"},
        lambda record: "police" in record.requester_organization.lower(),
        id="requester-contains",
    ),
    pytest.param(
        {"outcome": "legal_review"}, lambda record: record.outcome == "legal_review", id="outcome"
    ),
    pytest.param(
        {"immigration_related": "yes"},
        lambda record: record.immigration_related is True,
        id="immigration",
    ),
    pytest.param(
        {"immigration_related": "no"},
        lambda record: record.immigration_related is False,
        id="not-immigration",
    ),
    pytest.param({"channel": "phone"}, lambda record: record.channel == "phone", id="channel"),
    pytest.param(
        {
            "start": "2025-03-01",
            "outcome": "eligible",
            "immigration_related": "no",
            "requester": "DENVER",
            "channel": "email",
        },
        lambda record: (
            received(record) >= dt.date(2025, 3, 1)
            and record.outcome == "eligible"
            and record.immigration_related is False
            and "denver" in record.requester_organization.lower()
            and record.channel == "email"
        ),
        id="all-at-once",
    ),
]
