"""New York's pack (VTL 201(12), the Driver's License Access and Privacy Act).

Every file in `us-ny/` beside this module is a request written from the statute, each with
a near miss that turns on one detail, run through the same runner as `custodiet scenarios`
(one test per file, so a failure names the file). Below them, what the scenario format
cannot say: that the person is told of every request from ICE or CBP and of no other, that
before 2019-12-14 no New York rule is in force, and that the notice is due three calendar
days after the request.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest

from custodiet.policy.engine import decide
from custodiet.policy.facts.gather import Settings
from custodiet.policy.model import Decision, parse_request
from custodiet.policy.packs import get_pack
from custodiet.policy.scenarios import run_scenario

SCENARIOS = Path(__file__).resolve().parent / "us-ny"
FILES = sorted(SCENARIOS.glob("*.json"))
LAW_IN_FORCE = dt.date(2019, 12, 14)  # L.2019 c.37, 180 days after 2019-06-17
AMENDED = dt.date(2020, 4, 3)  # trusted travelers and vehicle trade (date UNCONFIRMED)

# Requesters that are ICE or CBP by name, or that act for ICE (a detective "on behalf of
# HSI", a deputy of a 287(g) task force): New York tells the person of their requests.
ICE_OR_CBP = re.compile(
    r"\b(?:(?i:immigration\s+and\s+customs\s+enforcement|customs\s+and\s+border\s+protection"
    r"|border\s+patrol)|ICE|CBP|HSI|ERO)\b"
)
ACTING_FOR_ICE = {"03-ice-detective-acting-for-hsi.json", "33-sheriff-287g-deputy.json"}


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def decision_for(data: dict[str, Any], *, explain: bool = False) -> Decision:
    return decide(parse_request(data), get_pack("us-ny"), settings=Settings(), explain=explain)


def scenario_request(name: str) -> dict[str, Any]:
    return copy.deepcopy(load(SCENARIOS / name)["request"])


def test_the_scenario_folder_holds_enough_scenarios() -> None:
    assert len(FILES) >= 18


@pytest.mark.parametrize("path", FILES, ids=[path.name for path in FILES])
def test_scenario(path: Path) -> None:
    result = run_scenario(path, get_pack("us-ny"), settings=Settings())
    assert result.passed, f"{path.name} ({result.summary}): " + "; ".join(result.problems)


@pytest.mark.parametrize("path", FILES, ids=[path.name for path in FILES])
def test_every_scenario_is_received_by_the_new_york_dmv(path: Path) -> None:
    scenario = load(path)
    assert set(scenario) == {"description", "request", "expect"}
    assert scenario["request"]["receiving_agency"] == "NY-DMV"
    assert scenario["description"].strip()


# ------------------------------------------------------------------ telling the person


def from_ice_or_cbp(path: Path) -> bool:
    requester = load(path)["request"]["requester"]
    named = " ".join(str(requester.get(key) or "") for key in ("organization", "component", "ori"))
    return bool(ICE_OR_CBP.search(named)) or path.name in ACTING_FOR_ICE


def received_on(path: Path) -> dt.date:
    request = parse_request(load(path)["request"])
    return get_pack("us-ny").received_on(request)


def test_the_scenarios_hold_requests_from_ice_and_cbp_with_every_outcome() -> None:
    outcomes = {
        decision_for(load(path)["request"]).outcome
        for path in FILES
        if from_ice_or_cbp(path) and received_on(path) >= LAW_IN_FORCE
    }
    assert outcomes == {"refuse", "legal_review"}  # never eligible without counsel


@pytest.mark.parametrize("path", FILES, ids=[path.name for path in FILES])
def test_the_person_is_told_of_every_request_from_ice_or_cbp_and_no_other(path: Path) -> None:
    decision = decision_for(load(path)["request"])
    expected = from_ice_or_cbp(path) and received_on(path) >= LAW_IN_FORCE
    assert ("notify_subject" in decision.obligations) is expected, (
        f"{path.name}: {decision.outcome}, obligations {list(decision.obligations)}"
    )


@pytest.mark.parametrize(
    "requester",
    [
        {"organization": "U.S. Immigration and Customs Enforcement", "component": "ERO"},
        {"organization": "U.S. Immigration and Customs Enforcement", "component": "HSI"},
        {"organization": "U.S. Customs and Border Protection", "component": "U.S. Border Patrol"},
        {"organization": "U.S. Customs and Border Protection", "component": "OFO"},
    ],
    ids=["ero", "hsi", "usbp", "ofo"],
)
@pytest.mark.parametrize(
    "variant",
    ["no-process", "district-judge-warrant", "magistrate-warrant", "claimed-law", "global-entry"],
)
def test_notify_subject_whatever_the_outcome(requester: dict[str, str], variant: str) -> None:
    data: dict[str, Any] = {
        "received_at": "2025-11-14T16:40:00-05:00",
        "channel": "email",
        "receiving_agency": "NY-DMV",
        "requester": {**requester, "level": "federal"},
        "subjects": [{"name": "Ana Ruiz"}],
        "records_requested": ["address"],
    }
    warrant = {"kind": "judicial_warrant", "issued_by": "U.S. District Court, E.D.N.Y."}
    if variant == "district-judge-warrant":
        data["legal_process"] = [{**warrant, "signed_by": "Hon. R. Example, U.S. District Judge"}]
    elif variant == "magistrate-warrant":
        data["legal_process"] = [{**warrant, "signed_by": "Hon. J. Example, U.S. Magistrate Judge"}]
    elif variant == "claimed-law":
        data["claimed_legal_requirement"] = "8 U.S.C. 1373"
    elif variant == "global-entry":
        data["purpose"] = "Global Entry application: verify the applicant's license."
    decision = decision_for(data)
    assert "notify_subject" in decision.obligations, (decision.outcome, decision.obligations)
    assert decision.immigration_related


def test_no_notice_for_uscis() -> None:
    # USCIS is an immigration agency that counsel may find does not primarily enforce
    # immigration law; the duty to tell the person is for ICE and CBP.
    decision = decision_for(scenario_request("18-uscis-fraud-investigation.json"))
    assert decision.outcome == "legal_review"
    assert "notify_subject" not in decision.obligations


# ------------------------------------------------------------------ the reasons' words


def reason_text(decision: Decision) -> str:
    return " ".join(reason.explanation for reason in decision.reasons)


def test_a_criminal_investigation_is_said_to_be_no_exception() -> None:
    decision = decision_for(scenario_request("01-hsi-trafficking-no-process.json"))
    assert [reason.rule for reason in decision.reasons] == ["ny-201-12-immigration-agency"]
    assert "no exception for a criminal investigation" in reason_text(decision)


def test_a_magistrate_judges_warrant_is_said_not_to_be_article_iii() -> None:
    decision = decision_for(scenario_request("05-ero-warrant-magistrate-judge.json"))
    assert "magistrate judge is not signed by a judge appointed under Article III" in (
        reason_text(decision)
    )


def test_the_district_judges_warrant_goes_to_counsel_under_the_court_order_rule() -> None:
    decision = decision_for(scenario_request("06-ero-warrant-district-judge.json"))
    assert {reason.rule for reason in decision.reasons} == {"ny-201-12-court-order-or-warrant"}


# ------------------------------------------------------------------ which law is in force


def ny_rules(decision: Decision) -> list[str]:
    return [rule for rule in decision.policy.rules_in_force if rule.startswith("ny-")]


def test_before_the_law_only_the_federal_baseline_decides() -> None:
    decision = decision_for(scenario_request("29-ero-removal-2019-baseline-only.json"))
    assert decision.policy.as_of == dt.date(2019, 6, 1)
    assert ny_rules(decision) == []
    assert all(not reason.rule.startswith("ny-") for reason in decision.reasons)
    assert "notify_subject" not in decision.obligations


def test_from_the_first_day_the_bar_and_the_baseline_both_stand() -> None:
    decision = decision_for(scenario_request("30-ero-removal-first-day-of-law.json"))
    rules = decision.policy.rules_in_force
    assert "ny-201-12-immigration-agency" in rules
    assert "dppa-government-function" in rules  # baseline_stays: the DPPA still governs
    assert "ny-201-12-trusted-traveler" not in rules


def test_the_trusted_traveler_rule_starts_with_the_amendment() -> None:
    before = decision_for(scenario_request("26-cbp-global-entry-before-amendment.json"))
    after = decision_for(scenario_request("25-cbp-global-entry-after-amendment.json"))
    assert "ny-201-12-trusted-traveler" not in before.policy.rules_in_force
    assert "ny-201-12-trusted-traveler" in after.policy.rules_in_force
    first_day = scenario_request("26-cbp-global-entry-before-amendment.json")
    first_day["received_at"] = "2020-04-03T04:30:00Z"  # 00:30 on 3 April in New York
    assert decision_for(first_day).outcome == "legal_review"


def test_the_day_is_new_yorks_whatever_the_offset() -> None:
    request = parse_request(
        scenario_request("31-ero-removal-utc-still-december-13-in-new-york.json")
    )
    assert get_pack("us-ny").received_on(request) == dt.date(2019, 12, 13)


# ------------------------------------------------------------------ the notice's due date


def test_the_notice_duty_counts_calendar_days_from_the_request() -> None:
    duty = get_pack("us-ny").notice_on(dt.date(2025, 3, 11))
    assert duty is not None
    assert duty.within == 3
    assert duty.business is False
    assert duty.counted_from == "request"
    assert duty.period == "3 days"
    assert "201(12)(a)" in duty.citation


@pytest.mark.parametrize(
    "received",
    [
        dt.date(2019, 12, 14),  # the first day, a Saturday
        dt.date(2025, 3, 11),  # a Tuesday
        dt.date(2025, 12, 31),  # across the year
        dt.date(2026, 2, 27),  # across the end of February
        dt.date(2026, 11, 26),  # Thanksgiving
    ],
)
def test_the_notice_is_due_three_days_after_the_request(received: dt.date) -> None:
    assert get_pack("us-ny").notice_due(received) == received + dt.timedelta(days=3)


def test_a_friday_request_is_due_on_monday_even_a_holiday() -> None:
    pack = get_pack("us-ny")
    assert pack.notice_due(dt.date(2026, 3, 6)) == dt.date(2026, 3, 9)
    # Friday 2025-10-10; Monday 2025-10-13 is Columbus Day, a New York holiday: days are
    # days in New York's statute, so the notice is still due that Monday.
    assert pack.notice_due(dt.date(2025, 10, 10)) == dt.date(2025, 10, 13)


def test_the_deployments_closing_days_do_not_move_a_calendar_day_deadline() -> None:
    pack = get_pack("us-ny")
    closed = [dt.date(2026, 12, 24), dt.date(2026, 12, 25), dt.date(2026, 12, 28)]
    assert pack.notice_due(dt.date(2026, 12, 24), closed=closed) == dt.date(2026, 12, 27)


def test_no_notice_is_due_before_the_law() -> None:
    pack = get_pack("us-ny")
    assert pack.notice_on(dt.date(2019, 12, 13)) is None
    assert pack.notice_due(dt.date(2019, 6, 1)) is None


def test_the_pack_names_new_york_and_its_calendar() -> None:
    pack = get_pack("us-ny")
    assert pack.state == "New York"
    assert pack.holidays == "US-NY"
    assert pack.time_zone == "America/New_York"
    assert pack.baseline is get_pack("us-federal")
    assert pack.baseline_stays is True
