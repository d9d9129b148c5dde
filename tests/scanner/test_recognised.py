"""Layouts as they arrive (contract/QUERYLOGS.md 1.1): headers recognised by what their
columns mean, times as vendors write them, `--columns` for a header no table knows, and
`--show-layout` to see the mapping before scanning."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from custodiet.scanner import ScanContext, scan
from custodiet.scanner.layouts import CANONICAL_COLUMNS, fold, names

from . import logs
from .conftest import ADDED_COLUMNS, SHARED, custodiet_scan, flags_of, read_output
from .test_malformed import counts

DENVER = ZoneInfo("America/Denver")
ICE = logs.ICE

# Each header variant the contract names, with rows whose flags are known: (header, rows,
# the categories of each row).
Variant = tuple[tuple[str, ...], list[tuple[tuple[str, ...], set[str]]]]
VARIANTS: dict[str, Variant] = {
    # San Mateo's portal download: networkCount where older exports say cameraCount.
    "camel-case": (
        ("id", "userId", "searchDate", "networkCount", "reason"),
        [
            (("a-1", "***", "2026-03-10T05:17:06.087Z", "310", "locate"), set()),
            (("a-2", "***", "2026-03-10T06:07:26.008Z", "1", "ICE WARRANT"), {logs.REASON}),
            (("a-3", "***", "2026-03-10T06:08:00.000Z", "1", "inv"), {logs.VAGUE}),
        ],
    ),
    # Okaloosa's PDF extraction: underscores, and times with a comma and a zone word.
    "underscores": (
        (
            "ID",
            "Org_Name",
            "Total_Networks_Searched",
            "Total_Devices_Searched",
            "Time_Frame_Start",
            "Time_Frame_End",
            "Reason",
            "Search_Time",
            "Search_Type",
            "Moderation",
        ),
        [
            (
                (
                    "b-1",
                    "Example County SO",
                    "840",
                    "17652",
                    "11/13/2025, 10:00:17 PM UTC",
                    "11/14/2025, 10:00:17 AM UTC",
                    "bolo",
                    "11/14/2025, 09:53:36 AM UTC",
                    "lookup",
                    "",
                ),
                set(),
            ),
            (
                (
                    "b-2",
                    ICE,
                    "840",
                    "17652",
                    "11/13/2025, 10:00:17 PM UTC",
                    "11/14/2025, 10:00:17 AM UTC",
                    "criminal alien",
                    "11/14/2025, 10:27:32 AM UTC",
                    "lookup",
                    "",
                ),
                {logs.AGENCY, logs.REASON},
            ),
        ],
    ),
    # Spaces, and the names other exports give the same columns.
    "spaces": (
        ("Agency", "User", "Search Reason", "Case Number", "Search Time", "License Plate"),
        [
            (
                (
                    "Example Police Department",
                    "u-1",
                    "Property Crime",
                    "25-1",
                    "2025-06-18 10:00",
                    "A1",
                ),
                set(),
            ),
            ((ICE, "u-2", "fugitive", "", "06/18/2025 10:01 AM", "A2"), {logs.AGENCY}),
            (
                ("Example Police Department", "u-1", "test", "", "2025-06-18 10:02", "A3"),
                {logs.VAGUE},
            ),
        ],
    ),
    # Another vendor's audit: "Reason, DateTime", just the reason and when.
    "reason-datetime": (
        ("Reason", "DateTime"),
        [
            (("HSI-Drug Lead", "2025-06-18T10:00:00-06:00"), {logs.REASON}),
            (("Welfare check", "2025-06-18T10:01:00-06:00"), set()),
        ],
    ),
    # The 13-column network audit while it still carried Total Devices Searched: 14 columns.
    "network-audit-with-devices": (
        (
            *logs.ALPR13_HEADER[:4],
            "Total Devices Searched",
            *logs.ALPR13_HEADER[4:],
        ),
        [
            ((*row[:4], "17652", *row[4:]), categories)
            for row, categories in logs.ALPR13
            if "\n" not in row[11]  # prompts over two lines are tested in test_layouts
        ],
    ),
}


def write_variant(path: Path, name: str) -> tuple[tuple[str, ...], logs.Flags]:
    header, records = VARIANTS[name]
    starts = logs.write_csv(path, header, [row for row, _ in records])
    return header, logs.flags_at(starts, records)


@pytest.mark.django_db
@pytest.mark.parametrize("name", VARIANTS)
def test_each_header_variant_is_recognised_by_what_its_columns_mean(tmp_path, name):
    log = tmp_path / f"{name}.csv"
    header, expected = write_variant(log, name)
    out = tmp_path / "flags.csv"
    ran = custodiet_scan(log, "--out", out)
    assert ran.code == 0, ran.stderr
    columns, rows = read_output(out)
    assert flags_of(rows) == expected
    # Every column kept as it was, the time-frame cells over two lines included.
    assert columns == [*header, *ADDED_COLUMNS]
    _, records = logs.originals(log)
    for row in rows:
        assert {c: row[c] for c in header} == records[int(row["source_line"])]


def test_every_name_in_the_contract_table_means_its_canonical_column():
    table = {
        "occurred_at": ("searchDate", "Search Time", "Search_Time", "DateTime", "timestamp"),
        "organization": ("Org Name", "Org_Name", "Agency"),
        "user_id": ("userId", "Name", "User"),
        "reason": ("reason", "Reason", "Search Reason"),
        "case_number": ("Case #", "Case Number"),
        "query_type": ("Search Type", "Search_Type"),
    }
    for canonical, spellings in table.items():
        for spelling in spellings:
            assert names().canonical[fold(spelling)] == canonical, spelling
    for column in CANONICAL_COLUMNS:
        assert names().canonical[fold(column)] == column
    kept = "cameraCount, networkCount, Total Networks Searched, Total Devices Searched, Time Frame, Time_Frame_Start, Time_Frame_End, License Plate, Filters, Text Prompt, Moderation, id, ID"
    for column in kept.split(", "):
        assert fold(column) in names().kept and fold(column) not in names().canonical


# Each way a time is written, and the instant it is (agency's zone: America/Denver).
TIMES = {
    "2025-06-18T10:00:00Z": dt.datetime(2025, 6, 18, 10, tzinfo=dt.UTC),
    "2025-06-18T04:00:00.250-06:00": dt.datetime(2025, 6, 18, 10, 0, 0, 250000, tzinfo=dt.UTC),
    "2025-06-18 04:00:00": dt.datetime(2025, 6, 18, 4, tzinfo=DENVER),
    "2025-06-18 04:00:00.789": dt.datetime(2025, 6, 18, 4, 0, 0, 789000, tzinfo=DENVER),
    "06/18/2025 04:00:00 AM": dt.datetime(2025, 6, 18, 4, tzinfo=DENVER),
    "06/18/2025 04:00:00.5 PM": dt.datetime(2025, 6, 18, 16, 0, 0, 500000, tzinfo=DENVER),
    "06/18/2025, 04:00:00 AM": dt.datetime(2025, 6, 18, 4, tzinfo=DENVER),
    "11/14/2025, 09:53:36 AM UTC": dt.datetime(2025, 11, 14, 9, 53, 36, tzinfo=dt.UTC),
    "11/14/2025 09:53:36 AM MST": dt.datetime(2025, 11, 14, 16, 53, 36, tzinfo=dt.UTC),
    "06/18/2025 09:53:36 AM MDT": dt.datetime(2025, 6, 18, 15, 53, 36, tzinfo=dt.UTC),
    "06/18/2025 09:53 AM EDT": dt.datetime(2025, 6, 18, 13, 53, tzinfo=dt.UTC),
    "06/18/2025, 09:53:36 am pdt": dt.datetime(2025, 6, 18, 16, 53, 36, tzinfo=dt.UTC),
    "06/18/2025 09:53:36 AM -07:00": dt.datetime(2025, 6, 18, 16, 53, 36, tzinfo=dt.UTC),
    "06/18/2025 09:53:36.125 AM +0000": dt.datetime(2025, 6, 18, 9, 53, 36, 125000, tzinfo=dt.UTC),
    "2025-06-18 09:53:36 UTC": dt.datetime(2025, 6, 18, 9, 53, 36, tzinfo=dt.UTC),
    "2025-06-18 09:53:36 MDT": dt.datetime(2025, 6, 18, 15, 53, 36, tzinfo=dt.UTC),
    "Jun 18, 2025, 10:20 AM": dt.datetime(2025, 6, 18, 10, 20, tzinfo=DENVER),
}


def test_times_are_read_as_vendors_write_them(tmp_path):
    log = tmp_path / "times.csv"
    written = list(TIMES)
    # Every row names ICE, so every row is flagged and its instant comes back.
    logs.write_csv(log, ("Reason", "DateTime"), [("ICE", when) for when in written])
    with scan([log], context=ScanContext(time_zone="America/Denver")) as result:
        read = {flag["record"]["DateTime"]: flag["occurred_at"] for flag in result.flagged()}
    assert read == TIMES


@pytest.mark.django_db
@pytest.mark.parametrize("when", ["11/14/2025 25:00", "last tuesday", "11/14/2025 09:53 AM XYZ"])
def test_a_time_in_no_known_form_is_a_row_error_naming_column_and_value(tmp_path, when):
    log = tmp_path / "times.csv"
    starts = logs.write_csv(
        log, ("Reason", "Search_Time"), [("ICE", "2025-06-18 10:00"), ("ICE", when)]
    )
    ran = custodiet_scan(log, "--out", tmp_path / "flags.csv")
    assert ran.code == 2
    assert f"{log}:{starts[1]}: column 'Search_Time': not a date and time: \"{when}\"" in (
        ran.stderr
    )
    assert not (tmp_path / "flags.csv").exists()


UNMAPPABLE = ("Purpose", "When", "Plate")
UNMAPPABLE_ROWS = [("ICE", "2025-06-18 10:00", "A1"), ("Property Crime", "2025-06-18 10:01", "A2")]
UNMAPPABLE_MESSAGE = (
    "the header (Purpose, When, Plate) matches no known layout and its columns cannot be "
    "mapped by name\n"
    "  recognised: nothing\n"
    "  missing: occurred_at, reason\n"
    "  not recognised: Purpose, When, Plate\n"
    '  map it by hand: --columns occurred_at="When",reason="Purpose"'
)


def test_a_header_that_cannot_be_mapped_is_refused_with_one_message_and_nothing_imported(
    tmp_path, agency, privacy_officer
):
    log = tmp_path / "vendor.csv"
    logs.write_csv(log, UNMAPPABLE, UNMAPPABLE_ROWS)
    before = counts()
    ran = custodiet_scan(log, "--out", tmp_path / "flags.csv", "--import", "--agency", agency.code)
    assert ran.code == 2
    assert f"{log}: {UNMAPPABLE_MESSAGE}\n" in ran.stderr
    assert "nothing was scanned" in ran.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["vendor.csv"]
    assert counts() == before


@pytest.mark.django_db
def test_the_message_says_what_was_recognised_and_what_is_missing(tmp_path):
    log = tmp_path / "vendor.csv"
    logs.write_csv(log, ("Agency", "Search Time", "Why"), [(ICE, "2025-06-18 10:00", "x")])
    ran = custodiet_scan(log, "--out", tmp_path / "flags.csv")
    assert ran.code == 2
    assert "  recognised: occurred_at <- Search Time, organization <- Agency\n" in ran.stderr
    assert "  missing: reason\n" in ran.stderr
    assert '--columns reason="Why"' in ran.stderr


@pytest.mark.django_db
def test_two_columns_of_one_meaning_are_refused_until_one_is_named(tmp_path):
    log = tmp_path / "vendor.csv"
    header = ("Reason", "Search Time", "timestamp")
    starts = logs.write_csv(log, header, [("ICE", "2025-06-18 10:00", "2025-06-19 00:00:00")])
    ran = custodiet_scan(log, "--out", tmp_path / "flags.csv")
    assert ran.code == 2
    assert "ambiguous: occurred_at could be Search Time or timestamp" in ran.stderr
    ran = custodiet_scan(log, "--out", tmp_path / "flags.csv", "--columns", "occurred_at=timestamp")
    assert ran.code == 0, ran.stderr
    assert flags_of(read_output(tmp_path / "flags.csv")[1]) == {(starts[0], logs.REASON)}


def _write_unmappable(path: Path) -> None:
    if path.suffix == ".csv":
        logs.write_csv(path, UNMAPPABLE, UNMAPPABLE_ROWS)
    elif path.suffix == ".jsonl":
        lines = [json.dumps(dict(zip(UNMAPPABLE, row, strict=True))) for row in UNMAPPABLE_ROWS]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    else:
        con = duckdb.connect()
        try:
            rows = " UNION ALL ".join(
                "SELECT "
                + ", ".join(f"'{v}' AS \"{c}\"" for c, v in zip(UNMAPPABLE, row, strict=True))
                for row in UNMAPPABLE_ROWS
            )
            con.execute(f"COPY ({rows}) TO '{path}' (FORMAT parquet)")
        finally:
            con.close()


@pytest.mark.django_db
@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_columns_named_by_hand_map_any_header_then_it_is_scanned(tmp_path, suffix):
    log = tmp_path / f"vendor{suffix}"
    _write_unmappable(log)
    out = tmp_path / "flags.csv"
    ran = custodiet_scan(log, "--out", out, "--columns", 'occurred_at="When",reason=Purpose')
    assert ran.code == 0, ran.stderr
    columns, rows = read_output(out)
    assert columns == [*UNMAPPABLE, *ADDED_COLUMNS]
    first = 1 if suffix != ".csv" else 2
    assert flags_of(rows) == {(first, logs.REASON)}
    assert rows[0]["Plate"] == "A1"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("columns", "problem"),
    [
        ("reasn=Purpose", "--columns: 'reasn' is not a canonical column (occurred_at, "),
        (
            "occurred_at=When,reason=Why",
            "--columns: reason='Why': the header has no column 'Why' (its columns: Purpose, When, Plate)",
        ),
        ("occurred_at", "--columns: 'occurred_at' is not canonical=Their Column"),
        ("reason=Purpose,reason=When", "--columns: 'reason' is named twice"),
    ],
)
def test_columns_named_by_hand_are_checked_and_the_error_names_the_culprit(
    tmp_path, columns, problem
):
    log = tmp_path / "vendor.csv"
    _write_unmappable(log)
    ran = custodiet_scan(log, "--out", tmp_path / "flags.csv", "--columns", columns)
    assert ran.code == 2
    assert problem in ran.stderr
    assert not (tmp_path / "flags.csv").exists()


@pytest.mark.django_db
def test_show_layout_prints_the_mapping_without_scanning(tmp_path):
    log = tmp_path / "underscores.csv"
    write_variant(log, "underscores")
    ran = custodiet_scan("--show-layout", log)
    assert ran.code == 0, ran.stderr
    assert ran.stdout == (
        f"{log}\n"
        "layout: recognised (columns recognised by name)\n"
        "  occurred_at <- Search_Time\n"
        "  system = 'alpr'\n"
        "  organization <- Org_Name\n"
        "  query_type <- Search_Type\n"
        "  reason <- Reason\n"
        "kept as is: ID, Total_Networks_Searched, Total_Devices_Searched, Time_Frame_Start, "
        "Time_Frame_End, Moderation\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["underscores.csv"]


@pytest.mark.django_db
def test_show_layout_names_the_known_layouts_too(tmp_path):
    log = tmp_path / "switch.csv"
    logs.switch_log(log)
    ran = custodiet_scan("--show-layout", log)
    assert ran.code == 0, ran.stderr
    assert "layout: switch (" in ran.stdout
    assert "  occurred_at <- timestamp\n" in ran.stdout
    assert "  query_type <- message\n" in ran.stdout
    assert "kept as is: none" in ran.stdout


@pytest.mark.django_db
def test_show_layout_with_columns_and_for_a_header_that_cannot_be_mapped(tmp_path):
    log = tmp_path / "vendor.jsonl"
    _write_unmappable(log)
    ran = custodiet_scan("--show-layout", log)
    assert ran.code == 2
    assert f"{log}: {UNMAPPABLE_MESSAGE}" in ran.stderr
    ran = custodiet_scan("--show-layout", log, "--columns", "occurred_at=When,reason=Purpose")
    assert ran.code == 0, ran.stderr
    assert "  occurred_at <- When\n" in ran.stdout
    assert "  reason <- Purpose\n" in ran.stdout
    assert "kept as is: Plate\n" in ran.stdout


# The shared real exports the monitor refused before version 1.1, with their row counts.
REFUSED_BEFORE = {
    "okaloosa-fl-so-alpr-search-audit-2025.csv": 7273,
    "san-mateo-ca-pd-alpr-search-audit-2026.csv": 36,
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", REFUSED_BEFORE)
def test_the_real_exports_are_read_as_delivered(tmp_path, name):
    log = SHARED / "querylogs" / name
    if not log.is_file():
        pytest.skip(f"{log} is not there (set CUSTODIET_SHARED)")
    out = tmp_path / "flags.csv"
    ran = custodiet_scan(log, "--out", out)
    assert ran.code == 0, ran.stderr
    assert ran.stderr.startswith(f"{REFUSED_BEFORE[name]:,} accesses read;")
    header, _ = logs.csv_records(log)
    assert read_output(out)[0] == [*header, *ADDED_COLUMNS]


HOTLISTS = [
    # (hotlist, reason, flagged as an immigration query)
    ("NCIC Stolen Vehicles", "stolen vehicle", False),
    ("NCIC Immigration Violator File", "", True),
    ("Immigration Violators", "hit", True),
    ("Custom: ICE ERO targets", "", True),
    ("Deported Felons", "", True),
    ("NCIC Wanted Persons", "warrant", False),
    ("Police Department Hotlist", "", False),
    ("AMBER Alert", "", False),
    ("NCIC Missing Persons", "", False),
    ("Shared by HSI", "", True),
]


@pytest.mark.django_db
@pytest.mark.parametrize("with_reason", [True, False], ids=["search-audit", "alert-log"])
def test_a_search_or_alert_on_an_immigration_hotlist_is_an_immigration_query(tmp_path, with_reason):
    log = tmp_path / "alerts.csv"
    header = ("Alert Time", "Org Name", "Hotlist Name", "Plate") + (
        ("Reason",) if with_reason else ()
    )
    rows = [
        (f"2025-11-14 10:{i:02d}:00", "Example PD", hotlist, "ABC123")
        + ((reason,) if with_reason else ())
        for i, (hotlist, reason, _) in enumerate(HOTLISTS)
    ]
    lines = logs.write_csv(log, header, rows)
    out = tmp_path / "flags.csv"
    ran = custodiet_scan(log, "--out", out, "--columns", 'occurred_at="Alert Time"')
    assert ran.code == 0, ran.stderr
    queries = {
        int(row["source_line"]): row["why"]
        for row in read_output(out)[1]
        if row["category"] == logs.QUERY
    }
    assert set(queries) == {
        line for line, (_, _, flagged) in zip(lines, HOTLISTS, strict=True) if flagged
    }
    assert (
        'The search or alert used the hotlist "NCIC Immigration Violator File".'
        in queries[lines[1]]
    )
    ran = custodiet_scan("--show-layout", log, "--columns", 'occurred_at="Alert Time"')
    assert "  hotlist <- Hotlist Name\n" in ran.stdout
