"""The request log's chart: requests by month and outcome as stacked bars.

`custodiet.web.charts` draws it and fits the SVG to the page; this module says what the
bars are: one per month, one layer per outcome in the tags' colours, and a title per
month that a pointer shows ("January 2025: 4 requests (2 refused, 2 eligible)").
"""

from __future__ import annotations

from custodiet.reports.log import Counts, Month
from custodiet.web import charts
from custodiet.web.forms import vocabulary_label

# The tags' colours (web/custodiet.css); the bars' dark edge keeps the light gold visible.
COLOURS = {"refuse": "#b50909", "legal_review": "#ffbe2e", "eligible": "#216e1f"}
OTHER_COLOUR = "#71767a"

# How a number of requests with each outcome is read: "3 refused".
PHRASES = {"refuse": "refused", "legal_review": "for legal review", "eligible": "eligible"}


def outcome_label(outcome: str) -> str:
    return vocabulary_label(outcome, "outcome") if outcome else "Not decided"


def counted(n: int, outcome: str) -> str:
    return f"{n} {PHRASES.get(outcome, outcome_label(outcome).lower())}"


def _month_title(month: Month, outcomes: list[str]) -> str:
    parts = [
        counted(month.by_outcome[outcome], outcome)
        for outcome in outcomes
        if month.by_outcome.get(outcome)
    ]
    total = f"{month.total} request{'s' if month.total != 1 else ''}"
    return f"{month.start:%B %Y}: {total}" + (f" ({', '.join(parts)})" if parts else "")


def stacked_bars(counts: Counts, *, title: str, description: str) -> str:
    """The chart as SVG markup to put inline in a page: one bar group per month of `counts`."""
    labels = charts.month_labels([month.start for month in counts.months])
    return charts.stacked_bars(
        [
            charts.Bar(
                id=f"month-{month.start:%Y-%m}",
                label=label,
                title=_month_title(month, counts.outcomes),
                values=month.by_outcome,
            )
            for month, label in zip(counts.months, labels, strict=True)
        ],
        [
            charts.Layer(outcome, outcome_label(outcome), COLOURS.get(outcome, OTHER_COLOUR))
            for outcome in counts.outcomes
        ],
        chart_id="log-chart",
        title=title,
        description=description,
        value_label="Requests",
    )
