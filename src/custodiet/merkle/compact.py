"""Appending leaves to a Merkle tree while holding only O(log n) hashes.

A tree of size n is, left to right, one perfect subtree per set bit of n, largest first
(its "frontier"). Appending a leaf merges equal-sized subtrees at the right edge, like
carrying in binary addition. Every perfect node created on the way is handed back, so
that the storage layer can keep them all and serve any proof without recomputing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from custodiet.merkle.rfc6962 import EMPTY_ROOT, HASH_SIZE, node_hash, parent_hashes


@dataclass(frozen=True, slots=True, order=True)
class NodeId:
    """A perfect subtree: the one covering leaves [index * 2**level, (index + 1) * 2**level)."""

    level: int
    index: int


@dataclass(frozen=True, slots=True)
class Node:
    """A perfect subtree and its hash: what the storage layer keeps."""

    level: int
    index: int
    hash: bytes

    @property
    def id(self) -> NodeId:
        return NodeId(self.level, self.index)


class FrontierError(ValueError):
    """A stored frontier that cannot be the state of a tree of the stated size."""


def _levels(size: int) -> list[int]:
    """The levels of the perfect subtrees in a tree of `size` leaves, smallest first."""
    return [level for level in range(size.bit_length()) if size >> level & 1]


def frontier_ids(size: int) -> list[NodeId]:
    """The perfect subtrees that make up a tree of `size` leaves, largest (leftmost) first.

    Their hashes are what `CompactTree` needs to resume appending after a restart.
    """
    if size < 0:
        raise FrontierError(f"tree size {size} is negative")
    ids = []
    begin = 0
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            ids.append(NodeId(level, begin >> level))
            begin += 1 << level
    return ids


class CompactTree:
    """The right edge of a growing RFC 6962 tree: enough to append and to compute the root."""

    __slots__ = ("_hashes", "_size")

    def __init__(self, size: int = 0, frontier: Sequence[bytes] = ()) -> None:
        """Start empty, or resume from the hashes of `frontier_ids(size)`, in that order."""
        if size < 0:
            raise FrontierError(f"tree size {size} is negative")
        if len(frontier) != size.bit_count():
            raise FrontierError(
                f"a tree of size {size} has {size.bit_count()} frontier hashes, not {len(frontier)}"
            )
        for position, value in enumerate(frontier):
            if len(value) != HASH_SIZE:
                raise FrontierError(
                    f"frontier hash {position} is {len(value)} bytes, not {HASH_SIZE}"
                )
        self._size = size
        self._hashes = list(frontier)

    @property
    def size(self) -> int:
        """How many leaves the tree holds."""
        return self._size

    @property
    def frontier(self) -> tuple[bytes, ...]:
        """The hashes of `frontier_ids(self.size)`: what to store to resume later."""
        return tuple(self._hashes)

    def append(self, leaf_hash: bytes) -> list[Node]:
        """Add a leaf; return the perfect nodes this creates, the leaf itself first."""
        if len(leaf_hash) != HASH_SIZE:
            raise ValueError(f"leaf hash is {len(leaf_hash)} bytes, not {HASH_SIZE}")
        hashes = self._hashes
        index = self._size
        value = leaf_hash
        level = 0
        created = [Node(0, index, value)]
        # An odd index is a right child: its left sibling is the smallest frontier subtree.
        while index & 1:
            value = node_hash(hashes.pop(), value)
            index >>= 1
            level += 1
            created.append(Node(level, index, value))
        hashes.append(value)
        self._size += 1
        return created

    def extend(self, leaf_hashes: Sequence[bytes]) -> None:
        """Add many leaves when the new nodes are not wanted: the verifier's fast path.

        Works one level at a time, hashing sibling pairs in bulk: in Python about twice
        as fast as carrying each leaf up on its own.
        """
        row = list(leaf_hashes)
        if not row:
            return
        if min(map(len, row)) != HASH_SIZE or max(map(len, row)) != HASH_SIZE:
            raise ValueError(f"every leaf hash must be {HASH_SIZE} bytes")
        size = self._size
        old = dict(zip(_levels(size), reversed(self._hashes), strict=True))
        new: dict[int, bytes] = {}
        start, level = size, 0
        while row:
            # `start` is the index of row[0] on this level; an odd one is a right child
            # whose left sibling is the old frontier's subtree on this level.
            if start & 1:
                row.insert(0, old.pop(level))
                start -= 1
            if len(row) & 1:
                new[level] = row.pop()
            row = parent_hashes(row)
            start >>= 1
            level += 1
        new.update(old)
        self._size = size + len(leaf_hashes)
        self._hashes = [new[level] for level in sorted(new, reverse=True)]

    def root(self) -> bytes:
        """The tree head: the frontier folded from the right, as RFC 6962's MTH defines it."""
        if not self._hashes:
            return EMPTY_ROOT
        value = self._hashes[-1]
        for left in reversed(self._hashes[:-1]):
            value = node_hash(left, value)
        return value
