"""Recording a job and launching its process; running it inside that process."""

from __future__ import annotations

import importlib
import json
import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlencode

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from custodiet.jobs.kinds import KINDS
from custodiet.jobs.models import HEARTBEAT, Job, State

log = logging.getLogger(__name__)

# Progress is written at most this often: a job of a million steps must not be slowed
# by a million updates.
PROGRESS_EVERY = 0.5  # seconds
# A running job's process says it is alive this often, between its progress reports too,
# so that a long step (a witness that takes its time) is not shown as a dead process.
ALIVE_EVERY = HEARTBEAT.total_seconds() / 4


class JobError(Exception):
    """A job that cannot be started or run as asked."""


def start(kind: str, *, user: Any, agency: Any, args: dict[str, Any]) -> Job:
    job = record(kind, user=user, agency=agency, args=args)
    # The process reads the job's row: it must be committed before the process looks.
    transaction.on_commit(lambda: launch(job))
    return job


def record(kind: str, *, user: Any = None, agency: Any = None, args: dict[str, Any]) -> Job:
    """The job's row, waiting to be run (by `launch`, or in this process by `run`)."""
    if kind not in KINDS:
        raise JobError(f"no job of kind {kind!r}: one of {', '.join(sorted(KINDS))}")
    return Job.objects.create(kind=kind, agency=agency, started_by=user, args=args)


def running(kind: str, **same: Any) -> Job | None:
    """The latest job of this kind waiting or running (with these field values), unless
    its process has died: what a page links to rather than start the same work twice."""
    waiting = Job.objects.filter(kind=kind, state__in=[State.QUEUED, State.RUNNING], **same)
    return next((job for job in waiting[:10] if not job.stalled), None)


def database_url() -> str:
    """The database this process uses, as a URL for the job's process (under the test
    runner that is the test database, not the one DATABASE_URL names)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        if connection.is_in_memory_db():
            raise JobError(
                "the database is in this process's memory: no other process can run a job on it"
            )
        return f"sqlite:///{db['NAME']}"
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    # A socket folder ("/run/postgresql") is a host too, written percent-encoded.
    host = quote(db.get("HOST") or "", safe="")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    options = {
        name: value
        for name, value in (db.get("OPTIONS") or {}).items()
        if isinstance(value, str | int) and not isinstance(value, bool)
    }
    query = f"?{urlencode(options)}" if options else ""
    return f"postgres://{auth}{host}{port}/{quote(db['NAME'], safe='')}{query}"


def launch(job: Job) -> None:
    """Start `custodiet job run ID` in a new session: it outlives the request that asked.

    Its log lines go where this process's go (the server's standard error). A process
    that cannot be started fails the job at once, rather than leave it waiting for ever.
    """
    try:
        env = {**os.environ, "DATABASE_URL": database_url()}
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and command, no shell
            [sys.executable, "-m", "custodiet", "job", "run", str(job.pk)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )
    except (JobError, OSError) as error:
        log.error("job %s (%s) could not be started: %s", job.pk, job.kind, error)
        _finish(job, error=f"It could not be started: {error}")
        return
    # Collect its exit status when it ends, so that no finished process lingers as a zombie.
    threading.Thread(target=process.wait, daemon=True).start()


class Run:
    """What a job's function is given: its arguments, and a way to report progress."""

    def __init__(
        self, job: Job, echo: Callable[[int, int | None, str], None] | None = None
    ) -> None:
        self.job = job
        self.args: dict[str, Any] = dict(job.args)
        self._echo = echo
        self._written = 0.0

    def progress(self, done: int, total: int | None = None, label: str = "") -> None:
        """How far the job has got. Call it outside any transaction of the job's own, or
        the page sees nothing until that transaction commits."""
        if self._echo is not None:
            self._echo(done, total, label)
        now = time.monotonic()
        if now - self._written < PROGRESS_EVERY and (total is None or done < total):
            return
        self._written = now
        Job.objects.filter(pk=self.job.pk).update(
            done=done, total=total, label=label[:200], heartbeat_at=timezone.now()
        )


def _beat(job_id: int, stop: threading.Event) -> None:
    """Say the job's process is alive until `stop` is set (a thread of its own, with its
    own database connection, so its writes never wait for the job's transactions)."""
    try:
        while not stop.wait(ALIVE_EVERY):
            try:
                Job.objects.filter(pk=job_id, state=State.RUNNING).update(
                    heartbeat_at=timezone.now()
                )
            except DatabaseError as error:  # a busy database: say so at the next beat
                log.warning("job %s: no heartbeat written (%s)", job_id, error)
    finally:
        connection.close()


def _finish(job: Job, *, result: dict[str, Any] | None = None, error: str = "") -> None:
    Job.objects.filter(pk=job.pk).update(
        state=State.FAILED if error else State.DONE,
        result=result,
        error=error[:4000],
        finished_at=timezone.now(),
    )


def run(job_id: int, echo: Callable[[int, int | None, str], None] | None = None) -> Job:
    """Run the job in this process, once: a job already started is left alone. `echo`
    hears every progress report too (a command prints them)."""
    claimed = Job.objects.filter(pk=job_id, state=State.QUEUED).update(
        state=State.RUNNING, started_at=timezone.now(), heartbeat_at=timezone.now()
    )
    job = Job.objects.get(pk=job_id)
    if not claimed:
        raise JobError(f"job {job_id} is {job.get_state_display().lower()}, not waiting to start")
    stop = threading.Event()
    alive = threading.Thread(target=_beat, args=(job.pk, stop), daemon=True)
    alive.start()
    try:
        kind = KINDS.get(job.kind)
        if kind is None:
            raise JobError(f"no job of kind {job.kind!r} is known any more")
        module, _, name = kind.function.partition(":")
        result = getattr(importlib.import_module(module), name)(Run(job, echo))
        # Checked here, where a failure is still the job's: the row takes JSON only.
        json.dumps(result)
    except BaseException as error:  # the job's failure is its result, for the page to show
        log.exception("job %s (%s) failed", job.pk, job.kind)
        _finish(job, error=f"{type(error).__name__}: {error}")
        # An interrupt or an exit still ends the process, once the job says why.
        if not isinstance(error, Exception):
            raise
    else:
        _finish(job, result=result)
    finally:
        stop.set()
        alive.join()
    job.refresh_from_db()
    return job
