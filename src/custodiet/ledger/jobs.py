"""The ledger's background job: verifying the whole log, with its progress on the job's
page. `custodiet ledger verify` runs the same job in its own process, so that the ledger
page finds the last verification whoever ran it, a person or cron."""

from __future__ import annotations

from typing import Any

from custodiet.jobs.launch import Run
from custodiet.ledger import store
from custodiet.merkle.note import Verifier


def verify(run: Run) -> dict[str, Any]:
    """Verify the ledger; `run.args["key"]`, a verifier key, checks the checkpoints'
    signatures, else the signing key's own verifier does when the key is here."""
    key = run.args.get("key")
    if key:
        verifier: Verifier | None = Verifier.from_vkey(key)
    else:
        try:
            verifier = store.signer().verifier
        except store.LedgerError:
            verifier = None  # no signing key here: roots are checked, signatures cannot be
    total = store.size()
    run.progress(0, total, "Entries checked")
    result = store.verify(
        verifier=verifier,
        progress=lambda done: run.progress(done, total, "Entries checked"),
        workers=run.args.get("workers"),
        chunk=run.args.get("batch") or store.VERIFY_BATCH,
    )
    problem = result.problem
    if problem is None:
        summary = (
            f"The ledger verifies: {result.entries} entries and {result.checkpoints} "
            "checkpoints match"
            + ("." if verifier else ", but no signing key is here to check signatures.")
        )
    else:
        summary = f"The ledger does NOT verify: {problem.message}"
    return {
        "ok": problem is None,
        "entries": result.entries,
        "checkpoints": result.checkpoints,
        "signatures_checked": verifier is not None,
        "problem": None if problem is None else problem.message,
        "entry": None if problem is None else problem.entry,
        "summary": summary,
    }
