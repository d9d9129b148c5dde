"""The filtered request log as files: CSV for other programs, XLSX for people.

Both hold the rows of `custodiet.records.export.export_rows` with its 24-74-106 fields, in
its order, and neither holds the whole log in memory: the CSV is produced line by line as
the response is sent, and the workbook is written by openpyxl's write-only mode, which
keeps its rows in a temporary file.

The CSV is byte for byte what `custodiet requests export` writes, its cells neutralised
the same way (`custodiet.records.spreadsheet`). The workbook stores every text as text,
so a purpose stated as "=HYPERLINK(...)" is never run as a formula. Its headings are the
CSV's, but for `outcome`, which reads "rules' outcome" there: people read the workbook, and
the rules' outcome is not what happened to the request (`final_status`).
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from collections.abc import Iterable, Iterator
from typing import IO, TYPE_CHECKING

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from custodiet.records.export import EXPORT_FIELDS, LogFilter, export_rows
from custodiet.records.spreadsheet import safe_row
from custodiet.reports.charts import outcome_label
from custodiet.reports.log import Counts

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

DATE_FIELDS = {"date_received", "decided_at", "released_or_refused_at"}
DATE_FORMAT = "yyyy-mm-dd hh:mm"
# Characters wide, so the usual values show without widening a column by hand.
WIDTHS = {
    "request_id": 22,
    "date_received": 17,
    "channel": 10,
    "receiving_agency": 14,
    "requester_name": 26,
    "requester_organization": 34,
    "requester_level": 10,
    "records_sought": 30,
    "purpose_stated": 40,
    "purpose_category": 22,
    "legal_basis_offered": 36,
    "outcome": 13,
    "immigration_related": 11,
    "reportable": 11,
    "reasons": 60,
    "law_layer": 40,
    "decided_by": 16,
    "decided_at": 17,
    "final_status": 12,
    "decided_by_role": 14,
    "last_decided_by": 16,
    "released_or_refused_at": 17,
}
# A field's heading in a workbook, where it is not the field's own name.
HEADINGS = {"outcome": "rules' outcome"}
BOLD = Font(bold=True)


class _Line:
    """A file that hands back what is written to it, so csv.writer yields lines."""

    def write(self, text: str) -> str:
        return text


def csv_lines(where: LogFilter) -> Iterator[str]:
    writer = csv.DictWriter(_Line(), fieldnames=EXPORT_FIELDS)
    yield writer.writeheader()
    for row in export_rows(where):
        yield writer.writerow(safe_row(row))


def _header(sheet: WriteOnlyWorksheet, names: Iterable[str]) -> list[WriteOnlyCell]:
    """The bold header row; a field of the record is headed as HEADINGS says."""
    cells = []
    for name in names:
        cell = WriteOnlyCell(sheet, value=HEADINGS.get(name, name))
        cell.font = BOLD
        cells.append(cell)
    return cells


def _cell(sheet: WriteOnlyWorksheet, field: str, value: str) -> WriteOnlyCell | None:
    if not value:
        return None
    if field in DATE_FIELDS:
        # Spreadsheets have no time zones: the agency's local time, as export_rows gives it.
        cell = WriteOnlyCell(sheet, value=dt.datetime.fromisoformat(value).replace(tzinfo=None))
        cell.number_format = DATE_FORMAT
        return cell
    # Control characters have no place in the XML of a workbook; they would fail the save.
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("\ufffd", value))
    cell.data_type = "s"  # not a formula, even when it starts with "="
    return cell


def _requests_sheet(book: Workbook, where: LogFilter) -> None:
    sheet = book.create_sheet("Requests")
    for index, field in enumerate(EXPORT_FIELDS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = WIDTHS.get(field, 18)
    sheet.freeze_panes = "B2"
    sheet.append(_header(sheet, EXPORT_FIELDS))
    rows = 0
    for row in export_rows(where):
        sheet.append([_cell(sheet, field, row[field]) for field in EXPORT_FIELDS])
        rows += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(EXPORT_FIELDS))}{rows + 1}"


def _months_sheet(book: Workbook, counts: Counts) -> None:
    sheet = book.create_sheet("By month")
    names = [
        "Month",
        *(outcome_label(outcome) for outcome in counts.outcomes),
        "Total",
        "Immigration-related",
    ]
    for index, name in enumerate(names, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(12, len(name) + 2)
    sheet.freeze_panes = "A2"
    sheet.append(_header(sheet, names))
    for month in counts.months:
        start = WriteOnlyCell(sheet, value=month.start)
        start.number_format = "mmm yyyy"
        sheet.append(
            [
                start,
                *(month.by_outcome.get(outcome, 0) for outcome in counts.outcomes),
                month.total,
                month.immigration_related,
            ]
        )
    totals = [WriteOnlyCell(sheet, value="Total")]
    totals += [WriteOnlyCell(sheet, value=n) for n in counts.by_outcome().values()]
    totals += [
        WriteOnlyCell(sheet, value=counts.total),
        WriteOnlyCell(sheet, value=counts.immigration_related),
    ]
    for cell in totals:
        cell.font = BOLD
    sheet.append(totals)


def workbook(where: LogFilter, counts: Counts) -> IO[bytes]:
    """The filtered log as an XLSX file, read from its start: the requests, then the months."""
    book = Workbook(write_only=True)
    _requests_sheet(book, where)
    _months_sheet(book, counts)
    # The response closes it once sent, and the file is gone with it.
    handle = tempfile.TemporaryFile()  # noqa: SIM115
    book.save(handle)
    handle.seek(0)
    return handle
