"""Overload is answered, not absorbed: 429 with Retry-After per token and per address."""

from __future__ import annotations

import pytest

from custodiet.accounts.rates import Rate
from custodiet.records.models import RequestRecord

from .conftest import Api, detective_request

pytestmark = pytest.mark.django_db


def test_a_token_past_its_rate_gets_429_with_retry_after_and_nothing_is_recorded(settings, api):
    settings.CUSTODIET_API_RATE = Rate(3, 60)
    answers = [api.submit(detective_request()) for _ in range(4)]

    assert [answer.status_code for answer in answers] == [201, 201, 201, 429]
    refused = answers[-1]
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused.json()["errors"][0]["field"] == "request"
    assert refused.json()["errors"][0]["message"].startswith("too many requests")
    assert RequestRecord.objects.count() == 3
    # Reading counts too: the limit is on calls, whatever they ask.
    assert api.read(answers[0].json()["id"]).status_code == 429


def test_one_partners_flood_does_not_stop_another_partner(settings, client, api, other_token):
    settings.CUSTODIET_API_RATE = Rate(2, 60)
    for _ in range(3):
        api.submit(detective_request())
    other = Api(client, other_token)
    assert other.submit(detective_request(receiving_agency="CO-CDPS-CBI")).status_code == 201


def test_one_address_is_limited_whatever_tokens_it_sends(settings, client, api, other_token):
    settings.CUSTODIET_API_ADDRESS_RATE = Rate(2, 60)
    other = Api(client, other_token)
    assert api.submit(detective_request()).status_code == 201
    assert other.submit(detective_request(receiving_agency="CO-CDPS-CBI")).status_code == 201
    third = other.submit(detective_request(receiving_agency="CO-CDPS-CBI"))
    assert third.status_code == 429
    assert int(third["Retry-After"]) >= 1
    # Another address is not affected.
    elsewhere = api.submit(detective_request(), REMOTE_ADDR="192.0.2.9")
    assert elsewhere.status_code == 201
