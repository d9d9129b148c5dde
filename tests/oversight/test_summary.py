"""The Joint Budget Committee summary on the office's pages: a quarter and its year to
date, by agency and final status, from the reports the office accepted; as a table, a
chart, a workbook and a tagged PDF that say the same."""

from __future__ import annotations

import datetime as dt
import io
import re
import xml.etree.ElementTree as ET
from html import unescape

import openpyxl
import pytest
from django.utils import timezone
from pypdf import PdfReader

from custodiet.oversight.forms import last_ended_quarter
from reports.pages import chart, html, text

pytestmark = pytest.mark.django_db
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def reports(kept, agency) -> None:
    """The DMV reported every quarter up to Q3 (Q2 twice: the larger log counts); the State
    Patrol reported Q1 only, with exceptions."""
    kept("CO-DOR-DMV", "2025-Q1", {"released": 2, "refused": 1}, size=40, immigration=1)
    kept("CO-DOR-DMV", "2025-Q2", {"released": 1}, size=60)
    kept("CO-DOR-DMV", "2025-Q2", {"released": 3, "pending": 1}, size=70)
    kept(
        "CO-DOR-DMV", "2025-Q3", {"released": 4, "refused": 2, "pending": 1}, size=95, immigration=2
    )
    kept("CO-CDPS-CSP", "2025-Q1", {"refused": 5}, size=12, immigration=5, exceptions=1)
    kept("CO-DOR-DMV", "2024-Q4", {"released": 9}, size=30)  # another year: not counted


def _plain(fragment: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


def _table(response, caption: str) -> dict[str, list[str]]:
    """A table of the page by the end of its caption: each agency's cells, as shown."""
    page = html(response)
    start = page.index(f"final status, {caption}</caption>")
    body = page[page.index("<tbody>", start) : page.index("</tbody>", start)]
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        cells = [_plain(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        rows[cells[0].split(" ")[0]] = cells[1:]
    return rows


def _bars(svg: ET.Element) -> dict[str, str]:
    """The chart's bars: each group that a pointer names, by its id."""
    return {
        g.get("id"): g.findtext(f"{SVG}title")
        for g in svg.iter(f"{SVG}g")
        if g.find(f"{SVG}title") is not None
    }


def _structure(node, found: list[str]) -> list[str]:
    """The tags of a tagged PDF's structure tree, depth first."""
    node = node.get_object()
    if isinstance(node, dict):
        if "/S" in node:
            found.append(str(node["/S"]))
        kids = node.get("/K")
        for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
            _structure(kid, found)
    return found


def test_the_summary_adds_up_the_quarter_and_the_year_to_date(reports, office, governor_client):
    response = governor_client.get("/oversight/summary/", {"quarter": "2025-Q3"})

    assert response.status_code == 200
    page = text(response)
    assert "Joint Budget Committee summary, 2025-Q3" in page
    assert "1 of 2 agencies reported 2025-Q3" in page
    quarter, year = _table(response, "2025-Q3"), _table(response, "year to date")
    # requests, released, refused, pending, withdrawn, immigration-related (, log size)
    assert quarter["CO-DOR-DMV"] == ["7", "4", "2", "1", "0", "2", "95"]
    assert quarter["CO-CDPS-CSP"] == ["Not reported: no accepted report for 2025-Q3"]
    assert year["CO-DOR-DMV"] == ["14", "9", "3", "2", "0", "3"]
    assert year["CO-CDPS-CSP"] == ["5", "0", "5", "0", "0", "5"]


def test_the_charts_are_images_named_and_described_with_their_numbers(
    reports, office, governor_client
):
    response = governor_client.get("/oversight/summary/", {"quarter": "2025-Q3"})
    page = html(response)
    quarter = chart(response)
    assert quarter is not None and quarter.get("role") == "img"
    assert quarter.findtext(f"{SVG}title") == "Requests by agency and final status, 2025-Q3"
    described = quarter.findtext(f"{SVG}desc")
    assert "CO-DOR-DMV, 7 requests (4 released, 2 refused, 1 pending)" in described
    assert "Not reported for 2025-Q3: CO-CDPS-CSP" in described
    assert _bars(quarter) == {
        "jbc-quarter-CO-DOR-DMV": "CO-DOR-DMV: 7 requests (4 released, 2 refused, 1 pending)"
    }
    second = page.index("<svg", page.index("</svg>"))
    year = ET.fromstring(page[second : page.index("</svg>", second) + len("</svg>")])
    assert (
        year.findtext(f"{SVG}title")
        == "Requests by agency and final status, 2025 to the end of 2025-Q3"
    )
    assert "CO-CDPS-CSP, 5 requests (5 refused)" in year.findtext(f"{SVG}desc")
    assert set(_bars(year)) == {"jbc-year-CO-CDPS-CSP", "jbc-year-CO-DOR-DMV"}


def test_the_two_charts_share_no_id_and_each_reference_finds_its_own(
    reports, office, governor_client
):
    page = html(governor_client.get("/oversight/summary/", {"quarter": "2025-Q3"}))

    ids = re.findall(r' id="([^"]+)"', page)
    assert len(ids) == len(set(ids))
    used = re.findall(r'(?:href="#|url\(#)([^")]+)', page)
    assert used and set(used) <= set(ids)
    assert any(name.startswith("jbc-year-") for name in used)


def test_the_workbook_holds_the_same_figures_and_a_chart(reports, office, governor_client):
    response = governor_client.get("/oversight/summary/jbc.xlsx", {"quarter": "2025-Q3"})

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="jbc-2025-Q3.xlsx"'
    sheet = openpyxl.load_workbook(io.BytesIO(response.content))["Summary"]
    header = [cell.value for cell in sheet[1]]
    found = [
        dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(min_row=2)
    ]
    assert [(r["agency"], r["period"], r["requests"], r["refused"]) for r in found] == [
        ("CO-CDPS-CSP", "2025-Q3", "not reported", None),
        ("CO-CDPS-CSP", "2025 to 2025-Q3", 5, 5),
        ("CO-DOR-DMV", "2025-Q3", 7, 2),
        ("CO-DOR-DMV", "2025 to 2025-Q3", 14, 3),
    ]
    assert len(sheet._charts) == 1


def test_the_pdf_is_tagged_and_says_what_the_page_says(reports, office, governor_client, caplog):
    response = governor_client.get("/oversight/summary/jbc.pdf", {"quarter": "2025-Q3"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="jbc-2025-Q3.pdf"'
    reader = PdfReader(io.BytesIO(response.content))
    root = reader.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"]
    assert "/StructTreeRoot" in root
    assert root["/Lang"] == "en"
    assert "Joint Budget Committee" in reader.metadata.title
    words = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert "Summary for the Joint Budget Committee, 2025-Q3" in words
    assert "1 of 2 agencies reported 2025-Q3" in words
    assert "Not reported: no accepted report for 2025-Q3" in words
    assert "CO-DOR-DMV" in words and "CO-CDPS-CSP" in words
    # Both charts are in it, as figures of its structure.
    assert _structure(root["/StructTreeRoot"], []).count("/Figure") == 2
    assert "defined twice" not in caplog.text  # WeasyPrint's word for a repeated id


@pytest.mark.parametrize(
    ("quarter", "problem"),
    [
        ("2025", "“2025” is a year: the summary is of a quarter, as 2025-Q3."),
        ("soon", "'soon' is not a period: write a quarter as 2025-Q3 or a year as 2025."),
        ("2025-Q5", "'2025-Q5' is not a period"),
    ],
)
@pytest.mark.parametrize(
    "url", ["/oversight/summary/", "/oversight/summary/jbc.pdf", "/oversight/summary/jbc.xlsx"]
)
def test_a_quarter_that_is_not_one_is_refused_naming_the_field(
    office, governor_client, url, quarter, problem
):
    response = governor_client.get(url, {"quarter": quarter})

    assert response.status_code == 400
    assert f"Quarter: {problem}" in text(response)
    assert "<svg" not in html(response)


def test_without_a_quarter_the_summary_is_of_the_last_that_ended(reports, office, governor_client):
    assert last_ended_quarter(dt.date(2026, 1, 5)).label == "2025-Q4"
    assert last_ended_quarter(dt.date(2025, 9, 30)).label == "2025-Q2"
    response = governor_client.get("/oversight/summary/")
    assert response.status_code == 200
    assert 'value="' + last_ended_quarter(timezone.localdate()).label + '"' in html(response)


def test_the_office_page_lists_each_agencys_accepted_reports(reports, office, governor_client):
    page = text(governor_client.get("/oversight/"))

    csp = page[page.index("CO-CDPS-CSP") : page.index("CO-DOR-DMV")]
    dmv = page[page.index("CO-DOR-DMV") : page.index("Latest bundles sent")]
    # The latest period first; a period received twice, the larger log first.
    order = [
        dmv.index(f"{period} {size}")
        for period, size in (
            ("2025-Q3", 95),
            ("2025-Q2", 70),
            ("2025-Q2", 60),
            ("2025-Q1", 40),
            ("2024-Q4", 30),
        )
    ]
    assert order == sorted(order)
    assert "Attested by Example Attester, Designated attester" in dmv
    assert "on the command line" in dmv
    assert "2025-Q1 12" in csp and "Sent with 1 exception" in csp
