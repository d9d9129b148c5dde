"""Fixtures for the ledger and request-record tests: a signing key, request files, a
verify helper, and a scratch database (a SQLite file or a PostgreSQL database of its
own) for tests that run `custodiet` in separate processes and kill or race them.
"""

from __future__ import annotations

import io
import itertools
import json
import os
import secrets
import sqlite3
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection

from custodiet.samples import generate

POSTGRES = connection.vendor == "postgresql"


def contract_request(number: int, **changes: Any) -> dict[str, Any]:
    """A valid request in the contract format, distinct by `number`."""
    request: dict[str, Any] = {
        "id": f"T-{number:04d}",
        "received_at": "2022-03-14T10:00:00-06:00",
        "channel": "email",
        "receiving_agency": "CO-DOR-DMV",
        "requester": {
            "organization": "Denver Police Department",
            "level": "local",
            "name": "Det. Alex Example",
        },
        "subjects": [{"name": "Pat Resident", "date_of_birth": "1990-02-03"}],
        "records_requested": ["address"],
        "purpose": "Armed robbery investigation",
        "purpose_category": "criminal_investigation",
        "criminal_investigation": {"case_number": f"DPD-{number}", "offense": "robbery"},
    }
    request.update(changes)
    return request


def write_jsonl(path: Path, requests: Sequence[dict[str, Any] | str]) -> Path:
    """One request per line; a string is written as is (to make a line that is not JSON)."""
    path.write_text(
        "".join((item if isinstance(item, str) else json.dumps(item)) + "\n" for item in requests),
        encoding="utf-8",
    )
    return path


def generated(count: int, prefix: str) -> list[dict[str, Any]]:
    """`count` varied requests from the sample generator, with ids unique to `prefix`."""
    return [
        {**request, "id": f"{prefix}-{number}"} for number, request in enumerate(generate(count))
    ]


@pytest.fixture
def log_key(settings, tmp_path: Path) -> str:
    """A fresh checkpoint signing key in a temporary file; returns its verifier key."""
    settings.CUSTODIET_LOG_KEY_FILE = tmp_path / "keys" / "log.key"
    out = io.StringIO()
    call_command("ledger", "keygen", stdout=out, stderr=io.StringIO())
    return out.getvalue().strip()


@pytest.fixture
def import_requests(tmp_path: Path, agency):
    """Import requests through `custodiet requests import`, each call from a new file, into
    the log of the only agency there is."""
    files = itertools.count()

    def run(requests: Sequence[dict[str, Any] | str]) -> str:
        path = write_jsonl(tmp_path / f"import-{next(files)}.jsonl", requests)
        out = io.StringIO()
        call_command("requests", "import", str(path), "--user", "clerk", stdout=out)
        return out.getvalue()

    return run


@dataclass
class Verified:
    status: int
    output: str


def verify_ledger(*args: str) -> Verified:
    """`custodiet ledger verify`: status 0 with its report, or 1 with the failure message."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("ledger", "verify", *args, stdout=out, stderr=err)
    except SystemExit as exit:
        return Verified(int(exit.code or 0), err.getvalue())
    return Verified(0, out.getvalue())


# A database of its own, for `custodiet` run in other processes ---------------------------


@dataclass
class ScratchDatabase:
    """A migrated database that `custodiet` subprocesses share, and raw SQL to inspect it."""

    url: str
    home: Path
    sqlite_path: Path | None = None
    env: dict[str, str] = field(default_factory=dict)

    def custodiet(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "custodiet", *args],
            env=self.env,
            cwd=self.home,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def start(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "custodiet", *args],
            env=self.env,
            cwd=self.home,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        if self.sqlite_path is not None:
            with sqlite3.connect(self.sqlite_path) as db:
                return db.execute(sql).fetchall()
        import psycopg

        with psycopg.connect(self.url) as db:
            return db.execute(sql).fetchall()

    def execute(self, sql: str) -> None:
        if self.sqlite_path is not None:
            with sqlite3.connect(self.sqlite_path) as db:
                db.execute(sql)
            return
        import psycopg

        with psycopg.connect(self.url) as db:
            db.execute(sql)

    def value(self, sql: str) -> Any:
        return self.query(sql)[0][0]

    def writer_in_transaction(self) -> bool:
        """Whether another process is inside a write transaction on this database now."""
        if self.sqlite_path is not None:
            # Every write transaction takes the write lock at BEGIN (IMMEDIATE); try to
            # take it without waiting, and give it straight back.
            probe = sqlite3.connect(self.sqlite_path, timeout=0, isolation_level=None)
            try:
                probe.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError:
                return True
            else:
                probe.execute("ROLLBACK")
                return False
            finally:
                probe.close()
        # A backend holds a transaction id once it has written something.
        return bool(
            self.value(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()"
            )
        )

    def other_sessions(self) -> int:
        if self.sqlite_path is not None:
            return 0
        return int(
            self.value(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid()"
            )
        )


def _postgres_admin_url(name: str) -> str:
    database = django_settings.DATABASES["default"]
    user = database.get("USER") or "postgres"
    password = f":{database['PASSWORD']}" if database.get("PASSWORD") else ""
    host = database.get("HOST") or "127.0.0.1"
    port = database.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{name}"


@pytest.fixture
def scratch_database(tmp_path: Path) -> Iterator[ScratchDatabase]:
    """A new, migrated database on the backend the suite runs on, dropped afterwards."""
    home = tmp_path / "scratch"
    home.mkdir()
    env = {
        **os.environ,
        "CUSTODIET_HOME": str(home),
        "CUSTODIET_LOG_KEY_FILE": str(home / "log.key"),
        "CUSTODIET_INSECURE_DEV_KEY": "true",
        "CUSTODIET_SECURE": "false",
        "DJANGO_SETTINGS_MODULE": "custodiet.settings",
    }
    if not POSTGRES:
        path = home / "custodiet.sqlite3"
        scratch = ScratchDatabase(f"sqlite:///{path}", home, path, env)
        drop = None
    else:
        import psycopg

        name = f"custodiet_scratch_{secrets.token_hex(4)}"
        admin = _postgres_admin_url("postgres")
        with psycopg.connect(admin, autocommit=True) as db:
            db.execute(f"CREATE DATABASE {name}")

        def drop() -> None:
            with psycopg.connect(admin, autocommit=True) as db:
                db.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

        scratch = ScratchDatabase(_postgres_admin_url(name), home, None, env)
    scratch.env["DATABASE_URL"] = scratch.url
    try:
        migrated = scratch.custodiet("migrate", "--skip-checks", "--verbosity", "0")
        assert migrated.returncode == 0, migrated.stderr
        # The agency whose log the imports write to.
        scratch.execute(
            "INSERT INTO accounts_agency (code, name, answer_within_days) "
            "VALUES ('CO-DOR-DMV', 'Colorado Division of Motor Vehicles', 5)"
        )
        yield scratch
    finally:
        if drop is not None:
            drop()
