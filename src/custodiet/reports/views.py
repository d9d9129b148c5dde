"""The privacy officer's request log: filters, counts, a chart by month, the rows, and exports.

Each view is a thin adapter: check who reads (`_reader`), parse the filter
(`LogFilterForm`), then take the requests from its `LogFilter`, the one definition of
"the filtered log" that the page, its counts, and both downloads share. A filter that
does not parse shows its errors and nothing else, so no number on the page ever belongs
to a filter other than the one the reader asked for.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from custodiet import labels
from custodiet.accounts.access import agency_cases, require
from custodiet.accounts.models import Membership
from custodiet.cases import subject_notices
from custodiet.cases.views import staff_page
from custodiet.records.export import (
    LogFilter,
    final_status,
    last_decider,
    supervisors_of,
    with_history,
)
from custodiet.records.models import RequestRecord
from custodiet.reports import charts, exports
from custodiet.reports.forms import LogFilterForm
from custodiet.reports.log import Counts, count
from custodiet.web.forms import vocabulary_label

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Who decided last (`custodiet.records.export.last_decider`), as the page says it.
DECIDERS = {
    "policy": "The rules",
    "counsel": "Counsel",
    "supervisor": "A supervisor",
    "clerk": "A clerk",
    "governor": "The Governor's office",
}


@dataclass(frozen=True)
class Reader:
    membership: Membership
    # The requests one by one and the downloads; without it, the counts and the chart only.
    sees_requests: bool


def _reader(user: object) -> Reader:
    """Who may read the log, and how much of it: decided here and nowhere else.

    The privacy officer answers for the whole log and reads all of it. Auditors and
    administrators verify that the log is whole and that the reports match it without
    seeing anyone's personal data (DESIGN.md), so they get the counts and the chart,
    which name no one; everyone else gets 403.
    """
    membership = require(user, "can_count_request_log")
    return Reader(membership, sees_requests=membership.can_read_request_log)


def _filter_from(request: HttpRequest, reader: Reader) -> LogFilterForm:
    return LogFilterForm(
        request.GET, agency=reader.membership.agency, counts_only=not reader.sees_requests
    )


def _refused_filter(request: HttpRequest, reader: Reader, form: LogFilterForm) -> HttpResponse:
    """The page with the filter's problems, and no numbers that would belong to another filter."""
    context = {"nav": "log", "reader": reader, "form": form, "errors": form.error_summary()}
    return render(request, "reports/log.html", context, status=400)


def _day(day: dt.date) -> str:
    return f"{day.day} {day:%b %Y}"


def _described(form: LogFilterForm) -> list[str]:
    """The filter in words, for the page's caption and the chart's description."""
    data = form.cleaned_data
    words = []
    if data["start"] and data["end"]:
        words.append(f"received {_day(data['start'])} to {_day(data['end'])}")
    elif data["start"]:
        words.append(f"received from {_day(data['start'])}")
    elif data["end"]:
        words.append(f"received until {_day(data['end'])}")
    if data["requester"]:
        words.append(f"from an organization containing “{data['requester']}”")
    if data["outcome"]:
        words.append(f"with the rules' outcome {charts.outcome_label(data['outcome'])}")
    if data["final_status"]:
        words.append(
            f"with the final status {vocabulary_label(data['final_status'], 'final_status')}"
        )
    if data["immigration_related"]:
        words.append(
            "immigration-related"
            if data["immigration_related"] == "yes"
            else "not immigration-related"
        )
    if data["channel"]:
        words.append(f"arrived by {labels.words(data['channel'], 'channel')}")
    return words


def _chart(counts: Counts, described: list[str]) -> str:
    first, last = counts.months[0].start, counts.months[-1].start
    span = f"{first:%B %Y}" if first == last else f"{first:%B %Y} to {last:%B %Y}"
    totals = ", ".join(
        charts.counted(n, outcome) for outcome, n in counts.by_outcome().items() if n
    )
    which = f" Requests {', '.join(described)}." if described else ""
    return charts.stacked_bars(
        counts,
        title="Requests by month and outcome",
        description=(
            f"Stacked bars, one per month from {span}: {counts.total} requests in all, "
            f"{totals}.{which} The table below the chart gives each month's numbers."
        ),
    )


def _row(record: RequestRecord, linked: set[str], supervisors: set[str]) -> dict[str, Any]:
    payload = record.payload
    decider = last_decider(record.steps, supervisors)
    return {
        "public_id": record.public_id,
        "linked": record.public_id in linked,
        "received": timezone.localtime(record.received_at),
        "requester": record.requester_organization,
        "requester_name": (payload.get("requester") or {}).get("name") or "",
        "records": [
            vocabulary_label(item, "records_requested")
            for item in payload.get("records_requested", [])
        ],
        "purpose_category": vocabulary_label(record.purpose_category, "purpose_category")
        if record.purpose_category
        else "",
        "outcome": record.outcome,
        "outcome_label": charts.outcome_label(record.outcome),
        "immigration_related": record.immigration_related,
        "final_status": vocabulary_label(final_status(record), "final_status"),
        "decided_by": DECIDERS[decider.role],
        "decided_by_account": decider.account,
    }


def _case_links(membership: Membership, records: list[RequestRecord]) -> set[str]:
    """The requests on the page whose case this reader may open: their own agency's."""
    if not membership.can_see_cases:
        return set()
    return set(
        agency_cases(membership)
        .filter(request_id__in=[record.pk for record in records])
        .values_list("request__public_id", flat=True)
    )


@staff_page
@require_safe
def request_log(request: HttpRequest) -> HttpResponse:
    reader = _reader(request.user)
    form = _filter_from(request, reader)
    if not form.is_valid():
        return _refused_filter(request, reader, form)
    where = form.log_filter()
    counts = count(where)
    described = _described(form)
    context: dict[str, Any] = {
        "nav": "log",
        "reader": reader,
        "form": form,
        "described": described,
        "counts": counts,
        "by_outcome": [
            (outcome, charts.outcome_label(outcome), n)
            for outcome, n in counts.by_outcome().items()
        ],
        "chart": _chart(counts, described) if counts.total else "",
        "notices": (notices := subject_notices.counts(where.requests())),
        "notice_figures": [
            ("Sent on time", notices.on_time),
            ("Sent late", notices.late),
            ("Excused by counsel", notices.excused),
            ("Not sent, overdue", notices.overdue),
            ("Not sent, not yet due", notices.waiting - notices.overdue),
        ],
        "outcome_labels": [charts.outcome_label(outcome) for outcome in counts.outcomes],
        "month_rows": [
            (month, [month.by_outcome.get(outcome, 0) for outcome in counts.outcomes])
            for month in counts.months
        ],
    }
    if reader.sees_requests and counts.total:
        paginator = Paginator(with_history(where.requests()), PAGE_SIZE)
        page = paginator.get_page(request.GET.get("page"))
        records = list(page.object_list)
        linked = _case_links(reader.membership, records)
        supervisors = supervisors_of(reader.membership.agency)
        context |= {
            "page": page,
            "page_links": paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1),
            "rows": [_row(record, linked, supervisors) for record in records],
        }
    return render(request, "reports/log.html", context)


def _export_filter(request: HttpRequest) -> tuple[Reader, LogFilterForm]:
    reader = _reader(request.user)
    if not reader.sees_requests:
        raise PermissionDenied(
            f"your role ({reader.membership.get_role_display()}) sees the log's counts, "
            "not its requests, and cannot download them"
        )
    return reader, _filter_from(request, reader)


def _filename(where: LogFilter, extension: str) -> str:
    dates = "".join(
        f"-{label}-{day:%Y-%m-%d}"
        for label, day in (("from", where.start), ("to", where.end))
        if day
    )
    return f"request-log{dates}.{extension}"


@staff_page
@require_safe
def export_csv(request: HttpRequest) -> HttpResponse:
    reader, form = _export_filter(request)
    if not form.is_valid():
        return _refused_filter(request, reader, form)
    where = form.log_filter()
    return StreamingHttpResponse(
        exports.csv_lines(where),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": content_disposition_header(True, _filename(where, "csv"))},
    )


@staff_page
@require_safe
def export_xlsx(request: HttpRequest) -> HttpResponse:
    reader, form = _export_filter(request)
    if not form.is_valid():
        return _refused_filter(request, reader, form)
    where = form.log_filter()
    return FileResponse(
        exports.workbook(where, count(where)),
        as_attachment=True,
        filename=_filename(where, "xlsx"),
        content_type=XLSX,
    )
