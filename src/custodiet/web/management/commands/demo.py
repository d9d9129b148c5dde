"""`custodiet demo`: make the demo accounts and print how to sign in.

Run by `make demo` after `migrate`. Safe to run again: the accounts are created once,
and each run gives them new random passwords, so a password printed on a shared screen
stops working the next time the demo starts.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, transaction

DEMO_URL = "http://127.0.0.1:8000/"
# Plain accounts for now; the roles they will hold (counsel decides legal reviews,
# trainers explore) come with the membership model.
DEMO_USERS = (
    ("counsel", "Demo", "Counsel"),
    ("trainer", "Demo", "Trainer"),
)


class Command(BaseCommand):
    help = (
        "Create the demo accounts (counsel, trainer) if they are missing, give each a new "
        "random password, and print the address and the passwords."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        users = get_user_model()
        passwords = []
        try:
            with transaction.atomic():
                for username, first_name, last_name in DEMO_USERS:
                    user, _ = users.objects.get_or_create(
                        username=username,
                        defaults={"first_name": first_name, "last_name": last_name},
                    )
                    password = secrets.token_urlsafe(12)
                    user.set_password(password)
                    user.is_active = True
                    user.save(update_fields=["password", "is_active"])
                    passwords.append((username, password))
        except DatabaseError as exc:
            raise CommandError(
                f"Could not create the demo accounts ({exc}). Has `custodiet migrate` been run?"
            ) from exc

        width = max(len(username) for username, _ in passwords)
        lines = [
            "",
            f"Custodiet demo: open {DEMO_URL} and sign in as",
            "",
            *(
                f"  {username.ljust(width)}  password {password}"
                for username, password in passwords
            ),
            "",
            "The passwords are new on every run of `custodiet demo`.",
            "",
        ]
        self.stdout.write("\n".join(lines))
