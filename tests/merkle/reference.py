"""A deliberately naive RFC 6962 tree, written straight from section 2.1 of the RFC.

MTH, PATH and SUBPROOF as the RFC's recursive definitions, with nothing clever beyond
memoizing subtree hashes, so that the real code can be checked against it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence


def _hash(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _split_point(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


class ReferenceTree:
    """The tree over `leaves` (leaf inputs, not hashes)."""

    def __init__(self, leaves: Sequence[bytes]) -> None:
        self.leaf_hashes = [_hash(b"\x00" + leaf) for leaf in leaves]
        self._mth: dict[tuple[int, int], bytes] = {}

    def mth(self, lo: int, hi: int) -> bytes:
        """MTH(D[lo:hi])."""
        key = (lo, hi)
        if key not in self._mth:
            n = hi - lo
            if n == 0:
                value = _hash(b"")
            elif n == 1:
                value = self.leaf_hashes[lo]
            else:
                k = _split_point(n)
                value = _hash(b"\x01" + self.mth(lo, lo + k) + self.mth(lo + k, hi))
            self._mth[key] = value
        return self._mth[key]

    def root(self, size: int) -> bytes:
        return self.mth(0, size)

    def inclusion_proof(self, m: int, size: int) -> list[bytes]:
        """PATH(m, D[0:size])."""
        return self._path(m, 0, size)

    def _path(self, m: int, lo: int, hi: int) -> list[bytes]:
        n = hi - lo
        if n == 1:
            return []
        k = _split_point(n)
        if m < k:
            return [*self._path(m, lo, lo + k), self.mth(lo + k, hi)]
        return [*self._path(m - k, lo + k, hi), self.mth(lo, lo + k)]

    def consistency_proof(self, m: int, size: int) -> list[bytes]:
        """PROOF(m, D[0:size])."""
        return self._subproof(m, 0, size, True)

    def _subproof(self, m: int, lo: int, hi: int, whole: bool) -> list[bytes]:
        n = hi - lo
        if m == n:
            return [] if whole else [self.mth(lo, hi)]
        k = _split_point(n)
        if m <= k:
            return [*self._subproof(m, lo, lo + k, whole), self.mth(lo + k, hi)]
        return [*self._subproof(m - k, lo + k, hi, False), self.mth(lo, lo + k)]
