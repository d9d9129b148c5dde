"""Telling the person that an immigration agency asked for their records (`notify_subject`).

New York, Illinois and Massachusetts require it, each in its own words (the pack's
`[[notice]]`): within 3 days of the request, or 3 business days of the process, naming the
agency that asked. When a decision carries the obligation, the case opens one notice per
person the request names, with its last day counted by the pack's calendar and the
deployment's closing days. A clerk sends it, in English and Spanish, to the address of
record the clerk looks up (or the email the person chose), and the sending is recorded as
it happens; where the law excuses the notice (Massachusetts: it would impede a criminal
investigation), counsel records why instead. The queue shows each notice until it is met,
the reminders warn the day before it falls due, and the reports count those met late.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone

from custodiet.accounts.access import require
from custodiet.accounts.models import Agency
from custodiet.cases import letters
from custodiet.cases.models import Case, Delivery, NoticeAction, State, SubjectNotice
from custodiet.ledger import store
from custodiet.policy.packs import PackError, get_pack
from custodiet.records.models import Event

OPENED = "subject_notice.opened"
SENT = "subject_notice.sent"
EXCUSED = "subject_notice.excused"
LANGUAGES = ("en", "es")
# The shortest reason counsel may record for excusing a notice: a sentence, not a word.
REASON_MIN_LENGTH = 20


class NoticeError(ValueError):
    """A notice step that cannot be taken, in words the person can act on."""


def _record(case: Case, kind: str, by: AbstractBaseUser | str, payload: dict[str, Any]) -> Event:
    actor = by if isinstance(by, str) else by.get_username()
    event = Event.objects.create(
        request=case.request, kind=kind, actor=actor, at=timezone.now(), payload=payload
    )
    store.append([event])
    return event


def open_notices(case: Case, decision: dict[str, Any], by: AbstractBaseUser) -> list[SubjectNotice]:
    """Open the case's notices when its decision (as recorded) requires telling the person,
    with the last day the pack's law allows. Called inside the transaction that opens the
    case."""
    if "notify_subject" not in decision.get("obligations", []) or case.subject_notices.exists():
        return []
    planned = plan_notices(case, decision)
    if planned is None:
        return []
    notices, payload = planned
    opened: list[SubjectNotice] = SubjectNotice.objects.bulk_create(notices)
    _record(case, OPENED, by, payload)
    return opened


def plan_notices(
    case: Case, decision: dict[str, Any]
) -> tuple[list[SubjectNotice], dict[str, Any]] | None:
    """The notices (unsaved) a new case opens when its decision requires telling the
    person, and the payload of their `subject_notice.opened` event; None when it does not.
    The caller saves both in the transaction that opens the case (`open_notices`, or
    `custodiet.cases.actions.take_in_decided` for many cases at once)."""
    if "notify_subject" not in decision.get("obligations", []):
        return None
    try:
        pack = get_pack(decision.get("policy", {}).get("pack", ""))
    except PackError:
        return None
    received_on = pack.received_on_date(case.request.received_at)
    # The law that asks for the notice is the law the decision was made under: a request
    # decided again on the day of release under a law that came since owes it from then.
    try:
        as_of = dt.date.fromisoformat(str(decision.get("policy", {}).get("as_of")))
    except ValueError:
        as_of = received_on
    received_on = max(received_on, as_of)
    duty = pack.notice_on(received_on)
    if duty is None:
        # A pack that asks for the obligation states when; one that does not is read as
        # New York's rule, the strictest: three days.
        due_on, period, citation = received_on + dt.timedelta(days=3), "3 days", "the policy pack"
        exception, before_release = "", False
    else:
        due_on = pack.notice_due(received_on, settings.CUSTODIET_CLOSING_DAYS) or received_on
        period, citation = duty.period, duty.citation
        exception, before_release = duty.exception, duty.before_release
    subjects = case.request.payload.get("subjects") or [{}]
    notices = [
        SubjectNotice(
            case=case,
            position=position,
            subject=(subject.get("name") or "")[:300],
            due_on=due_on,
            citation=citation,
            period=period,
            exception=exception,
            before_release=before_release,
        )
        for position, subject in enumerate(subjects)
    ]
    payload = {
        "subject_notice": {
            "notices": len(notices),
            "due_on": due_on.isoformat(),
            "period": period,
            "citation": citation,
            "before_release": before_release,
        }
    }
    return notices, payload


def _day(moment: dt.datetime) -> dt.date:
    """The date of `moment` on the calendar of the law that set the due dates (the pack's
    time zone), so that "on time" and "overdue" are counted as the state counts them."""
    zone = get_pack(settings.CUSTODIET_POLICY_PACK).zone
    return timezone.localdate(moment, zone) if zone else timezone.localdate(moment)


def today() -> dt.date:
    return _day(timezone.now())


@dataclass(frozen=True)
class Standing:
    """Where a notice stands today, for the case page and the queue."""

    met: bool
    overdue: bool
    words: str
    action: NoticeAction | None


def standing(notice: SubjectNotice, on: dt.date | None = None) -> Standing:
    on = on or today()
    actions = list(notice.actions.all())
    done = actions[-1] if actions else None
    if done is not None and done.kind == NoticeAction.Kind.EXCUSED:
        return Standing(True, False, "Excused by counsel", done)
    if done is not None:
        late = _day(done.at) > notice.due_on
        return Standing(True, False, "Sent late" if late else "Sent", done)
    if on > notice.due_on:
        days = (on - notice.due_on).days
        return Standing(False, True, f"Overdue by {days} day{'s' if days != 1 else ''}", None)
    return Standing(False, False, "Not sent yet", None)


def waiting(agency: Agency) -> QuerySet[SubjectNotice]:
    """The agency's notices nobody has sent or excused, soonest due first."""
    return (
        SubjectNotice.objects.filter(case__agency=agency)
        .filter(~Exists(NoticeAction.objects.filter(notice=OuterRef("pk"))))
        .select_related("case__request")
        .order_by("due_on", "id")
    )


def unmet_before_release(case: Case) -> list[SubjectNotice]:
    """The notices that must go before anything is released and have not (Massachusetts)."""
    return list(
        case.subject_notices.filter(before_release=True).filter(
            ~Exists(NoticeAction.objects.filter(notice=OuterRef("pk")))
        )
    )


# Sending and excusing ---------------------------------------------------------------------


def send(notice: SubjectNotice, *, by: AbstractBaseUser, method: str, to: str) -> NoticeAction:
    """Issue the notice letters (English and Spanish) and record how they went out.

    `to` is the address of record the clerk looked up, or the email address the person
    chose, or whom it was handed to. By email the letters are sent here, attached; a mail
    server that refuses them leaves nothing recorded.
    """
    require(by, "can_close")
    if method not in Delivery.Method.values:
        raise NoticeError("choose how the notice went out: email, mail or by hand")
    to = to.strip()
    if not to:
        raise NoticeError(
            "give the person's address of record, the email they chose, or who received it"
        )
    if method == Delivery.Method.EMAIL:
        try:
            validate_email(to)
        except ValidationError:
            raise NoticeError(f"{to} is not an email address") from None
    # The letters are laid out before the transaction: nothing waits on WeasyPrint.
    address = to if method == Delivery.Method.MAIL else ""
    pdfs = {language: render(notice, language, address=address) for language in LANGUAGES}
    with transaction.atomic():
        notice = (
            SubjectNotice.objects.select_for_update()
            .select_related("case__agency")
            .get(pk=notice.pk)
        )
        case = notice.case
        if notice.actions.exists():
            raise NoticeError("this notice was sent or excused already")
        action = NoticeAction.objects.create(
            notice=notice,
            kind=NoticeAction.Kind.SENT,
            method=method,
            to=to,
            letter_en=pdfs["en"],
            letter_es=pdfs["es"],
            sha256=[hashlib.sha256(pdf).hexdigest() for pdf in pdfs.values()],
            by=by,
        )
        if method == Delivery.Method.EMAIL:
            # Before the ledger entry: a refused message rolls everything back, and the
            # ledger's append lock (held from the entry to the commit) never waits on it.
            _email(notice, pdfs, to)
        _record(
            case,
            SENT,
            by,
            {
                "subject_notice": {
                    "position": notice.position,
                    "due_on": notice.due_on.isoformat(),
                    "on_time": today() <= notice.due_on,
                },
                "delivery": {
                    "method": method,
                    "letter_sha256": action.sha256,
                    "language": list(LANGUAGES),
                    "to": to,
                },
            },
        )
    return action


def excuse(notice: SubjectNotice, *, by: AbstractBaseUser, reason: str) -> NoticeAction:
    """Counsel records why the law excuses this notice; only where the pack's law allows it."""
    require(by, "can_decide_legal_review")
    reason = " ".join(reason.split())
    if len(reason) < REASON_MIN_LENGTH:
        raise NoticeError("write why the law excuses the notice, in a sentence")
    with transaction.atomic():
        notice = SubjectNotice.objects.select_for_update().select_related("case").get(pk=notice.pk)
        if not notice.exception:
            raise NoticeError(
                f"the law behind this notice ({notice.citation}) excuses no notice: it must be sent"
            )
        if notice.actions.exists():
            raise NoticeError("this notice was sent or excused already")
        action = NoticeAction.objects.create(
            notice=notice, kind=NoticeAction.Kind.EXCUSED, reason=reason, by=by
        )
        _record(
            notice.case,
            EXCUSED,
            by,
            {
                "subject_notice": {
                    "position": notice.position,
                    "due_on": notice.due_on.isoformat(),
                },
                "reason": reason,
            },
        )
    return action


def _email(notice: SubjectNotice, pdfs: dict[str, bytes], to: str) -> None:
    case = notice.case
    agency, public_id = case.agency, case.request.public_id
    message = EmailMessage(
        subject=f"A request for your records, {agency.name}",
        body=(
            f"{agency.name} tells you, as the law requires, that your records were asked "
            "for. The letter is attached, in English and in Spanish.\n\n"
            f"{agency.name} le informa, como exige la ley, que se pidieron sus registros. "
            "La carta va adjunta, en inglés y en español.\n\n"
            + "\n".join(line for line in [agency.name, agency.address, agency.phone] if line)
            + "\n"
        ),
        to=[to],
        reply_to=[agency.email] if agency.email else None,
    )
    for language, pdf in pdfs.items():
        message.attach(f"{public_id}-notice-{language}.pdf", pdf, "application/pdf")
    try:
        message.send()
    except (OSError, ValueError) as error:
        raise NoticeError(
            f"the email to {to} could not be sent ({error}); nothing is recorded as sent"
        ) from None


# The letter -------------------------------------------------------------------------------

ANSWER = {
    "en": {
        State.REFUSED: "We refused it.",
        State.TO_REFUSE: "We are refusing it.",
        State.RELEASED: "We answered it as the law allows.",
        State.WITH_COUNSEL: "Our legal counsel is reviewing it. Nothing has been given.",
    },
    "es": {
        State.REFUSED: "La rechazamos.",
        State.TO_REFUSE: "Vamos a rechazarla.",
        State.RELEASED: "La respondimos en la medida en que la ley lo permite.",
        State.WITH_COUNSEL: "Nuestro asesor jurídico la está revisando. No se ha entregado nada.",
    },
}
NOT_YET = {
    "en": "We have not answered it yet.",
    "es": "Todavía no la hemos respondido.",
}


def render(
    notice: SubjectNotice, language: str, *, address: str = "", preview: bool = False
) -> bytes:
    """The notice to the person, as a tagged PDF: who asked, when, for what, on what
    process, and what the agency has done so far."""
    if language not in LANGUAGES:
        raise ValueError(f"no notices in {language!r}; use one of: {', '.join(LANGUAGES)}")
    case = notice.case
    record = case.request
    request = record.payload
    zone = letters.agency_zone(case)
    requester = request.get("requester", {})
    context: dict[str, Any] = {
        "language": language,
        "agency": case.agency.name,
        "request_id": record.public_id,
        "issued_on": letters.long_date(timezone.localdate(timezone.now(), zone), language),
        "issued_iso": timezone.localdate(timezone.now(), zone).isoformat(),
        "received_on": letters.long_date(timezone.localdate(record.received_at, zone), language),
        # The letter is addressed to the person, not to the requester.
        "requester_name": notice.subject,
        "requester_organization": "",
        "requester_address": letters.address_lines(address),
        "subject_names": [notice.subject] if notice.subject else [],
        "asked_by": ", ".join(
            part for part in (requester.get("organization"), requester.get("component")) if part
        ),
        "records_requested": letters.record_words(request.get("records_requested", []), language),
        "documents": letters.document_names(request, language),
        "citation": notice.citation,
        "answer": ANSWER[language].get(case.state, NOT_YET[language]),
        "agency_address": letters.address_lines(case.agency.address),
        "agency_email": case.agency.email,
        "agency_phone": case.agency.phone,
        "contact": {},
    }
    if preview:
        context |= {"preview": True, "preview_mark": letters.PREVIEW_MARK[language]}
    html = render_to_string(f"cases/letters/subject_notice.{language}.html", context)
    identifier = f"custodiet:{record.public_id}:notice-{notice.position}:{language}"
    return letters.write_pdf(html, identifier + (":preview" if preview else ""))


@dataclass(frozen=True)
class NoticeCounts:
    """How the agency met its duty to tell people, over a set of requests: figures only."""

    owed: int
    on_time: int
    late: int
    excused: int
    waiting: int
    overdue: int


def counts(requests: QuerySet[Any], on: dt.date | None = None) -> NoticeCounts:
    """The notices owed for these requests (the log's filter), and how each stands today."""
    on = on or today()
    on_time = late = excused = waiting = overdue = 0
    notices = SubjectNotice.objects.filter(case__request__in=requests).prefetch_related("actions")
    for notice in notices:
        now = standing(notice, on)
        if now.action is not None and now.action.kind == NoticeAction.Kind.EXCUSED:
            excused += 1
        elif now.met:
            late += now.words == "Sent late"
            on_time += now.words != "Sent late"
        else:
            waiting += 1
            overdue += now.overdue
    owed = on_time + late + excused + waiting
    return NoticeCounts(owed, on_time, late, excused, waiting, overdue)
