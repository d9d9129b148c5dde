"""The request log's numbers: requests counted by month, outcome and immigration relation.

One grouped query over the filtered requests gives everything the page, the chart and the
spreadsheet's second sheet show, so the three can never disagree. Months are the agency's
local months, like the dates of the filter.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone

from custodiet.policy.model import OUTCOMES
from custodiet.records.export import LogFilter
from custodiet.web.filters import month_range


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
