"""How fast the ledger's pure Merkle code is, with no database.

- Proofs at one million entries: every perfect node `CompactTree.append` reports is kept
  in memory (one list per level, standing in for the node table), then random inclusion
  and consistency proofs are planned, fetched in one batch and assembled. Target: under
  2 ms each. Every proof is verified, or the benchmark fails.
- Verification throughput: recomputing the tree over 200,000 entries of ~300 bytes (leaf
  hashes, then `CompactTree.extend` in the verifier's batches) against plain SHA-256 of
  each entry's bytes, in the same run. Target: at least half the plain speed. The tree
  needs two SHA-256 calls per entry (the leaf and, on average, one interior node) where
  the baseline needs one, so 0.5 is close to what any Python implementation can reach.
- For information: `custodiet-verify` end to end over an export of the same entries
  (JSON parsing and base64 decoding included), with no target.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import random
import tempfile
import time
from hashlib import sha256
from pathlib import Path

from bench.timing import best_of, met
from custodiet.merkle.compact import CompactTree, NodeId, frontier_ids
from custodiet.merkle.note import Checkpoint, Signer, generate_key, sign_checkpoint
from custodiet.merkle.proof import consistency_proof, inclusion_proof
from custodiet.merkle.rfc6962 import leaf_hash, leaf_hashes
from custodiet.merkle.verifier import BATCH
from custodiet.merkle.verifier import main as verify_export
from custodiet.merkle.verify import verify_consistency, verify_inclusion

PROOF_SIZE = 1_000_000
PROOFS = 2_000
ENTRIES = 200_000
REPEATS = 5
PROOF_TARGET_US = 2000
RATIO_TARGET = 0.5


class MemoryNodes:
    """Every perfect node of a log, one list per level: what the node table holds."""

    def __init__(self) -> None:
        self.levels: list[list[bytes]] = []

    def store(self, level: int, index: int, value: bytes) -> None:
        if level == len(self.levels):
            self.levels.append([])
        assert index == len(self.levels[level]), "nodes arrive in index order on each level"
        self.levels[level].append(value)

    def fetch(self, ids: list[NodeId]) -> list[bytes]:
        levels = self.levels
        return [levels[node.level][node.index] for node in ids]

    def root(self, size: int) -> bytes:
        return CompactTree(size, self.fetch(frontier_ids(size))).root()


def bench_proofs() -> None:
    nodes = MemoryNodes()
    tree = CompactTree()
    started = time.perf_counter()
    for index in range(PROOF_SIZE):
        for node in tree.append(leaf_hash(index.to_bytes(8, "big"))):
            nodes.store(node.level, node.index, node.hash)
    built = time.perf_counter() - started
    print(f"  appended {PROOF_SIZE:,} leaves, keeping every node   {built:8.1f} s")

    rng = random.Random(6962)
    size = PROOF_SIZE
    indexes = [rng.randrange(size) for _ in range(PROOFS)]
    old_sizes = [rng.randrange(1, size) for _ in range(PROOFS)]

    started = time.perf_counter()
    inclusions = [inclusion_proof(index, size, nodes.fetch) for index in indexes]
    inclusion_us = (time.perf_counter() - started) / PROOFS * 1e6
    started = time.perf_counter()
    consistencies = [consistency_proof(old, size, nodes.fetch) for old in old_sizes]
    consistency_us = (time.perf_counter() - started) / PROOFS * 1e6

    root = tree.root()
    for index, proof in zip(indexes, inclusions, strict=True):
        verify_inclusion(nodes.levels[0][index], index, size, proof, root)
    for old, proof in zip(old_sizes, consistencies, strict=True):
        verify_consistency(old, size, proof, nodes.root(old), root)

    label = f"at {PROOF_SIZE:,} entries"
    for kind, micros in (("inclusion", inclusion_us), ("consistency", consistency_us)):
        print(
            f"  {kind + ' proof ' + label:<44} {micros:8.1f} µs "
            f"(target < {PROOF_TARGET_US} µs: {met(micros < PROOF_TARGET_US)})"
        )
    print(f"  all {2 * PROOFS:,} proofs verified against the tree's roots")


def bench_throughput() -> None:
    rng = random.Random(9162)
    entries = [rng.randbytes(rng.randrange(250, 351)) for _ in range(ENTRIES)]
    megabytes = sum(map(len, entries)) / 1e6

    def plain() -> None:
        for data in entries:
            sha256(data).digest()

    def recompute() -> None:
        tree = CompactTree()
        for start in range(0, ENTRIES, BATCH):
            tree.extend(leaf_hashes(entries[start : start + BATCH]))
        tree.root()

    # Interleaved, so that both see the same share of whatever else the machine does.
    plain_times, tree_times = [], []
    for _ in range(REPEATS):
        plain_times.append(best_of(plain, 1))
        tree_times.append(best_of(recompute, 1))
    base, ours = min(plain_times), min(tree_times)
    ratio = base / ours
    print(
        f"  {f'plain SHA-256, {ENTRIES:,} entries ({megabytes:.0f} MB)':<44} {megabytes / base:8.1f} MB/s"
    )
    print(f"  {'tree recomputation, same entries':<44} {megabytes / ours:8.1f} MB/s")
    print(
        f"  verification speed / plain hashing: {ratio:.2f} "
        f"(target >= {RATIO_TARGET}: {met(ratio >= RATIO_TARGET)})"
    )

    with tempfile.TemporaryDirectory() as folder:
        export = Path(folder)
        (export / "checkpoints").mkdir()
        skey, vkey = generate_key("bench.example/log")
        tree = CompactTree()
        with (export / "entries.jsonl").open("w") as out:
            for index, data in enumerate(entries):
                out.write(json.dumps({"index": index, "data": base64.b64encode(data).decode()}))
                out.write("\n")
        tree.extend([leaf_hash(data) for data in entries])
        note = sign_checkpoint(
            Checkpoint("bench.example/log", ENTRIES, tree.root()), [Signer.from_skey(skey)]
        )
        (export / "checkpoints" / str(ENTRIES)).write_text(note)

        def command() -> None:
            with contextlib.redirect_stdout(io.StringIO()):
                assert verify_export([str(export), "--key", vkey]) == 0

        seconds = best_of(command, 2)
    print(
        f"  {'custodiet-verify end to end (information)':<44} {megabytes / seconds:8.1f} MB/s"
        f"  {ENTRIES / seconds:,.0f} entries/s, {base / seconds:.2f}x plain hashing"
    )


def main() -> None:
    print("ledger (pure): RFC 6962 tree, proofs and verification, no database, one core")
    bench_proofs()
    bench_throughput()
