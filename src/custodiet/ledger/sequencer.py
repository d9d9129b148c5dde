"""The sequencer: gives leaves their positions in the log, many in each commit.

Writers (every code path that records an event) write the event and its leaf in their own
transaction and take no lock the others need (`store.append`); once that commits, the
request is acknowledged and its leaf is part of the record. The sequencer then, in a loop:
takes the append lock, reads the leaves that have no entry yet in the order of their ids,
writes their entries and the tree nodes they complete, and commits: one durable commit
for a whole batch, so the log advances as fast as the disk allows however many writers
there are. `custodiet ledger verify` holds it to a bound: a leaf waiting for its position
longer than CUSTODIET_LEDGER_PENDING_SECONDS is a failure that names it.

Finding the leaves to place cheaply. Ids are handed out when a leaf is inserted, but
transactions commit in any order, so a leaf can become visible after leaves with higher
ids were placed. The sequencer remembers the highest id it has read (`low`) and every id
below it that it has not seen (`gaps`: a transaction still running, or rolled back).
Each pass reads the leaves above `low` and those gaps, and places the ones no entry
holds; a gap is looked for again for GAP_PATIENCE seconds. Beyond that, and for whatever
a previous run left, a sweep of the whole table runs when the sequencer starts and every
SWEEP_EVERY seconds. Whatever the bookkeeping says, a leaf is placed only if no entry
holds its event (the query checks, under the lock), so a second sequencer started by
mistake, or an inline append, can slow this one but never place a leaf twice.

Crashes. Nothing the sequencer holds in memory is needed again: its tree is reloaded
from the database when the log's size is not what it expects, and its marks are rebuilt
by the sweep. A crash between the entries and the commit leaves nothing (one transaction).
`tests/ledger/test_sequencer_crash.py` kills it, and the writers, at each step.

More than one log. The loop holds no state that is not per log: the lock, the tree, the
marks and the tables. Integrating several agencies' logs means one `Sequencer` per log,
each with its own lock key and its own tables or a log column in them, run in turn by one
process; the witness already treats each log by its origin.

More than one machine. The sequencer is the single writer of each log's positions; the
writers (web workers, the API, the monitor) run on any number of machines, since they
only insert rows. Two sequencers on two machines are safe (the advisory lock and the
unique event of an entry) but pointless; one runs, a second may stand by. On failover,
the database is the state: the standby's first pass takes the lock the dead one's
session released when its connection dropped, reloads the tree from the nodes, sweeps for
unplaced leaves and goes on; a batch the dead one had not committed is redone, since it
was never written. A failover of PostgreSQL itself must promote a replica that had every
acknowledged commit (synchronous replication); otherwise acknowledged events and their
leaves are lost with the primary, ledger or not.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from custodiet.ledger import store
from custodiet.merkle.compact import CompactTree

logger = logging.getLogger(__name__)

BATCH = 5000
# Seconds to wait when no leaf waits: each pass costs a transaction, so waiting lets one
# commit place more leaves; the log stays within about this much of its writers.
INTERVAL = 0.05
# How long an id below the mark that no visible leaf has is looked for again (seconds).
GAP_PATIENCE = 600.0
# How often the whole table is swept for leaves the marks missed (seconds).
SWEEP_EVERY = 600.0
# How far below the newest placed leaf the mark starts: ids handed out to transactions
# that were still running when the last batch was placed.
MARGIN = 100_000
# Gaps asked for in one SQLite statement, at most (its limit on parameters is 32,766).
SQLITE_GAPS = 30_000

# The leaves above the mark (or those in the gaps), with whether an entry holds each: their
# hashes, not their bytes, which the entries copy inside the database. Two queries, not
# one with OR: an OR of the two would make the database scan the leaves from the first.
_READ = """
SELECT l.id, l.event_id, l.hash, l.staged_at,
       EXISTS (SELECT 1 FROM ledger_entry e WHERE e.event_id = l.event_id) AS placed
FROM ledger_leaf l
WHERE {where}
ORDER BY l.id
LIMIT %s
"""


@dataclass
class Sequencer:
    batch: int = BATCH
    tree: CompactTree | None = None
    low: int | None = None
    gaps: dict[int, float] = field(default_factory=dict)
    swept: float = float("-inf")
    placed: int = 0
    advanced: bool = False  # whether the last pass moved the mark
    # The longest a leaf placed by this sequencer waited, from its transaction's write to
    # the commit that placed it (seconds).
    longest_wait: float = 0.0

    def start(self) -> None:
        """Set the mark below the newest placed leaf (and not below the oldest leaf), and
        sweep for what lies under it."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT l.id FROM ledger_entry e JOIN ledger_leaf l ON l.event_id = e.event_id "
                'ORDER BY e."index" DESC LIMIT 1'
            )
            newest = cursor.fetchone()
            cursor.execute("SELECT min(id) FROM ledger_leaf")
            (oldest,) = cursor.fetchone()
        # Never below the first leaf there is: ids need not start at 1.
        self.low = max(0, (newest[0] if newest else 0) - MARGIN, (oldest or 1) - 1)
        self.sweep()

    def sweep(self) -> None:
        """Add to the gaps every leaf at or below the mark that no entry holds. Read
        without the lock: the pass that places them checks again under it."""
        assert self.low is not None
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT l.id FROM ledger_leaf l WHERE l.id <= %s AND NOT EXISTS "
                "(SELECT 1 FROM ledger_entry e WHERE e.event_id = l.event_id)",
                [self.low],
            )
            found = [row[0] for row in cursor.fetchall()]
        now = time.monotonic()
        for leaf_id in found:
            self.gaps.setdefault(leaf_id, now)
        self.swept = now

    def step(self) -> int:
        """Place one batch of waiting leaves in one commit; how many were placed."""
        if self.low is None:
            self.start()
        elif time.monotonic() - self.swept > SWEEP_EVERY:
            self.sweep()
        assert self.low is not None
        gaps = sorted(self.gaps)
        store.on_step("begin")
        with transaction.atomic():
            store.lock()
            store.on_step("locked")
            current = store.size()
            tree = self.tree
            if tree is None or tree.size != current:
                tree = store.tree_at(current)  # first pass, or someone else placed leaves
            tree = CompactTree(tree.size, tree.frontier)
            rows = self._read(gaps)
            store.on_step("read")
            waiting = [
                (leaf_id, bytes(digest)) for leaf_id, _, digest, _, placed in rows if not placed
            ]
            if waiting:
                store.place_waiting(tree, waiting)
                store.on_step("written")
        store.on_step("committed")
        if waiting:
            oldest = min(store.instant(row[3]) for row in rows if not row[4])
            self.longest_wait = max(self.longest_wait, (timezone.now() - oldest).total_seconds())
        self.tree = tree
        before = self.low
        self._mark([row[0] for row in rows])
        self.advanced = self.low != before
        self.placed += len(waiting)
        return len(waiting)

    def _read(self, gaps: list[int]) -> list[tuple[Any, ...]]:
        rows: list[tuple[Any, ...]] = []
        with connection.cursor() as cursor:
            # Every gap, however many: ids that never show up (rolled back) take no room
            # in the batch, so none of them keeps a leaf that did commit from being read.
            if gaps and connection.vendor == "postgresql":
                cursor.execute(_READ.format(where="l.id = ANY(%s)"), [gaps, self.batch])
                rows = cursor.fetchall()
            elif gaps:
                asked = gaps[:SQLITE_GAPS]
                where = f"l.id IN ({', '.join(['%s'] * len(asked))})"
                cursor.execute(_READ.format(where=where), [*asked, self.batch])
                rows = cursor.fetchall()
            if len(rows) < self.batch:
                cursor.execute(_READ.format(where="l.id > %s"), [self.low, self.batch - len(rows)])
                rows += cursor.fetchall()
        return rows

    def _mark(self, seen: list[int]) -> None:
        """After a committed pass: forget the gaps found, note the ids skipped over."""
        assert self.low is not None
        now = time.monotonic()
        for leaf_id in seen:
            self.gaps.pop(leaf_id, None)
        above = [leaf_id for leaf_id in seen if leaf_id > self.low]
        if above:
            present = set(above)
            top = max(above)
            if top - self.low <= 10 * self.batch:
                for leaf_id in range(self.low + 1, top):
                    if leaf_id not in present:
                        self.gaps.setdefault(leaf_id, now)
            else:
                self.swept = float("-inf")  # a jump in the ids: let a sweep look under it
            self.low = top
        for leaf_id in [g for g, since in self.gaps.items() if now - since > GAP_PATIENCE]:
            del self.gaps[leaf_id]

    def run(
        self,
        *,
        interval: float = INTERVAL,
        until: Callable[[], bool] = lambda: False,
        once: bool = False,
        report: Callable[[int, float], object] | None = None,
        every: float = 60.0,
    ) -> int:
        """Place leaves until `until()` says stop (or, `once`, until none waits); returns
        how many were placed. A database error is logged and the pass tried again. Every
        `every` seconds `report` is told how many were placed since the last report and
        the longest any of them waited (seconds); `longest_wait` starts again from 0."""
        placed_then, next_report = self.placed, time.monotonic() + every
        while not until():
            if report is not None and time.monotonic() >= next_report:
                report(self.placed - placed_then, self.longest_wait)
                placed_then, next_report = self.placed, time.monotonic() + every
                self.longest_wait = 0.0
            try:
                placed = self.step()
            except Exception:
                if once:
                    raise
                logger.exception("the sequencer's pass failed; trying again")
                self.tree = None
                connection.close()
                time.sleep(min(5.0, interval * 50))
                continue
            if placed == 0 and not self.advanced:
                if once and not self._gaps_young():
                    break
                time.sleep(interval)
        return self.placed

    def _gaps_young(self) -> bool:
        """Whether a gap seen in the last second may yet show up (a writer committing)."""
        now = time.monotonic()
        return any(now - since < 1.0 for since in self.gaps.values())
