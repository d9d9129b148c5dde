"""Long jobs (verifying the ledger, building a report, checking a received bundle) run in
a process of their own, never inside a web request, and show their progress on a page.

`start(kind, user=..., agency=..., args=...)` records the job and, once the caller's
transaction commits, launches `custodiet job run ID`; the job's function reports progress
through the `Run` it is given, and what it returns is kept as the job's result.
`running(kind, ...)` finds one already under way, so that a page need not start it twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from custodiet.jobs.models import Job


def start(kind: str, *, user: Any, agency: Any, args: dict[str, Any] | None = None) -> Job:
    """Record a job of this kind and launch it once the current transaction commits."""
    from custodiet.jobs.launch import start as _start

    return _start(kind, user=user, agency=agency, args=args or {})


def running(kind: str, **same: Any) -> Job | None:
    """The latest job of this kind waiting or running, whose process has not died."""
    from custodiet.jobs.launch import running as _running

    return _running(kind, **same)
