"""Washington (us-wa): the Keep Washington Working Act, RCW 43.17.420 and 43.17.425.

Every file in `us-wa/` beside this module is a scenario run through the same runner as
`custodiet scenarios` (one test per file, so a failure names the file): each rule and
trap, with near misses that turn on one detail (an I-203 against a Superior Court order; a
magistrate judge's warrant, which Washington accepts for counsel's review where New York
refuses it). What the scenario format cannot say is checked below: that nobody is ever
told (no `notify_subject`, no notice duty), and that before 2019-05-21 the federal
baseline decides alone.
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

SCENARIOS = Path(__file__).resolve().parent / "us-wa"
FILES = sorted(SCENARIOS.glob("*.json"))
IN_FORCE = dt.date(2019, 5, 21)


def scenario_request(name: str) -> dict[str, Any]:
    data = json.loads((SCENARIOS / name).read_text(encoding="utf-8"))
    return copy.deepcopy(data["request"])


def decision_for(data: dict[str, Any], pack: str = "us-wa"):
    return decide(parse_request(data), get_pack(pack), settings=Settings())


def test_the_scenario_folder_is_not_empty() -> None:
    assert len(FILES) >= 16


@pytest.mark.parametrize("path", FILES, ids=[path.name for path in FILES])
def test_scenario(path: Path) -> None:
    result = run_scenario(path, get_pack("us-wa"), settings=Settings())
    assert result.passed, f"{path.name} ({result.summary}): " + "; ".join(result.problems)


# ------------------------------------------------------------------ nobody is told


@pytest.mark.parametrize("path", FILES, ids=[path.name for path in FILES])
def test_no_decision_tells_the_person(path: Path) -> None:
    decision = decision_for(scenario_request(path.name))
    assert "notify_subject" not in decision.obligations


def test_no_rule_obliges_telling_the_person() -> None:
    pack = get_pack("us-wa")
    assert not [rule.id for rule in pack.rules if "notify_subject" in rule.obligations]


@pytest.mark.parametrize(
    "on",
    [dt.date(2019, 5, 20), IN_FORCE, dt.date(2024, 11, 18), dt.date(2026, 4, 6)],
    ids=str,
)
def test_the_pack_has_no_notice(on: dt.date) -> None:
    pack = get_pack("us-wa")
    assert pack.notice_on(on) is None
    assert pack.notice_due(on) is None


# ------------------------------------------------------------------ before the act

ERO_REMOVAL = {
    "channel": "email",
    "receiving_agency": "WA-DOL",
    "requester": {
        "name": "Deportation Officer C. Example",
        "organization": "U.S. Immigration and Customs Enforcement",
        "component": "ERO",
        "level": "federal",
    },
    "subjects": [{"name": "Ana Ruiz"}],
    "records_requested": ["address"],
    "purpose": "Locate subject for removal; final order of removal outstanding.",
    "purpose_category": "civil_immigration_enforcement",
}


@pytest.mark.parametrize(
    "received_at",
    [
        "2019-03-04T10:00:00-08:00",
        "2019-05-20T16:00:00-07:00",
        # 23:30 on 20 May in Seattle, though already 21 May in UTC
        "2019-05-21T06:30:00Z",
    ],
)
def test_before_the_act_the_baseline_decides_alone(received_at: str) -> None:
    decision = decision_for({**ERO_REMOVAL, "received_at": received_at})
    baseline = {rule.id for rule in get_pack("us-federal").rules}
    assert decision.policy.as_of < IN_FORCE
    assert set(decision.policy.rules_in_force) <= baseline
    assert all(reason.rule in baseline for reason in decision.reasons)
    # the DPPA's government-function use, with nothing of Washington's to bar it
    assert decision.outcome == "eligible"
    assert any("2721(b)(1)" in reason.citation for reason in decision.reasons)


@pytest.mark.parametrize(
    "received_at",
    [
        "2019-05-21T09:00:00-07:00",
        # 00:30 on 21 May in Seattle
        "2019-05-21T07:30:00Z",
    ],
)
def test_from_the_act_washington_refuses_the_same_request(received_at: str) -> None:
    decision = decision_for({**ERO_REMOVAL, "received_at": received_at})
    assert decision.policy.as_of == IN_FORCE
    assert decision.outcome == "refuse"
    assert decision.reasons[0].rule == "wa-43-17-425-dhs"
    assert "notify_subject" not in decision.obligations


# ------------------------------------------------------------------ the pack itself


def test_every_washington_rule_is_unconfirmed_with_a_note() -> None:
    # LAW.md gives neither the act's effective date nor its subsections.
    for rule in get_pack("us-wa").rules:
        assert not rule.confirmed, rule.id
        assert rule.note, rule.id
        assert "RCW 43.17.4" in rule.citation, rule.id
        assert rule.explanation_es, rule.id
        assert rule.start == IN_FORCE, rule.id


def test_the_baseline_stays_beside_washington() -> None:
    pack = get_pack("us-wa")
    assert pack.baseline is not None and pack.baseline.id == "us-federal"
    assert pack.baseline_until == IN_FORCE
    assert pack.baseline_stays
    assert pack.time_zone == "America/Los_Angeles"
    assert pack.state == "Washington"


# ------------------------------------------------------------------ a magistrate judge counts here


def test_a_magistrate_judges_warrant_goes_to_counsel_not_refused() -> None:
    data = scenario_request("06-ero-federal-magistrate-warrant.json")
    decision = decision_for(data)
    assert decision.outcome == "legal_review"
    assert decision.reasons[0].rule == "wa-43-17-425-court-process"
    assert "magistrate judge's process counts here" in decision.reasons[0].explanation


def test_new_york_refuses_the_warrant_washington_sends_to_counsel() -> None:
    data = scenario_request("06-ero-federal-magistrate-warrant.json")
    data["received_at"] = "2025-04-14T14:00:00-04:00"
    assert decision_for(data, "us-ny").outcome == "refuse"


def test_a_court_order_never_makes_the_outcome_stricter() -> None:
    i203 = decision_for(scenario_request("02-ero-i203-order-to-detain.json"))
    order = decision_for(scenario_request("03-ero-superior-court-order.json"))
    assert (i203.outcome, order.outcome) == ("refuse", "legal_review")
