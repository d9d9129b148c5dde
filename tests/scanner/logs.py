"""Synthetic access logs whose flags are known: one generator per layout the monitor reads.

Each generator writes a file and returns the set of (source_line, category) flags a correct
scan of it gives. The categories are written by hand next to each record, from the contract
(contract/QUERYLOGS.md), the agency directory (VTICE0900 is ICE's Law Enforcement Support
Center, CO0160200 the Denver Police Department, CO0010000 is in no entry) and the rules'
vocabulary and thresholds. Lines are counted from the bytes written, never from row
positions: a record starts on the line after everything written before it.

The logs stay far below the volume thresholds (at most a handful of queries per user and
day), so no record is a volume anomaly, and they are scanned without a partner registry
unless `uncertified=True` says every record is a third party's with no certification.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Sequence
from pathlib import Path

import duckdb

Flags = set[tuple[int, str]]

AGENCY = "immigration_agency"
REASON = "immigration_reason"
QUERY = "immigration_query"
VAGUE = "no_articulable_purpose"
UNCERTIFIED = "uncertified_access"
VOLUME = "volume_anomaly"

SWITCH_HEADER = ("timestamp", "ori", "user_id", "message")
ALPR5_HEADER = ("id", "userId", "searchDate", "cameraCount", "reason")
ALPR13_HEADER = (
    "ID",
    "Name",
    "Org Name",
    "Total Networks Searched",
    "Time Frame",
    "License Plate",
    "Reason",
    "Case #",
    "Filters",
    "Search Time",
    "Search Type",
    "Text Prompt",
    "Moderation",
)
FEDERAL_HEADER = (
    "ID",
    "Name",
    "Org Name",
    "Total Networks Searched",
    "License Plate",
    "Reason",
    "Case #",
    "Filters",
    "Search Time",
    "Search Type",
)
CANONICAL_HEADER = (
    "occurred_at",
    "system",
    "ori",
    "organization",
    "user_id",
    "query_type",
    "destination",
    "subject",
    "reason",
    "case_number",
)

ICE = "[Federal] U.S. Immigration and Customs Enforcement (ICE)"
CBP = "[Federal] U.S. Customs and Border Protection (CBP)"
HSI = "[Federal] Homeland Security Investigations (HSI)"
FBI = "[Federal] Federal Bureau of Investigation (FBI)"

# Reasons that hold "ice" (or look like it) and are not immigration enforcement, and the
# immigration reasons seen in real plate-reader audits (shared/querylogs/README.md).
NOT_IMMIGRATION = ("police", "notice", "Rice", "service", "Police Service")
IMMIGRATION = (
    "ICE",
    "ICE+ERO",
    "ICE WARRANT",
    "HSI",
    "ICE FUGOPS",
    "criminal alien",
    "USBP",
    "Immigration (civil/administrative)",
)

Row = tuple[str, ...]
Records = Sequence[tuple[Row, set[str]]]


def write_csv(
    path: Path,
    header: Sequence[str],
    rows: Sequence[Row],
    *,
    bom: bool = False,
    crlf: bool = False,
    blank_lines: bool = False,
    compress: bool = False,
) -> list[int]:
    """Write a CSV log; return the line each row starts on (the header is line 1)."""
    end = "\r\n" if crlf else "\n"

    def record(cells: Sequence[str]) -> str:
        text = io.StringIO()
        csv.writer(text, lineterminator=end).writerow([cell.replace("\n", end) for cell in cells])
        return text.getvalue()

    parts = ["\ufeff" if bom else "", record(header)]
    lines = parts[-1].count("\n")
    starts = []
    for index, row in enumerate(rows):
        if blank_lines and index % 2 == 0:
            parts.append(end * (1 + index % 3))
            lines += 1 + index % 3
        starts.append(lines + 1)
        parts.append(record(row))
        lines += parts[-1].count("\n")
    raw = "".join(parts).encode("utf-8")
    path.write_bytes(gzip.compress(raw) if compress else raw)
    return starts


def flags_at(starts: Sequence[int], records: Records, extra: frozenset[str] = frozenset()) -> Flags:
    """The (line, category) flags of records starting on these lines, with `extra` for each."""
    return {
        (line, category)
        for line, (_, categories) in zip(starts, records, strict=True)
        for category in categories | extra
    }


def _write(path: Path, header: Sequence[str], records: Records, **options: bool) -> Flags:
    uncertified = options.pop("uncertified", False)
    starts = write_csv(path, header, [row for row, _ in records], **options)
    return flags_at(starts, records, frozenset({UNCERTIFIED}) if uncertified else frozenset())


# Message-switch log ------------------------------------------------------------------------


def message(at: str, ori: str, user: str, text: str, *flags: str) -> tuple[Row, set[str]]:
    """A switch log record, and the categories it is flagged under."""
    return (at, ori, user, text), set(flags)


# The ORI column, the message's sending ORI and its destination all count.
# fmt: off
SWITCH: Records = [
    message("2025-03-03T08:00:00-07:00", "VTICE0900", "lesc-1", "DQ.VTICE0900.CO.TXT RSN/I.OLN/123456789", AGENCY),
    # No RSN or PUR field: no reason to judge.
    message("2025-03-03 08:05:00", "CO0160200", "dpd-4411", "RQ.CO0160200.CO.TXT.LIC/ABC123.LIT/PC"),
    message("2025-03-03T08:10:00Z", "CO0010000", "sgt-roe", "IAQ.CO0010000.AX.TXT PUR/C.ATN/SGT ROE.NAM/DOE, JUAN.DOB/19900203.SEX/M", QUERY),
    message("2025-03-03T09:00:00-07:00", "CO0160200", "dpd-4411", "DQ.CO0160200.CO.TXT RSN/ICE.OLN/98765", REASON),
    message("2025-03-03T09:01:00-07:00", "CO0160200", "dpd-2002", "DQ.CO0160200.CO.TXT RSN/INV.OLN/555", VAGUE),
    message("2025-03-03T09:02:00-07:00", "CO0160200", "dpd-2002", "DQ.CO0160200.CO.TXT RSN/.OLN/556", VAGUE),
    message("2025-03-03T09:03:00-07:00", "co0160200", "dpd-2002", "KQ.CO0160200.CO.TXT RSN/POLICE.OLN/557", VAGUE),
    message("2025-03-03T09:04:00-07:00", "CO0160200", "dpd-3003", "DQ.CO0160200.AX.TXT RSN/ROBBERY.OLN/558", QUERY),
    message("2025-03-03T09:05:00-07:00", "CO0160200", "dpd-3003", "DQ.CO0160200.VTICE0900.TXT RSN/ROBBERY.NAM/SMITH, ANN", QUERY),
    message("2025-03-03T09:06:00-07:00", "VTICE0900", "lesc-2", "IAQ.VTICE0900.AX.TXT RSN/ICE ERO TARGET.NAM/ROE, RICHARD.DOB/19800101", AGENCY, REASON, QUERY),
    message("2025-03-03T09:07:00-07:00", "VTICE0900", "lesc-2", "DQ.VTICE0900.CO.TXT RSN/TEST.OLN/559", AGENCY, VAGUE),
    message("2025-03-03T09:08:00-07:00", "CO0160200", "dpd-5005", "DQ.CO0160200.CO.TXT PUR/CRIMINAL ALIEN.OLN/560", REASON),
    message("2025-03-03T09:09:00-07:00", "CO0160200", "dpd-5005", "DQ.CO0160200.CO.TXT RSN/NOTICE OF SUSPENSION.OLN/561"),
    # The ORI column is an unknown agency's; the message went out under ICE's.
    message("2025-03-03T09:10:00-07:00", "CO0010000", "sgt-roe", "DQ.VTICE0900.CO.TXT RSN/FRAUD.OLN/562", AGENCY),
    message("2025-03-03T09:11:00-07:00", "CO0160200", "dpd-6006", "RNQ.CO0160200.CO.TXT RSN/RICE COUNTY WARRANT.NAM/RICE, TOM"),
    message("2025-03-03T09:12:00-07:00", "CO0160200", "dpd-6006", "DQ.CO0160200.CO.TXT RSN/ICE CREAM TRUCK HIT AND RUN.OLN/1"),
    message("2025-03-04T10:00:00-07:00", "CO0160200", "dpd-7007", "DQ.CO0160200.CO.TXT RSN/WELFARE CHECK.OLN/563"),
    # A reason runs to the next FIELD/, dots and all.
    message("2025-03-04T10:01:00-07:00", "CO0160200", "dpd-7007", "DQ.CO0160200.CO.TXT RSN/I.C.E. DETAINER.OLN/564", REASON),
    message("2025-03-04T10:02:00-07:00", "CO0160200", "dpd-7007", "DQ.CO0160200.CO.TXT RSN/ASSIST U.S. IMMIGRATION", REASON),
    message("2025-03-04T10:03:00-07:00", "CO0160200", "dpd-7007", "DQ.CO0160200.CO.TXT RSN/INV. OF HIT AND RUN 25-1234.OLN/565"),
]
# fmt: on


def switch_log(path: Path, **options: bool) -> Flags:
    """A message-switch log (timestamp, ori, user_id, message)."""
    return _write(path, SWITCH_HEADER, SWITCH, **options)


# Plate-reader search audits -----------------------------------------------------------------


def alpr5_row(number: int, user: str, reason: str, when: str = "2025-06-18 00:02:04.789") -> Row:
    return (f"9b29b2b1-0000-4000-8000-{number:012d}", user, when, str(2510 + number), reason)


ALPR5: Records = [
    (alpr5_row(1, "u-1", "Property Crime"), set()),
    (alpr5_row(2, "u-1", "Welfare\nCheck"), set()),  # a reason over two lines
    *[
        (alpr5_row(10 + i, f"u-{2 + i % 4}", reason), {REASON})
        for i, reason in enumerate(IMMIGRATION)
    ],
    (alpr5_row(20, "u-2", "police"), {VAGUE}),  # vague, and not "ice"
    *[(alpr5_row(21 + i, "u-3", reason), set()) for i, reason in enumerate(NOT_IMMIGRATION[1:])],
    (alpr5_row(30, "u-4", "inv"), {VAGUE}),
    (alpr5_row(31, "u-4", "Daytime search for best result", "2025-06-19T08:15:00Z"), {VAGUE}),
    (alpr5_row(32, "u-5", "Administrative Test", "2025-06-19 08:16:00"), {VAGUE}),
    (alpr5_row(33, "u-5", ""), {VAGUE}),
    (alpr5_row(34, "u-5", "REDACTED"), {VAGUE}),
    (alpr5_row(35, "u-6", "N/A"), {VAGUE}),
    (alpr5_row(36, "u-6", "investigation\n"), {VAGUE}),
    (alpr5_row(37, "u-6", "UUV"), set()),
    (alpr5_row(38, "u-7", "Investigation, 2510494"), set()),
    (alpr5_row(39, "u-7", " inv "), {VAGUE}),
    (alpr5_row(40, "u-7", "ICE investigation"), {REASON}),
]


def alpr5_log(path: Path, **options: bool) -> Flags:
    """A 5-column plate-reader audit (id, userId, searchDate, cameraCount, reason)."""
    return _write(path, ALPR5_HEADER, ALPR5, **options)


def alpr13_row(
    number: int,
    org: str,
    reason: str,
    *,
    prompt: str = "",
    when: str = "06/18/2025 10:15:03 AM",
    case: str | None = None,
) -> Row:
    return (
        f"S-{number:05d}",
        f"Officer {number}",
        org,
        "112",
        "06/11/2025 12:00 AM\n06/18/2025 10:15 AM",  # two dates on two lines, one cell
        f"ABC{number:03d}",
        reason,
        f"25-{number:05d}" if case is None else case,
        "Vehicle Type: Truck; Color: White",
        when,
        "License Plate Search" if not prompt else "Vehicle Fingerprint Search",
        prompt,
        "Approved" if prompt else "",
    )


ALPR13: Records = [
    (alpr13_row(1, "Eugene Police Department", "Property Crime"), set()),
    (alpr13_row(2, ICE, "ICE+ERO"), {AGENCY, REASON}),
    (alpr13_row(3, ICE, "inv", case=""), {AGENCY, VAGUE}),
    (alpr13_row(4, ICE, "fugitive", when="Jun 18, 2025, 10:20 AM"), {AGENCY}),
    (alpr13_row(5, "Denver Police Department", "criminal alien"), {REASON}),
    (alpr13_row(6, "Rice County Sheriff's Office", "Police Service"), set()),
    (alpr13_row(7, "Eugene Police Department", "Daytime search for best result"), {VAGUE}),
    (alpr13_row(8, "Eugene Police Department", ""), {VAGUE}),
    (
        alpr13_row(
            9,
            "Springfield Police Department",
            "Welfare Check",
            prompt="white pickup\nwith a ladder rack",
        ),
        set(),
    ),
    (
        alpr13_row(10, "Nice Police Department", "notice of violation", when="06/18/2025 22:40"),
        set(),
    ),
    # A generic reason given with a case number is articulable (MON-4).
    (alpr13_row(11, CBP, "Investigation"), {AGENCY}),
]


def alpr13_log(path: Path, **options: bool) -> Flags:
    """A 13-column plate-reader audit, whose Time Frame cells take two lines each."""
    return _write(path, ALPR13_HEADER, ALPR13, **options)


def federal_row(number: int, org: str, reason: str, when: str = "2025-08-01T21:59:43.160Z") -> Row:
    return (
        f"F-{number:05d}",
        f"Agent {number}",
        org,
        "7311",
        f"XYZ{number:03d}",
        reason,
        "" if number % 2 else f"FBI-{number}",
        "",
        when,
        "License Plate Search",
    )


FEDERAL: Records = [
    (federal_row(1, FBI, "Kidnapping"), set()),
    (federal_row(2, FBI, "inv"), set()),  # with its case number, FBI-2
    (federal_row(12, FBI, "training"), {VAGUE}),  # never generic, case number or not
    (federal_row(3, ICE, "ICE"), {AGENCY, REASON}),
    (federal_row(4, ICE, "Case 24-113"), {AGENCY}),
    (federal_row(5, CBP, "Investigation"), {AGENCY, VAGUE}),
    (federal_row(6, HSI, "human trafficking"), {AGENCY}),
    (
        federal_row(
            7, "[Federal] U.S. Marshals Service", "fugitive warrant", "2025-08-02 09:00:00"
        ),
        set(),
    ),
    (federal_row(8, "[Federal] Drug Enforcement Administration (DEA)", "ICE"), {REASON}),
    (federal_row(9, FBI, "Immigration (civil/administrative)"), {REASON}),
    (federal_row(10, FBI, "notice"), set()),
]


def federal_log(path: Path, **options: bool) -> Flags:
    """A plate-reader federal-searches export, with [Federal] organization names."""
    return _write(path, FEDERAL_HEADER, FEDERAL, **options)


# The canonical layout --------------------------------------------------------------------


def access(
    at: str,
    system: str,
    ori: str,
    org: str,
    user: str,
    kind: str,
    to: str,
    subject: str,
    reason: str,
    *flags: str,
) -> tuple[Row, set[str]]:
    """A canonical record (no case number), and the categories it is flagged under."""
    return (at, system, ori, org, user, kind, to, subject, reason, ""), set(flags)


# fmt: off
CANONICAL: Records = [
    access("2025-03-03T08:00:00-07:00", "switch", "VTICE0900", "", "lesc-1", "DQ", "CO", "123456789", "I", AGENCY),
    access("2025-03-03T08:01:00-07:00", "switch", "CO0160200", "Denver Police Department", "dpd-1", "IAQ", "AX", "DOE, JUAN", "C", QUERY),
    access("2025-03-03T08:02:00-07:00", "alpr", "", ICE, "agent-7", "plate search", "", "ABC123", "ICE WARRANT", AGENCY, REASON),
    access("2025-03-03T08:03:00-07:00", "alpr", "", "Eugene Police Department", "eu-1", "plate search", "", "ABC124", "inv", VAGUE),
    access("2025-03-03 08:04:00", "dmv portal", "", "Colorado Division of Motor Vehicles", "clerk-1", "lookup", "", "", "Title transfer"),
    access("2025-03-03T08:05:00Z", "switch", "CO0160200", "", "dpd-2", "DQ", "VTICE0900", "SMITH, ANN", "ROBBERY", QUERY),
    access("2025-03-03T08:06:00Z", "portal", "", "Nice Insurance", "nice-1", "lookup", "", "", "ICE", REASON),
    access("2025-03-03T08:07:00Z", "portal", "", "Nice Insurance", "nice-1", "lookup", "", "", "service"),
    access("2025-03-03T08:08:00Z", "portal", "", "Nice Insurance", "nice-2", "lookup", "", "", "Welfare\ncheck"),
    access("2025-03-03T08:09:00Z", "switch", "VTICE0900", "", "lesc-2", "IAQ", "AX", "ROE, RICHARD", "", AGENCY, QUERY, VAGUE),
]
# fmt: on


def canonical_csv_log(path: Path, **options: bool) -> Flags:
    """The canonical layout as CSV."""
    return _write(path, CANONICAL_HEADER, CANONICAL, **options)


def canonical_jsonl_log(path: Path) -> Flags:
    """The canonical layout as JSON Lines: one record a line, the first on line 1."""
    lines = [json.dumps(dict(zip(CANONICAL_HEADER, row, strict=True))) for row, _ in CANONICAL]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return flags_at(range(1, len(CANONICAL) + 1), CANONICAL)


def canonical_parquet_log(path: Path) -> Flags:
    """The canonical layout as Parquet (written by DuckDB's COPY): row n is "line" n."""
    con = duckdb.connect()
    try:
        columns = ", ".join(f"{name} VARCHAR" for name in CANONICAL_HEADER)
        con.execute(f"CREATE TABLE log ({columns})")
        con.executemany(
            f"INSERT INTO log VALUES ({', '.join('?' for _ in CANONICAL_HEADER)})",
            [list(row) for row, _ in CANONICAL],
        )
        con.execute(f"COPY log TO '{path}' (FORMAT parquet)")
    finally:
        con.close()
    return flags_at(range(1, len(CANONICAL) + 1), CANONICAL)


# Reading a log back as the test sees it ------------------------------------------------------


def csv_records(path: Path) -> tuple[list[str], dict[int, list[str]]]:
    """The header, and each record by the line it starts on (read by Python's csv module)."""
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    reader = csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""))
    header = next(reader)
    records = {}
    last = reader.line_num
    for record in reader:
        if record:
            # A blank line is a record of no cells: the next record starts after it.
            records[last + 1] = record
        last = reader.line_num
    return header, records


def originals(path: Path) -> tuple[list[str], dict[int, dict[str, str]]]:
    """The log's columns, and each record's original cells by its source line."""
    if path.read_bytes()[:4] == b"PAR1":
        con = duckdb.connect()
        try:
            result = con.execute("SELECT * FROM read_parquet(?)", [str(path)])
            names = [d[0] for d in result.description]
            rows = result.fetchall()
        finally:
            con.close()
        return names, {
            i: {n: ("" if v is None else v) for n, v in zip(names, row, strict=True)}
            for i, row in enumerate(rows, 1)
        }
    if path.suffix == ".jsonl":
        objects = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        return list(CANONICAL_HEADER), dict(enumerate(objects, 1))
    header, records = csv_records(path)
    return header, {line: dict(zip(header, cells, strict=True)) for line, cells in records.items()}
