"""The pages staff work cases in: the work queue, intake, the case, its files and proofs.

Each view is a thin adapter: parse the input, check access with
`custodiet.accounts.access`, call one action of `custodiet.cases.actions`, render. A
refusal (PermissionDenied) is a 403 page that says why; an unknown case and another
agency's case are the same 404 page. Every POST redirects to the case once it succeeded.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import unicodedata
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import BooleanField, Count, Exists, OuterRef, Q, Value, When
from django.db.models import Case as Switch
from django.db.models.functions import Length
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from custodiet.accounts.access import agency_cases, get_case_for_user, require
from custodiet.accounts.models import Membership
from custodiet.accounts.ratelimit import limit_uploads
from custodiet.cases import actions, letters, story, subject_notices
from custodiet.cases.forms import (
    STEP_FORMS,
    CounselForm,
    DeliveryForm,
    ExcuseForm,
    IntakeForm,
    NoticeForm,
    QueueFilterForm,
    ResubmitForm,
    SendBackForm,
)
from custodiet.cases.models import OPEN_STATES, Case, Delivery, State
from custodiet.ledger import store
from custodiet.ledger.models import Checkpoint, Entry, Leaf
from custodiet.merkle.rfc6962 import leaf_hash
from custodiet.merkle.verify import ProofError, verify_inclusion
from custodiet.policy.model import DECISION_ADAPTER, RequestError, parse_request
from custodiet.policy.packs import get_pack
from custodiet.records.actions import RecordError, admit
from custodiet.web import pages
from custodiet.web.forms import vocabulary_label
from custodiet.web.views import present_decision

PAGE_SIZE = 25
# Two requests from the same organization about the same person this close together are
# probably one request sent twice (by email and then by mail, say).
DUPLICATE_WINDOW = dt.timedelta(days=14)

# USWDS utility colours for each state's tag, each at least 4.5:1 against its text.
STATE_TAGS = {
    State.WITH_COUNSEL: "bg-gold text-ink",
    State.AWAITING_APPROVAL: "bg-primary-dark",
    State.SENT_BACK: "bg-accent-warm-darker",
    State.APPROVED: "bg-success-darker",
    State.TO_REFUSE: "bg-error-dark",
    State.RELEASED: "bg-base-darker",
    State.REFUSED: "bg-base-darker",
}
EVENTS = {
    "request.received": "Request received and recorded",
    "request.decided": "First decision, by the rules",
    "case.opened": "Case opened",
    "supervisor.notified": "Supervisors notified by email",
    "counsel.decided": "Counsel's decision",
    "supervisor.approved": "Approved for release by a supervisor",
    "supervisor.sent_back": "Sent back by a supervisor",
    "case.resubmitted": "Resubmitted to the supervisors",
    "request.released": "Released with the release package",
    "request.refused": "Refused with the refusal letter",
    actions.REDECIDED: "Decided again before release; not released",
    actions.OBLIGATION_RECORDED: "Recorded before release",
    actions.DELIVERED: "Letters delivered",
    subject_notices.OPENED: "Notice to the person due",
    subject_notices.SENT: "Notice sent to the person",
    subject_notices.EXCUSED: "Notice to the person excused by counsel",
}
# Each step a decision may require before release: its page address, and who records it.
STEP_URLS = {
    "verify_identity": "case-identity",
    "record_officer": "case-officer",
    "governor_review": "case-governor-review",
}
WHO_RECORDS = {
    "can_take_in": "A clerk records it.",
    "can_record_governor_review": "A supervisor or the privacy officer records it.",
}
OUTCOME_WORDS = story.OUTCOME_WORDS


staff_page = pages.staff_page(not_found="cases/not_found.html")


# Which cases a page lists. The access helpers decide who sees a single case; a list is
# always the signed-in person's own agency's, scoped here and nowhere else.


def _my_queue(membership: Membership) -> Q:
    """The cases a role works on when no state is chosen."""
    if membership.can_take_in or membership.can_close:
        return Q(state__in=OPEN_STATES) | story.undelivered() | story.notice_unmet()
    if membership.can_decide_legal_review:
        return Q(state=State.WITH_COUNSEL)
    return Q()  # privacy officers and auditors read them all


def _possible_duplicates(membership: Membership, case: Case) -> list[Case]:
    """Other cases from the same organization about the same person within 14 days."""
    record = case.request
    names, licenses = _subject_keys(record.payload)
    if not names and not licenses:
        return []
    nearby = (
        agency_cases(membership)
        .filter(
            request__requester_organization__iexact=record.requester_organization.strip(),
            request__received_at__gte=record.received_at - DUPLICATE_WINDOW,
            request__received_at__lte=record.received_at + DUPLICATE_WINDOW,
        )
        .exclude(pk=case.pk)
        .order_by("request__received_at", "id")
    )
    found = []
    for other in nearby:
        other_names, other_licenses = _subject_keys(other.request.payload)
        if names & other_names or licenses & other_licenses:
            found.append(other)
    return found


def _subject_keys(payload: dict[str, Any]) -> tuple[set[str], set[str]]:
    """Subjects' names and license numbers, written the same way whatever the typing."""
    names, licenses = set(), set()
    for subject in payload.get("subjects") or ():
        name = " ".join(unicodedata.normalize("NFKC", subject.get("name") or "").casefold().split())
        number = "".join(ch for ch in (subject.get("license_number") or "") if ch.isalnum())
        if name:
            names.add(name)
        if number:
            licenses.add(number.upper())
    return names, licenses


# The work queue -------------------------------------------------------------------------


@staff_page
@require_safe
def queue(request: HttpRequest) -> HttpResponse:
    membership = require(request.user, "can_see_cases")
    form = QueueFilterForm(request.GET, counts=_counts(membership))
    state = form.cleaned_data["state"] if form.is_valid() else ""
    cases = agency_cases(membership).filter(Q(state=state) if state else _my_queue(membership))
    needs_me = story.my_turn(membership, request.user)
    if needs_me is not None:
        cases = cases.annotate(
            needs_me=Switch(
                When(needs_me, then=Value(True)), default=Value(False), output_field=BooleanField()
            )
        ).order_by("-needs_me", "due_on", "id")
    else:
        cases = cases.order_by("-request__received_at", "-id")
    cases = cases.prefetch_related("subject_notices__actions")
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    context = {
        "nav": "cases",
        "form": form,
        "state": State(state).label if state else None,
        "read_only": not (
            membership.can_close or membership.can_approve or membership.can_decide_legal_review
        ),
        "membership": membership,
        "page": page,
        "page_links": page.paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1),
        "rows": [_row(case, today) for case in page.object_list],
        "today": today,
    }
    return render(request, "cases/queue.html", context)


def _counts(membership: Membership) -> dict[str, int]:
    """How many of the agency's cases are in each state, and in this person's own queue."""
    cases = agency_cases(membership)
    counts = dict(cases.values_list("state").annotate(n=Count("id")).order_by())
    return {"": cases.filter(_my_queue(membership)).count(), **counts}


def _row(case: Case, today: dt.date) -> dict[str, Any]:
    record = case.request
    return {
        "case": case,
        "public_id": record.public_id,
        "received": timezone.localtime(record.received_at),
        "requester": record.requester_organization,
        "records": [
            vocabulary_label(item, "records_requested")
            for item in record.payload.get("records_requested", [])
        ],
        "tag": STATE_TAGS[State(case.state)],
        "needs_me": getattr(case, "needs_me", False),
        "notice_due": min(
            (n.due_on for n in case.subject_notices.all() if not n.actions.all()), default=None
        ),
        **_deadline(case, today),
    }


def _deadline(case: Case, today: dt.date) -> dict[str, Any]:
    received = timezone.localdate(case.request.received_at)
    return {
        "received_on": received,
        "age": (today - received).days,
        "due_on": case.due_on,
        "overdue": case.is_open and case.due_on < today,
        "days_left": max(0, (case.due_on - today).days),
        "days_overdue": max(0, (today - case.due_on).days),
        "closed_late": case.closed_at is not None
        and timezone.localdate(case.closed_at) > case.due_on,
    }


# Intake ---------------------------------------------------------------------------------


@staff_page
@limit_uploads
@require_http_methods(["GET", "HEAD", "POST"])
def intake(request: HttpRequest) -> HttpResponse:
    membership = require(request.user, "can_take_in")
    failure = None
    if request.method == "POST":
        form = IntakeForm(request.POST, request.FILES, agency=membership.agency)
        if form.is_valid():
            try:
                parsed = admit(parse_request(form.contract()), membership.agency)
            except RequestError as error:
                form.add_contract_problems(error.problems)
            else:
                try:
                    case = actions.take_in(
                        parsed, by=request.user, agency=membership.agency, uploads=form.uploads()
                    )
                except (actions.WorkflowError, RecordError) as error:
                    failure = str(error)
                else:
                    messages.success(
                        request,
                        f"Request {case.request.public_id} is recorded and decided: "
                        f"{case.get_state_display().lower()}.",
                    )
                    return redirect("case", case.request.public_id)
    else:
        now = timezone.localtime()
        form = IntakeForm(
            agency=membership.agency,
            initial={
                "received_date": now.date(),
                "received_time": now.time().replace(second=0, microsecond=0),
            },
        )
    context = {
        "nav": "intake",
        "form": form,
        "agency": membership.agency,
        "errors": form.error_summary() if form.is_bound else [],
        "failure": failure,
        "files_dropped": form.is_bound and bool(request.FILES) and (bool(form.errors) or failure),
    }
    return render(request, "cases/intake.html", context, status=409 if failure else 200)


# The case -------------------------------------------------------------------------------


@staff_page
@require_safe
def case(request: HttpRequest, public_id: str) -> HttpResponse:
    membership = require(request.user, "can_see_cases")
    return _case_page(request, membership, get_case_for_user(request.user, public_id))


def _case_page(
    request: HttpRequest,
    membership: Membership,
    case: Case,
    *,
    bound: dict[str, Any] | None = None,
    failure: str | None = None,
    status: int = 200,
) -> HttpResponse:
    record = case.request
    decided = record.decisions.order_by("-id").first()
    result = None
    if decided is not None:
        decision = DECISION_ADAPTER.validate_python(decided.payload)
        result = present_decision(
            decision, record.payload, get_pack(settings.CUSTODIET_POLICY_PACK)
        )
    took_part = request.user.pk in (case.taken_in_by_id, case.decided_by_id)
    events = list(
        record.events.select_related("ledger_entry")
        .annotate(leaf_written=Exists(Leaf.objects.filter(event=OuterRef("pk"))))
        .order_by("id")
    )
    awaited = actions.outstanding(case) if case.is_open else []
    steps = [
        {
            "name": name,
            "what": actions.STEPS[name].what,
            "who": WHO_RECORDS[actions.STEPS[name].capability],
            "may": getattr(membership, actions.STEPS[name].capability),
            "url": reverse(STEP_URLS[name], args=[record.public_id]),
            "form": (bound or {}).get(STEP_FORMS[name].prefix) or STEP_FORMS[name](),
        }
        for name in awaited
    ]
    may = _may(membership, case, took_part, awaited)
    notices = _notices(membership, case, bound or {})
    # The files' bytes stay in the database; the page needs only their sizes.
    documents = case.documents.defer("content").annotate(size=Length("content")).order_by("id")
    context = {
        "nav": "cases",
        "case": case,
        "record": record,
        "public_id": record.public_id,
        "tag": STATE_TAGS[State(case.state)],
        "received_at": timezone.localtime(record.received_at),
        "deadline": _deadline(case, timezone.localdate()),
        "membership": membership,
        "may": may,
        "steps": steps,
        "may_record": any(step["may"] for step in steps),
        "redecided": _redecided(events),
        "took_part": took_part,
        **_story(membership, case, events, took_part, steps, decided, notices),
        "forms": {
            "counsel": CounselForm(),
            "send_back": SendBackForm(),
            "resubmit": ResubmitForm(),
            **(bound or {}),
        },
        "failure": failure,
        "duplicates": _possible_duplicates(membership, case),
        "request_facts": _request_facts(record.payload),
        "result": result,
        "documents": documents,
        "letters": case.letters.defer("pdf").annotate(size=Length("pdf")),
        "delivery": _delivery(membership, case, (bound or {}).get(DeliveryForm.prefix)),
        "notices": notices,
        "history": [_event(event) for event in events],
    }
    return render(request, "cases/case.html", context, status=status)


def _story(
    membership: Membership,
    case: Case,
    events: list[Any],
    took_part: bool,
    steps: list[dict[str, Any]],
    decided: Any,
    notices: list[dict[str, Any]],
) -> dict[str, Any]:
    """The top of the page: the next step for this person, the decisions so far in order,
    and the records under the decision in force (`custodiet.cases.story`)."""
    awaited = [(step["what"], step["may"]) for step in steps]
    next_step = story.next_step(
        membership,
        case.state,
        took_part=took_part,
        awaited=awaited,
        delivered=case.deliveries.exists(),
        notice_due=min(
            (item["notice"].due_on for item in notices if not item["standing"].met), default=None
        ),
    )
    requested = case.request.payload.get("records_requested", [])
    counsel = story.counsel_released(events)
    payload = decided.payload if decided is not None else {}
    return {
        "next_step": next_step,
        "waiting_for": "" if next_step["mine"] else next_step["text"],
        "decisions": story.decisions(events),
        "records_now": story.records_now(case.state, payload, requested, counsel),
        "decided_again": decided is not None and case.request.decisions.count() > 1,
    }


def _may(
    membership: Membership, case: Case, took_part: bool, awaited: list[str]
) -> dict[str, bool]:
    """The steps this person may take on the case now; the actions check them again."""
    return {
        "counsel": membership.can_decide_legal_review and case.state == State.WITH_COUNSEL,
        "approve": membership.can_approve
        and case.state == State.AWAITING_APPROVAL
        and not took_part,
        "resubmit": membership.can_take_in and case.state == State.SENT_BACK,
        "release": membership.can_close and case.state == State.APPROVED and not awaited,
        "refuse": membership.can_close and case.state in (State.TO_REFUSE, State.SENT_BACK),
    }


def _delivery(membership: Membership, case: Case, bound: DeliveryForm | None) -> dict[str, Any]:
    """What was issued and how it went out, for the box near the top of the page; the
    letters themselves are `letters` of the page's context."""
    requester = case.request.payload.get("requester") or {}
    closed = case.state in (State.RELEASED, State.REFUSED)
    initial = {"method": "email" if requester.get("email") else "mail"}
    return {
        "done": [
            {
                "what": f"{delivery.get_method_display()} to {_one_line(delivery.to)}",
                "by": delivery.by.get_full_name() or delivery.by.get_username(),
                "at": delivery.at,
            }
            for delivery in case.deliveries.select_related("by").order_by("id")
        ],
        "may": membership.can_close and closed,
        "form": bound or DeliveryForm(initial=initial),
        "email": requester.get("email") or "",
        "address": _one_line(requester.get("address") or ""),
        "preview": actions.previewable(case) if membership.can_close else None,
    }


def _notices(membership: Membership, case: Case, bound: dict[str, Any]) -> list[dict[str, Any]]:
    """Each notice the law requires the agency to send the person, where it stands, and
    the forms to send it or (where the law excuses it) to record counsel's reason."""
    today = subject_notices.today()
    shown = []
    for notice in case.subject_notices.prefetch_related("actions__by").order_by("position"):
        now = subject_notices.standing(notice, today)
        done = now.action
        shown.append(
            {
                "notice": notice,
                "standing": now,
                "days_left": (notice.due_on - today).days,
                "done_by": (done.by.get_full_name() or done.by.get_username()) if done else "",
                "done_how": (
                    _delivered({"method": done.method, "to": done.to})
                    if done is not None and done.kind == "sent"
                    else ""
                ),
                "may_send": membership.can_close and not now.met,
                "may_excuse": membership.can_decide_legal_review
                and bool(notice.exception)
                and not now.met,
                "form": bound.get(f"notice-{notice.position}")
                or NoticeForm(prefix=f"notice-{notice.position}"),
                "excuse_form": bound.get(f"excuse-{notice.position}")
                or ExcuseForm(prefix=f"excuse-{notice.position}"),
            }
        )
    return shown


def _one_line(address: str) -> str:
    return ", ".join(line.strip() for line in address.splitlines() if line.strip())


def _delivered(details: dict[str, Any]) -> str:
    """A delivery in the history's words: "emailed to records@example.org"."""
    method = details.get("method", "")
    how = Delivery.Method(method).label.lower() if method in Delivery.Method.values else method
    return f"{how} to {_one_line(details.get('to', ''))}"


def _request_facts(payload: dict[str, Any]) -> list[tuple[str, str]]:
    """The request as a list of (label, value), in the order a person reads it."""
    requester = payload.get("requester") or {}
    investigation = payload.get("criminal_investigation") or {}
    facts = [
        ("How it arrived", vocabulary_label(payload.get("channel", ""), "channel") or "Not stated"),
        ("Receiving agency", payload.get("receiving_agency", "")),
        ("Requester", requester.get("name", "")),
        ("Organization", requester.get("organization", "")),
        ("Component", requester.get("component", "")),
        ("ORI", requester.get("ori", "")),
        ("Level of government", vocabulary_label(requester.get("level", ""), "level")),
        (
            "Records requested",
            ", ".join(
                vocabulary_label(item, "records_requested")
                for item in payload.get("records_requested", [])
            ),
        ),
        ("Purpose", payload.get("purpose", "")),
        (
            "Purpose category",
            vocabulary_label(payload.get("purpose_category", ""), "purpose_category"),
        ),
        ("Case number", investigation.get("case_number", "")),
        ("Offence", investigation.get("offense", "")),
        ("Claimed legal requirement", payload.get("claimed_legal_requirement", "")),
        ("Certification signed on", (payload.get("certification") or {}).get("signed_on", "")),
        ("Bulk access", "Yes" if payload.get("bulk") else ""),
        ("Facial recognition search", "Yes" if payload.get("facial_recognition") else ""),
    ]
    for number, subject in enumerate(payload.get("subjects") or (), start=1):
        parts = [
            subject.get("name"),
            f"born {subject['date_of_birth']}" if subject.get("date_of_birth") else None,
            f"license {subject['license_number']}" if subject.get("license_number") else None,
        ]
        facts.append((f"Person {number}", ", ".join(part for part in parts if part)))
    for number, document in enumerate(payload.get("legal_process") or (), start=1):
        described = [
            vocabulary_label(document["kind"], "kind") if document.get("kind") else None,
            f"form {document['form']}" if document.get("form") else None,
            document.get("title"),
            f"issued by {document['issued_by']}" if document.get("issued_by") else None,
            f"signed by {document['signed_by']}" if document.get("signed_by") else None,
        ]
        summary = ", ".join(part for part in described if part) or "Described by its text only"
        facts.append((f"Legal document {number}", summary))
    return [(label, str(value)) for label, value in facts if value]


def _event(event: Any) -> dict[str, Any]:
    payload = event.payload
    details = []
    if event.kind == "request.decided":
        outcome = payload.get("decision", {}).get("outcome", "")
        details.append(OUTCOME_WORDS.get(outcome, outcome))
    if event.kind == "counsel.decided":
        details.append("release" if payload.get("release") else "refuse")
    if event.kind == actions.REDECIDED:
        outcome = payload.get("decision", {}).get("outcome", "")
        details.append(f"{OUTCOME_WORDS.get(outcome, outcome)} under the law of {_day(payload)}")
    if event.kind == actions.OBLIGATION_RECORDED:
        details.append(_step_done(payload))
    if "to_state" in payload and event.kind in ("case.opened", actions.REDECIDED):
        details.append(State(payload["to_state"]).label.lower())
    if payload.get("recipients"):
        details.append(
            f"{payload['recipients']} recipient{'s' if payload['recipients'] != 1 else ''}"
        )
    if event.kind == actions.DELIVERED:
        details.append(_delivered(payload.get("delivery") or {}))
    if payload.get("document_sha256"):
        count = len(payload["document_sha256"])
        details.append(f"{count} document{'s' if count != 1 else ''}")
    if event.kind == "request.released" and payload.get("as_of"):
        details.append(f"decided again under the law of {_day(payload)}, which allows it")
    entry = getattr(event, "ledger_entry", None)
    return {
        "at": event.at,
        "actor": event.actor,
        "what": EVENTS.get(event.kind, event.kind),
        "details": "; ".join(details),
        "reason": payload.get("reason") or payload.get("note") or "",
        "entry": entry.index if entry is not None else None,
        # Written with the event, its position not given yet (the separate sequencer).
        "waiting": entry is None and getattr(event, "leaf_written", False),
    }


def _day(payload: dict[str, Any], key: str = "as_of") -> str:
    day = dt.date.fromisoformat(payload[key])
    return f"{day.day} {day:%b %Y}"


def _step_done(payload: dict[str, Any]) -> str:
    """What a recorded step says, in the history's words."""
    name = payload.get("obligation", "")
    if name == "verify_identity":
        return f"requester's identity checked: {payload.get('document_seen', '')}"
    if name == "record_officer":
        return (
            f"lead officer {payload.get('officer_name', '')}, {payload.get('officer_agency', '')}, "
            f"badge {payload.get('badge_number', '')}"
        )
    if name == "governor_review":
        answer = "approved" if payload.get("met") else "not approved, so the request is to refuse"
        return (
            f"Governor's office review {answer} (answered {_day(payload, 'answered_on')}, "
            f"reference {payload.get('reference', '')})"
        )
    return name


def _redecided(events: list[Any]) -> dict[str, Any] | None:
    """The latest decision made again on the day of release that stopped the release."""
    latest = next((event for event in reversed(events) if event.kind == actions.REDECIDED), None)
    if latest is None:
        return None
    decision = latest.payload.get("decision", {})
    outcome = decision.get("outcome", "")
    return {
        "on": dt.date.fromisoformat(latest.payload["as_of"]),
        "outcome": OUTCOME_WORDS.get(outcome, outcome),
        "reasons": decision.get("reasons", []),
        "not_released": latest.payload.get("not_released", []),
    }


# Actions --------------------------------------------------------------------------------


def _act(
    request: HttpRequest,
    public_id: str,
    capability: str,
    step: Callable[[Case, Any], tuple[Case, str]],
    form_class: type | None = None,
) -> HttpResponse:
    """Check access, validate, call the action; redirect on success, else show why."""
    membership = require(request.user, capability)
    case = get_case_for_user(request.user, public_id, capability)
    form = form_class(request.POST, request.FILES) if form_class else None
    if form is not None and not form.is_valid():
        return _case_page(request, membership, case, bound={form.prefix: form})
    try:
        case, done = step(case, form.cleaned_data if form is not None else {})
    except actions.WorkflowError as error:
        bound = {form.prefix: form} if form is not None else None
        return _case_page(request, membership, case, bound=bound, failure=str(error), status=409)
    messages.success(request, done)
    return redirect("case", public_id)


@staff_page
@require_POST
def counsel(request: HttpRequest, public_id: str) -> HttpResponse:
    def step(case: Case, data: dict[str, Any]) -> tuple[Case, str]:
        release = data["decision"] == "release"
        case = actions.counsel_decide(case, by=request.user, release=release, reason=data["reason"])
        if release:
            return (
                case,
                "Counsel's decision is recorded: release. The supervisors were emailed to approve it.",
            )
        return case, "Counsel's decision is recorded: refuse. The refusal letter can now be issued."

    return _act(request, public_id, "can_decide_legal_review", step, CounselForm)


@staff_page
@require_POST
def approve(request: HttpRequest, public_id: str) -> HttpResponse:
    def step(case: Case, data: dict[str, Any]) -> tuple[Case, str]:
        case = actions.approve(case, by=request.user)
        return case, "Approved for release. The release package can now be issued."

    return _act(request, public_id, "can_approve", step)


@staff_page
@require_POST
def send_back(request: HttpRequest, public_id: str) -> HttpResponse:
    def step(case: Case, data: dict[str, Any]) -> tuple[Case, str]:
        case = actions.send_back(case, by=request.user, reason=data["reason"])
        return case, "Sent back, with your reason. Nothing may be released until it is approved."

    return _act(request, public_id, "can_approve", step, SendBackForm)


@staff_page
@require_POST
def resubmit(request: HttpRequest, public_id: str) -> HttpResponse:
    def step(case: Case, data: dict[str, Any]) -> tuple[Case, str]:
        case = actions.resubmit(case, by=request.user, note=data["note"])
        return case, "Resubmitted. The supervisors were emailed to approve it."

    return _act(request, public_id, "can_take_in", step, ResubmitForm)


@staff_page
@require_POST
def release(request: HttpRequest, public_id: str) -> HttpResponse:
    def step(case: Case, data: dict[str, Any]) -> tuple[Case, str]:
        case = actions.release(case, by=request.user)
        return (
            case,
            "Released. The release package is issued in English and Spanish. It has not gone out "
            "yet: email it, or record how it was delivered.",
        )

    try:
        return _act(request, public_id, "can_close", step)
    except actions.NotReleased as error:
        # Decided again under today's law and sent back to counsel: the page shows why.
        messages.error(request, str(error))
        return redirect("case", public_id)


@staff_page
@require_POST
def refuse(request: HttpRequest, public_id: str) -> HttpResponse:
    def step(case: Case, data: dict[str, Any]) -> tuple[Case, str]:
        case = actions.refuse(case, by=request.user)
        return (
            case,
            "Refused. The refusal letter is issued in English and Spanish. It has not gone out "
            "yet: email it, or record how it was delivered.",
        )

    return _act(request, public_id, "can_close", step)


@staff_page
@limit_uploads
@require_POST
def record_step(request: HttpRequest, public_id: str, obligation: str) -> HttpResponse:
    """Record one step a decision requires before release (`actions.STEPS`)."""
    form_class = STEP_FORMS[obligation]

    def step(case: Case, data: dict[str, Any]) -> tuple[Case, str]:
        details, uploads = form_class.details(data), form_class.uploads(data)
        case = actions.record_obligation(
            case, obligation, by=request.user, details=details, uploads=uploads
        )
        if case.state == State.TO_REFUSE and details.get("approved") is False:
            return (
                case,
                "Recorded: the Governor's office did not approve. The request is to refuse.",
            )
        return case, f"Recorded: {actions.STEPS[obligation].what}."

    return _act(request, public_id, actions.STEPS[obligation].capability, step, form_class)


# Files ----------------------------------------------------------------------------------


def _attachment(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@staff_page
@require_safe
def document(request: HttpRequest, public_id: str, document_id: int) -> HttpResponse:
    case = get_case_for_user(request.user, public_id)
    found = case.documents.filter(pk=document_id).first()
    if found is None:
        raise Http404("no such document")
    return _attachment(bytes(found.content), "application/pdf", found.filename)


@staff_page
@require_safe
def letter(request: HttpRequest, public_id: str, letter_id: int) -> HttpResponse:
    case = get_case_for_user(request.user, public_id)
    found = case.letters.filter(pk=letter_id).first()
    if found is None:
        raise Http404("no such letter")
    filename = f"{public_id}-{found.kind}-{found.language}.pdf"
    return _attachment(bytes(found.pdf), "application/pdf", filename)


@staff_page
@require_safe
def letter_preview(request: HttpRequest, public_id: str, language: str) -> HttpResponse:
    """The letter the case would issue now, marked as a preview on every page; nothing is
    recorded, and the issued letter is rendered afresh when the clerk issues it."""
    membership = require(request.user, "can_close")
    case = get_case_for_user(request.user, public_id, "can_close")
    if language not in letters.LANGUAGES:
        raise Http404("no letters in that language")
    kind = actions.previewable(case)
    if kind is None:
        failure = (
            f"case {public_id} is {case.get_state_display().lower()}: it has no letter to issue"
        )
        return _case_page(request, membership, case, failure=failure, status=409)
    pdf = letters.render(case, kind, language, preview=True)
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"{public_id}-{kind}-{language}-preview.pdf"
    response["Content-Disposition"] = content_disposition_header(False, filename)
    response["Cache-Control"] = "no-store"
    return response


@staff_page
@require_POST
def deliver(request: HttpRequest, public_id: str) -> HttpResponse:
    def step(case: Case, data: dict[str, Any]) -> tuple[Case, str]:
        delivery = actions.deliver(case, by=request.user, method=data["method"], to=data["to"])
        if delivery.method == Delivery.Method.EMAIL:
            return case, f"Emailed to {delivery.to}, with the letters attached."
        return case, f"Recorded: {_delivered({'method': delivery.method, 'to': delivery.to})}."

    return _act(request, public_id, "can_close", step, DeliveryForm)


# Notices to the person -----------------------------------------------------------------


def _notice_step(
    request: HttpRequest,
    public_id: str,
    position: int,
    capability: str,
    form_class: type[NoticeForm] | type[ExcuseForm],
    step: Callable[[Any, dict[str, Any]], str],
) -> HttpResponse:
    membership = require(request.user, capability)
    case = get_case_for_user(request.user, public_id, capability)
    notice = case.subject_notices.filter(position=position).first()
    if notice is None:
        raise Http404("no such notice")
    key = f"{form_class.prefix}-{position}"
    form = form_class(request.POST, prefix=key)
    if not form.is_valid():
        return _case_page(request, membership, case, bound={key: form}, status=400)
    try:
        done = step(notice, form.cleaned_data)
    except subject_notices.NoticeError as error:
        return _case_page(
            request, membership, case, bound={key: form}, failure=str(error), status=409
        )
    messages.success(request, done)
    return redirect("case", public_id)


@staff_page
@require_POST
def notice_send(request: HttpRequest, public_id: str, position: int) -> HttpResponse:
    def step(notice: Any, data: dict[str, Any]) -> str:
        action = subject_notices.send(notice, by=request.user, method=data["method"], to=data["to"])
        if action.method == Delivery.Method.EMAIL:
            return f"The notice was emailed to {action.to}, in English and Spanish."
        return f"Recorded: the notice {_delivered({'method': action.method, 'to': action.to})}."

    return _notice_step(request, public_id, position, "can_close", NoticeForm, step)


@staff_page
@require_POST
def notice_excuse(request: HttpRequest, public_id: str, position: int) -> HttpResponse:
    def step(notice: Any, data: dict[str, Any]) -> str:
        subject_notices.excuse(notice, by=request.user, reason=data["reason"])
        return "Recorded: the notice is excused, with your reason."

    return _notice_step(request, public_id, position, "can_decide_legal_review", ExcuseForm, step)


@staff_page
@require_safe
def notice_letter(
    request: HttpRequest, public_id: str, position: int, language: str
) -> HttpResponse:
    """The notice letter as it was sent."""
    case = get_case_for_user(request.user, public_id)
    sent = (
        subject_notices.NoticeAction.objects.filter(
            notice__case=case, notice__position=position, kind="sent"
        )
        .order_by("id")
        .first()
    )
    if sent is None or language not in subject_notices.LANGUAGES:
        raise Http404("no such notice letter")
    pdf = sent.letter_en if language == "en" else sent.letter_es
    return _attachment(
        bytes(pdf), "application/pdf", f"{public_id}-notice-{position + 1}-{language}.pdf"
    )


@staff_page
@require_safe
def notice_preview(
    request: HttpRequest, public_id: str, position: int, language: str
) -> HttpResponse:
    """The notice as it would be sent now, marked as a preview; nothing is recorded."""
    require(request.user, "can_close")
    case = get_case_for_user(request.user, public_id, "can_close")
    notice = case.subject_notices.filter(position=position).first()
    if notice is None or language not in subject_notices.LANGUAGES:
        raise Http404("no such notice")
    pdf = subject_notices.render(notice, language, preview=True)
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"{public_id}-notice-{position + 1}-{language}-preview.pdf"
    response["Content-Disposition"] = content_disposition_header(False, filename)
    response["Cache-Control"] = "no-store"
    return response


# Proofs ---------------------------------------------------------------------------------


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode()


@staff_page
@require_safe
def proof(request: HttpRequest, public_id: str, entry: int) -> HttpResponse:
    case = get_case_for_user(request.user, public_id)
    row = (
        Entry.objects.select_related("event__request")
        .filter(index=entry, event__request=case.request)
        .first()
    )
    if row is None:
        raise Http404("no such entry in this case")
    data = bytes(row.data)
    leaf = leaf_hash(data)
    # A proof is against the latest signed checkpoint; an entry newer than it is proved
    # against the current tree head, which the page says is not signed yet.
    latest = Checkpoint.objects.order_by("-size").first()
    signed = latest is not None and latest.size > row.index
    size = latest.size if latest is not None and signed else store.size()
    root = b""
    nodes: list[bytes] = []
    problem = None
    try:
        root = bytes(latest.root) if latest is not None and signed else store.root(size)
        nodes = store.prove_inclusion(row.index, size)
        verify_inclusion(leaf, row.index, size, nodes, root)
    except (ProofError, store.LedgerError) as error:
        problem = str(error)
    matches_event = store.leaf_mismatch(row.event, data) is None
    shown = {
        "index": row.index,
        "tree_size": size,
        "leaf_hash": _b64(leaf),
        "data": _b64(data),
        "proof": [_b64(node) for node in nodes],
        "root": _b64(root),
        "checkpoint": latest.note if signed else None,
    }
    context = {
        "nav": "cases",
        "case": case,
        "public_id": public_id,
        "entry": row,
        "event": _event(row.event),
        "signed": signed,
        "latest": latest,
        "size": size,
        "problem": problem,
        "matches_event": matches_event,
        "verified": problem is None and matches_event,
        "proof_json": json.dumps(shown, indent=2),
        "leaf_json": json.dumps(json.loads(data), indent=2, ensure_ascii=False),
    }
    return render(request, "cases/proof.html", context)
