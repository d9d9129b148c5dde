"""Running `custodiet scan` as the contract promises it, and reading back what it wrote.

The command runs through Django's `call_command` (its exit status is the `returncode` of
the `CommandError` it raises, 0 when it returns); `test_command.py` also runs it as a real
process. Logs come from `logs.py`, whose flags are known.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

SHARED = Path(os.environ.get("CUSTODIET_SHARED", Path(__file__).resolve().parents[3] / "shared"))
EUGENE_LOG = SHARED / "querylogs" / "eugene-or-alpr-search-audit-2025.csv"
NOW = dt.datetime(2025, 9, 15, 9, 30, tzinfo=ZoneInfo("America/Denver"))
# What the flagged output adds after the log's own columns, in this order.
ADDED_COLUMNS = ["source_file", "source_line", "category", "rule", "why"]


@dataclass(frozen=True)
class Ran:
    code: int
    stdout: str
    stderr: str


def custodiet_scan(*args: object) -> Ran:
    """`custodiet scan ARGS... --no-progress`, with its exit status and output."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("scan", *(str(a) for a in args), "--no-progress", stdout=out, stderr=err)
    except CommandError as exc:
        return Ran(exc.returncode, out.getvalue(), err.getvalue() + str(exc))
    return Ran(0, out.getvalue(), err.getvalue())


def read_output(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """The columns and rows of a flagged-output file, CSV or Parquet, as text ('' for null)."""
    if path.suffix == ".parquet":
        con = duckdb.connect()
        try:
            result = con.execute("SELECT * FROM read_parquet(?)", [str(path)])
            names = [d[0] for d in result.description]
            rows = [
                {n: "" if v is None else str(v) for n, v in zip(names, row, strict=True)}
                for row in result.fetchall()
            ]
        finally:
            con.close()
        return names, rows
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


def flags_of(rows: list[dict[str, str]]) -> set[tuple[int, str]]:
    return {(int(row["source_line"]), row["category"]) for row in rows}


@pytest.fixture
def frozen_now(monkeypatch):
    """Every `timezone.now()` (import times, ledger entries) is NOW."""
    monkeypatch.setattr(timezone, "now", lambda: NOW.astimezone(dt.UTC))
    return NOW
