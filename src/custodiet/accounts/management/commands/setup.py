"""`custodiet setup`: a new deployment from an empty database to its first administrator.

It brings the database up to date, makes the ledger's signing key if there is none, adds
the agency with its time zone and return address, and creates its first administrator
with a temporary password printed once. Everything after that (people, roles, partner
tokens, the agency's details) is done on the administration pages. Run it again with
another agency's code to add that agency and its first administrator, or with
`--add-administrator` to give an agency one more: administrators are made and kept here,
never on the pages.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from custodiet.accounts import actions
from custodiet.accounts.models import Role

AGENCY_CODE = re.compile(r"[A-Z0-9][A-Z0-9-]{1,63}")


class Command(BaseCommand):
    help = (
        "Set up a new deployment, or add an agency to one: migrate the database, make the "
        "ledger's signing key if missing, add the agency and its first administrator, and "
        "print the administrator's temporary password (once)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--agency", required=True, metavar="CODE", help="the agency's code, e.g. CO-DOR-DMV"
        )
        parser.add_argument("--agency-name", required=True, help="its name, as letters print it")
        parser.add_argument(
            "--time-zone",
            default=settings.TIME_ZONE,
            help=f"its IANA time zone (default {settings.TIME_ZONE})",
        )
        parser.add_argument(
            "--address",
            default="",
            help=r"its return address for letters, lines separated by \n (or set it later on "
            "the administration pages)",
        )
        parser.add_argument("--username", required=True, help="the first administrator's username")
        parser.add_argument("--first-name", default="", help="their first name")
        parser.add_argument("--last-name", default="", help="their last name")
        parser.add_argument("--email", default="", help="their work email")
        parser.add_argument(
            "--add-administrator",
            action="store_true",
            help="add one more administrator to an agency that has one (the pages never make "
            "an administrator, so that none can make an account to act as)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        code = options["agency"].strip().upper()
        if not AGENCY_CODE.fullmatch(code):
            raise CommandError(
                f"--agency {options['agency']!r}: write the code in capitals, digits and "
                "hyphens, e.g. CO-DOR-DMV"
            )
        self.stderr.write("Bringing the database up to date…")
        call_command("migrate", interactive=False, verbosity=0)
        if not Path(settings.CUSTODIET_LOG_KEY_FILE).exists():
            call_command("ledger", "keygen", stdout=self.stderr, stderr=self.stderr)
        person = actions.NewPerson(
            username=options["username"].strip(),
            first_name=options["first_name"],
            last_name=options["last_name"],
            email=options["email"],
            role=Role.ADMINISTRATOR,
        )
        try:
            agency, password = actions.set_up(
                code=code,
                name=options["agency_name"].strip(),
                time_zone=options["time_zone"],
                address=options["address"].replace("\\n", "\n").strip(),
                person=person,
                another=options["add_administrator"],
            )
        except actions.AdministrationError as exc:
            raise CommandError(f"--{exc.field.replace('_', '-')}: {exc}") from None
        self.stderr.write(
            f"{agency.name} ({agency.code}) is set up. Its administrator {person.username} "
            "signs in with the temporary password below (shown once), chooses their own "
            "under “Change password”, and adds the agency's people under “Administration”."
        )
        # The password alone on standard output, so a script can capture it.
        self.stdout.write(password)
