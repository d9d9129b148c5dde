"""Hostile PDFs at every upload form, through HTTP: refused with the reason, nothing kept.

Issue 10: a PDF whose pages inflate to megabytes of text operators held web workers for
minutes, and PDFs with JavaScript were stored and served back. Each upload form (a
clerk's intake, the decision explorer open to every signed-in role, a partner's signed
certification) must refuse those with a message the person can act on, record nothing,
and still take an ordinary warrant.
"""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from custodiet.cases.models import Case, Document
from custodiet.ledger.models import Entry
from custodiet.partners import actions as partners
from custodiet.partners.models import Certification, Kind
from custodiet.policy.pdftext import BUDGET, extract_pdf_text
from custodiet.records.models import Event, RequestRecord
from custodiet.web import forms as web_forms
from hostile_pdfs import (
    embedded_file_pdf,
    expanding_pdf,
    javascript_pdf,
    launch_pdf,
    text_pdf,
    warrant_pdf,
)

INTAKE = "/cases/new/"
EXPLORER = "/explorer/"
ICE = {
    "received_date": "2025-03-07",
    "received_time": "14:40",
    "channel": "email",
    "requester_name": "Deportation officer",
    "requester_organization": "U.S. Immigration and Customs Enforcement",
    "requester_component": "ERO",
    "requester_level": "federal",
    "subject_name": "Juan Doe",
    "records_requested": ["address"],
    "purpose": "Warrant attached.",
}
PRINT_AGAIN = "Print it to a new PDF or scan it, and upload that."
HOSTILE = [
    pytest.param(
        expanding_pdf,
        "This PDF cannot be used: its page 1 unpacks to more than 2 MB of drawing instructions.",
        id="expanding-content-streams",
    ),
    pytest.param(
        javascript_pdf,
        "This PDF cannot be used: it contains JavaScript (a program that a PDF reader runs "
        f"when the file is opened or used). {PRINT_AGAIN}",
        id="javascript-open-action",
    ),
    pytest.param(
        embedded_file_pdf,
        "This PDF cannot be used: it contains an embedded file (another file carried inside "
        f"it). {PRINT_AGAIN}",
        id="embedded-file",
    ),
    pytest.param(
        launch_pdf,
        "This PDF cannot be used: it contains a Launch action (it starts another program or "
        f"opens another file). {PRINT_AGAIN}",
        id="launch-action",
    ),
]


def _pdf(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def _field_error(response, field: str) -> str:
    html = response.content.decode()
    found = re.search(rf'id="id_{field}_error">(.+?)</span></span>', html, re.S)
    assert found, f"the {field} field shows no error"
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", found.group(1)))).strip()


def _nothing_recorded() -> bool:
    return not (
        RequestRecord.objects.exists()
        or Event.objects.exists()
        or Entry.objects.exists()
        or Case.objects.exists()
        or Document.objects.exists()
    )


@pytest.fixture
def partner(agency, privacy_officer):
    return partners.register_partner(
        agency=agency,
        by=privacy_officer,
        details=partners.Details(
            name="Front Range Mutual Insurance",
            kind=Kind.PRIVATE,
            contact_email="compliance@insurer.example",
        ),
    )


def _certify(client, partner, form: SimpleUploadedFile):
    return client.post(
        reverse("partner-certify", args=[partner.pk]),
        {
            "signed_on": "2025-03-03",
            "signer_name": "Dana Example",
            "signer_title": "Compliance Officer",
            "form": form,
        },
    )


# The clerk's intake -----------------------------------------------------------------------


@pytest.mark.parametrize(("build", "message"), HOSTILE)
def test_the_intake_form_refuses_a_hostile_pdf_and_records_nothing(
    build, message, clerk, supervisor, signed_in, mailoutbox
):
    response = signed_in(clerk).post(INTAKE, {**ICE, "documents": [_pdf("warrant.pdf", build())]})
    assert response.status_code == 200
    assert _field_error(response, "documents") == f"warrant.pdf: {message}"
    assert _nothing_recorded()
    assert mailoutbox == []


def test_the_intake_form_reads_no_file_after_one_is_refused(
    clerk, supervisor, signed_in, monkeypatch
):
    read = []
    real = extract_pdf_text

    def counted(data, **options):
        read.append(options["budget"].seconds)
        return real(data, **options)

    monkeypatch.setattr(web_forms, "extract_pdf_text", counted)
    documents = [
        _pdf("first.pdf", javascript_pdf()),
        _pdf("second.pdf", warrant_pdf()),
        _pdf("third.pdf", warrant_pdf()),
    ]
    response = signed_in(clerk).post(INTAKE, {**ICE, "documents": documents})

    assert _field_error(response, "documents").startswith("first.pdf: This PDF cannot be used")
    # One file read, within the form's whole budget; the other two never reached the reader.
    assert len(read) == 1
    assert read[0] <= BUDGET.seconds
    assert _nothing_recorded()


def test_the_intake_form_still_keeps_an_ordinary_warrant(clerk, supervisor, signed_in):
    pdf = warrant_pdf()
    response = signed_in(clerk).post(INTAKE, {**ICE, "documents": [_pdf("i-200.pdf", pdf)]})
    assert response.status_code == 302, response.content.decode()[:3000]
    document = Document.objects.get()
    assert bytes(document.content) == pdf
    assert "WARRANT FOR ARREST OF ALIEN" in document.text


# The decision explorer, open to every signed-in role ------------------------------------------


@pytest.mark.parametrize(("build", "message"), HOSTILE)
def test_the_explorer_refuses_a_hostile_pdf_and_decides_nothing(build, message, client_of):
    # The auditor sees no case at all, and may still use the explorer.
    response = client_of("auditor").post(
        EXPLORER, {**ICE, "receiving_agency": "CO-DOR-DMV", "process_file": _pdf("w.pdf", build())}
    )
    assert response.status_code == 200
    assert 'id="decision-heading"' not in response.content.decode()
    assert _field_error(response, "process_file") == message
    assert _nothing_recorded()


def test_the_explorer_still_reads_an_ordinary_warrant(client_of):
    response = client_of("auditor").post(
        EXPLORER,
        {**ICE, "receiving_agency": "CO-DOR-DMV", "process_file": _pdf("w.pdf", warrant_pdf())},
    )
    html = response.content.decode()
    assert re.search(r'id="decision-heading">Refuse<', html)
    assert "Administrative warrant, not issued by a court" in html


# A partner's signed certification -----------------------------------------------------------


@pytest.mark.parametrize(("build", "message"), HOSTILE)
def test_a_certification_form_with_hostile_content_is_refused_and_not_kept(
    build, message, partner, privacy_officer, signed_in
):
    response = _certify(signed_in(privacy_officer), partner, _pdf("signed.pdf", build()))
    assert response.status_code == 200
    assert _field_error(response, "form") == message
    assert not Certification.objects.exists()
    assert not Event.objects.filter(kind="certification.recorded").exists()


def test_an_ordinary_signed_certification_is_still_kept(partner, privacy_officer, signed_in):
    form = text_pdf([["Third-Party Entity Certification (C.R.S. 24-74-105)", "Signed: Dana"]])
    response = _certify(signed_in(privacy_officer), partner, _pdf("signed.pdf", form))
    assert response.status_code == 302
    assert bytes(Certification.objects.get().form) == form
