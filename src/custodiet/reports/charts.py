"""The request log's chart: requests by month and outcome as stacked bars, an SVG made on the server.

matplotlib draws it, through its object API rather than pyplot, so no GUI backend or
global figure state is involved and concurrent requests do not share a figure. The SVG is
then fitted to the page:

- the Content-Security-Policy forbids inline styles, so matplotlib's `style` attributes
  become presentation attributes (`fill`, `stroke`), which no policy blocks;
- each month's bars are one group, `<g id="month-2025-03">`, with a `<title>` that a
  pointer shows;
- the whole is one image to assistive technology (`role="img"`), named by its own
  `<title>` and `<desc>`; the page repeats the numbers in a table.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

import matplotlib
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from custodiet.reports.log import Counts, Month
from custodiet.web.forms import vocabulary_label

SVG = "http://www.w3.org/2000/svg"
XLINK = "http://www.w3.org/1999/xlink"
ET.register_namespace("", SVG)
ET.register_namespace("xlink", XLINK)

# Text drawn as outlines needs no font in the browser; fixed ids make the output repeatable.
matplotlib.rcParams.update({"svg.fonttype": "path", "svg.hashsalt": "custodiet"})

# The tags' colours (web/custodiet.css); a dark edge keeps the light gold visible on white.
COLOURS = {"refuse": "#b50909", "legal_review": "#ffbe2e", "eligible": "#216e1f"}
OTHER_COLOUR = "#71767a"
EDGE = "#1b1b1b"
INK = "#1b1b1b"
WIDTH_PX = 960
_BAR = re.compile(r"^bar-(\d{4}-\d{2})-")


# How a number of requests with each outcome is read: "3 refused".
PHRASES = {"refuse": "refused", "legal_review": "for legal review", "eligible": "eligible"}


def outcome_label(outcome: str) -> str:
    return vocabulary_label(outcome) if outcome else "Not decided"


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


def _tick_labels(counts: Counts) -> list[str]:
    # A year is written under its first month shown and under each January.
    labels = []
    for index, month in enumerate(counts.months):
        label = f"{month.start:%b}"
        if index == 0 or month.start.month == 1:
            label += f"\n{month.start:%Y}"
        labels.append(label)
    return labels


def _draw(counts: Counts) -> bytes:
    months = counts.months
    positions = list(range(len(months)))
    figure = Figure(figsize=(9.6, 3.6), layout="constrained")
    axes = figure.add_subplot()
    bottoms = [0] * len(months)
    for outcome in counts.outcomes:
        heights = [month.by_outcome.get(outcome, 0) for month in months]
        bars = axes.bar(
            positions,
            heights,
            bottom=bottoms,
            width=0.7,
            color=COLOURS.get(outcome, OTHER_COLOUR),
            edgecolor=EDGE,
            linewidth=0.6,
        )
        for month, bar, height in zip(months, bars, heights, strict=True):
            bar.set_gid(f"bar-{month.start:%Y-%m}-{outcome}")
            bar.set_visible(height > 0)
        bottoms = [low + height for low, height in zip(bottoms, heights, strict=True)]

    shown = [
        outcome for outcome in counts.outcomes if any(m.by_outcome.get(outcome) for m in months)
    ]
    axes.legend(
        handles=[
            Patch(facecolor=COLOURS.get(o, OTHER_COLOUR), edgecolor=EDGE, label=outcome_label(o))
            for o in shown
        ],
        loc="lower left",
        bbox_to_anchor=(0, 1.02),
        ncols=len(shown),
        frameon=False,
        fontsize=11,
    )
    every = max(1, -(-len(months) // 24))  # at most 24 labels, whatever the span
    axes.set_xticks(positions[::every], _tick_labels(counts)[::every], fontsize=10, color=INK)
    axes.set_xlim(-0.6, len(months) - 0.4)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.tick_params(axis="y", labelsize=10, labelcolor=INK)
    axes.set_ylabel("Requests", fontsize=11, color=INK)
    axes.grid(axis="y", color="#dfe1e2", linewidth=0.8)
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    out = io.BytesIO()
    figure.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
    return out.getvalue()


def _presentation_attributes(element: ET.Element) -> None:
    """`style="fill: #fff; stroke: none"` becomes `fill="#fff" stroke="none"`."""
    style = element.attrib.pop("style", None)
    if not style:
        return
    for declaration in style.split(";"):
        name, _, value = declaration.partition(":")
        if name.strip() and value.strip():
            element.set(name.strip(), value.strip())


def _group_by_month(root: ET.Element, counts: Counts) -> None:
    parents = {child: parent for parent in root.iter() for child in parent}
    bars: dict[str, list[ET.Element]] = {}
    for element in root.iter(f"{{{SVG}}}g"):
        match = _BAR.match(element.get("id", ""))
        if match:
            bars.setdefault(match.group(1), []).append(element)
    axes = root.find(f".//{{{SVG}}}g[@id='axes_1']")
    assert axes is not None
    # The months' groups go where matplotlib drew the bars: above the grid, below the legend.
    first = next((bar for group in bars.values() for bar in group), None)
    at = list(axes).index(first) if first is not None and parents[first] is axes else len(axes)
    for offset, month in enumerate(counts.months):
        key = f"{month.start:%Y-%m}"
        group = ET.Element(f"{{{SVG}}}g", {"id": f"month-{key}"})
        ET.SubElement(group, f"{{{SVG}}}title").text = _month_title(month, counts.outcomes)
        for bar in bars.get(key, []):
            parents[bar].remove(bar)
            bar.attrib.pop("id")
            group.append(bar)
        axes.insert(at + offset, group)


def stacked_bars(counts: Counts, *, title: str, description: str) -> str:
    """The chart as SVG markup to put inline in a page: one bar group per month of `counts`."""
    # matplotlib's own output, not anything a person sent.
    root = ET.fromstring(_draw(counts))  # noqa: S314
    for unwanted in ("metadata", "style"):
        for parent in list(root.iter()):
            for child in parent.findall(f"{{{SVG}}}{unwanted}"):
                parent.remove(child)
    for element in root.iter():
        _presentation_attributes(element)
    _group_by_month(root, counts)
    # What matplotlib's stylesheet said for every element, inherited from the root instead.
    root.set("stroke-linejoin", "round")
    root.set("stroke-linecap", "butt")
    # The width of the page's column on a desktop; a narrower screen scrolls it sideways
    # rather than shrink its words past reading. The viewBox gives the height.
    root.set("width", str(WIDTH_PX))
    root.attrib.pop("height", None)
    root.set("role", "img")
    root.set("aria-labelledby", "log-chart-title log-chart-desc")
    root.set("class", "display-block")
    desc = ET.Element(f"{{{SVG}}}desc", {"id": "log-chart-desc"})
    desc.text = description
    heading = ET.Element(f"{{{SVG}}}title", {"id": "log-chart-title"})
    heading.text = title
    root.insert(0, desc)
    root.insert(0, heading)
    return ET.tostring(root, encoding="unicode")
