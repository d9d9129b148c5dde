"""Scanning access logs: load each file into DuckDB whole, run the rules, report the flags.

The work is SQL over DuckDB so that tens of millions of rows fit in bounded memory (DuckDB
spills to its temporary directory); Python only reads the header, identifies the few
distinct agencies and the reasons that may name immigration enforcement, and formats what
DuckDB returns.

Line numbers: DuckDB keeps a table's rows in the order they were inserted, so a row's
`rowid` is its position among the file's records. Its line is 2 + rowid plus the line
breaks inside quoted cells of the rows before it (found by SQL) plus any blank lines
before it, which DuckDB skips. Blank lines are rare, so they are looked for only when the
file's line count and the records' do not add up; then one pass of Python's csv reader
finds where each record starts.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
import re
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from custodiet.policy.facts.agencies import Agency, Directory, default_directory
from custodiet.policy.facts.gather import CERTIFICATION_VALID_DAYS
from custodiet.scanner import layouts, vocabulary, workbook
from custodiet.scanner.layouts import Layout, LayoutError
from custodiet.scanner.rules import CATEGORIES, RuleSet, load_rules

# Problems listed per file before the rest are only counted.
MAX_PROBLEMS = 20
# The longest record DuckDB is asked to read, in bytes.
MAX_LINE_SIZE = 1 << 20
# A workbook's rows go to DuckDB this many at a time.
SHEET_BATCH_ROWS = 50_000
_BREAKS = pa.schema([("row_index", pa.int64()), ("before_next", pa.int64())])
Progress = Callable[[str, float | None], None]


class ScanError(Exception):
    """Input that cannot be scanned whole: every problem found, each with file and line."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


@dataclass(frozen=True, slots=True)
class Partner:
    """A registry partner as the scan needs it: who it is and when it certified."""

    name: str
    directory_id: str = ""
    oris: tuple[str, ...] = ()
    signed_on: tuple[dt.date, ...] = ()


@dataclass(frozen=True)
class ScanContext:
    """What the scan knows beyond the logs: the directory, whose data it is, the registry."""

    directory: Directory = field(default_factory=default_directory)
    # The agency whose data the log shows being accessed; its own queries are not a third
    # party's. A directory id (e.g. CO-DOR-DMV).
    agency_id: str | None = None
    # None when there is no registry to check: uncertified access is then not looked for.
    partners: tuple[Partner, ...] | None = None
    rules: RuleSet = field(default_factory=load_rules)
    # Days and months are the agency's: times with an offset are read in this zone.
    time_zone: str = "UTC"
    memory_limit: str = "1GB"
    threads: int | None = None


@dataclass(frozen=True, slots=True)
class ScannedFile:
    path: Path
    layout: Layout
    columns: tuple[str, ...]  # as the header names them
    rows: int
    # A workbook's sheet: the label names it when the workbook has more than one.
    sheet: str | None = None
    label: str = ""

    def __post_init__(self) -> None:
        if not self.label:
            object.__setattr__(self, "label", str(self.path))


@dataclass(frozen=True, slots=True)
class UnknownAgency:
    """An organization or ORI of the logs that the agency directory does not know."""

    label: str
    ori: str  # the ORI (or ORIs, "A / B") the log gives, if any
    name: str  # the organization as the log writes it, or as the partner registry names it
    accesses: int


@dataclass(frozen=True, slots=True)
class Summary:
    rows: int
    flags: int
    flagged_rows: int
    by_category: dict[str, int]
    # (agency label, category) -> count; (YYYY-MM, category) -> count
    by_agency: dict[tuple[str, str], int]
    by_month: dict[tuple[str, str], int]
    unknown_agencies: list[UnknownAgency]
    certification_checked: bool
    # rule id -> (rows it flagged, rows it could judge); rules not run are left out.
    by_rule: dict[str, tuple[int, int]] = field(default_factory=dict)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


class Scan:
    """One scan: the loaded files, their flags, and the DuckDB connection holding them."""

    def __init__(
        self,
        paths: Sequence[Path],
        *,
        family: str | None = None,
        columns: Mapping[str, str] | None = None,
        sheets: Sequence[str] = (),
        context: ScanContext | None = None,
        progress: Progress | None = None,
        workdir: Path | None = None,
    ) -> None:
        if family is not None and family not in layouts.FAMILIES:
            raise ValueError(f"--format: {family!r} is not one of {', '.join(layouts.FAMILIES)}")
        self.context = context or ScanContext()
        self._progress = progress or (lambda _label, _fraction: None)
        self._tmp = tempfile.TemporaryDirectory(prefix="custodiet-scan-", dir=workdir)
        # In memory, spilling to the temporary directory past the memory limit: measured
        # faster than a database file (bench/monitor.py), within the same memory.
        self.con = duckdb.connect(":memory:")
        settings = {
            "preserve_insertion_order": "true",
            "TimeZone": _literal(self.context.time_zone),
            "memory_limit": _literal(self.context.memory_limit),
            "temp_directory": _literal(str(Path(self._tmp.name) / "spill")),
        }
        if self.context.threads:
            settings["threads"] = str(self.context.threads)
        for name, value in settings.items():
            try:
                self.con.execute(f"SET {name} = {value}")
            except duckdb.Error as exc:
                self.close()
                raise ValueError(f"{name}: {value} is refused: {_first_line(exc)}") from None
        self.files: list[ScannedFile] = []
        # The line of each text file's first record: 2 under a CSV header, 1 in JSON Lines.
        self._first_line: dict[int, int] = {}
        # Canonical column -> the files' column, named by hand (--columns).
        self._columns = dict(columns or {})
        # The workbooks' sheets to read (--sheet); none named: every sheet with a header.
        self._sheets = tuple(sheets)
        try:
            self._load_all([Path(p) for p in paths], family)
            self._identify()
            self._run_rules()
        except BaseException:
            self.close()
            raise

    # -- loading ------------------------------------------------------------------------

    def _load_all(self, paths: list[Path], family: str | None) -> None:
        problems: list[str] = []
        loaded: list[tuple[int, ScannedFile]] = []
        # One table per CSV, JSON Lines or Parquet file, and per sheet of a workbook.
        index = 0
        for path in paths:
            try:
                if path.is_file() and workbook.is_xlsx(path):
                    tables = self._load_workbook(index, path, family)
                else:
                    tables = [self._load(index, path, family)]
            except ScanError as exc:
                problems.extend(exc.problems)
                continue
            for scanned in tables:
                loaded.append((index, scanned))
                index += 1
        # Files that loaded are still checked row by row, so that one run reports every
        # problem; the scan goes on only if there is none.
        self.files = [scanned for _, scanned in loaded]
        if not loaded:
            raise ScanError(problems)
        selects = []
        for index, scanned in loaded:
            layout = scanned.layout
            mapping = layout.mapping
            # The agency's and the user's keys are '' rather than NULL: they join by equality.
            keys = ("ori", "sender_ori", "organization", "user_id")
            columns = [
                f"coalesce({mapping.get(name, 'NULL')}::VARCHAR, '') AS {name}"
                if name in keys
                else f"{mapping.get(name, 'NULL')}::VARCHAR AS {name}"
                for name in (*layouts.CANONICAL_COLUMNS[1:], "sender_ori")
            ]
            prelude = "".join(f", {sql} AS {name}" for name, sql in layout.prelude.items())
            # The instant is kept for the record; the rules count days and months by the
            # agency's wall-clock time.
            selects.append(
                f"SELECT {index} AS file_index, rowid AS row_index, "
                "occurred_instant::TIMESTAMP AS occurred_at, occurred_instant, "
                f"{', '.join(columns)}, {layout.reason_given} AS reason_given, "
                # Whether the log records case numbers and offences at all (MON-4 says so).
                f"{'case_number' in mapping} AS case_recorded, "
                f"{'offense_type' in mapping} AS offense_recorded "
                f"FROM (SELECT rowid, *, {mapping['occurred_at']} AS occurred_instant{prelude} "
                f"FROM raw_{index})"
            )
        self._execute(
            "CREATE TABLE access_base AS " + " UNION ALL ".join(selects),
            "Reading the accesses",
        )
        for index, scanned in loaded:
            problems.extend(self._check_rows(index, scanned))
        if problems:
            raise ScanError(problems)

    def _load(self, index: int, path: Path, family: str | None) -> ScannedFile:
        if path.is_dir():
            raise ScanError([f"{path}: a folder, not a file"])
        if not path.is_file():
            raise ScanError([f"{path}: no such file"])
        if (archive := workbook.not_a_workbook(path)) is not None:
            raise ScanError([f"{path}: {archive}"])
        if workbook.legacy_excel(path):
            raise ScanError(
                [
                    f"{path}: an Excel 97-2003 workbook (.xls) or one saved with a password: "
                    "save it as .xlsx without a password, or as CSV"
                ]
            )
        try:
            if layouts.is_parquet(path):
                return self._load_parquet(index, path, family)
            if layouts.is_json_lines(path):
                return self._load_json_lines(index, path, family)
            header = layouts.read_header(path)
            layout = layouts.match(header, family, self._columns)
            compression = "gzip" if layouts.is_gzip(path) else "none"
        except LayoutError as exc:
            where = f"{path}:{exc.line}" if exc.line else f"{path}"
            raise ScanError([f"{where}: {exc}"]) from None
        except (OSError, EOFError, csv.Error) as exc:
            raise ScanError([f"{path}: {exc}"]) from None
        except duckdb.Error as exc:  # a Parquet file DuckDB cannot open
            raise ScanError([f"{path}: cannot be read: {_first_line(exc)}"]) from None
        columns = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(layout.header)))
        try:
            self._execute(
                f"CREATE TABLE raw_{index} AS SELECT * FROM read_csv(?, header = true, "
                f"auto_detect = false, columns = {{{columns}}}, delim = ',', quote = '\"', "
                f"escape = '\"', strict_mode = true, store_rejects = true, "
                f"rejects_table = 'rejects_{index}', rejects_scan = 'reject_scans_{index}', "
                f"compression = '{compression}', encoding = 'utf-8', max_line_size = {MAX_LINE_SIZE})",
                f"Reading {path.name}",
                [str(path)],
            )
        except duckdb.Error as exc:
            raise ScanError([f"{path}: cannot be read: {_first_line(exc)}"]) from None
        scanned = ScannedFile(path, layout, tuple(header), self._count(f"raw_{index}"))
        self._check_csv(index, scanned)
        return scanned

    def _load_workbook(self, first: int, path: Path, family: str | None) -> list[ScannedFile]:
        """Each sheet of the workbook that holds a header row (or each named by --sheet)."""
        try:
            book = workbook.Workbook(path)
        except LayoutError as exc:
            raise ScanError([f"{path}: {exc}"]) from None
        except OSError as exc:
            raise ScanError([f"{path}: {exc}"]) from None
        loaded: list[ScannedFile] = []
        problems: list[str] = []
        with book:
            try:
                chosen = [book.sheet(name) for name in self._sheets] or book.sheets
            except LayoutError as exc:
                raise ScanError([f"{path}: {exc}"]) from None
            several = len(book.sheets) > 1
            for sheet in chosen:
                label = f"{path}[{sheet.name}]" if several else str(path)
                try:
                    scanned = self._load_sheet(first + len(loaded), book, sheet, label, family)
                except LayoutError as exc:
                    where = f"{label}:{exc.line}" if exc.line else label
                    hint = (
                        "\n  or read only the other sheets: --sheet NAME for each"
                        if several and not self._sheets
                        else ""
                    )
                    problems.append(f"{where}: {exc}{hint}")
                    continue
                except ScanError as exc:
                    problems.extend(exc.problems)
                    continue
                if scanned is not None:
                    loaded.append(scanned)
                elif self._sheets:
                    problems.append(f"{label}: the sheet holds no header row")
        if problems:
            raise ScanError(problems)
        if not loaded:
            raise ScanError([f"{path}: no sheet of the workbook holds a header row"])
        return loaded

    def _load_sheet(
        self,
        index: int,
        book: workbook.Workbook,
        sheet: workbook.Sheet,
        label: str,
        family: str | None,
    ) -> ScannedFile | None:
        """The sheet's records into raw_<index>, a batch at a time; None for an empty sheet."""
        found, records = workbook.header_and_records(book, sheet)
        if found is None:
            return None
        header = [str(name) for name in found.values]
        try:
            layout = layouts.match(header, family, self._columns)
        except LayoutError as exc:
            raise LayoutError(str(exc), found.number) from None
        width = len(header)
        self.con.execute(
            f"CREATE TABLE raw_{index} (" + ", ".join(f"c{i} VARCHAR" for i in range(width)) + ")"
        )
        first = found.number + 1
        size = max(book.size(sheet), 1)
        columns: list[list[str | None]] = [[] for _ in range(width)]
        # Where empty rows put a record further down than its position: the breaks.
        break_rows: list[int] = []
        break_offsets: list[int] = []
        count = 0
        problems: list[str] = []
        beyond = 0

        def flush() -> None:
            if not columns[0]:
                return
            batch = pa.table(
                {f"c{i}": pa.array(column, pa.string()) for i, column in enumerate(columns)}
            )
            self.con.register("sheet_batch", batch)
            try:
                self.con.execute(f"INSERT INTO raw_{index} SELECT * FROM sheet_batch")
            finally:
                self.con.unregister("sheet_batch")
            for column in columns:
                column.clear()

        offset = 0
        for batch, read in records:
            for row in batch:
                values = row.values
                if len(values) > width and any(values[width:]):
                    beyond += 1
                    if beyond <= MAX_PROBLEMS:
                        at = next(i for i in range(width, len(values)) if values[i])
                        problems.append(
                            f"{label}:{row.number}: cell {workbook.column_letters(at)}{row.number} "
                            f"holds a value past the header's last column "
                            f"({workbook.column_letters(width - 1)}, {header[-1]!r})"
                        )
                    continue
                for i in range(width):
                    columns[i].append(values[i] if i < len(values) else None)
                moved = row.number - (first + count)
                if moved != offset:
                    break_rows.append(count - 1)
                    break_offsets.append(moved)
                    offset = moved
                count += 1
            if len(columns[0]) >= SHEET_BATCH_ROWS:
                flush()
            self._progress(f"Reading {label}", min(read / size, 1.0))
        flush()
        if beyond > MAX_PROBLEMS:
            problems.append(
                f"{label}: and {beyond - MAX_PROBLEMS} more rows with values past the header"
            )
        if problems:
            raise ScanError(problems)
        self.con.register(
            "sheet_breaks",
            pa.table({"row_index": break_rows, "before_next": break_offsets}, schema=_BREAKS),
        )
        self.con.execute(
            f"CREATE TABLE breaks_{index} AS SELECT row_index::BIGINT AS row_index, "
            "before_next::BIGINT AS before_next FROM sheet_breaks"
        )
        self.con.unregister("sheet_breaks")
        self._first_line[index] = first
        return ScannedFile(book.path, layout, tuple(header), count, sheet=sheet.name, label=label)

    def _load_parquet(self, index: int, path: Path, family: str | None) -> ScannedFile:
        names = [
            row[0]
            for row in self.con.execute(
                "DESCRIBE SELECT * FROM read_parquet(?)", [str(path)]
            ).fetchall()
        ]
        layout = layouts.match(names, family or "canonical", self._columns)
        select = ", ".join(f"{_quote(n)}::VARCHAR AS c{i}" for i, n in enumerate(names))
        self._execute(
            f"CREATE TABLE raw_{index} AS SELECT {select} FROM read_parquet(?)",
            f"Reading {path.name}",
            [str(path)],
        )
        return ScannedFile(path, layout, tuple(names), self._count(f"raw_{index}"))

    def _load_json_lines(self, index: int, path: Path, family: str | None) -> ScannedFile:
        # Each line as text first (DuckDB's CSV reader, which knows gzip and the byte-order
        # mark, with a delimiter JSON cannot hold raw): a line's row is then its number - 1,
        # blank lines included, and a line that is not a JSON object is named by its number.
        compression = "gzip" if layouts.is_gzip(path) else "none"
        try:
            self._execute(
                f"CREATE TABLE lines_{index} AS SELECT line FROM read_csv(?, header = false, "
                "auto_detect = false, columns = {'line': 'VARCHAR'}, delim = '\x01', "
                f"quote = '', escape = '', strict_mode = false, compression = '{compression}', "
                f"encoding = 'utf-8', max_line_size = {MAX_LINE_SIZE})",
                f"Reading {path.name}",
                [str(path)],
            )
        except duckdb.Error as exc:
            raise ScanError([f"{path}: cannot be read: {_first_line(exc)}"]) from None
        is_object = "CASE WHEN json_valid(line) THEN json_type(line) = 'OBJECT' ELSE false END"
        bad = self.con.execute(
            f"SELECT rowid + 1 FROM lines_{index} WHERE trim(coalesce(line, '')) <> '' "
            f"AND NOT ({is_object}) ORDER BY rowid LIMIT {MAX_PROBLEMS + 1}"
        ).fetchall()
        if bad:
            problems = [f"{path}:{line}: not a JSON object" for (line,) in bad[:MAX_PROBLEMS]]
            if len(bad) > MAX_PROBLEMS:
                problems.append(f"{path}: and more lines that are not JSON objects")
            raise ScanError(problems)
        # The columns are the records' keys, in the order they first appear.
        names = [
            str(key)
            for key, _ in self.con.execute(
                "SELECT key, min((rowid, position)) AS first FROM (SELECT rowid, "
                "unnest(json_keys(line)) AS key, unnest(range(len(json_keys(line)))) AS position "
                f"FROM lines_{index} WHERE trim(coalesce(line, '')) <> '') "
                "GROUP BY key ORDER BY first"
            ).fetchall()
        ]
        if not names:
            raise ScanError([f"{path}: no records (the file is empty)"])
        layout = layouts.match(names, family or "canonical", self._columns)
        extract = ", ".join(
            f"json_extract_string(line, {_literal('$.' + json.dumps(name))}) AS c{i}"
            for i, name in enumerate(names)
        )
        self.con.execute(
            f"CREATE TABLE numbered_{index} AS SELECT rowid AS line_index, "
            f"row_number() OVER (ORDER BY rowid) - 1 AS row_index, line FROM lines_{index} "
            "WHERE trim(coalesce(line, '')) <> ''"
        )
        self.con.execute(
            f"CREATE TABLE raw_{index} AS SELECT {extract} FROM numbered_{index} ORDER BY row_index"
        )
        # Where blank lines put a record further down than its position: the breaks.
        self.con.execute(
            f"CREATE TABLE breaks_{index} AS SELECT row_index - 1 AS row_index, "
            "line_index - row_index AS before_next FROM ("
            "SELECT *, lag(line_index - row_index, 1, 0) OVER (ORDER BY row_index) AS previous "
            f"FROM numbered_{index}) WHERE line_index - row_index <> previous"
        )
        self.con.execute(f"DROP TABLE numbered_{index}")
        self.con.execute(f"DROP TABLE lines_{index}")
        self._first_line[index] = 1
        return ScannedFile(path, layout, tuple(names), self._count(f"raw_{index}"))

    def _count(self, table: str) -> int:
        return int(self.con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # type: ignore[index]

    def _check_csv(self, index: int, scanned: ScannedFile) -> None:
        rejects = self.con.execute(
            f"SELECT line_byte_position, line, column_idx, error_type, error_message "
            f"FROM rejects_{index} ORDER BY line_byte_position LIMIT {MAX_PROBLEMS + 1}"
        ).fetchall()
        if rejects:
            total = self._count(f"rejects_{index}")
            lines = _lines_at(scanned.path, [r[0] for r in rejects[:MAX_PROBLEMS]])
            problems = []
            named_lines: set[int] = set()
            for (_, _, column, kind, message), line in zip(rejects, lines, strict=False):
                if line in named_lines:
                    continue  # DuckDB may find several faults in one line: name it once
                named_lines.add(line)
                named = (
                    f" (column {scanned.columns[column - 1]!r})"
                    if column and 0 < column <= len(scanned.columns) and kind != "MISSING COLUMNS"
                    else ""
                )
                problems.append(f"{scanned.label}:{line}: {message.rstrip('.')}{named}")
            if total > MAX_PROBLEMS:
                problems.append(f"{scanned.path}: and {total - MAX_PROBLEMS} more malformed rows")
            raise ScanError(problems)
        self._breaks(index, scanned, header=True)

    def _check_rows(self, index: int, scanned: ScannedFile) -> list[str]:
        """The file's rows whose time cannot be read, or that its layout's checks refuse."""
        layout = scanned.layout
        column, cell = _time_column(layout, scanned)
        # The unreadable time is quoted as written, one line of it per line.
        value = (
            f"' \"' || replace(coalesce(r.{cell}, ''), chr(10), '\\n') || '\"'" if cell else "''"
        )
        checks = [
            (
                "occurred_at IS NULL",
                f"{_literal(f'column {column!r}: not a date and time:')} || {value}",
            ),
            *((sql, _literal(problem)) for sql, problem in layout.checks),
        ]
        cases = " ".join(f"WHEN {sql} THEN {problem}" for sql, problem in checks)
        query = (
            f"SELECT row_index, CASE {cases} END AS problem FROM access_base a "
            f"JOIN raw_{index} r ON r.rowid = a.row_index "
            f"WHERE file_index = {index} AND problem IS NOT NULL"
        )
        bad = self.con.execute(f"{query} ORDER BY row_index LIMIT {MAX_PROBLEMS + 1}").fetchall()
        if not bad:
            return []
        total = int(self.con.execute(f"SELECT count(*) FROM ({query})").fetchone()[0])  # type: ignore[index]
        problems = [
            f"{scanned.label}:{self._line(index, rowid)}: {problem}"
            for rowid, problem in bad[:MAX_PROBLEMS]
        ]
        if total > MAX_PROBLEMS:
            problems.append(f"{scanned.label}: and {total - MAX_PROBLEMS} more malformed rows")
        return problems

    def _breaks(self, index: int, scanned: ScannedFile, *, header: bool) -> None:
        """breaks_<i>(row_index, before_next): the lines after the rows that take more than one.

        A row's line is then its first line (2 under a header, else 1) plus its row index
        plus `before_next` of the last break before it.
        """
        self._first_line[index] = 2 if header else 1
        width = len(scanned.layout.header) if header else 0
        extra = " + ".join(
            f"coalesce(length(c{i}) - length(replace(c{i}, chr(10), '')), 0)" for i in range(width)
        )
        # JSON strings cannot hold a raw line break, so a JSON Lines record is one line.
        inside = " OR ".join(f"contains(c{i}, chr(10))" for i in range(width)) or "false"
        self.con.execute(
            f"CREATE TABLE breaks_{index} AS SELECT row_index, "
            f"sum(extra) OVER (ORDER BY row_index) AS before_next FROM ("
            f"SELECT rowid AS row_index, ({extra or '0'}) AS extra FROM raw_{index} "
            f"WHERE {inside})"
        )
        embedded = self.con.execute(f"SELECT max(before_next) FROM breaks_{index}").fetchone()[0]  # type: ignore[index]
        expected = (1 if header else 0) + scanned.rows + int(embedded or 0)
        if _physical_lines(scanned.path) != expected:
            self._breaks_from_reading(index, scanned, header=header)

    def _breaks_from_reading(self, index: int, scanned: ScannedFile, *, header: bool) -> None:
        # Blank lines (which DuckDB skips) or odd line ends: find each record's first line.
        rows: list[int] = []
        offsets: list[int] = []
        first = self._first_line[index]
        row = -1
        try:
            for row, start in enumerate(_record_starts(scanned.path, header=header)):
                offset = start - (first + row)
                if offset != (offsets[-1] if offsets else 0):
                    rows.append(row - 1)
                    offsets.append(offset)
        except csv.Error as exc:
            raise ScanError([f"{scanned.path}: cannot be read as CSV: {exc}"]) from None
        if row + 1 != scanned.rows:
            # Python's reader and DuckDB's must agree on the records, or the lines are guesses.
            raise ScanError(
                [
                    f"{scanned.path}: its records cannot be numbered by line "
                    f"({row + 1} read one way, {scanned.rows} the other)"
                ]
            )
        self.con.execute(f"DROP TABLE breaks_{index}")
        self.con.register("csv_breaks", pa.table({"row_index": rows, "before_next": offsets}))
        self.con.execute(
            f"CREATE TABLE breaks_{index} AS SELECT row_index::BIGINT AS row_index, "
            "before_next::BIGINT AS before_next FROM csv_breaks"
        )
        self.con.unregister("csv_breaks")

    def _line(self, index: int, rowid: int) -> int:
        if index not in self._first_line:
            return 1 + rowid  # Parquet has no lines: its rows are numbered from 1
        before = self.con.execute(
            f"SELECT max(before_next) FROM breaks_{index} WHERE row_index < ?", [rowid]
        ).fetchone()[0]  # type: ignore[index]
        return self._first_line[index] + rowid + int(before or 0)

    # -- who accessed, and what the reasons say -----------------------------------------

    def _identify(self) -> None:
        directory = self.context.directory
        keys = self.con.execute(
            "SELECT ori, sender_ori, organization, count(*) FROM access_base GROUP BY ALL"
        ).fetchall()
        columns: dict[str, list[Any]] = {
            name: []
            for name in (
                "accessor_id",
                "ori",
                "sender_ori",
                "organization",
                "name",
                "label",
                "agency_id",
                "known",
                "immigration",
                "third_party",
                "agency_why",
                "certifications",
                "accesses",
            )
        }
        covered: dict[str, list[Any]] = {"accessor_id": [], "valid_from": [], "valid_through": []}
        for accessor_id, (ori, sender, organization, accesses) in enumerate(sorted(keys)):
            who = _identify(directory, ori, sender, organization, self.context.agency_id)
            signed, registered = self._signed(who.agency, ori, sender, organization)
            if who.agency is None and registered:
                # Known to the registry though not to the directory: name it as registered.
                shown = " / ".join(dict.fromkeys(c for c in (ori, sender) if c))
                who = replace(
                    who,
                    label=f"{registered[0]} ({shown + ', ' if shown else ''}"
                    "not in the agency directory)",
                )
            for day in signed:
                covered["accessor_id"].append(accessor_id)
                covered["valid_from"].append(day)
                covered["valid_through"].append(day + dt.timedelta(days=CERTIFICATION_VALID_DAYS))
            values = {
                "accessor_id": accessor_id,
                "ori": ori,
                "sender_ori": sender,
                "organization": organization,
                "name": organization or (registered[0] if registered else ""),
                "label": who.label,
                "agency_id": who.agency.id if who.agency else None,
                "known": who.agency is not None,
                "immigration": who.immigration,
                "third_party": who.third_party,
                "agency_why": who.why,
                "certifications": self._certifications_why(signed),
                "accesses": accesses,
            }
            for name, value in values.items():
                columns[name].append(value)
        self.con.register("py_accessors", pa.table(columns))
        self.con.execute("CREATE TABLE accessors AS SELECT * FROM py_accessors")
        self.con.unregister("py_accessors")
        self.con.register(
            "py_covered",
            pa.table(
                {
                    "accessor_id": pa.array(covered["accessor_id"], pa.int64()),
                    "valid_from": pa.array(covered["valid_from"], pa.date32()),
                    "valid_through": pa.array(covered["valid_through"], pa.date32()),
                }
            ),
        )
        self.con.execute("CREATE TABLE covered AS SELECT * FROM py_covered")
        self.con.unregister("py_covered")
        # A view, not a copy: the rules that need the agency join its few rows as they run,
        # which costs less than writing every access a second time.
        self.con.execute(
            "CREATE VIEW access AS SELECT b.*, x.accessor_id FROM access_base b JOIN accessors x "
            "ON b.ori = x.ori AND b.sender_ori = x.sender_ori AND b.organization = x.organization"
        )

        # Each distinct reason is judged once, not once per access.
        normalised = vocabulary.normalise_sql("reason")
        self._execute(
            "CREATE TABLE judged AS SELECT reason, "
            f"{vocabulary.redacted_sql(normalised)} AS redacted, "
            f"{vocabulary.vague_sql(normalised)} AS vague, "
            f"{vocabulary.generic_sql(normalised)} AS generic "
            "FROM (SELECT DISTINCT reason FROM access_base WHERE reason_given)",
            "Reading the reasons",
        )
        candidates = self.con.execute(
            "SELECT DISTINCT reason FROM access_base WHERE regexp_matches(reason, ?)",
            [vocabulary.candidate_sql(directory)],
        ).fetchall()
        reasons: dict[str, list[str]] = {"reason": [], "why": []}
        for (text,) in candidates:
            why = vocabulary.immigration_verdict(text, directory)
            if why is not None:
                reasons["reason"].append(text)
                reasons["why"].append(why)
        self.con.register(
            "py_reasons",
            pa.table({n: pa.array(v, pa.string()) for n, v in reasons.items()}),
        )
        self.con.execute("CREATE TABLE reasons AS SELECT * FROM py_reasons")
        self.con.unregister("py_reasons")
        # The few distinct hotlists a log names, each judged once.
        lists: dict[str, list[str]] = {"hotlist": [], "why": []}
        for (name,) in self.con.execute(
            "SELECT DISTINCT hotlist FROM access_base WHERE coalesce(hotlist, '') <> ''"
        ).fetchall():
            why = vocabulary.hotlist_verdict(name, directory)
            if why is not None:
                lists["hotlist"].append(name)
                lists["why"].append(why)
        self.con.register(
            "py_hotlists", pa.table({n: pa.array(v, pa.string()) for n, v in lists.items()})
        )
        self.con.execute("CREATE TABLE hotlists AS SELECT * FROM py_hotlists")
        self.con.unregister("py_hotlists")

    def _signed(self, agency: Agency | None, *names: str) -> tuple[list[dt.date], list[str]]:
        """The days the matching registry partners certified, and their names."""
        partners = self.context.partners
        if not partners:
            return [], []
        oris = {n.upper() for n in names[:2] if n}
        organization = _words(names[2])
        days: set[dt.date] = set()
        matched: list[str] = []
        for partner in partners:
            if (
                (agency is not None and partner.directory_id == agency.id)
                or oris & set(partner.oris)
                or (organization and _words(partner.name) == organization)
            ):
                days.update(partner.signed_on)
                matched.append(partner.name)
        return sorted(days), matched

    def _certifications_why(self, signed: list[dt.date]) -> str:
        if self.context.partners is None:
            return "no certification registry was given"
        if not signed:
            return "none is on file in the partner registry"
        listed = ", ".join(day.isoformat() for day in signed[-3:])
        return f"certifications on file were signed {listed}, each valid for a year"

    # -- rules --------------------------------------------------------------------------

    def _run_rules(self) -> None:
        rules = self.context.rules
        directory = self.context.directory
        immigration_oris = sorted(
            {ori for agency in directory.agencies if agency.immigration for ori in agency.oris}
        )
        values: dict[str, Any] = dict(rules.parameters)
        values["immigration_oris"] = ", ".join(_literal(o) for o in immigration_oris) or "NULL"
        selects = []
        for rule in rules.rules:
            if rule.category == "uncertified_access" and self.context.partners is None:
                continue
            sql = rule.sql.format(**values)
            selects.append(
                f"SELECT file_index, row_index, {_literal(rule.category)} AS category, "
                f"{_literal(rule.id)} AS rule, why FROM ({sql})"
            )
        self._execute(
            "CREATE TABLE flags_unnumbered AS " + " UNION ALL ".join(selects),
            "Running the rules",
        )
        numbered = []
        for index, scanned in enumerate(self.files):
            if index in self._first_line:
                # CSV (the header is line 1) and JSON Lines: lines, counted from the file.
                first = self._first_line[index]
                line = f"{first} + f.row_index + coalesce(b.before_next, 0)"
                source = f"ASOF LEFT JOIN breaks_{index} b ON f.row_index > b.row_index"
            else:
                # Parquet: the row's position.
                line, source = "1 + f.row_index", ""
            numbered.append(
                f"SELECT f.*, {_literal(scanned.label)} AS source_file, ({line})::BIGINT AS source_line "
                f"FROM (SELECT * FROM flags_unnumbered WHERE file_index = {index}) f {source}"
            )
        order = ", ".join(_literal(c) for c in CATEGORIES)
        # Each flag keeps what the summaries and findings need of its access, so that they
        # never go back to the accesses themselves.
        self._execute(
            "CREATE TABLE flags AS SELECT f.*, a.occurred_at, a.occurred_instant, a.accessor_id, "
            "a.user_id, "
            "a.ori, a.organization, a.reason FROM (" + " UNION ALL ".join(numbered) + ") f "
            "JOIN access a USING (file_index, row_index) "
            f"ORDER BY file_index, row_index, list_position([{order}], category)",
            "Numbering the flags",
        )
        self.con.execute("DROP TABLE flags_unnumbered")

    # -- results ------------------------------------------------------------------------

    @property
    def rows(self) -> int:
        return sum(f.rows for f in self.files)

    def _flagged_select(self) -> str:
        selects = []
        for index, scanned in enumerate(self.files):
            originals = ", ".join(
                f"r.c{i} AS {_quote(name)}" for i, name in enumerate(scanned.columns)
            )
            selects.append(
                f"SELECT {originals}, f.source_file, f.source_line, f.category, f.rule, f.why, "
                f"f.file_index AS _file, f.row_index AS _row "
                f"FROM (SELECT * FROM flags WHERE file_index = {index}) f "
                f"JOIN raw_{index} r ON r.rowid = f.row_index"
            )
        body = " UNION ALL BY NAME ".join(f"({s})" for s in selects)
        order = ", ".join(_literal(c) for c in CATEGORIES)
        # Every file's columns first (DuckDB matches names without regard to case), then
        # what the scan adds: files of different layouts must not interleave the two.
        names: dict[str, str] = {}
        for scanned in self.files:
            for name in scanned.columns:
                names.setdefault(name.lower(), name)
        added = ("source_file", "source_line", "category", "rule", "why")
        columns = ", ".join(_quote(name) for name in (*names.values(), *added))
        return (
            f"SELECT {columns} FROM ({body}) "
            f"ORDER BY _file, _row, list_position([{order}], category)"
        )

    def write(self, out: Path) -> None:
        """Write one row per flag to a .csv or .parquet file (replaced only when complete)."""
        suffix = out.suffix.lower()
        if suffix not in (".csv", ".parquet"):
            raise ValueError(f"--out: {out.name} must end in .csv or .parquet")
        options = "FORMAT csv, HEADER true" if suffix == ".csv" else "FORMAT parquet"
        partial = out.with_name(f".{out.name}.partial")
        try:
            self._copy_to(partial, options, out.name)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        partial.replace(out)

    def _copy_to(self, partial: Path, options: str, name: str) -> None:
        self._execute(
            f"COPY ({self._flagged_select()}) TO {_literal(str(partial))} ({options})",
            f"Writing {name}",
        )

    def write_csv_to(self, stream: io.TextIOBase) -> None:
        """Write the flags as CSV to a text stream, in batches."""
        result = self.con.execute(self._flagged_select())
        names = [d[0] for d in result.description]
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(names)
        while batch := result.fetchmany(10_000):
            writer.writerows(["" if v is None else v for v in row] for row in batch)

    def flagged(self, batch_size: int = 10_000) -> Iterator[dict[str, Any]]:
        """Each flag with the original columns (as `record`), for storing elsewhere."""
        for index, scanned in enumerate(self.files):
            result = self.con.execute(
                "SELECT f.category, f.rule, f.why, f.source_line, epoch_us(f.occurred_instant), "
                "x.label, "
                "x.agency_id, f.ori, f.organization, f.user_id, f.reason, "
                + ", ".join(f"r.c{i}" for i in range(len(scanned.columns)))
                + f" FROM (SELECT * FROM flags WHERE file_index = {index}) f "
                f"JOIN raw_{index} r ON r.rowid = f.row_index "
                "JOIN accessors x USING (accessor_id) "
                "ORDER BY f.row_index"
            )
            while batch := result.fetchmany(batch_size):
                for row in batch:
                    yield {
                        "source_file": scanned.label,
                        "category": row[0],
                        "rule": row[1],
                        "why": row[2],
                        "source_line": row[3],
                        "occurred_at": _instant(row[4]),
                        "agency": row[5],
                        "agency_id": row[6] or "",
                        "ori": row[7] or "",
                        "organization": row[8] or "",
                        "user_id": row[9] or "",
                        "finding_user": (row[9] or "") if row[0] == "volume_anomaly" else "",
                        "reason": row[10] or "",
                        "record": dict(zip(scanned.columns, row[11:], strict=True)),
                    }

    def findings(self) -> list[dict[str, Any]]:
        """The flags grouped by category, rule, agency and user, with counts and dates."""
        result = self.con.execute(
            "SELECT f.category, f.rule, x.label, coalesce(x.agency_id, ''), "
            # A spike belongs to a user; every other finding to the agency.
            "CASE WHEN f.category = 'volume_anomaly' THEN coalesce(f.user_id, '') ELSE '' END, "
            "count(*), epoch_us(min(f.occurred_instant)), epoch_us(max(f.occurred_instant)), "
            "arg_min(f.why, f.file_index * 1e12 + f.row_index) "
            "FROM flags f JOIN accessors x USING (accessor_id) GROUP BY ALL ORDER BY 1, 6 DESC"
        )
        names = ("category", "rule", "agency", "agency_id", "user_id", "accesses")
        return [
            dict(zip(names, row[:6], strict=True))
            | {"first_at": _instant(row[6]), "last_at": _instant(row[7]), "why": row[8]}
            for row in result.fetchall()
        ]

    def summary(self) -> Summary:
        def pairs(sql: str) -> dict[tuple[str, str], int]:
            return {(str(a), str(b)): int(n) for a, b, n in self.con.execute(sql).fetchall()}

        by_category = dict.fromkeys(CATEGORIES, 0)
        for category, n in self.con.execute(
            "SELECT category, count(*) FROM flags GROUP BY ALL"
        ).fetchall():
            by_category[category] = int(n)
        join = "FROM flags f JOIN accessors x USING (accessor_id)"
        unknown = self.con.execute(
            "SELECT label, concat_ws(' / ', nullif(ori, ''), "
            "nullif(CASE WHEN sender_ori <> ori THEN sender_ori END, '')), name, "
            "sum(accesses) FROM accessors "
            "WHERE NOT known AND (ori <> '' OR organization <> '') "
            "GROUP BY ALL ORDER BY 4 DESC, 1"
        ).fetchall()
        return Summary(
            rows=self.rows,
            flags=sum(by_category.values()),
            flagged_rows=int(
                self.con.execute(
                    "SELECT count(*) FROM (SELECT DISTINCT file_index, row_index FROM flags)"
                ).fetchone()[0]  # type: ignore[index]
            ),
            by_category=by_category,
            by_agency=pairs(
                f"SELECT x.label, f.category, count(*) {join} GROUP BY ALL ORDER BY 3 DESC"
            ),
            by_month=pairs(
                f"SELECT strftime(f.occurred_at, '%Y-%m'), f.category, count(*) {join} "
                "GROUP BY ALL ORDER BY 1"
            ),
            unknown_agencies=[
                UnknownAgency(str(label), str(ori), str(name), int(n))
                for label, ori, name, n in unknown
            ],
            certification_checked=self.context.partners is not None,
            by_rule=self._by_rule(),
        )

    def _by_rule(self) -> dict[str, tuple[int, int]]:
        """Each rule run: the rows it flagged, out of the rows it could judge."""
        ran = [
            rule
            for rule in self.context.rules.rules
            if rule.category != "uncertified_access" or self.context.partners is not None
        ]
        parameters = dict(self.context.rules.parameters) | {"immigration_oris": "NULL"}
        counts = ", ".join(
            f"count(*) FILTER (WHERE {rule.reads.format(**parameters)})" for rule in ran
        )
        read = self.con.execute(
            f"SELECT {counts} FROM access a JOIN accessors x USING (accessor_id)"
        ).fetchone()
        flagged = dict(
            self.con.execute(
                "SELECT rule, count(DISTINCT (file_index, row_index)) FROM flags GROUP BY rule"
            ).fetchall()
        )
        assert read is not None
        return {
            rule.id: (int(flagged.get(rule.id, 0)), int(n))
            for rule, n in zip(ran, read, strict=True)
        }

    def close(self) -> None:
        try:
            self.con.close()
        finally:
            self._tmp.cleanup()

    def __enter__(self) -> Scan:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- running a long statement with progress -----------------------------------------

    def _execute(self, sql: str, label: str, params: list[Any] | None = None) -> None:
        error: list[BaseException] = []

        def run() -> None:
            try:
                self.con.execute(sql, params or [])
            except BaseException as exc:
                error.append(exc)

        worker = threading.Thread(target=run, name="custodiet-scan")
        worker.start()
        self._progress(label, 0.0)
        try:
            while worker.is_alive():
                worker.join(0.2)
                try:
                    fraction = self.con.query_progress()
                except duckdb.Error:
                    fraction = -1
                if fraction is not None and fraction >= 0:
                    self._progress(label, min(fraction / 100, 1.0))
        except BaseException:
            # Ctrl-C: stop the statement before the connection is closed under it.
            self.con.interrupt()
            worker.join()
            raise
        self._progress(label, 1.0)
        if error:
            raise error[0]


@dataclass(frozen=True, slots=True)
class _Who:
    agency: Agency | None
    label: str
    immigration: bool
    third_party: bool
    why: str


def _identify(
    directory: Directory, ori: str, sender: str, organization: str, own: str | None
) -> _Who:
    """Which agency a log names, by ORI (column, then the message's sender) or by name."""
    if not (ori or sender or organization):
        return _Who(None, "(the log's own users)", False, False, "")
    found: list[tuple[Agency, str]] = []
    for code, where in ((ori, "ORI"), (sender, "sending ORI")):
        agency = directory.by_ori(code) if code else None
        if agency is not None:
            found.append((agency, f"{where} {code}"))
    if organization:
        agency = directory.match_name(organization)
        if agency is not None:
            found.append((agency, f'organization "{organization}"'))
    shown = organization or " / ".join(dict.fromkeys(c for c in (ori, sender) if c))
    immigrant = next(((a, w) for a, w in found if a.immigration), None)
    agency, where = immigrant or (found[0] if found else (None, ""))
    if agency is None:
        label = f"{shown} (not in the agency directory)"
        return _Who(None, label, False, True, "")
    label = agency.name if not ori else f"{agency.name} ({ori})"
    is_own = own is not None and (agency.id == own or own in _ancestors(directory, agency))
    why = ""
    if agency.immigration:
        why = f"The {where} is {agency.name} in the agency directory, an immigration agency" + (
            " whose work is civil immigration enforcement." if agency.enforcement else "."
        )
    return _Who(agency, label, agency.immigration, not is_own, why)


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _instant(microseconds: int) -> dt.datetime:
    # DuckDB hands instants to Python through pytz; microseconds since the epoch need none.
    return _EPOCH + dt.timedelta(microseconds=microseconds)


def _ancestors(directory: Directory, agency: Agency) -> set[str]:
    chain = set()
    parent = agency.parent
    while parent is not None and parent not in chain:
        chain.add(parent)
        entry = directory.get(parent)
        parent = entry.parent if entry else None
    return chain


_NON_WORD = re.compile(r"[\W_]+")


def _words(text: str) -> str:
    return " ".join(_NON_WORD.sub(" ", text.lower()).split())


def _time_column(layout: Layout, scanned: ScannedFile) -> tuple[str, str]:
    """The column the time is read from, as the header names it and as the raw table does."""
    match = re.search(r"\bc(\d+)\b", layout.mapping["occurred_at"])
    if match is None:
        return "occurred_at", ""
    return scanned.columns[int(match.group(1))], f"c{match.group(1)}"


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _physical_lines(path: Path) -> int:
    """Lines in the file (a last line without a line break counts)."""
    count = 0
    last = b"\n"
    with layouts.opener(path) as handle:
        while chunk := handle.read(1 << 24):
            count += chunk.count(b"\n")
            last = chunk[-1:]
    return count + (last != b"\n")


def _record_starts(path: Path, *, header: bool) -> Iterator[int]:
    """The line on which each record of a CSV (after its header) or JSON Lines file starts."""
    # As long a cell as DuckDB reads (max_line_size).
    csv.field_size_limit(max(csv.field_size_limit(), MAX_LINE_SIZE))
    with layouts.opener(path) as raw:
        # typeshed's TextIOWrapper wants a narrower buffer type than GzipFile declares.
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")  # type: ignore[type-var]
        if not header:
            for number, line in enumerate(text, start=1):
                if line.strip():
                    yield number
            return
        reader = csv.reader(text)
        next(reader, None)
        last_end = reader.line_num
        for record in reader:
            if record:
                yield last_end + 1
            last_end = reader.line_num


def _lines_at(path: Path, positions: Sequence[int]) -> list[int]:
    """The 1-based line at each byte offset of the (decompressed) file."""
    lines: dict[int, int] = {}
    with layouts.opener(path) as handle:
        # DuckDB counts its positions after the byte-order mark.
        head = handle.read(len(codecs.BOM_UTF8))
        bom = len(head) if head == codecs.BOM_UTF8 else 0
        newlines = head.count(b"\n")
        seen = len(head)
        # A malformed row is never on line 1 (the header), so no position lies in the head.
        for position in sorted(set(positions)):
            target = position + bom
            while seen < target:
                chunk = handle.read(min(1 << 24, target - seen))
                if not chunk:
                    break
                newlines += chunk.count(b"\n")
                seen += len(chunk)
            lines[position] = newlines + 1
    return [lines[p] for p in positions]


def show_layout(
    path: Path,
    family: str | None = None,
    columns: Mapping[str, str] | None = None,
    sheets: Sequence[str] = (),
) -> str:
    """The mapping a scan of `path` would use, without scanning it (LayoutError if none).

    A workbook gets one mapping per sheet that holds a header row."""
    if path.is_file() and workbook.is_xlsx(path):
        with workbook.Workbook(path) as book:
            parts = []
            for sheet in [book.sheet(name) for name in sheets] or book.sheets:
                found, _ = workbook.header_and_records(book, sheet)
                if found is None:
                    parts.append(f"sheet {sheet.name!r}: no header row")
                    continue
                try:
                    layout = layouts.match(found.values, family, columns)  # type: ignore[arg-type]
                except LayoutError as exc:
                    raise LayoutError(f"sheet {sheet.name!r}: {exc}", found.number) from None
                parts.append(
                    f"sheet {sheet.name!r}, header on row {found.number}:\n"
                    + layouts.describe(layout, found.values)  # type: ignore[arg-type]
                )
            return "\n".join(parts)
    header = _header_of(path)
    if layouts.is_parquet(path) or layouts.is_json_lines(path):
        family = family or "canonical"
    layout = layouts.match(header, family, columns)
    return layouts.describe(layout, header)


def _header_of(path: Path) -> list[str]:
    """The file's column names, as a scan reads them (JSON Lines: keys by first appearance)."""
    if layouts.is_parquet(path):
        con = duckdb.connect()
        try:
            described = con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(path)])
            return [str(row[0]) for row in described.fetchall()]
        finally:
            con.close()
    if not layouts.is_json_lines(path):
        return layouts.read_header(path)
    keys: dict[str, None] = {}
    with layouts.opener(path) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig")  # type: ignore[type-var]
        for number, line in enumerate(text, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError:
                raise LayoutError("not a JSON object", number) from None
            if not isinstance(record, dict):
                raise LayoutError("not a JSON object", number)
            keys.update(dict.fromkeys(record))
    return list(keys)


def scan(paths: Sequence[Path], **kwargs: Any) -> Scan:
    """Scan access-log files; raise ScanError (every problem, by file and line) if unreadable."""
    return Scan(paths, **kwargs)
