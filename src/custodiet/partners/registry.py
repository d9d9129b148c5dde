"""Reading the registry: which partner a request comes from, the certification that covers
a request, and where each partner stands.

A certification counts as the policy engine counts it (`CERTIFICATION_VALID_DAYS` in
`custodiet.policy.facts.gather`): one signed on day D covers requests received from D
through D + 365 days. Database and bulk requests are decided on the registry's
certification, not on one the request states (`with_registry_certifications`, called by
`custodiet.records.actions.receive_and_decide`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from custodiet.accounts.models import Agency
from custodiet.directory.current import current_directory
from custodiet.partners.models import Acknowledgment, Certification, Notice, Partner
from custodiet.policy.facts.agencies import Directory
from custodiet.policy.facts.gather import CERTIFICATION_VALID_DAYS
from custodiet.policy.model import Certification as StatedCertification
from custodiet.policy.model import Request
from custodiet.policy.packs import get_pack

# A certification lapsing within this many days shows as expiring (and is reminded of).
EXPIRING_WITHIN_DAYS = 30
ORI = re.compile(r"[A-Z0-9]{9}")

CURRENT = "current"
EXPIRING = "expiring"
LAPSED = "lapsed"
NONE = "none"
STANDINGS = {
    CURRENT: "Current",
    EXPIRING: f"Lapses within {EXPIRING_WITHIN_DAYS} days",
    LAPSED: "Lapsed",
    NONE: "None on file",
}


def valid_through(signed_on: dt.date) -> dt.date:
    """The last day a certification signed on `signed_on` covers a request."""
    return signed_on + dt.timedelta(days=CERTIFICATION_VALID_DAYS)


def standing(signed_on: dt.date | None, today: dt.date) -> str:
    """Current, expiring (lapses within 30 days), lapsed, or none, for the latest signing."""
    if signed_on is None:
        return NONE
    last = valid_through(signed_on)
    if today > last:
        return LAPSED
    if (last - today).days < EXPIRING_WITHIN_DAYS:
        return EXPIRING
    return CURRENT


def certifications_without_forms() -> QuerySet[Certification]:
    # The signed forms' bytes stay in the database until one is downloaded.
    return Certification.objects.defer("form").order_by("-signed_on", "-id")


@dataclass(frozen=True)
class Row:
    """A partner as the registry's pages and the reminders see it on a given day."""

    partner: Partner
    certification: Certification | None
    standing: str
    valid_through: dt.date | None
    # Days after that day the certification still covers; negative once it lapsed.
    days_left: int | None
    notices: int
    acknowledged: bool


def rows(partners: QuerySet[Partner], today: dt.date) -> list[Row]:
    """Each partner with its latest certification signed by `today` and its notices' state."""
    acknowledged = Acknowledgment.objects.filter(notice__partner=OuterRef("pk"))
    partners = partners.annotate(acknowledged=Exists(acknowledged)).prefetch_related(
        Prefetch(
            "certifications",
            queryset=certifications_without_forms().filter(signed_on__lte=today),
            to_attr="signed",
        ),
        Prefetch("notices", queryset=Notice.objects.defer("pdf"), to_attr="sent"),
    )
    found = []
    for partner in partners:
        latest = partner.signed[0] if partner.signed else None
        signed_on = latest.signed_on if latest else None
        last = valid_through(signed_on) if signed_on else None
        found.append(
            Row(
                partner=partner,
                certification=latest,
                standing=standing(signed_on, today),
                valid_through=last,
                days_left=(last - today).days if last else None,
                notices=len(partner.sent),
                acknowledged=partner.acknowledged,
            )
        )
    return found


def agency_partners(agency: Agency) -> QuerySet[Partner]:
    return Partner.objects.filter(agency=agency).select_related("agency")


def unacknowledged(agency: Agency) -> QuerySet[Partner]:
    """The agency's partners that have acknowledged no notice, whether sent one or not."""
    acknowledged = Acknowledgment.objects.filter(notice__partner=OuterRef("pk"))
    return agency_partners(agency).filter(~Exists(acknowledged))


# Which partner a request comes from ------------------------------------------------------


@dataclass(frozen=True)
class Checked:
    """A request as it is decided, and where its certification came from (None: as stated)."""

    request: Request
    source: str | None = None


def _words(text: str) -> str:
    return " ".join(text.casefold().split())


class Registry:
    """The partners of each receiving agency, read once for a batch of requests."""

    def __init__(self, directory: Directory | None = None) -> None:
        self.directory = directory or current_directory()
        self._partners: dict[str, list[Partner]] = {}

    def partners(self, receiving_agency: str | None) -> list[Partner]:
        key = receiving_agency or ""
        if key not in self._partners:
            partners = Partner.objects.select_related("agency").prefetch_related(
                Prefetch("certifications", queryset=certifications_without_forms())
            )
            if receiving_agency:
                partners = partners.filter(agency__code=receiving_agency)
            self._partners[key] = list(partners)
        return self._partners[key]

    def find(self, request: Request) -> tuple[list[Partner], str]:
        """The partners the requester is, and how they were matched: by the directory's
        id (the partner itself, else the agency it is part of), by ORI, then by name."""
        partners = self.partners(request.receiving_agency)
        requester = request.requester
        who = self.directory.identify(
            organization=requester.organization,
            component=requester.component,
            ori=requester.ori,
            name=requester.name,
        )
        listed = who.agency
        while listed is not None:
            matched = [p for p in partners if p.directory_id == listed.id]
            if matched:
                return matched, f"directory id {listed.id}"
            listed = self.directory.get(listed.parent) if listed.parent else None
        ori = (requester.ori or "").strip().upper()
        if ori:
            matched = [p for p in partners if ori in p.oris]
            if matched:
                return matched, f"ORI {ori}"
        name = _words(requester.organization)
        matched = [p for p in partners if _words(p.name) == name]
        return matched, "name"

    def check(self, request: Request) -> Checked:
        """The request with the registry's certification in place of any it states."""
        if request.channel != "database" and not request.bulk:
            return Checked(request)
        partners, how = self.find(request)
        # The agency's calendar date, as the engine decides by (contract 1.1).
        day = get_pack(settings.CUSTODIET_POLICY_PACK).received_on(request)
        signed = [
            certification
            for partner in partners
            for certification in partner.certifications.all()
            if certification.signed_on <= day
        ]
        latest = max(signed, key=lambda c: (c.signed_on, c.pk), default=None)
        if partners:
            names = ", ".join(partner.name for partner in partners)
            source = f"the partner registry ({names}, matched by {how})"
        else:
            within = f" of {request.receiving_agency}" if request.receiving_agency else ""
            source = f"the partner registry (no partner{within} matches this requester)"
        update: dict[str, object] = {
            "certification": StatedCertification(signed_on=latest.signed_on) if latest else None
        }
        if request.certification is not None:
            # What the requester stated stays on the record beside what was decided on.
            update["certification_stated"] = request.certification.model_dump(mode="json")
        return Checked(request.model_copy(update=update), source)


def with_registry_certifications(requests: Sequence[Request]) -> list[Checked]:
    registry = Registry()
    return [registry.check(request) for request in requests]


def effective_oris(partner: Partner, directory: Directory | None = None) -> list[str]:
    """The partner's ORIs: the directory's for its entry, then the ones added here."""
    directory = directory or current_directory()
    listed = directory.get(partner.directory_id) if partner.directory_id else None
    return list(dict.fromkeys([*(listed.oris if listed else ()), *partner.oris]))


def normalise_oris(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(value.strip().upper() for value in values if value.strip()))
