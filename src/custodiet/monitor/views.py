"""The privacy officer's pages for the access monitor: the overview of the imported scans,
and each finding with the logged rows behind it.

Thin adapters, like the request log's: check who reads (`_reader`, `get_finding_for_user`),
parse the filter (`MonitorFilterForm`), take the flags and findings from its
`FindingFilter`, render. The findings name the accounts that ran the queries and the rows
hold what was looked up (plates, names, dates of birth), so the privacy officer alone reads
them whole. Auditors read them masked: every reason, explanation and free-text column
through `custodiet.scanner.personal.mask`, and the columns of what was looked up as their
kind alone. Administrators see the counts and charts, which name only agencies, and the
scans. A finding of another agency is the same 404 as no finding at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_safe

from custodiet.accounts.access import require
from custodiet.accounts.models import Membership
from custodiet.monitor import charts
from custodiet.monitor.counts import Counts, Group, count
from custodiet.monitor.forms import IMMIGRATION, MonitorFilterForm
from custodiet.monitor.models import CATEGORY_LABELS, Finding, FlaggedAccess, Scan
from custodiet.scanner.personal import mask, mask_cell
from custodiet.scanner.rules import IMMIGRATION_CATEGORIES, Rule, load_rules
from custodiet.web import pages

PAGE_SIZE = 50
LATEST_SCANS = 10
# Organizations the directory does not know, listed for review before the rest are counted.
MAX_UNKNOWN = 50

monitor_page = pages.staff_page(not_found="monitor/not_found.html")


@dataclass(frozen=True)
class Reader:
    membership: Membership
    # The findings and their rows; without it, the scans, the counts and the charts only.
    sees_findings: bool
    # The personal data in the findings and their rows shown as its kind: "[name]".
    masked: bool

    def text(self, text: str, searched: dt.datetime) -> str:
        """A reason or an explanation, as this reader reads it."""
        return mask(text, as_of=timezone.localdate(searched)) if self.masked else text

    def cell(self, column: str, value: str, searched: dt.datetime) -> str:
        """A logged value, as this reader reads it."""
        return (
            mask_cell(column, value, as_of=timezone.localdate(searched)) if self.masked else value
        )


def _opens_findings(membership: Membership) -> bool:
    """The privacy officer reads the findings whole, auditors masked."""
    return membership.can_read_monitor or membership.can_read_monitor_masked


def _reader(
    user: object, capability: Callable[[Membership], bool] | str = "can_count_monitor"
) -> Reader:
    """Who may read the monitor, and how much of it: decided here and nowhere else."""
    membership = require(user, capability)
    return Reader(
        membership,
        sees_findings=_opens_findings(membership),
        masked=not membership.can_read_monitor,
    )


def get_finding_for_user(user: object, finding_id: int) -> tuple[Finding, Reader]:
    """The finding with this id among the agency's scans, and how its reader reads it, for
    those who may open findings; else 404/403."""
    reader = _reader(user, _opens_findings)
    finding = (
        Finding.objects.select_related("scan")
        .filter(pk=finding_id, scan__agency=reader.membership.agency)
        .first()
    )
    if finding is None:
        raise Http404("no such finding")
    return finding, reader


def _category(category: str) -> dict[str, Any]:
    return {
        "key": category,
        "label": CATEGORY_LABELS.get(category, category),
        "immigration": category in IMMIGRATION_CATEGORIES,
    }


def _described(form: MonitorFilterForm) -> list[str]:
    """The filter in words, for the page's caption and the charts' descriptions."""
    data = form.cleaned_data
    words = []
    if data["scan"]:
        words.append(f"in scan {data['scan'].pk}")
    if data["category"] == IMMIGRATION:
        words.append("in the immigration categories")
    elif data["category"]:
        words.append(f"in the category {CATEGORY_LABELS[data['category']]}")
    if data["accessor"]:
        words.append(f"by an accessing agency containing “{data['accessor']}”")
    start, end = data["start"], data["end"]
    if start and end:
        words.append(f"from {start:%B %Y} to {end:%B %Y}")
    elif start:
        words.append(f"from {start:%B %Y}")
    elif end:
        words.append(f"until {end:%B %Y}")
    return words


@dataclass(frozen=True)
class Table:
    """A chart's numbers as the page repeats them: a row per bar, and the sums."""

    caption: str
    first: str  # the heading of the rows' names
    columns: list[str]
    rows: list[tuple[str, str, list[int]]]  # (row id, name, numbers)
    footer: tuple[str, list[int]]


def _numbers(group: Group) -> list[int]:
    """A month's or an agency's flags in each category, then their total."""
    return [*(group.by_category.get(category, 0) for category in CATEGORY_LABELS), group.total]


def _sums(rows: list[tuple[str, str, list[int]]]) -> list[int]:
    return [sum(column) for column in zip(*(numbers for _, _, numbers in rows), strict=True)]


def _charts(counts: Counts, described: list[str]) -> dict[str, Any]:
    which = f" Flags {', '.join(described)}." if described else ""
    columns = [*CATEGORY_LABELS.values(), "Total"]
    months = [
        (f"month-row-{month.key:%Y-%m}", f"{month.key:%B %Y}", _numbers(month))
        for month in counts.months
    ]
    agencies = [
        ("", str(group.key), _numbers(group)) for group in counts.agencies[: charts.TOP_AGENCIES]
    ]
    rest = counts.agencies[charts.TOP_AGENCIES :]
    if rest:
        others = Group(f"The other {len(rest)} agencies")
        for group in rest:
            for category, n in group.by_category.items():
                others.add(category, n)
        agencies.append(("", str(others.key), _numbers(others)))
    categories = [("", CATEGORY_LABELS[c], [n]) for c, n in counts.by_category.items()]
    return {
        # No month to draw when no flag has a readable time.
        "month_chart": charts.by_month(counts, which=which) if counts.months else "",
        "month_table": Table(
            "Flags by month and category", "Month", columns, months, ("All months", _sums(months))
        ),
        "agency_chart": charts.by_agency(counts, which=which),
        "agency_table": Table(
            "Flags by accessing agency and category",
            "Accessing agency",
            columns,
            agencies,
            ("All agencies", _sums(agencies)),
        ),
        "category_chart": charts.by_category(counts, which=which),
        "category_table": Table(
            "Flags by category",
            "Category",
            ["Flags"],
            categories,
            ("All categories", [counts.total]),
        ),
    }


def _prefill(unknown: dict[str, Any]) -> str:
    """The directory's new-entry form, prefilled with what the scan read of an agency."""
    ori = unknown["ori"].split(" / ")[0]
    return urlencode(
        {key: value for key, value in (("name", unknown["name"]), ("ori", ori)) if value}
    )


def _unknown(scan: Scan | None) -> dict[str, Any]:
    """The organizations of a scan's logs that the agency directory does not know."""
    unknown = scan.unknown_agencies if scan else []
    return {
        "scan": scan,
        "listed": [item | {"prefill": _prefill(item)} for item in unknown[:MAX_UNKNOWN]],
        "more": max(0, len(unknown) - MAX_UNKNOWN),
    }


def _refused_filter(
    request: HttpRequest, context: dict[str, Any], form: MonitorFilterForm
) -> HttpResponse:
    """The page with the filter's problems, and no numbers that would belong to another filter."""
    context |= {"form": form, "errors": form.error_summary()}
    return render(request, "monitor/overview.html", context, status=400)


@monitor_page
@require_safe
def overview(request: HttpRequest) -> HttpResponse:
    reader = _reader(request.user)
    agency = reader.membership.agency
    scans = Scan.objects.filter(agency=agency)
    latest = list(scans[:LATEST_SCANS])
    context: dict[str, Any] = {
        "nav": "monitor",
        "reader": reader,
        "agency": agency,
        "scans": latest,
        "scan_count": scans.count(),
    }
    form = MonitorFilterForm(request.GET, agency=agency)
    if not form.is_valid():
        return _refused_filter(request, context, form)
    where = form.finding_filter()
    counts = count(where)
    described = _described(form)
    by_category = [_category(category) | {"flags": n} for category, n in counts.by_category.items()]
    context |= {
        "form": form,
        "described": described,
        "counts": counts,
        "category_groups": [
            (heading, immigration, [c for c in by_category if c["immigration"] is immigration])
            for heading, immigration in (("Immigration enforcement", True), ("Other misuse", False))
        ],
        "unknown": _unknown(where.scan or (latest[0] if latest else None)),
    }
    if counts.total:
        context |= _charts(counts, described)
    if reader.sees_findings and counts.total:
        paginator = Paginator(where.findings(), PAGE_SIZE)
        page = paginator.get_page(request.GET.get("page"))
        context |= {
            "page": page,
            "page_links": paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1),
            "findings": [
                {
                    "finding": finding,
                    "category": _category(finding.category),
                    "why": reader.text(finding.why, finding.first_at),
                }
                for finding in page.object_list
            ],
        }
    return render(request, "monitor/overview.html", context)


def _rule(finding: Finding) -> Rule | None:
    """The rule that flagged the finding, as the rule file reads now."""
    return next((rule for rule in load_rules().rules if rule.id == finding.rule), None)


def _columns(rows: list[FlaggedAccess]) -> list[str]:
    """The logged columns of the rows on the page, in the order their files had them."""
    columns: dict[str, None] = {}
    for row in rows:
        columns |= dict.fromkeys(name for name, _ in row.record)
    return list(columns)


@monitor_page
@require_safe
def finding(request: HttpRequest, finding_id: int) -> HttpResponse:
    found, reader = get_finding_for_user(request.user, finding_id)
    paginator = Paginator(found.rows.all(), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    rows = list(page.object_list)
    columns = _columns(rows)
    context = {
        "nav": "monitor",
        "reader": reader,
        "finding": found,
        "why": reader.text(found.why, found.first_at),
        "category": _category(found.category),
        "rule": _rule(found),
        "page": page,
        "page_links": paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1),
        "columns": columns,
        "rows": [
            {
                "row": row,
                "values": [
                    reader.cell(c, "" if (v := row.columns.get(c)) is None else v, row.occurred_at)
                    for c in columns
                ],
                "why": reader.text(row.why, row.occurred_at),
            }
            for row in rows
        ],
    }
    return render(request, "monitor/finding.html", context)
