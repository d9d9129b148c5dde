"""`custodiet oversight verify BUNDLE --log-key VKEY`: the Governor's office checks a report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from custodiet.merkle.cosignature import WitnessVerifier
from custodiet.merkle.note import Verifier
from custodiet.reports import oversight, received, transparency
from custodiet.reports.recount import Period, PeriodError


def _text(value: str) -> str:
    path = Path(value)
    return path.read_text().strip() if path.is_file() else value


class Command(BaseCommand):
    help = (
        "Check an agency's report bundle as contract/REPORTS.md says, from its files and the "
        "agency's log key alone. Exits 0 when every check passes, 1 when one fails, 2 when "
        "the bundle cannot be read."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        verify = actions.add_parser("verify", help="check a bundle (a folder or a .tar.gz)")
        verify.add_argument("bundle", type=Path)
        verify.add_argument(
            "--log-key",
            required=True,
            metavar="VKEY",
            help="the agency's log key, or a file holding it",
        )
        verify.add_argument(
            "--witness-key",
            action="append",
            default=[],
            metavar="VKEY",
            required=True,
            help="a witness's key (repeatable): the checkpoint must carry its cosignature, "
            "made after the period ended",
        )
        verify.add_argument(
            "--previous",
            metavar="CHECKPOINT",
            help="the checkpoint file of the agency's previous accepted report",
        )

        receive = actions.add_parser(
            "receive", help="check a bundle and keep it with the agency's accepted reports"
        )
        receive.add_argument("bundle", type=Path)
        receive.add_argument("--config", type=Path, required=True, metavar="oversight.toml")
        summarise = actions.add_parser(
            "summary", help="the Joint Budget Committee summary of a quarter, with year to date"
        )
        summarise.add_argument("--quarter", required=True, metavar="YYYY-QN")
        summarise.add_argument("--config", type=Path, required=True, metavar="oversight.toml")
        summarise.add_argument("--out", type=Path, required=True, metavar="FILE.csv|FILE.xlsx")
        public = actions.add_parser(
            "transparency",
            help="the public transparency report of a year as CSV, small counts withheld",
        )
        public.add_argument("--year", required=True, metavar="YYYY")
        public.add_argument("--config", type=Path, required=True, metavar="oversight.toml")
        public.add_argument("--out", type=Path, required=True, metavar="FILE.csv")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "receive":
            return self._receive(options["bundle"], options["config"])
        if options["action"] == "summary":
            return self._summary(options["quarter"], options["config"], options["out"])
        if options["action"] == "transparency":
            return self._transparency(options["year"], options["config"], options["out"])
        try:
            key = Verifier.from_vkey(_text(options["log_key"]))
        except ValueError as exc:
            raise CommandError(f"--log-key: not a verifier key: {exc}", returncode=2) from None
        try:
            witnesses = [WitnessVerifier.from_vkey(_text(v)) for v in options["witness_key"]]
        except ValueError as exc:
            raise CommandError(f"--witness-key: {exc}", returncode=2) from None
        previous = Path(options["previous"]).read_text() if options["previous"] else None
        try:
            checks = oversight.verify(options["bundle"], key, previous, witnesses)
        except oversight.Unusable as exc:
            raise CommandError(str(exc), returncode=2) from None
        for check in checks:
            self.stdout.write(f"{'PASS' if check.ok else 'FAIL'}  {check.name:<12} {check.detail}")
        failed = [check.name for check in checks if not check.ok]
        if failed:
            raise CommandError(
                f"refused: {', '.join(failed)} failed; nothing accepted", returncode=1
            )
        self.stdout.write(f"accepted: {options['bundle']}")

    def _office(self, config: Path) -> received.Office:
        try:
            return received.Office.load(config)
        except received.ReceiveError as exc:
            raise CommandError(str(exc), returncode=2) from None

    def _receive(self, bundle: Path, config: Path) -> None:
        office = self._office(config)
        try:
            result = received.receive(office, bundle)
        except (oversight.Unusable, received.ReceiveError) as exc:
            raise CommandError(str(exc), returncode=2) from None
        for check in result.checks:
            self.stdout.write(f"{'PASS' if check.ok else 'FAIL'}  {check.name:<12} {check.detail}")
        if not result.accepted:
            failed = ", ".join(c.name for c in result.checks if not c.ok)
            raise CommandError(f"refused: {failed} failed; nothing was kept", returncode=1)
        self.stdout.write(f"accepted and kept at {result.kept_at}")

    def _summary(self, quarter: str, config: Path, out: Path) -> None:
        office = self._office(config)
        try:
            rows = received.summary(office, Period.parse(quarter))
        except (received.ReceiveError, PeriodError) as exc:
            raise CommandError(str(exc), returncode=2) from None
        received.write_summary(rows, out)
        reported = sum(
            1
            for row in rows
            if isinstance(row.get("requests"), int) and " to " not in row["period"]
        )
        self.stdout.write(
            f"{out}: {reported} of {len(office.agencies)} agencies reported {quarter}"
        )

    def _transparency(self, year: str, config: Path, out: Path) -> None:
        office = self._office(config)
        try:
            table = transparency.build(
                office, transparency.parse_year(year), settings.CUSTODIET_PUBLIC_MIN_COUNT
            )
        except transparency.TransparencyError as exc:
            raise CommandError(str(exc), returncode=2) from None
        out.write_text(transparency.csv_text(table), encoding="utf-8")
        reported = sum(1 for row in table.rows if row.checkpoint is not None)
        self.stdout.write(f"{out}: {table.year}, {reported} accepted quarterly reports")
