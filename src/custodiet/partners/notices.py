"""The restriction notice: one PDF, in English and then in Spanish, telling a partner that
the state's information may be used only for criminal investigations, never for federal
immigration enforcement, and may not be passed on for that purpose.

Laid out like the case letters (`custodiet.cases.letters.write_pdf`, the same style sheet
and fonts), from `templates/partners/notices/notice.html`. It names the partner and its
contact as the registry holds them, and nothing about any resident.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.template.loader import render_to_string

from custodiet.cases.letters import long_date, write_pdf
from custodiet.partners.models import Partner

SUBJECT = (
    "Restriction on the use of state information / Restricción de uso de la información estatal"
)


def render(partner: Partner, *, reference: str, issued_on: dt.date) -> bytes:
    html = render_to_string("partners/notices/notice.html", _context(partner, reference, issued_on))
    return write_pdf(html, f"custodiet:notice:{reference}")


def email_body(partner: Partner, *, reference: str) -> str:
    """The covering email; the notice itself is the attached PDF."""
    agency = partner.agency.name
    return (
        f"{agency} shares information with {partner.name}. The attached notice {reference}, "
        "in English and Spanish, says how that information may be used: only for criminal "
        "investigations, never for federal immigration enforcement, and never passed on to "
        "anyone for that purpose (Colorado Governor's guidance of May 20, 2020; "
        "C.R.S. 24-74-103).\n\n"
        f"Please acknowledge it: reply to this email giving the notice number {reference}, "
        "or sign the notice and return a copy.\n\n"
        "---\n\n"
        f"{agency} comparte información con {partner.name}. El aviso adjunto {reference}, en "
        "inglés y en español, indica cómo puede usarse esa información: solo para "
        "investigaciones penales, nunca para la aplicación de las leyes federales de "
        "inmigración, y sin transmitirla a nadie con ese fin (directriz del Gobernador de "
        "Colorado del 20 de mayo de 2020; C.R.S. 24-74-103).\n\n"
        f"Le rogamos acusar recibo: responda a este correo indicando el número de aviso "
        f"{reference}, o firme el aviso y devuelva una copia.\n"
    )


def _context(partner: Partner, reference: str, issued_on: dt.date) -> dict[str, Any]:
    return {
        "agency": partner.agency.name,
        "partner": partner.name,
        "contact_name": partner.contact_name,
        "contact_address": partner.contact_address,
        "reference": reference,
        "issued_iso": issued_on.isoformat(),
        "issued_on": {language: long_date(issued_on, language) for language in ("en", "es")},
    }
