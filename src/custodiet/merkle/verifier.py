"""`custodiet-verify DIR --key VKEY`: check an exported log with no database and no Django.

An export holds `entries.jsonl` (one `{"index": i, "data": base64 leaf input}` per line),
`checkpoints/` (one signed checkpoint note per file, named by its tree size) and
`log.vkey`. The checker recomputes the tree from the entries, one line at a time in
bounded memory, and checks that every checkpoint is signed by the given key and has the
root of exactly the first `size` entries. If every checkpoint matches the same
recomputed tree, each is a prefix of the next, so no separate consistency proof is
needed. The key must be given explicitly: the copy in the export is not trusted, since
whoever could rewrite the entries could replace it too.

Exit status: 0 when all is well, 1 when the export is inconsistent or forged (the
message names the first bad entry line or checkpoint), 2 when it cannot be checked.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from custodiet.merkle.compact import CompactTree
from custodiet.merkle.cosignature import CosignatureError, WitnessVerifier
from custodiet.merkle.note import Checkpoint, KeyFormatError, NoteError, Verifier, verify_checkpoint
from custodiet.merkle.rfc6962 import EMPTY_ROOT, leaf_hashes

ENTRIES = "entries.jsonl"
CHECKPOINTS = "checkpoints"
BATCH = 4096


class Unusable(Exception):
    """The export or the key cannot be read at all (exit 2)."""


class Failed(Exception):
    """The export does not check out (exit 1)."""


@dataclass(frozen=True, slots=True)
class Report:
    """What a successful check covered."""

    entries: int
    checkpoints: list[Checkpoint]


def read_key(value: str) -> Verifier:
    """The verifier key given on the command line, or the one in the file it names."""
    try:
        return Verifier.from_vkey(value)
    except KeyFormatError as error:
        reason = error
    path = Path(value)
    if not path.is_file():
        raise Unusable(f"--key: {reason}, and there is no file {value}")
    try:
        return Verifier.from_vkey(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise Unusable(f"--key: cannot read {value}: {error}") from None
    except KeyFormatError as error:
        raise Unusable(f"--key: {value}: {error}") from None


def _key_text(value: str) -> str:
    path = Path(value)
    return path.read_text(encoding="utf-8").strip() if path.is_file() else value


def read_checkpoints(directory: Path, key: Verifier) -> list[Checkpoint]:
    """Every checkpoint in `directory`, signature-checked, in increasing tree size."""
    if not directory.is_dir():
        raise Unusable(f"{directory} is missing or not a directory")
    checkpoints: dict[int, Checkpoint] = {}
    for path in sorted(directory.iterdir()):
        if not path.name.isascii() or not path.name.isdigit():
            raise Failed(f"{CHECKPOINTS}/{path.name}: the file name is not a tree size")
        size = int(path.name)
        where = f"checkpoint {size}"
        if size in checkpoints:
            raise Failed(f"{where}: more than one file for this tree size")
        try:
            note = path.read_bytes().decode("utf-8")
        except OSError as error:
            raise Unusable(f"{where}: cannot read {path}: {error}") from None
        except UnicodeDecodeError:
            raise Failed(f"{where}: not UTF-8 text") from None
        try:
            checkpoint = verify_checkpoint(note, key)
        except NoteError as error:
            raise Failed(f"{where}: {error}") from None
        if checkpoint.size != size:
            raise Failed(f"{where}: the signed note says tree size {checkpoint.size}")
        checkpoints[size] = checkpoint
    if not checkpoints:
        raise Failed(f"{CHECKPOINTS}/ holds no checkpoint: nothing vouches for the entries")
    ordered = [checkpoints[size] for size in sorted(checkpoints)]
    for checkpoint in ordered:
        if checkpoint.origin != ordered[0].origin:
            raise Failed(
                f"checkpoint {checkpoint.size}: origin {checkpoint.origin!r} differs from "
                f"{ordered[0].origin!r} of checkpoint {ordered[0].size}"
            )
    return ordered


def _entry_data(line: bytes, number: int, expected: int) -> bytes:
    """The leaf input on one line of entries.jsonl, which must carry index `expected`."""
    where = f"{ENTRIES} line {number}"
    try:
        entry = json.loads(line)
    except ValueError:
        raise Failed(f"{where}: not a JSON object") from None
    if not isinstance(entry, dict) or set(entry) != {"index", "data"}:
        raise Failed(f'{where}: not an object with exactly "index" and "data"')
    index, data = entry["index"], entry["data"]
    if type(index) is not int:
        raise Failed(f"{where}: index {index!r} is not an integer")
    if index < expected:
        raise Failed(
            f"{where}: index {index} again, where {expected} was expected: "
            "entries are duplicated or out of order"
        )
    if index > expected:
        missing = f"{expected}" if index == expected + 1 else f"{expected}..{index - 1}"
        raise Failed(
            f"{where}: index {index} where {expected} was expected: "
            f"entry {missing} removed or out of order"
        )
    if not isinstance(data, str):
        raise Failed(f"{where} (index {index}): data is not a base64 string")
    try:
        return binascii.a2b_base64(data.encode("ascii"), strict_mode=True)
    except (UnicodeEncodeError, binascii.Error):
        raise Failed(f"{where} (index {index}): data is not valid base64") from None


def _root_mismatch(checkpoint: Checkpoint, previous: Checkpoint | None) -> Failed:
    size = checkpoint.size
    message = (
        f"checkpoint {size}: root does not match entries 0..{size - 1}: "
        f"an entry before index {size} was altered, removed or reordered"
    )
    if previous is not None and previous.size:
        message += (
            f" (entries 0..{previous.size - 1} match checkpoint {previous.size}, "
            f"so the change is at index {previous.size} or later)"
        )
    return Failed(message)


def check_export(directory: Path, key: Verifier) -> Report:
    """Check the export in `directory` against `key`; raise `Failed` or `Unusable`."""
    if not directory.is_dir():
        raise Unusable(f"{directory} is missing or not a directory")
    checkpoints = read_checkpoints(directory / CHECKPOINTS, key)
    pending = iter(checkpoints)
    due = next(pending, None)
    previous: Checkpoint | None = None
    tree = CompactTree()
    if due is not None and due.size == 0:
        if due.root != EMPTY_ROOT:
            raise Failed("checkpoint 0: root is not that of the empty tree")
        previous, due = due, next(pending, None)
    try:
        entries = (directory / ENTRIES).open("rb")
    except OSError as error:
        raise Unusable(f"cannot open {ENTRIES}: {error}") from None
    # Entries are hashed and added in batches, which `leaf_hashes` and `CompactTree.extend`
    # do about twice as fast as one at a time; a batch always ends at the next checkpoint.
    batch: list[bytes] = []
    with entries:
        for number, line in enumerate(entries, start=1):
            batch.append(_entry_data(line, number, tree.size + len(batch)))
            if len(batch) < BATCH and (due is None or tree.size + len(batch) < due.size):
                continue
            tree.extend(leaf_hashes(batch))
            batch.clear()
            if due is not None and tree.size == due.size:
                if tree.root() != due.root:
                    raise _root_mismatch(due, previous)
                previous, due = due, next(pending, None)
    tree.extend(leaf_hashes(batch))
    if due is not None:
        raise Failed(
            f"checkpoint {due.size}: tree size {due.size} but {ENTRIES} holds only "
            f"{tree.size} entries: entries were removed from the end"
        )
    return Report(tree.size, checkpoints)


def witnessed(directory: Path, witnesses: list[WitnessVerifier]) -> dict[str, int]:
    """For each witness key, the largest checkpoint of the export it cosigned; Failed if
    it cosigned none, or if any cosignature by it, on any checkpoint, does not verify."""
    largest: dict[str, int] = {}
    for path in sorted(directory.iterdir(), key=lambda p: int(p.name)):
        note = path.read_text(encoding="utf-8")
        for witness in witnesses:
            try:
                witness.timestamp(note)
            except CosignatureError as error:
                if "not cosigned" in str(error):
                    continue
                raise Failed(f"checkpoint {path.name}: {error}") from None
            largest[witness.name] = int(path.name)
    for witness in witnesses:
        if witness.name not in largest:
            raise Failed(f"no checkpoint carries a cosignature by the witness {witness.name}")
    return largest


def main(argv: list[str] | None = None) -> int:
    """The `custodiet-verify` command; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="custodiet-verify",
        description="Check an exported Custodiet log: every entry, every signed checkpoint.",
    )
    parser.add_argument("directory", metavar="DIR", type=Path, help="the export directory")
    parser.add_argument(
        "--key",
        required=True,
        metavar="VKEY",
        help="the log's verifier key, or a file holding it (the export's own log.vkey is "
        "only trusted if named here)",
    )
    parser.add_argument(
        "--witness-key",
        action="append",
        default=[],
        metavar="VKEY",
        help="a witness's cosignature key (repeatable): some checkpoint must carry its "
        "cosignature, and every cosignature by it must verify",
    )
    args = parser.parse_args(argv)
    try:
        key = read_key(args.key)
        witnesses = [WitnessVerifier.from_vkey(_key_text(value)) for value in args.witness_key]
        report = check_export(args.directory, key)
        cosigned = witnessed(args.directory / CHECKPOINTS, witnesses)
    except KeyFormatError as error:
        print(f"custodiet-verify: cannot check: --witness-key: {error}", file=sys.stderr)
        return 2
    except Unusable as error:
        print(f"custodiet-verify: cannot check: {error}", file=sys.stderr)
        return 2
    except Failed as error:
        print(f"custodiet-verify: FAILED: {error}", file=sys.stderr)
        return 1
    latest = report.checkpoints[-1]
    print(f"key:         {key.name} ({key.key_id:08x})")
    print(f"entries:     {report.entries:,} read")
    print(f"checkpoints: {len(report.checkpoints)} verified, origin {latest.origin}")
    print(f"latest:      size {latest.size:,}, root {base64.b64encode(latest.root).decode()}")
    for name, size in cosigned.items():
        print(f"witness:     {name} cosigned size {size:,}")
    uncovered = report.entries - latest.size
    if uncovered:
        noun = "entry" if uncovered == 1 else "entries"
        print(f"uncovered:   {uncovered:,} {noun} after the latest checkpoint, not yet signed for")
    print("OK")
    return 0
