"""POST /api/v1/queries: a partner system's database query (a DRIVES query, say) recorded as
a request with channel `database` and decided on the partner registry's certification."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from custodiet.accounts.models import Agency, Role
from custodiet.cases.models import Case, State
from custodiet.ledger import store
from custodiet.ledger.models import Entry
from custodiet.partners import actions as partners
from custodiet.partners.models import Kind, Partner
from custodiet.records.models import Event, RequestRecord

from .conftest import Api, make_member

pytestmark = pytest.mark.django_db

QUERIES = "/api/v1/queries"
INSURER = "Front Range Mutual Insurance"
# The bytes of a signed form as kept: the registry keeps what it is given.
SIGNED_FORM = b"%PDF-1.4\n% the partner's signed 24-74-105 certification\n%%EOF\n"


def a_query(**changes: Any) -> dict[str, Any]:
    """An insurer's underwriting lookup of a driving record by licence and plate, an hour ago."""
    queried_at = timezone.now() - dt.timedelta(hours=1)
    query: dict[str, Any] = {
        "transaction_id": "DRV-20250310-000123",
        "queried_at": queried_at.isoformat(),
        "organization": INSURER,
        "level": "private",
        "user_id": "underwriter-0042",
        "reason": "Underwriting a policy renewal",
        "purpose_category": "agency_function",
        "records": ["driving_record", "license_status"],
        "looked_up": {"license_number": "99-123-4567", "plate": "ABC-1234"},
    }
    query.update(changes)
    return query


def post(api: Api, body: Any):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return api.client.post(
        QUERIES, data=data, content_type="application/json", headers=api._headers()
    )


def fields(response) -> list[str]:
    return [error["field"] for error in response.json()["errors"]]


@pytest.fixture
def privacy_officer(django_user_model, dmv):
    return make_member(django_user_model, "privacy", dmv, Role.PRIVACY_OFFICER)


@pytest.fixture
def certified(dmv, privacy_officer):
    """Register the insurer as the DMV's partner, with a certification signed on a given day."""

    def make(signed_on: dt.date, *, agency: Agency = dmv) -> Partner:
        partner = partners.register_partner(
            agency=agency,
            by=privacy_officer,
            details=partners.Details(name=INSURER, kind=Kind.PRIVATE),
        )
        partners.record_certification(
            partner,
            by=privacy_officer,
            signed_on=signed_on,
            signer_name="Compliance Officer",
            signer_title="Chief Compliance Officer",
            filename="certification.pdf",
            content=SIGNED_FORM,
        )
        return partner

    return make


def today() -> dt.date:
    return timezone.localdate()


# Decided on the partner registry ---------------------------------------------------------


def test_a_third_party_without_a_certification_on_file_is_refused(api):
    response = post(api, a_query())
    assert response.status_code == 201, response.content
    answer = response.json()
    assert answer["id"] == "DRV-20250310-000123"
    assert answer["outcome"] == "refuse"
    assert answer["state"] == "to_refuse"
    assert answer["releasable_records"] == []
    assert "log_request" in answer["obligations"]
    [refusing] = [reason for reason in answer["reasons"] if reason["effect"] == "refuse"]
    assert refusing["rule"] == "co-74-105-certification"
    assert "24-74-105" in refusing["citation"]
    assert response["Location"].endswith("/api/v1/requests/DRV-20250310-000123")
    assert not mail.outbox
    assert Case.objects.get().state == State.TO_REFUSE


def test_a_current_certification_in_the_registry_allows_the_query(api, certified):
    certified(today() - dt.timedelta(days=30))
    response = post(api, a_query())
    assert response.status_code == 201, response.content
    answer = response.json()
    assert answer["outcome"] == "eligible"
    assert answer["state"] == "awaiting_approval"
    assert {"supervisor_notice", "use_restriction_notice"} <= set(answer["obligations"])
    assert answer["releasable_records"] == ["driving_record", "license_status"]
    # Everything the answer says is the decision as recorded.
    full = api.read(answer["id"]).json()
    assert full["decision"]["outcome"] == "eligible"
    assert full["decision"]["obligations"] == answer["obligations"]
    [message] = mail.outbox
    assert answer["id"] in message.subject


def test_a_lapsed_certification_refuses_the_query(api, certified):
    certified(today() - dt.timedelta(days=400))
    answer = post(api, a_query()).json()
    assert answer["outcome"] == "refuse"
    assert "co-74-105-certification" in [reason["rule"] for reason in answer["reasons"]]


def test_another_agencys_certification_does_not_count(client, other_token, certified, dmv):
    # The DMV's partner registry holds a current certification; the CBI's holds none.
    certified(today() - dt.timedelta(days=30))
    response = post(Api(client, other_token), a_query())
    assert response.status_code == 201
    assert response.json()["outcome"] == "refuse"
    assert RequestRecord.objects.get().agency.code == "CO-CDPS-CBI"


# Recorded as a request ---------------------------------------------------------------------


def test_the_query_is_recorded_as_a_database_request_with_its_events_and_ledger_entries(api):
    answer = post(api, a_query(ori="CO0000000", case_number="C-1", offense="fraud")).json()
    record = RequestRecord.objects.get(public_id=answer["id"])
    assert record.channel == "database"
    assert record.receiving_agency == "CO-DOR-DMV"
    payload = record.payload
    assert payload["requester"] == {
        "organization": INSURER,
        "ori": "CO0000000",
        "level": "private",
        "name": "underwriter-0042",
    }
    assert payload["purpose"] == "Underwriting a policy renewal"
    assert payload["criminal_investigation"] == {"case_number": "C-1", "offense": "fraud"}
    assert payload["records_requested"] == ["driving_record", "license_status"]
    assert payload["subjects"] == [{"license_number": "99-123-4567", "plate": "ABC-1234"}]
    decision = record.decisions.get().payload
    # A DRIVES query is a 24-74-106 request since 2022-03-01.
    assert decision["reportable"]["value"] is True
    kinds = list(record.events.order_by("id").values_list("kind", flat=True))
    assert kinds == ["request.received", "request.decided", "case.opened"]
    assert Entry.objects.filter(event__request=record).count() == 3
    # What was looked up, and who looked, are kept with the record, hashed in the ledger.
    for entry in Entry.objects.all():
        leaf = bytes(entry.data)
        for personal in (b"ABC-1234", b"99-123-4567", b"underwriter-0042"):
            assert personal not in leaf
    assert store.verify().problem is None


def test_the_request_is_read_back_by_its_transaction_id(api):
    post(api, a_query())
    read = api.read("DRV-20250310-000123")
    assert read.status_code == 200
    # The plate is no field of the contract: kept, and named as the contract's warnings name it.
    assert [warning["field"] for warning in read.json()["warnings"]] == ["subjects[0].plate"]


def test_a_query_without_what_it_looked_up_is_recorded(api):
    query = a_query()
    del query["looked_up"], query["user_id"]
    assert post(api, query).status_code == 201
    assert not RequestRecord.objects.get().payload.get("subjects")


# Retries -----------------------------------------------------------------------------------


def test_a_query_sent_again_records_nothing_and_gets_the_first_answer(api):
    query = a_query()
    first = post(api, query)
    before = (RequestRecord.objects.count(), Event.objects.count(), Entry.objects.count())
    # Written anew: other key order, nulls for absent fields.
    again = post(api, json.dumps({**dict(reversed(query.items())), "ori": None}, indent=2))
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert again.content == first.content
    assert (RequestRecord.objects.count(), Event.objects.count(), Entry.objects.count()) == before


def test_a_transaction_id_taken_by_another_query_is_a_conflict(api):
    post(api, a_query())
    response = post(api, a_query(reason="Claim investigation"))
    assert response.status_code == 409
    assert fields(response) == ["transaction_id"]
    assert RequestRecord.objects.get().payload["purpose"] == "Underwriting a policy renewal"


# Invalid queries ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"transaction_id": None}, "transaction_id"),
        ({"transaction_id": "two words"}, "transaction_id"),
        ({"organization": ""}, "organization"),
        ({"organization": None}, "organization"),
        ({"records": ["driving_record", "dna"]}, "records[1]"),
        ({"records": []}, "records"),
        ({"level": "corporate"}, "level"),
        ({"reason": "x" * 10_001}, "reason"),
        ({"queried_at": "yesterday"}, "queried_at"),
        ({"queried_at": "2999-01-01T00:00:00Z"}, "queried_at"),
        ({"channel": "email"}, "channel"),
        ({"looked_up": {"vin": "1HGCM82633A004352"}}, "looked_up.vin"),
        ({"looked_up": {"plate": "P" * 201}}, "looked_up.plate"),
        ({"looked_up": {"plate": 1234}}, "looked_up.plate"),
        ({"looked_up": ["ABC-1234"]}, "looked_up"),
        ({"looked_up": {"license_number": "x" * 201}}, "looked_up.license_number"),
        ({"user_id": "nul\x00"}, "user_id"),
    ],
)
def test_an_invalid_query_records_nothing_and_names_the_querys_field(api, changes, field):
    response = post(api, a_query(**changes))
    assert response.status_code == 422, response.content
    assert fields(response) == [field]
    assert not RequestRecord.objects.exists()
    assert not Event.objects.exists()


def test_a_body_that_is_not_a_query_is_refused(api):
    assert post(api, "[]").status_code == 422
    assert post(api, "{not json").status_code == 400


# Who may query ------------------------------------------------------------------------------


def test_it_requires_a_token(client, token):
    response = post(Api(client, None), a_query())
    assert response.status_code == 401
    assert not RequestRecord.objects.exists()


def test_it_requires_the_partner_role(client, clerk_token):
    assert post(Api(client, clerk_token), a_query()).status_code == 403
    assert not RequestRecord.objects.exists()


def test_another_agencys_partner_cannot_read_the_query(client, api, other_token):
    post(api, a_query())
    assert Api(client, other_token).read("DRV-20250310-000123").status_code == 404


def test_nothing_is_recorded_when_no_supervisor_can_be_told(api, supervisor, certified):
    certified(today() - dt.timedelta(days=30))
    supervisor.email = ""
    supervisor.save(update_fields=["email"])
    response = post(api, a_query())
    assert response.status_code == 503
    assert not RequestRecord.objects.exists()
