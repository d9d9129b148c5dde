"""Overload is answered, not absorbed: 429 with Retry-After per token and per address."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from custodiet.accounts.ratelimit import address
from custodiet.accounts.rates import Rate
from custodiet.records.models import RequestRecord

from .conftest import Api, detective_request

pytestmark = pytest.mark.django_db

START = dt.datetime(2025, 3, 10, 16, 0, 10, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    """The time, ten seconds into a minute, an hour and a day; `clock.now += ...` moves it."""

    class Clock:
        now = START

    monkeypatch.setattr(timezone, "now", lambda: Clock.now)
    return Clock


def test_a_token_past_its_rate_gets_429_with_retry_after_and_nothing_is_recorded(settings, api):
    settings.CUSTODIET_API_RATE = Rate(3, 60)
    answers = [api.submit(detective_request()) for _ in range(4)]

    assert [answer.status_code for answer in answers] == [201, 201, 201, 429]
    refused = answers[-1]
    assert int(refused["Retry-After"]) == 50  # the minute began ten seconds ago
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


def test_an_hourly_limit_holds_for_the_hour_and_says_how_long_is_left(settings, api, clock):
    settings.CUSTODIET_API_RATE = Rate(2, 3600)
    assert [api.submit(detective_request()).status_code for _ in range(2)] == [201, 201]
    clock.now += dt.timedelta(minutes=20)
    refused = api.submit(detective_request())
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) == 3600 - 10 - 20 * 60
    clock.now += dt.timedelta(minutes=40)
    assert api.submit(detective_request()).status_code == 201


def test_a_flood_of_bad_tokens_is_counted_against_its_address(settings, client):
    settings.CUSTODIET_API_ADDRESS_RATE = Rate(3, 60)
    bad = Api(client, "cus_not-a-token")
    codes = [bad.submit(detective_request()).status_code for _ in range(5)]
    assert codes == [401, 401, 401, 429, 429]


def test_behind_proxies_the_address_is_the_one_the_outer_proxy_saw(settings, rf):
    request = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7")
    assert address(request) == "127.0.0.1"
    settings.CUSTODIET_PROXY_COUNT = 1
    # The leftmost hop is whatever the client wrote; the proxy appended the real one.
    assert address(request) == "198.51.100.7"
