"""A realistic demo agency: the Colorado DMV, one person per role, a partner system, and a
few hundred requests over the five years before the day it is loaded, moved through the
workflow by the real actions.

Dates are placed relative to that day, so the queue looks the same whenever the demo is
loaded: the old requests are answered, the open ones came in over the past ten days (some
due within days, some a few days overdue), and the partners' certifications are current,
expiring and lapsed. Everything goes through `custodiet.cases.actions`, so the demo's ledger
is as real as production's: each request is decided by the law in force on the day it was
received, and again by today's when it is released. Loading is done once; later runs only
reset the passwords.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from custodiet.accounts.models import Agency, ApiToken, Membership, Role
from custodiet.cases import actions
from custodiet.cases.models import Case, State
from custodiet.policy.model import parse_request
from custodiet.samples import generate

AGENCY_CODE = "CO-DOR-DMV"
AGENCY_NAME = "Colorado Division of Motor Vehicles"
PEOPLE = (
    ("clerk", Role.CLERK, "Records", "Clerk"),
    ("supervisor", Role.SUPERVISOR, "Records", "Supervisor"),
    ("counsel", Role.COUNSEL, "Agency", "Counsel"),
    ("privacy", Role.PRIVACY_OFFICER, "Privacy", "Officer"),
    ("auditor", Role.AUDITOR, "State", "Auditor"),
    ("admin", Role.ADMINISTRATOR, "System", "Administrator"),
    ("attester", Role.ATTESTER, "Designated", "Attester"),
    ("partner-csp", Role.PARTNER, "State Patrol", "System"),
)
# The return address and contacts its letters carry (the DMV's public records address).
AGENCY_CONTACT = {
    "address": "Colorado Division of Motor Vehicles\nRecords Section\n1881 Pierce Street\n"
    "Lakewood, CO 80214",
    "email": "dmv.records@demo.custodiet.invalid",
    "phone": "303-205-5600",
}
# The Governor's office of legal counsel, which receives the agency's reports on its pages.
OFFICE_CODE = "CO-GOV-OLC"
OFFICE_NAME = "Colorado Governor's Office of Legal Counsel"
REQUESTS = 300
# The most recent requests stay open so every queue has work in it; they came in over the
# last RECENT_DAYS days, the others over the HISTORY_DAYS before.
LEFT_OPEN = 40
# How many of the latest requests have their refusal issued and not delivered yet.
UNDELIVERED = 3
RECENT_DAYS = 10
HISTORY_DAYS = 5 * 365


@dataclass(frozen=True)
class Account:
    username: str
    role: str
    password: str


def _person(agency: Agency, username: str, role: str, first: str, last: str) -> Account:
    user: AbstractUser
    user, _ = get_user_model().objects.get_or_create(
        username=username,
        defaults={
            "first_name": first,
            "last_name": last,
            "email": f"{username}@demo.custodiet.invalid",
        },
    )
    password = secrets.token_urlsafe(12)
    user.set_password(password)
    user.is_active = True
    user.save(update_fields=["password", "is_active"])
    Membership.objects.update_or_create(user=user, defaults={"agency": agency, "role": role})
    return Account(username, role, password)


def load(
    *, requests: int = REQUESTS, progress: Callable[[int, int], None] | None = None
) -> tuple[list[Account], str | None]:
    """Make the agency and its people; the first time, also its requests and a partner token."""
    with transaction.atomic():
        agency, _ = Agency.objects.get_or_create(
            code=AGENCY_CODE, defaults={"name": AGENCY_NAME, **AGENCY_CONTACT}
        )
        accounts = [_person(agency, *person) for person in PEOPLE]
        office, _ = Agency.objects.get_or_create(code=OFFICE_CODE, defaults={"name": OFFICE_NAME})
        accounts.append(_person(office, "governor", Role.OVERSIGHT, "Governor's Office", "Counsel"))
    users = {
        user.username: user
        for user in get_user_model().objects.filter(username__in=[p[0] for p in PEOPLE])
    }
    # The partner system's token is issued on the first load only: its presence says the
    # agency, partners and requests are there already.
    if ApiToken.objects.filter(user=users["partner-csp"]).exists():
        return accounts, None
    _, token = ApiToken.issue(users["partner-csp"], "demo partner system")
    # Supervisors' notices would flood the terminal while loading; keep them in memory.
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        _register_partners(agency, users["privacy"])
        _load_requests(agency, users, requests, progress)
    return accounts, token


# Third parties that query the DMV's database or receive its data, with the days before
# loading on which they signed their 24-74-105 certification: the insurer renews every year
# and is covered; the Department of Human Services renews every year too, and its renewal
# is due within weeks; the towing company signed once and let it lapse.
PARTNERS = (
    ("Front Range Mutual Insurance", "private", tuple(120 + 365 * year for year in range(6))),
    ("Colorado Department of Human Services", "government", (350, 715, 1080)),
    ("Rocky Mountain Towing LLC", "private", (3 * 365 + 40,)),
)


def _register_partners(agency: Agency, by: AbstractUser) -> None:
    from custodiet.cases.letters import write_pdf
    from custodiet.partners import actions as partners

    today = timezone.localdate()
    for number, (name, kind, days_before) in enumerate(PARTNERS):
        partner = partners.register_partner(
            agency=agency,
            by=by,
            details=partners.Details(
                name=name, kind=kind, contact_email="compliance@partner.custodiet.invalid"
            ),
        )
        for day in sorted(today - dt.timedelta(days=days) for days in days_before):
            form = write_pdf(
                f"<html lang='en'><head><title>Certification</title></head><body><h1>Third-party certification "
                f"under C.R.S. 24-74-105</h1><p>{name} certifies, under penalty of perjury, that it will not use "
                f"personal identifying information for federal immigration enforcement. Signed {day}.</p></body></html>",
                f"{name}-{day}",
            )
            partners.record_certification(
                partner,
                by=by,
                signed_on=day,
                signer_name="Compliance officer",
                signer_title="Compliance officer",
                filename=f"certification-{day}.pdf",
                content=form,
            )
        # Every partner is told the limits of use; only the insurer has acknowledged so far.
        notice = partners.send_notice(partner, by=by, method="email")
        if number == 0:
            partners.acknowledge(
                notice,
                by=by,
                acknowledged_on=timezone.localdate(notice.sent_at),
                acknowledged_by="Compliance officer",
                method="email",
            )


def _load_requests(
    agency: Agency,
    users: dict[str, AbstractUser],
    count: int,
    progress: Callable[[int, int], None] | None,
) -> None:
    today = timezone.localdate()
    # Seeded, and every date counted from the day of loading: the same demo for the same day.
    rng = random.Random(2020)  # noqa: S311 - a repeatable demo, not a secret
    first = today - dt.timedelta(days=HISTORY_DAYS)
    samples = sorted(
        generate(count, seed=2020, start=first, days=HISTORY_DAYS - RECENT_DAYS),
        key=lambda item: item["received_at"],
    )
    left_open = min(LEFT_OPEN, count)
    recent = samples[count - left_open :]
    # Spread evenly over the recent days, so the open cases' due dates run from a few days
    # past to a few days ahead whatever their number.
    for number, data in enumerate(recent):
        _move(data, today - dt.timedelta(days=RECENT_DAYS - number * RECENT_DAYS // left_open))
    to_issue = UNDELIVERED
    for number, data in enumerate(samples, start=1):
        data.pop("id", None)
        _contact(data, number)
        case = actions.take_in(parse_request(data), by=users["clerk"], agency=agency)
        if number <= count - left_open:
            _close(case, users, rng)
        elif to_issue and case.state == State.TO_REFUSE:
            # A few of the latest refusals are issued and wait to go out, as on any day.
            actions.refuse(case, by=users["clerk"])
            to_issue -= 1
        else:
            _advance(case, users, rng)
        if progress:
            progress(number, count)


def _contact(data: dict[str, Any], number: int) -> None:
    """Where the answer goes: the requesting office's email and postal address."""
    requester = data.setdefault("requester", {})
    name = requester.get("organization") or "Requester"
    slug = "".join(ch for ch in name.lower() if ch.isalnum())[:24] or "requester"
    requester.setdefault("email", f"records@{slug}.demo.custodiet.invalid")
    requester.setdefault("address", f"{name}\nAttn: records requests\nP.O. Box {1000 + number}")


def _move(data: dict[str, Any], day: dt.date) -> None:
    """Move a sample request to `day`, its stated certification as many days before it."""
    received = dt.datetime.fromisoformat(data["received_at"])
    shift = day - received.date()
    data["received_at"] = (received + shift).isoformat()
    if "certification" in data:
        signed = dt.date.fromisoformat(data["certification"]["signed_on"]) + shift
        data["certification"] = {"signed_on": signed.isoformat()}


# What the demo's people record for each step a decision requires before release.
DEMO_STEPS = {
    "verify_identity": (
        "clerk",
        {"document_seen": "Colorado driver's license; name and photo match"},
    ),
    "record_officer": (
        "clerk",
        {
            "officer_name": "Officer on the request",
            "officer_agency": "As stated",
            "badge_number": "Seen",
        },
    ),
    "governor_review": (
        "supervisor",
        {"approved": True, "answered_on": "", "reference": "Governor's office, demo"},
    ),
}


def _take_steps(case: Case, users: dict[str, AbstractUser]) -> bool:
    """Record the steps the case awaits before release; False if one cannot be, and the
    case stays approved."""
    for name in actions.outstanding(case):
        who, details = DEMO_STEPS[name]
        if "answered_on" in details:
            details = {**details, "answered_on": timezone.localdate().isoformat()}
        uploads = [_process_copy(case)] if actions.STEPS[name].keeps_process else []
        try:
            actions.record_obligation(case, name, by=users[who], details=details, uploads=uploads)
        except actions.WorkflowError:
            return False
    return True


def _process_copy(case: Case) -> actions.Upload:
    """The copy of the officer's process the clerk keeps with the case: the text offered."""
    from custodiet.cases.letters import write_pdf

    offered = case.request.payload.get("legal_process") or [{}]
    text = "\n".join(str(value) for value in offered[0].values()) or "Process as presented"
    lines = "".join(f"<p>{escape(line)}</p>" for line in text.splitlines())
    html = (
        "<html lang='en'><head><title>Process as presented</title></head>"
        f"<body><h1>Process as presented</h1>{lines}</body></html>"
    )
    return actions.Upload(
        filename="process.pdf", content=write_pdf(html, case.request.public_id), text=text
    )


def _decide_as_counsel(case: Case, users: dict[str, AbstractUser], rng: random.Random) -> Case:
    release = rng.random() < 0.4
    reason = (
        "Court-issued process reviewed; the order compels this disclosure."
        if release
        else "No court-issued process; disclosure would serve immigration enforcement."
    )
    return actions.counsel_decide(case, by=users["counsel"], release=release, reason=reason)


def _close(case: Case, users: dict[str, AbstractUser], rng: random.Random) -> None:
    """Answer an older request: release it or refuse it, as the workflow allows, and record
    that its letters were mailed."""
    if case.state == State.WITH_COUNSEL:
        case = _decide_as_counsel(case, users, rng)
    if case.state == State.AWAITING_APPROVAL:
        if rng.random() < 0.1:
            case = actions.send_back(
                case, by=users["supervisor"], reason="Case number missing from the request."
            )
            case = actions.resubmit(
                case, by=users["clerk"], note="Case number added from the officer's email."
            )
        case = actions.approve(case, by=users["supervisor"])
    if case.state == State.APPROVED and _take_steps(case, users):
        try:
            case = actions.release(case, by=users["clerk"])
        except actions.NotReleased as not_released:
            # The law in force today refuses what was approved then: counsel decides again.
            case = actions.counsel_decide(
                not_released.case,
                by=users["counsel"],
                release=False,
                reason="The law in force today does not allow this release.",
            )
    if case.state == State.TO_REFUSE:
        case = actions.refuse(case, by=users["clerk"])
    if case.state in (State.RELEASED, State.REFUSED):
        actions.deliver(case, by=users["clerk"], method="mail")


def _advance(case: Case, users: dict[str, AbstractUser], rng: random.Random) -> None:
    """Move a recent request part of the way, so each person's queue has work in it."""
    if case.state == State.WITH_COUNSEL and rng.random() < 0.5:
        case = _decide_as_counsel(case, users, rng)
    if case.state == State.AWAITING_APPROVAL and rng.random() < 0.5:
        if rng.random() < 0.2:
            actions.send_back(
                case, by=users["supervisor"], reason="Case number missing from the request."
            )
            return
        case = actions.approve(case, by=users["supervisor"])
        if rng.random() < 0.5:
            _take_steps(case, users)
