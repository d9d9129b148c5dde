"""How fast the Governor's office checks a report bundle of a large log.

A synthetic log of `CUSTODIET_BENCH_REPORT_ENTRIES` entries (1,000,000 by default: half
requests received, half their decisions, as version 2 leaves) is written as a bundle:
entries, a signed checkpoint, the report's counts (recounted by the function the recipient
runs) and the written record. The baseline, in the same run, is the standalone verifier
(`custodiet-verify`) hashing the same entries as a ledger export: the least any check of
the log must do. `oversight verify` does that and recounts every figure from the leaves.
"""

from __future__ import annotations

import base64
import csv
import gzip
import json
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.timing import best_of

VARIABLE = "CUSTODIET_BENCH_REPORT_ENTRIES"
DEFAULT_ENTRIES = 1_000_000
LEVELS = ("local", "state", "federal", "private")
CHANNELS = ("email", "mail", "phone", "in_person", "database")


def decision(number: int) -> dict[str, Any]:
    """The decision event's payload for synthetic request `number`: one in five refused
    as immigration-related, the rest eligible; all reportable."""
    return {
        "decision": {
            "outcome": "eligible" if number % 5 else "refuse",
            "immigration_related": number % 5 == 0,
            "reportable": {"value": True, "because": "A third party's request."},
            "reasons": [{"rule": "co-guidance-criminal-investigation", "effect": "eligible"}],
            "legal_process": [],
        }
    }


def _leaves(entries: int) -> Iterator[bytes]:
    import rfc8785

    for event in range(entries):
        number = event // 2
        request = f"R-{number:07d}"
        day = 1 + number % 28
        if event % 2 == 0:
            payload = {
                "request": {
                    "id": request,
                    "received_at": f"2025-0{7 + number % 3}-{day:02d}T10:00:00-06:00",
                    "channel": CHANNELS[number % len(CHANNELS)],
                    "receiving_agency": "CO-DOR-DMV",
                    "requester": {"organization": "Example PD", "level": LEVELS[number % 4]},
                    "records_requested": ["address"],
                    "subjects": "hmac-sha256:" + "A" * 43 + "=",
                }
            }
            kind = "request.received"
        else:
            payload = decision(number)
            kind = "request.decided"
        yield rfc8785.dumps(
            {
                "v": 2,
                "event": event + 1,
                "kind": kind,
                "at": "2025-10-01T00:00:00.000000+00:00",
                "actor": "portal",
                "request": request,
                "payload": payload,
            }
        )


def _write(folder: Path, entries: int) -> tuple[Path, Path, str]:
    """(the bundle, a ledger export of the same entries, the log's verifier key)."""
    from custodiet.merkle.compact import CompactTree
    from custodiet.merkle.note import Checkpoint, Signer, generate_key, sign_checkpoint
    from custodiet.merkle.rfc6962 import leaf_hash
    from custodiet.reports import oversight
    from custodiet.reports.recount import Period, leaves, recount

    skey, vkey = generate_key("bench.custodiet.invalid/ledger")
    signer = Signer.from_skey(skey)
    bundle, export = folder / "bundle", folder / "export"
    bundle.mkdir()
    (export / "checkpoints").mkdir(parents=True)
    tree = CompactTree()
    data = list(_leaves(entries))
    with (
        gzip.open(bundle / "entries.jsonl.gz", "wt", compresslevel=1) as packed,
        (export / "entries.jsonl").open("w") as plain,
    ):
        for index, leaf in enumerate(data):
            line = json.dumps({"index": index, "data": base64.b64encode(leaf).decode()}) + "\n"
            packed.write(line)
            plain.write(line)
            tree.append(leaf_hash(leaf))
    note = sign_checkpoint(Checkpoint(signer.name, tree.size, tree.root()), [signer])
    (bundle / "checkpoint").write_text(note)
    (export / "checkpoints" / str(tree.size)).write_text(note)
    (export / "log.vkey").write_text(vkey + "\n")
    period = Period.parse("2025-Q3")
    counted = recount(leaves(data), period, "CO-DOR-DMV", "America/Denver")
    with (bundle / "record.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["request_id"])
        writer.writerows([key] for key in counted.reportable_ids)
    report = {
        "version": 1,
        "agency": "CO-DOR-DMV",
        "period": period.as_json("America/Denver"),
        "log": {"size": tree.size, "root": base64.b64encode(tree.root()).decode()},
        "counts": counted.counts,
        "attestation": None,
        "exceptions": counted.exceptions,
    }
    report["attestation"] = {
        "name": "Example Attester",
        "title": "Attester",
        "statement": oversight.STATEMENT,
        "report_sha256": oversight.sha256_as_built(report),
    }
    (bundle / "report.json").write_text(oversight.report_text(report))
    return bundle, export, vkey


def main() -> None:
    from custodiet.merkle.note import Verifier
    from custodiet.merkle.verifier import check_export
    from custodiet.reports import oversight

    entries = int(os.environ.get(VARIABLE, "").replace("_", "") or DEFAULT_ENTRIES)
    with tempfile.TemporaryDirectory(prefix="custodiet-bench-") as name:
        started = time.perf_counter()
        bundle, export, vkey = _write(Path(name), entries)
        made = time.perf_counter() - started
        key = Verifier.from_vkey(vkey)
        checks: list[oversight.Check] = []

        def verify() -> None:
            checks[:] = oversight.verify(bundle, key)

        base = best_of(lambda: check_export(export, key), repeats=2)
        ours = best_of(verify, repeats=2)
    assert all(check.ok for check in checks), checks
    print(f"reports: a bundle of {entries:,} ledger entries (made in {made:.1f} s), best of 2")
    print(
        f"  baseline: custodiet-verify hashing the entries   {base:7.2f} s  {entries / base:>10,.0f} entries/s  1.0x"
    )
    print(
        f"  oversight verify: log, counts, record           {ours:7.2f} s  {entries / ours:>10,.0f} entries/s  "
        f"{ours / base:.1f}x"
    )


WITNESS_REQUESTS = 400


def witness_main() -> None:
    """Witness add-checkpoint requests per second over loopback HTTP, for a log growing
    one entry per checkpoint, against the same server answering a path it does not serve."""
    import http.client
    import threading
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    from custodiet import witness
    from custodiet.merkle.compact import CompactTree
    from custodiet.merkle.cosignature import Witness
    from custodiet.merkle.note import Checkpoint, Signer, generate_key, sign_checkpoint
    from custodiet.merkle.proof import consistency_proof
    from custodiet.merkle.rfc6962 import leaf_hash

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    skey, vkey = generate_key("bench.custodiet.invalid/ledger")
    signer = Signer.from_skey(skey)
    nodes = {}
    bodies = []
    tree = CompactTree()
    for size in range(1, WITNESS_REQUESTS + 1):
        for node in tree.append(leaf_hash(f"entry {size}".encode())):
            nodes[node.id] = node.hash
        note = sign_checkpoint(Checkpoint(signer.name, size, tree.root()), [signer])
        proof = (
            consistency_proof(size - 1, size, lambda ids: [nodes[i] for i in ids])
            if size > 1
            else []
        )
        bodies.append(witness.request_body(size - 1, proof, note))
    with tempfile.TemporaryDirectory(prefix="custodiet-bench-") as name:
        from custodiet.merkle.note import Verifier

        config = witness.Config(
            Witness.generate("bench.witness.invalid/w"),
            Path(name) / "witness.sqlite3",
            {signer.name: [Verifier.from_vkey(vkey)]},
        )
        server = make_server("127.0.0.1", 0, witness.application(config), handler_class=Quiet)
        threading.Thread(target=server.serve_forever, daemon=True).start()

        def post(path: str, body: str) -> int:
            connection = http.client.HTTPConnection("127.0.0.1", server.server_port)
            connection.request("POST", path, body=body.encode())
            answer = connection.getresponse()
            answer.read()
            connection.close()
            return answer.status

        started = time.perf_counter()
        for body in bodies:
            assert post("/elsewhere", body) == 404
        base = time.perf_counter() - started
        started = time.perf_counter()
        for body in bodies:
            assert post("/add-checkpoint", body) == 200
        ours = time.perf_counter() - started
        server.shutdown()
    count = len(bodies)
    print(f"witness: {count} add-checkpoint requests over loopback HTTP, one client")
    print(
        f"  baseline: the same server, a path it does not serve  {count / base:>8,.0f} requests/s  1.0x"
    )
    print(
        f"  add-checkpoint: signature, proof, SQLite commit       {count / ours:>8,.0f} requests/s  "
        f"{ours / base:.1f}x"
    )
