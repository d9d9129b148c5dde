"""Every change to a case: take in, counsel's decision, approval, send back, release, refusal,
and the steps some decisions require before release.

Each action takes the acting person as `by`, checks that the case may move that way and
that this person may move it, then writes the change, its event and the event's ledger
entry in one transaction. The rules of the workflow live here, once:

    outcome eligible      -> awaiting_approval (supervisors are emailed first)
    outcome legal_review  -> with_counsel -> awaiting_approval | to_refuse
    outcome refuse        -> to_refuse -> refused (refusal letter)
    awaiting_approval     -> approved -> released (release package) | sent_back
    sent_back             -> awaiting_approval | to_refuse
    approved              -> with_counsel, when the law in force on the day of release
                             does not allow the release as approved (decided again)
    any open state        -> to_refuse, when the Governor's office does not approve
    released | refused    -> its letters delivered: emailed, mailed or handed over, each
                             recorded as it happens (a case stays closed)

Nobody approves a request they took in or decided. Nothing is released while a step the
decision requires (`STEPS`) is unrecorded, nor that the law in force that day forbids.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage, send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from custodiet.accounts.access import require
from custodiet.accounts.models import Agency, Role
from custodiet.cases import letters, subject_notices
from custodiet.cases.models import (
    OPEN_STATES,
    Case,
    Delivery,
    Document,
    Letter,
    State,
    SubjectNotice,
)
from custodiet.cases.notices import tell_the_clerk
from custodiet.ledger import store
from custodiet.policy.model import Decision, Request, RequestError
from custodiet.records.actions import (
    Decided,
    RecordError,
    decide_again,
    decide_each,
    intake_events,
    record_decision,
    store_decided,
)
from custodiet.records.models import Event

LANGUAGES = ("en", "es")


class WorkflowError(ValueError):
    """The case cannot move that way now; nothing was changed."""


class NotReleased(Exception):
    """The law in force on the day of release does not allow the release as approved.

    Raised once the transaction has committed: the new decision, its event and the case's
    return to counsel are kept. The message says why, in plain words.
    """

    def __init__(self, case: Case, message: str) -> None:
        super().__init__(message)
        self.case = case


@dataclass(frozen=True)
class Step:
    """An obligation of a decision that a person meets by recording what was done."""

    # What it is, as the sentence "record ... before anything is released" needs it.
    what: str
    # The Membership property of the people who record it.
    capability: str
    # The details its event holds, each required.
    fields: tuple[str, ...]
    # Short notes of what was seen, which must never copy a document's number.
    notes: tuple[str, ...] = ()
    # The answer may be no (`approved` false): then the case is to be refused.
    may_refuse: bool = False
    # A copy of the process must be on file with the case once it is recorded.
    keeps_process: bool = False


# The contract's obligations (1.1) that only a person can meet. The workflow meets the
# others itself: log_request by the ledger, supervisor_notice by the email every approval
# waits for, use_restriction_notice by the release package, verify_certification by the
# partner registry's certification the decision is made on. notify_subject is a task of
# its own (`subject_notices`): it is owed whatever the outcome, even on a refused case.
STEPS = {
    "verify_identity": Step(
        what="the check of the requester's identity",
        capability="can_take_in",
        fields=("document_seen",),
        notes=("document_seen",),
    ),
    "record_officer": Step(
        what="the lead officer's name, agency and badge number",
        capability="can_take_in",
        fields=("officer_name", "officer_agency", "badge_number"),
        keeps_process=True,
    ),
    "governor_review": Step(
        what="the Governor's office's review of the subpoena",
        capability="can_record_governor_review",
        fields=("approved", "answered_on", "reference"),
        may_refuse=True,
    ),
}
OBLIGATION_RECORDED = "obligation.recorded"
NOTIFIED = "supervisor.notified"
REDECIDED = "request.redecided"
# Six digits or more, spaces and dashes between them allowed: a license or passport
# number, not the kind of document or its expiry year.
_DOCUMENT_NUMBER = re.compile(r"(?:\d[\s-]?){6,}")


def looks_like_a_document_number(note: str) -> bool:
    return _DOCUMENT_NUMBER.search(note) is not None


def current_decision(case: Case) -> dict[str, Any]:
    """The decision in force on the case: the latest one recorded for its request."""
    row = case.request.decisions.order_by("-id").first()
    return row.payload if row is not None else {}


def recorded_steps(case: Case) -> set[str]:
    """The steps recorded on the case, whatever the answer: a "not approved" from the
    Governor's office is recorded once and sends the case to be refused."""
    return set(
        case.request.events.filter(kind=OBLIGATION_RECORDED).values_list(
            "payload__obligation", flat=True
        )
    )


def outstanding(case: Case) -> list[str]:
    """The steps the decision in force requires that nobody has recorded yet, in its order."""
    recorded = recorded_steps(case)
    return [
        name
        for name in current_decision(case).get("obligations", [])
        if name in STEPS and name not in recorded
    ]


def _counsel_released(case: Case) -> bool:
    last = case.request.events.filter(kind="counsel.decided").order_by("-id").first()
    return last is not None and last.payload.get("release") is True


def _and(items: Sequence[str]) -> str:
    return ", ".join(items[:-1]) + f" and {items[-1]}" if len(items) > 1 else "".join(items)


def _long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


@dataclass(frozen=True)
class Upload:
    filename: str
    content: bytes
    text: str


def _record(case: Case, kind: str, by: AbstractBaseUser, payload: dict[str, Any]) -> Event:
    event = Event.objects.create(
        request=case.request, kind=kind, actor=by.get_username(), at=timezone.now(), payload=payload
    )
    store.append([event])
    return event


def _move(case: Case, to: State, *fields: str) -> None:
    case.state = to
    case.save(update_fields=["state", "updated_at", *fields])


def _expect(case: Case, *states: State) -> None:
    if case.state not in states:
        allowed = " or ".join(State(state).label.lower() for state in states)
        raise WorkflowError(
            f"case {case.request.public_id} is {case.get_state_display().lower()}, not {allowed}"
        )


def supervisor_addresses(agency: Agency) -> list[str]:
    """The email addresses of the agency's active supervisors: who is told before anything
    is released."""
    supervisors = agency.members.filter(role=Role.SUPERVISOR, user__is_active=True).values_list(
        "user__email", flat=True
    )
    return [address for address in supervisors if address]


def no_supervisor(agency: Agency) -> WorkflowError:
    """What stops a case that awaits approval from opening: nobody to tell."""
    return WorkflowError(f"{agency.name} has no supervisor with an email address to notify")


def _email_supervisors(cases: Sequence[Case], recipients: list[str]) -> None:
    """One message to the supervisors, whatever the number of cases that await them."""
    base = settings.CUSTODIET_BASE_URL.rstrip("/")
    if len(cases) == 1:
        [case] = cases
        record = case.request
        subject = f"Approval needed: {record.public_id} from {record.requester_organization}"
        message = (
            f"A request for personal information awaits your approval before anything is released.\n\n"
            f"Request: {record.public_id}\nFrom: {record.requester_organization}\n"
            f"Records: {', '.join(record.payload.get('records_requested', []))}\n"
            f"Answer due: {case.due_on:%B %d, %Y}\n\n"
            f"{base + reverse('case', args=[record.public_id])}\n"
        )
    else:
        subject = f"Approval needed: {len(cases)} requests"
        listed = "".join(
            f"Request: {case.request.public_id}\nFrom: {case.request.requester_organization}\n"
            f"Records: {', '.join(case.request.payload.get('records_requested', []))}\n"
            f"Answer due: {case.due_on:%B %d, %Y}\n"
            f"{base + reverse('case', args=[case.request.public_id])}\n\n"
            for case in cases
        )
        message = (
            f"{len(cases)} requests for personal information, received together, await your "
            f"approval before anything is released.\n\n{listed}"
        )
    send_mail(subject=subject, message=message, from_email=None, recipient_list=recipients)


def _notify_supervisors(case: Case, by: AbstractBaseUser) -> None:
    """Email every supervisor of the agency; the approval waits for this notice."""
    recipients = supervisor_addresses(case.agency)
    if not recipients:
        raise no_supervisor(case.agency)
    _email_supervisors([case], recipients)
    case.supervisor_notified_at = timezone.now()
    _move(case, State.AWAITING_APPROVAL, "supervisor_notified_at")
    _record(case, NOTIFIED, by, {"to_state": case.state, "recipients": len(recipients)})


def _documents(case: Case, uploads: Sequence[Upload], by: AbstractBaseUser) -> list[Document]:
    return [
        Document.objects.create(
            case=case,
            filename=upload.filename,
            sha256=hashlib.sha256(upload.content).hexdigest(),
            content=upload.content,
            text=upload.text,
            uploaded_by=by,
        )
        for upload in uploads
    ]


def take_in(
    request: Request, *, by: AbstractBaseUser, agency: Agency, uploads: Sequence[Upload] = ()
) -> Case:
    """Record a request, decide it, and open its case in the state the decision calls for."""
    [decided] = decide_each([request], agency)
    if isinstance(decided, RequestError):
        raise decided
    return take_in_decided([decided], by=by, agency=agency, uploads=[uploads])[0]


def opening_state(decision: Decision) -> State:
    """The state a case opens in: refused, with counsel, or awaiting a supervisor."""
    return {"refuse": State.TO_REFUSE, "legal_review": State.WITH_COUNSEL}.get(
        decision.outcome, State.AWAITING_APPROVAL
    )


def take_in_decided(
    decided: Sequence[Decided],
    *,
    by: AbstractBaseUser,
    agency: Agency,
    uploads: Sequence[Sequence[Upload]] = (),
    also: Callable[[list[Case]], object] | None = None,
) -> list[Case]:
    """Record requests `agency` admitted and decided (`decide_each`), and open each one's
    case in the state its decision calls for: all or nothing, in one transaction.

    Each request gets the rows, events and ledger entries `take_in` gives one request, in
    the same order (received, decided, case opened, notices opened, supervisors notified),
    the requests one after another in the ledger. The supervisors get one email for all
    the cases that await their approval. `uploads[i]` are the documents of request i.
    `also(cases)`, when given, writes the caller's own rows about the new cases (the API's
    stored answers) in the same transaction, before the email goes out and before the
    ledger's append lock is taken.

    Raises RecordError for an id given twice or already recorded (also when a concurrent
    call takes it first), and WorkflowError when cases await approval and no supervisor
    can be told; nothing is written then.
    """
    actor = by.get_username()
    try:
        with transaction.atomic():
            received = timezone.now()
            recorded = store_decided(decided, agency=agency)
            cases: list[Case] = Case.objects.bulk_create(
                [
                    Case(
                        request=item.request,
                        agency=agency,
                        state=opening_state(given.decision),
                        taken_in_by=by,
                        due_on=timezone.localdate(item.request.received_at)
                        + dt.timedelta(days=agency.answer_within_days),
                    )
                    for item, given in zip(recorded, decided, strict=True)
                ]
            )
            documents = [
                _documents(case, uploads[index] if index < len(uploads) else (), by)
                for index, case in enumerate(cases)
            ]
            planned = [
                subject_notices.plan_notices(case, item.decision.payload)
                for case, item in zip(cases, recorded, strict=True)
            ]
            SubjectNotice.objects.bulk_create(
                [notice for plan in planned if plan is not None for notice in plan[0]]
            )
            if also is not None:
                also(cases)
            waiting = [case for case in cases if case.state == State.AWAITING_APPROVAL]
            recipients = supervisor_addresses(agency) if waiting else []
            if waiting:
                if not recipients:
                    raise no_supervisor(agency)
                # Before the ledger entries, inside the transaction: a message the mail
                # server refuses rolls everything back, and the ledger's append lock (held
                # from the first entry to the commit) never waits on a mail server.
                _email_supervisors(waiting, recipients)
            notified = timezone.now()
            events = []
            for case, item, files, plan in zip(cases, recorded, documents, planned, strict=True):
                events += intake_events(item, actor=actor, at=received)
                opened = {
                    "to_state": case.state,
                    "document_sha256": [document.sha256 for document in files],
                }
                events.append(_event(case, "case.opened", actor, received, opened))
                if plan is not None:
                    events.append(_event(case, subject_notices.OPENED, actor, received, plan[1]))
                if case.state == State.AWAITING_APPROVAL:
                    told = {"to_state": case.state, "recipients": len(recipients)}
                    events.append(_event(case, NOTIFIED, actor, notified, told))
            if waiting:
                Case.objects.filter(pk__in=[case.pk for case in waiting]).update(
                    supervisor_notified_at=notified, updated_at=notified
                )
                for case in waiting:
                    case.supervisor_notified_at = case.updated_at = notified
            store.append(Event.objects.bulk_create(events))
    except IntegrityError as exc:
        raise RecordError(f"could not record the requests: {exc}") from None
    return cases


def _event(case: Case, kind: str, actor: str, at: dt.datetime, payload: dict[str, Any]) -> Event:
    return Event(request=case.request, kind=kind, actor=actor, at=at, payload=payload)


def counsel_decide(case: Case, *, by: AbstractBaseUser, release: bool, reason: str) -> Case:
    require(by, "can_decide_legal_review")
    if not reason.strip():
        raise WorkflowError("counsel's decision needs its reason")
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        _expect(case, State.WITH_COUNSEL)
        decision = current_decision(case)
        if release and decision.get("outcome") == "refuse":
            # Only a request decided again before release can be here with a refusal; a
            # release now would be decided again, and refused, on the day of release.
            as_of = dt.date.fromisoformat(decision["policy"]["as_of"])
            raise WorkflowError(
                f"the law in force on {_long_date(as_of)} forbids this release; "
                "counsel can only refuse it"
            )
        case.decided_by = by
        case.counsel_reason = reason.strip()
        case.save(update_fields=["decided_by", "counsel_reason", "updated_at"])
        _record(case, "counsel.decided", by, {"release": release, "reason": reason.strip()})
        if release:
            _notify_supervisors(case, by)
        else:
            _move(case, State.TO_REFUSE)
        tell_the_clerk(case, "counsel_released" if release else "counsel_refused", by=by)
    return case


def approve(case: Case, *, by: AbstractBaseUser) -> Case:
    require(by, "can_approve")
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        _expect(case, State.AWAITING_APPROVAL)
        if by.pk in (case.taken_in_by_id, case.decided_by_id):
            raise PermissionDenied("nobody approves a request they took in or decided")
        if case.supervisor_notified_at is None:
            raise WorkflowError("no supervisor was notified of this request")
        case.approved_by = by
        _move(case, State.APPROVED, "approved_by")
        _record(case, "supervisor.approved", by, {"to_state": case.state})
        tell_the_clerk(case, "approved", by=by)
    return case


def send_back(case: Case, *, by: AbstractBaseUser, reason: str) -> Case:
    require(by, "can_approve")
    if not reason.strip():
        raise WorkflowError("say why the request is sent back")
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        _expect(case, State.AWAITING_APPROVAL)
        if by.pk in (case.taken_in_by_id, case.decided_by_id):
            raise PermissionDenied(
                "nobody approves or sends back a request they took in or decided"
            )
        _move(case, State.SENT_BACK)
        _record(
            case, "supervisor.sent_back", by, {"to_state": case.state, "reason": reason.strip()}
        )
        tell_the_clerk(case, "sent_back", by=by)
    return case


def resubmit(case: Case, *, by: AbstractBaseUser, note: str) -> Case:
    require(by, "can_take_in")
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        _expect(case, State.SENT_BACK)
        _record(case, "case.resubmitted", by, {"note": note.strip()})
        _notify_supervisors(case, by)
    return case


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def record_obligation(
    case: Case,
    obligation: str,
    *,
    by: AbstractBaseUser,
    details: Mapping[str, Any],
    uploads: Sequence[Upload] = (),
) -> Case:
    """Record that a step the decision requires was taken (`STEPS`): the identity checked,
    the officer recorded, the Governor's office's answer. A "not approved" from the
    Governor's office sends the case to be refused.

    The event holds what was done, never a copy of what was seen: a note that carries a
    document's number is refused.
    """
    step = STEPS.get(obligation)
    if step is None:
        raise WorkflowError(f"{obligation} is not a step a person records")
    require(by, step.capability)
    missing = [name for name in step.fields if _blank(details.get(name))]
    if missing or set(details) - set(step.fields):
        raise WorkflowError(f"{step.what} needs exactly: {', '.join(step.fields)}")
    if any(looks_like_a_document_number(str(details[name])) for name in step.notes):
        raise WorkflowError("say what kind of document you saw, never its number")
    if step.may_refuse and not isinstance(details["approved"], bool):
        raise WorkflowError(f"{step.what} says whether it approved: true or false")
    if "answered_on" in details:
        try:
            answered = dt.date.fromisoformat(str(details["answered_on"]))
        except ValueError:
            raise WorkflowError("the date of the answer must be a date (YYYY-MM-DD)") from None
        if answered > timezone.localdate():
            raise WorkflowError("the date of the answer is after today")
    met = details["approved"] if step.may_refuse else True
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        _expect(case, *OPEN_STATES)
        if obligation not in outstanding(case):
            raise WorkflowError(
                f"{step.what} is not awaited on case {case.request.public_id}: the decision "
                "does not require it, or it is recorded already"
            )
        documents = _documents(case, uploads, by)
        if step.keeps_process and not case.documents.exists():
            raise WorkflowError("keep a copy of the process: upload it as a PDF with this step")
        payload: dict[str, Any] = {"obligation": obligation, "met": met, **details}
        if documents:
            payload["document_sha256"] = [document.sha256 for document in documents]
        if not met and case.state != State.TO_REFUSE:
            _move(case, State.TO_REFUSE)
            payload["to_state"] = case.state
        _record(case, OBLIGATION_RECORDED, by, payload)
    return case


def _issue(case: Case, kind: str, by: AbstractBaseUser) -> list[Letter]:
    issued = []
    for language in LANGUAGES:
        pdf = letters.render(case, kind, language)
        issued.append(
            Letter.objects.create(
                case=case,
                kind=kind,
                language=language,
                sha256=hashlib.sha256(pdf).hexdigest(),
                pdf=pdf,
                issued_by=by,
            )
        )
    return issued


def _not_allowed(case: Case, decision: Decision) -> list[str]:
    """Why `decision`, made today, does not allow the case's release as it was approved, in
    plain words; empty when it does."""
    counsel_released = _counsel_released(case)
    deciding = decision.reasons[0].citation if decision.reasons else "no rule in force decides it"
    why = []
    if decision.outcome == "refuse":
        why.append(f"that law forbids the release ({deciding})")
    elif decision.outcome == "legal_review" and not counsel_released:
        why.append(f"under that law counsel must review it first ({deciding})")
    else:
        approved = current_decision(case)
        records = list(approved.get("releasable_records", []))
        if counsel_released:
            records += approved.get("records_for_counsel", [])
        allowed = (
            decision.releasable_records
            if decision.outcome == "eligible"
            else decision.records_for_counsel
        )
        refused = [record for record in records if record not in allowed]
        if refused:
            citations = [
                item.citation for item in decision.withheld_records if item.record in refused
            ]
            cited = f" ({'; '.join(dict.fromkeys(citations))})" if citations else ""
            names = [record.replace("_", " ") for record in refused]
            why.append(f"that law withholds {_and(names)}{cited}")
    recorded = recorded_steps(case)
    required = [
        STEPS[name].what for name in decision.obligations if name in STEPS and name not in recorded
    ]
    if required:
        why.append(f"that law requires {_and(required)} first")
    return why


def release(case: Case, *, by: AbstractBaseUser) -> Case:
    """Decide the request again under the law in force today, and if that law allows the
    release as approved, issue the release package (with the use-restriction notice) and
    close the case.

    If it does not (it refuses, it wants counsel where counsel never released, it withholds
    a record that was approved, or it adds a step nobody recorded), nothing is released:
    the new decision is recorded with its event, the case goes back to counsel, who
    decides it under today's law, and `NotReleased` says why.
    """
    require(by, "can_close")
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        _expect(case, State.APPROVED)
        awaited = [STEPS[name].what for name in outstanding(case)]
        if awaited:
            raise WorkflowError(f"record {_and(awaited)} before anything is released")
        unsent = subject_notices.unmet_before_release(case)
        if unsent:
            raise WorkflowError(
                f"send the notice to the person before anything is released ({unsent[0].citation})"
            )
        try:
            decision = decide_again(case.request)
        except RequestError as error:
            # A request the contract no longer reads cannot be decided, so nothing goes out.
            raise WorkflowError(f"the recorded request cannot be decided again: {error}") from None
        as_of = decision.policy.as_of
        why = _not_allowed(case, decision)
        # A law in force today that asks to tell the person, where the first decision did
        # not: the notices open now, and one owed before release holds the release back.
        opened = subject_notices.open_notices(case, decision.to_dict(), by)
        if any(notice.before_release for notice in opened):
            why.append(f"that law requires telling the person first ({opened[0].citation})")
        if not why:
            issued = _issue(case, Letter.Kind.RELEASE, by)
            case.closed_at = timezone.now()
            _move(case, State.RELEASED, "closed_at")
            _record(
                case,
                "request.released",
                by,
                {
                    "to_state": case.state,
                    "document_sha256": [letter.sha256 for letter in issued],
                    "as_of": as_of.isoformat(),
                    "outcome": decision.outcome,
                },
            )
            return case
        case.approved_by = None
        _move(case, State.WITH_COUNSEL, "approved_by")
        record_decision(
            case.request,
            decision,
            actor=by.get_username(),
            kind=REDECIDED,
            details={"as_of": as_of.isoformat(), "to_state": case.state, "not_released": why},
        )
    raise NotReleased(
        case,
        f"Nothing was released. The request was decided again under the law in force today, "
        f"{_long_date(as_of)}, and {_and(why)}. It is back with counsel, who decides it "
        "under today's law.",
    )


def refuse(case: Case, *, by: AbstractBaseUser) -> Case:
    """Issue the refusal letter citing the law behind the decision, and close the case."""
    require(by, "can_close")
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        _expect(case, State.TO_REFUSE, State.SENT_BACK)
        issued = _issue(case, Letter.Kind.REFUSAL, by)
        case.closed_at = timezone.now()
        _move(case, State.REFUSED, "closed_at")
        _record(
            case,
            "request.refused",
            by,
            {"to_state": case.state, "document_sha256": [letter.sha256 for letter in issued]},
        )
    return case


# Delivery -------------------------------------------------------------------------------

DELIVERED = "letter.delivered"
# What a delivery needs in `to` when the request holds none.
_WHERE = {
    Delivery.Method.EMAIL: "an email address",
    Delivery.Method.MAIL: "a postal address",
    Delivery.Method.HAND: "who received it",
}


def previewable(case: Case) -> str | None:
    """The kind of letter the case would issue now, which may be previewed; None if none."""
    if case.state in (State.TO_REFUSE, State.SENT_BACK):
        return Letter.Kind.REFUSAL
    if case.state == State.APPROVED:
        return Letter.Kind.RELEASE
    return None


def deliver(case: Case, *, by: AbstractBaseUser, method: str, to: str = "") -> Delivery:
    """Record how the case's issued letters went out, as it happens.

    By email they are sent here, attached, to `to` or else the requester's email on the
    request; by mail `to` defaults to the requester's postal address; by hand it says who
    received them. A message the mail server refuses leaves nothing recorded, so the case
    never says a letter went out that did not.
    """
    require(by, "can_close")
    if method not in Delivery.Method.values:
        raise WorkflowError("choose how the letter went out: email, mail or by hand")
    requester = case.request.payload.get("requester") or {}
    to = to.strip() or {
        Delivery.Method.EMAIL: requester.get("email") or "",
        Delivery.Method.MAIL: requester.get("address") or "",
    }.get(method, "")
    if not to:
        raise WorkflowError(f"give {_WHERE[Delivery.Method(method)]}: the request holds none")
    if method == Delivery.Method.EMAIL:
        try:
            validate_email(to)
        except ValidationError:
            raise WorkflowError(f"{to} is not an email address") from None
    with transaction.atomic():
        case = Case.objects.select_for_update().select_related("agency", "request").get(pk=case.pk)
        _expect(case, State.RELEASED, State.REFUSED)
        issued = list(case.letters.order_by("id"))
        if not issued:
            raise WorkflowError(f"no letter was issued on case {case.request.public_id}")
        delivery = Delivery.objects.create(case=case, method=method, to=to, by=by)
        delivery.letters.set(issued)
        details = {
            "method": method,
            "letter_sha256": [letter.sha256 for letter in issued],
            "language": [letter.language for letter in issued],
            "to": to,
        }
        if method == Delivery.Method.EMAIL:
            # Before the ledger entry, inside the transaction: a message the mail server
            # refuses rolls the delivery back, and the ledger's append lock (held from the
            # entry to the commit) never waits on a mail server.
            _email(case, issued, to)
        _record(case, DELIVERED, by, {"delivery": details})
    return delivery


def _email(case: Case, issued: Sequence[Letter], to: str) -> None:
    agency, public_id = case.agency, case.request.public_id
    what = Letter.Kind(issued[0].kind).label
    signature = "\n".join(
        line for line in [agency.name, agency.address, agency.phone, agency.email] if line
    )
    message = EmailMessage(
        subject=f"{what}, request {public_id}, {agency.name}",
        body=(
            f"The answer to your request {public_id} is attached, in English and in Spanish.\n\n"
            f"La respuesta a su solicitud {public_id} va adjunta, en inglés y en español.\n\n"
            f"{signature}\n"
        ),
        to=[to],
        # Answers go to the records office, not to the server's sending address.
        reply_to=[agency.email] if agency.email else None,
    )
    for letter in issued:
        message.attach(
            f"{public_id}-{letter.kind}-{letter.language}.pdf", bytes(letter.pdf), "application/pdf"
        )
    try:
        message.send()
    # smtplib's errors are OSErrors too; a header Django will not send is a ValueError.
    except (OSError, ValueError) as error:
        raise WorkflowError(
            f"the email to {to} could not be sent ({error}); nothing is recorded as delivered"
        ) from None
