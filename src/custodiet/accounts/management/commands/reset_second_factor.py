"""`custodiet reset_second_factor USERNAME`: for someone who lost their authenticator app."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from custodiet.accounts import two_factor


class Command(BaseCommand):
    help = (
        "Remove a person's second-factor device, after checking who they are by other means. "
        "Their open sessions lose the verification at once, and they set up a new one at "
        "their next page."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, username: str, **options: Any) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no account named {username!r}")
        count = two_factor.reset(user)
        if count:
            self.stdout.write(
                f"Removed {username}'s second factor; they set up a new one at their next page."
            )
        else:
            self.stdout.write(f"{username} had no second factor; nothing changed.")
