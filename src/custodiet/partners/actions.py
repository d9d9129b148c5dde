"""Every change to the partner registry: partners registered and edited, restriction notices
sent (to one partner, or by email to every partner that has not acknowledged one), their
acknowledgments, and 24-74-105 certifications.

Each action takes the acting person as `by` and writes its rows, its event and the
event's ledger entry in one transaction; the views check the person's role first. The
events belong to no request (`request=None`) and name a partner by its organisational
details only: no contact person, signer or acknowledging person goes into the ledger.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field, fields
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from custodiet.accounts.models import Agency
from custodiet.cases.letters import long_date
from custodiet.directory.current import current_directory
from custodiet.ledger import store
from custodiet.partners import notices
from custodiet.partners.models import (
    AcknowledgedBy,
    Acknowledgment,
    Certification,
    Delivery,
    Kind,
    Notice,
    Partner,
    notice_reference,
)
from custodiet.partners.registry import ORI, normalise_oris, unacknowledged, valid_through
from custodiet.records.models import Event


class RegistryError(ValueError):
    """The change cannot be made; nothing was changed. `problems` maps fields to messages."""

    def __init__(self, problems: dict[str, str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems.values()))


@dataclass(frozen=True)
class Details:
    """What the registry holds about a partner, as a person enters it."""

    name: str
    kind: str
    directory_id: str = ""
    oris: tuple[str, ...] = ()
    contact_name: str = ""
    contact_email: str = ""
    contact_address: str = ""


DETAILS = tuple(item.name for item in fields(Details))


def _record(kind: str, by: AbstractBaseUser, payload: dict[str, Any]) -> Event:
    event = Event.objects.create(
        request=None, kind=kind, actor=by.get_username(), at=timezone.now(), payload=payload
    )
    store.append([event])
    return event


def _organisation(partner: Partner) -> dict[str, Any]:
    return {
        "partner": partner.pk,
        "agency": partner.agency.code,
        "name": partner.name,
        "kind": partner.kind,
        "directory_id": partner.directory_id,
        "oris": partner.oris,
    }


# Partners -----------------------------------------------------------------------------


def complete(details: Details) -> Details:
    """Tidy the details; a partner listed in the directory takes its name from there."""
    listed = current_directory().get(details.directory_id) if details.directory_id else None
    name = " ".join(details.name.split()) or (listed.name if listed else "")
    return Details(
        name=name,
        kind=details.kind,
        directory_id=details.directory_id.strip(),
        oris=tuple(normalise_oris(details.oris)),
        contact_name=details.contact_name.strip(),
        contact_email=details.contact_email.strip(),
        contact_address=details.contact_address.strip(),
    )


def check(agency: Agency, details: Details, *, partner: Partner | None = None) -> dict[str, str]:
    """What is wrong with these (completed) details, by field; empty when nothing is."""
    problems: dict[str, str] = {}
    directory = current_directory()
    listed = directory.get(details.directory_id) if details.directory_id else None
    others = Partner.objects.filter(agency=agency).exclude(pk=partner.pk if partner else None)
    if details.directory_id and listed is None:
        problems["directory_id"] = (
            f"{details.directory_id} is not in the agency directory; choose one of its "
            "entries, or none."
        )
    elif details.directory_id and others.filter(directory_id=details.directory_id).exists():
        problems["directory_id"] = f"{agency.name} already has a partner for {listed.name}."
    if not details.name:
        problems["name"] = "Give the partner's name, or choose it from the agency directory."
    elif others.filter(name__iexact=details.name).exists():
        problems["name"] = f"{agency.name} already has a partner named {details.name}."
    if details.kind not in Kind.values:
        problems["kind"] = "Choose what kind of organization the partner is."
    taken = {ori: other.name for other in others for ori in other.oris}
    for ori in details.oris:
        problem = _ori_problem(ori, listed.id if listed else None, taken)
        if problem:
            problems["oris"] = problem
            break
    if details.contact_email:
        try:
            validate_email(details.contact_email)
        except ValidationError:
            problems["contact_email"] = f"{details.contact_email} is not an email address."
    return problems


# What the database's unique constraints refuse when two people save at the same moment.
_TAKEN = {"name": "Another partner of the agency has just been saved with this name or entry."}


def _ori_problem(ori: str, directory_id: str | None, taken: dict[str, str]) -> str | None:
    # The directory is the one source of who holds an ORI; the registry only adds ORIs
    # the directory does not give to anyone else.
    if not ORI.fullmatch(ori):
        return f"{ori} is not an ORI: an ORI is 9 letters and digits, as CO0160200."
    owner = current_directory().by_ori(ori)
    if owner is not None and owner.id != directory_id:
        return f"The agency directory gives {ori} to {owner.name} ({owner.id})."
    if ori in taken:
        return f"{ori} is already the ORI of {taken[ori]}."
    return None


def _values(details: Details) -> dict[str, Any]:
    return {name: getattr(details, name) for name in DETAILS} | {"oris": list(details.oris)}


def register_partner(*, agency: Agency, by: AbstractBaseUser, details: Details) -> Partner:
    details = complete(details)
    try:
        with transaction.atomic():
            problems = check(agency, details)
            if problems:
                raise RegistryError(problems)
            partner = Partner.objects.create(agency=agency, **_values(details))
            _record("partner.registered", by, _organisation(partner))
    except IntegrityError:
        raise RegistryError(_TAKEN) from None
    return partner


def update_partner(partner: Partner, *, by: AbstractBaseUser, details: Details) -> Partner:
    """Change what differs; the event names the fields changed, not the contact's values."""
    details = complete(details)
    try:
        with transaction.atomic():
            partner = (
                Partner.objects.select_for_update().select_related("agency").get(pk=partner.pk)
            )
            problems = check(partner.agency, details, partner=partner)
            if problems:
                raise RegistryError(problems)
            wanted = _values(details)
            changed = [name for name, value in wanted.items() if getattr(partner, name) != value]
            if not changed:
                return partner
            for name in changed:
                setattr(partner, name, wanted[name])
            partner.save(update_fields=[*changed, "updated_at"])
            _record("partner.updated", by, {**_organisation(partner), "changed": changed})
    except IntegrityError:
        raise RegistryError(_TAKEN) from None
    return partner


# Restriction notices ----------------------------------------------------------------------


def send_notice(
    partner: Partner, *, by: AbstractBaseUser, method: str, sent_to: str = ""
) -> Notice:
    """Issue the notice PDF and record how it went; by email it is sent here, attached.

    `sent_to` defaults to the partner's contact email or postal address; for a hand
    delivery it names who received it.
    """
    if method not in Delivery.values:
        raise RegistryError({"method": "Choose how the notice is sent."})
    sent_to = sent_to.strip() or {
        Delivery.EMAIL: partner.contact_email,
        Delivery.MAIL: partner.contact_address,
    }.get(method, "")
    if not sent_to:
        missing = {
            Delivery.EMAIL: "an email address",
            Delivery.MAIL: "a postal address",
            Delivery.HAND: "who received it",
        }[Delivery(method)]
        raise RegistryError({"sent_to": f"Give {missing}: the registry holds none."})
    if method == Delivery.EMAIL:
        try:
            validate_email(sent_to)
        except ValidationError:
            raise RegistryError({"sent_to": f"{sent_to} is not an email address."}) from None
    with transaction.atomic():
        partner = Partner.objects.select_for_update().select_related("agency").get(pk=partner.pk)
        sequence = (partner.notices.aggregate(last=Max("sequence"))["last"] or 0) + 1
        reference = notice_reference(partner.pk, sequence)
        now = timezone.now()
        pdf = notices.render(partner, reference=reference, issued_on=timezone.localdate(now))
        notice = Notice.objects.create(
            partner=partner,
            sequence=sequence,
            method=method,
            sent_to=sent_to,
            sent_at=now,
            sent_by=by,
            sha256=hashlib.sha256(pdf).hexdigest(),
            pdf=pdf,
        )
        _record(
            "notice.sent",
            by,
            {
                **_organisation(partner),
                "notice": reference,
                "method": method,
                "document_sha256": [notice.sha256],
            },
        )
        if method == Delivery.EMAIL:
            # Last, so a message the mail server refuses leaves no record of a sending.
            _email(notice, partner, by)
    return notice


def _email(notice: Notice, partner: Partner, by: AbstractBaseUser) -> None:
    message = EmailMessage(
        subject=f"{notices.SUBJECT} ({notice.reference})",
        body=notices.email_body(partner, reference=notice.reference),
        to=[notice.sent_to],
        reply_to=[by.email] if getattr(by, "email", "") else None,
    )
    message.attach(
        f"restriction-notice-{notice.reference}.pdf", bytes(notice.pdf), "application/pdf"
    )
    try:
        message.send()
    except OSError as error:  # smtplib's errors are OSErrors too
        raise RegistryError(
            {"sent_to": f"The email to {notice.sent_to} could not be sent ({error})."}
        ) from None


@dataclass
class Resent:
    """What a bulk re-send did: a notice per partner emailed, and who could not be."""

    sent: list[Notice] = field(default_factory=list)
    without_email: list[Partner] = field(default_factory=list)
    failed: list[tuple[Partner, str]] = field(default_factory=list)


def resend_to_unacknowledged(agency: Agency, *, by: AbstractBaseUser) -> Resent:
    """Email a new notice to every partner of the agency that has acknowledged none.

    One transaction per partner: a message the mail server refuses leaves the others sent
    and recorded, and is reported.
    """
    resent = Resent()
    for partner in unacknowledged(agency).order_by("name", "id"):
        if not partner.contact_email:
            resent.without_email.append(partner)
            continue
        try:
            resent.sent.append(send_notice(partner, by=by, method=Delivery.EMAIL))
        except RegistryError as error:
            resent.failed.append((partner, str(error)))
    return resent


def acknowledge(
    notice: Notice,
    *,
    by: AbstractBaseUser,
    acknowledged_on: dt.date,
    acknowledged_by: str,
    method: str,
) -> Acknowledgment:
    sent_on = timezone.localdate(notice.sent_at)
    problems = {}
    if acknowledged_on < sent_on:
        problems["acknowledged_on"] = (
            f"Notice {notice.reference} was sent on {long_date(sent_on, 'en')}; it cannot "
            "have been acknowledged before."
        )
    elif acknowledged_on > timezone.localdate():
        problems["acknowledged_on"] = "The date of the acknowledgment cannot be in the future."
    if not acknowledged_by.strip():
        problems["acknowledged_by"] = "Say who acknowledged it for the partner."
    if method not in AcknowledgedBy.values:
        problems["method"] = "Choose how the partner acknowledged it."
    if problems:
        raise RegistryError(problems)
    with transaction.atomic():
        acknowledgment = Acknowledgment.objects.create(
            notice=notice,
            acknowledged_on=acknowledged_on,
            acknowledged_by=acknowledged_by.strip(),
            method=method,
            recorded_by=by,
        )
        _record(
            "notice.acknowledged",
            by,
            {
                **_organisation(notice.partner),
                "notice": notice.reference,
                "acknowledged_on": acknowledged_on.isoformat(),
                "method": method,
            },
        )
    return acknowledgment


# Certifications ---------------------------------------------------------------------------


def record_certification(
    partner: Partner,
    *,
    by: AbstractBaseUser,
    signed_on: dt.date,
    signer_name: str,
    signer_title: str,
    filename: str,
    content: bytes,
) -> Certification:
    """Keep the signed form with its SHA-256; it covers requests for 365 days from signing."""
    problems = {}
    if signed_on > timezone.localdate():
        problems["signed_on"] = "The date of signing cannot be in the future."
    if not signer_name.strip():
        problems["signer_name"] = "Give the name of the person who signed."
    if not signer_title.strip():
        problems["signer_title"] = "Give the signer's title."
    if not content.startswith(b"%PDF-"):
        problems["form"] = "Upload the signed form as a PDF."
    if problems:
        raise RegistryError(problems)
    with transaction.atomic():
        certification = Certification.objects.create(
            partner=partner,
            signed_on=signed_on,
            signer_name=signer_name.strip(),
            signer_title=signer_title.strip(),
            filename=filename,
            sha256=hashlib.sha256(content).hexdigest(),
            form=content,
            recorded_by=by,
        )
        _record(
            "certification.recorded",
            by,
            {
                **_organisation(partner),
                "signed_on": signed_on.isoformat(),
                "valid_through": valid_through(signed_on).isoformat(),
                "document_sha256": [certification.sha256],
            },
        )
    return certification
