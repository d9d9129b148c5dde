"""Uploads make the server read a PDF: past CUSTODIET_UPLOAD_RATE, 429 with Retry-After,
per person and per address, and nothing is read or recorded."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from custodiet.accounts.rates import Rate
from custodiet.records.models import RequestRecord
from hostile_pdfs import warrant_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _early_in_a_minute(monkeypatch):
    # Ten seconds into a minute: no window ends while a test runs.
    now = dt.datetime(2025, 3, 10, 16, 0, 10, tzinfo=dt.UTC)
    monkeypatch.setattr(timezone, "now", lambda: now)


EXPLORER_FORM = {
    "received_date": "2023-04-18",
    "channel": "email",
    "requester_name": "Deportation officer",
    "requester_organization": "U.S. Immigration and Customs Enforcement",
    "requester_level": "federal",
    "records_requested": ["address"],
    "purpose": "Warrant attached.",
}
INTAKE_FORM = {
    **EXPLORER_FORM,
    "received_date": "2025-03-07",
    "received_time": "14:40",
    "subject_name": "Juan Doe",
}


def _upload() -> SimpleUploadedFile:
    return SimpleUploadedFile("i-200.pdf", warrant_pdf(), content_type="application/pdf")


def test_the_explorer_answers_429_past_the_upload_rate(settings, counsel_client):
    settings.CUSTODIET_UPLOAD_RATE = Rate(2, 60)
    answers = [
        counsel_client.post("/explorer/", {**EXPLORER_FORM, "process_file": _upload()})
        for _ in range(3)
    ]

    assert [answer.status_code for answer in answers] == [200, 200, 429]
    refused = answers[-1]
    assert int(refused["Retry-After"]) == 50
    assert "Too many uploads" in refused.content.decode()
    # Without a file nothing is read, and the form still works.
    assert counsel_client.post("/explorer/", EXPLORER_FORM).status_code == 200
    assert counsel_client.get("/explorer/").status_code == 200


def test_intake_past_the_upload_rate_records_nothing(settings, clerk, signed_in):
    settings.CUSTODIET_UPLOAD_RATE = Rate(1, 60)
    client = signed_in(clerk)
    first = client.post("/cases/new/", {**INTAKE_FORM, "documents": [_upload()]})
    assert first.status_code == 302
    second = client.post("/cases/new/", {**INTAKE_FORM, "documents": [_upload()]})

    assert second.status_code == 429
    assert int(second["Retry-After"]) >= 1
    assert RequestRecord.objects.count() == 1


def test_each_file_of_a_post_counts(settings, clerk, signed_in):
    settings.CUSTODIET_UPLOAD_RATE = Rate(2, 60)
    client = signed_in(clerk)
    three = client.post("/cases/new/", {**INTAKE_FORM, "documents": [_upload() for _ in range(3)]})

    assert three.status_code == 429
    assert not RequestRecord.objects.exists()
