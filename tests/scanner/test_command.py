"""The scan as a real process, and its progress: the exit status a shell sees, and a
progress fraction between 0 and 1 for every phase."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from custodiet.scanner import scan

from . import logs
from .conftest import flags_of, read_output
from .test_malformed import bad_ori

CUSTODIET = Path(sys.executable).with_name("custodiet")


def custodiet(database: Path, *args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CUSTODIET), *(str(a) for a in args)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=os.environ | {"DATABASE_URL": f"sqlite:///{database}"},
    )


@pytest.fixture(scope="module")
def database(tmp_path_factory) -> Path:
    """An application database of its own, set up as an operator would."""
    path = tmp_path_factory.mktemp("db") / "custodiet.sqlite3"
    migrated = custodiet(path, "migrate", "-v0")
    assert migrated.returncode == 0, migrated.stderr
    return path


def test_the_command_exits_0_with_flags_and_2_for_unreadable_input(tmp_path, database):
    log = tmp_path / "switch.csv"
    expected = logs.switch_log(log)
    out = tmp_path / "flags.parquet"
    ran = custodiet(database, "scan", log, "--out", out, "--no-progress")
    assert ran.returncode == 0, ran.stderr
    assert flags_of(read_output(out)[1]) == expected

    bad = tmp_path / "bad.csv"
    (line,) = bad_ori(bad)
    ran = custodiet(database, "scan", bad, "--out", tmp_path / "bad-flags.csv", "--no-progress")
    assert ran.returncode == 2
    assert f"{bad}:{line}: column 'ori'" in ran.stderr
    assert not (tmp_path / "bad-flags.csv").exists()


def test_the_command_exits_0_when_nothing_is_flagged(tmp_path, database):
    log = tmp_path / "quiet.csv"
    logs.write_csv(log, logs.ALPR5_HEADER, [("1", "u", "2025-06-18 10:00", "3", "Welfare Check")])
    ran = custodiet(database, "scan", log, "--summary", "--no-progress")
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.startswith("1 accesses read; 0 flagged (0 flags).")


def test_without_an_application_database_the_scan_runs_without_the_registry(tmp_path):
    # The command promises this ("No application database: uncertified access is not
    # checked"), so a log can be scanned on a machine where nothing was set up.
    log = tmp_path / "switch.csv"
    expected = logs.switch_log(log)
    out = tmp_path / "flags.csv"
    ran = custodiet(tmp_path / "unmigrated.sqlite3", "scan", log, "--out", out, "--no-progress")
    assert ran.returncode == 0, (
        "`custodiet scan` no longer runs without an application database: the command calls "
        "current_directory(), which reads the directory_directorychange table, outside the "
        "DatabaseError handling of Command._agency (monitor/management/commands/scan.py)\n"
        + ran.stderr[-600:]
    )
    assert "uncertified access is not checked" in ran.stderr
    assert flags_of(read_output(out)[1]) == expected


def test_every_phase_reports_progress_between_0_and_1(tmp_path):
    log = tmp_path / "alpr-13.csv"
    logs.alpr13_log(log)
    calls: list[tuple[str, float | None]] = []
    with scan([log], progress=lambda label, fraction: calls.append((label, fraction))) as result:
        result.write(tmp_path / "flags.csv")
    phases: dict[str, list[float]] = {}
    for label, fraction in calls:
        assert fraction is not None and 0.0 <= fraction <= 1.0, (label, fraction)
        phases.setdefault(label, []).append(fraction)
    assert {
        f"Reading {log.name}",
        "Reading the accesses",
        "Reading the reasons",
        "Running the rules",
        "Writing flags.csv",
    } <= set(phases)
    for label, fractions in phases.items():
        assert fractions[0] == 0.0, label
        assert fractions[-1] == 1.0, label
        assert fractions == sorted(fractions), label
