"""Every change to a case: take in, counsel's decision, approval, send back, release, refusal.

Each action takes the acting person as `by`, checks that the case may move that way and
that this person may move it, then writes the change, its event and the event's ledger
entry in one transaction. The rules of the workflow live here, once:

    outcome eligible      -> awaiting_approval (supervisors are emailed first)
    outcome legal_review  -> with_counsel -> awaiting_approval | to_refuse
    outcome refuse        -> to_refuse -> refused (refusal letter)
    awaiting_approval     -> approved -> released (release package) | sent_back
    sent_back             -> awaiting_approval | to_refuse

Nobody approves a request they took in or decided.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from custodiet.accounts.access import require
from custodiet.accounts.models import Agency, Role
from custodiet.cases import letters
from custodiet.cases.models import Case, Document, Letter, State
from custodiet.ledger import store
from custodiet.policy.model import Request
from custodiet.records.actions import receive_and_decide
from custodiet.records.models import Event

LANGUAGES = ("en", "es")


class WorkflowError(ValueError):
    """The case cannot move that way now; nothing was changed."""


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


def _notify_supervisors(case: Case, by: AbstractBaseUser) -> None:
    """Email every supervisor of the agency; the approval waits for this notice."""
    supervisors = list(
        case.agency.members.filter(role=Role.SUPERVISOR, user__is_active=True).values_list(
            "user__email", flat=True
        )
    )
    recipients = [address for address in supervisors if address]
    if not recipients:
        raise WorkflowError(f"{case.agency.name} has no supervisor with an email address to notify")
    link = settings.CUSTODIET_BASE_URL.rstrip("/") + reverse("case", args=[case.request.public_id])
    record = case.request
    send_mail(
        subject=f"Approval needed: {record.public_id} from {record.requester_organization}",
        message=(
            f"A request for personal information awaits your approval before anything is released.\n\n"
            f"Request: {record.public_id}\nFrom: {record.requester_organization}\n"
            f"Records: {', '.join(record.payload.get('records_requested', []))}\n"
            f"Answer due: {case.due_on:%B %d, %Y}\n\n{link}\n"
        ),
        from_email=None,
        recipient_list=recipients,
    )
    case.supervisor_notified_at = timezone.now()
    _move(case, State.AWAITING_APPROVAL, "supervisor_notified_at")
    _record(
        case, "supervisor.notified", by, {"to_state": case.state, "recipients": len(recipients)}
    )


def take_in(
    request: Request, *, by: AbstractBaseUser, agency: Agency, uploads: Sequence[Upload] = ()
) -> Case:
    """Record a request, decide it, and open its case in the state the decision calls for."""
    with transaction.atomic():
        recorded = receive_and_decide([request], actor=by.get_username(), agency=agency)[0]
        outcome = recorded.decision.outcome
        state = {"refuse": State.TO_REFUSE, "legal_review": State.WITH_COUNSEL}.get(
            outcome, State.AWAITING_APPROVAL
        )
        received = timezone.localdate(recorded.request.received_at)
        case = Case.objects.create(
            request=recorded.request,
            agency=agency,
            state=state,
            taken_in_by=by,
            due_on=received + dt.timedelta(days=agency.answer_within_days),
        )
        documents = [
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
        _record(
            case,
            "case.opened",
            by,
            {"to_state": state, "document_sha256": [document.sha256 for document in documents]},
        )
        if state == State.AWAITING_APPROVAL:
            _notify_supervisors(case, by)
    return case


def counsel_decide(case: Case, *, by: AbstractBaseUser, release: bool, reason: str) -> Case:
    require(by, "can_decide_legal_review")
    if not reason.strip():
        raise WorkflowError("counsel's decision needs its reason")
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        _expect(case, State.WITH_COUNSEL)
        case.decided_by = by
        case.counsel_reason = reason.strip()
        case.save(update_fields=["decided_by", "counsel_reason", "updated_at"])
        _record(case, "counsel.decided", by, {"release": release, "reason": reason.strip()})
        if release:
            _notify_supervisors(case, by)
        else:
            _move(case, State.TO_REFUSE)
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
    return case


def resubmit(case: Case, *, by: AbstractBaseUser, note: str) -> Case:
    require(by, "can_take_in")
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        _expect(case, State.SENT_BACK)
        _record(case, "case.resubmitted", by, {"note": note.strip()})
        _notify_supervisors(case, by)
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


def release(case: Case, *, by: AbstractBaseUser) -> Case:
    """Issue the release package (with the use-restriction notice) and close the case."""
    require(by, "can_close")
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        _expect(case, State.APPROVED)
        issued = _issue(case, Letter.Kind.RELEASE, by)
        case.closed_at = timezone.now()
        _move(case, State.RELEASED, "closed_at")
        _record(
            case,
            "request.released",
            by,
            {"to_state": case.state, "document_sha256": [letter.sha256 for letter in issued]},
        )
    return case


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
