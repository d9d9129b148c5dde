"""A realistic demo agency: the Colorado DMV, one person per role, a partner system, and a
few hundred requests from 2020 to 2025 moved through the workflow by the real actions.

Everything goes through `custodiet.cases.actions`, so the demo's ledger is as real as
production's. Loading is done once; later runs only reset the passwords.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass

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
# The Governor's office of legal counsel, which receives the agency's reports on its pages.
OFFICE_CODE = "CO-GOV-OLC"
OFFICE_NAME = "Colorado Governor's Office of Legal Counsel"
REQUESTS = 300
# The most recent requests stay open so every queue has work in it.
LEFT_OPEN = 40


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
        agency, _ = Agency.objects.get_or_create(code=AGENCY_CODE, defaults={"name": AGENCY_NAME})
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


# Third parties that query the DMV's database, with the dates they signed their 24-74-105
# certification: the insurer renews every year; the towing company let it lapse in 2023.
PARTNERS = (
    (
        "Front Range Mutual Insurance",
        (
            dt.date(2021, 12, 15),
            dt.date(2022, 12, 1),
            dt.date(2023, 11, 20),
            dt.date(2024, 11, 18),
            dt.date(2025, 11, 10),
        ),
    ),
    ("Rocky Mountain Towing LLC", (dt.date(2022, 1, 20),)),
)


def _register_partners(agency: Agency, by: AbstractUser) -> None:
    from custodiet.cases.letters import write_pdf
    from custodiet.partners import actions as partners

    for number, (name, signed) in enumerate(PARTNERS):
        partner = partners.register_partner(
            agency=agency,
            by=by,
            details=partners.Details(
                name=name, kind="private", contact_email="compliance@partner.custodiet.invalid"
            ),
        )
        for day in signed:
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
    rng = random.Random(2020)  # noqa: S311 - a repeatable demo, not a secret
    samples = sorted(
        generate(count, seed=2020, start=dt.date(2020, 1, 2), days=6 * 365 - 10),
        key=lambda item: item["received_at"],
    )
    for number, data in enumerate(samples, start=1):
        data.pop("id", None)
        case = actions.take_in(parse_request(data), by=users["clerk"], agency=agency)
        if number <= count - LEFT_OPEN:
            _carry_through(case, users, rng)
        if progress:
            progress(number, count)


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
    """Record the steps the case awaits before release; False if one cannot be (the demo
    has no copy of an officer's process to keep, say), and the case stays approved."""
    for name in actions.outstanding(case):
        who, details = DEMO_STEPS[name]
        if "answered_on" in details:
            details = {**details, "answered_on": timezone.localdate().isoformat()}
        try:
            actions.record_obligation(case, name, by=users[who], details=details)
        except actions.WorkflowError:
            return False
    return True


def _carry_through(case: Case, users: dict[str, AbstractUser], rng: random.Random) -> None:
    """Move an older case to where a real one would be by now (most are closed)."""
    if case.state == State.WITH_COUNSEL:
        release = rng.random() < 0.4
        reason = (
            "Court-issued process reviewed; the order compels this disclosure."
            if release
            else "No court-issued process; disclosure would serve immigration enforcement."
        )
        case = actions.counsel_decide(case, by=users["counsel"], release=release, reason=reason)
    if case.state == State.AWAITING_APPROVAL:
        if rng.random() < 0.1:
            actions.send_back(
                case, by=users["supervisor"], reason="Case number missing from the request."
            )
            return
        case = actions.approve(case, by=users["supervisor"])
    # Letters are real PDFs; issuing them for every old case would make the demo slow to
    # start, so half of these wait in the queue, approved or to refuse.
    if case.state == State.APPROVED and rng.random() < 0.5 and _take_steps(case, users):
        # When today's law does not allow it, the case is back with counsel.
        with contextlib.suppress(actions.NotReleased):
            actions.release(case, by=users["clerk"])
    elif case.state == State.TO_REFUSE and rng.random() < 0.5:
        actions.refuse(case, by=users["clerk"])
