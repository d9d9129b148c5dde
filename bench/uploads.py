"""How long an upload can hold a web worker: each hostile PDF of the tests, read as the
upload forms read it (`extract_pdf_text`, in a child process under `BUDGET`).

The baseline, measured in the same run, is an ordinary one-page warrant read the same
way. Each file is read a few times and the slowest time is the one shown: the worst case
is what a worker must survive. Target: every hostile file is refused, none within more
than a second past the time budget (`BUDGET.seconds`).

For information: what the child process costs, as the warrant read in a child against
the same reading done in this process.
"""

from __future__ import annotations

import time

from tests.hostile_pdfs import HOSTILE, warrant_pdf

from bench.timing import best_of, met
from custodiet.policy.pdftext import BUDGET, PdfTextError, extract_pdf_text
from custodiet.policy.pdfworker import read_text

REPEATS = 3
MARGIN = 1.0  # seconds past the time budget: killing and reaping the child


def worst_of(data: bytes) -> tuple[float, str]:
    """The slowest of several reads, and what the last one gave (its text or refusal)."""
    slowest = 0.0
    outcome = ""
    for _ in range(REPEATS):
        started = time.perf_counter()
        try:
            outcome = f"read, {len(extract_pdf_text(data)):,} characters"
        except PdfTextError as error:
            outcome = f"refused: {error}"
        slowest = max(slowest, time.perf_counter() - started)
    return slowest, outcome


def main() -> None:
    print(f"uploads: worst of {REPEATS} reads per file, time budget {BUDGET.seconds:g} s")
    warrant = warrant_pdf()
    base, outcome = worst_of(warrant)
    print(f"  {'baseline: one-page warrant':<44} {base:7.3f} s   1.0x   {outcome}")
    slowest = 0.0
    all_refused = True
    for name, build in HOSTILE.items():
        data = build()
        seconds, outcome = worst_of(data)
        slowest = max(slowest, seconds)
        all_refused = all_refused and outcome.startswith("refused")
        print(
            f"  {name + f' ({len(data) / 1024:,.1f} KB)':<44} {seconds:7.3f} s "
            f"{seconds / base:6.1f}x   {outcome[:90]}"
        )
    limit = BUDGET.seconds + MARGIN
    print(
        f"  target: every hostile file refused within {limit:g} s: "
        f"{met(all_refused and slowest <= limit)} (slowest {slowest:.2f} s)"
    )
    in_process = best_of(lambda: read_text(warrant, max_pages=50, budget=BUDGET), REPEATS)
    sandboxed = best_of(lambda: extract_pdf_text(warrant), REPEATS)
    print(
        f"  child process cost: {sandboxed * 1000:.0f} ms for the warrant in a child, "
        f"{in_process * 1000:.1f} ms in this process: {(sandboxed - in_process) * 1000:.0f} ms "
        "to start it"
    )
