"""Every change to the request record goes through these functions.

Each runs in one transaction that writes the rows, their events, and the events' ledger
entries, so an acknowledged request is never lost and never exists without its entry.
Callers (views, API, commands) parse and check access, then call one of these.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from custodiet.accounts.models import Agency
from custodiet.directory.current import current_directory
from custodiet.ledger import store
from custodiet.partners.registry import Checked, with_registry_certifications
from custodiet.policy.engine import decide
from custodiet.policy.facts.agencies import Directory
from custodiet.policy.facts.gather import Settings
from custodiet.policy.model import Decision, Request, RequestError, parse_request
from custodiet.policy.packs import Pack, get_pack
from custodiet.records.models import DecisionRecord, Event, RequestRecord

ENGINE = "policy engine"


class RecordError(ValueError):
    """A request that cannot be recorded; nothing was written."""


@dataclass(frozen=True)
class Recorded:
    request: RequestRecord
    decision: DecisionRecord


def new_public_id(received: dt.datetime) -> str:
    # Sortable by date, unguessable, and short enough to read over the phone.
    return f"R-{received:%Y%m%d}-{secrets.token_hex(4).upper()}"


def _instant(moment: dt.datetime) -> dt.datetime:
    """When a request came, in UTC; a time given without an offset is the agency's local time."""
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment.astimezone(dt.UTC)


def _now() -> dt.datetime:
    return timezone.now()


def admit(request: Request, agency: Agency) -> Request:
    """The request as `agency` receives it, or a RequestError naming the field.

    One agency cannot put a request into another's log, whoever sends it, so a request
    names no other receiving agency (one that names none is the agency's own). And it
    arrived at a moment the log can hold: not in the future beyond the clock skew the
    deployment allows, nor before the agency's records begin (settings), so a stray date
    can never stretch the log's months over centuries.
    """
    problems = []
    if request.receiving_agency and request.receiving_agency != agency.code:
        problems.append(
            (
                "receiving_agency",
                f"{request.receiving_agency!r} is not this agency; requests taken in here "
                f"are received by {agency.code} ({agency.name})",
            )
        )
    received = _instant(request.received_at)
    latest = _now() + settings.CUSTODIET_CLOCK_SKEW
    earliest = dt.datetime.combine(
        settings.CUSTODIET_EARLIEST_RECEIVED, dt.time.min, timezone.get_default_timezone()
    )
    if received > latest:
        problems.append(("received_at", f"{request.received_at.isoformat()} is in the future"))
    elif received < earliest:
        problems.append(
            (
                "received_at",
                f"{request.received_at.isoformat()} is before the earliest date this agency's "
                f"records hold, {settings.CUSTODIET_EARLIEST_RECEIVED:%Y-%m-%d}",
            )
        )
    if problems:
        raise RequestError(problems)
    if request.receiving_agency:
        return request
    return request.model_copy(update={"receiving_agency": agency.code})


def _admit_all(requests: Sequence[Request], agency: Agency) -> list[Request]:
    admitted, problems = [], []
    for number, request in enumerate(requests, start=1):
        try:
            admitted.append(admit(request, agency))
        except RequestError as error:
            where = f"item {number}: " if len(requests) > 1 else ""
            problems.extend((where + field, message) for field, message in error.problems)
    if problems:
        raise RequestError(problems)
    return admitted


def _decide(
    item: Checked,
    pack: Pack,
    as_of: dt.date | None,
    policy_settings: Settings,
    directory: Directory,
) -> Decision:
    return decide(
        item.request,
        pack,
        as_of=as_of,
        settings=replace(policy_settings, certification_source=item.source),
        directory=directory,
        explain=item.source is not None,
    )


@dataclass(frozen=True)
class Decided:
    """A request as its agency receives it (admitted, and checked against the partner
    registry), with the engine's decision on it: what `store_decided` records."""

    request: Request
    decision: Decision


def _decide_all(requests: Sequence[Request], as_of: dt.date | None) -> list[Decided]:
    pack = get_pack(settings.CUSTODIET_POLICY_PACK)
    policy_settings = Settings.from_env()
    # Database and bulk requests are decided on the certification the partner registry
    # holds (24-74-105), not on one they state; their decisions explain the facts, so
    # the record says where the certification came from.
    checked = with_registry_certifications(requests)
    directory = current_directory()
    return [
        Decided(item.request, _decide(item, pack, as_of, policy_settings, directory))
        for item in checked
    ]


def decide_each(
    requests: Sequence[Request], agency: Agency, *, as_of: dt.date | None = None
) -> list[Decided | RequestError]:
    """Admit and decide each request as `agency` receives it, each on its own: in the
    place of a request `admit` refuses is its RequestError, and the others are decided
    all the same (with one read of the registry and the directory for all). Writes
    nothing."""
    admitted: list[Request | RequestError] = []
    for request in requests:
        try:
            admitted.append(admit(request, agency))
        except RequestError as error:
            admitted.append(error)
    decided = iter(_decide_all([item for item in admitted if isinstance(item, Request)], as_of))
    return [item if isinstance(item, RequestError) else next(decided) for item in admitted]


def receive_and_decide(
    requests: Sequence[Request], *, actor: str, agency: Agency, as_of: dt.date | None = None
) -> list[Recorded]:
    """Record each request as received by `agency`, decide it, record the decision: all or
    nothing. A request `admit` refuses raises RequestError and records nothing."""
    decided = _decide_all(_admit_all(requests, agency), as_of)
    now = _now()
    try:
        with transaction.atomic():
            recorded = store_decided(decided, agency=agency)
            events = Event.objects.bulk_create(
                [event for item in recorded for event in intake_events(item, actor=actor, at=now)]
            )
            store.append(events)
    except IntegrityError as exc:
        raise RecordError(f"could not record the requests: {exc}") from None
    return recorded


def store_decided(decided: Sequence[Decided], *, agency: Agency) -> list[Recorded]:
    """Write the request and decision rows of requests `agency` admitted and decided, in
    the caller's transaction, all or nothing; RecordError for an id given twice or one
    the agency's log already holds (an IntegrityError when a concurrent call took it).

    The caller writes each request's `intake_events` and appends them to the ledger in
    the same transaction: a request is never recorded without its entries.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("store_decided() must run inside the transaction that ledgers it")
    given = [item.request.id for item in decided if item.request.id]
    if len(given) != len(set(given)):
        raise RecordError("the same request id appears twice in the input")
    taken = set(
        RequestRecord.objects.of_agency(agency)
        .filter(public_id__in=given)
        .values_list("public_id", flat=True)
    )
    if taken:
        raise RecordError(f"request id(s) already recorded: {', '.join(sorted(taken))}")
    records = RequestRecord.objects.bulk_create(
        [
            RequestRecord(
                public_id=request.id or new_public_id(request.received_at),
                agency=agency,
                received_at=_instant(request.received_at),
                channel=request.channel or "",
                receiving_agency=request.receiving_agency or "",
                requester_organization=request.requester.organization,
                requester_level=request.requester.level or "",
                purpose_category=request.purpose_category or "",
                payload=request.model_dump(mode="json", exclude_none=True),
                outcome=decision.outcome,
                immigration_related=decision.immigration_related,
            )
            for request, decision in ((item.request, item.decision) for item in decided)
        ]
    )
    decision_rows = DecisionRecord.objects.bulk_create(
        [
            _decision_row(record, item.decision)
            for record, item in zip(records, decided, strict=True)
        ]
    )
    return [Recorded(record, row) for record, row in zip(records, decision_rows, strict=True)]


def intake_events(recorded: Recorded, *, actor: str, at: dt.datetime) -> list[Event]:
    """The events (unsaved) that record a request's receipt and the engine's decision."""
    return [
        Event(
            request=recorded.request,
            kind="request.received",
            actor=actor,
            at=at,
            payload={"request": recorded.request.payload},
        ),
        Event(
            request=recorded.request,
            kind="request.decided",
            actor=actor,
            at=at,
            payload={"decision": recorded.decision.payload, "decided_by": ENGINE},
        ),
    ]


def _decision_row(record: RequestRecord, decision: Decision) -> DecisionRecord:
    """The engine's decision on `record`, as a row (not yet saved)."""
    return DecisionRecord(
        request=record,
        outcome=decision.outcome,
        immigration_related=decision.immigration_related,
        pack=decision.policy.pack,
        pack_version=decision.policy.version,
        as_of=decision.policy.as_of,
        decided_by=ENGINE,
        payload=decision.to_dict(),
    )


def today_under(pack: Pack) -> dt.date:
    """Today on the pack's calendar (the agency's time zone), the date a decision made now
    is made as of."""
    zone = pack.zone or timezone.get_default_timezone()
    return _now().astimezone(zone).date()


def decide_again(record: RequestRecord, *, as_of: dt.date | None = None) -> Decision:
    """The recorded request decided again, as of `as_of` (today on the pack's calendar when
    not given), the way it was first decided: under the same pack, with the deployment's
    settings, the partner registry's certification and the current agency directory.

    Writes nothing: the caller records the decision (`record_decision`) if it acts on it.
    """
    first = record.decisions.order_by("id").first()
    pack = get_pack(first.pack if first is not None else settings.CUSTODIET_POLICY_PACK)
    checked = with_registry_certifications([parse_request(record.payload)])[0]
    on = as_of or today_under(pack)
    return _decide(checked, pack, on, Settings.from_env(), current_directory())


def record_decision(
    record: RequestRecord, decision: Decision, *, actor: str, kind: str, details: dict[str, Any]
) -> Event:
    """Record a further decision on a recorded request, with its event and the event's
    ledger entry, inside the caller's transaction. The request row keeps the outcome it
    was received with; the latest decision row is the one in force."""
    row = _decision_row(record, decision)
    row.save()
    event = Event.objects.create(
        request=record,
        kind=kind,
        actor=actor,
        at=_now(),
        payload={"decision": row.payload, "decided_by": ENGINE, **details},
    )
    store.append([event])
    return event
