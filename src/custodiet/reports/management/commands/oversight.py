"""`custodiet oversight verify BUNDLE --log-key VKEY`: the Governor's office checks a report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from custodiet.merkle.cosignature import WitnessVerifier
from custodiet.merkle.note import Verifier
from custodiet.reports import oversight


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
            help="a witness's key (repeatable): the checkpoint must carry its cosignature",
        )
        verify.add_argument(
            "--previous",
            metavar="CHECKPOINT",
            help="the checkpoint file of the agency's previous accepted report",
        )

    def handle(self, *args: Any, **options: Any) -> None:
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
