"""The demo's Governor's office: a witness that cosigns the demo log, and the demo agency's
reports for the last four quarters ended before today: built by the privacy officer,
attested by the attester (the latest is left waiting for the attester, to try on its
page), received, checked and summed up.

Everything goes in a folder beside the demo's keys (`.demo/governor/`): the witness's key
and database, `oversight.toml`, the bundles as the agency sent them (`sent/`), the
accepted reports (`accepted/`) and the Joint Budget Committee summary. The witness runs in
this process for the time it takes, on a free local port, as it would on its own server.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import io
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, make_server

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from custodiet import witness
from custodiet.accounts.models import Agency, Role
from custodiet.ledger import store
from custodiet.merkle.cosignature import Witness
from custodiet.reports import actions, bundle, received
from custodiet.reports.models import Attestation, Report
from custodiet.reports.recount import Period

QUARTERS = 4


def quarters(today: dt.date, count: int = QUARTERS) -> list[str]:
    """The last `count` quarters ended before `today`, oldest first."""
    current = today.year * 4 + (today.month - 1) // 3
    return [f"{index // 4}-Q{index % 4 + 1}" for index in range(current - count, current)]


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@dataclass(frozen=True)
class Office:
    folder: Path
    accepted: list[str]
    # The latest quarter, whose report is left for the attester; None once attested.
    waiting: str | None
    summary: Path
    cosigned_size: int
    # Where an earlier office went when its witness refused this database's history.
    moved_aside: Path | None = None


@contextlib.contextmanager
def _serving(config: witness.Config) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, witness.application(config), handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def _setup(folder: Path, agency: Agency) -> received.Office:
    folder.mkdir(parents=True, exist_ok=True)
    key_file = folder / "witness.key"
    if not key_file.exists():
        key_file.write_text(Witness.generate("witness.governor.custodiet.invalid/demo").skey + "\n")
        key_file.chmod(0o600)
    key = Witness.from_skey(key_file.read_text())
    # What the office publishes for `custodiet-verify` and `oversight verify --witness-key`.
    (folder / "witness.vkey").write_text(key.verifier.vkey + "\n")
    log_key = store.signer().verifier
    (folder / "witness.toml").write_text(
        f'name = "{key.name}"\nkey_file = "witness.key"\ndatabase = "witness.sqlite3"\n\n'
        f'[[log]]\norigin = "{log_key.name}"\nkey = "{log_key.vkey}"\n'
    )
    (folder / "oversight.toml").write_text(
        f'store = "accepted"\nwitness_keys = ["{key.verifier.vkey}"]\n\n'
        f'[[agency]]\ncode = "{agency.code}"\nlog_key = "{log_key.vkey}"\n'
    )
    return received.Office.load(folder / "oversight.toml")


def run(folder: Path, agency: Agency) -> Office:
    """Witness the log, build the last quarters' reports, and receive those not yet accepted.

    A demo database made again from scratch is another history of the same log, which the
    witness rightly refuses: the old office is then moved aside, as evidence, and a new
    one starts."""
    try:
        return _run(folder, agency)
    except store.WitnessRefused:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
        aside = folder.with_name(f"{folder.name}-refused-{stamp}")
        folder.rename(aside)
        return dataclasses.replace(_run(folder, agency), moved_aside=aside)


def _report(agency: Agency, label: str, witnesses: bundle.Witnesses) -> Report:
    """The demo agency's report for the quarter: built once, by the privacy officer."""
    found = Report.objects.filter(agency=agency, period=label).order_by("-built_at").first()
    if found is not None and Path(found.directory).is_dir():
        return found
    officer = get_user_model().objects.filter(membership__role=Role.PRIVACY_OFFICER).first()
    return actions.build_report(agency, Period.parse(label), by=officer, witnesses=witnesses)


def _attest(report: Report) -> Path | None:
    """The attester attests the report (or sends it with its exceptions): the bundle to send."""
    if not Attestation.objects.filter(report=report).exists():
        attester = get_user_model().objects.filter(membership__role=Role.ATTESTER).first()
        if attester is None:
            return None
        act = actions.attest if not report.exceptions else actions.send_with_exceptions
        act(report, by=attester, name=attester.get_full_name(), title="Deputy director")
    return actions.sent_archive(report)


def _run(folder: Path, agency: Agency) -> Office:
    office = _setup(folder, agency)
    config = witness.Config.load(folder / "witness.toml")
    with _serving(config) as url:
        store.witness(store.checkpoint(), url, [config.witness.verifier])
        # Each report's checkpoint goes to the witness as it is built, as it does in a
        # deployment that names its witness (CUSTODIET_WITNESS_URLS).
        witnesses = bundle.Witnesses([url], [config.witness.verifier])
        labels = quarters(timezone.localdate())
        reports = {label: _report(agency, label, witnesses) for label in labels}
        # The last quarter waits for the demo's attester, to be attested on its page.
        archives = {label: _attest(reports[label]) for label in labels[:-1]}
        # The log as the demo leaves it, builds and attestations included, cosigned.
        head = store.checkpoint()
        store.witness(head, url, [config.witness.verifier])
    accepted = []
    (folder / "sent").mkdir(exist_ok=True)
    for label, archive in archives.items():
        if archive is not None:
            shutil.copyfile(archive, folder / "sent" / f"{agency.code}-{label}.tar.gz")
        if (office.store / agency.code / label).is_dir() or (
            archive is not None and received.receive(office, archive).accepted
        ):
            accepted.append(label)
    summary = folder / f"jbc-{labels[-2]}.xlsx"
    received.write_summary(received.summary(office, Period.parse(labels[-2])), summary)
    # The quarters move with the day the demo runs; the README's examples read them here.
    (folder / "quarters.env").write_text(
        f"QUARTER={labels[-2]}\nPREVIOUS_QUARTER={labels[-3]}\nWAITING_QUARTER={labels[-1]}\n"
    )
    call_command("ledger", "export", str(folder / "ledger-export"), stdout=io.StringIO())
    attested = Attestation.objects.filter(report=reports[labels[-1]]).exists()
    return Office(folder, accepted, None if attested else labels[-1], summary, head.size)
