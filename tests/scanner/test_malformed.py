"""Input that cannot be read whole: exit status 2, every problem named by file and line, and
nothing written or imported."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from custodiet.monitor.models import Finding, FlaggedAccess, Scan
from custodiet.records.models import Event

from . import logs
from .conftest import custodiet_scan

GOOD_ALPR5 = ("9b29", "u-1", "2025-06-18 00:02:04.789", "2510", "Property Crime")
HEADER = ",".join(logs.ALPR5_HEADER).encode()


def alpr5_bytes(*rows: bytes) -> bytes:
    return b"\n".join([HEADER, *rows]) + b"\n"


def good(n: int) -> list[bytes]:
    return [f"id-{i},u-1,2025-06-18 00:02:04,2510,Property Crime".encode() for i in range(n)]


def wrong_column_count(path: Path) -> list[int]:
    path.write_bytes(alpr5_bytes(*good(2), b"id-x,u-1,2025-06-18 00:02:04,2510", *good(1)))
    return [4]


def too_many_columns_after_multiline_cells(path: Path) -> list[int]:
    rows = [logs.alpr13_row(i, logs.ICE, "inv") for i in range(4)]
    rows[3] = (*rows[3], "an extra cell")
    return [logs.write_csv(path, logs.ALPR13_HEADER, rows)[3]]


def unterminated_quote_at_the_end(path: Path) -> list[int]:
    # A file cut off inside a quoted cell: the record that starts the cell cannot end.
    path.write_bytes(alpr5_bytes(*good(3))[:-1] + b'\nid-9,u-1,2025-06-18 00:02:04,2510,"Property')
    return [5]


def truncated_gzip(path: Path) -> list[int]:
    data = alpr5_bytes(*good(20_000))
    path.write_bytes(gzip.compress(data)[:-64])
    return []


def truncated_small_gzip(path: Path) -> list[int]:
    path.write_bytes(gzip.compress(alpr5_bytes(*good(3)))[:-12])
    return []


def bad_timestamp(path: Path) -> list[int]:
    path.write_bytes(alpr5_bytes(*good(3), b"id-x,u-1,last tuesday,2510,inv", *good(1)))
    return [5]


def bad_timestamp_after_multiline_cells(path: Path) -> list[int]:
    rows = [logs.alpr13_row(i, "Eugene Police Department", "Property Crime") for i in range(4)]
    rows[3] = (*rows[3][:9], "13/45/2025 99:99 AM", *rows[3][10:])
    starts = logs.write_csv(path, logs.ALPR13_HEADER, rows, blank_lines=True)
    return [starts[3]]


def bad_ori(path: Path) -> list[int]:
    rows = [row for row, _ in logs.SWITCH[:3]]
    rows.insert(1, ("2025-03-03T08:01:00Z", "CO01602", "dpd-1", "DQ.CO0160200.CO.TXT RSN/I.OLN/1"))
    return [logs.write_csv(path, logs.SWITCH_HEADER, rows)[1]]


def bad_message(path: Path) -> list[int]:
    rows = [row for row, _ in logs.SWITCH[:3]]
    rows.append(("2025-03-03T08:01:00Z", "CO0160200", "dpd-1", "hello from the switch"))
    return [logs.write_csv(path, logs.SWITCH_HEADER, rows)[-1]]


def unknown_header(path: Path) -> list[int]:
    path.write_bytes(b"when,who,what\n2025-06-18,u-1,plate\n")
    return []


def empty_file(path: Path) -> list[int]:
    path.write_bytes(b"")
    return []


def invalid_utf8_near_the_top(path: Path) -> list[int]:
    path.write_bytes(
        alpr5_bytes(*good(2), b"id-x,u-1,2025-06-18 00:02:04,2510,caf\xe9 au lait", *good(2))
    )
    return [4]


def invalid_utf8_far_down(path: Path) -> list[int]:
    path.write_bytes(
        alpr5_bytes(*good(3000), b"id-x,u-1,2025-06-18 00:02:04,2510,caf\xe9 au lait", *good(2))
    )
    return [3002]


def several_bad_rows(path: Path) -> list[int]:
    path.write_bytes(
        alpr5_bytes(
            *good(1),
            b"id-x,u-1,not a date,2510,inv",
            *good(1),
            b"id-y,u-1,also not a date,2510,inv",
        )
    )
    return [3, 5]


def jsonl_with(path: Path, line: int, change: Callable[[str], str]) -> list[int]:
    logs.canonical_jsonl_log(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[line - 1] = change(lines[line - 1])
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [line]


def jsonl_bad_timestamp(path: Path) -> list[int]:
    return jsonl_with(path, 5, lambda text: text.replace("2025-03-03 08:04:00", "yesterday"))


def jsonl_malformed(path: Path) -> list[int]:
    jsonl_with(path, 4, lambda text: text[:-3])
    return []  # DuckDB's message says where, in its own words


def truncated_parquet(path: Path) -> list[int]:
    logs.canonical_parquet_log(path)
    path.write_bytes(path.read_bytes()[:300])
    return []


def parquet_of_other_columns(path: Path) -> list[int]:
    con = duckdb.connect()
    try:
        con.execute(f"COPY (SELECT 'x' AS plate, 'y' AS camera) TO '{path}' (FORMAT parquet)")
    finally:
        con.close()
    return []


CASES: dict[str, Callable[[Path], list[int]]] = {
    "wrong-column-count.csv": wrong_column_count,
    "too-many-columns-after-multiline.csv": too_many_columns_after_multiline_cells,
    "unterminated-quote.csv": unterminated_quote_at_the_end,
    "truncated.csv.gz": truncated_gzip,
    "truncated-small.csv.gz": truncated_small_gzip,
    "bad-timestamp.csv": bad_timestamp,
    "bad-timestamp-after-multiline.csv": bad_timestamp_after_multiline_cells,
    "bad-ori.csv": bad_ori,
    "bad-message.csv": bad_message,
    "unknown-header.csv": unknown_header,
    "empty.csv": empty_file,
    "invalid-utf8-near-the-top.csv": invalid_utf8_near_the_top,
    "invalid-utf8-far-down.csv": invalid_utf8_far_down,
    "several-bad-rows.csv": several_bad_rows,
    "bad-timestamp.jsonl": jsonl_bad_timestamp,
    "malformed.jsonl": jsonl_malformed,
    "truncated.parquet": truncated_parquet,
    "other-columns.parquet": parquet_of_other_columns,
}


def counts() -> tuple[int, int, int, int]:
    return (
        Scan.objects.count(),
        Finding.objects.count(),
        FlaggedAccess.objects.count(),
        Event.objects.filter(kind="monitor.scan_imported").count(),
    )


@pytest.mark.parametrize("out", ["flags.csv", "flags.parquet"])
@pytest.mark.parametrize("name", CASES)
def test_unreadable_input_exits_2_names_file_and_line_and_leaves_nothing(
    tmp_path, agency, privacy_officer, name, out
):
    log = tmp_path / name
    lines = CASES[name](log)
    before = counts()
    ran = custodiet_scan(log, "--out", tmp_path / out, "--import", "--agency", agency.code)
    assert ran.code == 2, ran.stderr
    assert str(log) in ran.stderr
    for line in lines:
        assert f"{log}:{line}: " in ran.stderr, ran.stderr
    assert "nothing was scanned" in ran.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]
    assert counts() == before


@pytest.mark.django_db
def test_one_unreadable_file_stops_the_whole_scan(tmp_path):
    good_log, bad_log = tmp_path / "good.csv", tmp_path / "bad.csv"
    logs.switch_log(good_log)
    bad_timestamp(bad_log)
    ran = custodiet_scan(good_log, bad_log, "--out", tmp_path / "flags.csv")
    assert ran.code == 2
    assert f"{bad_log}:5: column 'searchDate': not a date and time" in ran.stderr
    assert str(good_log) not in ran.stderr
    assert not (tmp_path / "flags.csv").exists()


@pytest.mark.django_db
def test_a_missing_file_and_a_bad_one_are_both_reported(tmp_path):
    bad_log = tmp_path / "bad.csv"
    bad_ori(bad_log)
    ran = custodiet_scan(tmp_path / "missing.csv", bad_log, "--out", tmp_path / "flags.csv")
    assert ran.code == 2
    assert f"{tmp_path / 'missing.csv'}: no such file" in ran.stderr
    assert f"{bad_log}:3: column 'ori': not a 9-character ORI" in ran.stderr


@pytest.mark.django_db
def test_a_layout_named_that_the_header_is_not_is_refused(tmp_path):
    log = tmp_path / "switch.csv"
    logs.switch_log(log)
    ran = custodiet_scan(log, "--format", "alpr", "--out", tmp_path / "flags.csv")
    assert ran.code == 2
    assert str(log) in ran.stderr and "matches no known layout" in ran.stderr
    assert not (tmp_path / "flags.csv").exists()


@pytest.mark.django_db
def test_an_output_that_is_neither_csv_nor_parquet_is_refused(tmp_path):
    log = tmp_path / "switch.csv"
    logs.switch_log(log)
    ran = custodiet_scan(log, "--out", tmp_path / "flags.xlsx")
    assert ran.code == 2
    assert "--out" in ran.stderr
    assert not (tmp_path / "flags.xlsx").exists()


@pytest.mark.django_db
def test_a_failed_scan_leaves_an_earlier_output_file_as_it_was(tmp_path):
    out = tmp_path / "flags.csv"
    out.write_text("yesterday's flags\n")
    log = tmp_path / "bad.csv"
    bad_timestamp(log)
    assert custodiet_scan(log, "--out", out).code == 2
    assert out.read_text() == "yesterday's flags\n"
