"""Retries are safe: a partner that sends a request again, with its Idempotency-Key or its
own id, gets the first answer and nothing is recorded twice."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core import mail
from django.db.models import F

from custodiet.accounts.models import ApiToken, Role
from custodiet.api import idempotency
from custodiet.api.models import StoredAnswer
from custodiet.cases.models import Case
from custodiet.ledger.models import Entry
from custodiet.records.models import RequestRecord

from .conftest import Api, detective_request, ice_request, make_member

pytestmark = pytest.mark.django_db

KEY = "3f1c9a52-6d0e-4b7a-9c1e-2a8f5d7b0c44"


def with_key(key: str = KEY) -> dict[str, dict[str, str]]:
    return {"headers": {"Idempotency-Key": key}}


def counts() -> tuple[int, int, int, int]:
    """What a request taken in leaves behind: its record, its case, its ledger entries, mail."""
    return (
        RequestRecord.objects.count(),
        Case.objects.count(),
        Entry.objects.count(),
        len(mail.outbox),
    )


@pytest.fixture
def second_partner_token(django_user_model, dmv) -> str:
    """Another partner system of the same agency (say, the DMV's kiosk)."""
    kiosk = make_member(django_user_model, "dmv-kiosk", dmv, Role.PARTNER)
    return ApiToken.issue(kiosk, "kiosk")[1]


class Race(list[tuple[object, ...]]):
    """Another call's commit lands between this call's look for an earlier answer and its
    own write: the first look finds nothing, whatever is stored. Each look is recorded."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        super().__init__()
        self.monkeypatch = monkeypatch

    def start(self) -> None:
        look_up = idempotency._earlier_answer

        def racing(*args: Any) -> idempotency.Answer | None:
            self.append(args)
            return None if len(self) == 1 else look_up(*args)

        self.monkeypatch.setattr(idempotency, "_earlier_answer", racing)


@pytest.fixture
def race(monkeypatch: pytest.MonkeyPatch) -> Race:
    return Race(monkeypatch)


# The same key ---------------------------------------------------------------------------


def test_a_retry_with_the_same_key_gets_the_first_answer_and_records_nothing(api):
    first = api.submit(detective_request(), **with_key())
    assert first.status_code == 201, first.content
    assert "Idempotent-Replayed" not in first
    after_first = counts()

    again = api.submit(detective_request(), **with_key())
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.content == first.content
    assert again["Location"] == first["Location"]
    assert counts() == after_first == (1, 1, 4, 1)


def test_a_retry_after_the_client_timed_out_does_not_duplicate(api):
    # The first call was committed, but its answer never reached the partner: all it
    # knows is that it sent this body with this key. It sends the same request again,
    # written out anew (other key order, other whitespace).
    api.submit(detective_request(), **with_key())
    recorded = RequestRecord.objects.get()
    resent = json.dumps(dict(reversed(detective_request().items())), indent=2)

    response = api.submit(resent, **with_key())
    assert response.status_code == 201
    assert response["Idempotent-Replayed"] == "true"
    assert response.json()["id"] == recorded.public_id
    assert response.json()["decision"]["outcome"] == "eligible"
    assert RequestRecord.objects.count() == 1
    assert Entry.objects.count() == 4


def test_the_replay_is_the_first_answer_even_after_the_case_moved_on(api):
    first = api.submit(ice_request(), **with_key())
    Case.objects.update(state="refused")
    again = api.submit(ice_request(), **with_key())
    assert again.content == first.content
    assert again.json()["state"] == "to_refuse"


def test_the_same_key_with_another_body_is_refused_naming_the_header(api):
    assert api.submit(detective_request(), **with_key()).status_code == 201
    before = counts()
    response = api.submit(detective_request(purpose="Burglary investigation"), **with_key())
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "Idempotency-Key"
    assert "another body" in error["message"]
    assert counts() == before


def test_concurrent_calls_with_one_key_take_in_one_request(api, race):
    # The second call looks for an earlier answer before the first one has committed and
    # finds none; the key's unique constraint then stops it, and it answers as a replay.
    first = api.submit(detective_request(), **with_key())
    before = counts()
    race.start()
    again = api.submit(detective_request(), **with_key())
    assert len(race) == 2
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.content == first.content
    assert counts() == before
    assert StoredAnswer.objects.count() == 1


def test_a_key_belongs_to_the_account_that_sent_it(client, api, second_partner_token):
    ours = api.submit(detective_request(), **with_key())
    theirs = Api(client, second_partner_token).submit(detective_request(), **with_key())
    assert theirs.status_code == 201
    assert "Idempotent-Replayed" not in theirs
    assert theirs.json()["id"] != ours.json()["id"]
    assert RequestRecord.objects.count() == 2


def test_a_key_older_than_a_day_may_be_used_again(api):
    first = api.submit(detective_request(), **with_key())
    StoredAnswer.objects.update(created_at=F("created_at") - dt.timedelta(hours=24, seconds=1))
    response = api.submit(detective_request(purpose="Burglary investigation"), **with_key())
    assert response.status_code == 201, response.content
    assert "Idempotent-Replayed" not in response
    assert response.json()["id"] != first.json()["id"]
    assert RequestRecord.objects.count() == 2
    # The old answer is kept, no longer found by the key.
    assert sorted(StoredAnswer.objects.values_list("key", flat=True)) == ["", KEY]


def test_a_refused_body_is_not_remembered(api):
    refused = api.submit(detective_request(records_requested=["dna"]), **with_key())
    assert refused.status_code == 422
    response = api.submit(detective_request(), **with_key())
    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response


def test_a_call_that_recorded_nothing_keeps_no_answer(api, supervisor):
    # No supervisor can be told, so nothing is taken in: the key is not used up either.
    supervisor.email = ""
    supervisor.save(update_fields=["email"])
    assert api.submit(detective_request(), **with_key()).status_code == 503
    assert not StoredAnswer.objects.exists()
    supervisor.email = "supervisor@dmv.example"
    supervisor.save(update_fields=["email"])
    response = api.submit(detective_request(), **with_key())
    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    assert StoredAnswer.objects.get().request.public_id == response.json()["id"]


@pytest.mark.parametrize("key", ["", " padded", "padded ", "k" * 256, "clé", "tab\tinside"])
def test_a_malformed_key_is_refused_naming_the_header(api, key):
    response = api.submit(detective_request(), **with_key(key))
    assert response.status_code == 400
    assert [error["field"] for error in response.json()["errors"]] == ["Idempotency-Key"]
    assert not RequestRecord.objects.exists()


@pytest.mark.parametrize("key", ["k" * 255, '"a structured field string"', "a", "~!"])
def test_any_printable_ascii_key_up_to_255_characters_is_taken(api, key):
    assert api.submit(detective_request(), **with_key(key)).status_code == 201
    again = api.submit(detective_request(), **with_key(key))
    assert again["Idempotent-Replayed"] == "true"


# The same id ----------------------------------------------------------------------------


def test_the_same_id_and_body_replays_the_first_answer(api):
    first = api.submit(detective_request(id="PORTAL-2022-000017"))
    assert first.status_code == 201
    before = counts()
    again = api.submit(detective_request(id="PORTAL-2022-000017"))
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.content == first.content
    assert counts() == before


def test_the_same_id_with_another_body_is_still_a_conflict(api):
    assert api.submit(detective_request(id="PORTAL-1")).status_code == 201
    response = api.submit(detective_request(id="PORTAL-1", purpose="Burglary investigation"))
    assert response.status_code == 409
    assert [error["field"] for error in response.json()["errors"]] == ["id"]
    assert RequestRecord.objects.count() == 1


def test_the_same_id_from_another_account_is_a_conflict(client, api, second_partner_token):
    assert api.submit(detective_request(id="PORTAL-1")).status_code == 201
    response = Api(client, second_partner_token).submit(detective_request(id="PORTAL-1"))
    assert response.status_code == 409
    assert RequestRecord.objects.count() == 1


def test_concurrent_calls_with_one_id_take_in_one_request(api, race):
    first = api.submit(detective_request(id="PORTAL-9"))
    before = counts()
    race.start()
    again = api.submit(detective_request(id="PORTAL-9"))
    assert len(race) == 2
    assert again["Idempotent-Replayed"] == "true"
    assert again.content == first.content
    assert counts() == before


def test_a_new_key_with_a_known_id_and_body_replays_too(api):
    first = api.submit(detective_request(id="PORTAL-5"), **with_key("first-try"))
    again = api.submit(detective_request(id="PORTAL-5"), **with_key("second-try"))
    assert again["Idempotent-Replayed"] == "true"
    assert again.content == first.content
    assert RequestRecord.objects.count() == 1
