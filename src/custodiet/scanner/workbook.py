"""XLSX workbooks read a row at a time, in constant memory, as the scanner reads CSV.

A workbook is a ZIP archive of XML parts. Each sheet's part is inflated and parsed as it
streams (the standard library's zipfile and expat), so a sheet of Excel's full 1,048,576
rows costs no more memory than one of ten; only the shared-strings table, which the rows
index into, is held whole. Values come back as the text a person reads in the cell: shared
and inline strings as written, numbers without a trailing ".0", and numbers formatted as
dates (openpyxl's reading of the number format) as ISO 8601 times.

Why not a reader library whole: python-calamine loads a sheet into memory before its first
row (1 GB for a million rows of ten columns, measured) and sizes it by the dimension the
file declares, which a hostile file sets to Excel's maximum; openpyxl's read-only mode
streams, but took 2.7 to 3.5 times as long as this reader on the same 100,000 rows.

Hostile workbooks are refused before they cost much: a part larger than its budget
(by the size the archive declares, which zipfile then never inflates past), a document type
declaration (no entity expansion), a cell or row beyond Excel's own limits, a cell longer
than Excel allows.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, NoReturn
from xml.parsers import expat

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

from custodiet.scanner.layouts import LayoutError

# Excel's own limits: a file past them was not written by a spreadsheet.
MAX_ROWS = 1_048_576
MAX_COLUMNS = 16_384
MAX_CELL_CHARACTERS = 32_767
# The most a sheet's XML and the shared strings may inflate to. A sheet of a million rows
# of thirteen columns is about 0.8 GB; the budget is five times that.
MAX_SHEET_BYTES = 4 << 30
MAX_STRINGS_BYTES = 1 << 30
MAX_SMALL_PART_BYTES = 16 << 20  # workbook.xml, its relationships, styles.xml
CHUNK = 1 << 20

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_STRICT = "http://purl.oclc.org/ooxml/spreadsheetml/main"
_RELATIONSHIPS = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "http://purl.oclc.org/ooxml/officeDocument/relationships",
)
_SHEET_ELEMENTS = ("row", "c", "v", "t", "rPh")
_DIGITS = "0123456789"
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _column_names() -> dict[str, int]:
    """Every column's letters (A ... XFD) -> its index."""
    letters = [chr(65 + i) for i in range(26)]
    names = letters + [a + b for a in letters for b in letters]
    names += [a + b for a in letters for b in names[26:]]
    return {name: index for index, name in enumerate(names[:MAX_COLUMNS])}


_COLUMNS = _column_names()
_MILLISECOND = dt.timedelta(milliseconds=1)


def is_xlsx(path: Path) -> bool:
    """A ZIP archive holding a workbook part (an .xlsx, .xlsm or Strict OOXML file)."""
    with path.open("rb") as handle:
        if handle.read(4) != b"PK\x03\x04":
            return False
    try:
        with zipfile.ZipFile(path) as archive:
            return "xl/workbook.xml" in archive.NameToInfo
    except (zipfile.BadZipFile, OSError):
        return False


def not_a_workbook(path: Path) -> str | None:
    """Why a file that begins as a ZIP archive is not a workbook; None if it is no ZIP."""
    with path.open("rb") as handle:
        if handle.read(4) != b"PK\x03\x04":
            return None
    try:
        with zipfile.ZipFile(path) as archive:
            archive.namelist()
    except (zipfile.BadZipFile, OSError) as exc:
        return f"a damaged ZIP archive or workbook ({exc}): save or export it again"
    return "a ZIP archive that holds no workbook (xl/workbook.xml): unzip it, or export CSV"


def legacy_excel(path: Path) -> bool:
    """An OLE compound file: an Excel 97-2003 .xls, or an .xlsx saved with a password."""
    with path.open("rb") as handle:
        return handle.read(8) == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True, slots=True)
class Sheet:
    name: str
    part: str  # its path inside the archive


@dataclass(frozen=True, slots=True)
class Row:
    number: int  # the sheet row, 1-based, as Excel shows it
    values: list[str | None]  # by column, A first; None where a cell is empty


def _local(name: str) -> str:
    """An element or attribute name without its namespace (expat joins them with a space)."""
    return name.rpartition(" ")[2]


def _unescape(text: str) -> str:
    """Characters XML cannot carry, as Excel writes them: "_x000D_" for a carriage return
    (and "_x005F_" for an underscore that would otherwise start such an escape)."""
    if "_x" not in text:
        return text
    return _ESCAPED.sub(lambda found: chr(int(found.group(1), 16)), text)


def _number_text(value: str) -> str:
    try:
        number = float(value)
    except ValueError:
        return value
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    return repr(number)


class Workbook:
    """One workbook, open for reading its sheets' rows; use as a context manager."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._zip = zipfile.ZipFile(path)
        except zipfile.BadZipFile as exc:
            raise LayoutError(f"not a readable workbook ({exc})") from None
        try:
            self._read_workbook()
            self._read_styles()
        except BaseException:
            self._zip.close()
            raise
        self._strings: list[str] | None = None

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._zip.close()

    # -- the parts ----------------------------------------------------------------------

    def _member(self, part: str, budget: int) -> zipfile.ZipInfo | None:
        info = self._zip.NameToInfo.get(part)
        if info is None:
            return None
        if info.file_size > budget:
            raise LayoutError(
                f"the part {part} would inflate to {info.file_size:,} bytes, more than the "
                f"{budget:,} a workbook part may (is it a workbook at all?)"
            )
        return info

    def _parse_small(
        self,
        part: str,
        start: Callable[[str, dict[str, str]], None],
        end: Callable[[str], None] | None = None,
    ) -> bool:
        """Parse a small part with these handlers; False if the archive lacks it."""
        info = self._member(part, MAX_SMALL_PART_BYTES)
        if info is None:
            return False
        parser = self._parser()
        parser.StartElementHandler = start
        if end is not None:
            parser.EndElementHandler = end
        with self._zip.open(info) as stream:
            self._feed(parser, stream, part)
        return True

    def _parser(self, *, namespaces: bool = True) -> expat.XMLParserType:
        # Namespaces resolved cost a sheet's reading a third of its time: the sheet reader
        # takes the names as written, and learns their prefix from the root element.
        parser = expat.ParserCreate(namespace_separator=" " if namespaces else None)
        parser.buffer_text = True
        parser.buffer_size = 1 << 16

        def refuse_doctype(*_: object) -> None:
            raise LayoutError("a workbook part declares a document type, which none may")

        parser.StartDoctypeDeclHandler = refuse_doctype
        return parser

    def _feed(self, parser: expat.XMLParserType, stream: IO[bytes], part: str) -> None:
        try:
            while chunk := stream.read(CHUNK):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
        except expat.ExpatError as exc:
            raise LayoutError(f"the part {part} is not well-formed XML ({exc})") from None
        except (zipfile.BadZipFile, EOFError, OSError) as exc:
            raise LayoutError(f"the part {part} cannot be inflated ({exc})") from None

    def _read_workbook(self) -> None:
        sheets: list[tuple[str, str]] = []  # (name, relationship id)
        self._date1904 = False

        def on_workbook(name: str, attrs: dict[str, str]) -> None:
            local = _local(name)
            if local == "sheet":
                rid = next(
                    (
                        v
                        for k, v in attrs.items()
                        if k.startswith(_RELATIONSHIPS) and k.endswith(" id")
                    ),
                    "",
                )
                sheets.append((attrs.get("name", ""), rid))
            elif local == "workbookPr":
                self._date1904 = attrs.get("date1904", "").lower() in ("1", "true")

        if not self._parse_small("xl/workbook.xml", on_workbook):
            raise LayoutError("not a workbook (no xl/workbook.xml)")
        targets: dict[str, str] = {}

        def on_relationship(name: str, attrs: dict[str, str]) -> None:
            if _local(name) == "Relationship":
                targets[attrs.get("Id", "")] = attrs.get("Target", "")

        self._parse_small("xl/_rels/workbook.xml.rels", on_relationship)
        self.sheets: list[Sheet] = []
        for position, (name, rid) in enumerate(sheets, start=1):
            target = targets.get(rid, f"worksheets/sheet{position}.xml")
            part = (
                target.lstrip("/")
                if target.startswith("/")
                else posixpath.normpath(posixpath.join("xl", target))
            )
            if part in self._zip.NameToInfo:  # chart sheets and the like have no rows
                self.sheets.append(Sheet(name, part))
        self._strings_part = next(
            (
                posixpath.normpath(posixpath.join("xl", t))
                if not t.startswith("/")
                else t.lstrip("/")
                for t in targets.values()
                if t.lower().endswith("sharedstrings.xml")
            ),
            "xl/sharedStrings.xml",
        )

    def _read_styles(self) -> None:
        """Which cell formats show a number as a date or time."""
        formats: dict[int, str] = dict(BUILTIN_FORMATS)
        date_styles: list[bool] = []
        inside = [False]

        def start(name: str, attrs: dict[str, str]) -> None:
            local = _local(name)
            if local == "numFmt":
                given = attrs.get("numFmtId", "")
                if given.isdigit():
                    formats[int(given)] = attrs.get("formatCode", "")
            elif local == "cellXfs":
                inside[0] = True
            elif local == "xf" and inside[0]:
                try:
                    code = formats.get(int(attrs.get("numFmtId", "0")), "")
                except ValueError:
                    code = ""
                date_styles.append(bool(code) and is_date_format(code))

        def end(name: str) -> None:
            if _local(name) == "cellXfs":
                inside[0] = False

        self._parse_small("xl/styles.xml", start, end)
        self._date_styles = date_styles

    def _shared_strings(self) -> list[str]:
        if self._strings is not None:
            return self._strings
        strings: list[str] = []
        info = self._member(self._strings_part, MAX_STRINGS_BYTES)
        if info is not None:
            parts: list[str] = []
            # Text in <t> counts, except the phonetic guides (<rPh>) that East Asian text carries.
            state = {"text": False, "phonetic": 0}

            def start(name: str, _attrs: dict[str, str]) -> None:
                local = _local(name)
                if local == "si":
                    parts.clear()
                elif local == "t" and not state["phonetic"]:
                    state["text"] = True
                elif local == "rPh":
                    state["phonetic"] += 1

            def end(name: str) -> None:
                local = _local(name)
                if local == "si":
                    strings.append(_unescape("".join(parts)))
                elif local == "t":
                    state["text"] = False
                elif local == "rPh":
                    state["phonetic"] -= 1

            def text(data: str) -> None:
                if state["text"]:
                    parts.append(data)

            parser = self._parser()
            parser.StartElementHandler = start
            parser.EndElementHandler = end
            parser.CharacterDataHandler = text
            with self._zip.open(info) as stream:
                self._feed(parser, stream, self._strings_part)
        self._strings = strings
        return strings

    # -- rows ---------------------------------------------------------------------------

    def sheet(self, name: str) -> Sheet:
        for sheet in self.sheets:
            if sheet.name == name:
                return sheet
        for sheet in self.sheets:
            if sheet.name.casefold() == name.strip().casefold():
                return sheet
        names = ", ".join(repr(s.name) for s in self.sheets) or "none"
        raise LayoutError(f"--sheet: the workbook has no sheet {name!r} (its sheets: {names})")

    def size(self, sheet: Sheet) -> int:
        """The bytes of the sheet's XML, for progress."""
        return self._zip.NameToInfo[sheet.part].file_size

    def rows(self, sheet: Sheet) -> Iterator[tuple[list[Row], int]]:
        """The sheet's rows that hold a value, in batches, each with the bytes read so far.

        Raises LayoutError (with the sheet row as its line where there is one) for a sheet
        that breaks the format or Excel's limits.
        """
        info = self._member(sheet.part, MAX_SHEET_BYTES)
        assert info is not None
        strings = self._shared_strings()
        dates = self._date_styles
        epoch = CALENDAR_MAC_1904 if self._date1904 else CALENDAR_WINDOWS_1900
        done: list[Row] = []
        # The row being read, and the cell: its column, type and style, and whether its
        # value (<v>) or inline text (<t>) is being read.
        number = 0
        row: list[str | None] = []
        column = -1
        kind = "n"
        style = 0
        reading: str | None = None
        text: list[str] = []
        # Element names as this part writes them ("c", or "x:c" under a prefix) -> local.
        names: dict[str, str] = {}

        def fail(message: str) -> NoReturn:
            raise LayoutError(f"sheet {sheet.name!r}: {message}", number or None)

        def start(name: str, attrs: dict[str, str]) -> None:
            nonlocal number, column, kind, style, reading
            local = names.get(name)
            if local == "c":
                reference = attrs.get("r")
                if reference:
                    found = _COLUMNS.get(reference.rstrip(_DIGITS))
                    if found is None:
                        fail(f"cell {reference!r} is not a cell Excel can hold")
                    column = found
                else:
                    column += 1
                    if column >= MAX_COLUMNS:
                        fail(f"a cell is past Excel's last column ({MAX_COLUMNS:,})")
                kind = attrs.get("t", "n")
                given = attrs.get("s")
                style = int(given) if given and given.isdigit() else 0
            elif local == "v" or local == "t":
                reading = local
                text.clear()
            elif local == "row":
                given = attrs.get("r")
                if given is None:
                    number += 1
                elif given.isdigit():
                    number = int(given)
                else:
                    fail(f"a row's number {given!r} is not a number")
                if not 0 < number <= MAX_ROWS:
                    fail(f"row {number:,} is past Excel's last row ({MAX_ROWS:,})")
                column = -1
                row.clear()
            elif local == "rPh":
                reading = "phonetic"
            elif local is None and not names:
                # The root: the prefix the part gives the spreadsheet namespace, if any.
                prefix = name.rpartition(":")[0]
                names.update({f"{prefix}:{n}" if prefix else n: n for n in _SHEET_ELEMENTS})

        def end(name: str) -> None:
            nonlocal reading
            local = names.get(name)
            if local == "v":
                if reading == "v":
                    reading = None
                    put(value("".join(text)))
            elif local == "t":
                if reading == "t":
                    reading = None
                    if kind == "inlineStr":
                        put(_unescape("".join(text)), append=True)
            elif local == "rPh":
                reading = None
            elif local == "row" and row and any(row):
                done.append(Row(number, list(row)))

        def characters(data: str) -> None:
            if reading is not None and reading != "phonetic":
                text.append(data)

        def value(raw: str) -> str:
            if kind == "s":
                try:
                    return strings[int(raw)]
                except (ValueError, IndexError):
                    fail(f"a cell names shared string {raw!r}, which the workbook lacks")
            if kind == "n":
                if style < len(dates) and dates[style]:
                    return _date_text(raw, epoch)
                return _number_text(raw)
            if kind == "b":
                return "TRUE" if raw.strip() in ("1", "true") else "FALSE"
            if kind == "str":  # a formula's text
                return _unescape(raw)
            return raw  # e (an error such as #N/A), d (ISO 8601 already)

        def put(cell: str, *, append: bool = False) -> None:
            at = max(column, 0)
            while len(row) <= at:
                row.append(None)
            if append and row[at]:
                cell = f"{row[at]}{cell}"
            if len(cell) > MAX_CELL_CHARACTERS:
                fail(f"a cell holds {len(cell):,} characters, more than Excel allows")
            row[at] = cell

        parser = self._parser(namespaces=False)
        parser.StartElementHandler = start
        parser.EndElementHandler = end
        parser.CharacterDataHandler = characters
        read = 0
        with self._zip.open(info) as stream:
            try:
                while chunk := stream.read(CHUNK):
                    read += len(chunk)
                    parser.Parse(chunk, False)
                    if done:
                        yield done, read
                        done = []
                parser.Parse(b"", True)
            except expat.ExpatError as exc:
                fail(f"not well-formed XML ({exc})")
            except (zipfile.BadZipFile, EOFError, OSError) as exc:
                fail(f"cannot be inflated ({exc})")
        if done:
            yield done, read


def _date_text(raw: str, epoch: dt.datetime) -> str:
    try:
        value = from_excel(float(raw), epoch)
    except (ValueError, OverflowError, TypeError):
        return _number_text(raw)
    if isinstance(value, dt.datetime):
        # Excel keeps times to the millisecond at best: round off the float's noise.
        value = dt.datetime.min + round((value - dt.datetime.min) / _MILLISECOND) * _MILLISECOND
        return value.isoformat(sep=" ", timespec="milliseconds" if value.microsecond else "seconds")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return _number_text(raw)


def header_and_records(
    book: Workbook, sheet: Sheet
) -> tuple[Row | None, Iterator[tuple[list[Row], int]]]:
    """The sheet's header row and an iterator over the rows after it, in batches.

    The header is the first row with two or more values: a title or a note above the table
    (one value, often across merged cells) is not the header. None for a sheet without one.
    """
    batches = book.rows(sheet)
    for batch, read in batches:
        for position, row in enumerate(batch):
            if sum(1 for value in row.values if value) < 2:
                continue
            values = list(row.values)
            while values and not values[-1]:
                values.pop()
            rest = batch[position + 1 :]

            def records(
                rest: list[Row] = rest, read: int = read
            ) -> Iterator[tuple[list[Row], int]]:
                if rest:
                    yield rest, read
                yield from batches

            return Row(row.number, [value or "" for value in values]), records()
    return None, iter(())


def column_letters(index: int) -> str:
    """A column's letters as Excel shows them: 0 -> A, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters
