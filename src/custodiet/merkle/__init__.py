"""The tamper-evident log's hashing, proofs and signed checkpoints: plain Python, no Django.

Small modules, each with one job, so that the standalone verifier and the storage layer
share exactly the same code:

- `rfc6962`: leaf and node hashes (RFC 6962/9162 section 2.1).
- `compact`: appending leaves while holding only O(log n) hashes.
- `proof`: which stored perfect nodes a proof needs, and how to assemble it.
- `verify`: checking inclusion and consistency proofs.
- `note`: C2SP signed notes, Ed25519 keys and checkpoints.
- `verifier`: the `custodiet-verify` command for an exported log directory.
"""
