"""The documents a case ends with: the refusal letter and the release package, as PDF.

Each is a Django template per kind and language (templates/cases/letters/) that
WeasyPrint lays out as a tagged PDF/UA-1 file. The requester receives it, so it carries
nothing about the subject beyond the names the requester sent. The same case gives the
same bytes on the same day: the ledger records each letter's SHA-256, and a letter
rendered again can be checked against it. The partners' restriction notices are laid
out the same way (`write_pdf`).

The policy pack writes its explanations in English; the Spanish letters use the
translations below, one per rule, and fall back to the pack's English for a rule added
since (tests/cases/test_letters.py fails until the translation is written).
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

from custodiet import labels
from custodiet.cases.models import Case, Letter
from custodiet.policy.facts.documents import classify_document, recognised_form
from custodiet.policy.packs import LETTER_TEXTS, PackError, Rule, get_pack
from custodiet.records.models import Event

KINDS = (Letter.Kind.REFUSAL, Letter.Kind.RELEASE)
LANGUAGES = ("en", "es")

MONTHS = {
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    "es": [
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ],
}

# Where a refusal rests on a supervisor's judgment rather than a rule.
SUPERVISOR_REVIEW_CITATION = "Colorado Governor's guidance (May 20, 2020), supervisor notice"
# Where it rests on the Governor's office's answer to a DHS subpoena sent for its review.
GOVERNOR_REVIEW_CITATION = "Governor's office practice (July 2025): review of DHS subpoenas"
GOVERNOR_ANSWER = {
    "en": "The Governor's office did not approve an answer (its reference {reference}, of {on}).",
    "es": "La oficina del Gobernador no aprobó una respuesta (su referencia {reference}, del {on}).",
}


@dataclass(frozen=True)
class Ground:
    """One reason the letter gives: the provision, and what it means here."""

    citation: str
    explanation: str
    # Who gave the reason when it is not a rule: "counsel", "supervisor" or "governor".
    given_by: str = ""
    # The explanation is the pack's English because no translation exists yet.
    untranslated: bool = False


# Printed across and atop every page of a preview.
PREVIEW_MARK = {"en": "PREVIEW – NOT ISSUED", "es": "BORRADOR – NO EMITIDO"}


def render(case: Case, kind: str, language: str, *, preview: bool = False) -> bytes:
    """The refusal letter or release package for the case, in English or Spanish, as PDF.

    A preview is the same letter marked on every page as a draft that was not issued, so
    that a copy of it can never pass for the letter the ledger records.
    """
    if kind not in KINDS:
        raise ValueError(f"no letter of kind {kind!r}; use one of: {', '.join(KINDS)}")
    if language not in LANGUAGES:
        raise ValueError(f"no letters in {language!r}; use one of: {', '.join(LANGUAGES)}")
    context = _context(case, kind, language)
    if preview:
        context |= {"preview": True, "preview_mark": PREVIEW_MARK[language]}
    html = render_to_string(f"cases/letters/{kind}.{language}.html", context)
    identifier = f"custodiet:{context['request_id']}:{kind}:{language}"
    return write_pdf(html, identifier + (":preview" if preview else ""))


def write_pdf(html: str, identifier: str) -> bytes:
    """Lay out a letter's HTML as a tagged PDF/UA-1 file; the identifier keeps it reproducible."""
    # A letter needs nothing from outside; requester text that looked like a link or an
    # image must never make the server fetch a file or a URL.
    document = HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=()))
    return document.write_pdf(
        pdf_variant="pdf/ua-1", pdf_identifier=identifier.encode(), font_config=_font_config()
    )


_fonts = threading.local()


def _font_config() -> FontConfiguration:
    # Loading the system's fonts is half the cost of a letter, so it is done once per
    # thread (a thread of its own for each: Pango's font map is not made to be shared).
    config: FontConfiguration | None = getattr(_fonts, "config", None)
    if config is None:
        config = _fonts.config = FontConfiguration()
    return config


def long_date(day: dt.date, language: str) -> str:
    month = MONTHS[language][day.month - 1]
    if language == "es":
        return f"{day.day} de {month} de {day.year}"
    return f"{month} {day.day}, {day.year}"


def agency_zone(case: Case) -> ZoneInfo:
    return _zone(case)


def address_lines(address: str) -> list[str]:
    return _lines(address)


def record_words(records: list[str], language: str) -> list[str]:
    return _words(records, language)


def document_names(request: dict[str, Any], language: str) -> list[str]:
    """The legal documents a request offered, each named as a letter names it."""
    return [_document_name(document, language) for document in request.get("legal_process", [])]


def _zone(case: Case) -> ZoneInfo:
    try:
        return ZoneInfo(case.agency.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


def _context(case: Case, kind: str, language: str) -> dict[str, Any]:
    record = case.request
    request = record.payload
    decision_row = record.decisions.order_by("-id").first()
    decision: dict[str, Any] = decision_row.payload if decision_row else {}
    events = list(Event.objects.filter(request=record).order_by("id"))
    # Dates are the agency's days, whatever the server's time zone.
    zone = _zone(case)
    issued = timezone.localdate(case.closed_at or timezone.now(), zone)
    requester = request.get("requester", {})
    context: dict[str, Any] = {
        "language": language,
        "agency": case.agency.name,
        "request_id": record.public_id,
        "issued_on": long_date(issued, language),
        "issued_iso": issued.isoformat(),
        "received_on": long_date(timezone.localdate(record.received_at, zone), language),
        "requester_name": requester.get("name") or "",
        "requester_organization": requester.get("organization") or record.requester_organization,
        "requester_component": requester.get("component") or "",
        "subject_names": [s["name"] for s in request.get("subjects", []) if s.get("name")],
        "records_requested": _words(request.get("records_requested", []), language),
        "purpose": request.get("purpose") or "",
        "case_number": (request.get("criminal_investigation") or {}).get("case_number") or "",
        "documents": _documents(request, decision, language),
        "immigration_related": bool(decision.get("immigration_related")),
        "contact": _contact(case),
        "agency_address": _lines(case.agency.address),
        "agency_email": case.agency.email,
        "agency_phone": case.agency.phone,
        "requester_address": _lines(requester.get("address") or ""),
    }
    context.update(_pack_words(decision, language))
    if kind == Letter.Kind.REFUSAL:
        context["grounds"] = _refusal_grounds(case, decision, events, language)
    else:
        context.update(_release(case, decision, events, language))
    return context


def _pack_words(decision: dict[str, Any], language: str) -> dict[str, str]:
    """What the pack that decided says in letters (`[letters]`), in the letter's language."""
    pack_id = decision.get("policy", {}).get("pack") or settings.CUSTODIET_POLICY_PACK
    try:
        words = get_pack(pack_id).letters
    except PackError:
        words = {}
    suffix = "_es" if language == "es" else ""
    return {key: words.get(key + suffix) or words.get(key, "") for key in LETTER_TEXTS}


def _lines(address: str) -> list[str]:
    """A postal address as the lines it is printed on, blank lines dropped."""
    return [line.strip() for line in address.splitlines() if line.strip()]


def _words(records: list[str], language: str) -> list[str]:
    return [labels.label(record, "records_requested", language) for record in records]


def _explanation(reason: dict[str, Any], language: str, pack_id: str) -> tuple[str, bool]:
    """The reason in `language`, and whether it had to stay in English.

    Spanish comes from the pack beside the English (decisions carry it since the packs
    did); a decision recorded before then takes it from the pack's rule of that id.
    """
    if language == "es":
        spanish = reason.get("explanation_es")
        if not spanish:
            rule = _pack_rule(pack_id, reason.get("rule", ""))
            spanish = rule.explanation_es if rule else None
        if spanish:
            return spanish, False
        return reason.get("explanation", ""), True
    return reason.get("explanation", ""), False


def _pack_rule(pack_id: str, rule_id: str) -> Rule | None:
    try:
        return get_pack(pack_id).rule(rule_id)
    except PackError:
        return None


def _ground(reason: dict[str, Any], language: str, pack_id: str) -> Ground:
    text, untranslated = _explanation(reason, language, pack_id)
    return Ground(citation=reason.get("citation", ""), explanation=text, untranslated=untranslated)


def _documents(
    request: dict[str, Any], decision: dict[str, Any], language: str
) -> list[dict[str, str]]:
    """The legal documents the requester offered, named as they named them, and what the
    decision took each to be (findings are in the same order as the documents)."""
    findings = decision.get("legal_process", [])
    documents = []
    for position, document in enumerate(request.get("legal_process", [])):
        name = _document_name(document, language)
        finding = findings[position] if position < len(findings) else {}
        kind = finding.get("kind") or document.get("kind") or ""
        documents.append(
            {"name": name, "kind": labels.words(kind, "kind", language) if kind else ""}
        )
    return documents


# How a letter names a document: its form, title and issuer (`_document_name`).
DOCUMENT_WORDS = {
    "en": {
        "form": "Form {}",
        "issued_by": "issued by {}",
        "unnamed": "A document with no form number or title",
    },
    "es": {
        "form": "Formulario {}",
        "issued_by": "emitido por {}",
        "unnamed": "Un documento sin número de formulario ni título",
    },
}


def _document_name(document: dict[str, Any], language: str) -> str:
    """The document as "Form I-200, Warrant for Arrest of Alien": its form and title as
    given, else as its own text shows them (a requester who sends only the file names
    neither)."""
    words = DOCUMENT_WORDS[language]
    form, title, issuer = (document.get(key) for key in ("form", "title", "issued_by"))
    if not title:
        described = {
            key: document.get(key) for key in ("form", "title", "issued_by", "signed_by", "text")
        }
        recognised = recognised_form(classify_document(**described))
        if recognised is not None and (
            not form or _form_number(form) == _form_number(recognised[0])
        ):
            form, title = form or recognised[0], recognised[1]
    parts = [
        words["form"].format(_form_number(form, keep_case=True)) if form else None,
        title,
        words["issued_by"].format(issuer) if issuer else None,
    ]
    return ", ".join(part for part in parts if part) or words["unnamed"]


def _form_number(form: str, *, keep_case: bool = False) -> str:
    """The number alone, without a leading "Form" the requester may have written."""
    number = re.sub(r"^\s*(?:form|formulario)\b\s*", "", form, flags=re.IGNORECASE).strip()
    return number if keep_case else re.sub(r"[\s-]", "", number).casefold()


def _last(events: list[Event], *kinds: str) -> Event | None:
    matching = [event for event in events if event.kind in kinds]
    return matching[-1] if matching else None


def _refusal_grounds(
    case: Case, decision: dict[str, Any], events: list[Event], language: str
) -> list[Ground]:
    """Every provision behind the refusal: the rules that refuse, then counsel's reason,
    the Governor's office's answer, or the supervisor's reason, when the refusal was theirs."""
    reasons = decision.get("reasons", [])
    pack_id = decision.get("policy", {}).get("pack", "")
    grounds = [
        _ground(reason, language, pack_id) for reason in reasons if reason.get("effect") == "refuse"
    ]
    counsel = _last(events, "counsel.decided")
    if counsel is not None and not counsel.payload.get("release"):
        # Counsel decides under the provisions that sent the request to legal review.
        reviewed = [r["citation"] for r in reasons if r.get("effect") == "legal_review"]
        grounds.append(
            Ground(
                citation="; ".join(dict.fromkeys(reviewed)),
                explanation=case.counsel_reason or counsel.payload.get("reason", ""),
                given_by="counsel",
            )
        )
    governor = [
        event
        for event in events
        if event.kind == "obligation.recorded"
        and event.payload.get("obligation") == "governor_review"
        and not event.payload.get("met")
    ]
    if governor:
        answer = governor[-1].payload
        on = long_date(dt.date.fromisoformat(answer["answered_on"]), language)
        grounds.append(
            Ground(
                citation=GOVERNOR_REVIEW_CITATION,
                explanation=GOVERNOR_ANSWER[language].format(reference=answer["reference"], on=on),
                given_by="governor",
            )
        )
    review = _last(events, "supervisor.sent_back", "case.resubmitted", "supervisor.approved")
    if review is not None and review.kind == "supervisor.sent_back":
        grounds.append(
            Ground(
                citation=SUPERVISOR_REVIEW_CITATION,
                explanation=review.payload.get("reason", ""),
                given_by="supervisor",
            )
        )
    return grounds


def _release(
    case: Case, decision: dict[str, Any], events: list[Event], language: str
) -> dict[str, Any]:
    withheld = [
        {"record": _words([item["record"]], language)[0], "citation": item.get("citation", "")}
        for item in decision.get("withheld_records", [])
    ]
    # A request counsel released has its eligible reasons among those also considered.
    pack_id = decision.get("policy", {}).get("pack", "")
    basis = [
        _ground(reason, language, pack_id)
        for reason in [*decision.get("reasons", []), *decision.get("also_considered", [])]
        if reason.get("effect") == "eligible"
    ]
    counsel = _last(events, "counsel.decided")
    released = list(decision.get("releasable_records", []))
    if counsel is not None and counsel.payload.get("release"):
        # A legal_review decision leaves the records to counsel, who released them.
        released += decision.get("records_for_counsel", [])
        basis.append(
            Ground(
                citation="",
                explanation=case.counsel_reason or counsel.payload.get("reason", ""),
                given_by="counsel",
            )
        )
    approval = _last(events, "supervisor.approved")
    approved_at = approval.at if approval is not None else case.updated_at
    approver = case.approved_by
    return {
        "released": _words(list(dict.fromkeys(released)), language),
        "withheld": withheld,
        "basis": basis,
        "approved_by": (approver.get_full_name() or approver.get_username()) if approver else "",
        "approved_on": long_date(timezone.localdate(approved_at, _zone(case)), language),
    }


def _contact(case: Case) -> dict[str, str]:
    clerk = case.taken_in_by
    if clerk is None:
        return {}
    return {"name": clerk.get_full_name(), "email": clerk.email}
