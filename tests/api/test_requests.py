"""POST and GET /api/v1/requests, through HTTP as a partner system calls them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from custodiet.accounts.models import ApiToken
from custodiet.cases.models import Case
from custodiet.ledger.models import Entry
from custodiet.records.models import RequestRecord

from .conftest import REQUESTS, Api, detective_request, ice_request

pytestmark = pytest.mark.django_db


def fields(response) -> list[str]:
    return [error["field"] for error in response.json()["errors"]]


# Who may call ---------------------------------------------------------------------------


def test_it_requires_a_token(client, token):
    response = Api(client, None).submit(detective_request())
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="custodiet"'
    assert fields(response) == ["Authorization"]
    assert not RequestRecord.objects.exists()


@pytest.mark.parametrize("header", ["Bearer cus_not-a-real-token", "Bearer ", "Basic dXNlcjpwYXNz"])
def test_it_refuses_an_unknown_token(client, token, header):
    response = client.post(
        REQUESTS,
        data=detective_request(),
        content_type="application/json",
        headers={"Authorization": header},
    )
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert not RequestRecord.objects.exists()


def test_it_refuses_a_revoked_token(api, token):
    ApiToken.objects.update(revoked_at=timezone.now())
    response = api.submit(detective_request())
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="custodiet", error="invalid_token"'
    assert not RequestRecord.objects.exists()


def test_it_refuses_the_token_of_a_deactivated_account(api, partner):
    partner.is_active = False
    partner.save(update_fields=["is_active"])
    assert api.submit(detective_request()).status_code == 401


def test_it_requires_the_partner_role(client, clerk_token):
    response = Api(client, clerk_token).submit(detective_request())
    assert response.status_code == 403
    assert fields(response) == ["Authorization"]
    assert not RequestRecord.objects.exists()


def test_a_session_cookie_does_not_authenticate(client, partner, supervisor):
    # A signed-in browser must not be able to write through the API (no CSRF token needed
    # because cookies never count), not even for a partner account.
    client.force_login(partner)
    assert (
        client.post(REQUESTS, data=detective_request(), content_type="application/json").status_code
        == 401
    )
    client.force_login(supervisor)
    assert (
        client.post(REQUESTS, data=detective_request(), content_type="application/json").status_code
        == 401
    )
    assert not RequestRecord.objects.exists()


def test_it_needs_no_csrf_token_with_a_bearer_token(client, token):
    client = type(client)(enforce_csrf_checks=True)
    response = Api(client, token).submit(detective_request())
    assert response.status_code == 201


def test_it_notes_when_a_token_was_last_used_at_most_once_a_minute(api):
    assert api.read("R-none").status_code == 404
    first = ApiToken.objects.get().last_used_at
    assert first is not None
    api.read("R-none")
    assert ApiToken.objects.get().last_used_at == first
    ApiToken.objects.update(last_used_at=first - dt.timedelta(seconds=61))
    api.read("R-none")
    assert ApiToken.objects.get().last_used_at > first


# Submitting -----------------------------------------------------------------------------


def test_it_takes_in_a_detectives_request_as_eligible(api, dmv, partner):
    response = api.submit(detective_request())
    assert response.status_code == 201, response.content
    answer = response.json()
    assert answer["state"] == "awaiting_approval"
    assert answer["decision"]["outcome"] == "eligible"
    assert "use_restriction_notice" in answer["decision"]["obligations"]
    assert answer["decision"]["releasable_records"] == ["address"]
    assert dt.datetime.fromisoformat(answer["received_at"]) == dt.datetime(
        2022, 3, 14, 16, 0, tzinfo=dt.UTC
    )
    assert response["Location"] == f"http://testserver{REQUESTS}/{answer['id']}"
    case = Case.objects.get(request__public_id=answer["id"])
    assert (case.agency, case.taken_in_by) == (dmv, partner)
    assert case.request.channel == "api"
    assert [message.to for message in mail.outbox] == [["supervisor@dmv.example"]]


def test_it_refuses_an_ice_request_for_removal(api):
    response = api.submit(ice_request())
    assert response.status_code == 201, response.content
    answer = response.json()
    assert answer["state"] == "to_refuse"
    assert answer["decision"]["outcome"] == "refuse"
    assert answer["decision"]["immigration_related"] is True
    assert any("24-74-103" in reason["citation"] for reason in answer["decision"]["reasons"])
    assert answer["decision"]["releasable_records"] == []
    assert mail.outbox == []


def test_it_keeps_the_channel_the_partner_gives(api):
    answer = api.submit(detective_request(channel="email")).json()
    assert RequestRecord.objects.get(public_id=answer["id"]).channel == "email"


def test_it_keeps_the_partners_own_id(api):
    response = api.submit(detective_request(id="PORTAL-2022-000017"))
    assert response.status_code == 201
    assert response.json()["id"] == "PORTAL-2022-000017"


def test_a_time_without_offset_is_the_agencys_local_time(api, settings):
    settings.TIME_ZONE = "America/Denver"
    response = api.submit(detective_request(received_at="2022-03-14"))
    assert response.status_code == 201, response.content
    assert dt.datetime.fromisoformat(response.json()["received_at"]) == dt.datetime(
        2022, 3, 14, 6, 0, tzinfo=dt.UTC
    )


def test_it_names_the_fields_it_does_not_know_keeps_them_and_answers_as_usual(api):
    request = detective_request(database_access=True, purpose_catgory="agency_function")
    request["requester"]["email"] = "robbery@denver.example"
    request["requester"]["badge"] = "4471"
    request["subjects"][0]["eye_colour"] = "brown"
    response = api.submit(request)
    assert response.status_code == 201, response.content
    answer = response.json()
    assert answer["decision"]["outcome"] == "eligible"
    warnings = {warning["field"]: warning["message"] for warning in answer["warnings"]}
    assert list(warnings) == [
        "database_access",
        "purpose_catgory",
        "requester.badge",
        "subjects[0].eye_colour",
    ]
    assert warnings["database_access"].startswith("unknown field 'database_access'")
    assert "did not read it" in warnings["database_access"]
    assert "(did you mean 'purpose_category'?)" in warnings["purpose_catgory"]
    # The contract lets a sender add fields: the record keeps them as sent.
    payload = RequestRecord.objects.get(public_id=answer["id"]).payload
    assert payload["database_access"] is True
    assert payload["requester"]["badge"] == "4471"
    # Reading the request back names them the same way.
    assert api.read(answer["id"]).json()["warnings"] == answer["warnings"]


def test_a_request_with_only_the_contracts_fields_has_no_warnings(api):
    request = detective_request()
    request["requester"]["address"] = "1331 Cherokee St\nDenver, CO 80204"
    answer = api.submit(request).json()
    assert answer["warnings"] == []


def test_it_answers_409_to_an_id_already_taken(api):
    assert api.submit(detective_request(id="PORTAL-1")).status_code == 201
    response = api.submit(ice_request(id="PORTAL-1"))
    assert response.status_code == 409
    assert fields(response) == ["id"]
    assert "PORTAL-1" in response.json()["errors"][0]["message"]
    assert RequestRecord.objects.count() == 1


# Bad input: 4xx naming the field, nothing recorded ---------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"records_requested": ["adress"]}, "records_requested[0]"),
        ({"records_requested": []}, "records_requested"),
        ({"requester": {"name": "Someone"}}, "requester.organization"),
        ({"requester": {"organization": ""}}, "requester.organization"),
        ({"received_at": "last Tuesday"}, "received_at"),
        ({"received_at": None}, "received_at"),
        ({"channel": "fax"}, "channel"),
        ({"legal_process": [{"kind": "warrant"}]}, "legal_process[0].kind"),
    ],
)
def test_it_names_the_invalid_field(api, changes, field):
    response = api.submit(detective_request(**changes))
    assert response.status_code == 422
    assert field in fields(response)
    assert not RequestRecord.objects.exists()


def test_it_names_a_missing_required_field(api):
    body = detective_request()
    del body["received_at"]
    response = api.submit(body)
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "received_at", "message": "is required"}]


def test_it_lists_the_allowed_values_of_a_vocabulary(api):
    response = api.submit(detective_request(records_requested=["address", "dna"]))
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "records_requested[1]"
    assert "driving_record" in error["message"]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ("{not json", 400),
        (b"\xff\xfe\x00", 400),
        ("", 400),
        ('{"n": ' + "9" * 5000 + "}", 400),
        ("[" * 5000 + "]" * 5000, 400),
        ("[1, 2]", 422),
        ('"a string"', 422),
    ],
)
def test_it_refuses_a_body_that_is_not_a_request_object(api, body, status):
    response = api.submit(body)
    assert response.status_code == status
    assert fields(response) == ["request"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"purpose": "robbery\x00"}, "purpose"),
        ({"note_from_portal": "\ud800"}, "note_from_portal"),
        ({"portal_sequence": 2**60}, "portal_sequence"),
        ({"id": "x" * 81}, "id"),
        ({"id": "../cases/R-1"}, "id"),
        ({"receiving_agency": "D" * 65}, "receiving_agency"),
        ({"requester": {"organization": "P" * 301}}, "requester.organization"),
        ({"received_at": "9999-12-31T23:00:00-06:00"}, "received_at"),
        ({"received_at": "0001-01-01T00:00:00+06:00"}, "received_at"),
        ({"received_at": "2022-03-14T17:21:04+22:39"}, "received_at"),
        ({"received_at": "0001-01-01T00:00:03Z"}, "received_at"),
    ],
)
def test_it_refuses_what_the_record_could_not_keep(api, changes, field):
    response = api.submit(detective_request(**changes))
    assert response.status_code == 422, response.content
    assert fields(response) == [field]
    assert not RequestRecord.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"purpose": "x" * 10_001}, "purpose", "at most 10,000 characters"),
        ({"requester": {"organization": "DPD", "name": "N" * 301}}, "requester.name", "300"),
        ({"subjects": [{"name": "Pat"}] * 101}, "subjects", "at most 100 items"),
        ({"records_requested": ["address"] * 19}, "records_requested", "at most 18 items"),
        (
            {"legal_process": [{"title": "Warrant", "text": "t" * 250_001}]},
            "legal_process[0].text",
            "at most 250,000 characters",
        ),
        ({f"portal_field_{n}": n for n in range(70)}, "request", "and 50 added"),
        ({"portal_notes": "n" * 20_000}, "request", "20,000 characters"),
        (
            {"requester": {"organization": "DPD", **{f"x{n}": n for n in range(60)}}},
            "requester",
            "and 50 added",
        ),
    ],
)
def test_it_refuses_what_is_beyond_a_limit_naming_the_field(api, changes, field, message):
    response = api.submit(detective_request(**changes))
    assert response.status_code == 422, response.content
    [error] = response.json()["errors"]
    assert error["field"] == field
    assert message in error["message"]
    assert not RequestRecord.objects.exists()


def test_it_takes_a_purpose_of_exactly_the_limit(api):
    assert api.submit(detective_request(purpose="x" * 10_000)).status_code == 201


def test_null_reads_as_false_or_none(api):
    response = api.submit(
        detective_request(bulk=None, facial_recognition=None, subjects=None, legal_process=None)
    )
    assert response.status_code == 201, response.content
    assert response.json()["decision"]["outcome"] == "eligible"


def test_it_refuses_non_finite_numbers(api):
    body = '{"received_at": "2022-03-14", "requester": {"organization": "DPD"}, "records_requested": ["address"], "score": NaN}'
    response = api.submit(body)
    assert response.status_code == 422
    assert fields(response) == ["score"]


def test_it_refuses_deep_nesting(api):
    nested: object = "deep"
    for _ in range(40):
        nested = {"x": nested}
    response = api.submit(detective_request(portal_context=nested))
    assert response.status_code == 422
    assert fields(response)[0].startswith("portal_context.x.x")


def test_it_refuses_a_body_over_the_size_limit(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = api.submit(detective_request(purpose="x" * 20_000))
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/json")
    assert fields(response) == ["request"]
    assert "10,000 bytes" in response.json()["errors"][0]["message"]
    assert not RequestRecord.objects.exists()


def test_nothing_is_recorded_when_no_supervisor_can_be_told(api, supervisor):
    supervisor.email = ""
    supervisor.save(update_fields=["email"])
    response = api.submit(detective_request())
    assert response.status_code == 503
    assert "supervisor" in response.json()["errors"][0]["message"]
    assert not RequestRecord.objects.exists()
    assert not Entry.objects.exists()


# Reading back ----------------------------------------------------------------------------


def test_it_reads_back_a_request_of_its_agency_with_its_ledgered_history(api):
    submitted = api.submit(detective_request()).json()
    response = api.read(submitted["id"])
    assert response.status_code == 200
    answer = response.json()
    assert {key: answer[key] for key in submitted} == submitted
    history = answer["history"]
    assert [step["kind"] for step in history] == [
        "request.received",
        "request.decided",
        "case.opened",
        "supervisor.notified",
    ]
    assert {step["actor"] for step in history} == {"dmv-portal"}
    indexes = [step["ledger_index"] for step in history]
    assert indexes == sorted(indexes)
    assert list(Entry.objects.filter(index__in=indexes).values_list("event__kind", flat=True)) == [
        step["kind"] for step in history
    ]


def test_another_agencys_request_is_not_found(client, api, other_token):
    theirs = Api(client, other_token).submit(ice_request(receiving_agency="CO-CDPS-CBI")).json()
    ours = api.submit(detective_request()).json()
    assert api.read(theirs["id"]).status_code == 404
    # The same answer as for an id that does not exist: nothing about theirs leaks.
    assert api.read(theirs["id"]).json() == api.read("R-20220314-00000000").json()
    assert Api(client, other_token).read(ours["id"]).status_code == 404
    assert Api(client, other_token).read(theirs["id"]).status_code == 200


def test_reading_requires_the_partner_role(client, api, clerk_token):
    submitted = api.submit(detective_request()).json()
    assert Api(client, clerk_token).read(submitted["id"]).status_code == 403


def test_reading_requires_a_token(client, api):
    submitted = api.submit(detective_request()).json()
    response = Api(client, None).read(submitted["id"])
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="custodiet"'


@pytest.mark.parametrize("public_id", ["R%00", "%F0%9F%92%A9", "a b", "." * 90])
def test_reading_an_odd_id_is_not_found(api, public_id):
    assert api.read(public_id).status_code == 404
