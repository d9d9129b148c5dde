"""The Joint Budget Committee summary as the office's pages show it: each agency's quarter
and year to date (`custodiet.reports.received.summary`), and a chart of each by agency
and final status, drawn by `custodiet.web.charts` for the page and the PDF alike."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from custodiet.reports.recount import STATUSES, Period
from custodiet.web import charts

# The request log's colours where they mean the same: released as eligible, refused as
# refused, pending as legal review's gold; withdrawn in grey.
COLOURS = {
    "released": "#216e1f",
    "refused": "#b50909",
    "pending": "#ffbe2e",
    "withdrawn": "#71767a",
}
LAYERS = [charts.Layer(status, status.capitalize(), COLOURS[status]) for status in STATUSES]
FIGURES = ("requests", *STATUSES, "immigration_related")


@dataclass(frozen=True)
class Line:
    """One agency: its figures for the quarter (None if it did not report it), and for the
    year to date."""

    agency: str
    name: str
    quarter: dict[str, int] | None
    log_size: int | None
    year: dict[str, int]


def lines(rows: list[dict[str, Any]], names: dict[str, str]) -> list[Line]:
    """`received.summary`'s rows, two per agency (the quarter, then the year to date)."""
    found = []
    for quarter, year in zip(rows[::2], rows[1::2], strict=True):
        reported = isinstance(quarter.get("requests"), int)
        found.append(
            Line(
                agency=quarter["agency"],
                name=names.get(quarter["agency"], ""),
                quarter={f: int(quarter[f]) for f in FIGURES} if reported else None,
                log_size=int(quarter["log_size"]) if reported else None,
                year={f: int(year[f]) for f in FIGURES},
            )
        )
    return found


def _requests(n: int) -> str:
    return f"{n:,} request{'s' if n != 1 else ''}"


def _in_words(figures: dict[str, int]) -> str:
    parts = [f"{figures[status]:,} {status}" for status in STATUSES if figures[status]]
    return _requests(figures["requests"]) + (f" ({', '.join(parts)})" if parts else "")


def _bar_id(chart_id: str, agency: str) -> str:
    return f"{chart_id}-{re.sub(r'[^A-Za-z0-9-]', '-', agency)}"


def _own_ids(svg: str, prefix: str) -> str:
    """The chart with matplotlib's ids made its own: it names the parts of every figure
    alike (`patch_1`, `DejaVuSans-35`), and the page and the PDF hold two charts. The ids
    already named for this chart (its bars, title and description) stay as they are."""
    ids = {found for found in re.findall(r' id="([^"]+)"', svg) if not found.startswith(prefix)}
    if not ids:
        return svg
    names = "|".join(re.escape(found) for found in sorted(ids, key=len, reverse=True))
    # An id where it is defined (id="…") and where it is used (href="#…", url(#…)).
    used = re.compile(rf'(id="|#)({names})(?=["\)])')
    return used.sub(lambda match: f"{match.group(1)}{prefix}-{match.group(2)}", svg)


def chart(found: list[Line], quarter: Period, *, year_to_date: bool) -> str:
    """Horizontal stacked bars, one per agency (for the quarter, each that reported it);
    empty when there is none to draw."""
    chart_id = "jbc-year" if year_to_date else "jbc-quarter"
    span = f"{quarter.start.year} to the end of {quarter.label}" if year_to_date else quarter.label
    shown: list[tuple[Line, dict[str, int]]] = (
        [(line, line.year) for line in found]
        if year_to_date
        else [(line, line.quarter) for line in found if line.quarter is not None]
    )
    if not shown:
        return ""
    silent = [] if year_to_date else [line.agency for line in found if line.quarter is None]
    drawn = charts.stacked_bars(
        [
            charts.Bar(
                id=_bar_id(chart_id, line.agency),
                label=line.agency,
                title=f"{line.agency}: {_in_words(figures)}",
                values={status: figures[status] for status in STATUSES},
            )
            for line, figures in shown
        ],
        LAYERS,
        chart_id=chart_id,
        title=f"Requests by agency and final status, {span}",
        description=(
            "Horizontal stacked bars, one per agency, by final status: "
            + "; ".join(f"{line.agency}, {_in_words(figures)}" for line, figures in shown)
            + "."
            + (f" Not reported for {quarter.label}: {', '.join(silent)}." if silent else "")
            + " The table gives each agency's numbers."
        ),
        value_label="Requests",
        horizontal=True,
        totals=True,
    )
    return _own_ids(drawn, chart_id)
