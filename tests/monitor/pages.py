"""Reading the access monitor's pages the way a person does: headings, charts and tables."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html import unescape

from reports.pages import SVG, html, text

__all__ = ["SVG", "bars", "charts", "heading_total", "html", "links", "table", "text"]


def heading_total(response) -> int | None:
    found = re.search(r'<h2 id="counts-heading">(\d+) flags?</h2>', html(response))
    return int(found.group(1)) if found else None


def charts(response) -> dict[str, ET.Element]:
    """Every chart of the page by the id of its <title>: "monitor-months", ..."""
    found = {}
    for svg in re.findall(r"<svg.*?</svg>", html(response), flags=re.DOTALL):
        root = ET.fromstring(svg)
        found[root.get("aria-labelledby").split()[0].removesuffix("-title")] = root
    return found


def bars(svg: ET.Element, prefix: str) -> dict[str, ET.Element]:
    """A chart's bar groups whose id starts with `prefix`, by the rest of the id, in order."""
    return {
        group.get("id").removeprefix(prefix): group
        for group in svg.iter(f"{SVG}g")
        if (group.get("id") or "").startswith(prefix)
    }


def table(response, caption: str) -> list[list[str]]:
    """The rows of the table whose caption starts with `caption`, as the cells' text."""
    page = html(response)
    start = page.index(f">{caption}")
    body = page[start : page.index("</table>", start)]
    return [
        [
            re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", cell))).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.DOTALL)
        ]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, flags=re.DOTALL)
    ]


def links(response, prefix: str) -> list[str]:
    """The targets of the links that start with `prefix`, in order."""
    return [
        unescape(href)
        for href in re.findall(r'href="([^"]*)"', html(response))
        if unescape(href).startswith(prefix)
    ]
