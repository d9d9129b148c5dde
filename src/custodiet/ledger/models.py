"""Ledger rows: leaves as their events' transactions wrote them, entries (a leaf's position
in the log), the perfect subtree hashes that serve proofs, and signed checkpoints. All are
insert-only: no code path updates or deletes them, deletion of
what they point at is refused (PROTECT), and on PostgreSQL a trigger makes the database
itself refuse UPDATE and DELETE (migration 0002)."""

from __future__ import annotations

from django.db import models

from custodiet.records.models import Event


class Leaf(models.Model):
    """An event's leaf, written by the event's own transaction: the exact leaf input and its
    RFC 6962 leaf hash. It is in the record from that commit; the sequencer then gives it a
    position (an Entry), in batches (custodiet.ledger.sequencer).

    The event is not a foreign key in the database: the check would cost every request a
    lookup, and the database already refuses to delete an event (it is insert-only); a
    leaf whose event is gone fails `custodiet ledger verify`, naming both."""

    id = models.BigAutoField(primary_key=True)
    event = models.OneToOneField(
        Event, on_delete=models.DO_NOTHING, db_constraint=False, related_name="ledger_leaf"
    )
    data = models.BinaryField()
    hash = models.BinaryField(max_length=32)
    staged_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"leaf {self.pk}"


class Entry(models.Model):
    """A leaf's position in the log. `data` repeats the leaf's bytes, so that the log,
    its proofs and its exports read one table."""

    index = models.BigIntegerField(primary_key=True)
    event = models.OneToOneField(Event, on_delete=models.PROTECT, related_name="ledger_entry")
    # The exact leaf input: the event's canonical JSON with personal data hashed.
    data = models.BinaryField()

    class Meta:
        ordering = ["index"]

    def __str__(self) -> str:
        return f"entry {self.index}"


class Node(models.Model):
    """The hash of the perfect subtree over leaves [index * 2**level, (index + 1) * 2**level)."""

    level = models.SmallIntegerField()
    index = models.BigIntegerField()
    hash = models.BinaryField(max_length=32)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["level", "index"], name="ledger_node_position")
        ]

    def __str__(self) -> str:
        return f"node {self.level}/{self.index}"


class Checkpoint(models.Model):
    size = models.BigIntegerField(unique=True)
    root = models.BinaryField(max_length=32)
    # The C2SP signed note, exactly as signed.
    note = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["size"]

    def __str__(self) -> str:
        return f"checkpoint {self.size}"


class Cosignature(models.Model):
    """A witness's cosignature on a checkpoint (C2SP tlog-cosignature): the signature line
    its add-checkpoint answered with, kept as received. Insert-only, as the rest."""

    checkpoint = models.ForeignKey(
        Checkpoint, on_delete=models.PROTECT, related_name="cosignatures"
    )
    witness = models.CharField(max_length=200)  # the witness's key name
    line = models.TextField()
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["checkpoint__size", "id"]
        constraints = [
            models.UniqueConstraint(fields=["checkpoint", "witness"], name="ledger_one_cosignature")
        ]

    def __str__(self) -> str:
        return f"cosignature of {self.checkpoint} by {self.witness}"
