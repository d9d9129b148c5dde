"""Auditors read the findings with the personal data masked, through HTTP: the privacy
officer reads a birth date typed into a reason as it was typed, an auditor of the agency
reads "[date of birth]" on the overview and the finding's page, and an auditor of another
agency or an administrator opens no finding at all."""

from __future__ import annotations

import pytest
from django.urls import reverse

from custodiet.accounts.models import Role
from custodiet.monitor.models import Finding
from scanner import logs

from . import pages
from .conftest import PERSONAL

BIRTH_DATE = "01/02/1980"
PLATE = "ABC1234"
# An ICE search with a birth date, a name and a plate typed into its reason, in a
# plate-reader federal-searches export.
REASON = f"ICE WARRANT locate DOE, JOHN DOB {BIRTH_DATE} plate {PLATE}"
MASKED_REASON = "ICE WARRANT locate [name] DOB [date of birth] plate [plate]"
ROW = logs.federal_row(2, logs.ICE, REASON)
LOOKED_UP = ROW[logs.FEDERAL_HEADER.index("License Plate")]
NOTE = "Personal data is masked."


@pytest.fixture
def imported(agency, import_log, tmp_path) -> Finding:
    """The export scanned and imported; its finding for the reason, which quotes it."""
    export = tmp_path / "federal-searches.csv"
    logs.write_csv(export, logs.FEDERAL_HEADER, [ROW])
    import_log(agency, export)
    return Finding.objects.get(category="immigration_reason")


def _finding_page(client, finding: Finding):
    response = client.get(reverse("monitor-finding", args=[finding.pk]))
    assert response.status_code == 200
    return response


def test_the_privacy_officer_reads_a_typed_birth_date_as_it_was_typed(
    imported, privacy_officer, signed_in
):
    response = _finding_page(signed_in(privacy_officer), imported)

    text = pages.text(response)
    assert REASON in text
    rows = pages.table(response, "Rows 1 to 1 of 1")
    assert rows[2][2:12] == list(ROW)
    assert NOTE not in text


def test_an_auditor_reads_the_birth_date_masked_in_the_list_of_findings(
    imported, auditor, signed_in
):
    response = signed_in(auditor).get("/monitor/")

    assert response.status_code == 200
    rows = pages.table(response, "Findings 1 to")
    reasons = [row for row in rows if row[1] == "Immigration reason"]
    assert len(reasons) == 1
    assert MASKED_REASON in reasons[0][-1]
    assert NOTE in pages.text(response)
    page = pages.html(response)
    for private in (BIRTH_DATE, "DOE, JOHN", PLATE, LOOKED_UP):
        assert private not in page


def test_an_auditor_reads_the_finding_with_the_personal_data_masked(imported, auditor, signed_in):
    response = _finding_page(signed_in(auditor), imported)

    text = pages.text(response)
    assert f'The reason "{MASKED_REASON}" names immigration enforcement' in text
    assert NOTE in text
    row = pages.table(response, "Rows 1 to 1 of 1")[2]
    # The plate looked up shows as its kind; the reason and the free text through the mask;
    # the search's id, its account, agency, case number and time as they were.
    assert row[2:12] == [
        *ROW[:4],
        "[plate]",
        MASKED_REASON,
        *ROW[6:],
    ]
    assert row[12].startswith(f'The reason "{MASKED_REASON}"')
    page = pages.html(response)
    for private in (BIRTH_DATE, "DOE, JOHN", PLATE, LOOKED_UP):
        assert private not in page


def test_an_auditor_reads_no_switch_message_and_no_field_of_one(scanned, auditor, signed_in):
    client = signed_in(auditor)
    for finding in Finding.objects.all():
        response = _finding_page(client, finding)
        page = pages.html(response)
        for private in (*PERSONAL, "OLN/", "LIC/"):
            assert private not in page
        messages = [row[5] for row in pages.table(response, "Rows 1 to")[2:]]
        assert set(messages) == {"[message]"}


def test_an_auditor_of_another_agency_finds_no_such_finding(
    imported, person, other_agency, signed_in
):
    outsider = person("other_auditor", Role.AUDITOR, other_agency)

    response = signed_in(outsider).get(reverse("monitor-finding", args=[imported.pk]))

    assert response.status_code == 404
    assert "There is no such finding among your agency's scans." in pages.text(response)
    assert BIRTH_DATE not in pages.html(response)


def test_an_administrator_still_opens_no_finding(imported, administrator, signed_in):
    client = signed_in(administrator)

    response = client.get(reverse("monitor-finding", args=[imported.pk]))

    assert response.status_code == 403
    overview = client.get("/monitor/")
    assert pages.links(overview, "/monitor/findings/") == []
    assert BIRTH_DATE not in pages.html(overview)
