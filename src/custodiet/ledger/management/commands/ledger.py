"""`custodiet ledger keygen | checkpoint | verify | sequence | prove ENTRY | export DIR`."""

from __future__ import annotations

import base64
import json
import os
import signal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from custodiet.jobs import launch as jobs
from custodiet.jobs.models import State
from custodiet.ledger import sequencer, store
from custodiet.ledger.models import Checkpoint, Entry
from custodiet.merkle.cosignature import WitnessVerifier
from custodiet.merkle.note import Signer, Verifier, generate_key
from custodiet.merkle.rfc6962 import leaf_hash
from custodiet.merkle.verify import verify_inclusion


def b64(value: bytes) -> str:
    return base64.b64encode(value).decode()


class Command(BaseCommand):
    help = "Keep and check the tamper-evident ledger."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        keygen = actions.add_parser(
            "keygen",
            help="write a new signing key to CUSTODIET_LOG_KEY_FILE and print its verifier key",
        )
        keygen.add_argument("--force", action="store_true", help="replace an existing key file")
        checkpoint = actions.add_parser(
            "checkpoint", help="sign the current tree head and store it"
        )
        checkpoint.add_argument(
            "--witness",
            metavar="URL[,URL...]",
            help="send it to these witnesses (their submission prefixes) and keep their "
            "cosignatures; exit 1 naming a witness that refuses",
        )
        checkpoint.add_argument(
            "--witness-key",
            action="append",
            default=[],
            metavar="VKEY",
            help="a witness's key (repeatable): only its verified cosignatures are kept",
        )
        verify = actions.add_parser(
            "verify", help="recompute the log and check every entry and checkpoint"
        )
        verify.add_argument(
            "--key", help="verifier key (vkey text or a file); default: the signing key's"
        )
        verify.add_argument(
            "--workers",
            type=int,
            help="processes that read and check entries beside this one (default: one per "
            f"core for logs of {store.PARALLEL_FROM:,} entries or more, else none)",
        )
        verify.add_argument(
            "--batch",
            type=int,
            default=store.VERIFY_BATCH,
            help=f"entries read and checked at a time (default {store.VERIFY_BATCH:,})",
        )
        sequence = actions.add_parser(
            "sequence",
            help="place waiting leaves in the log, in batches, until stopped (run it beside "
            "the server when CUSTODIET_LEDGER_SEQUENCER=separate)",
        )
        sequence.add_argument("--once", action="store_true", help="place what waits now, then stop")
        sequence.add_argument(
            "--interval",
            type=float,
            default=sequencer.INTERVAL,
            help=f"seconds to wait when no leaf waits (default {sequencer.INTERVAL:g})",
        )
        sequence.add_argument(
            "--batch",
            type=int,
            default=sequencer.BATCH,
            help=f"leaves placed in one commit, at most (default {sequencer.BATCH:,})",
        )
        prove = actions.add_parser("prove", help="print an inclusion proof for an entry")
        prove.add_argument("entry", type=int)
        prove.add_argument(
            "--size", type=int, help="tree size to prove against (default: the latest checkpoint)"
        )
        export = actions.add_parser("export", help="write a directory an outside party can verify")
        export.add_argument("directory", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, options["action"])(**options)
        except store.LedgerError as exc:
            raise CommandError(str(exc)) from None

    def keygen(self, *, force: bool, **_: Any) -> None:
        path = Path(settings.CUSTODIET_LOG_KEY_FILE)
        if path.exists() and not force:
            raise CommandError(
                f"{path} exists; a new key would orphan the checkpoints it signed (use --force to replace it)"
            )
        skey, vkey = generate_key(settings.CUSTODIET_LOG_ORIGIN)
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(skey + "\n")
        self.stderr.write(f"wrote the signing key to {path}; publish the verifier key below")
        self.stdout.write(vkey)

    def checkpoint(self, *, witness: str | None, witness_key: list[str], **_: Any) -> None:
        try:
            keys = [
                WitnessVerifier.from_vkey(Path(k).read_text() if Path(k).is_file() else k)
                for k in witness_key
            ]
        except ValueError as exc:
            raise CommandError(f"--witness-key: {exc}", returncode=2) from None
        stored = store.checkpoint()
        refused = []
        for url in [u.strip() for u in (witness or "").split(",") if u.strip()]:
            try:
                store.witness(stored, url, keys)
            except store.WitnessRefused as exc:
                refused.append(str(exc))
        self.stdout.write(store.cosigned_note(stored), ending="")
        if refused:
            raise CommandError("witness refused: " + "; ".join(refused), returncode=1)

    def _verifier(self, key: str | None) -> Verifier | None:
        if key:
            text = Path(key).read_text().strip() if Path(key).is_file() else key
            try:
                return Verifier.from_vkey(text)
            except ValueError as exc:
                raise CommandError(f"--key: not a verifier key: {exc}") from None
        if Path(settings.CUSTODIET_LOG_KEY_FILE).exists():
            return store.signer().verifier
        return None

    def verify(self, *, key: str | None, workers: int | None, batch: int, **_: Any) -> None:
        if workers is not None and not 1 <= workers <= 64:
            raise CommandError("--workers: give 1 to 64", returncode=2)
        if not 1 <= batch <= 1_000_000:
            raise CommandError("--batch: give 1 to 1,000,000", returncode=2)
        verifier = self._verifier(key)
        if verifier is None and Checkpoint.objects.exists():
            raise CommandError(
                "checkpoints are stored but no key was given to check their signatures (--key)"
            )

        bar: tqdm | None = None

        def progress(done: int, total: int | None, label: str) -> None:
            nonlocal bar
            if bar is None:
                bar = tqdm(
                    total=total or None,
                    unit=" entries",
                    unit_scale=True,
                    desc="verifying",
                    file=self.stderr._out,
                    disable=None,  # no bar when the output is not a terminal
                )
            bar.update(done - bar.n)

        # The job the ledger page starts, run here: the page shows this result too.
        args = {
            "key": verifier.vkey if verifier else None,
            "command": "custodiet ledger verify",
            "workers": workers,
            "batch": batch,
        }
        job = jobs.run(jobs.record("ledger-verify", args=args).pk, echo=progress)
        if bar is not None:
            bar.close()
        if job.state == State.FAILED:
            raise CommandError(f"ledger verification could not finish: {job.error}")
        result = job.result or {}
        if not result.get("ok"):
            self.stderr.write(f"ledger verification FAILED: {result.get('problem')}")
            raise SystemExit(1)
        self.stdout.write(
            f"ledger verified: {result['entries']:,} entries, {result['checkpoints']} checkpoints"
        )

    def sequence(self, *, once: bool, interval: float, batch: int, **_: Any) -> None:
        if batch < 1 or interval <= 0:
            raise CommandError("--batch and --interval must be above 0", returncode=2)
        stopping = False

        def stop(signum: int, frame: object) -> None:
            nonlocal stopping
            stopping = True  # the pass under way commits, then the loop ends

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        worker = sequencer.Sequencer(batch=batch)
        if not once:
            self.stderr.write(
                f"placing waiting leaves in batches of up to {batch:,}; stop with SIGTERM"
            )

        def report(placed: int, longest: float) -> None:
            waiting, _ = store.pending()
            self.stderr.write(
                f"placed {placed:,} leaves in the last minute, the longest after waiting "
                f"{longest:.2f} s; {waiting:,} waiting"
            )

        placed = worker.run(interval=interval, until=lambda: stopping, once=once, report=report)
        waiting, _ = store.pending()
        self.stdout.write(f"placed {placed:,} leaves; {waiting:,} waiting")

    def prove(self, *, entry: int, size: int | None, **_: Any) -> None:
        if size is None:
            latest = Checkpoint.objects.order_by("-size").first()
            size = latest.size if latest else store.size()
        if not 0 <= entry < size <= store.size():
            raise CommandError(
                f"entry {entry} is not in a tree of size {size} (the log has {store.size()} entries)"
            )
        data = bytes(Entry.objects.get(index=entry).data)
        proof = store.prove_inclusion(entry, size)
        root = store.root(size)
        verify_inclusion(leaf_hash(data), entry, size, proof, root)
        note = Checkpoint.objects.filter(size=size).values_list("note", flat=True).first()
        self.stdout.write(
            json.dumps(
                {
                    "index": entry,
                    "tree_size": size,
                    "leaf_hash": b64(leaf_hash(data)),
                    "data": b64(data),
                    "proof": [b64(node) for node in proof],
                    "root": b64(root),
                    "checkpoint": note,
                },
                indent=2,
            )
        )

    def export(self, *, directory: Path, **_: Any) -> None:
        signer: Signer = store.signer()
        checkpoints = directory / "checkpoints"
        checkpoints.mkdir(parents=True, exist_ok=True)
        count = 0
        with (directory / "entries.jsonl").open("w") as handle:
            for index, data in (
                Entry.objects.order_by("index")
                .values_list("index", "data")
                .iterator(chunk_size=5000)
            ):
                handle.write(json.dumps({"index": index, "data": b64(bytes(data))}) + "\n")
                count += 1
        for stored in Checkpoint.objects.order_by("size").prefetch_related("cosignatures"):
            (checkpoints / str(stored.size)).write_text(store.cosigned_note(stored))
        (directory / "log.vkey").write_text(signer.verifier.vkey + "\n")
        self.stdout.write(
            f"exported {count} entries and {Checkpoint.objects.count()} checkpoints to {directory}"
        )
