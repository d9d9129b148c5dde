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
import threading
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

from custodiet.cases.models import Case, Letter
from custodiet.records.models import Event

KINDS = (Letter.Kind.REFUSAL, Letter.Kind.RELEASE)
LANGUAGES = ("en", "es")

RECORDS = {
    "name": ("name", "nombre"),
    "address": ("address", "domicilio"),
    "date_of_birth": ("date of birth", "fecha de nacimiento"),
    "license_number": (
        "driver's license or ID card number",
        "número de licencia de conducir o de tarjeta de identificación",
    ),
    "license_status": ("license status", "estado de la licencia"),
    "driving_record": ("driving record", "historial de manejo"),
    "photo": ("photograph", "fotografía"),
    "physical_description": ("physical description", "descripción física"),
    "vehicle_registration": ("vehicle registration", "registro del vehículo"),
    "phone": ("telephone number", "número de teléfono"),
    "email": ("email address", "dirección de correo electrónico"),
    "ssn": ("Social Security number", "número de Seguro Social"),
    "place_of_birth": ("place of birth", "lugar de nacimiento"),
    "immigration_status": ("immigration status", "situación migratoria"),
    "citizenship_status": ("citizenship status", "ciudadanía"),
    "identity_documents": ("identity documents", "documentos de identidad"),
    "signature": ("signature", "firma"),
    "other": ("other records", "otros datos"),
}

# What the system took each document to be, as the requester should read it.
PROCESS_KINDS = {
    "judicial_warrant": ("judicial warrant", "mandamiento judicial (warrant)"),
    "court_order": ("court order", "orden de un tribunal"),
    "court_subpoena": ("subpoena issued by a court", "citación emitida por un tribunal"),
    "grand_jury_subpoena": ("grand jury subpoena", "citación de un gran jurado"),
    "administrative_warrant": (
        "administrative warrant, not issued by a court",
        "orden administrativa, no emitida por un tribunal",
    ),
    "administrative_subpoena": (
        "administrative subpoena, not issued by a court",
        "citación administrativa, no emitida por un tribunal",
    ),
    "detainer": (
        "immigration detainer, not issued by a court",
        "solicitud de detención migratoria (detainer), no emitida por un tribunal",
    ),
    "other": ("document of another kind", "documento de otro tipo"),
}

# The Spanish of every decision rule's explanation in the packs (us-co, us-federal).
SPANISH_EXPLANATIONS = {
    "co-person-in-interest": (
        "El solicitante es la persona interesada que pide su propio registro, no un tercero: ni "
        "la directriz ni el Artículo 74 lo impiden. El empleado verifica su identidad antes de "
        "entregar cualquier dato."
    ),
    "co-guidance-written-consent": (
        "El solicitante actúa con el consentimiento por escrito de la persona a quien pertenece "
        "el registro, un motivo que la directriz y la DPPA reconocen; el consentimiento firmado "
        "debe estar archivado antes de entregar cualquier dato."
    ),
    "co-guidance-unclear-immigration-role": (
        "La directriz no permite solicitudes cuyo único fin sea la aplicación civil de las leyes "
        "de inmigración, y el fin indicado menciona a autoridades de inmigración en un papel que "
        "el sistema no puede determinar, por lo que decide el asesor jurídico."
    ),
    "co-74-103-unclear-role": (
        "El fin indicado menciona a autoridades de inmigración, pero no se pudo determinar si "
        "como víctima o sujeto de un delito o como la aplicación de las leyes de inmigración que "
        "la ley prohíbe apoyar; el asesor jurídico debe decidir antes de compartir cualquier dato."
    ),
    "dppa-written-consent": (
        "La DPPA permite la divulgación a un solicitante con el consentimiento por escrito de la "
        "persona a quien se refiere la información; el consentimiento firmado debe estar "
        "archivado."
    ),
    "dppa-person-in-interest": (
        "El solicitante es la persona a quien se refiere el registro y lo pide para sí misma; el "
        "empleado verifica su identidad antes de entregar cualquier dato."
    ),
    "co-guidance-criminal-investigation": (
        "La solicitud apoya una investigación penal en curso, un motivo que la directriz permite."
    ),
    "co-guidance-court-process": (
        "La solicitud responde a una citación, un mandamiento (warrant) o una orden "
        "autorizados por un tribunal, un motivo que la directriz permite."
    ),
    "co-guidance-agency-function": (
        "La solicitud es necesaria para cumplir funciones que exige una ley o un reglamento "
        "y no tiene relación con la aplicación civil de las leyes de inmigración, un motivo "
        "que la directriz permite."
    ),
    "co-guidance-required-by-law": (
        "El solicitante afirma que una ley exige entregar los datos. La directriz exceptúa "
        "lo que exige la ley estatal o federal, por lo que el asesor jurídico debe confirmar "
        "esa afirmación antes de compartir cualquier dato."
    ),
    "co-guidance-unclear-process": (
        "Se presentó un documento legal que el sistema no pudo identificar como emitido por "
        "un tribunal o como administrativo, por lo que el asesor jurídico debe leerlo."
    ),
    "co-guidance-no-permitted-basis": (
        "La solicitud no muestra ningún motivo permitido: no hay una investigación penal en "
        "curso, ni un proceso autorizado por un tribunal, ni una función exigida por una ley "
        "o un reglamento."
    ),
    "co-guidance-civil-immigration": (
        "La solicitud tiene como único fin la aplicación civil de las leyes federales de "
        "inmigración, sin investigación penal y sin proceso judicial, y la directriz no lo "
        "permite."
    ),
    "co-74-103-immigration-enforcement": (
        "Los empleados estatales no pueden divulgar ni dar acceso a información de "
        "identificación personal para la aplicación de las leyes federales de inmigración, y "
        "el Departamento de Ingresos (Department of Revenue) no puede compartir registros de "
        "vehículos motorizados con ese fin, salvo que lo exija una ley federal o estatal o "
        "una citación, un mandamiento o una orden emitidos por un tribunal. No se presentó "
        "ninguna de las dos cosas; una investigación penal en curso no es una excepción "
        "cuando el fin es la aplicación de las leyes de inmigración."
    ),
    "co-74-103-court-process": (
        "El fin es la aplicación de las leyes de inmigración, pero se presentó un documento "
        "emitido por un tribunal. Solo se exceptúa el cumplimiento de esa citación, ese "
        "mandamiento o esa orden del tribunal, por lo que el asesor jurídico debe confirmar "
        "el documento y lo que exige."
    ),
    "co-74-103-required-by-law": (
        "El solicitante afirma que una ley obliga a entregar los datos en un asunto de "
        "inmigración. Solo se exceptúa lo que una ley federal o estatal realmente exige, por "
        "lo que decide el asesor jurídico; el sistema nunca decide por sí solo una "
        "afirmación así."
    ),
    "co-74-103-immigration-agency": (
        "El solicitante es una agencia de inmigración. Aun en un caso penal, el asesor "
        "jurídico debe confirmar que la información no servirá para la aplicación de las "
        "leyes de inmigración antes de compartir cualquier dato."
    ),
    "co-74-105-certification": (
        "Un tercero solo puede acceder a información de identificación personal mediante una "
        "base de datos o una red automatizada si, dentro del último año, certificó bajo pena "
        "de perjurio que no la usará para la aplicación de las leyes de inmigración. No "
        "consta ninguna certificación firmada en los 365 días anteriores a esta solicitud."
    ),
    "co-frs-no-dmv-photo-search": (
        "No se hacen búsquedas de reconocimiento facial en las fotografías del DMV sin la "
        "aprobación expresa de la legislatura, y no consta ninguna para este sistema."
    ),
    "co-frs-authorized": (
        "Consta una autorización legislativa para el reconocimiento facial, por lo que el "
        "asesor jurídico debe confirmar que esta búsqueda está dentro de ella y cumple las "
        "condiciones de la ley."
    ),
    "dppa-government-function": (
        "La DPPA permite entregar datos a una agencia de gobierno, incluidas las fuerzas del "
        "orden, en el ejercicio de sus funciones."
    ),
    "dppa-court-proceeding": (
        "La DPPA permite entregar datos para su uso en un procedimiento judicial, incluida la "
        "notificación de actos procesales y la ejecución de sentencias y órdenes."
    ),
    "dppa-permissible-use-unconfirmed": (
        "El solicitante no es una agencia de gobierno que indique una de sus funciones, por "
        "lo que el asesor jurídico debe confirmar cuál de los usos permitidos por la DPPA "
        "corresponde, si alguno."
    ),
}

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


@dataclass(frozen=True)
class Ground:
    """One reason the letter gives: the provision, and what it means here."""

    citation: str
    explanation: str
    # Who gave the reason when it is not a rule: "counsel" or "supervisor".
    given_by: str = ""
    # The explanation is the pack's English because no translation exists yet.
    untranslated: bool = False


def render(case: Case, kind: str, language: str) -> bytes:
    """The refusal letter or release package for the case, in English or Spanish, as PDF."""
    if kind not in KINDS:
        raise ValueError(f"no letter of kind {kind!r}; use one of: {', '.join(KINDS)}")
    if language not in LANGUAGES:
        raise ValueError(f"no letters in {language!r}; use one of: {', '.join(LANGUAGES)}")
    context = _context(case, kind, language)
    html = render_to_string(f"cases/letters/{kind}.{language}.html", context)
    return write_pdf(html, f"custodiet:{context['request_id']}:{kind}:{language}")


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


def _context(case: Case, kind: str, language: str) -> dict[str, Any]:
    record = case.request
    request = record.payload
    decision_row = record.decisions.order_by("-id").first()
    decision: dict[str, Any] = decision_row.payload if decision_row else {}
    events = list(Event.objects.filter(request=record).order_by("id"))
    issued = timezone.localdate(case.closed_at) if case.closed_at else timezone.localdate()
    requester = request.get("requester", {})
    context: dict[str, Any] = {
        "language": language,
        "agency": case.agency.name,
        "request_id": record.public_id,
        "issued_on": long_date(issued, language),
        "issued_iso": issued.isoformat(),
        "received_on": long_date(timezone.localdate(record.received_at), language),
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
    }
    if kind == Letter.Kind.REFUSAL:
        context["grounds"] = _refusal_grounds(case, decision, events, language)
    else:
        context.update(_release(case, decision, events, language))
    return context


def _words(records: list[str], language: str) -> list[str]:
    index = LANGUAGES.index(language)
    words = [RECORDS[r][index] if r in RECORDS else r.replace("_", " ") for r in records]
    return [word[:1].upper() + word[1:] for word in words]


def _explanation(reason: dict[str, Any], language: str) -> tuple[str, bool]:
    if language == "es":
        spanish = SPANISH_EXPLANATIONS.get(reason.get("rule", ""))
        if spanish:
            return spanish, False
        return reason.get("explanation", ""), True
    return reason.get("explanation", ""), False


def _ground(reason: dict[str, Any], language: str) -> Ground:
    text, untranslated = _explanation(reason, language)
    return Ground(citation=reason.get("citation", ""), explanation=text, untranslated=untranslated)


def _documents(
    request: dict[str, Any], decision: dict[str, Any], language: str
) -> list[dict[str, str]]:
    """The legal documents the requester offered, named as they named them, and what the
    decision took each to be (findings are in the same order as the documents)."""
    index = LANGUAGES.index(language)
    findings = decision.get("legal_process", [])
    documents = []
    for position, document in enumerate(request.get("legal_process", [])):
        parts = [document.get("form"), document.get("title"), document.get("issued_by")]
        name = ", ".join(part for part in parts if part) or "—"
        finding = findings[position] if position < len(findings) else {}
        kind = finding.get("kind") or document.get("kind") or ""
        documents.append({"name": name, "kind": PROCESS_KINDS.get(kind, ("", ""))[index]})
    return documents


def _last(events: list[Event], *kinds: str) -> Event | None:
    matching = [event for event in events if event.kind in kinds]
    return matching[-1] if matching else None


def _refusal_grounds(
    case: Case, decision: dict[str, Any], events: list[Event], language: str
) -> list[Ground]:
    """Every provision behind the refusal: the rules that refuse, then counsel's reason
    or the supervisor's when the refusal was theirs."""
    reasons = decision.get("reasons", [])
    grounds = [_ground(reason, language) for reason in reasons if reason.get("effect") == "refuse"]
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
    basis = [
        _ground(reason, language)
        for reason in decision.get("reasons", [])
        if reason.get("effect") == "eligible"
    ]
    counsel = _last(events, "counsel.decided")
    if counsel is not None and counsel.payload.get("release"):
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
        "released": _words(decision.get("releasable_records", []), language),
        "withheld": withheld,
        "basis": basis,
        "approved_by": (approver.get_full_name() or approver.get_username()) if approver else "",
        "approved_on": long_date(timezone.localdate(approved_at), language),
    }


def _contact(case: Case) -> dict[str, str]:
    clerk = case.taken_in_by
    if clerk is None:
        return {}
    return {"name": clerk.get_full_name(), "email": clerk.email}
