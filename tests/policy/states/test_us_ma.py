"""Massachusetts (us-ma): the Work and Family Mobility Act, St. 2022, c. 81.

Every file in `us-ma/` beside this module is a request with the decision the pack must
reach, written from the law: each rule, each trap (a federal or a state grand jury, a
district or a magistrate judge, an order or a warrant, an I-200, a detainer, an ICE
subpoena), each with a near miss that turns on one detail. What the scenario format cannot
say (when the person is told and by when; which rules are unconfirmed; that the baseline
decides alone before 2023-07-01) is checked by the tests below.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from custodiet.policy.engine import decide
from custodiet.policy.facts.gather import Settings
from custodiet.policy.model import parse_request
from custodiet.policy.packs import get_pack
from custodiet.policy.scenarios import run_scenario

SCENARIOS = Path(__file__).resolve().parent / "us-ma"
FILES = sorted(SCENARIOS.glob("*.json"))
IN_FORCE = dt.date(2023, 7, 1)


def scenario_request(name: str) -> dict[str, Any]:
    data = json.loads((SCENARIOS / name).read_text(encoding="utf-8"))
    return copy.deepcopy(data["request"])


def decision_for(data: dict[str, Any]):
    return decide(parse_request(data), get_pack("us-ma"), settings=Settings())


def test_the_scenario_folder_is_not_empty() -> None:
    assert len(FILES) >= 16


@pytest.mark.parametrize("path", FILES, ids=[path.name for path in FILES])
def test_scenario(path: Path) -> None:
    result = run_scenario(path, get_pack("us-ma"), settings=Settings())
    assert result.passed, f"{path.name} ({result.summary}): " + "; ".join(result.problems)


# ------------------------------------------------------------------ the pack itself


def test_the_pack_names_its_state_calendar_and_baseline() -> None:
    pack = get_pack("us-ma")
    assert (pack.id, pack.name, pack.state, pack.holidays) == (
        "us-ma",
        "Massachusetts",
        "Massachusetts",
        "US-MA",
    )
    assert pack.time_zone == "America/New_York"
    assert pack.baseline is get_pack("us-federal")
    assert pack.baseline_until == IN_FORCE
    assert pack.baseline_stays


def test_every_state_rule_cites_the_act_and_explains_in_spanish() -> None:
    for rule in get_pack("us-ma").rules:
        assert "St. 2022, c. 81" in rule.citation, rule.id
        assert rule.start == IN_FORCE, rule.id
        assert rule.explanation_es, rule.id
        if not rule.confirmed:
            assert rule.note, f"{rule.id} is unconfirmed without a note saying why"


@pytest.mark.parametrize("rule_id", ["ma-c81-state-subpoena", "ma-c81-criminal-case-no-process"])
def test_the_readings_counsel_must_confirm_are_marked_unconfirmed(rule_id: str) -> None:
    rule = get_pack("us-ma").rule(rule_id)
    assert rule is not None
    assert not rule.confirmed
    assert rule.note


# ------------------------------------------------------------------ telling the person


def test_the_notice_is_due_before_release_unless_it_would_impede_an_investigation() -> None:
    pack = get_pack("us-ma")
    notice = pack.notice_on(dt.date(2024, 2, 6))
    assert notice is not None
    assert (notice.within, notice.business, notice.counted_from) == (3, True, "request")
    assert notice.period == "3 business days"
    assert notice.before_release
    assert "criminal investigation" in notice.exception
    assert "investigación penal" in notice.exception_es
    assert "St. 2022, c. 81" in notice.citation
    assert pack.notice_on(dt.date(2023, 6, 30)) is None


@pytest.mark.parametrize(
    ("received", "due"),
    [
        # Friday 17 April 2026; Monday 20 April is Patriots' Day (third Monday of April)
        (dt.date(2026, 4, 17), dt.date(2026, 4, 23)),
        # Friday 18 April 2025; Monday 21 April is Patriots' Day
        (dt.date(2025, 4, 18), dt.date(2025, 4, 24)),
        # a Friday a week before, with no holiday: the Wednesday after
        (dt.date(2026, 4, 10), dt.date(2026, 4, 15)),
        # Thursday 16 April 2026: Friday, then Tuesday and Wednesday (Patriots' Day skipped)
        (dt.date(2026, 4, 16), dt.date(2026, 4, 22)),
    ],
)
def test_the_notice_counts_massachusetts_business_days(received: dt.date, due: dt.date) -> None:
    assert get_pack("us-ma").notice_due(received) == due


def test_a_day_the_deployment_closes_is_not_a_business_day() -> None:
    closed = [dt.date(2026, 4, 14)]
    assert get_pack("us-ma").notice_due(dt.date(2026, 4, 10), closed) == dt.date(2026, 4, 16)


def test_no_notice_is_due_before_the_act() -> None:
    assert get_pack("us-ma").notice_due(dt.date(2023, 6, 30)) is None


@pytest.mark.parametrize(
    "name",
    [
        "02-ero-warrant-signed-by-district-judge.json",
        "04-ero-order-signed-by-magistrate-judge.json",
        "07-hsi-federal-grand-jury-subpoena-trafficking.json",
        "10-ero-trial-subpoena-of-the-federal-court.json",
        "24-worcester-pd-for-ice-with-district-court-order.json",
    ],
)
def test_qualifying_process_tells_the_person_and_limits_the_release(name: str) -> None:
    decision = decision_for(scenario_request(name))
    assert decision.outcome == "legal_review"
    assert "notify_subject" in decision.obligations
    assert any("specifically requested" in reason.explanation for reason in decision.reasons)


@pytest.mark.parametrize(
    "name",
    [
        "01-ero-locate-for-removal-no-process.json",
        "03-ero-warrant-signed-by-magistrate-judge.json",
        "08-hsi-state-grand-jury-subpoena-trafficking.json",
        "11-ero-form-i200-called-a-warrant.json",
        "14-hsi-trafficking-no-process.json",
        "22-boston-pd-armed-robbery.json",
        "18-uscis-benefit-fraud-review.json",
    ],
)
def test_no_notice_when_nothing_may_be_disclosed_under_the_act(name: str) -> None:
    assert "notify_subject" not in decision_for(scenario_request(name)).obligations


def test_only_what_is_specifically_requested_when_a_population_is_sought() -> None:
    decision = decision_for(
        scenario_request("27-ero-district-judge-order-for-every-license-holder.json")
    )
    assert decision.outcome == "legal_review"
    assert any("people the process names" in reason.explanation for reason in decision.reasons)


# ------------------------------------------------------------------ which law decides


def test_before_the_act_the_federal_baseline_decides_alone() -> None:
    terms, rules = get_pack("us-ma").in_force(dt.date(2023, 6, 30))
    assert {rule.id for rule in rules} == {rule.id for rule in get_pack("us-federal").rules}
    assert "immigration_related" in {term.name for term in terms}
    _, after = get_pack("us-ma").in_force(IN_FORCE)
    ids = {rule.id for rule in after}
    assert {rule.id for rule in get_pack("us-federal").rules} <= ids  # the baseline stays
    assert "ma-c81-no-qualifying-process" in ids


def test_an_ice_request_before_the_act_is_decided_by_the_dppa() -> None:
    data = scenario_request("01-ero-locate-for-removal-no-process.json")
    data["received_at"] = "2023-06-30T10:00:00-04:00"
    before = decision_for(data)
    assert before.outcome == "eligible"
    assert {reason.rule for reason in before.reasons} == {"dppa-government-function"}
    assert "notify_subject" not in before.obligations
    assert before.immigration_related  # reports still count it

    data["received_at"] = "2023-07-01T10:00:00-04:00"
    assert decision_for(data).outcome == "refuse"


def test_the_boston_calendar_day_decides_which_law_applies() -> None:
    data = scenario_request("01-ero-locate-for-removal-no-process.json")
    data["received_at"] = "2023-07-01T03:30:00Z"  # 23:30 on 30 June in Boston
    assert decision_for(data).outcome == "eligible"
    data["received_at"] = "2023-07-01T04:30:00Z"  # 00:30 on 1 July in Boston
    assert decision_for(data).outcome == "refuse"


# ------------------------------------------------------------------ a clerk's signature


def test_a_stated_federal_grand_jury_subpoena_signed_by_the_clerk_goes_to_counsel() -> None:
    data = scenario_request("07-hsi-federal-grand-jury-subpoena-trafficking.json")
    data["legal_process"] = [
        {
            "kind": "grand_jury_subpoena",
            "issued_by": "United States District Court for the District of Massachusetts",
            "signed_by": "Clerk of Court",
        }
    ]
    assert decision_for(data).outcome == "legal_review"
