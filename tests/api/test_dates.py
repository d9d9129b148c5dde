"""Dates within reason: a request cannot say it arrived in the future or before the
agency's records begin, whichever way it comes in."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from custodiet.records.models import RequestRecord

from .conftest import detective_request

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("received_at", "message"),
    [
        ("8999-12-31T10:00:00-07:00", "is in the future"),
        ("2100-01-01", "is in the future"),
        (
            "1989-12-31T23:59:00-07:00",
            "is before the earliest date this agency's records hold, 1990-01-01",
        ),
    ],
)
def test_a_date_no_record_can_have_is_refused_naming_received_at(api, received_at, message):
    answer = api.submit(detective_request(received_at=received_at))

    assert answer.status_code == 422
    [problem] = answer.json()["errors"]
    assert problem["field"] == "received_at"
    assert message in problem["message"]
    assert not RequestRecord.objects.exists()


def test_a_clock_a_few_minutes_fast_is_allowed_and_more_is_not(api, settings):
    settings.CUSTODIET_CLOCK_SKEW = dt.timedelta(minutes=10)
    soon = timezone.now() + dt.timedelta(minutes=5)
    later = timezone.now() + dt.timedelta(minutes=30)
    assert api.submit(detective_request(received_at=soon.isoformat())).status_code == 201
    assert api.submit(detective_request(received_at=later.isoformat())).status_code == 422


def test_the_earliest_date_is_a_setting(api, settings):
    settings.CUSTODIET_EARLIEST_RECEIVED = dt.date(2022, 6, 1)
    answer = api.submit(detective_request(received_at="2022-03-14T10:00:00-06:00"))
    assert answer.status_code == 422
    assert "2022-06-01" in answer.json()["errors"][0]["message"]


def test_an_import_names_the_line_of_a_future_date_and_imports_nothing(dmv, tmp_path):
    path = tmp_path / "in.jsonl"
    lines = [detective_request(), detective_request(received_at="8999-12-31T10:00:00-07:00")]
    path.write_text("\n".join(json.dumps(line) for line in lines))

    with pytest.raises(CommandError) as error:
        call_command("requests", "import", str(path), stdout=io.StringIO())

    assert f"{path}, line 2: received_at: 8999-12-31T10:00:00-07:00 is in the future" in str(
        error.value
    )
    assert not RequestRecord.objects.exists()


def test_a_partner_cannot_write_into_another_agencys_log(api, other_agency):
    answer = api.submit(detective_request(receiving_agency="CO-CDPS-CBI"))

    assert answer.status_code == 422
    [problem] = answer.json()["errors"]
    assert problem["field"] == "receiving_agency"
    assert "CO-DOR-DMV" in problem["message"]
    assert not RequestRecord.objects.exists()
