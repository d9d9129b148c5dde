"""What the ledger costs in the database, on SQLite and on PostgreSQL.

- Durable appends: events committed one per transaction and in batches of 100, each event
  appended to the ledger in its transaction (`store.append`), against a baseline measured
  in the same run: the same transactions writing the same event rows with no ledger.
  The ratio is the share of the baseline's speed the ledger keeps. Commits are durable
  as configured: SQLite in WAL mode with synchronous=FULL (the settings), PostgreSQL with
  synchronous_commit on (its default). Target: at least 2,000 single-event transactions
  a second on PostgreSQL. For information, PostgreSQL also with 8 writers at once.
- The separate sequencer (PostgreSQL): 8 writer processes, each committing single-event
  transactions that write the event and its leaf (CUSTODIET_LEDGER_SEQUENCER=separate),
  while `custodiet ledger sequence`'s loop runs in a process of its own; against the same
  8 writers with no ledger. The sequencer notes, for each leaf it places, the time from
  the write of the leaf to the commit that placed it: its maximum is how far the log fell
  behind the newest acknowledged event. Targets: at least
  2,000 durable single-event transactions a second, and the sequencer within 1 s.
- Verification at 1,000,000 entries (PostgreSQL): a log of events like the system's (a
  third requests received, a third decisions, a third small case events), written with
  COPY, then `store.verify` (what `custodiet ledger verify` runs), against the standalone
  verifier (`custodiet-verify`) reading the same log's export, in the same run. Targets:
  at least 50,000 entries a second, and at least half the standalone verifier's rate.
- Proofs served from the database at 1,000,000 entries (PostgreSQL): the node table is
  filled with COPY from a `CompactTree` run, then random inclusion and consistency proofs
  are read through `store.prove_inclusion` / `store.prove_consistency`. Target: under
  2 ms each. Every proof is verified against roots computed while filling, or the
  benchmark fails.

Settings are read once per process, so each database is measured in a process of its
own: `python -m bench.ledger --database URL`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.timing import best_of, met, postgres_reachable
from custodiet.samples import generate

ROOT = Path(__file__).resolve().parents[1]
POSTGRES_URL = os.environ.get("CUSTODIET_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432/test")
SINGLES = 1000
BATCHES = 20
BATCH = 100
REPEATS = 3
WRITERS = 8
PROOF_SIZE = 1_000_000
PROOFS = 1000
APPEND_TARGET = 2000
PROOF_TARGET_MS = 2.0
LAG_TARGET = 1.0
VERIFY_SIZE = int(os.environ.get("CUSTODIET_BENCH_VERIFY_SIZE", "1000000"))
VERIFY_TARGET = 50_000
SEQUENCED = 6000  # single-event transactions in one separate-sequencer run, all writers


# In the measuring process -----------------------------------------------------------------


def _setup(url: str, home: Path) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "custodiet.settings",
            "DATABASE_URL": url,
            "CUSTODIET_HOME": str(home),
            "CUSTODIET_INSECURE_DEV_KEY": "true",
            "CUSTODIET_SECURE": "false",
        }
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, skip_checks=True)


def _alternating(measure: Callable[[bool], float]) -> tuple[float, float]:
    """The best times without and with the ledger, run in turn so that neither side
    always meets the warmer (or the fuller) database."""
    alone = with_ledger = float("inf")
    for _ in range(REPEATS):
        alone = min(alone, measure(False))
        with_ledger = min(with_ledger, measure(True))
    return alone, with_ledger


def _row(label: str, name: str, count: int, alone: float, with_ledger: float, unit: str) -> float:
    rate, base = count / with_ledger, count / alone
    print(
        f"  {label:<8} {name:<30} {rate:>9,.0f}{unit}   "
        f"(events alone {base:,.0f}{unit}, ratio {rate / base:.2f})"
    )
    return rate


def measure_appends(label: str) -> None:
    from django.db import connection, transaction

    from custodiet.ledger import store
    from custodiet.ledger.models import Entry
    from custodiet.records.models import Event

    payloads = [{"request": request} for request in generate(BATCH)]
    now = dt.datetime.now(dt.UTC)

    def commit(count: int, ledger: bool) -> None:
        with transaction.atomic():
            written = Event.objects.bulk_create(
                [
                    Event(kind="request.received", actor="bench", at=now, payload=payload)
                    for payload in payloads[:count]
                ]
            )
            if ledger:
                store.append(written)

    def serial(transactions: int, size: int) -> Callable[[bool], float]:
        return lambda ledger: best_of(
            lambda: [commit(size, ledger) for _ in range(transactions)], repeats=1
        )

    def together(ledger: bool) -> float:
        # Clerks at several desks: the server can flush many commits with one fsync,
        # but an append holds the ledger's lock until its commit is durable.
        start = threading.Barrier(WRITERS + 1)

        def writer() -> None:
            try:
                start.wait()
                for _ in range(SINGLES // WRITERS):
                    commit(1, ledger)
            finally:
                connection.close()

        threads = [threading.Thread(target=writer) for _ in range(WRITERS)]
        for thread in threads:
            thread.start()
        start.wait()
        started = time.perf_counter()
        for thread in threads:
            thread.join()
        return time.perf_counter() - started

    single = _row(
        label, "one event per transaction", SINGLES, *_alternating(serial(SINGLES, 1)), "/s"
    )
    if label == "postgres":
        print(
            f"  {'':<8} target >= {APPEND_TARGET:,} durable single-event transactions/s: "
            f"{met(single >= APPEND_TARGET)}"
        )
    name = f"{BATCH} events per transaction"
    _row(label, name, BATCHES * BATCH, *_alternating(serial(BATCHES, BATCH)), " events/s")
    appended = REPEATS * (SINGLES + BATCHES * BATCH)
    if label == "postgres":
        name = f"{WRITERS} writers, one event each"
        _row(label, name, SINGLES // WRITERS * WRITERS, *_alternating(together), "/s")
        appended += REPEATS * (SINGLES // WRITERS * WRITERS)
    # The baseline's events have no entries, so `verify` would rightly fail here; check
    # instead that every append landed, with no gap.
    assert Entry.objects.count() == store.size() == appended, "appends were lost"


def _writer_process(count: int, ledger: bool, start: Any, done: Any) -> None:
    """One writer of the separate-sequencer measurement, in a forked process."""
    from django.db import connection, transaction

    from custodiet.ledger import store
    from custodiet.records.models import Event

    connection.close()  # never share the parent's connection
    payloads = [{"request": request} for request in generate(50)]
    Event.objects.exists()  # connect before the clock starts
    start.wait()
    for number in range(count):
        with transaction.atomic():
            event = Event.objects.create(
                kind="request.received",
                actor="bench",
                at=dt.datetime.now(dt.UTC),
                payload=payloads[number % len(payloads)],
            )
            if ledger:
                store.append([event], place=False)
    connection.close()
    done.put(count)


def _sequencer_process(stop: Any, waited: Any) -> None:
    from django.db import connection

    from custodiet.ledger.sequencer import Sequencer

    connection.close()
    sequencer = Sequencer()
    sequencer.run(until=stop.is_set)
    connection.close()
    waited.put(sequencer.longest_wait)


def measure_sequencer() -> None:
    """8 writer processes committing events and leaves while the sequencer places them."""
    import multiprocessing

    from django.db import connection

    from custodiet.ledger import store

    context = multiprocessing.get_context("fork")
    per_writer = SEQUENCED // WRITERS

    def run(ledger: bool) -> tuple[float, float]:
        connection.close()
        start = context.Barrier(WRITERS + 1)
        done = context.Queue()
        stop = context.Event()
        waited = context.Queue()
        sequencer = context.Process(target=_sequencer_process, args=(stop, waited))
        if ledger:
            sequencer.start()
        writers = [
            context.Process(target=_writer_process, args=(per_writer, ledger, start, done))
            for _ in range(WRITERS)
        ]
        for writer in writers:
            writer.start()
        start.wait()
        started = time.perf_counter()
        finished = sum(done.get() for _ in writers)
        elapsed = time.perf_counter() - started
        assert finished == per_writer * WRITERS, "a writer failed"
        lag = 0.0
        if ledger:
            # Until the last leaf is placed: the log caught up with everything acknowledged.
            while store.pending()[0]:
                time.sleep(0.05)
            stop.set()
            lag = waited.get(timeout=60)
            sequencer.join(30)
        for writer in writers:
            writer.join(30)
        return elapsed, lag

    alone = with_ledger = float("inf")
    worst_lag = 0.0
    for _ in range(REPEATS):
        alone = min(alone, run(False)[0])
        elapsed, lag = run(True)
        with_ledger = min(with_ledger, elapsed)
        worst_lag = max(worst_lag, lag)
    count = per_writer * WRITERS
    rate = _row(
        "postgres",
        f"{WRITERS} writers, separate sequencer",
        count,
        alone,
        with_ledger,
        "/s",
    )
    print(
        f"  {'':<8} target >= {APPEND_TARGET:,} durable single-event transactions/s with "
        f"{WRITERS} writers: {met(rate >= APPEND_TARGET)}"
    )
    print(
        f"  {'':<8} the sequencer's furthest behind the newest acknowledged event: "
        f"{worst_lag:.2f} s (target <= {LAG_TARGET:g} s: {met(worst_lag <= LAG_TARGET)}; "
        f"{REPEATS} runs of {count:,})"
    )
    from custodiet.ledger.models import Entry, Leaf

    # The baselines' events have no leaves, so `verify` would rightly fail here; check that
    # every leaf was placed once, with no gap.
    assert store.pending()[0] == 0, "leaves were left unplaced"
    assert Leaf.objects.count() == Entry.objects.count() == store.size(), "leaves were lost"


def _fill_log(count: int) -> None:
    """`count` events with their leaves, entries and nodes, written with COPY (placed as
    the application would place them, so that `verify` must pass)."""
    import json

    from django.db import connection

    from custodiet.ledger.leaf import leaf_data
    from custodiet.ledger.store import pii_hash_key
    from custodiet.merkle.compact import CompactTree
    from custodiet.merkle.rfc6962 import leaf_hash

    key = pii_hash_key()
    requests = generate(500)
    decided = {"decision": {"outcome": "refuse", "reasons": [{"rule": "co.immigration"}]}}
    small = {"to_state": "awaiting_approval", "document_sha256": []}
    kinds = [
        ("request.received", lambda n: {"request": requests[n % len(requests)]}),
        ("request.decided", lambda n: decided | {"decided_by": "engine"}),
        ("case.opened", lambda n: small),
    ]
    at = dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC)
    tree = CompactTree()
    with connection.cursor() as cursor:
        raw = cursor.cursor
        # One COPY at a time on a connection: events first, then what refers to them.
        rows = []
        for index in range(count):
            kind, payload = kinds[index % 3]
            body = payload(index)
            data = None
            if index < 1500:  # each distinct payload once; the rest from these templates
                data = leaf_data(
                    event_id=index + 1,
                    kind=kind,
                    at=at,
                    actor="bench",
                    request=None,
                    payload=body,
                    key=key,
                )
            rows.append((index + 1, kind, body, data))
        # Leaves repeat with their payloads; only the event id differs (the first key of
        # the canonical JSON's that holds a number), so the bytes are made once per
        # distinct payload and the id spliced in. `verify` recomputes every one.
        templates: dict[tuple[str, int], bytes] = {}
        with raw.copy("COPY records_event (id, kind, actor, at, payload) FROM STDIN") as events:
            for event_id, kind, body, _ in rows:
                events.write_row((event_id, kind, "bench", at, json.dumps(body)))
        with raw.copy("COPY ledger_leaf (event_id, data, hash, staged_at) FROM STDIN") as leaves:
            for number, (event_id, kind, _body, data) in enumerate(rows):
                if data is None:
                    template = templates[(kind, number % 1500)]
                    data = template.replace(b'"event":0,', b'"event":%d,' % event_id, 1)
                else:
                    templates[(kind, number % 1500)] = data.replace(
                        b'"event":%d,' % event_id, b'"event":0,', 1
                    )
                digest = leaf_hash(data)
                rows[number] = (event_id, kind, None, data)
                leaves.write_row((event_id, data, digest, at))
        with raw.copy('COPY ledger_entry ("index", event_id, data) FROM STDIN') as entries:
            for index, (event_id, _, _, data) in enumerate(rows):
                entries.write_row((index, event_id, data))
        with raw.copy('COPY ledger_node (level, "index", hash) FROM STDIN') as nodes:
            for _, _, _, data in rows:
                for node in tree.append(leaf_hash(data)):
                    nodes.write_row((node.level, node.index, node.hash))
        cursor.execute("SELECT setval('records_event_id_seq', %s)", [count])
        cursor.execute("ANALYZE")


def measure_verify() -> None:
    from django.core.management import call_command
    from django.db import connection

    from custodiet.ledger import store

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE ledger_node, ledger_entry, ledger_leaf, records_event CASCADE")
    started = time.perf_counter()
    _fill_log(VERIFY_SIZE)
    print(
        f"  postgres {VERIFY_SIZE:,} events with their leaves, entries and nodes written with "
        f"COPY in {time.perf_counter() - started:.0f} s"
    )
    result = None

    def verify() -> None:
        nonlocal result
        result = store.verify()

    seconds = best_of(verify, 1)
    assert result is not None and result.ok, result and result.problem
    assert result.entries == VERIFY_SIZE
    rate = VERIFY_SIZE / seconds
    with tempfile.TemporaryDirectory() as folder:
        quiet = io.StringIO()
        call_command("ledger", "keygen", stdout=quiet, stderr=quiet)
        call_command("ledger", "checkpoint", stdout=quiet)
        call_command("ledger", "export", folder, stdout=quiet)
        vkey = (Path(folder) / "log.vkey").read_text().strip()
        standalone = best_of(
            lambda: subprocess.run(
                [Path(sys.executable).with_name("custodiet-verify"), folder, "--key", vkey],
                check=True,
                capture_output=True,
            ),
            1,
        )
    alone = VERIFY_SIZE / standalone
    print(
        f"  postgres {'custodiet ledger verify':<30} {rate:>9,.0f} entries/s   "
        f"(standalone verifier on the export {alone:,.0f}/s, ratio {rate / alone:.2f}; "
        f"{VERIFY_SIZE:,} entries in {seconds:.1f} s)"
    )
    print(
        f"  {'':<8} target >= {VERIFY_TARGET:,} entries/s: {met(rate >= VERIFY_TARGET)}; "
        f"target >= half the standalone verifier's: {met(rate >= alone / 2)}"
    )


def measure_proofs() -> None:
    from django.db import connection

    from custodiet.ledger import store
    from custodiet.merkle.compact import CompactTree
    from custodiet.merkle.rfc6962 import leaf_hash
    from custodiet.merkle.verify import verify_consistency, verify_inclusion

    rng = random.Random(6962)
    inclusions = [rng.randrange(PROOF_SIZE) for _ in range(PROOFS)]
    old_sizes = sorted(rng.randrange(1, PROOF_SIZE) for _ in range(PROOFS))
    wanted = set(old_sizes)
    roots: dict[int, bytes] = {}
    leaves: list[bytes] = []

    started = time.perf_counter()
    tree = CompactTree()
    with connection.cursor() as cursor:
        # The node table alone serves proofs; it starts empty for a log of exactly this size.
        cursor.execute("TRUNCATE ledger_node")
        with cursor.cursor.copy('COPY ledger_node (level, "index", hash) FROM STDIN') as copy:
            for index in range(PROOF_SIZE):
                leaf = leaf_hash(b"entry %d" % index)
                leaves.append(leaf)
                for node in tree.append(leaf):
                    copy.write_row((node.level, node.index, node.hash))
                if tree.size in wanted:
                    roots[tree.size] = tree.root()
        cursor.execute("ANALYZE ledger_node")
        nodes = cursor.execute("SELECT count(*) FROM ledger_node").fetchone()[0]
    head = tree.root()
    filled = time.perf_counter() - started
    print(f"  postgres {PROOF_SIZE:,} entries: {nodes:,} nodes written with COPY in {filled:.1f} s")

    proofs: list[list[bytes]] = []

    def inclusion() -> None:
        proofs[:] = [store.prove_inclusion(index, PROOF_SIZE) for index in inclusions]

    inclusion_time = best_of(inclusion, REPEATS)
    for index, proof in zip(inclusions, proofs, strict=True):
        verify_inclusion(leaves[index], index, PROOF_SIZE, proof, head)

    def consistency() -> None:
        proofs[:] = [store.prove_consistency(size, PROOF_SIZE) for size in old_sizes]

    consistency_time = best_of(consistency, REPEATS)
    for size, proof in zip(old_sizes, proofs, strict=True):
        verify_consistency(size, PROOF_SIZE, proof, roots[size], head)

    for name, seconds in [("inclusion", inclusion_time), ("consistency", consistency_time)]:
        per = seconds / PROOFS * 1000
        print(
            f"  postgres {name + ' proof from the database':<40} {per:6.2f} ms"
            f"   (target < {PROOF_TARGET_MS:g} ms: {met(per < PROOF_TARGET_MS)}; "
            f"{PROOFS:,} random proofs, all verified)"
        )


def measure(url: str, proofs: bool) -> None:
    label = "sqlite" if url.startswith("sqlite") else "postgres"
    with tempfile.TemporaryDirectory() as home:
        _setup(url, Path(home))
        measure_appends(label)
        if proofs:
            measure_sequencer()
            measure_verify()
            measure_proofs()


# The driver ---------------------------------------------------------------------------------


def _run(url: str, *extra: str) -> None:
    sys.stdout.flush()
    subprocess.run(
        [sys.executable, "-m", "bench.ledger", "--database", url, *extra],
        cwd=ROOT,
        check=True,
    )


def main() -> None:
    print(
        f"ledger in the database: durable appends ({SINGLES:,} single-event transactions, "
        f"{BATCHES} of {BATCH} events) against the same transactions without the ledger"
    )
    with tempfile.TemporaryDirectory() as folder:
        _run(f"sqlite:///{Path(folder) / 'bench.sqlite3'}")
    if not postgres_reachable(POSTGRES_URL):
        print(f"  postgres not reachable at {POSTGRES_URL}: skipped")
        return
    import psycopg

    name = f"custodiet_bench_{secrets.token_hex(4)}"
    base, _, _ = POSTGRES_URL.rpartition("/")
    with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    try:
        _run(f"{base}/{name}", "--proofs")
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", help="measure this database only (a DATABASE_URL)")
    parser.add_argument("--proofs", action="store_true", help="also time proofs at 1M entries")
    args = parser.parse_args()
    if args.database:
        measure(args.database, args.proofs)
    else:
        main()
