"""Properties that hold for any request, however odd: the engine never crashes, every
decision is valid under the contract, and invalid input is an error naming a field."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custodiet.policy.engine import decide
from custodiet.policy.model import (
    CHANNELS,
    DECISION_ADAPTER,
    LEVELS,
    OUTCOMES,
    PROCESS_KINDS,
    PURPOSE_CATEGORIES,
    RECORDS,
    RELATIONSHIPS,
    CriminalInvestigation,
    LegalProcess,
    Request,
    Requester,
    RequestError,
    parse_request,
)
from custodiet.policy.packs import get_pack

DPPA = dt.date(1994, 9, 13)
# Any text a record can keep: no NUL, no lone surrogates (those are refused, with their field
# named, by test_any_json_value_is_either_decided_or_an_error_naming_a_field).
storable = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")
PHRASES = [
    "ICE",
    "ICE ERO",
    "police",
    "notice",
    "HSI",
    "removal proceedings",
    "snow removal",
    "8 U.S.C. 1326",
    "Denver Police Department",
    "Homeland Security",
    "287(g)",
    "CBP/USBP",
    "I-200",
    "I-247A",
    "UNITED STATES DISTRICT COURT",
    "Magistrate Judge",
    "immigration judge",
    "grand jury",
    "subpoena",
    "Immigration Enforcement Subpoena",
    "deportation",
    "",
]
text = st.one_of(
    st.none(),
    st.text(storable, max_size=200),
    st.sampled_from(PHRASES),
    st.lists(st.sampled_from(PHRASES), max_size=6).map(" ".join),
)
dates = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2035, 12, 31))


def text_for(model: Any, name: str) -> st.SearchStrategy[str | None]:
    """Any text that the contract lets this field hold: no longer than its limit."""
    limits = [getattr(item, "max_length", None) for item in model.model_fields[name].metadata]
    limit = min((value for value in limits if value is not None), default=None)
    return text if limit is None else text.filter(lambda s: s is None or len(s) <= limit)


legal_process = st.fixed_dictionaries(
    {},
    optional={
        "kind": st.sampled_from(PROCESS_KINDS),
        **{
            name: text_for(LegalProcess, name)
            for name in ("form", "title", "issued_by", "signed_by", "text")
        },
    },
)
valid_request = st.fixed_dictionaries(
    {
        "received_at": dates.map(lambda day: f"{day.isoformat()}T10:00:00-06:00"),
        "requester": st.fixed_dictionaries(
            {
                "organization": st.one_of(
                    st.sampled_from(PHRASES[:-1]),
                    st.text(storable, min_size=1, max_size=80).filter(str.strip),
                )
            },
            optional={
                "name": text_for(Requester, "name"),
                "component": text_for(Requester, "component"),
                "ori": text_for(Requester, "ori"),
                "level": st.sampled_from(LEVELS),
                "relationship": st.sampled_from(RELATIONSHIPS),
            },
        ),
        "records_requested": st.lists(st.sampled_from(RECORDS), min_size=1, max_size=6),
    },
    optional={
        "channel": st.sampled_from(CHANNELS),
        "receiving_agency": st.sampled_from(["CO-DOR-DMV", "CO-DPS-CSP", None]),
        "subjects": st.lists(
            st.fixed_dictionaries({}, optional={"name": st.sampled_from(["Ana Ruiz", "ICE"])}),
            max_size=2,
        ),
        "purpose": text_for(Request, "purpose"),
        "purpose_category": st.sampled_from(PURPOSE_CATEGORIES),
        "criminal_investigation": st.one_of(
            st.none(),
            st.fixed_dictionaries(
                {},
                optional={
                    "case_number": text_for(CriminalInvestigation, "case_number"),
                    "offense": text_for(CriminalInvestigation, "offense"),
                },
            ),
        ),
        "legal_process": st.lists(legal_process, max_size=3),
        "claimed_legal_requirement": text_for(Request, "claimed_legal_requirement"),
        "certification": st.one_of(
            st.none(), st.fixed_dictionaries({"signed_on": dates.map(dt.date.isoformat)})
        ),
        "facial_recognition": st.booleans(),
        "bulk": st.booleans(),
    },
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(valid_request)
def test_any_valid_request_gets_a_decision_valid_under_the_contract(data: dict[str, Any]) -> None:
    request = parse_request(data)
    decision = decide(request, get_pack("us-co"))
    assert (
        DECISION_ADAPTER.validate_python(decision.to_dict()) == decision
    )  # every field in its vocabulary
    assert decision.outcome in OUTCOMES
    assert "log_request" in decision.obligations
    if request.received_on < DPPA:
        # No law in force yet: nothing may be released without counsel.
        assert decision.outcome == "legal_review"
        assert decision.errors == ["no rule in force decided this request; counsel must decide it"]
    else:
        assert not decision.errors
    released = set(decision.releasable_records)
    withheld = {item.record for item in decision.withheld_records}
    assert released.isdisjoint(withheld)
    assert released | withheld <= set(request.records_requested)
    if decision.outcome == "refuse":
        assert released == set()
    if decision.outcome == "eligible" and request.received_on >= dt.date(2020, 5, 20):
        assert {"supervisor_notice", "use_restriction_notice"} <= set(decision.obligations)
    if request.received_on >= dt.date(2021, 6, 25):
        assert {"immigration_status", "citizenship_status", "place_of_birth"}.isdisjoint(released)
        if decision.immigration_related is False:
            assert not any(
                reason.rule.startswith("co-74-103-immigration-enforcement")
                for reason in decision.reasons
            )
    assert len(decision.legal_process) == len(request.legal_process)


FIELDS = [
    "received_at",
    "requester",
    "records_requested",
    "channel",
    "purpose_category",
    "legal_process",
    "certification",
    "criminal_investigation",
    "facial_recognition",
    "subjects",
]
corrupted_request = st.tuples(valid_request, st.sampled_from(FIELDS), json_values).map(
    lambda parts: {**parts[0], parts[1]: parts[2]}
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(json_values, corrupted_request))
def test_any_json_value_is_either_decided_or_an_error_naming_a_field(data: Any) -> None:
    try:
        request = parse_request(data)
    except RequestError as error:
        assert error.field
        assert error.problems
        return
    assert decide(request, get_pack("us-co")).outcome in OUTCOMES


@settings(max_examples=200, deadline=None)
@given(valid_request, dates)
def test_an_immigration_agency_is_never_eligible_after_the_statute(
    data: dict[str, Any], day: dt.date
) -> None:
    data = {
        **data,
        "requester": {"organization": "U.S. Immigration and Customs Enforcement"},
        "received_at": f"{max(day, dt.date(2021, 6, 25)).isoformat()}T10:00:00-06:00",
    }
    decision = decide(parse_request(data), get_pack("us-co"))
    assert decision.immigration_related
    assert decision.outcome != "eligible"
