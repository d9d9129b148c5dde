"""The partner registry's pages: registering and editing partners against the agency
directory, the list and its filters, and a partner's page.
"""

from __future__ import annotations

import datetime as dt
from html import unescape

import pytest
from django.urls import reverse

from custodiet.partners import actions
from custodiet.partners.models import Kind, Partner
from custodiet.records.models import Event

from .conftest import INSURER, TODAY

pytestmark = pytest.mark.usefixtures("frozen_now")


def test_a_partner_in_the_directory_takes_its_name_and_oris_from_there(
    privacy_officer, signed_in, agency
):
    client = signed_in(privacy_officer)
    response = client.post(
        reverse("partner-new"),
        {
            "directory_id": "CO-DENVER-PD",
            "name": "",
            "kind": "law_enforcement",
            "contact_name": "Records Sergeant Example",
            "contact_email": "records@denverpd.example",
        },
    )
    partner = Partner.objects.get()
    assert response["Location"] == reverse("partner", args=[partner.pk])
    assert (partner.agency, partner.name, partner.directory_id) == (
        agency,
        "Denver Police Department",
        "CO-DENVER-PD",
    )

    event = Event.objects.get(kind="partner.registered")
    assert event.request is None
    assert event.actor == "privacy_officer"
    assert event.ledger_entry is not None
    assert event.payload == {
        "partner": partner.pk,
        "agency": "CO-DOR-DMV",
        "name": "Denver Police Department",
        "kind": "law_enforcement",
        "directory_id": "CO-DENVER-PD",
        "oris": [],
    }

    page = client.get(reverse("partner", args=[partner.pk])).content.decode()
    assert "CO0160200" in page  # the directory's ORI
    assert "Records Sergeant Example" in page


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"directory_id": "US-NOWHERE"}, "directory_id", "Select a valid choice"),
        ({"name": "", "directory_id": ""}, "name", "Give the partner's name"),
        ({"oris": "CO123"}, "oris", "CO123 is not an ORI"),
        ({"oris": "CO0160200"}, "oris", "gives CO0160200 to Denver Police Department"),
        ({"oris": "VTICE0900"}, "oris", "Law Enforcement Support Center"),
        ({"name": "front range MUTUAL insurance"}, "name", "already has a partner named"),
        ({"oris": "co0030000"}, "oris", "CO0030000 is already the ORI of " + INSURER),
        ({"contact_email": "not an address"}, "contact_email", "Enter a valid email address"),
        ({"kind": ""}, "kind", "This field is required"),
    ],
)
def test_details_that_cannot_be_right_are_refused_on_their_field(
    data, field, message, register, privacy_officer, signed_in
):
    register(oris=("CO0030000",))
    before = Event.objects.count()
    form = {"name": "Colorado Auto Underwriters", "kind": "private"} | data
    response = signed_in(privacy_officer).post(reverse("partner-new"), form)
    html = unescape(response.content.decode())
    assert response.status_code == 200
    assert "Nothing was saved" in html
    assert f'id="id_{field}_error"' in html
    assert message in html
    assert Partner.objects.count() == 1
    assert Event.objects.count() == before


def test_the_action_refuses_what_the_form_would(register, privacy_officer, agency):
    register()
    with pytest.raises(actions.RegistryError) as refused:
        actions.register_partner(
            agency=agency,
            by=privacy_officer,
            details=actions.Details(name=" Front  Range Mutual Insurance", kind=Kind.PRIVATE),
        )
    assert set(refused.value.problems) == {"name"}


def test_editing_records_which_fields_changed_and_not_the_contacts_values(
    register, privacy_officer, signed_in
):
    partner = register(contact_name="Old Contact")
    response = signed_in(privacy_officer).post(
        reverse("partner-edit", args=[partner.pk]),
        {
            "name": INSURER,
            "kind": "private",
            "oris": "CO0030000, co0030001",
            "contact_name": "New Contact",
            "contact_email": "compliance@insurer.example",
        },
    )
    assert response.status_code == 302
    partner.refresh_from_db()
    assert partner.oris == ["CO0030000", "CO0030001"]
    assert partner.contact_name == "New Contact"
    event = Event.objects.get(kind="partner.updated")
    assert event.payload["changed"] == ["oris", "contact_name"]
    assert "Contact" not in str(event.payload)

    # Saving it again unchanged writes nothing.
    signed_in(privacy_officer).post(
        reverse("partner-edit", args=[partner.pk]),
        {
            "name": INSURER,
            "kind": "private",
            "oris": "CO0030000 CO0030001",
            "contact_name": "New Contact",
            "contact_email": "compliance@insurer.example",
        },
    )
    assert Event.objects.filter(kind="partner.updated").count() == 1


def test_a_partner_keeps_its_own_name_and_oris_when_edited(register, privacy_officer, signed_in):
    partner = register(oris=("CO0030000",))
    response = signed_in(privacy_officer).get(reverse("partner-edit", args=[partner.pk]))
    html = response.content.decode()
    assert f'value="{INSURER}"' in html
    assert 'value="CO0030000"' in html


def test_the_list_filters_by_name_kind_certification_and_notice(
    register, certify, privacy_officer, signed_in, other_agency
):
    insurer = register()
    certify(insurer, TODAY - dt.timedelta(days=10))
    police = register("Aurora Police Department", kind=Kind.LAW_ENFORCEMENT)
    certify(police, TODAY - dt.timedelta(days=400))
    register("Boulder County", kind=Kind.GOVERNMENT)
    actions.send_notice(police, by=privacy_officer, method="mail", sent_to="Aurora")
    actions.register_partner(
        agency=other_agency,
        by=privacy_officer,
        details=actions.Details(name="Someone Else's Partner", kind=Kind.PRIVATE),
    )
    client = signed_in(privacy_officer)

    def listed(**filters: str) -> list[str]:
        html = unescape(client.get(reverse("partners"), filters).content.decode())
        names = (INSURER, "Aurora Police Department", "Boulder County", "Someone Else's Partner")
        return [name for name in names if f">{name}</a>" in html]

    assert listed() == [INSURER, "Aurora Police Department", "Boulder County"]
    assert listed(q="police") == ["Aurora Police Department"]
    assert listed(kind="government") == ["Boulder County"]
    assert listed(certification="current") == [INSURER]
    assert listed(certification="lapsed") == ["Aurora Police Department"]
    assert listed(certification="none") == ["Boulder County"]
    assert listed(notice="waiting") == ["Aurora Police Department"]
    assert listed(notice="never_sent") == [INSURER, "Boulder County"]


def test_a_partners_page_shows_its_certifications_notices_and_history(
    register, certify, privacy_officer, signed_in
):
    partner = register()
    certify(partner, dt.date(2024, 12, 1))
    notice = actions.send_notice(partner, by=privacy_officer, method="mail", sent_to="Denver")
    actions.acknowledge(
        notice,
        by=privacy_officer,
        acknowledged_on=TODAY,
        acknowledged_by="Dana Example, Compliance Officer",
        method="signed_copy",
    )
    html = signed_in(privacy_officer).get(reverse("partner", args=[partner.pk])).content.decode()
    assert "covers database and bulk requests received through" in html
    assert "1 December 2025" in html
    assert notice.reference in html and notice.sha256[:32] in html
    assert "Dana Example, Compliance Officer (signed copy returned)" in html
    for what in (
        "Registered",
        "Certification recorded",
        "Restriction notice sent",
        "Acknowledgment recorded",
    ):
        assert what in html
