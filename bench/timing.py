"""What every benchmark times with: the best of a few runs, and how a target reads."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def best_of(function: Callable[[], object], repeats: int = 3) -> float:
    """The fastest of several runs: the least disturbed by other work on a shared machine."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return min(times)


def met(condition: bool) -> str:
    return "met" if condition else "NOT met"


def in_child(module: str, *arguments: object) -> dict[str, Any]:
    """`python -m MODULE ARGUMENTS...` in a process of its own (so that its peak memory is
    its alone): the JSON object its last line prints."""
    sys.stdout.flush()
    done = subprocess.run(
        [sys.executable, "-m", module, *(str(a) for a in arguments)],
        cwd=ROOT,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def fastest(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The fastest of several measured runs, with the highest peak memory of them (memory
    hardly varies)."""
    best = min(runs, key=lambda run: run["seconds"])
    return best | {"peak": max(run["peak"] for run in runs)}


def postgres_reachable(url: str) -> bool:
    """Whether the PostgreSQL server at `url` answers within 3 seconds."""
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False
