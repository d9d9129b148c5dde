"""`custodiet requests import FILE` and `custodiet requests export --from --to`.

Both work on one agency's log: the one `--agency` names, or the only agency there is.
"""

from __future__ import annotations

import csv
import datetime as dt
import getpass
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from custodiet.accounts.models import Agency
from custodiet.policy.model import RequestError, parse_request, read_requests
from custodiet.records.actions import RecordError, admit, receive_and_decide
from custodiet.records.export import EXPORT_FIELDS, LogFilter, export_rows
from custodiet.records.spreadsheet import safe_row


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date written as YYYY-MM-DD") from None


AGENCY_HELP = "the agency whose log it is, by its code (default: the only agency set up)"


def _agency(code: str | None) -> Agency:
    """The agency `--agency` names, or the only one there is; else a CommandError saying why."""
    if code:
        agency = Agency.objects.filter(code=code).first()
        if agency is None:
            known = ", ".join(Agency.objects.order_by("code").values_list("code", flat=True))
            raise CommandError(f"--agency {code}: no such agency (set up: {known or 'none'})")
        return agency
    agencies = list(Agency.objects.order_by("code")[:2])
    if len(agencies) == 1:
        return agencies[0]
    if not agencies:
        raise CommandError(
            "no agency is set up yet: a request belongs to the agency that receives it"
        )
    codes = ", ".join(Agency.objects.order_by("code").values_list("code", flat=True))
    raise CommandError(f"name the agency with --agency: one of {codes}")


class Command(BaseCommand):
    help = "Import requests (each is recorded, decided and ledgered) or export the request log."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        load = actions.add_parser(
            "import",
            help="record and decide every request in FILE (JSON, JSON array or JSON Lines): all or nothing",
        )
        load.add_argument("file", type=Path)
        load.add_argument("--agency", help=AGENCY_HELP)
        load.add_argument("--user", default=None, help="who is importing (default: the login name)")
        load.add_argument(
            "--as-of", type=_date, help="decide under the rules in force on this date"
        )
        out = actions.add_parser("export", help="write the request log as CSV (24-74-106 fields)")
        out.add_argument("--from", dest="start", type=_date, help="first date received (inclusive)")
        out.add_argument("--to", dest="end", type=_date, help="last date received (inclusive)")
        out.add_argument("--out", type=Path, help="file to write (default: standard output)")
        out.add_argument("--agency", help=AGENCY_HELP)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "import":
            self.import_file(
                options["file"],
                options["user"] or getpass.getuser(),
                options["as_of"],
                options["agency"],
            )
        else:
            self.export(options["start"], options["end"], options["out"], options["agency"])

    def import_file(
        self, path: Path, user: str, as_of: dt.date | None, agency_code: str | None
    ) -> None:
        agency = _agency(agency_code)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {path}: {exc}") from None
        requests, problems = [], []
        for where, data in read_requests(text):
            try:
                if isinstance(data, RequestError):
                    raise data
                requests.append(admit(parse_request(data), agency))
            except RequestError as error:
                at = f"{path}, {where}" if where else str(path)
                problems.extend(f"{at}: {field}: {message}" for field, message in error.problems)
        if problems:
            raise CommandError("nothing was imported:\n" + "\n".join(problems))
        if not requests:
            raise CommandError(f"{path} holds no requests")
        try:
            recorded = receive_and_decide(
                requests, actor=f"import:{user}", agency=agency, as_of=as_of
            )
        except RequestError as error:
            raise CommandError(
                "nothing was imported:\n"
                + "\n".join(f"{path}: {field}: {message}" for field, message in error.problems)
            ) from None
        except RecordError as exc:
            raise CommandError(f"nothing was imported: {exc}") from None
        counts: dict[str, int] = {}
        for item in recorded:
            counts[item.decision.outcome] = counts.get(item.decision.outcome, 0) + 1
        summary = ", ".join(f"{count} {outcome}" for outcome, count in sorted(counts.items()))
        self.stdout.write(f"imported {len(recorded)} requests from {path}: {summary}")

    def export(
        self, start: dt.date | None, end: dt.date | None, out: Path | None, agency_code: str | None
    ) -> None:
        if start and end and end < start:
            raise CommandError(f"--to {end} is before --from {start}")
        agency = _agency(agency_code)
        # self.stdout, not sys.stdout: callers (call_command, tests) choose where it goes.
        handle = out.open("w", newline="", encoding="utf-8") if out else self.stdout
        try:
            writer = csv.DictWriter(handle, fieldnames=EXPORT_FIELDS)
            writer.writeheader()
            count = 0
            for row in export_rows(LogFilter(agency=agency, start=start, end=end)):
                writer.writerow(safe_row(row))
                count += 1
        finally:
            if out:
                handle.close()
        if out:
            self.stderr.write(f"wrote {count} requests to {out}")
