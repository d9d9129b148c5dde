"""POST /api/v1/requests/batch: many requests in one call, each taken in on its own, as an
automated channel (a DRIVES partner's system) sends them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core import mail

from custodiet.accounts.models import ApiToken, Role
from custodiet.accounts.rates import Rate
from custodiet.api import batch
from custodiet.api.body import MAX_BATCH
from custodiet.api.models import StoredAnswer
from custodiet.cases.models import Case, State
from custodiet.ledger import store
from custodiet.ledger.models import Entry
from custodiet.records.models import Event, RequestRecord

from .conftest import REQUESTS, Api, detective_request, ice_request, make_member

pytestmark = pytest.mark.django_db

BATCH = f"{REQUESTS}/batch"


def send(api: Api, body: Any, **headers: str):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return api.client.post(
        BATCH,
        data=data,
        content_type="application/json",
        headers={**api._headers(), **headers},
    )


def send_requests(api: Api, requests: list[Any], **headers: str):
    return send(api, {"requests": requests}, **headers)


def results(response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.content
    found: list[dict[str, Any]] = response.json()["results"]
    return found


def statuses(response) -> list[int]:
    return [result["status"] for result in results(response)]


def fields(result: dict[str, Any]) -> list[str]:
    return [error["field"] for error in result["errors"]]


def counts() -> tuple[int, int, int, int, int]:
    """What taking requests in leaves behind: records, cases, events, ledger entries, mail."""
    return (
        RequestRecord.objects.count(),
        Case.objects.count(),
        Event.objects.count(),
        Entry.objects.count(),
        len(mail.outbox),
    )


def numbered(count: int, **changes: Any) -> list[dict[str, Any]]:
    """Detectives' requests (eligible), each with an id of its own."""
    return [detective_request(id=f"DPD-B-{number:04d}", **changes) for number in range(count)]


# Mixed batches ---------------------------------------------------------------------------


def test_each_request_is_taken_in_or_refused_on_its_own_naming_its_fields(api):
    response = send_requests(
        api,
        [
            detective_request(id="DPD-1"),
            detective_request(requester={"name": "Det. Alex Example"}),
            detective_request(records_requested=["address", "dna"]),
            ice_request(id="ICE-1"),
            "not a request",
            detective_request(receiving_agency="CO-CDPS-CBI"),
            detective_request(received_at="2999-01-01T00:00:00Z", purpose_category="pizza"),
        ],
    )
    answered = results(response)
    assert [result["status"] for result in answered] == [201, 422, 422, 201, 422, 422, 422]
    assert fields(answered[1]) == ["requests[1].requester.organization"]
    assert answered[1]["errors"][0]["message"] == "is required"
    assert fields(answered[2]) == ["requests[2].records_requested[1]"]
    assert "use one of: name, address" in answered[2]["errors"][0]["message"]
    assert fields(answered[4]) == ["requests[4]"]
    assert fields(answered[5]) == ["requests[5].receiving_agency"]
    assert fields(answered[6]) == ["requests[6].purpose_category"]
    # Nothing of a refused request is kept; the others are recorded, decided and opened.
    assert set(RequestRecord.objects.values_list("public_id", flat=True)) == {"DPD-1", "ICE-1"}
    assert answered[0]["id"] == "DPD-1"
    assert answered[0]["replayed"] is False
    assert answered[0]["decision"]["outcome"] == "eligible"
    assert answered[0]["state"] == "awaiting_approval"
    assert answered[3]["decision"]["outcome"] == "refuse"
    assert answered[3]["state"] == "to_refuse"
    assert Case.objects.get(request__public_id="ICE-1").state == State.TO_REFUSE


def test_a_request_taken_in_is_answered_as_the_single_endpoint_answers_it(api):
    [taken] = results(send_requests(api, [detective_request(id="DPD-1", portal_context="kiosk")]))
    single = api.submit(detective_request(id="DPD-2", portal_context="kiosk")).json()
    assert taken.pop("status") == 201
    assert taken.pop("replayed") is False
    assert taken["warnings"][0]["field"] == "portal_context"
    # As the request is read back.
    read = api.read("DPD-1").json()
    assert {key: read[key] for key in taken} == taken
    # And as the single endpoint answers, but for the id, which the decision repeats.
    assert taken.keys() == single.keys()
    assert taken["decision"].pop("request_id") == "DPD-1"
    assert single["decision"].pop("request_id") == "DPD-2"
    assert {**taken, "id": "DPD-2"} == single


def test_each_request_gets_the_records_events_and_ledger_entries_of_a_single_one(api):
    single = api.submit(detective_request(id="ONE-1")).json()
    single_refused = api.submit(ice_request(id="ONE-2")).json()
    answered = results(
        send_requests(
            api, [detective_request(id="MANY-1"), ice_request(id="MANY-2"), detective_request()]
        )
    )
    assert [result["status"] for result in answered] == [201, 201, 201]

    def story(public_id: str) -> list[tuple[str, dict[str, Any]]]:
        events = Event.objects.filter(request__public_id=public_id).order_by("id")
        return [(event.kind, _without_ids(event.payload)) for event in events]

    assert story("MANY-1") == story(single["id"])
    assert story("MANY-2") == story(single_refused["id"])
    assert [kind for kind, _ in story(answered[2]["id"])] == [
        "request.received",
        "request.decided",
        "case.opened",
        "supervisor.notified",
    ]
    for public_id in ("MANY-1", "MANY-2", answered[2]["id"]):
        record = RequestRecord.objects.get(public_id=public_id)
        events = list(record.events.order_by("id"))
        entries = [Entry.objects.get(event=event).index for event in events]
        # Every event is in the ledger, each request's one after another, in order.
        assert entries == list(range(entries[0], entries[0] + len(events)))
        assert record.decisions.count() == 1
        case = record.case
        assert case.taken_in_by.username == "dmv-portal"
        assert case.due_on == single_case().due_on
    eligible = Case.objects.get(request__public_id="MANY-1")
    assert eligible.supervisor_notified_at is not None
    assert store.verify().problem is None


def single_case() -> Case:
    return Case.objects.get(request__public_id="ONE-1")


def _without_ids(payload: dict[str, Any]) -> dict[str, Any]:
    """An event's payload, with the request's own id left out."""
    if "request" in payload:
        request = {key: value for key, value in payload["request"].items() if key != "id"}
        return {**payload, "request": request}
    if "decision" in payload:
        decision = {key: value for key, value in payload["decision"].items() if key != "request_id"}
        return {**payload, "decision": decision}
    return payload


def test_the_supervisors_get_one_email_for_the_batch(api):
    answered = results(send_requests(api, [*numbered(3), ice_request()]))
    assert [result["state"] for result in answered] == [
        "awaiting_approval",
        "awaiting_approval",
        "awaiting_approval",
        "to_refuse",
    ]
    [message] = mail.outbox
    assert message.to == ["supervisor@dmv.example"]
    assert message.subject == "Approval needed: 3 requests"
    for result in answered[:3]:
        assert f"Request: {result['id']}" in message.body
        assert f"/cases/{result['id']}" in message.body
    assert answered[3]["id"] not in message.body
    notified = Event.objects.filter(kind="supervisor.notified")
    assert [event.payload for event in notified] == [
        {"to_state": "awaiting_approval", "recipients": 1}
    ] * 3


def test_a_batch_of_one_mails_as_the_single_endpoint_does(api):
    assert statuses(send_requests(api, [detective_request(id="DPD-1")])) == [201]
    [message] = mail.outbox
    assert message.subject == "Approval needed: DPD-1 from Denver Police Department"


def test_a_full_batch_is_taken_in(api):
    answered = results(send_requests(api, numbered(MAX_BATCH)))
    assert statuses_of(answered) == {201}
    assert RequestRecord.objects.count() == Case.objects.count() == MAX_BATCH
    assert Entry.objects.count() == 4 * MAX_BATCH
    assert len(mail.outbox) == 1
    assert store.verify().problem is None


def statuses_of(answered: list[dict[str, Any]]) -> set[int]:
    return {result["status"] for result in answered}


# Retries ---------------------------------------------------------------------------------


def test_a_batch_sent_again_records_nothing_and_answers_the_same(api):
    requests = [*numbered(3), ice_request(id="ICE-1"), detective_request(records_requested=[])]
    first = results(send_requests(api, requests))
    before = counts()
    assert before[:2] == (4, 4)

    again = results(send_requests(api, list(reversed(requests))))
    assert counts() == before
    assert [result["status"] for result in again] == [422, 201, 201, 201, 201]
    for earlier, repeated in zip(first[:4], reversed(again[1:]), strict=True):
        assert earlier.pop("replayed") is False
        assert repeated.pop("replayed") is True
        assert repeated == earlier
    assert fields(again[0]) == ["requests[0].records_requested"]


def test_the_same_id_with_another_body_is_a_conflict_for_that_request_only(api):
    results(send_requests(api, numbered(2)))
    before = counts()
    answered = results(
        send_requests(
            api,
            [
                detective_request(id="DPD-B-0000", purpose="Burglary investigation"),
                detective_request(id="DPD-B-0001"),
                detective_request(id="DPD-B-0002"),
            ],
        )
    )
    assert [result["status"] for result in answered] == [409, 201, 201]
    assert fields(answered[0]) == ["requests[0].id"]
    assert "already recorded" in answered[0]["errors"][0]["message"]
    assert answered[1]["replayed"] is True
    assert answered[2]["replayed"] is False
    assert RequestRecord.objects.count() == before[0] + 1
    assert (
        RequestRecord.objects.get(public_id="DPD-B-0000").payload["purpose"]
        == "Armed robbery investigation"
    )


def test_an_id_given_twice_in_one_batch_is_taken_in_once(api):
    answered = results(
        send_requests(api, [detective_request(id="DPD-1"), detective_request(id="DPD-1")])
    )
    assert [result["status"] for result in answered] == [201, 409]
    assert answered[1]["errors"] == [
        {
            "field": "requests[1].id",
            "message": "requests[0].id has the same id: send each request once",
        }
    ]
    assert RequestRecord.objects.count() == 1


def test_a_request_sent_alone_and_then_in_a_batch_is_one_request(api):
    alone = api.submit(detective_request(id="DPD-1"))
    [in_batch] = results(send_requests(api, [detective_request(id="DPD-1")]))
    assert in_batch["replayed"] is True
    assert {key: in_batch[key] for key in alone.json()} == alone.json()
    # And the other way round: a batch's request sent again alone.
    results(send_requests(api, [ice_request(id="ICE-1")]))
    again = api.submit(ice_request(id="ICE-1"))
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert RequestRecord.objects.count() == 2


def test_another_partner_of_the_agency_cannot_reuse_an_id(client, api, django_user_model, dmv):
    kiosk = make_member(django_user_model, "dmv-kiosk", dmv, Role.PARTNER)
    other = Api(client, ApiToken.issue(kiosk, "kiosk")[1])
    results(send_requests(api, [detective_request(id="DPD-1")]))
    [answer] = results(send_requests(other, [detective_request(id="DPD-1")]))
    assert answer["status"] == 409
    assert fields(answer) == ["requests[0].id"]
    assert RequestRecord.objects.count() == StoredAnswer.objects.count() == 1


def test_a_race_for_an_id_costs_the_other_requests_nothing(api, monkeypatch):
    """Another call records one of the batch's ids between the batch's checks and its
    write: the batch's bulk write fails, and each request is then taken in on its own."""
    take_in_together = batch._take_in_together

    def another_call_first(*args: Any, **kwargs: Any) -> Any:
        monkeypatch.setattr(batch, "_take_in_together", take_in_together)
        assert api.submit(detective_request(id="DPD-B-0001", purpose="Fraud")).status_code == 201
        assert api.submit(detective_request(id="DPD-B-0002")).status_code == 201
        return take_in_together(*args, **kwargs)

    monkeypatch.setattr(batch, "_take_in_together", another_call_first)
    answered = results(send_requests(api, numbered(4)))
    assert [result["status"] for result in answered] == [201, 409, 201, 201]
    assert fields(answered[1]) == ["requests[1].id"]
    # The same body under the same id was the same request: its first answer.
    assert [result.get("replayed") for result in answered] == [False, None, True, False]
    assert RequestRecord.objects.count() == 4
    assert RequestRecord.objects.get(public_id="DPD-B-0001").payload["purpose"] == "Fraud"
    assert store.verify().problem is None


# Who may write and read ------------------------------------------------------------------


def test_it_requires_a_token(client, token):
    response = send_requests(Api(client, None), [detective_request()])
    assert response.status_code == 401
    assert response.json()["errors"][0]["field"] == "Authorization"
    assert not RequestRecord.objects.exists()


def test_it_requires_the_partner_role(client, clerk_token):
    response = send_requests(Api(client, clerk_token), [detective_request()])
    assert response.status_code == 403
    assert not RequestRecord.objects.exists()


def test_another_agencys_partner_writes_only_into_its_own_agency(client, api, other_token):
    other = Api(client, other_token)
    answered = results(
        send_requests(
            other,
            [
                detective_request(id="DPD-1"),
                detective_request(id="DPD-2", receiving_agency="CO-CDPS-CBI"),
                {
                    key: value
                    for key, value in detective_request(id="DPD-3").items()
                    if key != "receiving_agency"
                },
            ],
        )
    )
    assert [result["status"] for result in answered] == [422, 201, 201]
    assert fields(answered[0]) == ["requests[0].receiving_agency"]
    assert set(
        RequestRecord.objects.filter(agency__code="CO-CDPS-CBI").values_list("public_id", flat=True)
    ) == {"DPD-2", "DPD-3"}
    assert not RequestRecord.objects.filter(agency__code="CO-DOR-DMV").exists()
    # The CBI's supervisor was told, not the DMV's.
    [message] = mail.outbox
    assert message.to == ["s@cbi.example"]

    # Its ids name nothing in the DMV's log: the DMV's partner may use them, and neither
    # reads the other's.
    ours = results(send_requests(api, [detective_request(id="DPD-2")]))
    assert ours[0]["status"] == 201
    assert ours[0]["replayed"] is False
    assert api.read("DPD-3").status_code == 404
    assert other.read("DPD-2").json()["received_at"] == ours[0]["received_at"]
    assert RequestRecord.objects.filter(public_id="DPD-2").count() == 2


# The body --------------------------------------------------------------------------------


def test_more_requests_than_a_batch_holds_are_refused_naming_the_field(api):
    response = send_requests(api, numbered(MAX_BATCH + 1))
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "requests"
    assert error["message"].startswith(f"must have at most {MAX_BATCH} items (this one has 501)")
    assert not RequestRecord.objects.exists()


def test_a_body_over_the_size_limit_is_refused(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = send_requests(api, numbered(30))
    assert response.status_code == 413
    assert response.json()["errors"][0]["field"] == "request"
    assert "10,000 bytes" in response.json()["errors"][0]["message"]
    assert not RequestRecord.objects.exists()


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ("{not json", 400, "request"),
        ("[]", 422, "request"),
        ({}, 422, "requests"),
        ({"requests": {"received_at": "2022-03-14"}}, 422, "requests"),
        ({"requests": []}, 422, "requests"),
        ({"requests": [detective_request()], "request": []}, 422, "request"),
    ],
)
def test_a_body_that_is_not_a_batch_is_refused_naming_the_field(api, body, status, field):
    response = send(api, body)
    assert response.status_code == status
    assert response.json()["errors"][0]["field"] == field
    assert not RequestRecord.objects.exists()


def test_a_batch_takes_no_idempotency_key(api):
    response = send_requests(api, [detective_request()], **{"Idempotency-Key": "k-1"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"
    assert not RequestRecord.objects.exists()


# The deployment's limits -----------------------------------------------------------------


def test_no_supervisor_to_tell_refuses_the_requests_that_would_await_one(api, supervisor):
    supervisor.email = ""
    supervisor.save(update_fields=["email"])
    answered = results(send_requests(api, [detective_request(id="DPD-1"), ice_request(id="ICE-1")]))
    assert [result["status"] for result in answered] == [503, 201]
    assert fields(answered[0]) == ["requests[0]"]
    assert "no supervisor" in answered[0]["errors"][0]["message"]
    assert list(RequestRecord.objects.values_list("public_id", flat=True)) == ["ICE-1"]
    assert not mail.outbox
    # Nothing was kept of the refused one: sent again once a supervisor can be told, it
    # is taken in.
    supervisor.email = "supervisor@dmv.example"
    supervisor.save(update_fields=["email"])
    [again] = results(send_requests(api, [detective_request(id="DPD-1")]))
    assert (again["status"], again["replayed"]) == (201, False)


def test_a_batch_counts_as_one_call_against_the_rate_limit(api, settings):
    settings.CUSTODIET_API_RATE = Rate(2, 60)
    assert send_requests(api, numbered(5)).status_code == 200
    assert api.submit(detective_request()).status_code == 201
    refused = send_requests(api, [detective_request(id="LATE-1")])
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1
    assert RequestRecord.objects.count() == 6


def test_a_request_whose_id_is_batch_is_read_back(api):
    results(send_requests(api, [detective_request(id="batch")]))
    assert api.read("batch").status_code == 200
