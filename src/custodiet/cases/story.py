"""What the top of a case page says: where the case stands, whose turn it is, how it was
decided so far, and what may be released under the decision in force.

The queue's "your turn" reads the same table as the page's next step, so the two never
disagree about who acts next. The rules' decision is only the first step of the story:
once counsel or a supervisor has spoken, the records follow them, not the rules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Exists, OuterRef, Q

from custodiet.accounts.models import Membership
from custodiet.cases.actions import OBLIGATION_RECORDED, REDECIDED
from custodiet.cases.models import Delivery, NoticeAction, State, SubjectNotice
from custodiet.web.forms import vocabulary_label

OUTCOME_WORDS = {"refuse": "refuse", "legal_review": "counsel must review", "eligible": "eligible"}


@dataclass(frozen=True)
class Turn:
    # The Membership property of the people who act next.
    capability: str
    # Those people, as "Waiting for ..." names them.
    who: str
    # What they do, read both as "Your next step: ..." and "Waiting for <who> to ...".
    step: str


# Who acts in each open state. An approval also needs a supervisor who neither took the
# request in nor decided it (`actions.approve`); `is_my_turn` and `my_turn` add that.
TURNS = {
    State.WITH_COUNSEL: Turn(
        "can_decide_legal_review", "counsel", "decide whether to release or refuse"
    ),
    State.AWAITING_APPROVAL: Turn(
        "can_approve", "a supervisor", "approve it for release or send it back"
    ),
    State.SENT_BACK: Turn(
        "can_close", "a clerk", "resubmit it to the supervisors or issue the refusal letter"
    ),
    State.APPROVED: Turn("can_close", "a clerk", "issue the release package"),
    State.TO_REFUSE: Turn("can_close", "a clerk", "issue the refusal letter"),
}
CLOSED = {
    State.RELEASED: "The case is closed: the release package was issued.",
    State.REFUSED: "The case is closed: the refusal letter was issued.",
}
# A closed case whose letters have not gone out is still a clerk's to finish.
DELIVER = Turn(
    "can_close",
    "a clerk",
    "deliver the letters: email them, or record that they were mailed or handed over",
)
CLOSED_STATES = tuple(CLOSED)


def undelivered() -> Q:
    # A subquery, not a join: a join lists a case once per delivery.
    return Q(state__in=CLOSED_STATES) & ~Exists(Delivery.objects.filter(case=OuterRef("pk")))


def notice_unmet() -> Q:
    """Cases owing the person a notice nobody has sent or excused (`subject_notices`)."""
    unmet = SubjectNotice.objects.filter(case=OuterRef("pk")).filter(
        ~Exists(NoticeAction.objects.filter(notice=OuterRef("pk")))
    )
    return Q(Exists(unmet))


def my_turn(membership: Membership, user: Any) -> Q | None:
    """The cases whose next step is this person's; None for a role that never acts."""
    clauses = []
    for state, turn in TURNS.items():
        if not getattr(membership, turn.capability):
            continue
        clause = Q(state=state)
        if state == State.AWAITING_APPROVAL:
            clause &= ~Q(taken_in_by=user) & ~Q(decided_by=user)
        clauses.append(clause)
    if getattr(membership, DELIVER.capability):
        clauses.append(undelivered())
        clauses.append(notice_unmet())
    return reduce(or_, clauses) if clauses else None


def is_my_turn(membership: Membership, state: str, took_part: bool) -> bool:
    turn = TURNS.get(State(state))
    if turn is None or not getattr(membership, turn.capability):
        return False
    return not (state == State.AWAITING_APPROVAL and took_part)


def next_step(
    membership: Membership,
    state: str,
    *,
    took_part: bool,
    awaited: Sequence[tuple[str, bool]],
    delivered: bool = True,
    notice_due: dt.date | None = None,
) -> dict[str, Any]:
    """The next step as this person reads it: `mine` when it is theirs, and its sentence.

    `awaited` is the steps the decision requires before release that nobody has recorded,
    each with whether this person may record it: on an approved case they come first.
    """
    turn = TURNS.get(State(state))
    if notice_due is not None and (turn is None or not is_my_turn(membership, state, took_part)):
        # The notice to the person is owed whatever the answer, even on a closed case.
        send = f"send the notice to the person, due {notice_due:%B} {notice_due.day}"
        if getattr(membership, DELIVER.capability):
            return {"mine": True, "text": f"Your next step: {send}."}
    if turn is None:
        if delivered:
            return {"mine": False, "text": CLOSED[State(state)]}
        issued = CLOSED[State(state)].removesuffix(".") + ", and has not gone out yet."
        if getattr(membership, DELIVER.capability):
            return {"mine": True, "text": f"{issued} Your next step: {DELIVER.step}."}
        return {"mine": False, "text": f"{issued} Waiting for {DELIVER.who} to {DELIVER.step}."}
    if state == State.APPROVED and awaited:
        mine = [what for what, may in awaited if may]
        if mine:
            return {"mine": True, "text": f"Your next step: record {_and(mine)}."}
        whats = _and([what for what, _ in awaited])
        return {"mine": False, "text": f"Waiting for {whats} to be recorded, then {turn.step}."}
    if is_my_turn(membership, state, took_part):
        return {"mine": True, "text": f"Your next step: {turn.step}."}
    if state == State.AWAITING_APPROVAL and took_part and membership.can_approve:
        return {
            "mine": False,
            "text": f"Waiting for another supervisor to {turn.step}: you took in or decided "
            "this request.",
        }
    return {"mine": False, "text": f"Waiting for {turn.who} to {turn.step}."}


def decisions(events: Sequence[Any]) -> list[dict[str, Any]]:
    """The decisions on the case in the order they were taken: the rules' first decision,
    counsel's, the supervisors' approvals and sendings back, the Governor's office's "not
    approved", and any decision made again on the day of release."""
    steps = []
    first = True
    for event in events:
        payload = event.payload
        said = None
        if event.kind in ("request.decided", REDECIDED):
            outcome = payload.get("decision", {}).get("outcome", "")
            what = "First decision, by the rules" if first else "Decided again by the rules"
            first = False
            said = (what, OUTCOME_WORDS.get(outcome, outcome), "")
        elif event.kind == "counsel.decided":
            verdict = "release" if payload.get("release") else "refuse"
            said = ("Counsel's decision", verdict, payload.get("reason", ""))
        elif event.kind == "supervisor.approved":
            said = ("A supervisor's decision", "approved for release", "")
        elif event.kind == "supervisor.sent_back":
            said = ("A supervisor's decision", "sent back", payload.get("reason", ""))
        elif event.kind == OBLIGATION_RECORDED and payload.get("met") is False:
            said = ("The Governor's office's review", "not approved", "")
        if said is not None:
            what, verdict, reason = said
            steps.append(
                {
                    "what": what,
                    "verdict": verdict,
                    "reason": reason,
                    # The rules decide on their own; the person who asked is in the history.
                    "by": "" if event.kind in ("request.decided", REDECIDED) else event.actor,
                    "at": event.at,
                }
            )
    return steps


def counsel_released(events: Sequence[Any]) -> bool | None:
    """Counsel's latest word on the case: True to release, False to refuse, None if none."""
    last = next((event for event in reversed(events) if event.kind == "counsel.decided"), None)
    return None if last is None else last.payload.get("release") is True


def records_now(
    state: str, decision: dict[str, Any], requested: Sequence[str], counsel: bool | None
) -> dict[str, Any]:
    """What the records box says under the decision in force: what may go out (or went
    out), and what is kept back and why.

    A legal_review decision leaves its records to counsel: released only once counsel
    releases them, as the release package does (`letters`). A case to refuse releases
    nothing, whatever the rules first found releasable.
    """
    releasable = list(decision.get("releasable_records", []))
    for_counsel = list(decision.get("records_for_counsel", []))
    cited = {
        item["record"]: item.get("citation", "") for item in decision.get("withheld_records", [])
    }
    if state in (State.TO_REFUSE, State.REFUSED):
        why = "counsel refused the request" if counsel is False else "the request is refused"
        return {
            "heading": "Released" if state == State.REFUSED else "May be released",
            "released": [],
            "lead": "Nothing: the request was refused."
            if state == State.REFUSED
            else "Nothing: the request is to be refused.",
            "withheld": [
                {
                    "record": vocabulary_label(record, "records_requested"),
                    "why": cited.get(record) or why,
                }
                for record in requested
            ],
        }
    withheld = [
        {"record": vocabulary_label(record, "records_requested"), "why": citation}
        for record, citation in cited.items()
    ]
    if state == State.WITH_COUNSEL:
        # Counsel decides the whole request, whatever an earlier word of theirs released.
        open_to_counsel = [
            vocabulary_label(record, "records_requested") for record in releasable + for_counsel
        ]
        lead = "Nothing until counsel decides."
        if open_to_counsel:
            lead += f" Counsel may release {_and(open_to_counsel)}."
        return {"heading": "May be released", "released": [], "lead": lead, "withheld": withheld}
    if counsel is True:
        releasable += for_counsel
    heading, lead = {
        State.AWAITING_APPROVAL: ("May be released", "Once a supervisor approves:"),
        State.SENT_BACK: ("May be released", "Once a supervisor approves:"),
        State.APPROVED: ("May be released", "Approved for release by a supervisor:"),
        State.RELEASED: ("Released", "In the release package:"),
    }[State(state)]
    return {
        "heading": heading,
        "released": [vocabulary_label(record, "records_requested") for record in releasable],
        "lead": lead if releasable else "Nothing.",
        "withheld": withheld,
    }


def _and(items: Sequence[str]) -> str:
    return ", ".join(items[:-1]) + f" and {items[-1]}" if len(items) > 1 else "".join(items)
