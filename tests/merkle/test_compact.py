"""Appending: the nodes reported, resuming from a stored frontier, the bulk fast path."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custodiet.merkle.compact import CompactTree, FrontierError, NodeId, frontier_ids
from custodiet.merkle.rfc6962 import EMPTY_ROOT, leaf_hash, leaf_hashes, node_hash, parent_hashes

from .reference import ReferenceTree

LEAVES = [leaf_hash(f"leaf {i}".encode()) for i in range(300)]


def test_append_reports_every_perfect_node_exactly_once() -> None:
    tree = CompactTree()
    created: dict[NodeId, bytes] = {}
    for value in LEAVES[:8]:
        nodes = tree.append(value)
        assert nodes[0].level == 0
        assert nodes[0].hash == value
        for node in nodes:
            assert node.id not in created
            created[node.id] = node.hash
    # 8 leaves, 4 pairs, 2 quads and the whole tree.
    assert sorted(created) == sorted(
        [NodeId(0, i) for i in range(8)]
        + [NodeId(1, i) for i in range(4)]
        + [NodeId(2, i) for i in range(2)]
        + [NodeId(3, 0)]
    )
    assert created[NodeId(1, 3)] == node_hash(LEAVES[6], LEAVES[7])
    assert created[NodeId(3, 0)] == tree.root()


def test_the_frontier_is_the_perfect_subtrees_largest_first() -> None:
    assert frontier_ids(0) == []
    assert frontier_ids(13) == [NodeId(3, 0), NodeId(2, 2), NodeId(0, 12)]
    reference = ReferenceTree([f"leaf {i}".encode() for i in range(13)])
    tree = CompactTree()
    tree.extend(reference.leaf_hashes)
    assert tree.frontier == (reference.mth(0, 8), reference.mth(8, 12), reference.mth(12, 13))


@pytest.mark.parametrize("size", [0, 1, 2, 3, 7, 8, 100, 255, 256, 257])
def test_a_tree_resumed_from_stored_nodes_carries_on_identically(size: int) -> None:
    stored: dict[NodeId, bytes] = {}
    whole = CompactTree()
    for value in LEAVES:
        for node in whole.append(value):
            stored[node.id] = node.hash
    resumed = CompactTree(size, [stored[node_id] for node_id in frontier_ids(size)])
    assert resumed.size == size
    for value in LEAVES[size:]:
        resumed.append(value)
    assert resumed.root() == whole.root()


def test_an_inconsistent_frontier_is_refused() -> None:
    with pytest.raises(FrontierError, match="3 frontier hashes, not 2"):
        CompactTree(7, [LEAVES[0], LEAVES[1]])
    with pytest.raises(FrontierError, match="frontier hash 1 is 31 bytes"):
        CompactTree(3, [LEAVES[0], LEAVES[1][:31]])
    with pytest.raises(FrontierError, match="negative"):
        CompactTree(-1, [])


def test_a_leaf_hash_of_the_wrong_length_is_refused() -> None:
    tree = CompactTree()
    with pytest.raises(ValueError, match="33 bytes"):
        tree.append(LEAVES[0] + b"\x00")
    with pytest.raises(ValueError, match="32 bytes"):
        tree.extend([LEAVES[0], b"short"])
    assert tree.size == 0
    assert tree.root() == EMPTY_ROOT


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 70), max_size=12))
def test_extend_in_any_batches_equals_appending_one_by_one(batches: list[int]) -> None:
    bulk, single = CompactTree(), CompactTree()
    for count in batches:
        start = bulk.size
        bulk.extend(LEAVES[start : start + count])
        for value in LEAVES[start : start + count]:
            single.append(value)
        assert bulk.size == single.size
        assert bulk.frontier == single.frontier
        assert bulk.root() == single.root()


def test_bulk_hashing_equals_hashing_one_at_a_time() -> None:
    inputs = [b"", b"\x00", b"x" * 1000, *(f"entry {i}".encode() for i in range(9))]
    assert leaf_hashes(inputs) == [leaf_hash(data) for data in inputs]
    row = leaf_hashes(inputs)
    assert parent_hashes(row[:10]) == [node_hash(row[i], row[i + 1]) for i in range(0, 10, 2)]
    assert parent_hashes(row[:1]) == []
