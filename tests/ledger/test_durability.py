"""The ledger under real processes: an import killed in the middle of its transaction
leaves no event without its entry and none of its file, and writers appending at the same
time never fork or gap the log."""

from __future__ import annotations

import io
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from custodiet.ledger.models import Entry
from custodiet.records.models import Event, RequestRecord

from .conftest import POSTGRES, ScratchDatabase, generated, verify_ledger, write_jsonl

KILL_COUNT = 3000
WRITERS = 4
PER_WRITER = 50


def assert_whole(db: ScratchDatabase) -> int:
    """Every event has its entry and the entries are 0..n-1 with no gap; returns n."""
    orphans = db.value(
        "SELECT count(*) FROM records_event e LEFT JOIN ledger_entry l ON l.event_id = e.id "
        "WHERE l.event_id IS NULL"
    )
    assert orphans == 0, f"{orphans} events have no ledger entry"
    count, low, high = db.query('SELECT count(*), min("index"), max("index") FROM ledger_entry')[0]
    events = db.value("SELECT count(*) FROM records_event")
    assert count == events
    if count:
        assert (low, high) == (0, count - 1), "the entry indexes have a gap"
    return int(count)


def recorded(db: ScratchDatabase, prefix: str) -> tuple[int, int]:
    """How many requests with ids starting `prefix`, and how many events they have."""
    requests = db.value(
        f"SELECT count(*) FROM records_requestrecord WHERE public_id LIKE '{prefix}-%'"
    )
    events = db.value(
        "SELECT count(*) FROM records_event e JOIN records_requestrecord r ON e.request_id = r.id "
        f"WHERE r.public_id LIKE '{prefix}-%'"
    )
    return int(requests), int(events)


def wait_for(condition, timeout: float, interval: float = 0.005) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return False


def test_an_import_killed_mid_transaction_leaves_no_event_without_its_entry(
    scratch_database: ScratchDatabase, tmp_path: Path
) -> None:
    db = scratch_database
    caught_open = 0
    # Seconds to wait, once the import's transaction is seen open, before SIGKILL.
    for attempt, delay in enumerate([0.0, 0.25, 0.8]):
        prefix = f"kill{attempt}"
        path = write_jsonl(tmp_path / f"{prefix}.jsonl", generated(KILL_COUNT, prefix))
        process = db.start("requests", "--skip-checks", "import", str(path), "--user", "clerk")
        try:
            opened = wait_for(
                lambda process=process: db.writer_in_transaction() or process.poll() is not None,
                60,
            )
            assert opened, "the import never started writing"
            if process.poll() is None:
                caught_open += 1
                time.sleep(delay)
            process.send_signal(signal.SIGKILL)
            process.communicate(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
            process.communicate()
        # The server notices the dead client and rolls its transaction back.
        assert wait_for(lambda: db.other_sessions() == 0, 30, 0.05)

        requests, events = recorded(db, prefix)
        assert (requests, events) in [(0, 0), (KILL_COUNT, 2 * KILL_COUNT)], (
            f"attempt {attempt}: the killed import left {requests} requests and {events} events"
        )
        assert_whole(db)
    assert caught_open >= 2, "the imports finished before they could be killed mid-transaction"

    # The database is whole and usable after the kills: an import completes and verifies.
    path = write_jsonl(tmp_path / "after.jsonl", generated(100, "after"))
    done = db.custodiet("requests", "--skip-checks", "import", str(path), "--user", "clerk")
    assert done.returncode == 0, done.stderr
    assert recorded(db, "after") == (100, 200)
    assert_whole(db)
    verified = db.custodiet("ledger", "--skip-checks", "verify")
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.startswith("ledger verified: ")


def test_concurrent_import_processes_append_one_log_that_custodiet_verify_accepts(
    scratch_database: ScratchDatabase, tmp_path: Path
) -> None:
    db = scratch_database
    paths = [
        write_jsonl(tmp_path / f"writer{writer}.jsonl", generated(PER_WRITER, f"writer{writer}"))
        for writer in range(WRITERS)
    ]
    processes = [
        db.start("requests", "--skip-checks", "import", str(path), "--user", f"clerk{number}")
        for number, path in enumerate(paths)
    ]
    for process in processes:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err

    assert assert_whole(db) == WRITERS * PER_WRITER * 2
    for writer in range(WRITERS):
        assert recorded(db, f"writer{writer}") == (PER_WRITER, 2 * PER_WRITER)
    verified = db.custodiet("ledger", "--skip-checks", "verify")
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.startswith(f"ledger verified: {WRITERS * PER_WRITER * 2} entries")

    # What an auditor receives: a signed export, checked with the published key alone.
    vkey = db.custodiet("ledger", "--skip-checks", "keygen").stdout.strip()
    assert db.custodiet("ledger", "--skip-checks", "checkpoint").returncode == 0
    exported = db.custodiet("ledger", "--skip-checks", "export", str(tmp_path / "export"))
    assert exported.returncode == 0, exported.stderr
    outside = subprocess.run(
        [Path(sys.executable).with_name("custodiet-verify"), tmp_path / "export", "--key", vkey],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert outside.returncode == 0, outside.stderr
    assert f"entries:     {WRITERS * PER_WRITER * 2} read" in outside.stdout


@pytest.mark.skipif(
    not POSTGRES,
    reason="SQLite's in-memory test database is shared-cache, where concurrent writers get "
    "'table is locked' instead of waiting; the process test covers SQLite on a file",
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_import_threads_append_one_contiguous_log(tmp_path: Path, agency) -> None:
    paths = [
        write_jsonl(tmp_path / f"writer{writer}.jsonl", generated(PER_WRITER, f"writer{writer}"))
        for writer in range(WRITERS)
    ]
    start = threading.Barrier(WRITERS)
    failures: list[BaseException] = []

    def writer(path: Path) -> None:
        try:
            start.wait()
            call_command("requests", "import", str(path), "--user", "clerk", stdout=io.StringIO())
        except BaseException as error:
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(path,)) for path in paths]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert failures == []
    total = WRITERS * PER_WRITER * 2
    assert Event.objects.count() == total
    assert list(Entry.objects.order_by("index").values_list("index", flat=True)) == list(
        range(total)
    )
    assert not Event.objects.filter(ledger_entry__isnull=True).exists()
    assert RequestRecord.objects.count() == WRITERS * PER_WRITER
    assert verify_ledger().status == 0
