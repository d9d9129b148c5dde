"""The separate sequencer: writers' transactions write leaves only, and the sequencer
places them in order, many in one commit, with no gap, no leaf twice, whatever order the
writers committed in; `verify` counts waiting leaves as part of the record and holds them
to the bound. And `verify` with worker processes finds what it finds alone."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from custodiet.ledger import sequencer, store
from custodiet.ledger.models import Entry, Leaf
from custodiet.merkle.rfc6962 import leaf_hash
from custodiet.merkle.verify import verify_inclusion
from custodiet.records.models import Event

from .conftest import ScratchDatabase, contract_request, generated, write_jsonl
from .test_tampering import sql

pytestmark = pytest.mark.django_db


@pytest.fixture
def separate(settings) -> None:
    settings.CUSTODIET_LEDGER_SEQUENCER = "separate"


def events(count: int) -> list[Event]:
    now = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
    return Event.objects.bulk_create(
        [Event(kind="case.note", actor="clerk", at=now, payload={"note": n}) for n in range(count)]
    )


def log(count: int) -> list[Event]:
    with transaction.atomic():
        written = events(count)
        store.append(written)
    return written


def test_a_separate_writer_writes_leaves_and_no_entries_until_the_sequencer_runs(
    separate, import_requests
) -> None:
    import_requests([contract_request(number) for number in range(1, 4)])
    assert (Leaf.objects.count(), Entry.objects.count()) == (6, 0)
    assert store.pending()[0] == 6
    # Waiting within the bound, the leaves are part of the record: verify passes.
    assert store.verify().ok

    placed = sequencer.Sequencer().run(once=True)

    assert placed == 6 and store.pending()[0] == 0
    leaves = dict(Leaf.objects.values_list("event_id", "data"))
    entries = list(Entry.objects.order_by("index").values_list("index", "event_id", "data"))
    assert [index for index, _, _ in entries] == list(range(6))
    # In the order the leaves were written, each entry the leaf's very bytes.
    assert [event for _, event, _ in entries] == sorted(leaves)
    assert all(bytes(data) == bytes(leaves[event]) for _, event, data in entries)
    result = store.verify()
    assert (result.ok, result.entries) == (True, 6)
    root = store.root(6)
    for index, _, data in entries:
        verify_inclusion(leaf_hash(bytes(data)), index, 6, store.prove_inclusion(index, 6), root)


def test_the_sequencer_places_a_leaf_that_committed_after_higher_ones(separate) -> None:
    # Leaf ids need not start at 1 (a database that ran for years, a test suite).
    if connection.vendor == "postgresql":
        sql("SELECT setval('ledger_leaf_id_seq', 50000)")
    else:
        sql("INSERT INTO sqlite_sequence (name, seq) VALUES ('ledger_leaf', 50000)")
    first = log(3)
    late = log(1)
    later = log(2)
    # The middle transaction "commits late": hide its leaf until the first pass is done.
    hidden = Leaf.objects.get(event=late[0])
    sql("DELETE FROM ledger_leaf WHERE id = %s", [hidden.pk])
    worker = sequencer.Sequencer(batch=100)
    assert worker.step() == 5
    assert hidden.pk in worker.gaps
    sql(
        "INSERT INTO ledger_leaf (id, event_id, data, hash, staged_at) VALUES (%s, %s, %s, %s, %s)",
        [hidden.pk, hidden.event_id, bytes(hidden.data), bytes(hidden.hash), hidden.staged_at],
    )
    assert worker.step() == 1
    assert hidden.pk not in worker.gaps
    order = list(Entry.objects.order_by("index").values_list("event_id", flat=True))
    assert order == [e.pk for e in first + later] + [late[0].pk]
    assert store.verify().ok


def test_batches_are_bounded_and_no_leaf_is_placed_twice(separate) -> None:
    log(25)
    worker = sequencer.Sequencer(batch=10)
    assert [worker.step() for _ in range(4)] == [10, 10, 5, 0]
    # A second sequencer, started by mistake, with no memory of what was placed.
    assert sequencer.Sequencer(batch=10).run(once=True) == 0
    assert Entry.objects.count() == 25
    assert store.verify().ok


def test_an_inline_append_between_passes_is_followed(separate) -> None:
    log(4)
    worker = sequencer.Sequencer()
    assert worker.step() == 4
    with transaction.atomic():
        store.append(events(2), place=True)  # placed at once, as an attestation's event is
    log(3)
    assert worker.step() == 3
    assert list(Entry.objects.order_by("index").values_list("index", flat=True)) == list(range(9))
    assert store.verify().ok


def test_the_command_places_what_waits_and_says_so(separate) -> None:
    log(7)
    out = io.StringIO()
    call_command("ledger", "sequence", "--once", stdout=out, stderr=io.StringIO())
    assert out.getvalue().strip() == "placed 7 leaves; 0 waiting"
    assert Entry.objects.count() == 7


def test_a_leaf_waiting_beyond_the_bound_fails_verify_naming_it(separate, settings) -> None:
    written = log(2)
    settings.CUSTODIET_LEDGER_PENDING_SECONDS = 30
    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=31)
    result = store.verify(now=later)
    leaf = Leaf.objects.get(event=written[0])
    assert result.problem is not None
    assert result.problem.message.startswith(
        f"leaf #{leaf.pk} (event #{written[0].pk}) has waited 31 s"
    )
    sequencer.Sequencer().run(once=True)
    assert store.verify(now=later).ok


def test_an_edited_event_whose_leaf_waits_is_named(separate) -> None:
    written = log(1)
    sql("UPDATE records_event SET actor = 'someone else' WHERE id = %s", [written[0].pk])
    leaf = Leaf.objects.get(event=written[0])
    problem = store.verify().problem
    assert problem is not None
    assert problem.message == (
        f"leaf #{leaf.pk} does not match event #{written[0].pk}: the event or the entry was "
        "altered, or entries were reordered"
    )


@pytest.mark.parametrize("tamper", ["entry", "event", "node", "delete"])
def test_verify_with_workers_finds_what_it_finds_alone(
    scratch_database: ScratchDatabase, tmp_path, tamper: str
) -> None:
    db = scratch_database
    path = write_jsonl(tmp_path / "requests.jsonl", generated(400, "w"))
    done = db.custodiet("requests", "--skip-checks", "import", str(path), "--user", "clerk")
    assert done.returncode == 0, done.stderr
    statement = {
        "entry": "UPDATE ledger_entry SET data = data || 'x' WHERE \"index\" = 517",
        "event": "UPDATE records_event SET actor = 'x' WHERE id = "
        '(SELECT event_id FROM ledger_entry WHERE "index" = 611)',
        "node": 'UPDATE ledger_node SET hash = {zeros} WHERE level = 3 AND "index" = 40',
        "delete": 'DELETE FROM ledger_entry WHERE "index" = 233',
    }[tamper].format(zeros="zeroblob(32)" if db.sqlite_path else "decode(repeat('00', 32), 'hex')")
    if db.sqlite_path is None:
        statement = (
            "ALTER TABLE ledger_entry DISABLE TRIGGER USER; "
            "ALTER TABLE records_event DISABLE TRIGGER USER; "
            "ALTER TABLE ledger_node DISABLE TRIGGER USER; " + statement
        )
    db.execute(statement)
    alone = db.custodiet("ledger", "--skip-checks", "verify", "--workers", "1")
    # Batches of 37: ranges that start and end mid-subtree, on every level.
    together = db.custodiet("ledger", "--skip-checks", "verify", "--workers", "3", "--batch", "37")
    assert (together.returncode, together.stdout, together.stderr.splitlines()[-1:]) == (
        alone.returncode,
        alone.stdout,
        alone.stderr.splitlines()[-1:],
    )
    expected = {
        "entry": "ledger verification FAILED: entry 517 does not match event",
        "event": "ledger verification FAILED: entry 611 does not match event",
        # Node (3, 40) covers entries 320..327: the last one completes it.
        "node": "ledger verification FAILED: entry 327: the stored hash at level 3, position 40",
        "delete": "ledger verification FAILED: entry 233 is missing (the next stored entry is 234)",
    }[tamper]
    assert alone.returncode == 1
    assert alone.stderr.splitlines()[-1].startswith(expected)


def test_verify_with_workers_passes_an_honest_log_read_in_odd_batches(
    scratch_database: ScratchDatabase, tmp_path
) -> None:
    db = scratch_database
    path = write_jsonl(tmp_path / "requests.jsonl", generated(300, "h"))
    assert (
        db.custodiet("requests", "--skip-checks", "import", str(path), "--user", "clerk").returncode
        == 0
    )
    assert db.custodiet("ledger", "--skip-checks", "keygen").returncode == 0
    assert db.custodiet("ledger", "--skip-checks", "checkpoint").returncode == 0
    more = write_jsonl(tmp_path / "more.jsonl", generated(33, "m"))
    assert (
        db.custodiet("requests", "--skip-checks", "import", str(more), "--user", "clerk").returncode
        == 0
    )
    for batch in ("1", "37", "256", "5000"):
        done = db.custodiet("ledger", "--skip-checks", "verify", "--workers", "2", "--batch", batch)
        assert (done.returncode, done.stdout.strip()) == (
            0,
            "ledger verified: 666 entries, 1 checkpoints",
        ), done.stderr


def test_a_late_leaf_is_read_however_many_rolled_back_ids_lie_below_it(separate) -> None:
    worker = sequencer.Sequencer(batch=100)
    log(1)
    assert worker.step() == 1
    # 600 transactions that wrote a leaf and rolled back: ids that never show up.
    for _ in range(600):
        with transaction.atomic():
            store.append(events(1))
            transaction.set_rollback(True)
    late = log(1)
    hidden = Leaf.objects.get(event=late[0])
    sql("DELETE FROM ledger_leaf WHERE id = %s", [hidden.pk])  # still being written
    log(1)
    assert worker.step() == 1
    sql(
        "INSERT INTO ledger_leaf (id, event_id, data, hash, staged_at) VALUES (%s, %s, %s, %s, %s)",
        [hidden.pk, hidden.event_id, bytes(hidden.data), bytes(hidden.hash), hidden.staged_at],
    )
    assert worker.step() == 1  # on the next pass, not the next sweep
    assert Entry.objects.filter(event=late[0]).exists()
