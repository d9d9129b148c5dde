"""Which stored perfect nodes an inclusion or consistency proof needs, and how to assemble it.

No storage here: a plan names the nodes (level, index), the caller fetches all of their
hashes in one batch, and the plan turns them into the proof of RFC 9162 sections 2.1.3
and 2.1.4. Only perfect subtrees are ever stored, so when the tree size is not a power
of two one proof hash (for the incomplete subtree at the right edge) is folded from
several stored nodes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from custodiet.merkle.compact import NodeId
from custodiet.merkle.rfc6962 import node_hash

Fetch = Callable[[list[NodeId]], Sequence[bytes]]


class ProofRangeError(ValueError):
    """A proof asked for sizes or an index that no proof can exist for."""


@dataclass(frozen=True, slots=True)
class ProofPlan:
    """The nodes a proof needs, in proof order; `ids[fold_begin:fold_end]` become one hash."""

    ids: tuple[NodeId, ...]
    fold_begin: int = 0
    fold_end: int = 0

    def assemble(self, hashes: Sequence[bytes]) -> list[bytes]:
        """The proof, from the hashes of `ids` in the same order."""
        if len(hashes) != len(self.ids):
            raise ValueError(f"got {len(hashes)} hashes for {len(self.ids)} nodes")
        begin, end = self.fold_begin, self.fold_end
        if end - begin < 2:
            return list(hashes)
        # Stored smallest first: fold leftwards into the incomplete right-edge subtree.
        value = hashes[begin]
        for left in hashes[begin + 1 : end]:
            value = node_hash(left, value)
        return [*hashes[:begin], value, *hashes[end:]]


def _path(level: int, index: int, size: int, ids: list[NodeId]) -> ProofPlan:
    """Extend `ids` with the audit path of perfect node (level, index) in a tree of `size`."""
    # The fork is the node's highest ancestor that lies wholly inside the tree. Below it
    # every sibling is a stored perfect node; to its right lies the incomplete subtree
    # (the tree's last leaves), folded from stored pieces; above it the siblings are the
    # tree's leftmost perfect subtrees.
    inner = (index ^ (size >> level)).bit_length() - 1
    fork = level + inner
    ids.extend(NodeId(level + step, (index >> step) ^ 1) for step in range(inner))
    fold_begin = len(ids)
    # Right of the fork: the perfect subtrees for the bits of `size` below the fork.
    offset = size >> fork << fork
    right = []
    for bit in range(fork - 1, -1, -1):
        if size >> bit & 1:
            right.append(NodeId(bit, offset >> bit))
            offset += 1 << bit
    ids.extend(reversed(right))
    fold_end = len(ids)
    # Left of the fork: the perfect subtrees for the bits of `size` above it.
    offset = 0
    left = []
    for bit in range(size.bit_length() - 1, fork, -1):
        if size >> bit & 1:
            left.append(NodeId(bit, offset >> bit))
            offset += 1 << bit
    ids.extend(reversed(left))
    return ProofPlan(tuple(ids), fold_begin, fold_end)


def inclusion_plan(index: int, size: int) -> ProofPlan:
    """The nodes proving that leaf `index` is in the tree of `size` leaves."""
    if not 0 <= index < size:
        raise ProofRangeError(f"leaf {index} is not in a tree of size {size}")
    return _path(0, index, size, [])


def consistency_plan(size1: int, size2: int) -> ProofPlan:
    """The nodes proving that the tree of `size1` leaves is a prefix of the one of `size2`."""
    if not 0 < size1 <= size2:
        raise ProofRangeError(
            f"no consistency proof from size {size1} to size {size2}: need 0 < size1 <= size2"
        )
    if size1 == size2:
        return ProofPlan(())
    # Seed: the smallest perfect subtree of the old tree. The verifier already knows it
    # when the old tree is itself perfect (it is the old root), so it is then left out.
    level = (size1 & -size1).bit_length() - 1
    index = (size1 >> level) - 1
    ids = [NodeId(level, index)] if index else []
    return _path(level, index, size2, ids)


def inclusion_proof(index: int, size: int, fetch: Fetch) -> list[bytes]:
    """The inclusion proof for leaf `index` in the tree of `size`, with one call to `fetch`."""
    plan = inclusion_plan(index, size)
    return plan.assemble(fetch(list(plan.ids)) if plan.ids else [])


def consistency_proof(size1: int, size2: int, fetch: Fetch) -> list[bytes]:
    """The consistency proof from `size1` to `size2`, with one call to `fetch`."""
    plan = consistency_plan(size1, size2)
    return plan.assemble(fetch(list(plan.ids)) if plan.ids else [])
