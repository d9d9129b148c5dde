"""Reading the request log page the way a person does: counts, chart, table and rows."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html import unescape

SVG = "{http://www.w3.org/2000/svg}"
PUBLIC_ID = re.compile(r"R-\d{8}-[0-9A-F]{8}")


def html(response) -> str:
    return response.content.decode()


def heading_total(response) -> int | None:
    found = re.search(r'<h2 id="counts-heading">(\d+) requests?</h2>', html(response))
    return int(found.group(1)) if found else None


def counts(response) -> dict[str, int]:
    """The figures shown under the total: each outcome, and the immigration-related."""
    return {
        unescape(label): int(number)
        for label, number in re.findall(r"<dt>([^<]+)</dt>\s*<dd[^>]*>(\d+)</dd>", html(response))
    }


def row_ids(response) -> list[str]:
    """The request ids of the rows table, in order (a linked id once, not once per mention)."""
    page = html(response)
    if 'id="requests-heading"' not in page:
        return []
    table = page[
        page.index('id="requests-heading"') : page.index(
            "</table>", page.index('id="requests-heading"')
        )
    ]
    return list(dict.fromkeys(PUBLIC_ID.findall(table)))


def chart(response) -> ET.Element | None:
    page = html(response)
    if "<svg" not in page:
        return None
    return ET.fromstring(page[page.index("<svg") : page.index("</svg>") + len("</svg>")])


def chart_months(svg: ET.Element) -> dict[str, ET.Element]:
    """The chart's bar groups by month, "2025-01", in the order drawn."""
    return {
        group.get("id").removeprefix("month-"): group
        for group in svg.iter(f"{SVG}g")
        if (group.get("id") or "").startswith("month-")
    }


def month_table(response) -> dict[str, list[int]]:
    """The table under the chart: per month, its numbers by outcome, total, immigration-related."""
    rows = re.findall(
        r'<tr id="month-row-(\d{4}-\d{2})">(.*?)</tr>', html(response), flags=re.DOTALL
    )
    return {
        month: [int(n) for n in re.findall(r"<td[^>]*>(\d+)</td>", cells)] for month, cells in rows
    }


def text(response) -> str:
    """The page's main content as a person reads it."""
    page = html(response)
    main = page[page.index("<main") :]
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", main)))


def _cell_text(fragment: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


def request_rows(response) -> dict[str, dict[str, str]]:
    """The rows table as a person reads it: for each request id, its cells by column heading."""
    page = html(response)
    start = page.index('id="requests-heading"')
    table = page[start : page.index("</table>", start)]
    headings = [_cell_text(cell) for cell in re.findall(r'<th scope="col">(.*?)</th>', table)]
    rows = {}
    for row in re.findall(r'<tr>\s*(<th scope="row">.*?)</tr>', table, flags=re.DOTALL):
        cells = [
            _cell_text(cell)
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.DOTALL)
        ]
        rows[cells[0]] = dict(zip(headings, cells, strict=True))
    return rows
