"""`custodiet report build --period 2025-Q3 | --year 2025`: the bundle for the Governor's office."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from custodiet.accounts.models import Agency
from custodiet.ledger.store import LedgerError
from custodiet.reports import actions, bundle
from custodiet.reports.recount import Period, PeriodError


class Command(BaseCommand):
    help = (
        "Build the report of contract/REPORTS.md for a quarter or a year on the agency's "
        "calendar: the counts recounted from the ledger, the written record, the PDF, a new "
        "signed checkpoint and the entries it covers."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        build = actions.add_parser("build", help="write the bundle for a period")
        which = build.add_mutually_exclusive_group(required=True)
        which.add_argument("--period", metavar="YYYY-QN|YYYY", help="a quarter (2025-Q3) or a year")
        which.add_argument("--year", metavar="YYYY", help="a year (the same as --period YYYY)")
        build.add_argument("--agency", metavar="CODE", help="the agency (default: the only one)")
        build.add_argument(
            "--out",
            type=Path,
            metavar="DIR",
            help="where to write it (default: report-AGENCY-PERIOD)",
        )
        build.add_argument("--tar", action="store_true", help="also write DIR.tar.gz")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            period = Period.parse(options["period"] or options["year"])
        except PeriodError as exc:
            raise CommandError(f"--period: {exc}", returncode=2) from None
        agency = self._agency(options["agency"])
        out: Path = options["out"] or Path(f"report-{agency.code}-{period.label}")
        try:
            built = actions.build_report(agency, period, directory=out)
        except (bundle.ReportError, LedgerError) as exc:
            raise CommandError(str(exc), returncode=2) from None
        report = json.loads((out / "report.json").read_text(encoding="utf-8"))
        counts = report["counts"]
        self.stdout.write(
            f"{out}: {period.label} for {agency.name}, {counts['requests']:,} reportable "
            f"requests ({', '.join(f'{k} {v:,}' for k, v in counts['final_status'].items())}); "
            f"{built.exceptions} exception(s); log size {built.log_size:,}"
        )
        self.stdout.write(f"report.json SHA-256 {built.sha256}")
        self.stdout.write(f"asked for by: {bundle.required(period)}")
        self.stdout.write(
            f"the agency's attester reads it in full and attests it on its page (/reports/{built.pk}/); "
            "the bundle to send is then written beside it as bundle.tar.gz"
        )
        if not built.witnessed:
            self.stderr.write(
                "its checkpoint carries no witness's cosignature, so the Governor's office will "
                "refuse it: run `custodiet ledger checkpoint --witness URL` and build again"
            )
        if options["tar"]:
            # As built, not yet attested: for checking it before the attester does.
            archive = bundle.pack(out, out.with_name(out.name + ".tar.gz"))
            self.stdout.write(f"{archive}")

    def _agency(self, code: str | None) -> Agency:
        if code:
            found = Agency.objects.filter(code=code).first()
            if found is None:
                raise CommandError(f"--agency: no agency {code!r}", returncode=2)
            return found
        agencies = list(Agency.objects.all()[:2])
        if len(agencies) != 1:
            raise CommandError("name the agency with --agency CODE", returncode=2)
        return agencies[0]
