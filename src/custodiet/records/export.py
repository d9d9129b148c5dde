"""The request log as rows with the fields C.R.S. 24-74-106 asks for (LAW.md).

The statute's exact field list is unconfirmed; these are at least date, requester,
agency, records sought, purpose stated, legal basis offered, outcome and its reasons,
who decided, and when the request was released or refused.

A row tells two things apart that a reader must never mix up: what the rules decided,
and what then happened to the request.

The rules' latest decision (the one in force):

- `outcome`: refuse, legal_review or eligible, the rules' outcome; a request that counsel
  refused still has the outcome legal_review here. What happened is `final_status`.
- `immigration_related`: yes or no.
- `reportable`: yes or no, whether 24-74-106 counts the request; empty when no reporting
  law was in force on the date it was decided as of, so the decision states nothing.
- `reasons`: the deciding rules, each with its citation and effect.
- `law_layer`: the law it was decided under: the pack, its version and the date whose law
  applied, then the pack's layers with a rule in force that day, in the pack's order
  ("us-co 2026.11.0 as of 2025-08-01: guidance-2020, sb21-131, ..., sb25-276"). A date
  before the state's own law names the federal baseline ("us-federal").
- `decided_by`, `decided_at`: the policy engine, and when it decided.

What happened, from the case and its events:

- `final_status`: released or refused once the case's letter went out, pending while the
  case is open, and pending for a request with no case (one recorded by an import, which
  nothing in the workflow releases or refuses). This is contract/REPORTS.md's final
  status, as of now; its fourth, withdrawn, never appears: the workflow has no withdrawal.
- `decided_by_role`, `last_decided_by`: who decided last what happens to the request, and
  the account its event records (`last_decider`): policy, with no account, while the
  rules alone have decided (and again when a release was stopped and decided again);
  counsel; supervisor, for an approval or a send back; governor, when the Governor's
  office did not approve a DHS subpoena, with the account that recorded its answer. A
  refusal sent on the rules' word alone, or after a send back, is its sender's decision:
  supervisor or clerk, by the role their account has now.
- `released_or_refused_at`: when the letter went out.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Container, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Prefetch, Q, QuerySet
from django.utils import timezone

from custodiet.accounts.models import Agency, Role
from custodiet.cases.models import State
from custodiet.policy.packs import PackError, get_pack
from custodiet.records.models import DecisionRecord, Event, RequestRecord

EXPORT_FIELDS = [
    "request_id",
    "date_received",
    "channel",
    "receiving_agency",
    "requester_name",
    "requester_organization",
    "requester_level",
    "records_sought",
    "purpose_stated",
    "purpose_category",
    "legal_basis_offered",
    "outcome",
    "immigration_related",
    "reportable",
    "reasons",
    "law_layer",
    "decided_by",
    "decided_at",
    "final_status",
    "decided_by_role",
    "last_decided_by",
    "released_or_refused_at",
]
# contract/REPORTS.md's final statuses that the workflow can reach (it has no withdrawal).
FINAL_STATUSES = ("released", "refused", "pending")
_CLOSED = (State.RELEASED, State.REFUSED)
_FINAL_STATUS_IS = {
    "released": Q(case__state=State.RELEASED),
    "refused": Q(case__state=State.REFUSED),
    # Open, or no case at all.
    "pending": ~Q(case__state__in=_CLOSED),
}
CLOSING_EVENTS = ("request.released", "request.refused")
# Who decides at each event, and whether the letter sent after it only carries that
# decision out. Where the last word is the rules' (or a supervisor's send back), the
# person who sends the refusal decides it: the letter is their decision.
DECIDERS = {
    "request.decided": ("policy", False),
    "request.redecided": ("policy", False),
    "counsel.decided": ("counsel", True),
    "supervisor.approved": ("supervisor", True),
    "supervisor.sent_back": ("supervisor", False),
    # Fetched only when it is the Governor's office's "not approved" (`_STEPS`).
    "obligation.recorded": ("governor", True),
}
_STEPS = Q(
    kind__in=[kind for kind in (*DECIDERS, *CLOSING_EVENTS) if kind != "obligation.recorded"]
) | Q(kind="obligation.recorded", payload__obligation="governor_review", payload__met=False)


@dataclass(frozen=True)
class Decider:
    """Who decided last what happens to a request: a role of DECIDERS, or the role of the
    person who sent the letter, and their account (none for the rules)."""

    role: str
    account: str = ""


def last_decider(events: Iterable[Event], supervisors: Container[str]) -> Decider:
    """Who decided last, from the request's events in order (`with_history`).

    A letter's sender is a clerk unless their account is a supervisor's now: events name
    the account, not the role it had on the day."""
    decider, binding = Decider("policy"), False
    for event in events:
        if event.kind in DECIDERS:
            role, binding = DECIDERS[event.kind]
            decider = Decider(role, "" if role == "policy" else event.actor)
        elif event.kind in CLOSING_EVENTS and not binding:
            role = "supervisor" if event.actor in supervisors else "clerk"
            decider, binding = Decider(role, event.actor), True
    return decider


def final_status(record: RequestRecord) -> str:
    """Released or refused once the letter went out; pending otherwise (`with_history`)."""
    state = getattr(record, "case_state", None)
    return state if state in _CLOSED else "pending"


def supervisors_of(agency: Agency) -> set[str]:
    """The accounts of the agency's supervisors, to tell their letters from a clerk's."""
    return set(agency.members.filter(role=Role.SUPERVISOR).values_list("user__username", flat=True))


def with_history(records: QuerySet[RequestRecord]) -> QuerySet[RequestRecord]:
    """The requests with what `final_status` and `last_decider` read: the case's state in
    the same query, and the events that decide or close them in one more query for all of
    them (for each chunk of an iterator), never one query per request."""
    steps = Event.objects.filter(_STEPS).defer("payload").order_by("id")
    return records.annotate(case_state=F("case__state")).prefetch_related(
        Prefetch("events", queryset=steps, to_attr="steps")
    )


@functools.lru_cache(maxsize=4096)
def _law_layer(pack_id: str, version: str, as_of: str, rules: tuple[str, ...]) -> str:
    try:
        pack = get_pack(pack_id)
        layers = pack.layers_of(rules, dt.date.fromisoformat(as_of))
    except (PackError, ValueError):
        # A pack this installation does not have, or no date: its rules name the law.
        layers = list(rules)
    # The pack's own rules (pack.toml) form a layer named after the pack, named already.
    named = ", ".join(layer for layer in layers if layer != pack_id)
    return f"{pack_id} {version} as of {as_of}: {named}"


def law_layer(decision: dict[str, Any]) -> str:
    """The law a decision was made under, in words (the column `law_layer`)."""
    policy = decision.get("policy") or {}
    if not policy.get("pack"):
        return ""
    return _law_layer(
        str(policy["pack"]),
        str(policy.get("version", "")),
        str(policy.get("as_of", "")),
        tuple(str(rule) for rule in policy.get("rules_in_force", [])),
    )


def _legal_basis(payload: dict[str, Any]) -> str:
    parts = []
    investigation = payload.get("criminal_investigation") or {}
    if investigation.get("case_number") or investigation.get("offense"):
        parts.append(
            "criminal investigation "
            + " ".join(
                str(investigation[key])
                for key in ("case_number", "offense")
                if investigation.get(key)
            )
        )
    for process in payload.get("legal_process") or []:
        parts.append(
            " ".join(str(process[key]) for key in ("kind", "form", "title") if process.get(key))
            or "legal document"
        )
    if payload.get("claimed_legal_requirement"):
        parts.append(f"claimed requirement {payload['claimed_legal_requirement']}")
    if payload.get("certification"):
        parts.append(f"certification signed {payload['certification'].get('signed_on')}")
    return "; ".join(parts)


@dataclass(frozen=True)
class LogFilter:
    """Which requests of one agency's log to show, count or export; a field left empty
    filters nothing.

    The log page, its counts and chart, and both exports all take their requests from
    `requests()`, so a download holds exactly the requests the page shows, and none of
    another agency's.
    """

    agency: Agency
    # The agency's local dates, both ends inclusive.
    start: dt.date | None = None
    end: dt.date | None = None
    # Part of the requester's organization, in any case.
    requester: str = ""
    # The rules' outcome as the request was received (the request row's).
    outcome: str = ""
    immigration_related: bool | None = None
    channel: str = ""
    # One of FINAL_STATUSES.
    final_status: str = ""

    def requests(self) -> QuerySet[RequestRecord]:
        """The matching requests in the order received; dates select on the received_at index."""
        zone = timezone.get_default_timezone()
        records = RequestRecord.objects.of_agency(self.agency).order_by("received_at", "id")
        if self.start:
            records = records.filter(
                received_at__gte=dt.datetime.combine(self.start, dt.time.min, zone)
            )
        if self.end:
            records = records.filter(
                received_at__lt=dt.datetime.combine(
                    self.end + dt.timedelta(days=1), dt.time.min, zone
                )
            )
        if self.requester:
            records = records.filter(requester_organization__icontains=self.requester)
        if self.outcome:
            records = records.filter(outcome=self.outcome)
        if self.immigration_related is not None:
            records = records.filter(immigration_related=self.immigration_related)
        if self.channel:
            records = records.filter(channel=self.channel)
        if self.final_status:
            records = records.filter(_FINAL_STATUS_IS[self.final_status])
        return records


def _stamp(moment: dt.datetime | None, zone: dt.tzinfo) -> str:
    return moment.astimezone(zone).isoformat(timespec="seconds") if moment else ""


def export_rows(where: LogFilter) -> Iterator[dict[str, str]]:
    """Rows in the order received, of the requests `where` selects.

    Each 2,000 requests cost the same three queries (the requests with their cases' states,
    their decisions, their events), however many there are, plus one for the supervisors."""
    zone = timezone.get_default_timezone()
    records = with_history(where.requests()).prefetch_related(
        Prefetch("decisions", queryset=DecisionRecord.objects.order_by("id"))
    )
    supervisors = supervisors_of(where.agency)
    for record in records.iterator(chunk_size=2000):
        payload = record.payload
        decisions = list(record.decisions.all())
        latest = decisions[-1] if decisions else None
        decision = latest.payload if latest else {}
        reportable = decision.get("reportable")
        closings = [event for event in record.steps if event.kind in CLOSING_EVENTS]
        decider = last_decider(record.steps, supervisors)
        yield {
            "request_id": record.public_id,
            "date_received": record.received_at.astimezone(zone).isoformat(timespec="minutes"),
            "channel": record.channel,
            "receiving_agency": record.receiving_agency,
            "requester_name": (payload.get("requester") or {}).get("name") or "",
            "requester_organization": record.requester_organization,
            "requester_level": record.requester_level,
            "records_sought": "; ".join(payload.get("records_requested", [])),
            "purpose_stated": payload.get("purpose") or "",
            "purpose_category": record.purpose_category,
            "legal_basis_offered": _legal_basis(payload),
            "outcome": latest.outcome if latest else "",
            "immigration_related": ""
            if latest is None
            else ("yes" if latest.immigration_related else "no"),
            "reportable": ("yes" if reportable.get("value") else "no")
            if isinstance(reportable, dict)
            else "",
            "reasons": "; ".join(
                f"{reason['rule']} ({reason['citation']}): {reason['effect']}"
                for reason in decision.get("reasons", [])
            ),
            "law_layer": law_layer(decision),
            "decided_by": latest.decided_by if latest else "",
            "decided_at": _stamp(latest.created_at if latest else None, zone),
            "final_status": final_status(record),
            "decided_by_role": decider.role,
            "last_decided_by": decider.account,
            "released_or_refused_at": _stamp(closings[-1].at if closings else None, zone),
        }
