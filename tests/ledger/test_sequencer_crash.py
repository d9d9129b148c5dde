"""The separate sequencer under real processes killed at every step: nothing a writer
acknowledged is ever missing from the record, the log has no gap or fork, and
`custodiet ledger verify` passes after each crash, on SQLite and on PostgreSQL."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import ScratchDatabase

DRIVER = Path(__file__).with_name("crash_driver.py")
WRITER_STEPS = ["staged", "acknowledging"]
SEQUENCER_STEPS = ["begin", "locked", "read", "written", "committed"]
KILLED = 137


@pytest.fixture
def separate(scratch_database: ScratchDatabase) -> ScratchDatabase:
    scratch_database.env["CUSTODIET_LEDGER_SEQUENCER"] = "separate"
    return scratch_database


def start(db: ScratchDatabase, *args: object, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, DRIVER, *map(str, args)],
        env={**db.env, **env},
        cwd=db.home,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run(db: ScratchDatabase, *args: object, **env: str) -> tuple[int, list[str], str]:
    """Run the driver to its end or its crash: exit status, ids acknowledged, errors."""
    process = start(db, *args, **env)
    out, err = process.communicate(timeout=120)
    return process.returncode, acknowledged(out), err


def acknowledged(out: str) -> list[str]:
    return [line.split()[1] for line in out.splitlines() if line.startswith("acked ")]


def assert_in_record(db: ScratchDatabase, ids: list[str]) -> None:
    """Each acknowledged request is recorded, and each of its events has its leaf."""
    if not ids:
        return
    listed = ", ".join(f"'{public_id}'" for public_id in ids)
    found = db.value(f"SELECT count(*) FROM records_requestrecord WHERE public_id IN ({listed})")
    assert found == len(ids), f"{len(ids) - found} acknowledged requests are missing"
    unlogged = db.value(
        "SELECT count(*) FROM records_event ev JOIN records_requestrecord r ON r.id = ev.request_id "
        f"WHERE r.public_id IN ({listed}) AND NOT EXISTS "
        "(SELECT 1 FROM ledger_leaf l WHERE l.event_id = ev.id)"
    )
    assert unlogged == 0, f"{unlogged} events of acknowledged requests have no leaf"


def assert_log_whole(db: ScratchDatabase) -> int:
    """Entries 0..n-1 with no gap, each with its leaf, no leaf placed twice; returns n."""
    count, low, high, events = db.query(
        'SELECT count(*), min("index"), max("index"), count(DISTINCT event_id) FROM ledger_entry'
    )[0]
    if count:
        assert (low, high) == (0, count - 1), "the entry indexes have a gap"
    assert events == count, "a leaf was placed twice"
    verified = db.custodiet("ledger", "--skip-checks", "verify")
    assert verified.returncode == 0, verified.stderr
    return int(count)


def place_everything(db: ScratchDatabase) -> None:
    placed = db.custodiet("ledger", "--skip-checks", "sequence", "--once")
    assert placed.returncode == 0, placed.stderr
    assert placed.stdout.strip().endswith("; 0 waiting")
    total = assert_log_whole(db)
    assert total == db.value("SELECT count(*) FROM records_event")
    assert total == db.value("SELECT count(*) FROM ledger_leaf")


def test_a_writer_killed_at_each_step_loses_nothing_it_acknowledged(separate) -> None:
    db = separate
    for step in WRITER_STEPS:
        for count_at in (1, 3):
            status, acked, err = run(db, "writer", step, count_at, f"{step}{count_at}", 5)
            assert status == KILLED, err
            # Killed while staging the n-th: n-1 were acknowledged; killed after the n-th
            # committed but before it was acknowledged: n-1 too, and the n-th is recorded.
            assert len(acked) == count_at - 1
            assert_in_record(db, acked)
            assert_log_whole(db)  # leaves waiting within the bound: verify passes
    place_everything(db)
    committed = db.value("SELECT count(*) FROM records_requestrecord")
    assert committed == (0 + 2) + (1 + 3), "a transaction killed before its commit left rows"


def test_the_sequencer_killed_at_each_step_loses_nothing_and_the_next_one_resumes(
    separate,
) -> None:
    db = separate
    status, acked, err = run(db, "writer", "never", 0, "req", 30)
    assert (status, len(acked)) == (0, 30), err
    placed_before = 0
    for step in SEQUENCER_STEPS:
        status, _, err = run(db, "sequencer", step, 2)
        assert status == KILLED, err
        placed = assert_log_whole(db)
        assert placed >= placed_before, "entries went missing"
        placed_before = placed
        assert_in_record(db, acked)
    assert placed_before < 60, "the sequencer placed everything before it could be killed"
    place_everything(db)


def test_writers_and_the_sequencer_killed_at_random_moments_lose_nothing_acknowledged(
    separate,
) -> None:
    db = separate
    rng = random.Random(131)
    acked: list[str] = []
    for round_number in range(3):
        sequencer = start(db, "sequencer", "never", 0, CRASH_FOREVER="1")
        writers = [
            start(db, "writer", "never", 0, f"r{round_number}w{number}", 40) for number in range(3)
        ]
        # Once the writers are writing, let them and the sequencer run a moment.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not db.value(
            f"SELECT count(*) FROM records_requestrecord WHERE public_id LIKE 'r{round_number}w%'"
        ):
            time.sleep(0.05)
        time.sleep(rng.uniform(0.2, 1.5))
        for process in [sequencer, *writers]:
            process.send_signal(signal.SIGKILL)
        for process in writers:
            out, _ = process.communicate(timeout=30)
            acked += acknowledged(out)
        sequencer.communicate(timeout=30)
        assert_in_record(db, acked)
        assert_log_whole(db)
    assert acked, "no writer got as far as a commit before the kill"
    place_everything(db)
    assert_in_record(db, acked)
