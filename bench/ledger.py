"""What the ledger costs in the database, on SQLite and on PostgreSQL.

- Durable appends: events committed one per transaction and in batches of 100, each event
  appended to the ledger in its transaction (`store.append`), against a baseline measured
  in the same run: the same transactions writing the same event rows with no ledger.
  The ratio is the share of the baseline's speed the ledger keeps. Commits are durable
  as configured: SQLite in WAL mode with synchronous=FULL (the settings), PostgreSQL with
  synchronous_commit on (its default). Target: at least 2,000 single-event transactions
  a second on PostgreSQL. For information, PostgreSQL also with 8 writers at once.
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

from bench.timing import best_of, met
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
            measure_proofs()


# The driver ---------------------------------------------------------------------------------


def _run(url: str, *extra: str) -> None:
    sys.stdout.flush()
    subprocess.run(
        [sys.executable, "-m", "bench.ledger", "--database", url, *extra],
        cwd=ROOT,
        check=True,
    )


def _postgres_reachable() -> bool:
    import psycopg

    try:
        with psycopg.connect(POSTGRES_URL, connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


def main() -> None:
    print(
        f"ledger in the database: durable appends ({SINGLES:,} single-event transactions, "
        f"{BATCHES} of {BATCH} events) against the same transactions without the ledger"
    )
    with tempfile.TemporaryDirectory() as folder:
        _run(f"sqlite:///{Path(folder) / 'bench.sqlite3'}")
    if not _postgres_reachable():
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
