"""Intake under load, through the production server: gunicorn on PostgreSQL over loopback.

A throwaway PostgreSQL database is migrated and given an agency, its administrator, a
supervisor (eligible requests are mailed to one) and a partner account with an API token,
all with the project's own functions (`custodiet.accounts.actions`). The server is
started as the README runs it in production (`gunicorn --workers 4 --timeout 120
custodiet.wsgi`, bound to 127.0.0.1 on a free port), with generated secrets,
`CUSTODIET_SECURE=false` (plain HTTP on loopback), mail kept in memory, and the API's
rate limits (`CUSTODIET_API_RATE`, `CUSTODIET_API_ADDRESS_RATE`) raised out of the way.
When the ledger has its separate sequencer (`custodiet ledger --help` lists `sequence`), it
runs beside the server with `CUSTODIET_LEDGER_SEQUENCER=separate` for both, and at the
end every leaf must have its position in the log; otherwise leaves are appended inline.

The load comes from a process of its own: raw HTTP/1.1 over asyncio streams, connections
kept alive when the server allows it (gunicorn's sync workers close each one, so every
call opens its own, as a partner's would).

- The saturating rate of intake (`POST /api/v1/requests`, varied requests from
  `custodiet.samples.generate`, each with an id of its own): a closed loop of 8 calls at
  a time (twice the workers) for a few seconds, after a warm-up.
- An open-loop schedule at 20%, 40%, 60% and 80% of that rate: calls go out at fixed
  times whatever the answers, and each latency runs from the call's scheduled time, so a
  server that stalls is charged for every call that waited behind it (no coordinated
  omission). The same schedule, at each rate, against `GET /healthz`, which does no work
  but passes the same middleware (not the API's token lookup and rate counting, which are
  part of what intake costs) as the baseline measured in the same run. Target: intake's
  p99 within twice the baseline's p99 at 80% of the saturating rate (a step twice as long
  as the others, so that its p99 rests on a few hundred calls).
- The batch endpoint (`POST /api/v1/requests/batch`), when the server has it: items
  recorded a second over a few batches. Target: at least 2,000 a second.
- Correctness: every request answered 201 is in the database (`RequestRecord`) at the
  end, or the benchmark fails.

The machine running `make bench` may have two cores, shared: the load generator competes
with the server's four workers and PostgreSQL for them, so the rates here are lower than
the server alone would reach, and noisy. The run is bounded: a fixed number of phases of
fixed length, and a hard budget (`BUDGET_SECONDS`) past which phases are skipped and
every process is stopped.

`python -m bench.load` (or `make bench`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from bench.timing import met, postgres_reachable

ROOT = Path(__file__).resolve().parents[1]
POSTGRES_URL = os.environ.get("CUSTODIET_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432/test")
BUDGET_SECONDS = 170
WORKERS = 4  # as the README runs gunicorn
TIMEOUT = 120
SATURATION_CONCURRENCY = 2 * WORKERS
SATURATION_WARMUP = 2.0
SATURATION_SECONDS = 8.0
FRACTIONS = (0.2, 0.4, 0.6, 0.8)
STEP_SECONDS = 8.0
# The step the target reads is longer, so that its p99 rests on a few hundred calls.
TARGET_STEP_SECONDS = 16.0
CALL_TIMEOUT = 30.0
MAX_CONNECTIONS = 256
BATCH_SIZE = 250
BATCHES = 4
BATCH_SECONDS = 25.0
TARGET_RATIO = 2.0
BATCH_TARGET = 2000
PLENTY = "1000000/minute"
INTAKE = "/api/v1/requests"
BATCH = "/api/v1/requests/batch"
TRIVIAL = "/healthz"
SAMPLES = 400


# The load generator (a process of its own) ---------------------------------------------------


class Pool:
    """Connections to one server: at most `limit` at once, each kept alive when the server
    allows it. A call waiting for a connection is still timed from its scheduled send."""

    def __init__(self, port: int, limit: int = MAX_CONNECTIONS) -> None:
        self.port = port
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self.slots = asyncio.Semaphore(limit)

    async def call(self, data: bytes) -> tuple[int, bytes]:
        async with self.slots:
            reused = bool(self.idle)
            connection = self.idle.pop() if reused else await self._open()
            try:
                status, body, keep = await _exchange(*connection, data)
            except (ConnectionError, asyncio.IncompleteReadError):
                connection[1].close()
                if not reused:
                    raise
                # A kept connection the server had closed meanwhile: once more on a new one.
                connection = await self._open()
                status, body, keep = await _exchange(*connection, data)
            if keep:
                self.idle.append(connection)
            else:
                connection[1].close()
            return status, body

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.open_connection("127.0.0.1", self.port, limit=2**20)

    def close(self) -> None:
        for _, writer in self.idle:
            writer.close()
        self.idle.clear()


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, data: bytes
) -> tuple[int, bytes, bool]:
    """One HTTP/1.1 call: its status, its body, and whether the connection stays open."""
    writer.write(data)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    version, status = lines[0].split(" ", 2)[:2]
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    keep = version == "HTTP/1.1" and headers.get("connection", "").lower() != "close"
    if "chunked" in headers.get("transfer-encoding", "").lower():
        parts = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            parts.append(await reader.readexactly(size + 2))
            if size == 0:
                break
        body = b"".join(part[:-2] for part in parts)
    elif "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    else:
        body, keep = await reader.read(), False
    return int(status), body, keep


def _request(method: str, path: str, port: int, token: str | None, body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}"]
    if token:
        lines.append(f"Authorization: Bearer {token}")
    if method == "POST":
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def _percentile(ordered: list[float], q: float) -> float:
    """Nearest rank: the smallest value with at least `q` of them at or below it."""
    if not ordered:
        return math.nan
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


class Calls:
    """What each phase sends: intake bodies with ids of their own, or the trivial GET."""

    def __init__(self, spec: dict[str, Any]) -> None:
        from custodiet.samples import generate

        self.port = spec["port"]
        self.token = spec["token"]
        self.samples = generate(SAMPLES, seed=spec.get("seed", 2026))
        self.ids: list[str] = []

    def intake(self, prefix: str, number: int) -> tuple[bytes, str]:
        request = dict(self.samples[number % SAMPLES], id=f"{prefix}-{number}")
        body = json.dumps(request).encode()
        return _request("POST", INTAKE, self.port, self.token, body), request["id"]

    def trivial(self) -> bytes:
        return _request("GET", TRIVIAL, self.port, None)


async def saturate(calls: Calls, spec: dict[str, Any]) -> dict[str, Any]:
    """A closed loop: `concurrency` callers, each sending its next call on the answer."""
    pool = Pool(calls.port)
    loop = asyncio.get_running_loop()
    started = loop.time()
    counted_from = started + spec["warmup"]
    ends = counted_from + spec["seconds"]
    numbers = iter(range(10**9))
    done: list[tuple[float, float]] = []
    statuses: dict[str, int] = {}

    async def caller() -> None:
        while loop.time() < ends:
            data, public_id = calls.intake(spec["prefix"], next(numbers))
            sent = loop.time()
            status = await _status(pool, data)
            statuses[str(status)] = statuses.get(str(status), 0) + 1
            if status == 201:
                calls.ids.append(public_id)
                if sent >= counted_from and loop.time() <= ends:
                    done.append((sent, loop.time() - sent))

    await asyncio.gather(*(caller() for _ in range(spec["concurrency"])))
    pool.close()
    latencies = sorted(latency * 1000 for _, latency in done)
    return {
        "rate": len(done) / spec["seconds"],
        "p50": _percentile(latencies, 0.5),
        "statuses": statuses,
    }


async def _status(pool: Pool, data: bytes) -> int | str:
    """The answer's status, or what kept the call from one (a timeout, a socket error)."""
    try:
        status: int = (await asyncio.wait_for(pool.call(data), CALL_TIMEOUT))[0]
    except TimeoutError:
        return "timeout"
    except OSError as exc:
        return type(exc).__name__
    return status


async def open_loop(calls: Calls, spec: dict[str, Any]) -> dict[str, Any]:
    """Calls at fixed times, `rate` a second for `seconds`, whatever the answers; each
    latency from its scheduled time. Waits for every answer (or its timeout) at the end."""
    pool = Pool(calls.port)
    loop = asyncio.get_running_loop()
    rate, count = spec["rate"], max(1, round(spec["rate"] * spec["seconds"]))
    intake = spec["endpoint"] == "intake"
    results: list[tuple[float, int | str]] = []
    late = 0.0

    async def send(number: int, scheduled: float, data: bytes, public_id: str) -> None:
        status = await _status(pool, data)
        results.append((loop.time() - scheduled, status))
        if status == 201 and intake:
            calls.ids.append(public_id)

    tasks = []
    start = loop.time() + 0.05
    for number in range(count):
        # Built before the send is due, so that building it is not charged to the server.
        data, public_id = calls.intake(spec["prefix"], number) if intake else (calls.trivial(), "")
        scheduled = start + number / rate
        delay = scheduled - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        late = max(late, loop.time() - scheduled)
        tasks.append(asyncio.create_task(send(number, scheduled, data, public_id)))
    await asyncio.gather(*tasks)
    finished = loop.time()
    pool.close()
    expected = 201 if intake else 200
    good = sorted(latency * 1000 for latency, status in results if status == expected)
    statuses: dict[str, int] = {}
    for _, status in results:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    return {
        "sent": count,
        "achieved": len(good) / (finished - start),
        "p50": _percentile(good, 0.5),
        "p95": _percentile(good, 0.95),
        "p99": _percentile(good, 0.99),
        # Calls that failed count as slow as the slowest, not as absent.
        "failed": count - len(good),
        "statuses": statuses,
        "late_ms": late * 1000,
    }


async def batches(calls: Calls, spec: dict[str, Any]) -> dict[str, Any]:
    """Whether the batch endpoint is there; if it is, a few batches one after another."""
    pool = Pool(calls.port)
    probe = _request("POST", BATCH, calls.port, calls.token, b'{"requests": []}')
    probed, _ = await asyncio.wait_for(pool.call(probe), CALL_TIMEOUT)
    if probed in (404, 405):
        pool.close()
        return {"there": False, "status": probed}
    loop = asyncio.get_running_loop()
    answers: list[dict[str, Any]] = []
    started = loop.time()
    for number in range(spec["batches"]):
        if loop.time() - started > spec["seconds"]:
            break
        items = []
        for item in range(spec["size"]):
            request = dict(calls.samples[item % SAMPLES], id=f"{spec['prefix']}-{number}-{item}")
            items.append(request)
        data = _request(
            "POST", BATCH, calls.port, calls.token, json.dumps({"requests": items}).encode()
        )
        sent = loop.time()
        status, body = await asyncio.wait_for(pool.call(data), TIMEOUT + 10)
        seconds = loop.time() - sent
        recorded = _recorded(status, body, [request["id"] for request in items])
        calls.ids.extend(recorded)
        answers.append(
            {
                "status": status,
                "seconds": seconds,
                "recorded": len(recorded),
                "body": body[:300].decode("utf-8", "replace"),
            }
        )
    pool.close()
    return {
        "there": True,
        "probe": probed,
        "batches": answers,
        "seconds": sum(answer["seconds"] for answer in answers),
        "size": spec["size"],
    }


def _recorded(status: int, body: bytes, ids: list[str]) -> list[str]:
    """The ids a batch's answer says were recorded: per item where it lists results with
    a status, else all of them when the batch as a whole succeeded."""
    if not 200 <= status < 300:
        return []
    try:
        answer = json.loads(body)
    except ValueError:
        return list(ids)
    lists = (
        [value for value in answer.values() if isinstance(value, list)]
        if isinstance(answer, dict)
        else [answer]
        if isinstance(answer, list)
        else []
    )
    for items in lists:
        if len(items) == len(ids) and all(
            isinstance(item, dict) and "status" in item for item in items
        ):
            return [
                public_id
                for public_id, item in zip(ids, items, strict=True)
                if item["status"] in (200, 201, "201", "recorded", "created")
            ]
    return list(ids)


def generate_load(spec: dict[str, Any]) -> None:
    calls = Calls(spec)
    phase = {"saturate": saturate, "open": open_loop, "batch": batches}[spec["kind"]]
    result = asyncio.run(phase(calls, spec))
    with open(spec["ids_file"], "a") as ids:
        ids.writelines(f"{public_id}\n" for public_id in calls.ids)
    result["answered_201"] = len(calls.ids)
    print(json.dumps(result))


# In the throwaway database (processes of their own) ------------------------------------------


def set_up() -> None:
    """Migrate, and make the agency, its people and the partner's token; print the token."""
    import io

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from custodiet.accounts import actions
    from custodiet.accounts.models import Role

    call_command("migrate", verbosity=0)
    call_command("ledger", "keygen", stdout=io.StringIO(), stderr=io.StringIO())

    def person(username: str, role: str, email: str = "") -> actions.NewPerson:
        return actions.NewPerson(
            username=username, first_name="", last_name="", email=email, role=role
        )

    actions.set_up(
        code="CO-DOR-DMV",
        name="Colorado Division of Motor Vehicles",
        time_zone="America/Denver",
        address="1881 Pierce Street\nLakewood, CO 80214",
        person=person("records.admin", Role.ADMINISTRATOR, "records.admin@dmv.example"),
    )
    admin = get_user_model().objects.get(username="records.admin")
    actions.add_person(person("supervisor", Role.SUPERVISOR, "supervisor@dmv.example"), by=admin)
    partner, _ = actions.add_person(person("partner-portal", Role.PARTNER), by=admin)
    _, token = actions.issue_token(by=admin, user_id=partner.user_id, name="load benchmark")
    print(json.dumps({"token": token}))


def check(ids_file: str, wait: float) -> None:
    """How many of the ids answered 201 are in the database; with the separate sequencer,
    also whether every leaf got its position in the log (waiting up to `wait` seconds)."""
    import django

    django.setup()
    from custodiet.ledger import models as ledger
    from custodiet.records.models import RequestRecord

    ids = sorted(set(Path(ids_file).read_text().split()))
    found = 0
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        found += (
            RequestRecord.objects.filter(public_id__in=chunk).values("public_id").distinct().count()
        )
    result: dict[str, Any] = {
        "answered": len(ids),
        "found": found,
        "rows": RequestRecord.objects.count(),
    }
    if hasattr(ledger, "Leaf"):
        ends = time.monotonic() + wait
        while True:
            leaves, entries = ledger.Leaf.objects.count(), ledger.Entry.objects.count()
            if entries >= leaves or time.monotonic() > ends:
                break
            time.sleep(0.5)
        result |= {"leaves": leaves, "entries": entries}
    print(json.dumps(result))


# The driver -------------------------------------------------------------------------------------


class OverBudget(Exception):
    pass


class Run:
    def __init__(self, folder: Path, url: str) -> None:
        self.deadline = time.monotonic() + BUDGET_SECONDS
        self.folder = folder
        self.ids_file = folder / "answered-201.txt"
        self.ids_file.touch()
        static = folder / "static"
        static.mkdir()
        self.env = os.environ | {
            "DJANGO_SETTINGS_MODULE": "custodiet.settings",
            "DATABASE_URL": url,
            "CUSTODIET_HOME": str(folder),
            "CUSTODIET_SECRET_KEY": secrets.token_urlsafe(50),
            "CUSTODIET_PII_HASH_KEY": secrets.token_urlsafe(32),
            "CUSTODIET_LOG_KEY_FILE": str(folder / "log.key"),
            "CUSTODIET_DEBUG": "false",
            "CUSTODIET_INSECURE_DEV_KEY": "false",
            "CUSTODIET_SECURE": "false",
            "CUSTODIET_ALLOWED_HOSTS": "127.0.0.1",
            "CUSTODIET_STATIC_ROOT": str(static),
            "CUSTODIET_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "CUSTODIET_LOG_LEVEL": "WARNING",
            "CUSTODIET_API_RATE": PLENTY,
            "CUSTODIET_API_ADDRESS_RATE": PLENTY,
        }
        self.processes: list[subprocess.Popen[bytes]] = []
        self.port = 0
        self.token = ""

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def child(self, *arguments: str, expect: float) -> dict[str, Any]:
        """`python -m bench.load ARGUMENTS`: the JSON object its last line prints. Killed
        past three times the time it should take, or the budget, whichever comes first."""
        timeout = min(3 * expect + 10, self.left())
        if timeout <= 0:
            raise OverBudget
        sys.stdout.flush()
        try:
            done = subprocess.run(
                [sys.executable, "-m", "bench.load", *arguments],
                cwd=ROOT,
                env=self.env,
                check=True,
                stdout=subprocess.PIPE,
                text=True,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            raise OverBudget from None
        return dict(json.loads(done.stdout.strip().splitlines()[-1]))

    def generate(self, spec: dict[str, Any], expect: float) -> dict[str, Any]:
        spec = spec | {"port": self.port, "token": self.token, "ids_file": str(self.ids_file)}
        return self.child("--generate", json.dumps(spec), expect=expect)

    def sequencer_available(self) -> bool:
        """Whether `custodiet ledger` has a `sequence` subcommand in this checkout."""
        shown = subprocess.run(
            [sys.executable, "-m", "custodiet", "ledger", "--help"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=max(1.0, min(60.0, self.left())),
        )
        return re.search(r"\{[^}]*\bsequence\b[^}]*\}", shown.stdout) is not None

    def start(self, name: str, *command: str) -> subprocess.Popen[bytes]:
        log = open(self.folder / f"{name}.log", "wb")  # noqa: SIM115 - the process keeps it
        process = subprocess.Popen(
            [sys.executable, "-m", *command],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.processes.append(process)
        return process

    def log_tail(self, name: str) -> str:
        lines = (self.folder / f"{name}.log").read_text(errors="replace").splitlines()
        return "\n".join(f"    {line}" for line in lines[-15:])

    def serve(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        server = self.start(
            "gunicorn",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(WORKERS),
            "--timeout",
            str(TIMEOUT),
            "custodiet.wsgi",
        )
        ready_by = time.monotonic() + min(60.0, self.left())
        while time.monotonic() < ready_by:
            if server.poll() is not None:
                raise RuntimeError(
                    f"gunicorn exited ({server.returncode}):\n{self.log_tail('gunicorn')}"
                )
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{self.port}{TRIVIAL}", timeout=2
                ) as answer:
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.2)
        raise RuntimeError(
            f"gunicorn did not answer {TRIVIAL} in time:\n{self.log_tail('gunicorn')}"
        )

    def stop(self) -> None:
        """Every process started here, by its own process group: asked, then made to (the
        group too, so that no worker outlives its master)."""
        for process in self.processes:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _row(label: str, endpoint: str, result: dict[str, Any]) -> None:
    failed = ""
    if result["failed"]:
        others = ", ".join(
            f"{count} {status}" for status, count in sorted(result["statuses"].items())
        )
        failed = f"   ({result['failed']} not answered as expected: {others})"
    print(
        f"  {label:<12} {endpoint:<26} {result['sent']:>6,} {result['achieved']:8.1f}/s"
        f" {result['p50']:8.1f} {result['p95']:8.1f} {result['p99']:8.1f}{failed}"
    )


def measure(run: Run) -> None:
    sequencer = run.sequencer_available()
    if sequencer:
        run.env["CUSTODIET_LEDGER_SEQUENCER"] = "separate"
    print(
        f"  API rate limits raised for the run: CUSTODIET_API_RATE and "
        f"CUSTODIET_API_ADDRESS_RATE = {PLENTY}"
    )
    run.token = run.child("--setup", expect=30)["token"]
    run.serve()
    sequencing = run.start("sequencer", "custodiet", "ledger", "sequence") if sequencer else None
    if sequencing is not None:
        print("  ledger sequencer: separate (`custodiet ledger sequence` beside the server)")
    else:
        print("  ledger sequencer: inline (this checkout's `custodiet ledger` has no `sequence`)")
    sys.stdout.flush()

    saturation = run.generate(
        {
            "kind": "saturate",
            "prefix": "saturate",
            "concurrency": SATURATION_CONCURRENCY,
            "warmup": SATURATION_WARMUP,
            "seconds": SATURATION_SECONDS,
        },
        expect=SATURATION_WARMUP + SATURATION_SECONDS,
    )
    unexpected = {k: v for k, v in saturation["statuses"].items() if k != "201"}
    if unexpected or saturation["rate"] <= 0:
        raise RuntimeError(f"intake did not answer 201 under load: {saturation['statuses']}")
    saturating = saturation["rate"]
    print(
        f"  saturating intake rate {saturating:,.1f} requests/s   (closed loop, "
        f"{SATURATION_CONCURRENCY} calls at a time for {SATURATION_SECONDS:g} s after "
        f"{SATURATION_WARMUP:g} s of warm-up; p50 {saturation['p50']:.0f} ms)"
    )
    print(
        f"  {'share, rate':<12} {'endpoint (open loop)':<26} {'calls':>6} {'achieved':>10}"
        f" {'p50':>8} {'p95':>8} {'p99':>8} ms"
    )
    sys.stdout.flush()
    at_80: dict[str, dict[str, Any]] = {}
    late, ran = 0.0, False
    for fraction in FRACTIONS:
        rate = fraction * saturating
        seconds = TARGET_STEP_SECONDS if fraction == FRACTIONS[-1] else STEP_SECONDS
        # Two phases, each drained, with room to spare.
        if run.left() < 2 * (seconds + 5) + 20:
            print(f"  {fraction:.0%} and higher: skipped, over the time budget")
            break
        label = f"{fraction:.0%} {rate:,.1f}/s"
        for endpoint, name in (("intake", f"POST {INTAKE}"), ("trivial", f"GET {TRIVIAL}")):
            result = run.generate(
                {
                    "kind": "open",
                    "endpoint": endpoint,
                    "prefix": f"open-{fraction:.1f}",
                    "rate": rate,
                    "seconds": seconds,
                },
                expect=seconds + 5,
            )
            late, ran = max(late, result["late_ms"]), True
            _row(label, name, result)
            label = ""
            if fraction == FRACTIONS[-1]:
                at_80[endpoint] = result
            sys.stdout.flush()
            time.sleep(0.5)
    if len(at_80) == 2:
        intake, trivial = at_80["intake"]["p99"], at_80["trivial"]["p99"]
        ratio = intake / trivial
        # A call that failed has no latency: the target cannot be met with failures.
        good = not (at_80["intake"]["failed"] or at_80["trivial"]["failed"])
        print(
            f"  at {FRACTIONS[-1]:.0%} of saturation: intake p99 {intake:.1f} ms / trivial p99 "
            f"{trivial:.1f} ms = {ratio:.2f} (target <= {TARGET_RATIO:g}: "
            f"{met(ratio <= TARGET_RATIO and good)})"
        )
    if ran:
        print(
            f"  the load generator sent its calls at most {late:.1f} ms after their scheduled time"
        )
    sys.stdout.flush()

    if run.left() < BATCH_SECONDS + 25:
        print(f"  batch POST {BATCH}: skipped, over the time budget")
    else:
        batch = run.generate(
            {
                "kind": "batch",
                "prefix": "batch",
                "size": BATCH_SIZE,
                "batches": BATCHES,
                "seconds": BATCH_SECONDS,
            },
            expect=BATCH_SECONDS + 10,
        )
        if not batch["there"]:
            print(f"  batch POST {BATCH}: not there (answers {batch['status']}); not measured")
        elif not batch["batches"] or batch["seconds"] <= 0:
            print(f"  batch POST {BATCH}: answers {batch['probe']}; no batch sent")
        else:
            recorded = sum(answer["recorded"] for answer in batch["batches"])
            rate = recorded / batch["seconds"]
            statuses = sorted({answer["status"] for answer in batch["batches"]})
            print(
                f"  batch POST {BATCH}: {rate:,.0f} items recorded/s   ({recorded:,} of "
                f"{len(batch['batches']) * batch['size']:,} recorded, in "
                f"{len(batch['batches'])} batches of {batch['size']} one after another, "
                f"answered {statuses}; "
                f"target >= {BATCH_TARGET:,}/s: {met(rate >= BATCH_TARGET)})"
            )
            refused = [answer for answer in batch["batches"] if not 200 <= answer["status"] < 300]
            if refused:
                print(f"    first refusal: {refused[0]['status']} {refused[0]['body'][:200]}")

    if sequencing is not None and sequencing.poll() is not None:
        raise RuntimeError(
            f"the sequencer stopped ({sequencing.returncode}):\n{run.log_tail('sequencer')}"
        )
    found = run.child("--check", str(run.ids_file), expect=15)
    if found["found"] != found["answered"]:
        raise SystemExit(
            f"load: {found['answered'] - found['found']} of {found['answered']} requests "
            "answered 201 are not in the database"
        )
    ledger = ""
    if "leaves" in found:
        ledger = f"; ledger: {found['entries']:,} entries for {found['leaves']:,} leaves"
        if sequencer and found["entries"] < found["leaves"]:
            raise SystemExit(f"load: {found['leaves'] - found['entries']} leaves never sequenced")
    print(
        f"  correctness: all {found['answered']:,} requests answered 201 are in the database "
        f"({found['rows']:,} RequestRecord rows{ledger})"
    )


def main() -> None:
    print(
        f"intake under load: gunicorn ({WORKERS} workers, timeout {TIMEOUT} s) on PostgreSQL, "
        f"127.0.0.1; open-loop schedules, latency from each scheduled send; "
        f"load generator on the same (shared) cores; budget {BUDGET_SECONDS} s"
    )
    if not postgres_reachable(POSTGRES_URL):
        print(f"  postgres not reachable at {POSTGRES_URL}: skipped")
        return
    import psycopg

    name = f"custodiet_load_{secrets.token_hex(4)}"
    base, _, _ = POSTGRES_URL.rpartition("/")
    with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    started = time.monotonic()
    try:
        with tempfile.TemporaryDirectory() as folder:
            run = Run(Path(folder), f"{base}/{name}")
            try:
                measure(run)
            except OverBudget:
                raise SystemExit(f"load: over the time budget of {BUDGET_SECONDS} s") from None
            finally:
                run.stop()
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    print(f"  ({time.monotonic() - started:.0f} s in all)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--setup", action="store_true", help="migrate and make the accounts")
    parser.add_argument("--generate", metavar="SPEC", help="send one phase's load (JSON)")
    parser.add_argument("--check", metavar="IDS", help="count the ids answered 201 in the database")
    args = parser.parse_args()
    if args.setup:
        set_up()
    elif args.generate:
        generate_load(json.loads(args.generate))
    elif args.check:
        check(args.check, wait=15)
    else:
        main()
