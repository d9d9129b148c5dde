"""Every change an agency's administration makes: people and their roles, deactivation,
partner tokens, sign-in lockouts, second factors and the agency's own details.

Each action takes the acting person as `by`, checks what only the data can tell (that the
person belongs to `by`'s agency, that an administrator is not changing their own
membership), and writes its rows, its event and the event's ledger entry in one
transaction. Events name people by username and role only: no name, email or password
goes into the ledger. Nothing is deleted: a person who leaves is deactivated, so every
case, event and token they touched still names them.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from custodiet.accounts import two_factor
from custodiet.accounts.models import Agency, ApiToken, Membership, Role
from custodiet.ledger import store
from custodiet.records.models import Event

# Who acts from the command line, in the ledger: the operator has the server's shell, so
# the command reaches every agency.
COMMAND_LINE = "command line"
SETUP = "setup"


class AdministrationError(ValueError):
    """The change cannot be made; nothing was changed. `field` names the form field."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


@dataclass(frozen=True)
class NewPerson:
    username: str
    first_name: str
    last_name: str
    email: str
    role: str


def temporary_password() -> str:
    """A password shown once to the administrator, who passes it on; the person changes it."""
    return secrets.token_urlsafe(12)


def _record(kind: str, by: AbstractBaseUser | str, payload: dict[str, Any]) -> Event:
    actor = by if isinstance(by, str) else by.get_username()
    event = Event.objects.create(
        request=None, kind=kind, actor=actor, at=timezone.now(), payload=payload
    )
    store.append([event])
    return event


def _standing(membership: Membership) -> dict[str, Any]:
    return {
        "user": membership.user.get_username(),
        "agency": membership.agency.code,
        "role": membership.role,
        "active": membership.user.is_active,
    }


def _own_member(by: AbstractUser, user_id: int) -> Membership:
    """A membership of the administrator's own agency, locked for the change."""
    agency = by.membership.agency  # type: ignore[attr-defined]
    membership = (
        Membership.objects.select_for_update()
        .select_related("user", "agency")
        .filter(user_id=user_id, agency=agency)
        .first()
    )
    if membership is None:
        raise AdministrationError("user", "no such person in your agency")
    return membership


def _not_self(by: AbstractUser, membership: Membership, what: str) -> None:
    if membership.user_id == by.pk:
        raise AdministrationError(
            "user", f"you cannot {what} your own account: another administrator does it"
        )
    if membership.role == Role.ADMINISTRATOR:
        raise AdministrationError(
            "user", f"you cannot {what} an administrator: " + ON_THE_COMMAND_LINE
        )


def _valid_role(role: str) -> None:
    if role not in Role.values:
        raise AdministrationError("role", f"{role!r} is not a role")


# Administrators are made, and their accounts kept, on the command line by whoever runs the
# server (`custodiet setup`), never on the pages: an administrator who could make another
# administrator, or reset one's password, could sign in as that account and give themselves
# a role that decides cases.
ON_THE_COMMAND_LINE = (
    "administrators are added and kept on the command line, by whoever runs the server "
    "(custodiet setup --add-administrator)"
)


def _not_administrator(by: AbstractBaseUser | str, role: str) -> None:
    if by != SETUP and role == Role.ADMINISTRATOR:
        raise AdministrationError("role", ON_THE_COMMAND_LINE)


def _revoke_tokens(user: AbstractBaseUser) -> int:
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def add_person(
    person: NewPerson, *, by: AbstractUser | str, agency: Agency | None = None
) -> tuple[Membership, str]:
    """Create the account and its membership (in `by`'s agency unless `agency` is given);
    return it and its temporary password."""
    _valid_role(person.role)
    _not_administrator(by, person.role)
    username = person.username.strip()
    if not username:
        raise AdministrationError("username", "enter a username")
    User = get_user_model()
    if User.objects.filter(username__iexact=username).exists():
        raise AdministrationError("username", f"{username!r} is already taken")
    if person.email:
        try:
            validate_email(person.email)
        except ValidationError:
            raise AdministrationError(
                "email", f"{person.email!r} is not an email address"
            ) from None
    if agency is None:
        agency = by.membership.agency  # type: ignore[union-attr]
    password = temporary_password()
    with transaction.atomic():
        user = User.objects.create_user(
            username=username,
            email=person.email,
            password=password,
            first_name=person.first_name,
            last_name=person.last_name,
        )
        membership = Membership.objects.create(user=user, agency=agency, role=person.role)
        _record("membership.added", by, {"membership": _standing(membership)})
    return membership, password


def change_membership(*, by: AbstractUser, user_id: int, role: str, agency: Agency) -> bool:
    """Give a person of `by`'s agency another role, or hand them over to another agency.
    Returns whether anything changed.

    A person handed over arrives deactivated: the receiving agency's administrator, not
    this one, lets them in (and may change the role given). A partner's tokens end when
    the account stops being this agency's partner, so no token outlives what it was
    issued for."""
    _valid_role(role)
    _not_administrator(by, role)
    with transaction.atomic():
        membership = _own_member(by, user_id)
        _not_self(by, membership, "change the role or agency of")
        if membership.role == role and membership.agency_id == agency.pk:
            return False
        before = _standing(membership)
        moved = membership.agency_id != agency.pk
        membership.role = role
        membership.agency = agency
        membership.save(update_fields=["role", "agency"])
        if moved and membership.user.is_active:
            membership.user.is_active = False
            membership.user.save(update_fields=["is_active"])
        revoked = _revoke_tokens(membership.user) if moved or role != Role.PARTNER else 0
        payload: dict[str, Any] = {
            "membership": _standing(membership)
            | {"from_role": before["role"], "from_agency": before["agency"]}
        }
        if revoked:
            payload["tokens_revoked"] = revoked
        _record("membership.changed", by, payload)
    return True


def set_active(*, by: AbstractUser, user_id: int, active: bool) -> None:
    """Deactivate a person who left (their history stays), or bring them back."""
    with transaction.atomic():
        membership = _own_member(by, user_id)
        _not_self(by, membership, "deactivate or reactivate")
        user = membership.user
        if user.is_active == active:
            return
        user.is_active = active
        user.save(update_fields=["is_active"])
        # A departed partner's system stops with them.
        revoked = 0 if active else _revoke_tokens(user)
        payload: dict[str, Any] = {"membership": _standing(membership)}
        if revoked:
            payload["tokens_revoked"] = revoked
        _record("membership.reactivated" if active else "membership.deactivated", by, payload)


def reset_password(*, by: AbstractUser, user_id: int) -> str:
    """A new temporary password for someone who lost theirs."""
    with transaction.atomic():
        membership = _own_member(by, user_id)
        _not_self(by, membership, "reset the password of")
        password = temporary_password()
        membership.user.set_password(password)
        membership.user.save(update_fields=["password"])
        _record("membership.password_reset", by, {"membership": _standing(membership)})
    return password


def reset_second_factor(*, by: AbstractUser, user_id: int) -> int:
    with transaction.atomic():
        membership = _own_member(by, user_id)
        _not_self(by, membership, "reset the second factor of")
        removed = two_factor.reset(membership.user)
        _record("membership.second_factor_reset", by, {"membership": _standing(membership)})
    return removed


def locked_out_usernames(agency: Agency) -> dict[str, int]:
    """Usernames of the agency with sign-in failures counted now, and how many."""
    usernames = Membership.objects.filter(agency=agency).values_list("user__username", flat=True)
    counts: dict[str, int] = {}
    for username, failures in AccessAttempt.objects.filter(
        username__in=list(usernames)
    ).values_list("username", "failures_since_start"):
        counts[username] = counts.get(username, 0) + failures
    return counts


def unlock(*, by: AbstractUser, user_id: int) -> int:
    """Clear a person's counted sign-in failures, after checking who they are."""
    with transaction.atomic():
        membership = _own_member(by, user_id)
        removed, _ = AccessAttempt.objects.filter(username=membership.user.get_username()).delete()
        _record("membership.unlocked", by, {"membership": _standing(membership)})
    return removed


def _token_holder(by: AbstractUser | str, user_id: int) -> Membership:
    if by == COMMAND_LINE:
        membership = (
            Membership.objects.select_for_update()
            .select_related("user", "agency")
            .filter(user_id=user_id)
            .first()
        )
        if membership is None:
            raise AdministrationError("user", "not a partner account: it belongs to no agency")
        return membership
    return _own_member(by, user_id)  # type: ignore[arg-type]


def issue_token(*, by: AbstractUser | str, user_id: int, name: str) -> tuple[ApiToken, str]:
    """A new API token for a partner account (of `by`'s agency), and its secret, shown once."""
    with transaction.atomic():
        membership = _token_holder(by, user_id)
        if not membership.can_submit_by_api:
            raise AdministrationError(
                "user",
                "not a partner account: API tokens are issued only to accounts whose "
                "membership role is partner",
            )
        if not membership.user.is_active:
            raise AdministrationError("user", "this account is deactivated")
        token, secret = ApiToken.issue(
            membership.user, name.strip() or f"{membership.user.get_username()} API token"
        )
        _record(
            "token.issued",
            by,
            {"token": {"prefix": token.prefix, "user": membership.user.get_username()}},
        )
    return token, secret


def revoke_token(*, by: AbstractUser | str, token_id: int) -> ApiToken:
    tokens = ApiToken.objects.select_for_update().select_related("user")
    if by != COMMAND_LINE:
        tokens = tokens.filter(user__membership__agency=by.membership.agency)  # type: ignore[union-attr]
    with transaction.atomic():
        token = tokens.filter(pk=token_id).first()
        if token is None:
            raise AdministrationError("token", "no such token in your agency")
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            _record(
                "token.revoked",
                by,
                {"token": {"prefix": token.prefix, "user": token.user.get_username()}},
            )
    return token


AGENCY_DETAILS = ("name", "time_zone", "address", "email", "phone", "answer_within_days")


def check_one_line(field: str, value: str) -> None:
    """Names and telephone numbers go into email headers and letters' single lines."""
    if not value.strip():
        raise AdministrationError(field, "enter it")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise AdministrationError(field, "write it on one line, without control characters")


def check_time_zone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise AdministrationError(
            "time_zone", f"{name!r} is not a time zone: write it as America/Denver"
        ) from None


def save_agency(*, by: AbstractUser | str, agency: Agency, details: dict[str, Any]) -> bool:
    """Change the agency's details (its letters' return address, its time zone)."""
    check_one_line("name", details["name"])
    if details["phone"]:
        check_one_line("phone", details["phone"])
    check_time_zone(details["time_zone"])
    with transaction.atomic():
        locked = Agency.objects.select_for_update().get(pk=agency.pk)
        changed = [name for name in AGENCY_DETAILS if getattr(locked, name) != details[name]]
        if not changed:
            return False
        for name in changed:
            setattr(locked, name, details[name])
        locked.save(update_fields=changed)
        _record(
            "agency.changed",
            by,
            {"agency_settings": {"agency": locked.code, "changed": changed}},
        )
    agency.refresh_from_db()
    return True


def set_up(
    *,
    code: str,
    name: str,
    time_zone: str,
    address: str,
    person: NewPerson,
    another: bool = False,
) -> tuple[Agency, str]:
    """A new deployment's (or a new agency's) first administrator, from the command line,
    or (`another`) one more administrator of an agency. Returns the agency and the
    administrator's temporary password."""
    check_one_line("agency_name", name)
    check_time_zone(time_zone)
    with transaction.atomic():
        agency, created = Agency.objects.get_or_create(
            code=code, defaults={"name": name, "time_zone": time_zone, "address": address}
        )
        if created:
            _record(
                "agency.added",
                SETUP,
                {"agency_settings": {"agency": code, "changed": list(AGENCY_DETAILS)}},
            )
        elif (
            not another
            and Membership.objects.filter(
                agency=agency, role=Role.ADMINISTRATOR, user__is_active=True
            ).exists()
        ):
            raise AdministrationError(
                "agency",
                f"{code} already has an administrator: they add people on the administration "
                "pages (another administrator: --add-administrator)",
            )
        _, password = add_person(person, by=SETUP, agency=agency)
    return agency, password
