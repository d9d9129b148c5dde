"""The ledger kept in the database: appending, proofs, checkpoints and verification.

Appends run inside the caller's transaction, so an event and its entry commit together
or not at all. Concurrent writers are serialized: on PostgreSQL by a transaction-scoped
advisory lock, on SQLite by the write lock every transaction takes at BEGIN (settings
use IMMEDIATE transactions). The primary key on the entry index refuses a fork even if
the lock were bypassed.
"""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.db.models import Max, Q

from custodiet.ledger.leaf import LEAF_VERSION, leaf_data, version_of
from custodiet.ledger.models import Checkpoint, Cosignature, Entry, Node
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
from custodiet.merkle.rfc6962 import leaf_hash
from custodiet.merkle.verify import verify_consistency
from custodiet.records.models import Event
from custodiet.witness import request_body

# Any fixed 64-bit number: the advisory lock that serializes appends on PostgreSQL.
APPEND_LOCK = 0x6C65646765723031


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


def event_leaf(event: Event, version: int = LEAF_VERSION) -> bytes:
    return leaf_data(
        event_id=event.pk,
        kind=event.kind,
        at=event.at,
        actor=event.actor,
        request=event.request.public_id if event.request_id else None,
        payload=event.payload,
        key=pii_hash_key(),
        version=version,
    )


def leaf_mismatch(event: Event | None, data: bytes) -> str | None:
    """Why the stored leaf `data` is not what `event` gives now, or None when it is.

    Never raises, whatever the event holds: content that can no longer be canonicalized
    (a number RFC 8785 refuses, say) is a mismatch to report at its entry, not a crash.
    """
    if event is None:
        return "has no event"
    pii_hash_key()  # a missing key is the deployment's fault, not the entry's
    version = version_of(data)
    if version is None:
        return f"does not match event #{event.pk}: the entry is not a leaf of any known version"
    try:
        recomputed = event_leaf(event, version)
    except Exception as error:  # any stored content whatsoever: the report names it
        return f"does not match event #{event.pk}: the event can no longer be written as a leaf ({type(error).__name__}: {str(error)[:200]})"
    if recomputed != data:
        return f"does not match event #{event.pk}: the event or the entry was altered, or entries were reordered"
    return None


def _lock() -> None:
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


def append(events: Sequence[Event]) -> list[Entry]:
    """Append these events, in order, within the current transaction."""
    if not connection.in_atomic_block:
        raise LedgerError("append() must run inside the transaction that writes the events")
    if not events:
        return []
    _lock()
    current = size()
    tree = CompactTree(current, fetch_nodes(frontier_ids(current)))
    entries = []
    nodes = []
    for offset, event in enumerate(events):
        data = event_leaf(event)
        entries.append(Entry(index=current + offset, event=event, data=data))
        nodes.extend(
            Node(level=node.level, index=node.index, hash=node.hash)
            for node in tree.append(leaf_hash(data))
        )
    Entry.objects.bulk_create(entries)
    Node.objects.bulk_create(nodes)
    return entries


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
        _lock()
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


def _stored_nodes(first: int, end: int) -> dict[tuple[int, int], bytes]:
    """Stored perfect nodes completed by appending leaves [first, end).

    Node (level, i) is completed by its last leaf, (i + 1) * 2**level - 1, so the ones
    completed in the range are first // 2**level <= i < end // 2**level.
    """
    wanted = Q()
    for level in range(end.bit_length()):
        low, high = first >> level, end >> level
        if high > low:
            wanted |= Q(level=level, index__gte=low, index__lt=high)
    rows = Node.objects.filter(wanted).values_list("level", "index", "hash")
    return {(level, index): bytes(value) for level, index, value in rows}


def _entries(chunk: int) -> Iterator[list[tuple[int, bytes, Event | None]]]:
    last = -1
    while True:
        rows = list(
            Entry.objects.filter(index__gt=last)
            .select_related("event__request")
            .order_by("index")[:chunk]
        )
        if not rows:
            return
        yield [(row.index, bytes(row.data), row.event) for row in rows]
        last = rows[-1].index


def verify(
    *, verifier: Verifier | None = None, chunk: int = 5000, progress: object = None
) -> Verification:
    """Recompute the whole log from its entries and check everything stored against it.

    Stops at the first divergence, naming the entry: a gap in the indexes (an entry
    deleted), an entry whose data no longer matches its event (either was edited, or
    two were swapped), a stored hash that does not match the data, a checkpoint whose
    root or signature does not hold, or an event that has no entry.
    """
    result = Verification()
    checkpoints = list(Checkpoint.objects.order_by("size"))
    pending = iter(checkpoints)
    next_checkpoint = next(pending, None)
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
            next_checkpoint = next(pending, None)
        return None

    if (problem := check_checkpoints_at(0)) is not None:
        result.problem = problem
        return result
    expected = 0
    for rows in _entries(chunk):
        stored_nodes = _stored_nodes(rows[0][0], rows[-1][0] + 1)
        for index, data, event in rows:
            if index != expected:
                result.problem = Divergence(
                    expected, f"entry {expected} is missing (the next stored entry is {index})"
                )
                return result
            if (mismatch := leaf_mismatch(event, data)) is not None:
                result.problem = Divergence(index, f"entry {index} {mismatch}")
                return result
            for node in tree.append(leaf_hash(data)):
                if stored_nodes.get((node.level, node.index)) != node.hash:
                    result.problem = Divergence(
                        index,
                        f"entry {index}: the stored hash at level {node.level}, position {node.index} does not match the entries",
                    )
                    return result
            expected += 1
            if (problem := check_checkpoints_at(expected)) is not None:
                result.problem = Divergence(index, problem.message)
                return result
        result.entries = expected
        if callable(progress):
            progress(expected)
    if next_checkpoint is not None:
        result.problem = Divergence(
            None,
            f"checkpoint at size {next_checkpoint.size} covers more entries than the {expected} stored: entries were removed",
        )
        return result
    orphan = Event.objects.filter(ledger_entry__isnull=True).order_by("id").first()
    if orphan is not None:
        result.problem = Divergence(None, f"event #{orphan.pk} ({orphan.kind}) has no ledger entry")
    return result
