"""The request log as rows with the fields C.R.S. 24-74-106 asks for (LAW.md).

The statute's exact field list is unconfirmed; these are at least date, requester,
agency, records sought, purpose stated, legal basis offered, outcome and its reasons,
who decided, and when the request was released or refused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from custodiet.accounts.models import Agency
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
    "reasons",
    "decided_by",
    "decided_at",
    "released_or_refused_at",
]
CLOSING_EVENTS = ("request.released", "request.refused")


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
    outcome: str = ""
    immigration_related: bool | None = None
    channel: str = ""

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
        return records


def export_rows(where: LogFilter) -> Iterator[dict[str, str]]:
    """Rows in the order received, of the requests `where` selects."""
    zone = timezone.get_default_timezone()
    records = where.requests()
    records = records.prefetch_related(
        Prefetch("decisions", queryset=DecisionRecord.objects.order_by("id")),
        Prefetch(
            "events",
            queryset=Event.objects.filter(kind__in=CLOSING_EVENTS).order_by("id"),
            to_attr="closings",
        ),
    )
    for record in records.iterator(chunk_size=2000):
        payload = record.payload
        decisions = list(record.decisions.all())
        latest = decisions[-1] if decisions else None
        reasons = latest.payload.get("reasons", []) if latest else []
        closing = record.closings[-1] if record.closings else None
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
            "reasons": "; ".join(
                f"{reason['rule']} ({reason['citation']}): {reason['effect']}" for reason in reasons
            ),
            "decided_by": latest.decided_by if latest else "",
            "decided_at": latest.created_at.astimezone(zone).isoformat(timespec="seconds")
            if latest
            else "",
            "released_or_refused_at": closing.at.astimezone(zone).isoformat(timespec="seconds")
            if closing
            else "",
        }
