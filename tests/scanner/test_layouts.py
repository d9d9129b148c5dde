"""Every layout the contract names, read from its header: the flags written are exactly the
known ones, on the right lines, with every original column unchanged."""

from __future__ import annotations

import collections
from collections.abc import Callable
from pathlib import Path

import pytest

from . import logs
from .conftest import ADDED_COLUMNS, custodiet_scan, flags_of, read_output

pytestmark = pytest.mark.django_db

LOGS: dict[str, Callable[..., logs.Flags]] = {
    "switch.csv": logs.switch_log,
    "alpr-5.csv": logs.alpr5_log,
    "alpr-13.csv": logs.alpr13_log,
    "alpr-federal.csv": logs.federal_log,
    "canonical.csv": logs.canonical_csv_log,
    "canonical.jsonl": logs.canonical_jsonl_log,
    "canonical.parquet": logs.canonical_parquet_log,
}
CSV_LOGS = [name for name in LOGS if name.endswith(".csv")]
FORMATS = {
    "switch.csv": "switch",
    "alpr-5.csv": "alpr",
    "alpr-13.csv": "alpr",
    "alpr-federal.csv": "alpr",
    "canonical.csv": "canonical",
    "canonical.jsonl": "canonical",
    "canonical.parquet": "canonical",
}


def scanned(log: Path, out: Path, *args: str) -> tuple[list[str], list[dict[str, str]]]:
    ran = custodiet_scan(log, "--out", out, *args)
    assert ran.code == 0, ran.stderr
    return read_output(out)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
@pytest.mark.parametrize("name", LOGS)
def test_the_flags_written_are_exactly_the_known_ones(tmp_path, name, suffix):
    log = tmp_path / name
    expected = LOGS[name](log)
    _, rows = scanned(log, tmp_path / f"flags{suffix}")
    assert flags_of(rows) == expected
    assert len(rows) == len(expected)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
@pytest.mark.parametrize("name", LOGS)
def test_each_flag_keeps_every_original_column_unchanged_then_adds_where_and_why(
    tmp_path, name, suffix
):
    log = tmp_path / name
    LOGS[name](log)
    header, records = logs.originals(log)
    columns, rows = scanned(log, tmp_path / f"flags{suffix}")
    assert columns == [*header, *ADDED_COLUMNS]
    for row in rows:
        line = int(row["source_line"])
        assert {c: row[c] for c in header} == records[line], f"line {line}"
        assert row["source_file"] == str(log)
        assert row["rule"].startswith("MON-")
        assert row["why"].strip()


@pytest.mark.parametrize("name", LOGS)
def test_the_layout_can_be_named_instead_of_detected(tmp_path, name):
    log = tmp_path / name
    expected = LOGS[name](log)
    _, rows = scanned(log, tmp_path / "flags.csv", "--format", FORMATS[name])
    assert flags_of(rows) == expected


def test_a_record_under_several_categories_appears_once_per_category(tmp_path):
    log = tmp_path / "switch.csv"
    logs.switch_log(log)
    _, rows = scanned(log, tmp_path / "flags.csv")
    by_line = collections.defaultdict(list)
    for row in rows:
        by_line[int(row["source_line"])].append(row["category"])
    # The IAQ from ICE's LESC to AX, for "ICE ERO TARGET": agency, reason and query.
    iaq = next(line for line, cats in by_line.items() if len(cats) == 3)
    assert by_line[iaq] == [logs.AGENCY, logs.REASON, logs.QUERY]
    assert [row["rule"] for row in rows if int(row["source_line"]) == iaq] == [
        "MON-1",
        "MON-2",
        "MON-3",
    ]
    assert all(len(cats) == len(set(cats)) for cats in by_line.values())


def test_the_rows_of_one_record_differ_only_in_what_flagged_them(tmp_path):
    log = tmp_path / "alpr-13.csv"
    logs.alpr13_log(log)
    _, rows = scanned(log, tmp_path / "flags.parquet")
    by_line = collections.defaultdict(list)
    for row in rows:
        by_line[row["source_line"]].append(row)
    several = [group for group in by_line.values() if len(group) > 1]
    assert several
    for group in several:
        originals = {tuple(v for k, v in r.items() if k not in ADDED_COLUMNS) for r in group}
        assert len(originals) == 1


@pytest.mark.parametrize(
    "options",
    [
        {"compress": True},
        {"bom": True},
        {"crlf": True},
        {"blank_lines": True},
        {"compress": True, "bom": True, "crlf": True, "blank_lines": True},
    ],
    ids=["gzip", "bom", "crlf", "blank-lines", "all-at-once"],
)
@pytest.mark.parametrize("name", CSV_LOGS)
def test_line_numbers_survive_compression_byte_order_marks_crlf_and_blank_lines(
    tmp_path, name, options
):
    log = tmp_path / (name + ".gz" if options.get("compress") else name)
    expected = LOGS[name](log, **options)
    header, records = logs.originals(log)
    columns, rows = scanned(log, tmp_path / "flags.csv")
    assert flags_of(rows) == expected
    assert columns[: len(header)] == header
    for row in rows:
        assert {c: row[c] for c in header} == records[int(row["source_line"])]


def test_a_gzip_file_is_known_by_its_content_not_its_name(tmp_path):
    log = tmp_path / "alpr-5.csv"  # gzip inside, no .gz
    expected = logs.alpr5_log(log, compress=True)
    assert log.read_bytes()[:2] == b"\x1f\x8b"
    _, rows = scanned(log, tmp_path / "flags.csv")
    assert flags_of(rows) == expected


def test_several_files_are_scanned_together_each_with_its_own_lines(tmp_path):
    switch, alpr = tmp_path / "switch.csv", tmp_path / "alpr.csv.gz"
    expected = {(str(switch), *flag) for flag in logs.switch_log(switch)} | {
        (str(alpr), *flag) for flag in logs.alpr13_log(alpr, compress=True, crlf=True)
    }
    out = tmp_path / "flags.csv"
    ran = custodiet_scan(switch, alpr, "--out", out)
    assert ran.code == 0, ran.stderr
    columns, rows = read_output(out)
    assert {(r["source_file"], int(r["source_line"]), r["category"]) for r in rows} == expected
    # Each file's own columns, side by side; a row leaves the other file's empty.
    assert set(logs.SWITCH_HEADER) | set(logs.ALPR13_HEADER) <= set(columns)
    assert columns[-5:] == ADDED_COLUMNS


def test_a_canonical_file_may_hold_some_columns_in_any_order(tmp_path):
    log = tmp_path / "canonical.csv"
    header = ("reason", "user_id", "occurred_at", "organization")
    rows = [
        ("ICE", "u-1", "2025-03-03T08:00:00Z", "Eugene Police Department"),
        ("Property Crime", "u-1", "2025-03-03T08:01:00Z", logs.ICE),
        ("inv", "u-2", "2025-03-03T08:02:00Z", ""),
    ]
    starts = logs.write_csv(log, header, rows)
    _, flagged = scanned(log, tmp_path / "flags.csv")
    assert flags_of(flagged) == {
        (starts[0], logs.REASON),
        (starts[1], logs.AGENCY),
        (starts[2], logs.VAGUE),
    }


def test_a_canonical_file_without_a_reason_column_is_not_judged_for_its_reasons(tmp_path):
    # A log that records no reason cannot show a search without one: only the columns it
    # has are read.
    log = tmp_path / "canonical.csv"
    starts = logs.write_csv(
        log,
        ("occurred_at", "ori", "user_id"),
        [
            ("2025-03-03T08:00:00Z", "CO0160200", "dpd-1"),
            ("2025-03-03T08:01:00Z", "VTICE0900", "lesc-1"),
        ],
    )
    _, flagged = scanned(log, tmp_path / "flags.csv")
    assert flags_of(flagged) == {(starts[1], logs.AGENCY)}


def test_standard_output_gets_the_flags_as_csv_when_no_file_is_named(tmp_path):
    log = tmp_path / "switch.csv"
    expected = logs.switch_log(log)
    ran = custodiet_scan(log)
    assert ran.code == 0, ran.stderr
    out = tmp_path / "stdout.csv"
    out.write_text(ran.stdout, encoding="utf-8")
    columns, rows = read_output(out)
    assert columns == [*logs.SWITCH_HEADER, *ADDED_COLUMNS]
    assert flags_of(rows) == expected


def test_json_lines_keep_their_line_numbers_across_blank_lines(tmp_path):
    log = tmp_path / "canonical.jsonl"
    logs.canonical_jsonl_log(log)
    lines = log.read_text(encoding="utf-8").splitlines()
    # A blank line after the first record: every later record starts one line further down.
    log.write_text("\n".join([lines[0], "", *lines[1:]]) + "\n", encoding="utf-8")
    expected = {
        (line + (line > 1), category)
        for line, category in logs.flags_at(range(1, len(logs.CANONICAL) + 1), logs.CANONICAL)
    }
    _, rows = scanned(log, tmp_path / "flags.csv")
    assert flags_of(rows) == expected, (
        "JSON Lines number records by position (1 + row), so a blank line shifts every later "
        "record's source_line (src/custodiet/scanner/scan.py, _run_rules and _load_json_lines)"
    )
