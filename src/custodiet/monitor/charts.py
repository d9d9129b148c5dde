"""The access monitor's charts: flags by month, by accessing agency and by category.

`custodiet.web.charts` draws them and fits the SVG to the page; this module says what the
bars are. The immigration categories come first in every chart, in warm colours (dark
red, red-orange, gold); the other categories follow in blues and grey. The category tags
of the pages use the same colours (web/custodiet.css).
"""

from __future__ import annotations

from custodiet.monitor.counts import Counts, Group
from custodiet.monitor.models import CATEGORY_LABELS
from custodiet.web import charts

COLOURS = {
    "immigration_agency": "#8b0a03",
    "immigration_reason": "#d54309",
    "immigration_query": "#ffbe2e",
    "no_articulable_purpose": "#1a4480",
    "uncertified_access": "#73b3e7",
    "volume_anomaly": "#a9aeb1",
}
LAYERS = [
    charts.Layer(category, label, COLOURS[category]) for category, label in CATEGORY_LABELS.items()
]
TOP_AGENCIES = 10
# Longer agency names are cut short under the bars; the table gives them whole.
MAX_LABEL = 40


def flags(n: int) -> str:
    return f"{n:,} flag{'s' if n != 1 else ''}"


def in_words(by_category: dict[str, int]) -> str:
    """The categories that have flags, in words: "2 immigration agency, 1 volume anomaly"."""
    return ", ".join(
        f"{n:,} {CATEGORY_LABELS[category].lower()}" for category, n in by_category.items() if n
    )


def _title(name: str, group: Group) -> str:
    parts = in_words({category: group.by_category.get(category, 0) for category in CATEGORY_LABELS})
    return f"{name}: {flags(group.total)}" + (f" ({parts})" if parts else "")


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1].rstrip() + "…"


def by_month(counts: Counts, *, which: str) -> str:
    months = counts.months
    first, last = months[0].key, months[-1].key
    span = f"{first:%B %Y}" if first == last else f"{first:%B %Y} to {last:%B %Y}"
    return charts.stacked_bars(
        [
            charts.Bar(
                id=f"month-{month.key:%Y-%m}",
                label=label,
                title=_title(f"{month.key:%B %Y}", month),
                values=month.by_category,
            )
            for month, label in zip(
                months, charts.month_labels([month.key for month in months]), strict=True
            )
        ],
        LAYERS,
        chart_id="monitor-months",
        title="Flags by month and category",
        description=(
            f"Stacked bars, one per month from {span}, immigration categories at the bottom: "
            f"{flags(counts.total)}, {in_words(counts.by_category)}.{which} "
            "The table below the chart gives each month's numbers."
        ),
        value_label="Flags",
    )


def by_agency(counts: Counts, *, which: str) -> str:
    top = counts.agencies[:TOP_AGENCIES]
    ranked = "; ".join(f"{group.key}, {flags(group.total)}" for group in top)
    return charts.stacked_bars(
        [
            charts.Bar(
                id=f"agency-{rank}",
                label=_short(str(group.key)),
                title=_title(str(group.key), group),
                values=group.by_category,
            )
            for rank, group in enumerate(top, start=1)
        ],
        LAYERS,
        chart_id="monitor-agencies",
        title=f"The {len(top)} accessing agencies with the most flags",
        description=(
            f"Horizontal stacked bars, most flags first, immigration categories at the left: "
            f"{ranked}.{which} The table below the chart gives each agency's numbers."
        ),
        value_label="Flags",
        horizontal=True,
        totals=True,
    )


def by_category(counts: Counts, *, which: str) -> str:
    return charts.stacked_bars(
        [
            charts.Bar(
                id=f"category-{category}",
                label=CATEGORY_LABELS[category],
                title=f"{CATEGORY_LABELS[category]}: {flags(n)}",
                values={category: n},
            )
            for category, n in counts.by_category.items()
        ],
        LAYERS,
        chart_id="monitor-categories",
        title="Flags by category",
        description=(
            "Horizontal bars, one per category, the three immigration categories first: "
            + "; ".join(
                f"{CATEGORY_LABELS[category]}, {flags(n)}"
                for category, n in counts.by_category.items()
            )
            + f".{which}"
        ),
        value_label="Flags",
        horizontal=True,
        legend=False,
        totals=True,
    )
