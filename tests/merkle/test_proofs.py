"""Roots and proofs against the naive reference tree: every size up to 300 exhaustively,
larger ones at random, with proofs served from the nodes `CompactTree.append` reported."""

from __future__ import annotations

from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custodiet.merkle.compact import CompactTree, NodeId
from custodiet.merkle.proof import (
    ProofPlan,
    ProofRangeError,
    consistency_plan,
    consistency_proof,
    inclusion_plan,
    inclusion_proof,
)
from custodiet.merkle.verify import (
    ProofError,
    root_from_inclusion_proof,
    verify_consistency,
    verify_inclusion,
)

from .reference import ReferenceTree

EXHAUSTIVE = 300
LARGE = 5000


class Log:
    """A tree with every perfect node stored, as the storage layer will keep them."""

    def __init__(self, size: int) -> None:
        self.reference = ReferenceTree([f"entry {i}".encode() for i in range(size)])
        self.nodes: dict[NodeId, bytes] = {}
        self.fetches = 0
        tree = CompactTree()
        for value in self.reference.leaf_hashes:
            for node in tree.append(value):
                self.nodes[node.id] = node.hash
        self.root = tree.root()

    def fetch(self, ids: list[NodeId]) -> list[bytes]:
        self.fetches += 1
        return [self.nodes[node_id] for node_id in ids]


@cache
def small_log() -> Log:
    return Log(EXHAUSTIVE)


@cache
def large_log() -> Log:
    return Log(LARGE)


def test_roots_match_the_reference_for_every_size_up_to_300() -> None:
    reference = small_log().reference
    tree = CompactTree()
    assert tree.root() == reference.root(0)
    for size, value in enumerate(reference.leaf_hashes, start=1):
        tree.append(value)
        assert tree.root() == reference.root(size), f"size {size}"


def test_every_inclusion_proof_up_to_300_matches_the_reference_and_verifies() -> None:
    log = small_log()
    reference = log.reference
    for size in range(1, EXHAUSTIVE + 1):
        root = reference.root(size)
        for index in range(size):
            proof = inclusion_proof(index, size, log.fetch)
            assert proof == reference.inclusion_proof(index, size), (index, size)
            verify_inclusion(reference.leaf_hashes[index], index, size, proof, root)


def test_every_consistency_proof_up_to_300_matches_the_reference_and_verifies() -> None:
    log = small_log()
    reference = log.reference
    for size2 in range(1, EXHAUSTIVE + 1):
        root2 = reference.root(size2)
        for size1 in range(1, size2 + 1):
            proof = consistency_proof(size1, size2, log.fetch)
            assert proof == reference.consistency_proof(size1, size2), (size1, size2)
            verify_consistency(size1, size2, proof, reference.root(size1), root2)


def test_a_proof_costs_one_batched_fetch() -> None:
    log = Log(77)
    inclusion_proof(5, 77, log.fetch)
    assert log.fetches == 1
    consistency_proof(13, 77, log.fetch)
    assert log.fetches == 2
    assert consistency_proof(77, 77, log.fetch) == []
    assert inclusion_proof(0, 1, log.fetch) == []
    assert log.fetches == 2, "an empty proof needs no fetch"


def test_a_plan_names_only_perfect_nodes_inside_the_tree() -> None:
    for size in range(1, 130):
        plans = [inclusion_plan(index, size) for index in range(size)]
        plans += [consistency_plan(size1, size) for size1 in range(1, size + 1)]
        for plan in plans:
            for node in plan.ids:
                assert (node.index + 1) << node.level <= size, (plan, size)


def test_impossible_proofs_are_refused() -> None:
    for index, size in [(0, 0), (5, 5), (-1, 3)]:
        with pytest.raises(ProofRangeError, match="not in a tree"):
            inclusion_plan(index, size)
    for size1, size2 in [(0, 0), (0, 5), (6, 5), (-1, 2)]:
        with pytest.raises(ProofRangeError, match="need 0 < size1 <= size2"):
            consistency_plan(size1, size2)


def test_a_fetch_that_returns_the_wrong_number_of_hashes_is_an_error() -> None:
    plan = inclusion_plan(3, 9)
    with pytest.raises(ValueError, match="hashes for"):
        plan.assemble([b"\x00" * 32])
    assert ProofPlan(()).assemble([]) == []


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_random_large_inclusion_proofs(data: st.DataObject) -> None:
    log = large_log()
    size = data.draw(st.integers(EXHAUSTIVE + 1, LARGE), label="size")
    index = data.draw(st.integers(0, size - 1), label="index")
    reference = log.reference
    proof = inclusion_proof(index, size, log.fetch)
    assert proof == reference.inclusion_proof(index, size)
    leaf = reference.leaf_hashes[index]
    verify_inclusion(leaf, index, size, proof, reference.root(size))
    assert root_from_inclusion_proof(leaf, index, size, proof) == reference.root(size)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_random_large_consistency_proofs(data: st.DataObject) -> None:
    log = large_log()
    size2 = data.draw(st.integers(EXHAUSTIVE + 1, LARGE), label="size2")
    size1 = data.draw(st.integers(1, size2), label="size1")
    reference = log.reference
    proof = consistency_proof(size1, size2, log.fetch)
    assert proof == reference.consistency_proof(size1, size2)
    verify_consistency(size1, size2, proof, reference.root(size1), reference.root(size2))


def _flip(value: bytes, bit: int) -> bytes:
    flipped = bytearray(value)
    flipped[bit // 8 % len(value)] ^= 1 << bit % 8
    return bytes(flipped)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_any_tampered_inclusion_proof_is_rejected(data: st.DataObject) -> None:
    reference = small_log().reference
    size = data.draw(st.integers(1, EXHAUSTIVE), label="size")
    index = data.draw(st.integers(0, size - 1), label="index")
    leaf = reference.leaf_hashes[index]
    proof = reference.inclusion_proof(index, size)
    root = reference.root(size)
    # Sizes are not tampered with: a proof need not bind the tree size (leaf 0's proof is
    # the same for sizes 129 and 130); the signed checkpoint vouches for the size.
    tamper = data.draw(
        st.sampled_from(["proof", "leaf", "root", "index", "drop", "extra"]), label="tamper"
    )
    bit = data.draw(st.integers(0, 255), label="bit")
    if tamper == "proof" and proof:
        position = data.draw(st.integers(0, len(proof) - 1), label="position")
        proof[position] = _flip(proof[position], bit)
    elif tamper == "leaf":
        leaf = _flip(leaf, bit)
    elif tamper == "root":
        root = _flip(root, bit)
    elif tamper == "index":
        index = data.draw(st.integers(0, 2 * size).filter(lambda i: i != index), label="to")
    elif tamper == "drop" and proof:
        del proof[data.draw(st.integers(0, len(proof) - 1), label="position")]
    elif tamper == "extra":
        proof.insert(data.draw(st.integers(0, len(proof)), label="position"), leaf)
    else:
        return
    with pytest.raises(ProofError):
        verify_inclusion(leaf, index, size, proof, root)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_any_tampered_consistency_proof_is_rejected(data: st.DataObject) -> None:
    reference = small_log().reference
    size2 = data.draw(st.integers(2, EXHAUSTIVE), label="size2")
    size1 = data.draw(st.integers(1, size2 - 1), label="size1")
    proof = reference.consistency_proof(size1, size2)
    root1, root2 = reference.root(size1), reference.root(size2)
    tamper = data.draw(st.sampled_from(["proof", "root1", "root2", "drop", "extra"]))
    bit = data.draw(st.integers(0, 255), label="bit")
    if tamper == "proof":
        position = data.draw(st.integers(0, len(proof) - 1), label="position")
        proof[position] = _flip(proof[position], bit)
    elif tamper == "root1":
        root1 = _flip(root1, bit)
    elif tamper == "root2":
        root2 = _flip(root2, bit)
    elif tamper == "drop":
        del proof[data.draw(st.integers(0, len(proof) - 1), label="position")]
    else:
        proof.insert(data.draw(st.integers(0, len(proof)), label="position"), root1)
    with pytest.raises(ProofError):
        verify_consistency(size1, size2, proof, root1, root2)


def test_a_rejected_proof_says_why() -> None:
    reference = small_log().reference
    leaf, root = reference.leaf_hashes[5], reference.root(10)
    proof = reference.inclusion_proof(5, 10)
    with pytest.raises(ProofError, match="proof has 3 hashes, a tree of size 10 needs 4"):
        verify_inclusion(leaf, 5, 10, proof[:3], root)
    with pytest.raises(ProofError, match="proof hash 1 is 31 bytes"):
        verify_inclusion(leaf, 5, 10, [proof[0], proof[1][:31], *proof[2:]], root)
    with pytest.raises(ProofError, match="leaf index 10 is not in a tree of size 10"):
        verify_inclusion(leaf, 10, 10, proof, root)
    with pytest.raises(ProofError, match="does not lead to the root of size 10"):
        verify_inclusion(reference.leaf_hashes[4], 5, 10, proof, root)
    consistency = reference.consistency_proof(6, 10)
    with pytest.raises(ProofError, match="does not lead to the root of size 6"):
        verify_consistency(6, 10, consistency, reference.root(5), root)
    with pytest.raises(ProofError, match="does not lead to the root of size 10"):
        verify_consistency(6, 10, consistency, reference.root(6), reference.root(9))
    with pytest.raises(ProofError, match="meaningless"):
        verify_consistency(0, 10, [], reference.root(0), root)
