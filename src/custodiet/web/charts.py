"""Stacked bar charts as SVG made on the server, fitted to the staff pages.

matplotlib draws them, through its object API rather than pyplot, so no GUI backend or
global figure state is involved and concurrent requests do not share a figure. The SVG is
then fitted to the page:

- the Content-Security-Policy forbids inline styles, so matplotlib's `style` attributes
  become presentation attributes (`fill`, `stroke`), which no policy blocks;
- each bar's segments are one group, `<g id="month-2025-03">`, with a `<title>` that a
  pointer shows;
- the whole is one image to assistive technology (`role="img"`), named by its own
  `<title>` and `<desc>`; the page repeats the numbers in a table.

The request log and the access monitor draw their charts with `stacked_bars`; what a bar
or a layer means is theirs to say.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import matplotlib
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

SVG = "http://www.w3.org/2000/svg"
XLINK = "http://www.w3.org/1999/xlink"

# Text drawn as outlines needs no font in the browser; fixed ids make the output repeatable.
matplotlib.rcParams.update({"svg.fonttype": "path", "svg.hashsalt": "custodiet"})

# A dark edge keeps light colours (gold, pale blue) visible on white.
EDGE = "#1b1b1b"
INK = "#1b1b1b"
GRID = "#dfe1e2"
WIDTH_PX = 960
# At most this many labels under vertical bars, whatever the span.
MAX_TICKS = 24
_SEGMENT = re.compile(r"^segment-(\d+)-\d+$")


@dataclass(frozen=True)
class Layer:
    """One kind of segment stacked in the bars: an outcome, a category."""

    key: str
    label: str
    colour: str


@dataclass(frozen=True)
class Bar:
    """One bar: the id of its group, its label on the axis, what a pointer shows, its numbers."""

    id: str
    label: str
    title: str
    values: Mapping[str, int]

    @property
    def total(self) -> int:
        return sum(self.values.values())


def _plain(text: str) -> str:
    """Text drawn as written: matplotlib reads "$...$" as mathematics, and names from a
    log (an agency called "$5 PD") must neither be rendered as formulas nor break the chart."""
    return text.replace("$", r"\$")


def month_labels(months: Sequence[dt.date]) -> list[str]:
    """Labels for bars by month: the year under the first month shown and under the first
    of each later year (a January, or the next month found when the months skip)."""
    labels = []
    for index, month in enumerate(months):
        label = f"{month:%b}"
        if index == 0 or month.year != months[index - 1].year:
            label += f"\n{month:%Y}"
        labels.append(label)
    return labels


def _value_axis(axes: Axes, horizontal: bool, label: str) -> None:
    axis = axes.xaxis if horizontal else axes.yaxis
    axis.set_major_locator(MaxNLocator(integer=True))
    axes.tick_params(axis="x" if horizontal else "y", labelsize=10, labelcolor=INK)
    (axes.set_xlabel if horizontal else axes.set_ylabel)(label, fontsize=11, color=INK)
    axes.grid(axis="x" if horizontal else "y", color=GRID, linewidth=0.8)
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)


def _draw(
    bars: Sequence[Bar],
    layers: Sequence[Layer],
    *,
    value_label: str,
    horizontal: bool,
    legend: bool,
    totals: bool,
) -> bytes:
    positions = list(range(len(bars)))
    size = (9.6, 0.45 * len(bars) + 1.4) if horizontal else (9.6, 3.6)
    figure = Figure(figsize=size, layout="constrained")
    axes = figure.add_subplot()
    starts = [0] * len(bars)
    for index, layer in enumerate(layers):
        lengths = [bar.values.get(layer.key, 0) for bar in bars]
        looks = {"color": layer.colour, "edgecolor": EDGE, "linewidth": 0.6}
        if horizontal:
            drawn = axes.barh(positions, lengths, left=starts, height=0.7, **looks)
        else:
            drawn = axes.bar(positions, lengths, bottom=starts, width=0.7, **looks)
        for position, (patch, length) in enumerate(zip(drawn, lengths, strict=True)):
            patch.set_gid(f"segment-{position}-{index}")
            patch.set_visible(length > 0)
        starts = [start + length for start, length in zip(starts, lengths, strict=True)]

    shown = [layer for layer in layers if any(bar.values.get(layer.key) for bar in bars)]
    if legend and shown:
        handles = [
            Patch(facecolor=layer.colour, edgecolor=EDGE, label=_plain(layer.label))
            for layer in shown
        ]
        looks = {"ncols": len(shown) if len(shown) <= 4 else 3, "frameon": False, "fontsize": 11}
        if horizontal:
            # Above the whole figure: the bars' long labels push the axes to the right.
            figure.legend(handles=handles, loc="outside upper left", **looks)
        else:
            axes.legend(handles=handles, loc="lower left", bbox_to_anchor=(0, 1.02), **looks)
    labels = [_plain(bar.label) for bar in bars]
    if horizontal:
        axes.set_yticks(positions, labels, fontsize=10, color=INK)
        axes.set_ylim(len(bars) - 0.4, -0.6)  # the first bar on top
        if totals:
            for position, bar in enumerate(bars):
                axes.text(
                    bar.total, position, f" {bar.total:,}", va="center", fontsize=10, color=INK
                )
            axes.margins(x=0.1)
    else:
        every = max(1, -(-len(bars) // MAX_TICKS))
        axes.set_xticks(positions[::every], labels[::every], fontsize=10, color=INK)
        axes.set_xlim(-0.6, len(bars) - 0.4)
    _value_axis(axes, horizontal, value_label)
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


def _group_by_bar(root: ET.Element, bars: Sequence[Bar]) -> None:
    parents = {child: parent for parent in root.iter() for child in parent}
    segments: dict[int, list[ET.Element]] = {}
    for element in root.iter(f"{{{SVG}}}g"):
        match = _SEGMENT.match(element.get("id", ""))
        if match:
            segments.setdefault(int(match.group(1)), []).append(element)
    axes = root.find(f".//{{{SVG}}}g[@id='axes_1']")
    assert axes is not None
    # The bars' groups go where matplotlib drew them: above the grid, below the legend.
    first = next((segment for group in segments.values() for segment in group), None)
    at = list(axes).index(first) if first is not None and parents[first] is axes else len(axes)
    for position, bar in enumerate(bars):
        group = ET.Element(f"{{{SVG}}}g", {"id": bar.id})
        ET.SubElement(group, f"{{{SVG}}}title").text = bar.title
        for segment in segments.get(position, []):
            parents[segment].remove(segment)
            segment.attrib.pop("id")
            group.append(segment)
        axes.insert(at + position, group)


def stacked_bars(
    bars: Sequence[Bar],
    layers: Sequence[Layer],
    *,
    chart_id: str,
    title: str,
    description: str,
    value_label: str,
    horizontal: bool = False,
    legend: bool = True,
    totals: bool = False,
) -> str:
    """The chart as SVG markup to put inline in a page, one group per bar.

    `chart_id` prefixes the ids of its `<title>` and `<desc>`, so that several charts can
    share a page; each bar's `id` must be unique on the page too.
    """
    drawn = _draw(
        bars, layers, value_label=value_label, horizontal=horizontal, legend=legend, totals=totals
    )
    # matplotlib's own output, not anything a person sent.
    root = ET.fromstring(drawn)  # noqa: S314
    for unwanted in ("metadata", "style"):
        for parent in list(root.iter()):
            for child in parent.findall(f"{{{SVG}}}{unwanted}"):
                parent.remove(child)
    for element in root.iter():
        _presentation_attributes(element)
    _group_by_bar(root, bars)
    # What matplotlib's stylesheet said for every element, inherited from the root instead.
    root.set("stroke-linejoin", "round")
    root.set("stroke-linecap", "butt")
    # The width of the page's column on a desktop; a narrower screen scrolls it sideways
    # rather than shrink its words past reading. The viewBox gives the height.
    root.set("width", str(WIDTH_PX))
    root.attrib.pop("height", None)
    root.set("role", "img")
    root.set("aria-labelledby", f"{chart_id}-title {chart_id}-desc")
    root.set("class", "display-block")
    desc = ET.Element(f"{{{SVG}}}desc", {"id": f"{chart_id}-desc"})
    desc.text = description
    heading = ET.Element(f"{{{SVG}}}title", {"id": f"{chart_id}-title"})
    heading.text = title
    root.insert(0, desc)
    root.insert(0, heading)
    # ElementTree's prefixes are global, and other libraries take the default one for their
    # own (once WeasyPrint is imported, the chart would come out as "ns0:svg", which no
    # browser draws inline), so they are named at the moment of writing.
    ET.register_namespace("", SVG)
    ET.register_namespace("xlink", XLINK)
    return ET.tostring(root, encoding="unicode")
