"""XLSX workbooks, as public-records releases deliver audits: read like CSV, `source_line`
the sheet row, every sheet with a header (or the ones named with --sheet), and hostile
workbooks refused with a message that names the file, the sheet and the row."""

from __future__ import annotations

import datetime as dt
import zipfile

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custodiet.scanner import ScanContext, ScanError, scan, workbook

from . import logs
from . import xlsx as book
from .conftest import ADDED_COLUMNS, custodiet_scan, read_output
from .test_recognised import VARIANTS

ICE = logs.ICE
HEADER = ("Name", "Org Name", "Search Time", "Reason", "Case #", "Search Type")
WHEN = dt.datetime(2025, 11, 14, 9, 53, 36)


def _flags(rows: list[dict[str, str]]) -> set[tuple[str, int, str]]:
    return {(row["source_file"], int(row["source_line"]), row["category"]) for row in rows}


@pytest.mark.django_db
@pytest.mark.parametrize("name", VARIANTS)
def test_each_header_variant_in_a_workbook_flags_what_the_csv_flags(tmp_path, name):
    header, records = VARIANTS[name]
    written = openpyxl.Workbook()
    sheet = written.active
    sheet.title = "Audit"
    sheet.append(header)
    for row, _ in records:
        sheet.append(row)
    path = tmp_path / f"{name}.xlsx"
    written.save(path)
    out = tmp_path / "flags.csv"
    ran = custodiet_scan(path, "--out", out)
    assert ran.code == 0, ran.stderr
    columns, rows = read_output(out)
    assert columns == [*header, *ADDED_COLUMNS]
    # The header is row 1, so record i is row i + 2 whatever its cells hold.
    expected = {
        (str(path), i + 2, category)
        for i, (_, categories) in enumerate(records)
        for category in categories
    }
    assert _flags(rows) == expected


def _excel_audit(path, **options):
    """An audit as Excel saves it: shared strings, styled dates, a title above the table,
    an empty row, an empty second sheet and a third of another vendor's layout."""
    return book.write(
        path,
        [
            book.SheetSpec(
                "Searches",
                [
                    (1, ["Network audit, exported 2025-11-15"]),
                    (3, HEADER),
                    (4, ["deputy1", "Example County SO", WHEN, "burglary", "25-1", "plate"]),
                    (5, ["deputy2", ICE, WHEN, "criminal alien", "", "plate"]),
                    # row 6 left empty, as people leave them
                    (7, ["deputy3", "Example County SO", WHEN, "inv", "", "plate"]),
                ],
            ),
            book.SheetSpec("Notes"),
            book.SheetSpec(
                "Other vendor",
                book.rows_from(
                    [
                        ("Reason", "DateTime", "User"),
                        ("ICE hold", "2025-11-14T16:00:00Z", "officer9"),
                    ]
                ),
            ),
        ],
        **options,
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "options",
    [{}, {"prefix": "x"}, {"shared": False}, {"date1904": True}],
    ids=["excel", "prefixed", "inline-strings", "1904-calendar"],
)
def test_every_sheet_with_a_header_is_read_and_each_flag_names_its_sheet_row(tmp_path, options):
    path = _excel_audit(tmp_path / "audit.xlsx", **options)
    out = tmp_path / "flags.csv"
    ran = custodiet_scan(path, "--out", out, "--summary")
    assert ran.code == 0, ran.stderr
    assert "4 accesses read" in ran.stdout
    _, rows = read_output(out)
    searches, other = f"{path}[Searches]", f"{path}[Other vendor]"
    assert _flags(rows) == {
        (searches, 5, logs.AGENCY),
        (searches, 5, logs.REASON),
        (searches, 7, logs.VAGUE),
        (other, 2, logs.REASON),
    }
    # A styled date is read as the time it shows, in the agency's zone like any other.
    flagged = next(r for r in rows if r["source_line"] == "5" and r["source_file"] == searches)
    assert flagged["Search Time"] == "2025-11-14 09:53:36"
    assert flagged["Reason"] == "criminal alien"


@pytest.mark.django_db
def test_sheet_names_the_sheets_to_read_and_an_unknown_one_is_refused(tmp_path):
    path = _excel_audit(tmp_path / "audit.xlsx")
    out = tmp_path / "flags.csv"
    ran = custodiet_scan(path, "--out", out, "--sheet", "Other vendor")
    assert ran.code == 0, ran.stderr
    assert {r["source_file"] for r in read_output(out)[1]} == {f"{path}[Other vendor]"}
    ran = custodiet_scan(path, "--out", out, "--sheet", "Summary")
    assert ran.code == 2
    assert "no sheet 'Summary' (its sheets: 'Searches', 'Notes', 'Other vendor')" in ran.stderr


@pytest.mark.django_db
def test_a_one_sheet_workbook_is_named_as_its_file(tmp_path):
    path = book.write(
        tmp_path / "one.xlsx",
        [book.SheetSpec("Sheet1", book.rows_from([HEADER, ("u", ICE, WHEN, "burglary", "", "")]))],
    )
    out = tmp_path / "flags.csv"
    assert custodiet_scan(path, "--out", out).code == 0
    assert _flags(read_output(out)[1]) == {(str(path), 2, logs.AGENCY)}


@pytest.mark.django_db
def test_a_sheet_that_cannot_be_mapped_is_refused_with_its_row_and_the_ways_out(tmp_path):
    path = book.write(
        tmp_path / "release.xlsx",
        [
            book.SheetSpec(
                "Audit", book.rows_from([HEADER, ("u", "Example PD", WHEN, "x", "", "")])
            ),
            book.SheetSpec(
                "Log",
                book.rows_from([("When", "Purpose"), ("2025-11-14 10:00", "ICE detainer")], 2),
            ),
        ],
    )
    out = tmp_path / "flags.csv"
    ran = custodiet_scan(path, "--out", out)
    assert ran.code == 2
    assert f"{path}[Log]:2: the header (When, Purpose) matches no known layout" in ran.stderr
    assert '--columns occurred_at="When"' in ran.stderr
    assert "--sheet NAME for each" in ran.stderr
    assert not out.exists()
    ran = custodiet_scan(
        path, "--out", out, "--sheet", "Log", "--columns", "occurred_at=When,reason=Purpose"
    )
    assert ran.code == 0, ran.stderr
    assert _flags(read_output(out)[1]) == {(f"{path}[Log]", 3, logs.REASON)}


@pytest.mark.django_db
def test_show_layout_prints_each_sheets_mapping_and_header_row(tmp_path):
    path = _excel_audit(tmp_path / "audit.xlsx")
    ran = custodiet_scan("--show-layout", path)
    assert ran.code == 0, ran.stderr
    assert "sheet 'Searches', header on row 3:\n" in ran.stdout
    assert "  occurred_at <- Search Time\n" in ran.stdout
    assert "sheet 'Notes': no header row" in ran.stdout
    assert "sheet 'Other vendor', header on row 1:\n" in ran.stdout


def _problems(path, **kwargs) -> str:
    with pytest.raises(ScanError) as raised:
        scan([path], context=ScanContext(), **kwargs).close()
    return str(raised.value)


def test_a_value_past_the_headers_last_column_is_refused_by_its_cell(tmp_path):
    path = book.write(
        tmp_path / "wide.xlsx",
        [
            book.SheetSpec(
                "S", book.rows_from([HEADER, ("u", "Example PD", WHEN, "x", "", "", "note")])
            )
        ],
    )
    assert (
        f"{path}:2: cell G2 holds a value past the header's last column (F, 'Search Type')"
        in _problems(path)
    )


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        (
            '<row r="1048577"><c r="A1048577"><v>1</v></c></row>',
            "row 1,048,577 is past Excel's last row",
        ),
        ('<row r="9"><c r="XFE9"><v>1</v></c></row>', "cell 'XFE9' is not a cell Excel can hold"),
        ('<row r="9"><c r="A9" t="s"><v>99</v></c></row>', "names shared string '99'"),
        ('<row r="9"><c r="A9"><v>1</v></row>', "not well-formed XML"),
    ],
    ids=["row", "column", "string", "xml"],
)
def test_a_sheet_past_excels_limits_or_broken_is_refused_naming_it(tmp_path, extra, problem):
    path = book.write(
        tmp_path / "bad.xlsx",
        [book.SheetSpec("Audit", book.rows_from([HEADER, ("u", "P", WHEN, "x", "", "")]), extra)],
    )
    found = _problems(path)
    assert f"{path}" in found and "sheet 'Audit'" in found and problem in found


def test_a_cell_longer_than_excel_allows_is_refused(tmp_path):
    path = book.write(
        tmp_path / "long.xlsx",
        [book.SheetSpec("S", book.rows_from([HEADER, ("u", "P", WHEN, "x" * 40_000, "", "")]))],
    )
    assert f"{path}:2: sheet 'S': a cell holds 40,000 characters" in _problems(path)


def test_entity_declarations_are_refused_before_any_expansion(tmp_path):
    laughs = '<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    path = book.write(
        tmp_path / "laughs.xlsx",
        [book.SheetSpec("S", book.rows_from([HEADER, ("u", "P", WHEN, "&b;", "", "")]))],
        shared=False,
        doctype=laughs,
    )
    assert "declares a document type" in _problems(path)


def test_a_part_that_would_inflate_past_its_budget_is_refused_unread(tmp_path, monkeypatch):
    path = book.write(tmp_path / "big.xlsx", [book.SheetSpec("S", book.rows_from([HEADER]))])
    size = zipfile.ZipFile(path).getinfo("xl/worksheets/sheet1.xml").file_size
    monkeypatch.setattr(workbook, "MAX_SHEET_BYTES", size - 1)
    assert f"would inflate to {size:,} bytes" in _problems(path)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), "an Excel 97-2003 workbook (.xls)"),
        (b"PK\x03\x04" + bytes(60), "a damaged ZIP archive or workbook"),
        (b"\x00\x01binary" * 10, "binary data, not text"),
    ],
    ids=["xls", "broken-zip", "binary"],
)
def test_what_is_not_an_xlsx_workbook_is_refused_with_what_to_do(tmp_path, content, problem):
    path = tmp_path / "export.xlsx"
    path.write_bytes(content)
    assert f"{path}" in _problems(path) and problem in _problems(path)


def test_excel_escapes_and_rich_text_read_as_the_cell_shows(tmp_path):
    path = book.write(
        tmp_path / "escapes.xlsx",
        [
            book.SheetSpec(
                "S",
                book.rows_from(
                    [HEADER, ("u", "P", WHEN, "line one_x000D_\nline two _x005F_x0041_", "", "")]
                ),
            )
        ],
    )
    with workbook.Workbook(path) as read:
        header, records = workbook.header_and_records(read, read.sheets[0])
        assert header is not None and header.values == list(HEADER)
        [(batch, _)] = list(records)
    assert batch[0].values[3] == "line one\r\nline two _x0041_"
    assert batch[0].values[2] == "2025-11-14 09:53:36"


def test_numbers_read_as_they_show_and_column_letters_round_trip():
    assert workbook._number_text("2025001234") == "2025001234"
    assert workbook._number_text("12.0") == "12"
    assert workbook._number_text("0.5") == "0.5"
    for index in (0, 25, 26, 701, 702, 16383):
        assert workbook._COLUMNS[workbook.column_letters(index)] == index


_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="_\ufffe\uffff")
    | st.sampled_from("\t\n"),
    min_size=1,
    max_size=24,
)
_CELLS = st.one_of(
    st.none(),
    _TEXT,
    st.integers(-(10**12), 10**12),
    st.datetimes(dt.datetime(1900, 3, 1), dt.datetime(2099, 12, 31)).map(
        lambda moment: moment.replace(microsecond=0)
    ),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    table=st.lists(st.lists(_CELLS, min_size=1, max_size=6), min_size=1, max_size=8),
    shared=st.booleans(),
    prefix=st.sampled_from(["", "x"]),
    date1904=st.booleans(),
)
def test_every_cell_reads_as_written_and_as_openpyxl_reads_it(
    tmp_path, table, shared, prefix, date1904
):
    path = book.write(
        tmp_path / "cells.xlsx",
        [book.SheetSpec("Cells", book.rows_from(table, first=2))],
        shared=shared,
        prefix=prefix,
        date1904=date1904,
    )

    def shown(cell):
        if isinstance(cell, dt.datetime):
            return cell.isoformat(sep=" ")
        return None if cell is None else str(cell)

    expected = {
        2 + i: [shown(cell) for cell in row]
        for i, row in enumerate(table)
        if any(cell is not None for cell in row)
    }
    with workbook.Workbook(path) as read:
        ours = {row.number: row.values for batch, _ in read.rows(read.sheets[0]) for row in batch}
    assert {
        n: values + [None] * (len(expected[n]) - len(values)) for n, values in ours.items()
    } == expected
    theirs = openpyxl.load_workbook(path, read_only=True)
    for number, row in enumerate(theirs["Cells"].iter_rows(min_row=2, values_only=True), start=2):
        for cell, mine in zip(row, expected.get(number, []), strict=False):
            if isinstance(cell, str | int):
                assert str(cell) == mine
    theirs.close()


@pytest.mark.django_db
def test_a_workbook_is_imported_with_each_sheet_and_its_rows_named(
    tmp_path, frozen_now, agency, privacy_officer
):
    from custodiet.monitor.models import FlaggedAccess, Scan

    path = _excel_audit(tmp_path / "release.xlsx")
    ran = custodiet_scan(path, "--import", "--agency", agency.code)
    assert ran.code == 0, ran.stderr
    scan = Scan.objects.get()
    assert [(f["name"], f["rows"]) for f in scan.files] == [
        ("release.xlsx[Searches]", 3),
        ("release.xlsx[Other vendor]", 1),
    ]
    assert {(a.source_file, a.source_line) for a in FlaggedAccess.objects.all()} >= {
        ("release.xlsx[Searches]", 5),
        ("release.xlsx[Other vendor]", 2),
    }
    # The same workbook again is the same file, by its digest.
    assert custodiet_scan(path, "--import", "--agency", agency.code).code == 1
