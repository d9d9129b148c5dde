"""Illinois (us-il): 625 ILCS 5/6-110.3, the Secretary of State's records and immigration
agents.

Every file in `us-il/` beside this module is a scenario written from the statute, run
through the same runner as `custodiet scenarios` (one test per file, so a failure names
the file). What the scenario format cannot say (that `notify_subject` is absent, when the
notice is due, which law decides before the layer's date) is checked by the tests below.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from custodiet.policy.calendar import add_days
from custodiet.policy.engine import decide
from custodiet.policy.facts.gather import Settings
from custodiet.policy.model import parse_request
from custodiet.policy.packs import get_pack
from custodiet.policy.scenarios import run_scenario

SCENARIOS = Path(__file__).resolve().parent / "us-il"
FILES = sorted(SCENARIOS.glob("*.json"))


def test_the_scenario_folder_is_not_empty() -> None:
    assert len(FILES) >= 16


@pytest.mark.parametrize("path", FILES, ids=[path.name for path in FILES])
def test_scenario(path: Path) -> None:
    result = run_scenario(path, get_pack("us-il"), settings=Settings())
    assert result.passed, f"{path.name} ({result.summary}): " + "; ".join(result.problems)


def scenario_request(name: str) -> dict[str, Any]:
    data = json.loads((SCENARIOS / name).read_text(encoding="utf-8"))
    return copy.deepcopy(data["request"])


def decision_for(data: dict[str, Any]):
    return decide(parse_request(data), get_pack("us-il"), settings=Settings())


# ------------------------------------------------------------------ telling the person


@pytest.mark.parametrize(
    "name",
    [
        "01-ero-locate-for-removal-no-process.json",
        "02-hsi-trafficking-no-process.json",
        # process that is not what 6-110.3(a)(1)-(3) names
        "04-ero-magistrate-judge-warrant.json",
        "08-ero-federal-subpoena-whole-database.json",
        "10-ero-i200-administrative-warrant.json",
        "11-ero-i205-naming-district-judge.json",
        "12-ero-immigration-enforcement-subpoena.json",
        "25-cbp-immigration-judge-order.json",
        "26-ero-warrant-blank-signature.json",
    ],
)
def test_no_notice_when_refused_for_lack_of_process(name: str) -> None:
    decision = decision_for(scenario_request(name))
    assert decision.outcome == "refuse"
    assert "notify_subject" not in decision.obligations


@pytest.mark.parametrize(
    "name",
    [
        "03-hsi-trafficking-district-judge-warrant.json",
        "05-ero-district-judge-warrant.json",
        "06-ero-magistrate-judge-court-order.json",
        "07-ero-cook-county-subpoena-one-person.json",
        "09-ero-federal-subpoena-one-person.json",
        "27-hsi-grand-jury-subpoena-one-person.json",
    ],
)
def test_qualifying_process_from_an_immigration_agent_obliges_a_notice(name: str) -> None:
    decision = decision_for(scenario_request(name))
    assert decision.outcome == "legal_review"
    assert "notify_subject" in decision.obligations
    # compelled production is not sharing under an agreement: no certification is asked
    assert "verify_certification" not in decision.obligations


@pytest.mark.parametrize(
    "name",
    [
        # an immigration purpose with a court order, but the requester is not an agent
        "22-chicago-pd-immigration-purpose-court-order.json",
        # an ordinary police request
        "15-chicago-pd-robbery.json",
    ],
)
def test_no_notice_when_no_immigration_agent_presents_process(name: str) -> None:
    assert "notify_subject" not in decision_for(scenario_request(name)).obligations


def test_the_notice_is_three_business_days_counted_from_the_process() -> None:
    duty = get_pack("us-il").notice_on(dt.date(2025, 4, 8))
    assert duty is not None
    assert duty.within == 3
    assert duty.business
    assert duty.counted_from == "process"
    assert "6-110.3(a)" in duty.citation


@pytest.mark.parametrize(
    ("received", "due"),
    [
        # a Tuesday: Wednesday, Thursday, Friday
        (dt.date(2025, 4, 8), dt.date(2025, 4, 11)),
        # a Friday with no holiday after it: Monday, Tuesday, Wednesday
        (dt.date(2026, 2, 20), dt.date(2026, 2, 25)),
        # a Friday before Casimir Pulaski Day (Monday 2 March 2026, an Illinois holiday
        # New York does not keep): Tuesday, Wednesday, Thursday
        (dt.date(2026, 2, 27), dt.date(2026, 3, 5)),
        # a Wednesday before Lincoln's Birthday (Thursday 12 February 2026) and Washington's
        # Birthday (Monday 16 February): Friday, Tuesday, Wednesday
        (dt.date(2026, 2, 11), dt.date(2026, 2, 18)),
        # a Friday before Labor Day (Monday 1 September 2025)
        (dt.date(2025, 8, 29), dt.date(2025, 9, 4)),
    ],
)
def test_the_notice_is_due_in_three_illinois_business_days(received: dt.date, due: dt.date) -> None:
    assert get_pack("us-il").notice_due(received) == due


def test_pulaski_day_is_an_illinois_holiday_not_a_new_york_one() -> None:
    friday = dt.date(2026, 2, 27)
    # counted on New York's calendar, Monday 2 March is a business day
    assert add_days(friday, 3, business=True, calendar="US-NY") == dt.date(2026, 3, 4)
    assert get_pack("us-il").notice_due(friday) == dt.date(2026, 3, 5)


def test_no_notice_duty_before_the_layer() -> None:
    assert get_pack("us-il").notice_on(dt.date(2020, 12, 31)) is None
    assert get_pack("us-il").notice_due(dt.date(2020, 12, 31)) is None


# ------------------------------------------------------------------ before the layer's date


def test_before_the_layer_the_baseline_alone_decides() -> None:
    data = scenario_request("01-ero-locate-for-removal-no-process.json")
    data["received_at"] = "2020-12-31T10:00:00-06:00"
    decision = decision_for(data)
    # the DPPA alone: a government agency carrying out its functions
    assert decision.outcome == "eligible"
    assert [reason.rule for reason in decision.reasons] == ["dppa-government-function"]
    assert all(rule.startswith("dppa-") for rule in decision.policy.rules_in_force)
    assert "notify_subject" not in decision.obligations
    assert "log_request" in decision.obligations


def test_from_the_layer_the_same_request_is_refused() -> None:
    data = scenario_request("01-ero-locate-for-removal-no-process.json")
    data["received_at"] = "2021-01-01T10:00:00-06:00"
    decision = decision_for(data)
    assert decision.outcome == "refuse"
    assert any(rule.startswith("il-") for rule in decision.policy.rules_in_force)
    # the DPPA baseline stays in force beside Illinois's rules
    assert any(rule.startswith("dppa-") for rule in decision.policy.rules_in_force)


@pytest.mark.parametrize(
    ("received_at", "outcome"),
    [
        ("2021-01-01T05:30:00Z", "eligible"),  # 23:30 on 31 December in Chicago
        ("2021-01-01T06:30:00Z", "refuse"),  # 00:30 on 1 January in Chicago
    ],
)
def test_the_layer_starts_on_the_chicago_calendar_day(received_at: str, outcome: str) -> None:
    data = scenario_request("01-ero-locate-for-removal-no-process.json")
    data["received_at"] = received_at
    assert decision_for(data).outcome == outcome


def test_every_illinois_rule_awaits_counsel() -> None:
    rules = [rule for rule in get_pack("us-il").rules if rule.id.startswith("il-")]
    assert rules
    assert all(not rule.confirmed and rule.note for rule in rules)
    assert all(rule.citation.startswith(("625 ILCS", "5 ILCS")) for rule in rules)
    decisive = [rule for rule in rules if rule.effect in ("refuse", "legal_review")]
    assert all(rule.explanation_es for rule in decisive)
