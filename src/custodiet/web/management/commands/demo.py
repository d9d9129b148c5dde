"""`custodiet demo`: the demo agency, its people and requests; prints how to sign in.

Run by `make demo` after `migrate`. Safe to run again: the requests are loaded once, and
each run gives every account a new random password, so a password printed on a shared
screen stops working the next time the demo starts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from custodiet.accounts.models import Agency
from custodiet.cases import demo
from custodiet.ledger import store
from custodiet.monitor import demo as monitor_demo
from custodiet.reports import demo as reports_demo

DEMO_URL = "http://127.0.0.1:8000/"


class Command(BaseCommand):
    help = (
        "Create the demo agency (the Colorado DMV), one person per role, a partner system "
        "and a few hundred requests (once), give every account a new password, and print them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--requests",
            type=int,
            default=demo.REQUESTS,
            help="how many requests to load the first time",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.CUSTODIET_POLICY_PACK != "us-co":
            # The demo agency, its requests, partners and reports to the Governor's office
            # are Colorado's; loaded under another state's law they would read as nonsense.
            raise CommandError(
                f"The demo is Colorado's (the Colorado DMV, its partners and its reports to "
                f"the Governor's office), but CUSTODIET_POLICY_PACK is "
                f"{settings.CUSTODIET_POLICY_PACK!r}. Run the demo without it. To try "
                f"{settings.CUSTODIET_POLICY_PACK}, compare a request under both packs in the "
                "decision explorer, or set up a deployment of your own with `custodiet setup`."
            )

        def progress(done: int, total: int) -> None:
            if done % 10 == 0 or done == total:
                self.stderr.write(f"\rloading demo requests: {done}/{total}", ending="")
                if done == total:
                    self.stderr.write("")

        try:
            accounts, token = demo.load(requests=max(options["requests"], 0), progress=progress)
        except DatabaseError as exc:
            raise CommandError(
                f"Could not load the demo ({exc}). Has `custodiet migrate` been run?"
            ) from exc
        try:
            self._load_monitor()
        except DatabaseError as exc:
            raise CommandError(f"Could not load the demo's access logs ({exc}).") from exc
        # Sign the ledger as it stands, so every case's history can be proved.
        key_file = Path(settings.CUSTODIET_LOG_KEY_FILE)
        if not key_file.exists():
            call_command("ledger", "keygen", stdout=self.stderr, stderr=self.stderr)
        # The verifier key as the agency publishes it, for `custodiet-verify --key`.
        key_file.with_suffix(".vkey").write_text(store.signer().verifier.vkey + "\n")
        checkpoint = store.checkpoint()
        governor = reports_demo.run(
            key_file.resolve().parent / "governor",
            Agency.objects.get(code=demo.AGENCY_CODE),
        )

        width = max(len(account.username) for account in accounts)
        lines = ["", f"Custodiet demo: open {DEMO_URL} and sign in as", ""]
        lines += [
            f"  {account.username.ljust(width)}  password {account.password}   ({account.role.replace('_', ' ')})"
            for account in accounts
        ]
        lines += ["", f"The ledger holds {checkpoint.size:,} entries, signed in a checkpoint."]
        lines += [
            f"The Governor's office ({governor.folder}): its witness cosigned the ledger at "
            f"{governor.cosigned_size:,} entries; it accepted the reports for "
            f"{', '.join(governor.accepted) or 'no quarter'}; Joint Budget Committee summary: "
            f"{governor.summary.name}.",
            f"Sign in as governor to read them at {DEMO_URL}oversight/ and to receive the "
            "next bundle there.",
        ]
        if governor.waiting is not None:
            lines += [
                f"The report for {governor.waiting} waits for attester to read and attest it "
                f"at {DEMO_URL}reports/.",
            ]
        if governor.moved_aside is not None:
            lines += [
                f"Its witness refused this database's ledger, another history of the same log: "
                f"the earlier office is kept as evidence in {governor.moved_aside}.",
            ]
        if token:
            lines += [
                "",
                f"Partner API token (shown once): {token}",
                f"  curl -H 'Authorization: Bearer {token}' -H 'Content-Type: application/json' \\",
                f"       -d @request.json {DEMO_URL}api/v1/requests",
                f"  API documentation: {DEMO_URL}api/docs",
            ]
        lines += ["", "The passwords are new on every run of `custodiet demo`.", ""]
        self.stdout.write("\n".join(lines))

    def _load_monitor(self) -> None:
        agency = Agency.objects.get(code=demo.AGENCY_CODE)
        officer = get_user_model().objects.get(username="privacy")
        scanned = monitor_demo.load(agency, by=officer)
        if scanned is not None:
            self.stderr.write(
                f"scanned the demo access logs: {scanned.rows:,} accesses, {scanned.flags:,} flags"
            )
