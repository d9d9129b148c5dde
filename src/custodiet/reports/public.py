"""The public transparency report on the web: a page and its CSV, for anyone, signed in or
not, and only ever the figures `custodiet.reports.transparency` publishes (counts, with the
small ones withheld, and the checkpoint each rests on; never a request or a name).

It is the Governor's office's report, so it is published by the deployment that names the
office's `oversight.toml` (CUSTODIET_OVERSIGHT_CONFIG); any other deployment says plainly
that it publishes none.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from custodiet.oversight.summary import COLOURS
from custodiet.reports import transparency
from custodiet.reports.received import Office, ReceiveError
from custodiet.reports.recount import STATUSES
from custodiet.web import charts

log = logging.getLogger(__name__)

NOT_PUBLISHED = "This site publishes no transparency report: it is not the Governor's office's."
UNAVAILABLE = "The transparency report cannot be shown at the moment. Please try again later."
WITHHELD_COLOUR = "#a9aeb1"
LAYERS = [
    *(charts.Layer(status, status.capitalize(), COLOURS[status]) for status in STATUSES),
    charts.Layer("withheld", "Status not shown", WITHHELD_COLOUR),
]


def _asked(request: HttpRequest) -> tuple[dict[str, Any], int]:
    """The year's table and the years there are, or why there is no table, and the status."""
    path = settings.CUSTODIET_OVERSIGHT_CONFIG
    if path is None:
        return {"unpublished": NOT_PUBLISHED}, 200
    try:
        office = Office.load(Path(path))
        years = transparency.years(office)
    except (ReceiveError, OSError):
        # The reason names the server's files: for its log, not for the public.
        log.exception("the transparency report cannot read the office's store")
        return {"unpublished": UNAVAILABLE}, 503
    asked = request.GET.get("year")
    try:
        year = transparency.parse_year(asked) if asked is not None else None
    except transparency.TransparencyError as error:
        return {"problem": f"Year: {error}.", "years": years}, 400
    if year is None:
        year = years[0] if years else timezone.localdate().year
    try:
        table = transparency.build(office, year, settings.CUSTODIET_PUBLIC_MIN_COUNT)
    except (transparency.TransparencyError, OSError, ValueError, KeyError, TypeError):
        log.exception("the transparency report cannot be built for %s", year)
        return {"unpublished": UNAVAILABLE}, 503
    return {"table": table, "years": years}, 200


def _requests(n: int) -> str:
    return f"{n:,} request{'s' if n != 1 else ''}"


def _bar(row: transparency.Row) -> tuple[charts.Bar | None, str]:
    """A quarter's bar for all agencies, if its total is shown, and its words."""
    assert row.figures is not None
    total = row.figures[transparency.REQUESTS].value
    if total is None:
        return None, f"{row.period}, its total not shown"
    drawn = {s: n for s in STATUSES if (n := row.figures[s].value) is not None}
    drawn["withheld"] = total - sum(drawn.values())
    parts = [f"{n:,} {status}" for status, n in drawn.items() if n and status != "withheld"]
    if drawn["withheld"]:
        parts.append(f"{drawn['withheld']:,} whose status is not shown")
    summary = _requests(total) + (f" ({', '.join(parts)})" if parts else "")
    bar = charts.Bar(
        id=f"transparency-{row.period}",
        label=row.period,
        title=f"{row.period}: {summary}",
        values=drawn,
    )
    return bar, f"{row.period}, {summary}"


def chart(table: transparency.Table) -> str:
    """Bars by quarter for all agencies, by final status, drawn from the figures shown only.
    The statuses not shown are drawn together, as what the quarter's total leaves: a sum of
    two or more figures not shown, which the table's own subtraction gives, never one of
    them. A quarter whose total is not shown is not drawn."""
    quarters = [
        _bar(row)
        for row in table.rows
        if row.agency == transparency.ALL and not row.is_year and row.figures is not None
    ]
    bars = [bar for bar, _ in quarters if bar is not None]
    if not bars:
        return ""
    return charts.stacked_bars(
        bars,
        LAYERS,
        chart_id="transparency-chart",
        title=f"Requests by quarter and final status, all agencies, {table.year}",
        description=(
            "Vertical stacked bars, one per quarter, by final status: "
            + "; ".join(words for _, words in quarters)
            + ". The tables below give the figures."
        ),
        value_label="Requests",
    )


@require_safe
def report(request: HttpRequest) -> HttpResponse:
    context, status = _asked(request)
    table = context.get("table")
    if table is not None:
        context["chart"] = chart(table)
        context["other_years"] = [y for y in context["years"] if y != table.year]
    return render(request, "reports/transparency.html", context, status=status)


@require_safe
def report_csv(request: HttpRequest) -> HttpResponse:
    context, status = _asked(request)
    table = context.get("table")
    if table is None:
        why = context.get("problem") or context["unpublished"]
        return HttpResponse(
            why + "\n",
            content_type="text/plain; charset=utf-8",
            status=status if status != 200 else 404,
        )
    response = HttpResponse(transparency.csv_text(table), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="transparency-{table.year}.csv"'
    return response
