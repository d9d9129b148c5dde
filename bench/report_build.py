"""How long `custodiet report build` takes on a log of years.

A SQLite database is filled with a ledger of `CUSTODIET_BENCH_REPORT_ENTRIES` entries
(1,000,000 by default) without the append path, which would take the better part of an
hour: event rows, version 2 leaves for requests received and decided over the quarters of
2022 to 2024, and the tree's nodes from a `CompactTree` run, written in large batches.
Then a partner's portal sends some requests received in 2025-Q3 through the real intake
(`custodiet.cases.actions.take_in`, what the API calls), whose appends rest on the bulk
nodes: the checkpoint's root must equal the one computed while filling, and the report
must count exactly the reportable ones among them.

The build reads every entry twice (the recount, then entries.jsonl.gz), writes the
written record and the PDF. The baseline, in the same run, is what any build must pay:
the same entries read from the database in index order and written as entries.jsonl.gz
(`bundle._write_entries` alone).

The synthetic entries' events carry no request row and a minimal payload, so their
leaves cannot be recomputed from them: `custodiet ledger verify` would rightly refuse
this log, and is not run.

`python -m bench.report_build` (or `make bench`).
"""

from __future__ import annotations

import datetime as dt
import io
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from itertools import count, islice
from pathlib import Path
from typing import Any

from bench.reports import CHANNELS, DEFAULT_ENTRIES, LEVELS, VARIABLE, decision
from bench.timing import best_of

ROOT = Path(__file__).resolve().parents[1]
PERIOD = "2025-Q3"
REQUESTS = 200
BATCH = 20_000
# Every quarter of 2022 to 2024: (year, first month).
QUARTERS = [(year, month) for year in (2022, 2023, 2024) for month in (1, 4, 7, 10)]


def _setup(home: Path) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "custodiet.settings",
            "DATABASE_URL": f"sqlite:///{home / 'bench.sqlite3'}",
            "CUSTODIET_HOME": str(home),
            "CUSTODIET_INSECURE_DEV_KEY": "true",
            "CUSTODIET_SECURE": "false",
            "CUSTODIET_LOG_KEY_FILE": str(home / "log.key"),
            "CUSTODIET_REPORTS_DIR": str(home / "reports"),
            "CUSTODIET_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        }
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, skip_checks=True)
    call_command("ledger", "keygen", stdout=io.StringIO(), stderr=io.StringIO())


def _synthetic(entries: int) -> Iterator[tuple[str, dt.datetime, bytes]]:
    """(kind, when, leaf data) of entries 0, 1, ...: half requests received, half their
    decisions, spread over twelve quarters before the one reported. Event ids are the
    entries' indexes plus one, as in a log that began with this agency."""
    import rfc8785

    for event in range(entries):
        number = event // 2
        year, first = QUARTERS[number % len(QUARTERS)]
        day = dt.date(year, first + number // 12 % 3, 1 + number // 36 % 28)
        at = dt.datetime(day.year, day.month, day.day, 16, tzinfo=dt.UTC)
        if event % 2 == 0:
            kind = "request.received"
            payload: dict[str, Any] = {
                "request": {
                    "id": f"R-{number:07d}",
                    "received_at": f"{day.isoformat()}T10:00:00-06:00",
                    "channel": CHANNELS[number % len(CHANNELS)],
                    "receiving_agency": "CO-DOR-DMV",
                    "requester": {"organization": "Example PD", "level": LEVELS[number % 4]},
                    "records_requested": ["address"],
                    "subjects": "hmac-sha256:" + "A" * 43 + "=",
                }
            }
        else:
            kind = "request.decided"
            payload = decision(number)
        data = rfc8785.dumps(
            {
                "v": 2,
                "event": event + 1,
                "kind": kind,
                "at": at.isoformat(timespec="microseconds"),
                "actor": "portal",
                "request": f"R-{number:07d}",
                "payload": payload,
            }
        )
        yield kind, at, data


def _fill(entries: int) -> Any:
    """Write the synthetic log; the `CompactTree` of its entries, to check appends against."""
    from django.db import connection, transaction

    from custodiet.ledger.models import Entry, Node
    from custodiet.merkle.compact import CompactTree
    from custodiet.merkle.rfc6962 import leaf_hash
    from custodiet.records.models import Event

    quote = connection.ops.quote_name
    insert_events = (
        f"INSERT INTO {quote(Event._meta.db_table)} (id, request_id, kind, actor, at, payload) "
        "VALUES (%s, NULL, %s, 'portal', %s, '{}')"
    )
    insert_entries = (
        f"INSERT INTO {quote(Entry._meta.db_table)} ({quote('index')}, event_id, data) "
        "VALUES (%s, %s, %s)"
    )
    insert_nodes = (
        f"INSERT INTO {quote(Node._meta.db_table)} (level, {quote('index')}, hash) "
        "VALUES (%s, %s, %s)"
    )
    moments: dict[dt.datetime, Any] = {}
    tree = CompactTree()
    leaves = _synthetic(entries)
    index = 0
    while batch := list(islice(leaves, BATCH)):
        events, rows, nodes = [], [], []
        for kind, at, data in batch:
            if at not in moments:
                moments[at] = connection.ops.adapt_datetimefield_value(at)
            events.append((index + 1, kind, moments[at]))
            rows.append((index, index + 1, data))
            nodes.extend((n.level, n.index, n.hash) for n in tree.append(leaf_hash(data)))
            index += 1
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(insert_events, events)
            cursor.executemany(insert_entries, rows)
            cursor.executemany(insert_nodes, nodes)
        print(f"\r  filling the ledger: {index:,} of {entries:,} entries", end="", file=sys.stderr)
    print(file=sys.stderr)
    return tree


def _intake(agency: Any) -> int:
    """Send REQUESTS requests received in the period through the real intake, one call
    each; how many of them the statute's report counts."""
    from django.contrib.auth.models import User

    from custodiet.accounts.models import Membership, Role
    from custodiet.cases.actions import take_in
    from custodiet.policy.model import parse_request
    from custodiet.samples import generate

    supervisor = User.objects.create_user("supervisor", email="supervisor@dmv.example")
    Membership.objects.create(user=supervisor, agency=agency, role=Role.SUPERVISOR)
    portal = User.objects.create_user("dmv-portal")
    Membership.objects.create(user=portal, agency=agency, role=Role.PARTNER)
    reportable = 0
    for body in generate(REQUESTS, start=dt.date(2025, 7, 1), days=92):
        case = take_in(parse_request(body), by=portal, agency=agency)
        found = case.request.decisions.get().payload.get("reportable")
        reportable += not (isinstance(found, dict) and found.get("value") is False)
    return reportable


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(folder: Path) -> None:
    from custodiet.accounts.models import Agency
    from custodiet.ledger import store
    from custodiet.ledger.models import Entry
    from custodiet.merkle.rfc6962 import leaf_hash
    from custodiet.reports.actions import build_report
    from custodiet.reports.bundle import _write_entries
    from custodiet.reports.recount import Period

    entries = int(os.environ.get(VARIABLE, "").replace("_", "") or DEFAULT_ENTRIES)
    started = time.perf_counter()
    tree = _fill(entries)
    filled = time.perf_counter() - started
    after_fill = _peak_mb()

    agency = Agency.objects.create(code="CO-DOR-DMV", name="Colorado Division of Motor Vehicles")
    reportable = _intake(agency)
    head = store.checkpoint()
    for (data,) in Entry.objects.filter(index__gte=entries).values_list("data"):
        tree.append(leaf_hash(bytes(data)))
    assert head.size == tree.size > entries, (head.size, tree.size)
    assert bytes(head.root) == tree.root(), "the appends after the bulk fill disagree with it"

    period = Period.parse(PERIOD)
    builds = count()
    reports = []

    def baseline() -> None:
        _write_entries(folder / f"entries-{next(builds)}.jsonl.gz", head.size, lambda *a: None)

    def build() -> None:
        directory = folder / f"bundle-{next(builds)}"
        reports.append(build_report(agency, period, directory=directory))

    base = best_of(baseline, repeats=2)
    ours = best_of(build, repeats=2)
    assert all(report.requests == reportable for report in reports), (
        [report.requests for report in reports],
        reportable,
    )
    size = reports[0].log_size
    print(
        f"report build: a ledger of {size:,} entries (filled in {filled:.1f} s), "
        f"{REQUESTS} requests received in {PERIOD} of which {reportable} reportable, best of 2"
    )
    for label, seconds in [
        ("baseline: the entries read and written as entries.jsonl.gz", base),
        (f"custodiet report build --period {PERIOD}", ours),
    ]:
        print(
            f"  {label:<60} {seconds:7.2f} s  {size / seconds:>9,.0f} entries/s"
            f"  {seconds / base:.1f}x"
        )
    print(f"  peak memory {_peak_mb():,.0f} MB (after filling {after_fill:,.0f} MB)")


def main() -> None:
    sys.stdout.flush()
    subprocess.run([sys.executable, "-m", "bench.report_build", "--measure"], cwd=ROOT, check=True)


if __name__ == "__main__":
    if "--measure" in sys.argv:
        with tempfile.TemporaryDirectory(prefix="custodiet-bench-") as name:
            _setup(Path(name))
            measure(Path(name))
    else:
        main()
