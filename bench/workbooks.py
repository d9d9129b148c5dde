"""How fast the monitor reads a plate-reader audit delivered as an XLSX workbook, beside the
same audit as CSV, and how much memory it holds.

One synthetic network audit (`CUSTODIET_BENCH_XLSX_ROWS` rows, 1,000,000 by default: about
Excel's most in one sheet) is written twice, as CSV and as a workbook the way Excel saves
one (shared strings, a styled header), and each is scanned as `custodiet scan` does it.
The baseline, in the same run, is the scan of the CSV. Information: openpyxl's read-only
mode, the maintained pure-Python reader, iterating the workbook's first 100,000 rows.
Target: the workbook's scan stays under 2 GB at a million rows (a sheet is streamed).

Each measurement runs in a process of its own: `python -m bench.workbooks --measure
scan|openpyxl FILE`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import tempfile
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from bench.monitor import MEMORY_TARGET, _megabytes, _peak_memory
from bench.timing import fastest, in_child, met

ROOT = Path(__file__).resolve().parents[1]
ROWS_VARIABLE = "CUSTODIET_BENCH_XLSX_ROWS"
DEFAULT_ROWS = 1_000_000
OPENPYXL_ROWS = 100_000
REPEATS = 2
HEADER = (
    "Name",
    "Org Name",
    "Search Time",
    "Reason",
    "Case #",
    "Offense Type",
    "Search Type",
    "License Plate",
    "Total Networks Searched",
)
REASONS = (
    "burglary",
    "stolen vehicle",
    "investigation",
    "hit and run",
    "ICE",
    "missing person",
    "criminal alien",
    "assault",
    "inv",
    "fraud",
    "locate alien",
    "welfare check",
)
OFFENCES = ("Theft", "Assault", "Fraud", "", "Robbery")
START = dt.datetime(2025, 1, 1, 0, 0)
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def rows_wanted() -> int:
    text = os.environ.get(ROWS_VARIABLE, "")
    try:
        return int(text.replace("_", "")) if text else DEFAULT_ROWS
    except ValueError:
        raise SystemExit(f"{ROWS_VARIABLE}={text!r}: not a whole number") from None


def records(rows: int) -> Iterator[tuple[str, ...]]:
    """The audit's rows, the same every run: 400 agencies, times through the year."""
    step = dt.timedelta(seconds=max(1, 365 * 86_400 // max(rows, 1)))
    for i in range(rows):
        when = START + i * step
        yield (
            f"officer{(i * 7919) % 3000:04d}",
            f"Example Agency {(i * 31) % 400:03d}",
            when.strftime("%m/%d/%Y, %I:%M:%S %p UTC"),
            REASONS[(i * 13) % len(REASONS)],
            f"25-{i:07d}" if i % 3 else "",
            OFFENCES[i % len(OFFENCES)],
            "Plate",
            f"{chr(65 + i % 26)}{chr(65 + i // 26 % 26)}{i % 10000:04d}",
            str(100 + i % 900),
        )


def write_csv(path: Path, rows: int) -> None:
    import csv

    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(records(rows))


def _column(index: int) -> str:
    return chr(65 + index)  # nine columns: A to I


def write_xlsx(path: Path, rows: int) -> None:
    """A workbook as Excel saves one: every text once in the shared strings, the sheet
    streamed into the archive."""
    strings: dict[str, int] = {}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(
                f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet '
                f'xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}"><sheetData>'.encode()
            )
            for number, row in enumerate([HEADER, *records(rows)], start=1):
                cells = []
                for index, value in enumerate(row):
                    ref = f"{_column(index)}{number}"
                    if value == "":
                        continue
                    if value.isdigit() and index == 8:
                        cells.append(f'<c r="{ref}"><v>{value}</v></c>')
                    else:
                        shared = strings.setdefault(value, len(strings))
                        cells.append(f'<c r="{ref}" t="s"><v>{shared}</v></c>')
                sheet.write(f'<row r="{number}">{"".join(cells)}</row>'.encode())
            sheet.write(b"</sheetData></worksheet>")
        items = "".join(f"<si><t>{escape(text)}</t></si>" for text in strings)
        archive.writestr(
            "xl/sharedStrings.xml",
            f'<?xml version="1.0" encoding="UTF-8"?>\n<sst xmlns="{MAIN}" '
            f'uniqueCount="{len(strings)}">{items}</sst>',
        )
        archive.writestr(
            "xl/workbook.xml",
            f'<?xml version="1.0" encoding="UTF-8"?>\n<workbook xmlns="{MAIN}" '
            f'xmlns:r="{RELATIONSHIPS}"><sheets><sheet name="Audit" sheetId="1" '
            'r:id="rId1"/></sheets></workbook>',
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0" encoding="UTF-8"?>\n<Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
            f'Type="{RELATIONSHIPS}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{RELATIONSHIPS}/sharedStrings" '
            'Target="sharedStrings.xml"/></Relationships>',
        )
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?>\n<Types xmlns="http://schemas.'
            'openxmlformats.org/package/2006/content-types"><Default Extension="xml" '
            'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
            'sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType='
            '"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
        )


# In the measuring process -----------------------------------------------------------------


def _scan(path: Path) -> dict[str, Any]:
    from custodiet.scanner import ScanContext, scan

    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        with scan([path], context=ScanContext(time_zone="America/Denver")) as result:
            result.write(Path(folder) / "flags.parquet")
            summary = result.summary()
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows": summary.rows, "by_category": summary.by_category}


def _openpyxl(path: Path) -> dict[str, Any]:
    import openpyxl

    started = time.perf_counter()
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    read = sum(1 for _ in book.active.iter_rows(max_row=OPENPYXL_ROWS + 1, values_only=True))
    book.close()
    return {"seconds": time.perf_counter() - started, "rows": read - 1}


MEASURES = {"scan": _scan, "openpyxl": _openpyxl}


def _best(task: str, path: Path) -> dict[str, Any]:
    return fastest([in_child("bench.workbooks", "--measure", task, path) for _ in range(REPEATS)])


def main() -> None:
    rows = rows_wanted()
    with tempfile.TemporaryDirectory(prefix="custodiet-bench-") as folder:
        csv_path, xlsx_path = Path(folder) / "audit.csv", Path(folder) / "audit.xlsx"
        started = time.perf_counter()
        write_csv(csv_path, rows)
        write_xlsx(xlsx_path, rows)
        print(
            f"workbooks: a plate-reader audit of {rows:,} rows as CSV "
            f"({_megabytes(csv_path.stat().st_size)}) and as XLSX "
            f"({_megabytes(xlsx_path.stat().st_size)}), made in "
            f"{time.perf_counter() - started:.1f} s; best of {REPEATS}"
        )
        from_csv = _best("scan", csv_path)
        from_xlsx = _best("scan", xlsx_path)
        other = _best("openpyxl", xlsx_path)
    assert from_csv["rows"] == from_xlsx["rows"] == rows, "the two files read different rows"
    assert from_csv["by_category"] == from_xlsx["by_category"], "the two files flag differently"

    def line(label: str, run: dict[str, Any], count: int, extra: str) -> None:
        print(
            f"  {label:<46} {run['seconds']:7.2f} s  {count / run['seconds']:>10,.0f} rows/s  "
            f"peak {_megabytes(run['peak']):>8}  {extra}"
        )

    line("baseline: scan of the CSV", from_csv, rows, "1.0x")
    ratio = from_xlsx["seconds"] / from_csv["seconds"]
    line("scan of the XLSX", from_xlsx, rows, f"{ratio:.1f}x")
    per_row = other["seconds"] / max(other["rows"], 1)
    line(
        f"openpyxl read-only, first {other['rows']:,} rows (information)",
        other,
        other["rows"],
        f"{per_row * rows / from_csv['seconds']:.1f}x for all rows, reading alone",
    )
    peak = from_xlsx["peak"]
    print(
        f"  peak memory of the XLSX scan: {_megabytes(peak)} "
        f"(target < {_megabytes(MEMORY_TARGET)} at {DEFAULT_ROWS:,} rows: {met(peak < MEMORY_TARGET)})"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--measure", choices=MEASURES, help="run one measurement on FILE")
    parser.add_argument("file", nargs="?", type=Path)
    args = parser.parse_args()
    if args.measure:
        result = MEASURES[args.measure](args.file)
        result["peak"] = _peak_memory()
        print(json.dumps(result))
    else:
        main()
