"""Workbooks written part by part, as spreadsheet programs write them.

openpyxl (the tests' other writer) writes inline strings and no shared-strings table; Excel
writes every text once in xl/sharedStrings.xml and cells that index it, styles its dates
with a number format, and some generators prefix every element (`<x:c>`). `write` makes
such files, with the knobs a test needs to make them wrong.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from custodiet.scanner.workbook import column_letters

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE = "http://schemas.openxmlformats.org/package/2006/relationships"
EXCEL_EPOCH = dt.datetime(1899, 12, 30)
MAC_EPOCH = dt.datetime(1904, 1, 1)

# A cell: text, a number, a time (written as Excel's serial day, styled as a date), or None.
Cell = str | int | float | dt.datetime | None


@dataclass
class SheetSpec:
    name: str
    # (sheet row, cells from column A); rows not listed are empty.
    rows: list[tuple[int, Sequence[Cell]]] = field(default_factory=list)
    # Raw XML appended inside <sheetData>, for rows a writer would never produce.
    extra: str = ""


def rows_from(table: Sequence[Sequence[Cell]], first: int = 1) -> list[tuple[int, Sequence[Cell]]]:
    return [(first + i, row) for i, row in enumerate(table)]


def write(
    path: Path,
    sheets: Sequence[SheetSpec],
    *,
    prefix: str = "",
    shared: bool = True,
    date1904: bool = False,
    doctype: str = "",
) -> Path:
    """An .xlsx at `path`: shared strings (or inline ones), dates styled m/d/yyyy h:mm."""
    strings: dict[str, int] = {}
    p = f"{prefix}:" if prefix else ""
    xmlns = f'xmlns:{prefix}="{MAIN}"' if prefix else f'xmlns="{MAIN}"'
    epoch = MAC_EPOCH if date1904 else EXCEL_EPOCH

    def cell(ref: str, value: Cell) -> str:
        if value is None:
            return ""
        if isinstance(value, dt.datetime):
            serial = (value - epoch) / dt.timedelta(days=1)
            return f'<{p}c r="{ref}" s="1"><{p}v>{serial!r}</{p}v></{p}c>'
        if isinstance(value, int | float):
            return f'<{p}c r="{ref}"><{p}v>{value}</{p}v></{p}c>'
        if shared:
            index = strings.setdefault(value, len(strings))
            return f'<{p}c r="{ref}" t="s"><{p}v>{index}</{p}v></{p}c>'
        return f'<{p}c r="{ref}" t="inlineStr"><{p}is><{p}t>{escape(value)}</{p}t></{p}is></{p}c>'

    parts: dict[str, str] = {}
    for number, sheet in enumerate(sheets, start=1):
        body = "".join(
            f'<{p}row r="{r}">'
            + "".join(cell(f"{column_letters(i)}{r}", v) for i, v in enumerate(values))
            + f"</{p}row>"
            for r, values in sheet.rows
        )
        parts[f"xl/worksheets/sheet{number}.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n{doctype}'
            f'<{p}worksheet {xmlns} xmlns:r="{RELATIONSHIPS}"><{p}sheetData>{body}{sheet.extra}'
            f"</{p}sheetData></{p}worksheet>"
        )
    listed = "".join(
        f'<{p}sheet name={quoteattr(s.name)} sheetId="{i}" r:id="rId{i}"/>'
        for i, s in enumerate(sheets, start=1)
    )
    parts["xl/workbook.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<{p}workbook {xmlns} '
        f'xmlns:r="{RELATIONSHIPS}"><{p}workbookPr date1904="{int(date1904)}"/>'
        f"<{p}sheets>{listed}</{p}sheets></{p}workbook>"
    )
    relationships = "".join(
        f'<Relationship Id="rId{i}" Type="{RELATIONSHIPS}/worksheet" '
        f'Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, len(sheets) + 1)
    )
    n = len(sheets)
    relationships += (
        f'<Relationship Id="rId{n + 1}" Type="{RELATIONSHIPS}/styles" Target="styles.xml"/>'
        f'<Relationship Id="rId{n + 2}" Type="{RELATIONSHIPS}/sharedStrings" '
        'Target="sharedStrings.xml"/>'
    )
    parts["xl/_rels/workbook.xml.rels"] = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Relationships xmlns="{PACKAGE}">'
        f"{relationships}</Relationships>"
    )
    parts["xl/styles.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<{p}styleSheet {xmlns}>'
        f'<{p}numFmts count="1"><{p}numFmt numFmtId="164" formatCode="m/d/yyyy h:mm:ss"/>'
        f'</{p}numFmts><{p}fonts count="1"><{p}font/></{p}fonts><{p}fills count="1"><{p}fill>'
        f'<{p}patternFill patternType="none"/></{p}fill></{p}fills><{p}borders count="1">'
        f'<{p}border/></{p}borders><{p}cellStyleXfs count="1"><{p}xf numFmtId="0"/></{p}cellStyleXfs>'
        f'<{p}cellXfs count="2"><{p}xf numFmtId="0"/><{p}xf numFmtId="164" '
        f'applyNumberFormat="1"/></{p}cellXfs><{p}cellStyles count="1"><{p}cellStyle '
        f'name="Normal" xfId="0" builtinId="0"/></{p}cellStyles></{p}styleSheet>'
    )
    if shared:
        items = "".join(
            f'<{p}si><{p}t xml:space="preserve">{escape(s)}</{p}t></{p}si>' for s in strings
        )
        parts["xl/sharedStrings.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<{p}sst {xmlns} count="{len(strings)}" '
            f'uniqueCount="{len(strings)}">{items}</{p}sst>'
        )
    kinds = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    overrides = {"/xl/workbook.xml": "sheet.main", "/xl/styles.xml": "styles"}
    overrides |= {f"/xl/worksheets/sheet{i}.xml": "worksheet" for i in range(1, n + 1)}
    if shared:
        overrides["/xl/sharedStrings.xml"] = "sharedStrings"
    parts["[Content_Types].xml"] = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<Types xmlns="http://schemas.openxmlformats.org/'
        'package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
        + "".join(
            f'<Override PartName="{name}" ContentType="{kinds}.{kind}+xml"/>'
            for name, kind in overrides.items()
        )
        + "</Types>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return path
