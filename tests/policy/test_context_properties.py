"""Properties of reading in context (issue: decisions that hold up against real requests).

Whatever else a request says:
- a sentence that names immigration authorities in a role other than enforcement (a
  victim, a suspect, a denial, another sense of a word) never turns an eligible request
  into a refusal;
- a court-issued document that a judge signed never makes the outcome stricter;
- moving `received_at` to another moment of the same day in Denver, written in any
  offset, never changes the decision.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from custodiet.policy.engine import decide
from custodiet.policy.model import Request, parse_request
from custodiet.policy.packs import get_pack

from .test_properties import valid_request

DENVER = zoneinfo.ZoneInfo("America/Denver")
STRICTNESS = {"refuse": 0, "legal_review": 1, "eligible": 2}

# Immigration words in other roles, as requesters write them.
OTHER_ROLES = [
    "Our department has no 287(g) agreement.",
    "This request is not for immigration enforcement and will not be shared with ICE.",
    "An ICE officer was assaulted at the scene.",
    "Two ICE officers were hospitalized after the crash.",
    "The suspect posed as an ICE agent to extort money from families.",
    "The stolen truck belonged to an ICE detention contractor.",
    "The landlord filed a forcible entry and detainer action.",
    "Shots were fired at the ICE field office.",
    "We are not acting on behalf of ICE.",
    "The victim is an immigrant defrauded by a notario.",
]
JUDGE_SIGNED = {
    "text": (
        "UNITED STATES DISTRICT COURT\nfor the\nDistrict of Colorado\nSEARCH AND SEIZURE "
        "WARRANT\nYOU ARE COMMANDED to execute this warrant.\n"
        "/s/ Hon. A. Judge, United States Magistrate Judge"
    )
}
STATE_COURT_ORDER = {
    "kind": "court_order",
    "issued_by": "District Court, City and County of Denver",
    "signed_by": "Hon. R. Ortiz, District Court Judge",
}


def _decide(data: dict[str, Any]) -> Any:
    return decide(parse_request(data), get_pack("us-co"))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_request, st.sampled_from([JUDGE_SIGNED, STATE_COURT_ORDER]))
def test_a_judges_signed_court_document_never_makes_the_outcome_stricter(
    data: dict[str, Any], document: dict[str, str]
) -> None:
    before = _decide(data)
    documents = [*(data.get("legal_process") or []), document]
    assume(len(documents) <= Request.model_fields["legal_process"].metadata[0].max_length)
    after = _decide({**data, "legal_process": documents})
    assert STRICTNESS[after.outcome] >= STRICTNESS[before.outcome], (
        before.outcome,
        after.outcome,
        [r.rule for r in after.reasons],
    )


def _written(moment: dt.datetime, offset_minutes: int) -> str:
    zone = dt.timezone(dt.timedelta(minutes=offset_minutes))
    return moment.astimezone(zone).isoformat()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    valid_request,
    st.dates(min_value=dt.date(2019, 1, 1), max_value=dt.date(2027, 12, 31)),
    st.times(),
    st.times(),
    st.integers(min_value=-12 * 60, max_value=14 * 60).map(lambda m: m - m % 15),
    st.integers(min_value=-12 * 60, max_value=14 * 60).map(lambda m: m - m % 15),
)
def test_another_moment_of_the_same_denver_day_in_any_offset_decides_alike(
    data: dict[str, Any],
    day: dt.date,
    first: dt.time,
    second: dt.time,
    first_offset: int,
    second_offset: int,
) -> None:
    moments = [dt.datetime.combine(day, t, tzinfo=DENVER) for t in (first, second)]
    # A wall-clock time the spring change skips does not exist in Denver.
    assume(all(m == m.astimezone(dt.UTC).astimezone(DENVER) for m in moments))
    one = _decide({**data, "received_at": _written(moments[0], first_offset)})
    other = _decide({**data, "received_at": _written(moments[1], second_offset)})
    assert one.to_dict() == other.to_dict()


ELIGIBLE = [
    {
        "received_at": "2023-05-11T14:00:00-06:00",
        "requester": {"organization": "Denver Police Department", "level": "local"},
        "records_requested": ["address", "vehicle_registration"],
        "purpose": "Aggravated robbery at a convenience store; the suspect vehicle was seen.",
        "purpose_category": "criminal_investigation",
        "criminal_investigation": {"case_number": "DPD-23-1187", "offense": "aggravated robbery"},
    },
    {
        "received_at": "2020-09-01T09:00:00-06:00",
        "requester": {"organization": "Federal Bureau of Investigation", "level": "federal"},
        "records_requested": ["name", "address"],
        "purpose": "Wire fraud investigation",
        "purpose_category": "criminal_investigation",
        "criminal_investigation": {"offense": "18 U.S.C. 1343 wire fraud"},
    },
    {
        "received_at": "2024-02-01T09:00:00-07:00",
        "requester": {"organization": "Colorado Department of Human Services", "level": "state"},
        "records_requested": ["address"],
        "purpose": "Child support enforcement required by statute",
        "purpose_category": "agency_function",
    },
    {
        "received_at": "2025-09-01T09:00:00-06:00",
        "requester": {
            "name": "Pat Resident",
            "organization": "Pat Resident",
            "relationship": "self",
        },
        "records_requested": ["driving_record"],
        "purpose": "My own driving record",
    },
]


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(ELIGIBLE),
    st.lists(st.sampled_from(OTHER_ROLES), min_size=1, max_size=3),
    st.lists(st.sampled_from(["address", "photo", "phone", "driving_record"]), max_size=3),
    st.dates(min_value=dt.date(2020, 5, 20), max_value=dt.date(2026, 12, 1)),
    st.sampled_from(["email", "mail", "phone", "portal", None]),
)
def test_eligible_requests_stay_so_whatever_other_roles_of_ice_they_mention(
    base: dict[str, Any],
    sentences: list[str],
    records: list[str],
    day: dt.date,
    channel: str | None,
) -> None:
    data = {
        **base,
        "received_at": f"{day.isoformat()}T10:00:00-06:00",
        "records_requested": list(dict.fromkeys([*base["records_requested"], *records])),
        "channel": channel,
    }
    assert _decide(data).outcome == "eligible"
    after = _decide({**data, "purpose": "\n".join([data["purpose"], *sentences])})
    assert after.outcome != "refuse", [(r.rule, r.explanation) for r in after.reasons]
    assert after.outcome == "eligible" or after.immigration_related
