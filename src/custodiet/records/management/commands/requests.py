"""`custodiet requests import FILE` and `custodiet requests export --from --to`."""

from __future__ import annotations

import csv
import datetime as dt
import getpass
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from custodiet.policy.model import RequestError, parse_request, read_requests
from custodiet.records.actions import RecordError, receive_and_decide
from custodiet.records.export import EXPORT_FIELDS, export_rows


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date written as YYYY-MM-DD") from None


class Command(BaseCommand):
    help = "Import requests (each is recorded, decided and ledgered) or export the request log."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        load = actions.add_parser(
            "import",
            help="record and decide every request in FILE (JSON, JSON array or JSON Lines): all or nothing",
        )
        load.add_argument("file", type=Path)
        load.add_argument("--user", default=None, help="who is importing (default: the login name)")
        load.add_argument(
            "--as-of", type=_date, help="decide under the rules in force on this date"
        )
        out = actions.add_parser("export", help="write the request log as CSV (24-74-106 fields)")
        out.add_argument("--from", dest="start", type=_date, help="first date received (inclusive)")
        out.add_argument("--to", dest="end", type=_date, help="last date received (inclusive)")
        out.add_argument("--out", type=Path, help="file to write (default: standard output)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "import":
            self.import_file(
                options["file"], options["user"] or getpass.getuser(), options["as_of"]
            )
        else:
            self.export(options["start"], options["end"], options["out"])

    def import_file(self, path: Path, user: str, as_of: dt.date | None) -> None:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {path}: {exc}") from None
        requests, problems = [], []
        for where, data in read_requests(text):
            try:
                if isinstance(data, RequestError):
                    raise data
                requests.append(parse_request(data))
            except RequestError as error:
                at = f"{path}, {where}" if where else str(path)
                problems.extend(f"{at}: {field}: {message}" for field, message in error.problems)
        if problems:
            raise CommandError("nothing was imported:\n" + "\n".join(problems))
        if not requests:
            raise CommandError(f"{path} holds no requests")
        try:
            recorded = receive_and_decide(requests, actor=f"import:{user}", as_of=as_of)
        except RecordError as exc:
            raise CommandError(f"nothing was imported: {exc}") from None
        counts: dict[str, int] = {}
        for item in recorded:
            counts[item.decision.outcome] = counts.get(item.decision.outcome, 0) + 1
        summary = ", ".join(f"{count} {outcome}" for outcome, count in sorted(counts.items()))
        self.stdout.write(f"imported {len(recorded)} requests from {path}: {summary}")

    def export(self, start: dt.date | None, end: dt.date | None, out: Path | None) -> None:
        if start and end and end < start:
            raise CommandError(f"--to {end} is before --from {start}")
        # self.stdout, not sys.stdout: callers (call_command, tests) choose where it goes.
        handle = out.open("w", newline="", encoding="utf-8") if out else self.stdout
        try:
            writer = csv.DictWriter(handle, fieldnames=EXPORT_FIELDS)
            writer.writeheader()
            count = 0
            for row in export_rows(start=start, end=end):
                writer.writerow(row)
                count += 1
        finally:
            if out:
                handle.close()
        if out:
            self.stderr.write(f"wrote {count} requests to {out}")
