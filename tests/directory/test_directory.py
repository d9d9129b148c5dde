"""The agency directory: everyone on staff reads it, the privacy officer corrects it, and
decisions and scans read the corrected directory at once."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from custodiet.directory import actions, urls
from custodiet.directory.current import current_directory
from custodiet.directory.models import DirectoryChange
from custodiet.ledger.models import Entry
from custodiet.policy.facts.agencies import default_directory, entry
from custodiet.records.models import Event
from matrix import DONE, LOGIN, ROLES

# The directory is the deployment's: another agency's privacy officer keeps it too.
# fmt: off
#             clerk sup  couns priv  audit admin partn unaff anon   outsider
READ =       (200,  200, 200,  200,  200,  200,  403,  403,  LOGIN, 200)
EDIT_PAGE =  (403,  403, 403,  200,  403,  403,  403,  403,  LOGIN, 200)
EDIT =       (403,  403, 403,  DONE, 403,  403,  403,  403,  LOGIN, DONE)
# fmt: on
MATRIX: dict[tuple[str, str], tuple[Any, ...]] = {
    ("directory", "GET"): READ,
    ("directory-agency", "GET"): READ,
    ("directory-new", "GET"): EDIT_PAGE,
    ("directory-new", "POST"): EDIT,
    ("directory-edit", "GET"): EDIT_PAGE,
    ("directory-edit", "POST"): EDIT,
}
NEW_AGENCY = {
    "id": "US-CO-TEST-PD",
    "name": "Lakeview Test Police Department",
    "parent": "",
    "level": "local",
    "aliases": "",
    "acronyms": "LTPD",
    "oris": "CO0999900",
    "ori_prefixes": "",
    "note": "From the department's letter of 3 March.",
}


def _edit_data(agency_id: str) -> dict[str, Any]:
    data = {
        k: "\n".join(v) if isinstance(v, list) else v
        for k, v in entry(default_directory().get(agency_id)).items()
    }
    data["parent"] = data.get("parent", "")
    data["oris"] = (data["oris"] + "\nDCFBIWA00").strip()
    data["note"] = "The FBI's Washington field office ORI, from its letter."
    data["immigration"] = "on" if data["immigration"] else ""
    data["enforcement"] = "on" if data["enforcement"] else ""
    return {k: v for k, v in data.items() if v not in (False, "")}


def _target(name: str) -> tuple[str, dict[str, Any]]:
    pages = {
        "directory": ([], {}),
        "directory-agency": (["US-DHS-ICE-LESC"], {}),
        "directory-new": ([], NEW_AGENCY),
        "directory-edit": (["US-DOJ-FBI"], _edit_data("US-DOJ-FBI")),
    }
    args, data = pages[name]
    return reverse(name, args=args), data


def test_every_directory_page_has_its_row():
    assert {pattern.name for pattern in urls.urlpatterns} == {name for name, _ in MATRIX}


@pytest.mark.parametrize(
    ("name", "method", "role", "expected"),
    [
        pytest.param(name, method, role, expected, id=f"{name}-{method}-{role}")
        for (name, method), answers in MATRIX.items()
        for role, expected in zip(ROLES, answers, strict=True)
    ],
)
def test_each_role_gets_its_answer(name, method, role, expected, client_of):
    url, data = _target(name)
    client = client_of(role)
    before = DirectoryChange.objects.count()
    response = client.get(url) if method == "GET" else client.post(url, data)
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")
    elif expected == DONE:
        assert response.status_code == 302, response.content.decode()[:3000]
        assert DirectoryChange.objects.count() == before + 1
    else:
        assert response.status_code == expected
        assert DirectoryChange.objects.count() == before


def test_an_added_agency_is_recognised_by_its_ori_and_ledgered(client, privacy_officer):
    client.force_login(privacy_officer)
    response = client.post(reverse("directory-new"), NEW_AGENCY)
    assert response.status_code == 302
    assert response["Location"] == reverse("directory-agency", args=["US-CO-TEST-PD"])
    found = current_directory().by_ori("CO0999900")
    assert found is not None and found.name == "Lakeview Test Police Department"
    assert current_directory().match_name("LTPD").id == "US-CO-TEST-PD"
    event = Event.objects.get(kind="directory.added")
    assert event.payload["agency"] == "US-CO-TEST-PD"
    assert Entry.objects.filter(event=event).exists()
    page = client.get(reverse("directory-agency", args=["US-CO-TEST-PD"])).content.decode()
    assert "From the department&#x27;s letter of 3 March." in page


def test_an_edit_replaces_the_entry(client, privacy_officer):
    client.force_login(privacy_officer)
    response = client.post(reverse("directory-edit", args=["US-DOJ-FBI"]), _edit_data("US-DOJ-FBI"))
    assert response.status_code == 302
    assert current_directory().by_ori("DCFBIWA00").id == "US-DOJ-FBI"
    assert default_directory().by_ori("DCFBIWA00") is None  # the packaged file is untouched


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"oris": "CO09999"}, "oris", "is not 9 capitals or digits"),
        ({"id": "lower-case"}, "id", "must be upper-case words"),
        ({"oris": "VTICE0900"}, "oris", "already names US-DHS-ICE-LESC"),
        ({"acronyms": "FBI"}, "acronyms", "already names US-DOJ-FBI"),
        ({"enforcement": "on"}, "enforcement", "needs immigration = true"),
        ({"id": "US-DOJ-FBI"}, "id", "already in the directory"),
    ],
)
def test_a_bad_entry_names_its_field_and_changes_nothing(
    client, privacy_officer, change, field, message
):
    client.force_login(privacy_officer)
    response = client.post(reverse("directory-new"), NEW_AGENCY | change)
    assert response.status_code == 200
    form = response.context["form"]
    assert any(message in error for error in form.errors[field]), form.errors
    assert DirectoryChange.objects.count() == 0
    assert not Event.objects.exists()


def test_a_change_needs_a_note(db):
    with pytest.raises(actions.DirectoryError, match="field 'note'"):
        actions.save_agency(
            {**entry(default_directory().get("US-DOJ-FBI"))}, note=" ", by="x", new=False
        )
    assert not DirectoryChange.objects.exists()


def test_unknown_organisations_open_the_form_prefilled(client, privacy_officer):
    client.force_login(privacy_officer)
    page = client.get(reverse("directory-new"), {"name": "Acme Towing", "ori": "co1234567"})
    assert page.context["form"].initial["oris"] == "CO1234567"
    assert page.context["form"].initial["name"] == "Acme Towing"


def test_the_list_filters_by_immigration(client, privacy_officer):
    client.force_login(privacy_officer)
    page = client.get(reverse("directory"), {"immigration": "yes"})
    names = [agency.id for agency in page.context["page"].object_list]
    assert "US-DHS-ICE-ERO" in names
    assert "US-DOJ-FBI" not in names


def test_a_change_that_no_longer_fits_is_left_out_and_logged(db, caplog):
    # Saved when it fitted; then the packaged directory gave the ORI to another agency.
    DirectoryChange.objects.create(
        agency_id="US-CO-TEST-PD",
        entry={
            "id": "US-CO-TEST-PD",
            "name": "Lakeview Test Police Department",
            "level": "local",
            "immigration": False,
            "enforcement": False,
            "oris": ["VTICE0900"],
        },
        note="An old change.",
        changed_by="privacy_officer",
        changed_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
    )
    directory = current_directory()
    assert directory.get("US-CO-TEST-PD") is None
    assert directory.by_ori("VTICE0900").id == "US-DHS-ICE-LESC"
    assert "is not applied" in caplog.text


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no insert-only triggers")
def test_postgresql_refuses_to_rewrite_a_directory_change(db):
    actions.save_agency(
        {**entry(default_directory().get("US-DOJ-FBI"))}, note="A check.", by="x", new=False
    )
    for change in (
        lambda: DirectoryChange.objects.update(note="rewritten"),
        lambda: DirectoryChange.objects.all().delete(),
    ):
        with pytest.raises(DatabaseError, match="insert-only"), transaction.atomic():
            change()
