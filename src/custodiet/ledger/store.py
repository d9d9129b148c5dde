"""The ledger kept in the database: appending, proofs, checkpoints and verification.

An event's transaction writes the event and its leaf (`append`), so both commit together
or not at all; from that commit the leaf is part of the record. Its position in the log
(an entry, and the tree nodes it completes) is given under the append lock: inline, in
the same transaction, or by the sequencer after the commit, many leaves at a time
(custodiet.ledger.sequencer, chosen by CUSTODIET_LEDGER_SEQUENCER). Positions are given by
one writer at a time: on PostgreSQL under a transaction-scoped advisory lock, on SQLite
under the write lock every transaction takes at BEGIN (settings use IMMEDIATE
transactions). The primary key on the entry index refuses a fork even if the lock were
bypassed, and the unique event of an entry refuses placing a leaf twice.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import closing
from dataclasses import dataclass
from itertools import groupby
from multiprocessing import get_context
from operator import itemgetter
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.db.models import Max, Min
from django.utils import timezone

from custodiet.ledger import leaf as leaves
from custodiet.ledger import reading
from custodiet.ledger.leaf import LEAF_VERSION, leaf_data
from custodiet.ledger.models import Checkpoint, Cosignature, Entry
from custodiet.merkle.compact import CompactTree, NodeId, frontier_ids
from custodiet.merkle.cosignature import WitnessVerifier, with_cosignatures
from custodiet.merkle.note import Checkpoint as Note
from custodiet.merkle.note import (
    NoteError,
    Signer,
    Verifier,
    parse_note,
    sign_checkpoint,
    verify_checkpoint,
)
from custodiet.merkle.proof import consistency_proof, inclusion_proof
from custodiet.merkle.rfc6962 import leaf_hash, parent_hashes
from custodiet.merkle.verify import verify_consistency
from custodiet.records.models import Event
from custodiet.witness import request_body

# Any fixed 64-bit number: the advisory lock that serializes appends on PostgreSQL.
APPEND_LOCK = 0x6C65646765723031


def _no_step(step: str) -> None:
    """Called with the name of each step of writing and placing leaves. The crash tests
    (tests/ledger/test_sequencer_crash.py) replace it to stop a process at that step."""


on_step: Callable[[str], None] = _no_step


class LedgerError(Exception):
    """The ledger cannot do what was asked (no key, a size beyond the log, ...)."""


def pii_hash_key() -> bytes:
    """The key of the leaves' keyed hashes. Settings load without it (for the commands that
    need none); a leaf made or checked with no key could never be verified again."""
    key: bytes = settings.CUSTODIET_PII_HASH_KEY
    if not key:
        name = "CUSTODIET_PII_HASH_KEY"
        raise ImproperlyConfigured(
            getattr(settings, "CUSTODIET_MISSING_SECRETS", {}).get(name, f"{name} is not set")
        )
    return key


def _as_leaf(event: Event) -> dict[str, Any]:
    """What a leaf is made of: the event's fields and the key."""
    return {
        "event_id": event.pk,
        "kind": event.kind,
        "at": event.at,
        "actor": event.actor,
        "request": event.request.public_id if event.request_id else None,
        "payload": event.payload,
        "key": pii_hash_key(),  # a missing key is the deployment's fault, not the entry's
    }


def event_leaf(event: Event, version: int = LEAF_VERSION) -> bytes:
    return leaf_data(**_as_leaf(event), version=version)


def leaf_mismatch(event: Event | None, data: bytes) -> str | None:
    """Why the stored leaf `data` is not what `event` gives now, or None when it is.
    Never raises, whatever the event holds (custodiet.ledger.leaf.leaf_mismatch)."""
    if event is None:
        return "has no event"
    return leaves.leaf_mismatch(data, **_as_leaf(event))


def lock() -> None:
    """Take the append lock until the end of the current transaction."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [APPEND_LOCK])


def size() -> int:
    last = Entry.objects.aggregate(last=Max("index"))["last"]
    return 0 if last is None else last + 1


def fetch_nodes(ids: Sequence[NodeId]) -> list[bytes]:
    """The stored hashes of these perfect subtrees, in the order asked, in one query."""
    if not ids:
        return []
    # Written as SQL: Django takes about 2 ms to compile the same OR'ed Q objects for a
    # 20-node proof, several times what the database needs (bench/ledger.py). The OR of
    # one term per node is answered from the position index by SQLite and PostgreSQL
    # alike; SQLite would scan the table for `(level, "index") IN (VALUES ...)`.
    terms = " OR ".join(['(level = %s AND "index" = %s)'] * len(ids))
    sql = f'SELECT level, "index", hash FROM ledger_node WHERE {terms}'  # noqa: S608 - placeholders only
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for node in ids for value in (node.level, node.index)])
        found = {(level, index): bytes(value) for level, index, value in cursor.fetchall()}
    missing = [node for node in ids if (node.level, node.index) not in found]
    if missing:
        raise LedgerError(
            f"the ledger lacks node(s) {missing[:3]}: it is incomplete or was altered"
        )
    return [found[(node.level, node.index)] for node in ids]


def append(events: Sequence[Event], *, place: bool | None = None) -> int:
    """Write these events' leaves, in order, within the current transaction; returns how
    many.

    Inline (CUSTODIET_LEDGER_SEQUENCER=inline, or `place=True` for an event whose position
    is needed at once) the leaves are also placed in the log here, under the append lock;
    otherwise the sequencer places them after the commit.
    """
    if not connection.in_atomic_block:
        raise LedgerError("append() must run inside the transaction that writes the events")
    if not events:
        return []
    now = timezone.now()
    written = []
    for event in events:
        data = event_leaf(event)
        written.append((event.pk, data, leaf_hash(data)))
    # One statement, without the ORM's objects: this is on every request's path.
    rows = ", ".join(["(%s, %s, %s, %s)"] * len(written))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO ledger_leaf (event_id, data, hash, staged_at) VALUES {rows}",  # noqa: S608 - placeholders only
            [value for row in written for value in (*row, now)],
        )
    on_step("staged")
    if place if place is not None else settings.CUSTODIET_LEDGER_SEQUENCER == "inline":
        lock()
        place_leaves(tree_at(size()), written)
        on_step("placed")
    return len(written)


def tree_at(at_size: int) -> CompactTree:
    return CompactTree(at_size, fetch_nodes(frontier_ids(at_size)))


def place_leaves(tree: CompactTree, placed: Sequence[tuple[int, bytes, bytes]]) -> None:
    """Give these leaves (event id, leaf bytes, leaf hash) the next positions after `tree`:
    write their entries and the nodes they complete. Under the append lock, in the
    caller's transaction; `tree` is advanced past them."""
    first = tree.size
    entries = []
    nodes = []
    for offset, (event_id, data, digest) in enumerate(placed):
        entries.append((first + offset, event_id, data))
        nodes.extend((node.level, node.index, node.hash) for node in tree.append(bytes(digest)))
    # Raw rows (COPY on PostgreSQL): the sequencer writes thousands a second, and the ORM's
    # objects would cost more than the database's work.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(
                'COPY ledger_entry ("index", event_id, data) FROM STDIN'
            ) as copy:
                for row in entries:
                    copy.write_row(row)
            with cursor.cursor.copy('COPY ledger_node (level, "index", hash) FROM STDIN') as copy:
                for row in nodes:
                    copy.write_row(row)
            return
        cursor.executemany(
            'INSERT INTO ledger_entry ("index", event_id, data) VALUES (%s, %s, %s)', entries
        )
        cursor.executemany(
            'INSERT INTO ledger_node (level, "index", hash) VALUES (%s, %s, %s)', nodes
        )


def place_waiting(tree: CompactTree, waiting: Sequence[tuple[int, bytes]]) -> None:
    """`place_leaves` for leaves already written (leaf id, leaf hash), as the sequencer
    places them: each entry copies its leaf's bytes inside the database."""
    first = tree.size
    nodes = []
    for _, digest in waiting:
        nodes.extend((node.level, node.index, node.hash) for node in tree.append(digest))
    positions = [(first + offset, leaf_id) for offset, (leaf_id, _) in enumerate(waiting)]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                'INSERT INTO ledger_entry ("index", event_id, data) '
                "SELECT placed.position, l.event_id, l.data "
                "FROM unnest(%s::bigint[], %s::bigint[]) AS placed (position, leaf) "
                "JOIN ledger_leaf l ON l.id = placed.leaf",
                [[position for position, _ in positions], [leaf for _, leaf in positions]],
            )
            _all_placed(cursor.rowcount, positions)
            with cursor.cursor.copy('COPY ledger_node (level, "index", hash) FROM STDIN') as copy:
                for row in nodes:
                    copy.write_row(row)
        else:
            cursor.executemany(
                'INSERT INTO ledger_entry ("index", event_id, data) '
                "SELECT %s, event_id, data FROM ledger_leaf WHERE id = %s",
                positions,
            )
            _all_placed(cursor.rowcount, positions)
            cursor.executemany(
                'INSERT INTO ledger_node (level, "index", hash) VALUES (%s, %s, %s)', nodes
            )


def _all_placed(written: int, positions: Sequence[tuple[int, int]]) -> None:
    if written != len(positions):  # a leaf read a moment ago is gone: place none of them
        raise LedgerError(
            f"{len(positions) - written} of the leaves to place at {positions[0][0]}.. are gone"
        )


def root(at_size: int) -> bytes:
    return CompactTree(at_size, fetch_nodes(frontier_ids(at_size))).root()


def prove_inclusion(index: int, at_size: int) -> list[bytes]:
    return inclusion_proof(index, at_size, fetch_nodes)


def prove_consistency(size1: int, size2: int) -> list[bytes]:
    return consistency_proof(size1, size2, fetch_nodes)


# Keys and checkpoints -----------------------------------------------------------------


def signer() -> Signer:
    path = Path(settings.CUSTODIET_LOG_KEY_FILE)
    try:
        return Signer.from_skey(path.read_text().strip())
    except FileNotFoundError:
        raise LedgerError(
            f"no signing key at {path}: run `custodiet ledger keygen` first"
        ) from None
    except ValueError as exc:
        raise LedgerError(f"{path}: not a signing key: {exc}") from None


def checkpoint() -> Checkpoint:
    """Sign the current tree head and store it; the latest one is returned if nothing changed."""
    key = signer()
    with transaction.atomic():
        lock()
        current = size()
        existing = Checkpoint.objects.filter(size=current).first()
        if existing is not None:
            return existing
        head = root(current)
        note = sign_checkpoint(Note(origin=key.name, size=current, root=head), [key])
        return Checkpoint.objects.create(size=current, root=head, note=note)


# Witnesses ---------------------------------------------------------------------------


class WitnessRefused(LedgerError):
    """A witness answered with anything but a cosignature."""


def _post(url: str, body: str, timeout: float) -> tuple[int, str]:
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise WitnessRefused(f"{url}: a witness is reached over http:// or https://")
    request = urllib.request.Request(  # noqa: S310 (the scheme is checked above)
        url.rstrip("/") + "/add-checkpoint",
        data=body.encode(),
        method="POST",
        headers={"Content-Type": "text/plain; charset=utf-8"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310
            return answer.status, answer.read(65536).decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read(65536).decode("utf-8", "replace")
    except (urllib.error.URLError, OSError) as error:
        raise WitnessRefused(f"{url}: cannot reach the witness ({error})") from None


def witness(
    head: Checkpoint,
    url: str,
    keys: Sequence[WitnessVerifier] = (),
    timeout: float = 30.0,
) -> list[Cosignature]:
    """Send the checkpoint to the witness at `url` (its submission prefix) with the proof
    from the size it last cosigned, and keep its cosignatures. Each must be a well-formed
    cosignature of this checkpoint; given the witnesses' `keys`, lines by other keys are
    ignored and those by a known key must verify. WitnessRefused names the witness and
    its answer otherwise."""
    known = (
        Checkpoint.objects.filter(cosignatures__isnull=False, size__lte=head.size)
        .order_by("-size")
        .values_list("size", flat=True)
        .first()
    ) or 0
    for _ in range(2):
        proof = prove_consistency(known, head.size) if 0 < known < head.size else []
        status, text = _post(url, request_body(known, proof, head.note), timeout)
        if status == 409 and text.strip().isdigit() and int(text) != known:
            # The witness last cosigned another size: prove from that one, once.
            if int(text) > head.size:
                raise WitnessRefused(
                    f"{url}: the witness has cosigned size {int(text):,}, beyond this log's "
                    f"{head.size:,}: the log was rolled back or forked"
                )
            known = int(text)
            continue
        break
    if status != 200:
        raise WitnessRefused(f"{url}: answered {status}: {text.strip()[:300]}")
    lines = _cosignatures(head, url, text, keys)
    kept = []
    with transaction.atomic():
        for name, line in lines:
            found = Cosignature.objects.filter(checkpoint=head, witness=name).first()
            kept.append(
                found or Cosignature.objects.create(checkpoint=head, witness=name, line=line)
            )
    return kept


def _cosignatures(
    head: Checkpoint, url: str, text: str, keys: Sequence[WitnessVerifier]
) -> list[tuple[str, str]]:
    """(witness name, line) of each cosignature in a witness's answer worth keeping."""
    lines = [line + "\n" for line in text.split("\n") if line]
    try:
        _, signatures = parse_note(with_cosignatures(head.note, lines))
    except NoteError as error:
        raise WitnessRefused(f"{url}: answered with no cosignature ({error})") from None
    known = {(k.name, k.key_id): k for k in keys}
    kept = []
    for line, signature in zip(lines, signatures[-len(lines) :], strict=True):
        if len(signature.signature) != 72:
            raise WitnessRefused(f"{url}: {signature.name}'s answer is not a cosignature/v1")
        verifier = known.get((signature.name, signature.key_id))
        if keys and verifier is None:
            continue
        if verifier is not None:
            try:
                verifier.timestamp(with_cosignatures(head.note, [line]))
            except NoteError as error:
                raise WitnessRefused(f"{url}: {error}") from None
        kept.append((signature.name, line))
    if not kept:
        raise WitnessRefused(f"{url}: no cosignature by a witness key given")
    return kept


def cosigned_note(head: Checkpoint) -> str:
    """The checkpoint's note with every witness cosignature kept for it."""
    return with_cosignatures(head.note, [c.line for c in head.cosignatures.all()])


# Verification -------------------------------------------------------------------------


@dataclass(frozen=True)
class Divergence:
    entry: int | None
    message: str


@dataclass
class Verification:
    entries: int = 0
    checkpoints: int = 0
    problem: Divergence | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def _completed(first: int, end: int, order: str = "") -> list[tuple[int, int, bytes]]:
    """Stored perfect nodes completed by appending leaves [first, end), as rows.

    Node (level, i) is completed by its last leaf, (i + 1) * 2**level - 1, so the ones
    completed in the range are first // 2**level <= i < end // 2**level.
    """
    terms = []
    params = []
    for level in range(end.bit_length()):
        low, high = first >> level, end >> level
        if high > low:
            terms.append('(level = %s AND "index" >= %s AND "index" < %s)')
            params += [level, low, high]
    if not terms:
        return []
    sql = f'SELECT level, "index", hash FROM ledger_node WHERE {" OR ".join(terms)} {order}'  # noqa: S608 - placeholders only
    if connection.vendor == "postgresql":
        import psycopg

        connection.ensure_connection()
        # Binary results (hashes as bytes, not hexadecimal text), which Django's own
        # client-side cursors do not offer.
        with psycopg.Cursor(connection.connection) as raw:
            raw.execute(sql, params, binary=True)
            return raw.fetchall()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(level, index, bytes(value)) for level, index, value in cursor.fetchall()]


def _stored_levels(first: int, end: int) -> dict[int, tuple[list[int], list[bytes]]]:
    """The nodes `_completed` gives, by level: positions and hashes in position order."""
    levels: dict[int, tuple[list[int], list[bytes]]] = {}
    for level, group in groupby(_completed(first, end, 'ORDER BY level, "index"'), itemgetter(0)):
        rows = list(group)
        levels[level] = ([row[1] for row in rows], [row[2] for row in rows])
    return levels


def _batches(sql: str, params: Sequence[Any], chunk: int) -> Iterator[list[tuple[Any, ...]]]:
    """The rows of a query, `chunk` at a time: on PostgreSQL from a server-side cursor, so
    that a log of millions of entries is read in order without holding it in memory."""
    if connection.vendor == "postgresql":
        with transaction.atomic():  # a server-side cursor lives in its transaction
            connection.ensure_connection()
            with closing(connection.connection.cursor(name="custodiet_ledger_read")) as cursor:
                cursor.itersize = chunk
                # Binary: leaf bytes as they are, not as hexadecimal text to decode.
                cursor.execute(sql, params, binary=True)
                while rows := cursor.fetchmany(chunk):
                    yield rows
        return
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(chunk):
            yield rows


def _text(payload: Any) -> str:
    return payload if isinstance(payload, str) else bytes(payload).decode()


def instant(value: Any) -> dt.datetime:
    """A time as a raw query gives it (SQLite: naive, in UTC), aware."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


# Each entry with its leaf and its event, in log order. The payload is read as JSON text,
# which the checking processes parse themselves.
_ENTRY_ROWS = """
SELECT e."index", e.data, e.event_id, l.id, l.data = e.data, l.hash,
       ev.id, ev.kind, ev."at", ev.actor, r.public_id, {payload}
FROM ledger_entry e
LEFT JOIN ledger_leaf l ON l.event_id = e.event_id
LEFT JOIN records_event ev ON ev.id = e.event_id
LEFT JOIN records_requestrecord r ON r.id = ev.request_id
{where}
ORDER BY e."index"
"""
# Leaves not yet placed, with their events.
_PENDING_ROWS = """
SELECT l.id, l.data, l.hash, l.staged_at, l.event_id,
       ev.id, ev.kind, ev."at", ev.actor, r.public_id, {payload}
FROM ledger_leaf l
LEFT JOIN records_event ev ON ev.id = l.event_id
LEFT JOIN records_requestrecord r ON r.id = ev.request_id
WHERE NOT EXISTS (SELECT 1 FROM ledger_entry e WHERE e.event_id = l.event_id)
ORDER BY l.id
"""


def _payload_sql() -> str:
    return "ev.payload::text" if connection.vendor == "postgresql" else "ev.payload"


# Below this many entries, `verify` checks them in this process, reading through Django's
# connection (a test's transaction included); from it, worker processes with connections
# of their own read and check ranges of the log while this one hashes the tree.
PARALLEL_FROM = 50_000
VERIFY_BATCH = 5_000

# What checking a batch of entries gives: the first problem with an entry, its leaf or its
# event (index, why); the leaf hashes of the entries before it; the indexes read.
Checked = tuple[tuple[int, str] | None, list[bytes], list[int]]


def _source() -> reading.Source:
    """Where worker processes read the database, with connections of their own."""
    if connection.vendor == "postgresql":
        params = connection.get_connection_params()
        return "postgresql", {
            name: value
            for name, value in params.items()
            if isinstance(value, str | int | float | bool) and name != "prepare_threshold"
        }
    if connection.vendor == "sqlite":
        name = str(connection.settings_dict["NAME"])
        if name == ":memory:" or "mode=memory" in name:
            raise LedgerError("an in-memory SQLite database cannot be read by other processes")
        return "sqlite", name
    raise LedgerError(f"verifying in parallel is not written for {connection.vendor}")


def _checked_here(rows: list[Any], key: bytes, first: int) -> Checked:
    indexes = [row[0] for row in rows]
    for offset, index in enumerate(indexes):
        if index != first + offset:
            rows = rows[:offset]
            break
    problem, hashes = leaves.check_entries(rows, key)
    return problem, hashes, indexes


def _checks(
    key: bytes, workers: int, chunk: int
) -> Iterator[tuple[int, int | None, Future[Checked]]]:
    """(first index, end index or None when read in order, the batch's check) for every
    batch of the log, in index order."""
    if workers <= 1:
        expected = 0
        for rows in _batches(_ENTRY_ROWS.format(payload=_payload_sql(), where=""), [], chunk):
            done: Future[Checked] = Future()
            done.set_result(_checked_here(rows, key, expected))
            yield expected, None, done
            expected += len(rows)
        return
    source = _source()
    sql = _ENTRY_ROWS.format(
        payload=_payload_sql(), where='WHERE e."index" >= %s AND e."index" < %s'
    )
    end = size()
    # Forked when this is the process's only thread (the command line); started afresh
    # when a server runs this from a thread, where forking could copy a held lock.
    method = "fork" if threading.active_count() == 1 else "spawn"
    with ProcessPoolExecutor(workers, mp_context=get_context(method)) as pool:
        waiting: deque[tuple[int, int | None, Future[Checked]]] = deque()
        try:
            for first in range(0, end, chunk):
                stop = min(first + chunk, end)
                checked = pool.submit(reading.check_range, source, sql, first, stop, key)
                waiting.append((first, stop, checked))
                if len(waiting) > 2 * workers:
                    yield waiting.popleft()
            while waiting:
                yield waiting.popleft()
        finally:
            for _, _, future in waiting:
                future.cancel()


def _node_problem(
    first: int, hashes: list[bytes], carry: dict[tuple[int, int], bytes]
) -> tuple[int, int, int] | None:
    """Check the stored nodes that leaves [first, first + len(hashes)) complete against the
    hashes these leaves give, a level at a time: the first wrong one as (entry, level,
    position), in the order entries complete them. `carry` holds the left children, from
    earlier batches, whose right siblings are yet to come; it is kept up to date."""
    end = first + len(hashes)
    stored = _stored_levels(first, end)
    worst: tuple[int, int, int] | None = None
    row = hashes
    # One level beyond the highest node: its pass carries that node for the next batch.
    for level in range(end.bit_length() + 1):
        low, high = first >> level, end >> level
        if level:
            below = row
            # The first child of this level's first node may have come in an earlier batch.
            if (first >> (level - 1)) & 1:
                below = [carry.pop((level - 1, (first >> (level - 1)) - 1)), *below]
            if len(below) & 1:
                carry[(level - 1, (end >> (level - 1)) - 1)] = below[-1]
                below = below[:-1]
            row = parent_hashes(below)
        kept = stored.get(level, ([], []))
        if kept[1] != row or kept[0] != list(range(low, high)):
            positions = dict(zip(*kept, strict=True))
            for offset, value in enumerate(row):
                if positions.get(low + offset) != value:
                    found = ((low + offset + 1 << level) - 1, level, low + offset)
                    worst = found if worst is None or found < worst else worst
                    break
    return worst


def verify(
    *,
    verifier: Verifier | None = None,
    chunk: int = VERIFY_BATCH,
    progress: Callable[[int], object] | None = None,
    workers: int | None = None,
    now: dt.datetime | None = None,
) -> Verification:
    """Recompute the whole log from its entries and check everything stored against it.

    Stops at the first divergence, naming the entry or the leaf: a gap in the indexes (an
    entry deleted), an entry whose data no longer matches its event or its leaf (either
    was edited, or two were swapped), a stored hash that does not match the data, a
    checkpoint whose root or signature does not hold, an event that has no leaf, or a leaf
    still waiting for its position longer than CUSTODIET_LEDGER_PENDING_SECONDS.

    One pass in index order over large batches. Each batch's entries are checked against
    their leaves and recomputed from their events; this process hashes the tree and
    checks the stored nodes level by level. With `workers` above 1 (by default, as many
    as there are cores for logs of PARALLEL_FROM entries or more), worker processes read
    and check the batches, each over its own connection, and send back leaf hashes only.
    """
    result = Verification()
    key = pii_hash_key()
    checkpoints = list(Checkpoint.objects.order_by("size"))
    upcoming = iter(checkpoints)
    next_checkpoint = next(upcoming, None)
    previous: Checkpoint | None = None
    tree = CompactTree()

    def check_checkpoints_at(current: int) -> Divergence | None:
        nonlocal next_checkpoint, previous
        while next_checkpoint is not None and next_checkpoint.size == current:
            stored = next_checkpoint
            if bytes(stored.root) != tree.root():
                return Divergence(
                    None,
                    f"checkpoint at size {stored.size}: its root does not match entries 0..{stored.size - 1}: an entry before index {stored.size} was altered, removed or reordered",
                )
            if verifier is not None:
                try:
                    note = verify_checkpoint(stored.note, verifier)
                except ValueError as exc:
                    return Divergence(None, f"checkpoint at size {stored.size}: {exc}")
                if note.size != stored.size or note.root != bytes(stored.root):
                    return Divergence(
                        None,
                        f"checkpoint at size {stored.size}: the signed note says size {note.size}, not what is stored",
                    )
            if previous is not None and previous.size > 0:
                try:
                    proof = prove_consistency(previous.size, stored.size)
                    verify_consistency(
                        previous.size, stored.size, proof, bytes(previous.root), bytes(stored.root)
                    )
                except (ValueError, LedgerError) as exc:
                    return Divergence(
                        None,
                        f"checkpoints at sizes {previous.size} and {stored.size} are not consistent: {exc}",
                    )
            result.checkpoints += 1
            previous = stored
            next_checkpoint = next(upcoming, None)
        return None

    carry: dict[tuple[int, int], bytes] = {}

    def settle(first: int, stop: int | None, checked: Checked) -> Divergence | None:
        """The batch from entry `first` once its entries are checked: a missing entry, its
        nodes and checkpoints, and the earliest problem of all, by entry then by check."""
        found, hashes, indexes = checked
        problems: list[tuple[int, int, Divergence]] = []
        # Entries [first, stop) were asked for (up to where the rows end, when reading in
        # order); they must all be there, one after another.
        whole = next((n for n, index in enumerate(indexes) if index != first + n), len(indexes))
        if first + whole < (stop if stop is not None else first + len(indexes)):
            missing = first + whole
            later = indexes[whole] if whole < len(indexes) else None
            if later is None:
                later = Entry.objects.filter(index__gt=missing).aggregate(next=Min("index"))["next"]
            message = f"entry {missing} is missing (the next stored entry is {later})"
            problems.append((missing, -1, Divergence(missing, message)))
        if found is not None:
            problems.append((found[0], 0, Divergence(found[0], found[1])))
        if (wrong := _node_problem(first, hashes, carry)) is not None:
            entry, level, position = wrong
            message = f"entry {entry}: the stored hash at level {level}, position {position} does not match the entries"
            problems.append((entry, 1, Divergence(entry, message)))
        # The tree up to each checkpoint in the batch, over the entries known good.
        done = first
        while next_checkpoint is not None and next_checkpoint.size <= first + len(hashes):
            size = next_checkpoint.size
            tree.extend(hashes[done - first : size - first])
            done = size
            if (problem := check_checkpoints_at(size)) is not None:
                problems.append((size - 1, 2, Divergence(size - 1, problem.message)))
                break
        tree.extend(hashes[done - first :])
        result.entries = first + len(hashes)
        return min(problems, key=lambda item: item[:2])[2] if problems else None

    if (problem := check_checkpoints_at(0)) is not None:
        result.problem = problem
        return result
    if workers is None:
        workers = min(os.cpu_count() or 1, 8) if size() >= PARALLEL_FROM else 1
    for first, stop, checked in _checks(key, workers, chunk):
        if (problem := settle(first, stop, checked.result())) is not None:
            result.problem = problem
            return result
        if progress is not None:
            progress(result.entries)
    expected = result.entries
    if next_checkpoint is not None:
        result.problem = Divergence(
            None,
            f"checkpoint at size {next_checkpoint.size} covers more entries than the {expected} stored: entries were removed",
        )
        return result
    result.problem = _pending_problem(key, now or timezone.now()) or _event_without_leaf()
    return result


def _pending_problem(key: bytes, now: dt.datetime) -> Divergence | None:
    """The first leaf not yet placed that breaks the rules: one waiting longer than the
    bound, or one whose bytes or hash its event does not give."""
    bound = dt.timedelta(seconds=settings.CUSTODIET_LEDGER_PENDING_SECONDS)
    for rows in _batches(_PENDING_ROWS.format(payload=_payload_sql()), [], 10_000):
        for leaf_id, data, digest, staged_at, event_id, found_event, *event in rows:
            data = bytes(data)
            if found_event is None:
                return Divergence(None, f"leaf #{leaf_id} names event #{event_id}, which is gone")
            waited = now - instant(staged_at)
            if waited > bound:
                return Divergence(
                    None,
                    f"leaf #{leaf_id} (event #{event_id}) has waited {waited.total_seconds():,.0f} s "
                    f"for its position, beyond the {bound.total_seconds():,.0f} s bound: is "
                    "`custodiet ledger sequence` running?",
                )
            if bytes(digest) != leaf_hash(data):
                return Divergence(
                    None, f"leaf #{leaf_id}: its stored hash does not match its bytes"
                )
            kind, at, actor, request, payload = event
            why = leaves.event_mismatch(
                data, found_event, kind, instant(at), actor, request, _text(payload), key=key
            )
            if why is not None:
                return Divergence(None, f"leaf #{leaf_id} {why}")
    return None


def _event_without_leaf() -> Divergence | None:
    orphan = (
        Event.objects.filter(ledger_leaf__isnull=True).order_by("id").values("id", "kind").first()
    )
    if orphan is None:
        return None
    return Divergence(
        None, f"event #{orphan['id']} ({orphan['kind']}) has no ledger leaf: it was never logged"
    )


def pending() -> tuple[int, dt.datetime | None]:
    """How many leaves wait for their positions, and since when the oldest has waited."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), min(l.staged_at) FROM ledger_leaf l WHERE NOT EXISTS "
            "(SELECT 1 FROM ledger_entry e WHERE e.event_id = l.event_id)"
        )
        count, oldest = cursor.fetchone()
    return count, None if oldest is None else instant(oldest)
