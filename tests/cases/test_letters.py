"""The refusal letter and the release package, read back out of the PDFs they become.

Cases are built through the real workflow actions from contract-format requests, and the
letters checked are the ones those actions issued, with time frozen (tests/cases/conftest.py).
Each kind, in each language, is written to test-artifacts/letters/ as PDF and PNG, for
people to look at.
"""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from custodiet.cases import actions, letters
from custodiet.cases.models import Case, Letter
from custodiet.policy.model import parse_request
from custodiet.policy.packs import get_pack

PROJECT = Path(__file__).resolve().parents[2]
ARTIFACTS = PROJECT / "test-artifacts" / "letters"

ICE_FOR_REMOVAL = {
    "id": "R-20220314-ICE00001",
    "received_at": "2022-03-14T10:00:00-06:00",
    "channel": "email",
    "receiving_agency": "CO-DOR-DMV",
    "records_requested": ["address", "photo"],
    "requester": {
        "name": "Deportation Officer R. Hale",
        "organization": "U.S. Immigration and Customs Enforcement",
        "component": "ERO",
        "level": "federal",
    },
    "subjects": [
        {"name": "Juan Doe", "date_of_birth": "1990-02-03", "license_number": "991234567"}
    ],
    "purpose": "Locate subject for removal proceedings.",
    "purpose_category": "civil_immigration_enforcement",
}

DENVER_ROBBERY = {
    "id": "R-20220314-DPD00001",
    "received_at": "2022-03-14T10:00:00-06:00",
    "channel": "email",
    "receiving_agency": "CO-DOR-DMV",
    "records_requested": ["address", "photo", "immigration_status"],
    "requester": {
        "name": "Det. K. Lin",
        "organization": "Denver Police Department",
        "ori": "CO0160200",
        "level": "local",
    },
    "subjects": [{"name": "Alex Roe", "date_of_birth": "1985-07-21"}],
    "purpose": "Armed robbery investigation",
    "purpose_category": "criminal_investigation",
    "criminal_investigation": {"case_number": "DPD-22-004411", "offense": "aggravated robbery"},
}

HSI_TRAFFICKING = {
    "id": "R-20220314-HSI00001",
    "received_at": "2022-03-14T10:00:00-06:00",
    "channel": "email",
    "records_requested": ["address"],
    "requester": {
        "name": "Special Agent M. Cruz",
        "organization": "U.S. Immigration and Customs Enforcement",
        "component": "HSI",
        "level": "federal",
    },
    "purpose": "Human trafficking investigation",
    "purpose_category": "criminal_investigation",
    "criminal_investigation": {"case_number": "HSI-DN-22-0042", "offense": "human trafficking"},
}

COUNSEL_REASON = "The requester could not show that the address will not be shared with ERO."

STATUTE_EXPLANATION_ES = get_pack("us-co").rule("co-74-103-immigration-enforcement").explanation_es
USE_RESTRICTION = (
    "may be used only for criminal investigations. It may not be used for federal "
    "immigration enforcement, and it may not be passed on to anyone for that purpose."
)
USE_RESTRICTION_ES = (
    "solo puede usarse para investigaciones penales. No puede usarse para la aplicación de "
    "las leyes federales de inmigración, y no puede transmitirse a nadie con ese fin."
)


def _letter(case: Case, kind: str, language: str) -> bytes:
    return bytes(case.letters.get(kind=kind, language=language).pdf)


def _decision(case: Case) -> dict:
    return case.request.decisions.get().payload


def _text(pdf: bytes) -> str:
    """The PDF's text with line breaks and runs of spaces folded, so sentences match; a
    line broken after a word's own hyphen ("court-" / "authorized") is joined again."""
    pages = PdfReader(io.BytesIO(pdf)).pages
    text = " ".join(page.extract_text() for page in pages)
    return re.sub(r"\s+", " ", re.sub(r"(?<=\w-)\n\s*", "", text))


def _between(text: str, start: str, end: str) -> str:
    return text.split(start, 1)[1].split(end, 1)[0].strip()


def _keep(name: str, pdf: bytes) -> None:
    """The PDF and its pages as PNG in test-artifacts/letters/, for people to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob(f"{name}-*.png"):
        old.unlink()
    (ARTIFACTS / f"{name}.pdf").write_bytes(pdf)
    if shutil.which("pdftoppm"):
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", str(ARTIFACTS / f"{name}.pdf"), str(ARTIFACTS / name)],
            check=True,
            timeout=60,
        )


@pytest.fixture
def refused(frozen_now, agency, clerk):
    case = actions.take_in(parse_request(ICE_FOR_REMOVAL), by=clerk, agency=agency)
    return actions.refuse(case, by=clerk)


@pytest.fixture
def released(frozen_now, agency, clerk, supervisor):
    case = actions.take_in(parse_request(DENVER_ROBBERY), by=clerk, agency=agency)
    actions.approve(case, by=supervisor)
    return actions.release(case, by=clerk)


def test_it_refuses_ice_citing_the_statute_and_what_would_change_the_answer(refused):
    pdf = _letter(refused, Letter.Kind.REFUSAL, "en")
    _keep("refusal-en", pdf)
    text = _text(pdf)
    agency = refused.agency.name

    assert agency in text
    assert "R-20220314-ICE00001" in text
    assert "March 14, 2022" in text
    assert "Deportation Officer R. Hale" in text
    assert "U.S. Immigration and Customs Enforcement" in text
    assert "Address" in text and "Photograph" in text
    assert f"{agency} will not provide these records." in text
    assert "C.R.S. 24-74-103" in text
    refusing = [r for r in _decision(refused)["reasons"] if r["effect"] == "refuse"]
    assert refusing[0]["rule"] == "co-74-103-immigration-enforcement"
    for reason in refusing:
        assert reason["citation"] in text
        assert reason["explanation"] in text
    assert "Colorado Governor's guidance (May 20, 2020)" in text
    assert "a subpoena, warrant or order issued by a court" in text
    assert "March 10, 2025" in text
    assert "Contact: Clerk Example, clerk@agency.example." in text


def test_the_refusal_is_also_in_spanish(refused):
    pdf = _letter(refused, Letter.Kind.REFUSAL, "es")
    _keep("refusal-es", pdf)
    text = _text(pdf)

    assert "Denegación de su solicitud" in text
    assert "14 de marzo de 2022" in text
    assert "10 de marzo de 2025" in text
    assert "Esta agencia no entregará estos datos." in text
    assert "Domicilio" in text and "Fotografía" in text
    assert "C.R.S. 24-74-103" in text
    assert STATUTE_EXPLANATION_ES in text
    assert "emitidos por un tribunal" in text
    assert "Página 1 de" in text


def test_the_refusal_names_the_subject_and_nothing_else_about_them(refused):
    for language in actions.LANGUAGES:
        text = _text(_letter(refused, Letter.Kind.REFUSAL, language))
        assert "Juan Doe" in text
        assert "1990" not in text
        assert "991234567" not in text


def test_requester_text_is_printed_as_text(frozen_now, agency, clerk):
    markup = '<img src="file:///etc/hostname"> <b>urgent</b>'
    request = {**ICE_FOR_REMOVAL, "purpose": markup}
    case = actions.refuse(
        actions.take_in(parse_request(request), by=clerk, agency=agency), by=clerk
    )

    assert markup in _text(_letter(case, Letter.Kind.REFUSAL, "en"))


def test_a_refusal_by_counsel_gives_counsels_reason(frozen_now, agency, clerk, counsel):
    case = actions.take_in(parse_request(HSI_TRAFFICKING), by=clerk, agency=agency)
    actions.counsel_decide(case, by=counsel, release=False, reason=COUNSEL_REASON)
    case = actions.refuse(case, by=clerk)

    pdf = _letter(case, Letter.Kind.REFUSAL, "en")
    _keep("refusal-by-counsel-en", pdf)
    english = _text(pdf)
    assert "Our legal counsel reviewed the request and decided against releasing" in english
    assert COUNSEL_REASON in english
    assert "C.R.S. 24-74-103; 24-74-101" in english
    assert "a subpoena, warrant or order issued by a court" in english
    spanish = _text(_letter(case, Letter.Kind.REFUSAL, "es"))
    assert "Nuestro asesor jurídico revisó la solicitud" in spanish
    assert COUNSEL_REASON in spanish


def test_a_refusal_after_a_supervisor_sends_it_back_gives_the_supervisors_reason(
    frozen_now, agency, clerk, supervisor
):
    case = actions.take_in(parse_request(DENVER_ROBBERY), by=clerk, agency=agency)
    actions.send_back(case, by=supervisor, reason="The case number does not match any open case.")
    case = actions.refuse(case, by=clerk)

    text = _text(_letter(case, Letter.Kind.REFUSAL, "en"))
    assert "A supervisor reviewed the request before any release" in text
    assert "The case number does not match any open case." in text
    assert "a subpoena, warrant or order issued by a court" not in text


def test_a_release_decided_by_counsel_gives_counsels_reason(
    frozen_now, agency, clerk, supervisor, counsel
):
    case = actions.take_in(parse_request(HSI_TRAFFICKING), by=clerk, agency=agency)
    reason = "The trafficking case is criminal and HSI certified the address stays with it."
    actions.counsel_decide(case, by=counsel, release=True, reason=reason)
    actions.approve(case, by=supervisor)
    case = actions.release(case, by=clerk)

    text = _text(_letter(case, Letter.Kind.RELEASE, "en"))
    assert _between(text, "Records released", "Records withheld") == "Address"
    assert "Our legal counsel reviewed the request and approved the release" in text
    assert reason in text
    assert USE_RESTRICTION in text


def test_the_release_lists_exactly_the_records_released_and_withheld(released):
    pdf = _letter(released, Letter.Kind.RELEASE, "en")
    _keep("release-en", pdf)
    text = _text(pdf)

    assert _between(text, "Records released", "Records withheld") == "Address Photograph"
    withheld = _between(text, "Records withheld", "Basis for the release")
    assert withheld == "Record Withheld under Immigration status C.R.S. 24-74-104"
    assert "DPD-22-004411" in text
    assert "Alex Roe" in text and "1985" not in text


def test_the_release_carries_the_use_restriction_notice(released):
    text = _text(_letter(released, Letter.Kind.RELEASE, "en"))

    assert "Restriction on use" in text
    assert USE_RESTRICTION in text
    assert (
        "Colorado Governor's guidance to executive agencies of May 20, 2020; C.R.S. 24-74-103"
        in text
    )


def test_the_release_names_the_approving_supervisor_and_the_date(released):
    text = _text(_letter(released, Letter.Kind.RELEASE, "en"))

    assert "Approved by Supervisor Example, supervisor Approved on March 10, 2025" in text
    assert "attached to this letter by the agency's records system" in text


def test_the_release_is_also_in_spanish(released):
    pdf = _letter(released, Letter.Kind.RELEASE, "es")
    _keep("release-es", pdf)
    text = _text(pdf)

    assert "Restricción de uso" in text
    assert USE_RESTRICTION_ES in text
    assert _between(text, "Datos entregados", "Datos retenidos") == "Domicilio Fotografía"
    assert "Situación migratoria C.R.S. 24-74-104" in text
    assert "Aprobada por Supervisor Example, supervisor/a" in text
    assert "Fecha de aprobación 10 de marzo de 2025" in text
    assert "su solicitud" in text


@pytest.mark.parametrize("language", actions.LANGUAGES)
def test_letters_are_tagged_pdfs_with_title_language_and_page_footer(released, language):
    pdf = _letter(released, Letter.Kind.RELEASE, language)
    reader = PdfReader(io.BytesIO(pdf))
    root = reader.trailer["/Root"]

    assert pdf.startswith(b"%PDF-")
    assert reader.metadata.title.startswith(
        {"en": "Release package", "es": "Entrega de datos"}[language]
    )
    assert "R-20220314-DPD00001" in reader.metadata.title
    assert reader.metadata.author == released.agency.name
    assert root["/Lang"] == language
    assert root["/MarkInfo"]["/Marked"]
    assert "/StructTreeRoot" in root
    footer = {"en": "Request R-20220314-DPD00001", "es": "Solicitud R-20220314-DPD00001"}
    assert footer[language] in _text(pdf)
    pages = len(reader.pages)
    last = {"en": f"Page {pages} of {pages}", "es": f"Página {pages} de {pages}"}
    assert last[language] in reader.pages[-1].extract_text()


def test_a_letter_rendered_again_matches_the_one_issued(refused):
    issued = refused.letters.get(kind=Letter.Kind.REFUSAL, language="es")
    again = letters.render(refused, Letter.Kind.REFUSAL, "es")
    assert hashlib.sha256(again).hexdigest() == issued.sha256


def test_it_rejects_an_unknown_kind_or_language(refused):
    with pytest.raises(ValueError, match="kind 'receipt'"):
        letters.render(refused, "receipt", "en")
    with pytest.raises(ValueError, match="'fr'"):
        letters.render(refused, Letter.Kind.REFUSAL, "fr")


@pytest.mark.parametrize("pack_id", ["us-co", "us-federal"])
def test_every_deciding_rule_has_a_spanish_explanation(pack_id):
    deciding = [
        rule
        for rule in get_pack(pack_id).rules
        if rule.effect in {"refuse", "legal_review", "eligible"}
    ]
    assert [rule.id for rule in deciding if not rule.explanation_es] == []


def test_the_letters_dates_are_the_agencys_days(frozen_now, agency, clerk, supervisor):
    # 9:30 on 10 March in Denver is already 11 March on Kiritimati (UTC+14).
    agency.time_zone = "Pacific/Kiritimati"
    agency.save(update_fields=["time_zone"])
    case = actions.take_in(parse_request(DENVER_ROBBERY), by=clerk, agency=agency)
    actions.approve(case, by=supervisor)
    text = _text(_letter(actions.release(case, by=clerk), Letter.Kind.RELEASE, "en"))
    assert "Approved on March 11, 2025" in text
    assert "March 10, 2025" not in text
