"""`custodiet reminders [--dry-run] [--today YYYY-MM-DD]`: send what is due, once, for a scheduler."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from custodiet.reminders import actions
from custodiet.reminders.due import FINDERS, due

ACTOR = "custodiet reminders"


def _summary(counts: Counter[str]) -> str:
    total = sum(counts.values())
    kinds = ", ".join(f"{counts[kind]} {kind}" for kind in sorted(counts))
    return f"{total} reminder{'s' if total != 1 else ''}" + (f" ({kinds})" if kinds else "")


class Command(BaseCommand):
    help = (
        "Email the reminders that are due (" + ", ".join(sorted(FINDERS)) + "), each "
        "once: a reminder already sent is never sent again, one that fails is tried again "
        "on the next run. Run it daily from a scheduler; it exits non-zero if any failed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="list what would be sent; send and record nothing",
        )
        parser.add_argument(
            "--today",
            metavar="YYYY-MM-DD",
            help="find what is due on this day instead of today (in CUSTODIET_TIME_ZONE)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        given = options["today"]
        today = timezone.localdate() if given is None else self.parse_day(given)
        reminders = due(today)
        if options["dry_run"]:
            for reminder in reminders:
                self.stdout.write(
                    f"would send {reminder.kind} for {reminder.about} "
                    f"to {', '.join(reminder.recipients) or 'nobody'}"
                )
            counts = Counter(reminder.kind for reminder in reminders)
            self.stdout.write(f"{today}: would send {_summary(counts)}; nothing sent or recorded")
            return
        sent: Counter[str] = Counter()
        failed: Counter[str] = Counter()
        for reminder in reminders:
            try:
                record = actions.send(reminder, by=ACTOR)
            except Exception as exc:  # one failure must not stop the others
                failed[reminder.kind] += 1
                self.stderr.write(f"not sent: {reminder.kind} for {reminder.about}: {exc}")
                continue
            if record is not None:
                sent[reminder.kind] += 1
                if options["verbosity"] > 1:
                    self.stdout.write(f"sent {reminder.kind} for {reminder.about}")
        self.stdout.write(f"{today}: sent {_summary(sent)}")
        if failed:
            raise CommandError(f"{_summary(failed)} could not be sent; the next run tries again")

    @staticmethod
    def parse_day(value: str) -> dt.date:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise CommandError(
                f"--today {value!r} is not a valid date written as YYYY-MM-DD"
            ) from None
