"""The law in force is chosen by the date in Denver, whichever way a request comes in.

Whoever writes the timestamp must not choose the law: a re-entry request stamped late on
24 June 2021 in a western offset arrived on 25 June in Denver, when SB21-131 forbids the
disclosure; the same clock time in Denver's own offset is still the guidance's day.
"""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from custodiet.records.models import DecisionRecord

from .conftest import ice_request

pytestmark = pytest.mark.django_db

# (timestamp, its date in Denver, outcome, the rule that decides)
STAMPS = [
    ("2021-06-24T23:30:00-08:00", "2021-06-25", "refuse", "co-74-103-immigration-enforcement"),
    ("2021-06-24T23:30:00-06:00", "2021-06-24", "eligible", "co-guidance-criminal-investigation"),
    ("2021-06-25T05:29:00Z", "2021-06-24", "eligible", "co-guidance-criminal-investigation"),
    ("2021-06-25T05:30:00Z", "2021-06-24", "eligible", "co-guidance-criminal-investigation"),
    ("2021-06-25T06:00:00Z", "2021-06-25", "refuse", "co-74-103-immigration-enforcement"),
    ("2021-06-25T16:30:00+10:30", "2021-06-25", "refuse", "co-74-103-immigration-enforcement"),
    ("2021-06-25T14:00:00+14:00", "2021-06-24", "eligible", "co-guidance-criminal-investigation"),
    ("2021-06-24T23:30:00", "2021-06-24", "eligible", "co-guidance-criminal-investigation"),
]


def reentry(received_at: str) -> dict:
    """ICE on a criminal re-entry case: a permitted basis under the guidance alone, an
    immigration purpose the statute forbids (8 U.S.C. 1326 is immigration enforcement)."""
    return ice_request(
        received_at=received_at,
        purpose="Criminal re-entry case",
        purpose_category="criminal_investigation",
        criminal_investigation={"case_number": "21-mj-0112", "offense": "8 U.S.C. 1326"},
    )


@pytest.mark.parametrize(("received_at", "day", "outcome", "rule"), STAMPS)
def test_the_api_decides_under_the_law_of_the_day_in_denver(
    api, settings, received_at, day, outcome, rule
):
    answer = api.submit(reentry(received_at))

    assert answer.status_code == 201, answer.content
    decision = answer.json()["decision"]
    assert decision["policy"]["as_of"] == day
    assert decision["outcome"] == outcome
    assert rule in {reason["rule"] for reason in decision["reasons"]}


@pytest.mark.parametrize(("received_at", "day", "outcome", "rule"), STAMPS)
def test_an_import_decides_under_the_law_of_the_day_in_denver(
    dmv, tmp_path, received_at, day, outcome, rule
):
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps(reentry(received_at)))

    call_command("requests", "import", str(path), stdout=io.StringIO())

    [recorded] = DecisionRecord.objects.all()
    assert recorded.as_of.isoformat() == day
    assert recorded.outcome == outcome
    assert rule in {reason["rule"] for reason in recorded.payload["reasons"]}
