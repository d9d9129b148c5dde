"""The request log's numbers: requests counted by month, outcome and immigration relation.

One grouped query over the filtered requests gives everything the page, the chart and the
spreadsheet's second sheet show, so the three can never disagree. Months are the agency's
local months, like the dates of the filter.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field

from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone

from custodiet.policy.model import OUTCOMES
from custodiet.records.export import LogFilter

# A filter open at one end, or spanning decades, would draw centuries of empty bars; past
# this many months the chart keeps to the months that hold requests.
MAX_MONTHS = 120


@dataclass
class Month:
    start: dt.date
    by_outcome: dict[str, int] = field(default_factory=dict)
    immigration_related: int = 0

    @property
    def total(self) -> int:
        return sum(self.by_outcome.values())


@dataclass(frozen=True)
class Counts:
    months: list[Month]
    # The engine's outcomes in their usual order, then any other value the log holds.
    outcomes: list[str]

    @property
    def total(self) -> int:
        return sum(month.total for month in self.months)

    @property
    def immigration_related(self) -> int:
        return sum(month.immigration_related for month in self.months)

    def by_outcome(self) -> dict[str, int]:
        return {
            outcome: sum(month.by_outcome.get(outcome, 0) for month in self.months)
            for outcome in self.outcomes
        }


def _month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _next(month: dt.date) -> dt.date:
    return (month + dt.timedelta(days=32)).replace(day=1)


def _span(first: dt.date, last: dt.date) -> int:
    return (last.year - first.year) * 12 + last.month - first.month + 1


def count(where: LogFilter) -> Counts:
    """The filtered requests counted by month, every month of the filter's range included."""
    zone = timezone.get_default_timezone()
    groups = (
        where.requests()
        .order_by()
        .annotate(month=TruncMonth("received_at", tzinfo=zone))
        .values_list("month", "outcome", "immigration_related")
        .annotate(requests=Count("id"))
    )
    found: dict[dt.date, Month] = {}
    seen_outcomes: set[str] = set()
    for start, outcome, immigration_related, requests in groups:
        day = timezone.localtime(start, zone).date()
        month = found.setdefault(day, Month(day))
        month.by_outcome[outcome] = month.by_outcome.get(outcome, 0) + requests
        if immigration_related:
            month.immigration_related += requests
        seen_outcomes.add(outcome)
    outcomes = [*OUTCOMES, *sorted(seen_outcomes - set(OUTCOMES))]
    months = month_range(found, where.start, where.end)
    return Counts([found.get(month) or Month(month) for month in months], outcomes)


def month_range(
    found: Collection[dt.date], start: dt.date | None, end: dt.date | None
) -> list[dt.date]:
    """The first day of every month a chart shows: from the filter's first day (or the
    first month found) to its last (or the last month found), all of them, empty or not.

    Empty when nothing was found; past MAX_MONTHS, only from the first to the last found.
    """
    if not found:
        return []
    first, last = min(found), max(found)
    low = _month(start) if start else first
    high = _month(end) if end else last
    if _span(low, high) > MAX_MONTHS:
        low, high = first, last
    months = []
    month = low
    while month <= high:
        months.append(month)
        month = _next(month)
    return months
