"""24-74-105 certifications: how long one counts, the overview of who is current, lapsing
or lapsed, and decisions on database and bulk requests, which read the registry rather
than what a request states.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from custodiet.accounts.models import Agency
from custodiet.cases import actions as cases
from custodiet.cases.models import State
from custodiet.partners import actions
from custodiet.partners.models import Certification, Kind
from custodiet.partners.registry import Registry, standing, valid_through
from custodiet.policy.model import DECISION_ADAPTER
from custodiet.records.actions import receive_and_decide
from custodiet.records.models import Event

from .conftest import CERTIFICATION_LINES, INSURER, TODAY, database_request, make_pdf

pytestmark = pytest.mark.usefixtures("frozen_now")

POSTGRES = connection.vendor == "postgresql"
DAY = dt.timedelta(days=1)


def decided(request):
    """The recorded decision on `request`, with the reason its certification fact gives."""
    agency = Agency.objects.get(code=request.receiving_agency)
    recorded = receive_and_decide([request], actor="test", agency=agency)[0]
    decision = DECISION_ADAPTER.validate_python(recorded.decision.payload)
    facts = {fact.fact: fact for fact in decision.facts or ()}
    return recorded, decision, facts.get("certification_current")


# How long a certification counts ------------------------------------------------------


@pytest.mark.parametrize(
    ("signed_on", "last_day"),
    [
        (dt.date(2024, 3, 1), dt.date(2025, 3, 1)),
        # Across February 29: 365 days from March 1, 2023 is February 29, 2024.
        (dt.date(2023, 3, 1), dt.date(2024, 2, 29)),
        # Signed on February 29: it covers through February 28 of the next year.
        (dt.date(2024, 2, 29), dt.date(2025, 2, 28)),
    ],
)
def test_a_certification_covers_the_365_days_after_its_signing(signed_on, last_day):
    assert valid_through(signed_on) == last_day
    assert standing(signed_on, last_day) != "lapsed"
    assert standing(signed_on, last_day + DAY) == "lapsed"


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        (0, "current"),
        (335, "current"),  # 30 days left
        (336, "expiring"),  # 29 days left: it lapses within 30 days
        (364, "expiring"),
        (365, "expiring"),  # its last day
        (366, "lapsed"),
    ],
)
def test_standing_on_a_day_counts_the_days_since_signing(days, expected):
    assert standing(TODAY - dt.timedelta(days=days), TODAY) == expected


@pytest.mark.parametrize(("days", "eligible"), [(0, True), (364, True), (365, True), (366, False)])
def test_a_database_request_is_decided_on_the_age_of_the_registry_certification(
    days, eligible, register, certify
):
    received = dt.date(2024, 3, 1)  # 2024 is a leap year: 365 days before is 2023-03-02
    certify(register(), received - dt.timedelta(days=days))
    _, decision, _ = decided(database_request(received))
    assert decision.outcome == ("eligible" if eligible else "refuse")
    refusing = [reason.citation for reason in decision.reasons if reason.effect == "refuse"]
    assert any("24-74-105" in citation for citation in refusing) is not eligible


@pytest.mark.parametrize(
    ("received", "eligible"),
    [(dt.date(2025, 2, 28), True), (dt.date(2025, 3, 1), False)],
)
def test_a_certification_signed_on_february_29_lapses_after_february_28(
    received, eligible, register, certify
):
    certify(register(), dt.date(2024, 2, 29))
    _, decision, _ = decided(database_request(received))
    assert decision.outcome == ("eligible" if eligible else "refuse")


# Decisions read the registry ----------------------------------------------------------


def test_a_lapsed_certification_turns_an_eligible_database_request_into_a_refusal(
    register, certify, agency, clerk, supervisor
):
    certify(register(), dt.date(2024, 3, 1))  # 374 days before today
    # The requester states a current certification; the registry holds none.
    request = database_request(certification={"signed_on": "2025-01-02"}, bulk=True)

    case = cases.take_in(request, by=clerk, agency=agency)

    assert case.state == State.TO_REFUSE
    record = case.request
    decision = DECISION_ADAPTER.validate_python(record.decisions.get().payload)
    assert decision.outcome == "refuse"
    assert "24-74-105" in decision.reasons[0].citation
    assert decision.reasons[0].rule == "co-74-105-certification"
    because = {fact.fact: fact.because for fact in decision.facts}["certification_current"]
    assert because == (
        "Signed 2024-03-01, 374 days before the request, according to the partner registry "
        f"({INSURER}, matched by name); a certification counts for the 365 days before the "
        "request, not after it."
    )
    # The record holds the certification decided on, and what the requester stated.
    assert record.payload["certification"] == {"signed_on": "2024-03-01"}
    assert record.payload["certification_stated"] == {"signed_on": "2025-01-02"}

    letter = cases.refuse(case, by=clerk).letters.get(language="en")
    assert letter.kind == "refusal"


def test_a_current_certification_keeps_a_database_request_eligible(
    register, certify, agency, clerk, supervisor, mailoutbox
):
    certify(register(), dt.date(2024, 12, 1))

    case = cases.take_in(database_request(), by=clerk, agency=agency)

    assert case.state == State.AWAITING_APPROVAL
    decision = DECISION_ADAPTER.validate_python(case.request.decisions.get().payload)
    assert decision.outcome == "eligible"
    because = {fact.fact: fact.because for fact in decision.facts}["certification_current"]
    assert because == (
        "Signed 2024-12-01, 99 days before the request, according to the partner registry "
        f"({INSURER}, matched by name)."
    )


def test_the_latest_certification_signed_by_the_request_date_is_the_one_read(register, certify):
    partner = register()
    certify(partner, dt.date(2023, 1, 5))
    certify(partner, dt.date(2024, 1, 5))
    certify(partner, dt.date(2025, 3, 1))  # after the request: not yet on file then
    _, decision, because = decided(database_request(dt.date(2025, 2, 1)))
    assert decision.outcome == "refuse"
    assert because.because.startswith("Signed 2024-01-05, 393 days before the request")


def test_a_requester_missing_from_the_registry_is_refused_whatever_it_states(agency):
    request = database_request(certification={"signed_on": "2025-03-01"})
    _, decision, because = decided(request)
    assert decision.outcome == "refuse"
    assert because.because == (
        "No certification signed on or before the request is on file in the partner "
        "registry (no partner of CO-DOR-DMV matches this requester)."
    )


def test_another_agencys_registry_does_not_count(register, certify, other_agency, privacy_officer):
    theirs = actions.register_partner(
        agency=other_agency,
        by=privacy_officer,
        details=actions.Details(name=INSURER, kind=Kind.PRIVATE),
    )
    certify(theirs, dt.date(2025, 1, 1))
    _, decision, _ = decided(database_request())
    assert decision.outcome == "refuse"


def test_requests_by_other_channels_keep_what_they_state(register):
    register()
    request = database_request(channel="email", certification={"signed_on": "2020-01-01"})
    recorded, decision, _ = decided(request)
    assert recorded.request.payload["certification"] == {"signed_on": "2020-01-01"}
    assert "certification_stated" not in recorded.request.payload
    assert decision.facts is None  # decided as before: nothing came from the registry


@pytest.mark.parametrize(
    ("details", "requester", "matched"),
    [
        # The directory knows "Denver PD" as the Denver Police Department.
        (
            {"name": "", "directory_id": "CO-DENVER-PD", "kind": Kind.LAW_ENFORCEMENT},
            {"organization": "Denver PD", "level": "local"},
            "directory id CO-DENVER-PD",
        ),
        # A component is covered by the certification of the agency it is part of.
        (
            {"name": "", "directory_id": "CO-DPS", "kind": Kind.LAW_ENFORCEMENT},
            {"organization": "Colorado State Patrol", "level": "state"},
            "directory id CO-DPS",
        ),
        # Not in the directory: recognised by an ORI the registry holds.
        (
            {"name": "Arapahoe County Sheriff's Office", "oris": ("CO0030000",)},
            {"organization": "ACSO Records Unit", "ori": "co0030000"},
            "ORI CO0030000",
        ),
        # Or by its name, whatever the case and spacing.
        (
            {"name": INSURER},
            {"organization": "FRONT RANGE   mutual insurance"},
            "name",
        ),
    ],
)
def test_the_registry_finds_the_partner_by_directory_id_ori_or_name(
    details, requester, matched, register
):
    values = {"kind": Kind.GOVERNMENT} | details
    partner = register(values.pop("name"), **values)
    checked = Registry().check(database_request(requester=requester))
    assert checked.source == f"the partner registry ({partner.name}, matched by {matched})"


# The overview and the form ------------------------------------------------------------


def _section(html: str, standing_key: str) -> str:
    start = html.index(f'id="standing-{standing_key}"')
    end = html.find("<section", start)
    return html[start : end if end != -1 else len(html)]


def test_the_overview_sorts_partners_into_current_lapsing_lapsed_and_none(
    register, certify, privacy_officer, signed_in
):
    ages = {"Current Co": 335, "Lapsing Co": 336, "Last Day Co": 365, "Lapsed Co": 366}
    for name, days in ages.items():
        certify(register(name), TODAY - dt.timedelta(days=days))
    register("Never Co")

    html = signed_in(privacy_officer).get(reverse("partner-certifications")).content.decode()

    assert "Current Co" in _section(html, "current")
    assert "Lapsing Co" in _section(html, "expiring")
    assert "Last Day Co" in _section(html, "expiring")
    assert "Lapses in 1 day" in _section(html, "expiring")
    assert "Lapsed Co" in _section(html, "lapsed")
    assert "Lapsed today" in _section(html, "lapsed")
    assert "Never Co" in _section(html, "none")
    for name in ages:
        assert html.count(f">{name}</a>") == 1


def test_a_certification_is_recorded_with_its_signed_form(register, privacy_officer, signed_in):
    partner = register()
    content = make_pdf(CERTIFICATION_LINES)
    response = signed_in(privacy_officer).post(
        reverse("partner-certify", args=[partner.pk]),
        {
            "signed_on": "2025-03-03",
            "signer_name": "Dana Example",
            "signer_title": "Compliance Officer",
            "form": SimpleUploadedFile("signed form.pdf", content, "application/pdf"),
        },
        follow=True,
    )
    assert "it covers requests received through 2026-03-03" in response.content.decode()
    certification = Certification.objects.get(partner=partner)
    assert bytes(certification.form) == content
    event = Event.objects.get(kind="certification.recorded")
    assert event.request is None
    assert event.ledger_entry is not None
    assert event.payload["document_sha256"] == [certification.sha256]
    assert event.payload["valid_through"] == "2026-03-03"
    # The signer is a person: named in the registry, not in the ledger.
    assert "Dana" not in str(event.payload)

    download = signed_in(privacy_officer).get(
        reverse("partner-certification", args=[partner.pk, certification.pk])
    )
    assert download.content == content


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"signed_on": "2025-03-11"}, "signed_on", "cannot be in the future"),
        (
            {"form": SimpleUploadedFile("form.txt", b"signed", "text/plain")},
            "form",
            "This file is not a PDF",
        ),
        ({"signer_name": ""}, "signer_name", "This field is required"),
    ],
)
def test_a_certification_that_cannot_be_right_is_refused(
    changes, field, message, register, privacy_officer, signed_in
):
    partner = register()
    data = {
        "signed_on": "2025-03-03",
        "signer_name": "Dana Example",
        "signer_title": "Compliance Officer",
        "form": SimpleUploadedFile("signed.pdf", make_pdf(CERTIFICATION_LINES), "application/pdf"),
    } | changes
    response = signed_in(privacy_officer).post(reverse("partner-certify", args=[partner.pk]), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(rf'id="id_{field}_error".*{re.escape(message)}', html, re.DOTALL)
    assert not Certification.objects.exists()
    assert not Event.objects.filter(kind="certification.recorded").exists()


@pytest.mark.skipif(not POSTGRES, reason="SQLite has no insert-only triggers")
def test_postgresql_refuses_to_rewrite_a_certification(register, certify):
    from django.db import DatabaseError, transaction

    certification = certify(register(), dt.date(2025, 1, 1))
    for change in (
        lambda: Certification.objects.filter(pk=certification.pk).update(signed_on=TODAY),
        lambda: Certification.objects.filter(pk=certification.pk).delete(),
    ):
        with pytest.raises(DatabaseError, match="insert-only"), transaction.atomic():
            change()
