"""The access monitor's filter, and its numbers: flags counted by month, category and agency.

`FindingFilter` is the one definition of "the filtered flags" and "the filtered findings"
that the overview's counts, charts and list share, always inside one agency's scans. One
grouped query over the filtered flags gives every number the page shows, so the counts,
the charts and their tables cannot disagree.

A flag is one flagged access in one category: a row flagged under two categories counts
twice, as in the scan's own summary. Months are the agency's (settings.TIME_ZONE), the way
the scanner reads the logs' times and `custodiet scan --summary` counts them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import TruncMonth
from django.utils import timezone

from custodiet.accounts.models import Agency
from custodiet.monitor.models import Finding, FlaggedAccess, Scan
from custodiet.scanner.rules import CATEGORIES
from custodiet.web.filters import month_range, next_month

# Findings are listed immigration categories first, in the order of the categories.
_CATEGORY_ORDER = Case(
    *(When(category=category, then=Value(rank)) for rank, category in enumerate(CATEGORIES)),
    default=Value(len(CATEGORIES)),
    output_field=IntegerField(),
)


def _local(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day))


@dataclass(frozen=True)
class FindingFilter:
    """Which flags and findings of one agency's scans to show."""

    agency: Agency
    scan: Scan | None = None
    categories: tuple[str, ...] = ()
    # Part of the accessing agency's label, its name or ORI.
    accessor: str = ""
    # The first days of the first and the last month.
    start: dt.date | None = None
    end: dt.date | None = None

    def _of_findings(self, prefix: str) -> Q:
        """The conditions on the finding, through `prefix` from the model queried."""
        conditions = {f"{prefix}scan__agency": self.agency}
        if self.scan is not None:
            conditions[f"{prefix}scan"] = self.scan
        if self.categories:
            conditions[f"{prefix}category__in"] = self.categories
        if self.accessor:
            conditions[f"{prefix}agency__icontains"] = self.accessor
        return Q(**conditions)

    def _in_months(self) -> Q:
        conditions = {}
        if self.start:
            conditions["occurred_at__gte"] = _local(self.start)
        if self.end:
            conditions["occurred_at__lt"] = _local(next_month(self.end))
        return Q(**conditions)

    def flags(self) -> QuerySet[FlaggedAccess]:
        return FlaggedAccess.objects.filter(self._of_findings("finding__"), self._in_months())

    def findings(self) -> QuerySet[Finding]:
        """The findings with a flag in the filter, immigration categories and most flags first."""
        found = Finding.objects.filter(self._of_findings(""))
        if self.start or self.end:
            flagged = FlaggedAccess.objects.filter(self._in_months(), finding=OuterRef("pk"))
            found = found.filter(Exists(flagged))
        return found.select_related("scan").order_by(_CATEGORY_ORDER, "-accesses", "-scan_id", "id")


@dataclass
class Group:
    """The flags of one month or one accessing agency, by category."""

    key: dt.date | str
    by_category: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.by_category.values())

    def add(self, category: str, flags: int) -> None:
        self.by_category[category] = self.by_category.get(category, 0) + flags


@dataclass(frozen=True)
class Counts:
    # Every category, in the order of CATEGORIES.
    by_category: dict[str, int]
    # Every month of the filter's range (or from the first to the last month flagged).
    months: list[Group]
    # Every accessing agency flagged, most flags first.
    agencies: list[Group]

    @property
    def total(self) -> int:
        return sum(self.by_category.values())


def count(where: FindingFilter) -> Counts:
    """The filtered flags counted by month, category and accessing agency."""
    groups = (
        where.flags()
        .order_by()
        .annotate(month=TruncMonth("occurred_at", tzinfo=timezone.get_default_timezone()))
        .values_list("month", "finding__category", "finding__agency")
        .annotate(flags=Count("id"))
    )
    by_category = dict.fromkeys(CATEGORIES, 0)
    months: dict[dt.date, Group] = {}
    agencies: dict[str, Group] = {}
    # Every flagged access has a time: a row whose time cannot be read stops the scan.
    for start, category, agency, flags in groups:
        by_category[category] = by_category.get(category, 0) + flags
        agencies.setdefault(agency, Group(agency)).add(category, flags)
        months.setdefault(start.date(), Group(start.date())).add(category, flags)
    return Counts(
        by_category=by_category,
        months=[months.get(m) or Group(m) for m in month_range(months, where.start, where.end)],
        agencies=sorted(agencies.values(), key=lambda group: (-group.total, str(group.key))),
    )
