"""Checking inclusion and consistency proofs (RFC 9162 sections 2.1.3.2 and 2.1.4.2).

Pure functions over hashes: whoever holds a tree head can check a proof without the log.
Every failure is a `ProofError` that says what is wrong, so that a caller can tell a
malformed proof (wrong length, wrong sizes) from a log that lies (root mismatch).
"""

from __future__ import annotations

from collections.abc import Sequence

from custodiet.merkle.rfc6962 import HASH_SIZE, node_hash


class ProofError(ValueError):
    """A proof that does not prove what it claims."""


def _split(index: int, size: int) -> tuple[int, int]:
    """How many hashes of leaf `index`'s proof in a tree of `size` are below the right border
    (where its path and the last leaf's diverge), and how many are left siblings above it."""
    inner = (index ^ (size - 1)).bit_length()
    border = (index >> inner).bit_count()
    return inner, border


def _check_hashes(proof: Sequence[bytes]) -> None:
    """Refuse garbage early, with its position, rather than as a root mismatch."""
    for position, value in enumerate(proof):
        if len(value) != HASH_SIZE:
            raise ProofError(f"proof hash {position} is {len(value)} bytes, not {HASH_SIZE}")


def _chain_inner(seed: bytes, proof: Sequence[bytes], index: int) -> bytes:
    for step, value in enumerate(proof):
        # A set bit: the path node is a right child, so its sibling is on the left.
        seed = node_hash(value, seed) if index >> step & 1 else node_hash(seed, value)
    return seed


def _chain_inner_left(seed: bytes, proof: Sequence[bytes], index: int) -> bytes:
    """Like `_chain_inner`, but skipping right siblings: the hash of the older, smaller tree."""
    for step, value in enumerate(proof):
        if index >> step & 1:
            seed = node_hash(value, seed)
    return seed


def _chain_border(seed: bytes, proof: Sequence[bytes]) -> bytes:
    """Hash in the left siblings above the right border, lowest first."""
    for value in proof:
        seed = node_hash(value, seed)
    return seed


def root_from_inclusion_proof(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes]
) -> bytes:
    """The root that `proof` implies for a tree of `size` holding `leaf_hash` at `index`."""
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is not in a tree of size {size}")
    if len(leaf_hash) != HASH_SIZE:
        raise ProofError(f"leaf hash is {len(leaf_hash)} bytes, not {HASH_SIZE}")
    inner, border = _split(index, size)
    if len(proof) != inner + border:
        raise ProofError(
            f"proof has {len(proof)} hashes, a tree of size {size} needs {inner + border}"
        )
    _check_hashes(proof)
    value = _chain_inner(leaf_hash, proof[:inner], index)
    return _chain_border(value, proof[inner:])


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Raise `ProofError` unless `proof` shows `leaf_hash` at `index` in the tree `root`."""
    if root_from_inclusion_proof(leaf_hash, index, size, proof) != root:
        raise ProofError(
            f"inclusion proof for leaf {index} does not lead to the root of size {size}"
        )


def verify_consistency(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes
) -> None:
    """Raise `ProofError` unless `proof` shows tree `root1` of `size1` is a prefix of `root2`."""
    if size1 < 0 or size2 < size1:
        raise ProofError(f"no consistency from size {size1} to size {size2}: need size1 <= size2")
    if size1 == 0:
        # Every tree extends the empty one: such a "proof" would vouch for nothing.
        raise ProofError("a consistency proof from the empty tree is meaningless")
    if size1 == size2:
        if proof:
            raise ProofError(f"sizes are equal but the proof has {len(proof)} hashes, not 0")
        if root1 != root2:
            raise ProofError(f"two different roots for the same size {size1}")
        return
    if not proof:
        raise ProofError(f"empty proof from size {size1} to size {size2}")
    _check_hashes(proof)

    # The proof is the inclusion path, in the new tree, of the old tree's smallest perfect
    # subtree (the seed), preceded by the seed itself unless the old tree is that subtree.
    inner, border = _split(size1 - 1, size2)
    shift = (size1 & -size1).bit_length() - 1
    inner -= shift
    if size1 == 1 << shift:
        seed, rest = root1, proof
    else:
        seed, rest = proof[0], proof[1:]
    expected = inner + border + (len(proof) - len(rest))
    if len(proof) != expected:
        raise ProofError(f"proof has {len(proof)} hashes, sizes {size1} to {size2} need {expected}")
    mask = (size1 - 1) >> shift
    old = _chain_border(_chain_inner_left(seed, rest[:inner], mask), rest[inner:])
    if old != root1:
        raise ProofError(f"proof does not lead to the root of size {size1}")
    new = _chain_border(_chain_inner(seed, rest[:inner], mask), rest[inner:])
    if new != root2:
        raise ProofError(f"proof does not lead to the root of size {size2}")
