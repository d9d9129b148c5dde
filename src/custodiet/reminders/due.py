"""What is due on a given day: one finder per kind of reminder, and `due(today)` over all.

A finder is a function from a day to the reminders due that day, registered under its
kind with `@finder`; adding a kind of reminder is writing one. Each reminder carries
its key (kind, object id, period): the period names which reminder of a series it is,
so a finder may return it on every run until it is sent, and never after.

The rules (a "span" restarts the count, so a day the scheduler missed is caught up by
the next run rather than skipped):

    approval.overdue          a case still awaiting a supervisor after its due date:
                              to the agency's supervisors, on the first overdue day,
                              then every 7 days while it waits
    certification.expiring    a partner's latest certification once it lapses within
                              30 days (the registry's "expiring"), and again when 7 days
                              are left: to the partner's contact, copied to the agency's
                              privacy officers; a new certification ends the series
    subject_notice.due        a notice the law requires the agency to send the person whose
                              records were asked for (New York, Illinois, Massachusetts):
                              to the clerks the day before it falls due, then every day
                              it is overdue, the privacy officers copied
    notice.unacknowledged     a partner that has acknowledged no notice, 14 days after
                              its latest notice was sent, then every 14 days: to the
                              partner's contact, copied to the privacy officers; a
                              re-sent notice starts the count again

A reminder to a partner with no contact email goes to the privacy officers alone, who
reach the partner some other way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch
from django.urls import reverse
from django.utils import timezone

from custodiet.accounts.models import Agency, Role
from custodiet.cases.letters import long_date
from custodiet.cases.models import Case, NoticeAction, State, SubjectNotice
from custodiet.partners.models import Notice, Partner
from custodiet.partners.registry import EXPIRING, EXPIRING_WITHIN_DAYS, rows, unacknowledged
from custodiet.records.models import RequestRecord
from custodiet.reminders.models import SentReminder

# How often an overdue approval is reminded of.
APPROVAL_EVERY_DAYS = 7
# A certification is reminded of when it enters the registry's "expiring" standing, and
# again this many days before it lapses.
CERTIFICATION_FINAL_DAYS = 7
# How long a partner has to acknowledge a notice before it is reminded, and how often.
NOTICE_EVERY_DAYS = 14


@dataclass(frozen=True)
class Reminder:
    kind: str
    object_id: int
    period: dt.date
    to: tuple[str, ...]
    subject: str
    body: str
    # What it is about, for the command's output: an id or a partner, never a resident.
    about: str
    # The agency's people kept informed of a reminder to a partner, and whom it answers.
    cc: tuple[str, ...] = ()
    reply_to: tuple[str, ...] = ()
    # The request it concerns, if any: its event is filed under that request.
    request: RequestRecord | None = None

    @property
    def key(self) -> tuple[str, int, dt.date]:
        return (self.kind, self.object_id, self.period)

    @property
    def recipients(self) -> tuple[str, ...]:
        return self.to + self.cc


Finder = Callable[[dt.date], Iterable[Reminder]]
FINDERS: dict[str, Finder] = {}


def finder(kind: str) -> Callable[[Finder], Finder]:
    """Register a finder for the reminders of this kind."""

    def register(function: Finder) -> Finder:
        if kind in FINDERS:
            raise ValueError(f"two finders for reminder kind {kind!r}")
        FINDERS[kind] = function
        return function

    return register


def repeat_period(start: dt.date, today: dt.date, every: int) -> dt.date | None:
    """The first day of the `every`-day span that `today` falls in, counting from `start`.

    None before `start`. A run on any day of a span finds the same period, so a day the
    scheduler missed is caught up by the next run rather than skipped.
    """
    days = (today - start).days
    if days < 0:
        return None
    return start + dt.timedelta(days=days - days % every)


def case_link(case: Case) -> str:
    return settings.CUSTODIET_BASE_URL.rstrip("/") + reverse("case", args=[case.request.public_id])


class Addresses(dict[int, tuple[str, ...]]):
    """The email addresses of each agency's active members in one role, read once per run."""

    def __init__(self, role: Role) -> None:
        super().__init__()
        self.role = role

    def __missing__(self, agency_id: int) -> tuple[str, ...]:
        found = Agency.objects.get(pk=agency_id).members.filter(
            role=self.role, user__is_active=True
        )
        self[agency_id] = tuple(
            sorted(address for address in found.values_list("user__email", flat=True) if address)
        )
        return self[agency_id]


def to_partner(partner: Partner, officers: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """To the partner's contact, the privacy officers copied and answered; or to them alone."""
    if partner.contact_email:
        return {"to": (partner.contact_email,), "cc": officers, "reply_to": officers}
    return {"to": officers}


def _no_contact(partner: Partner) -> str:
    if partner.contact_email:
        return ""
    return (
        f"(To the privacy officers: the registry holds no email address for {partner.name}; "
        "please pass this on.)\n\n"
    )


@finder("approval.overdue")
def overdue_approvals(today: dt.date) -> Iterable[Reminder]:
    cases = Case.objects.filter(state=State.AWAITING_APPROVAL, due_on__lt=today).select_related(
        "request"
    )
    supervisors = Addresses(Role.SUPERVISOR)
    for case in cases:
        period = repeat_period(case.due_on + dt.timedelta(days=1), today, APPROVAL_EVERY_DAYS)
        assert period is not None  # due_on < today
        record = case.request
        late = (today - case.due_on).days
        yield Reminder(
            kind="approval.overdue",
            object_id=case.pk,
            period=period,
            to=supervisors[case.agency_id],
            subject=f"Overdue: {record.public_id} still awaits your approval",
            body=(
                f"A request for personal information still awaits a supervisor's approval, "
                f"and its answer is overdue.\n\n"
                f"Request: {record.public_id}\nFrom: {record.requester_organization}\n"
                f"Answer was due: {long_date(case.due_on, 'en')} ({late} day{'s' if late != 1 else ''} ago)\n\n"
                f"{case_link(case)}\n\n"
                f"This reminder repeats every {APPROVAL_EVERY_DAYS} days while the request waits.\n"
            ),
            about=f"case {record.public_id}",
            request=record,
        )


@finder("subject_notice.due")
def subject_notices_due(today: dt.date) -> Iterable[Reminder]:
    """A notice the law requires the agency to send the person, the day before it falls
    due, and every day it is overdue: to the agency's clerks, the privacy officers copied
    once it is late. It names the request, never the person."""
    notices = (
        SubjectNotice.objects.filter(due_on__lte=today + dt.timedelta(days=1))
        .filter(~Exists(NoticeAction.objects.filter(notice=OuterRef("pk"))))
        .select_related("case__request")
    )
    clerks, officers = Addresses(Role.CLERK), Addresses(Role.PRIVACY_OFFICER)
    for notice in notices:
        case, record = notice.case, notice.case.request
        late = (today - notice.due_on).days
        if late <= 0:
            period, when = (
                notice.due_on - dt.timedelta(days=1),
                ("today" if late == 0 else "tomorrow"),
            )
            subject = f"Notice to the person due {when}: request {record.public_id}"
            cc: tuple[str, ...] = ()
        else:
            period = today
            when = f"{late} day{'s' if late != 1 else ''} ago"
            subject = f"Overdue: the notice to the person for request {record.public_id}"
            cc = officers[case.agency_id]
        yield Reminder(
            kind="subject_notice.due",
            object_id=notice.pk,
            period=period,
            to=clerks[case.agency_id] or officers[case.agency_id],
            cc=cc,
            subject=subject,
            body=(
                "The law requires the agency to tell the person whose records were asked for "
                f"that the request was made, and by whom ({notice.citation}, within "
                f"{notice.period}).\n\n"
                f"Request: {record.public_id}\nFrom: {record.requester_organization}\n"
                f"Notice due: {long_date(notice.due_on, 'en')} ({when})\n\n"
                f"{case_link(case)}\n\n"
                "Send it from the case page: look up the person's address of record, issue "
                "the notice and record how it went out.\n"
            ),
            about=f"case {record.public_id}, notice {notice.position + 1}",
            request=record,
        )


@finder("certification.expiring")
def expiring_certifications(today: dt.date) -> Iterable[Reminder]:
    officers = Addresses(Role.PRIVACY_OFFICER)
    for row in rows(Partner.objects.select_related("agency"), today):
        if row.standing != EXPIRING:
            continue
        assert row.certification is not None and row.valid_through is not None
        assert row.days_left is not None
        # The period is the first day of the window the certification is in: the last 30
        # days, or the last 7.
        lead = (
            CERTIFICATION_FINAL_DAYS
            if row.days_left < CERTIFICATION_FINAL_DAYS
            else EXPIRING_WITHIN_DAYS
        )
        partner, agency = row.partner, row.partner.agency.name
        signed = row.certification.signed_on
        last = row.valid_through
        yield Reminder(
            kind="certification.expiring",
            object_id=row.certification.pk,
            period=last - dt.timedelta(days=lead - 1),
            **to_partner(partner, officers[partner.agency_id]),
            subject=(
                f"{partner.name}: certification under C.R.S. 24-74-105 lapses after "
                f"{long_date(last, 'en')} / La certificación vence después del "
                f"{long_date(last, 'es')}"
            ),
            body=(
                _no_contact(partner)
                + f"{partner.name}'s certification under C.R.S. 24-74-105, signed on "
                f"{long_date(signed, 'en')}, covers requests to {agency} received through "
                f"{long_date(last, 'en')}. After that day, {agency} cannot give "
                f"{partner.name} access to personal identifying information through its "
                "databases until a new certification is signed.\n\n"
                "To keep that access, please sign a new certification, under penalty of "
                f"perjury, that {partner.name} will not use the information for federal "
                "immigration enforcement nor disclose it to anyone who will, and return it "
                f"to {agency}.\n\n---\n\n"
                f"La certificación de {partner.name} conforme a C.R.S. 24-74-105, firmada el "
                f"{long_date(signed, 'es')}, ampara las solicitudes recibidas por {agency} "
                f"hasta el {long_date(last, 'es')}. A partir del día siguiente, {agency} no "
                f"podrá dar a {partner.name} acceso a información de identificación "
                "personal a través de sus bases de datos hasta que se firme una nueva "
                "certificación.\n\n"
                "Para conservar ese acceso, firme una nueva certificación, bajo pena de "
                f"perjurio, de que {partner.name} no usará la información para la aplicación "
                "de las leyes federales de inmigración ni la comunicará a nadie que lo haga, "
                f"y envíela a {agency}.\n"
            ),
            about=f"{partner.name} (certification valid through {last})",
        )


@finder("notice.unacknowledged")
def unacknowledged_notices(today: dt.date) -> Iterable[Reminder]:
    officers = Addresses(Role.PRIVACY_OFFICER)
    latest_first = Notice.objects.defer("pdf").order_by("-sequence")
    for agency in Agency.objects.all():
        partners = unacknowledged(agency).prefetch_related(
            Prefetch("notices", queryset=latest_first, to_attr="latest_first")
        )
        for partner in partners:
            sent = [n for n in partner.latest_first if timezone.localdate(n.sent_at) <= today]
            if not sent:
                continue
            notice = sent[0]
            sent_on = timezone.localdate(notice.sent_at)
            period = repeat_period(
                sent_on + dt.timedelta(days=NOTICE_EVERY_DAYS), today, NOTICE_EVERY_DAYS
            )
            if period is None:
                continue
            reference = notice.reference
            yield Reminder(
                kind="notice.unacknowledged",
                object_id=notice.pk,
                period=period,
                **to_partner(partner, officers[agency.pk]),
                subject=(
                    f"Please acknowledge notice {reference} / "
                    f"Le rogamos acusar recibo del aviso {reference}"
                ),
                body=(
                    _no_contact(partner)
                    + f"On {long_date(sent_on, 'en')}, {agency.name} sent {partner.name} "
                    f"restriction notice {reference}, which says how information from "
                    f"{agency.name} may be used: only for criminal investigations, never for "
                    "federal immigration enforcement, and never passed on to anyone for that "
                    f"purpose. {agency.name} has not yet received an acknowledgment.\n\n"
                    f"Please acknowledge it: reply to this email giving the notice number "
                    f"{reference}, or sign the notice and return a copy.\n\n---\n\n"
                    f"El {long_date(sent_on, 'es')}, {agency.name} envió a {partner.name} el "
                    f"aviso de restricción {reference}, que indica cómo puede usarse la "
                    f"información de {agency.name}: solo para investigaciones penales, nunca "
                    "para la aplicación de las leyes federales de inmigración, y sin "
                    f"transmitirla a nadie con ese fin. {agency.name} aún no ha recibido el "
                    "acuse de recibo.\n\n"
                    "Le rogamos acusar recibo: responda a este correo indicando el número de "
                    f"aviso {reference}, o firme el aviso y devuelva una copia.\n"
                ),
                about=f"{partner.name} (notice {reference})",
            )


def due(today: dt.date) -> list[Reminder]:
    """Every reminder due on `today` that has not been sent, by kind, then as found."""
    found = [reminder for kind in sorted(FINDERS) for reminder in FINDERS[kind](today)]
    sent = set(
        SentReminder.objects.filter(
            kind__in={reminder.kind for reminder in found},
            object_id__in={reminder.object_id for reminder in found},
            period__in={reminder.period for reminder in found},
        ).values_list("kind", "object_id", "period")
    )
    return [reminder for reminder in found if reminder.key not in sent]
