"""JSON Lines in the canonical layout: gzip by its bytes, a byte-order mark, blank lines,
keys of the log's own kept as columns, and a line that is no JSON object named by number."""

from __future__ import annotations

import codecs
import gzip
import json

import pytest

from .conftest import custodiet_scan, flags_of, read_output

pytestmark = pytest.mark.django_db

RECORDS = [
    {"occurred_at": "2025-03-03T09:00:00Z", "reason": "ICE+ERO", "badge": 4411},
    None,  # a blank line
    {"occurred_at": "2025-03-03T09:01:00Z", "ori": "CO0160200", "reason": "inv"},
    {"occurred_at": "2025-03-03T09:02:00Z", "ori": "CO0160200", "reason": "Welfare check"},
]
EXPECTED = {(1, "immigration_reason"), (3, "no_articulable_purpose")}


def _text(records) -> str:
    return "".join("\n" if r is None else json.dumps(r) + "\n" for r in records)


@pytest.mark.parametrize("packing", ["plain", "gzip-unnamed", "bom"])
def test_records_are_read_and_numbered_by_line(tmp_path, packing):
    data = _text(RECORDS).encode()
    if packing == "bom":
        data = codecs.BOM_UTF8 + data
    if packing == "gzip-unnamed":
        data = gzip.compress(data)
    log = tmp_path / "log.data"
    log.write_bytes(data)
    out = tmp_path / "flags.csv"

    ran = custodiet_scan(log, "--out", out)

    assert ran.code == 0, ran.stderr
    columns, rows = read_output(out)
    # The records' own key order, then the keys that come later, then what the scan adds.
    assert columns[:4] == ["occurred_at", "reason", "badge", "ori"]
    assert flags_of(rows) == EXPECTED
    assert rows[0]["badge"] == "4411"


def test_a_line_that_is_not_a_json_object_is_named(tmp_path):
    log = tmp_path / "log.jsonl"
    log.write_text(_text(RECORDS[:1]) + "[1, 2]\n" + '{"occurred_at": \n')
    out = tmp_path / "flags.csv"

    ran = custodiet_scan(log, "--out", out)

    assert ran.code == 2
    assert f"{log}:2: not a JSON object" in ran.stderr
    assert f"{log}:3: not a JSON object" in ran.stderr
    assert not out.exists()


def test_records_without_a_reason_are_not_judged_on_one(tmp_path):
    log = tmp_path / "log.jsonl"
    log.write_text(_text([{"occurred_at": "2025-03-03T09:00:00Z", "ori": "CO0160200"}]))
    out = tmp_path / "flags.csv"

    assert custodiet_scan(log, "--out", out).code == 0
    assert read_output(out)[1] == []


def test_a_csv_with_carriage_returns_alone_is_read_with_its_lines(tmp_path):
    log = tmp_path / "old-mac.csv"
    log.write_bytes(
        b"timestamp,ori,user_id,message\r"
        b"2025-03-03T09:00:00Z,CO0160200,u,DQ.CO0160200.CO.TXT RSN/THEFT.OLN/1\r"
        b"2025-03-03T09:01:00Z,CO0160200,u,DQ.CO0160200.CO.TXT RSN/INV.OLN/2\r"
    )
    out = tmp_path / "flags.csv"

    assert custodiet_scan(log, "--out", out).code == 0
    assert flags_of(read_output(out)[1]) == {(3, "no_articulable_purpose")}
