"""What every benchmark times with: the best of a few runs, and how a target reads."""

from __future__ import annotations

import time
from collections.abc import Callable


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
