"""`custodiet tokens create|list|revoke`: the bearer tokens partner systems call the API with."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from custodiet.accounts import actions
from custodiet.accounts.models import ApiToken

# `ApiToken.issue` keeps a token's first 12 characters to name it by.
PREFIX_LENGTH = 12


def _when(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "-"


class Command(BaseCommand):
    help = (
        "Issue, list and revoke API tokens. A token is shown once, when it is created; only "
        "its SHA-256 is stored, so a lost token is revoked and replaced, never recovered."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser(
            "create", help="issue a token for a partner account and print it (once)"
        )
        create.add_argument("--user", required=True, help="the partner account's username")
        create.add_argument("--name", default="", help="a label, e.g. the partner system's name")
        actions.add_parser("list", help="list every token: prefix, account, agency, last use")
        revoke = actions.add_parser("revoke", help="revoke the token that starts with PREFIX")
        revoke.add_argument("prefix", help="the prefix `tokens list` shows (or the whole token)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "create":
            self.create(options["user"], options["name"])
        elif options["action"] == "list":
            self.list()
        else:
            self.revoke(options["prefix"])

    def create(self, username: str, name: str) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no account named {username!r}")
        try:
            token, secret = actions.issue_token(by=actions.COMMAND_LINE, user_id=user.pk, name=name)
        except actions.AdministrationError as exc:
            raise CommandError(f"{username}: {exc}") from None
        membership = user.membership
        # The secret alone on standard output, so a script can capture it; the advice apart.
        self.stdout.write(secret)
        self.stderr.write(
            f"Issued token {token.prefix}… for {username} ({membership.agency.code}). "
            "Store it now: it is not shown again."
        )

    def list(self) -> None:
        tokens = ApiToken.objects.select_related("user__membership__agency").order_by("id")
        rows = [("PREFIX", "USER", "AGENCY", "NAME", "CREATED", "LAST USED", "REVOKED")]
        for token in tokens:
            membership = getattr(token.user, "membership", None)
            rows.append(
                (
                    token.prefix,
                    token.user.get_username(),
                    membership.agency.code if membership else "-",
                    token.name,
                    _when(token.created_at),
                    _when(token.last_used_at),
                    _when(token.revoked_at),
                )
            )
        if len(rows) == 1:
            self.stdout.write("no tokens")
            return
        widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
        for row in rows:
            self.stdout.write(
                "  ".join(
                    cell.ljust(width) for cell, width in zip(row, widths, strict=True)
                ).rstrip()
            )

    def revoke(self, prefix: str) -> None:
        # A prefix is the token's first 12 characters; the whole token works as well. A
        # shorter one could match a token nobody meant.
        if len(prefix) < PREFIX_LENGTH:
            raise CommandError(
                f"give the whole {PREFIX_LENGTH}-character prefix that `tokens list` shows"
            )
        if len(prefix) > PREFIX_LENGTH:
            found = ApiToken.find(prefix)
            matches = [found] if found else []
        else:
            matches = list(ApiToken.objects.filter(prefix=prefix, revoked_at__isnull=True))
        if not matches:
            raise CommandError(f"no live token matches {prefix[:PREFIX_LENGTH]!r}")
        if len(matches) > 1:
            raise CommandError(
                f"{len(matches)} live tokens share that prefix: give the whole token"
            )
        token = actions.revoke_token(by=actions.COMMAND_LINE, token_id=matches[0].pk)
        self.stdout.write(f"Revoked {token.prefix}… ({token.name}, {token.user.get_username()})")
