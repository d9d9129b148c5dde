"""The Colorado pack's decisions, rule by rule and era by era.

Each case names the rules it must fire; `test_every_rule_is_exercised` checks that the
cases together reach every rule in both packs, so a new rule cannot ship untested.
"""

from __future__ import annotations

import copy
import datetime as dt
import shutil
from typing import Any

import pytest

from custodiet.policy.engine import decide
from custodiet.policy.facts.gather import Settings
from custodiet.policy.model import parse_request
from custodiet.policy.packs import PACKS_DIR, get_pack, load_pack

STATUTE = "2022-03-14T10:00:00-06:00"
GUIDANCE = "2020-08-03T11:00:00-06:00"
BEFORE = "2019-11-04T09:00:00-07:00"
TRANSITION = "2021-08-02T09:00:00-06:00"

I200 = (
    "DEPARTMENT OF HOMELAND SECURITY\nWARRANT FOR ARREST OF ALIEN\nTo: Any immigration officer "
    "authorized pursuant to sections 236 and 287 of the Immigration and Nationality Act\n"
    "(Signature of Authorized Immigration Officer)\nForm I-200 (Rev. 09/16)"
)
DISTRICT_WARRANT = (
    "UNITED STATES DISTRICT COURT\nfor the\nDistrict of Colorado\nSEARCH AND SEIZURE WARRANT\n"
    "YOU ARE COMMANDED to execute this warrant on or before June 1, 2022.\n"
    "/s/ Hon. A. Judge, United States Magistrate Judge"
)

ICE_ERO = {
    "organization": "U.S. Immigration and Customs Enforcement",
    "component": "ERO",
    "level": "federal",
}
HSI = {"organization": "Homeland Security Investigations", "component": "HSI", "level": "federal"}
DENVER_PD = {"organization": "Denver Police Department", "ori": "CO0160200", "level": "local"}
SHERIFF = {"organization": "Example County Sheriff's Office", "level": "local"}
INSURER = {"organization": "Front Range Mutual Insurance", "level": "private"}
FBI = {"organization": "Federal Bureau of Investigation", "level": "federal"}
ROBBERY = {"case_number": "DPD-22-004411", "offense": "aggravated robbery"}


def request(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "received_at": STATUTE,
        "channel": "email",
        "receiving_agency": "CO-DOR-DMV",
        "requester": DENVER_PD,
        "records_requested": ["address"],
    }
    base.update(copy.deepcopy(fields))
    return base


def robbery(**fields: Any) -> dict[str, Any]:
    return request(
        purpose="Armed robbery investigation",
        purpose_category="criminal_investigation",
        criminal_investigation=ROBBERY,
        **fields,
    )


def decision_for(
    data: dict[str, Any], settings: Settings | None = None, as_of: dt.date | None = None
):
    return decide(parse_request(data), get_pack("us-co"), settings=settings, as_of=as_of)


# (name, request, expected outcome, rules that must fire)
CASES: list[tuple[str, dict[str, Any], str, set[str]]] = [
    (
        "police robbery is eligible under the guidance",
        robbery(),
        "eligible",
        {
            "co-guidance-criminal-investigation",
            "co-guidance-log",
            "co-74-106-log",
            "co-guidance-supervisor-notice",
            "co-guidance-use-restriction",
        },
    ),
    (
        "ice ero without process is refused under 24-74-103",
        request(
            requester=ICE_ERO,
            purpose="Locate subject for removal proceedings.",
            purpose_category="civil_immigration_enforcement",
        ),
        "refuse",
        {"co-74-103-immigration-enforcement", "co-guidance-no-permitted-basis"},
    ),
    (
        "ice with a magistrate judge's warrant goes to counsel",
        request(
            requester=ICE_ERO,
            purpose_category="civil_immigration_enforcement",
            legal_process=[{"text": DISTRICT_WARRANT}],
        ),
        "legal_review",
        {"co-74-103-court-process", "co-guidance-court-process"},
    ),
    (
        "immigration claim of a legal requirement goes to counsel",
        request(
            requester=SHERIFF,
            purpose="Check immigration status for ICE",
            claimed_legal_requirement="8 U.S.C. 1373",
        ),
        "legal_review",
        {"co-74-103-required-by-law", "co-guidance-required-by-law"},
    ),
    (
        "hsi on a trafficking case goes to counsel",
        request(
            requester=HSI,
            purpose="Human trafficking investigation",
            purpose_category="criminal_investigation",
            criminal_investigation={"case_number": "DN12", "offense": "sex trafficking"},
        ),
        "legal_review",
        {"co-74-103-immigration-agency", "co-guidance-criminal-investigation"},
    ),
    (
        "an unidentifiable document goes to counsel",
        request(purpose_category="other", legal_process=[{"title": "Letter"}]),
        "legal_review",
        {"co-guidance-unclear-process"},
    ),
    (
        "a non-immigration agency function is eligible",
        request(
            requester={"organization": "Colorado Department of Human Services", "level": "state"},
            purpose="Child support enforcement locate",
            purpose_category="agency_function",
        ),
        "eligible",
        {"co-guidance-agency-function"},
    ),
    (
        "a local court subpoena is eligible",
        request(
            purpose_category="court_proceeding",
            legal_process=[
                {
                    "kind": "court_subpoena",
                    "issued_by": "District Court, City and County of Denver",
                    "signed_by": "Hon. District Judge",
                }
            ],
        ),
        "eligible",
        {"co-guidance-court-process"},
    ),
    (
        "a request with no basis is refused",
        request(purpose="Please send the address on file."),
        "refuse",
        {"co-guidance-no-permitted-basis"},
    ),
    (
        "a state-law claim alone goes to counsel",
        request(purpose_category="other", claimed_legal_requirement="C.R.S. 42-1-206"),
        "legal_review",
        {"co-guidance-required-by-law"},
    ),
    (
        "guidance era: ice with a criminal re-entry case is eligible",
        request(
            received_at=GUIDANCE,
            requester=ICE_ERO,
            purpose="Criminal re-entry case",
            purpose_category="criminal_investigation",
            criminal_investigation={
                "case_number": "20-mj-0112",
                "offense": "8 U.S.C. 1326 illegal re-entry",
            },
        ),
        "eligible",
        {"co-guidance-criminal-investigation"},
    ),
    (
        "guidance era: solely civil immigration enforcement is refused",
        request(
            received_at=GUIDANCE,
            requester=ICE_ERO,
            purpose="Locate for removal",
            purpose_category="civil_immigration_enforcement",
        ),
        "refuse",
        {"co-guidance-civil-immigration", "co-guidance-no-permitted-basis"},
    ),
    (
        "statute era: a criminal re-entry case is still immigration enforcement",
        request(
            requester=FBI,
            purpose="Criminal re-entry case",
            purpose_category="criminal_investigation",
            criminal_investigation={"case_number": "22-cr-1", "offense": "8 U.S.C. 1326"},
        ),
        "refuse",
        {"co-74-103-immigration-enforcement"},
    ),
    (
        "a sheriff asking for an ice hold is refused",
        request(
            requester=SHERIFF,
            purpose="Need current address, subject has an ICE hold",
            purpose_category="other",
        ),
        "refuse",
        {"co-74-103-immigration-enforcement"},
    ),
    (
        "police offering only an i-200 are refused",
        robbery(legal_process=[{"text": I200}]),
        "refuse",
        {"co-74-103-immigration-enforcement"},
    ),
    (
        "database access with a current certification is eligible",
        request(
            requester=INSURER,
            channel="database",
            bulk=True,
            records_requested=["driving_record"],
            purpose="Underwriting",
            purpose_category="agency_function",
            certification={"signed_on": "2022-01-10"},
            received_at="2022-06-01T09:00:00-06:00",
        ),
        "eligible",
        {"co-74-105-verify", "co-guidance-agency-function"},
    ),
    (
        "database access with a stale certification is refused under 24-74-105",
        request(
            requester=INSURER,
            channel="database",
            bulk=True,
            records_requested=["driving_record"],
            purpose="Underwriting",
            purpose_category="agency_function",
            certification={"signed_on": "2021-03-01"},
            received_at="2022-06-01T09:00:00-06:00",
        ),
        "refuse",
        {"co-74-105-certification", "co-74-105-verify"},
    ),
    (
        "facial recognition of dmv photos is refused",
        robbery(requester=FBI, records_requested=["photo"], facial_recognition=True),
        "refuse",
        {"co-frs-no-dmv-photo-search"},
    ),
    (
        "immigration status is never released",
        robbery(records_requested=["address", "immigration_status", "place_of_birth"]),
        "eligible",
        {"co-74-104-never-released"},
    ),
    (
        "before the guidance a government agency's function is eligible under the dppa",
        request(
            received_at=BEFORE, requester=ICE_ERO, purpose_category="civil_immigration_enforcement"
        ),
        "eligible",
        {"dppa-government-function", "dppa-record-request"},
    ),
    (
        "before the guidance court process is eligible under the dppa",
        request(
            received_at=BEFORE,
            requester=INSURER,
            purpose_category="court_proceeding",
            legal_process=[
                {"kind": "court_order", "issued_by": "District Court, County of Denver"}
            ],
        ),
        "eligible",
        {"dppa-court-proceeding"},
    ),
    (
        "before the guidance a private requester goes to counsel",
        request(received_at=BEFORE, requester=INSURER, purpose_category="agency_function"),
        "legal_review",
        {"dppa-permissible-use-unconfirmed"},
    ),
]


@pytest.mark.parametrize(
    ("name", "data", "outcome", "rules"), CASES, ids=[case[0] for case in CASES]
)
def test_the_pack_decides(name: str, data: dict[str, Any], outcome: str, rules: set[str]) -> None:
    decision = decision_for(data)
    fired = {reason.rule for reason in decision.reasons}
    assert decision.outcome == outcome, [(r.rule, r.effect) for r in decision.reasons]
    in_force = set(decision.policy.rules_in_force)
    assert rules <= in_force, f"not in force: {rules - in_force}"
    decision_rules = {
        rule
        for rule in rules
        if not rule.endswith(
            ("-log", "-notice", "-restriction", "-verify", "-never-released", "-record-request")
        )
    }
    assert decision_rules <= fired, f"did not fire: {decision_rules - fired}"
    assert not decision.errors


def test_every_rule_is_exercised() -> None:
    pack = get_pack("us-co")
    every = {rule.id for rule in pack.rules} | {rule.id for rule in pack.baseline.rules}
    exercised = set().union(*(case[3] for case in CASES)) | {"co-frs-authorized"}
    assert every - exercised == set()


def test_facial_recognition_with_a_recorded_authorization_goes_to_counsel() -> None:
    settings = Settings(facial_recognition_authorization="Example session law 2031, ch. 1")
    decision = decision_for(
        robbery(records_requested=["photo"], facial_recognition=True), settings=settings
    )
    assert decision.outcome == "legal_review"
    assert "co-frs-authorized" in {reason.rule for reason in decision.reasons}


def test_every_decision_carries_log_request() -> None:
    for _, data, _, _ in CASES:
        assert "log_request" in decision_for(data).obligations


def test_eligible_decisions_carry_supervisor_notice_and_use_restriction_from_the_guidance_on() -> (
    None
):
    decision = decision_for(robbery())
    assert {"supervisor_notice", "use_restriction_notice"} <= set(decision.obligations)


def test_a_refusal_withholds_every_record_with_the_refusing_citation() -> None:
    decision = decision_for(
        request(
            requester=ICE_ERO,
            purpose_category="civil_immigration_enforcement",
            records_requested=["address", "photo", "citizenship_status"],
        )
    )
    withheld = {item.record: item.citation for item in decision.withheld_records}
    assert decision.releasable_records == []
    assert withheld["address"] == withheld["photo"] == "C.R.S. 24-74-103"
    assert withheld["citizenship_status"] == "C.R.S. 24-74-104"
    assert decision.obligations == ["log_request"]


def test_an_eligible_release_withholds_status_and_releases_the_rest() -> None:
    decision = decision_for(robbery(records_requested=["address", "photo", "immigration_status"]))
    assert decision.releasable_records == ["address", "photo"]
    assert [item.record for item in decision.withheld_records] == ["immigration_status"]


def test_a_stated_judicial_kind_on_an_i200_is_treated_as_the_document_says() -> None:
    decision = decision_for(
        request(requester=ICE_ERO, legal_process=[{"kind": "judicial_warrant", "form": "I-200"}])
    )
    assert decision.outcome == "refuse"
    finding = decision.legal_process[0]
    assert (finding.kind, finding.inferred, finding.stated_kind) == (
        "administrative_warrant",
        True,
        "judicial_warrant",
    )


def test_as_of_overrides_the_received_date() -> None:
    data = request(
        requester=ICE_ERO,
        purpose="Criminal re-entry case",
        purpose_category="criminal_investigation",
        criminal_investigation={"case_number": "1", "offense": "8 U.S.C. 1326"},
    )
    assert decision_for(data).outcome == "refuse"
    assert decision_for(data, as_of=dt.date(2020, 8, 3)).outcome == "eligible"
    assert decision_for(data, as_of=dt.date(2020, 8, 3)).policy.as_of == dt.date(2020, 8, 3)


def test_the_statute_layer_begins_on_its_signing_date() -> None:
    data = request(
        requester=HSI, purpose_category="criminal_investigation", criminal_investigation=ROBBERY
    )
    assert decision_for(data, as_of=dt.date(2021, 6, 24)).outcome == "eligible"
    assert decision_for(data, as_of=dt.date(2021, 6, 25)).outcome == "legal_review"


def test_certification_rules_begin_in_2022() -> None:
    data = request(requester=INSURER, channel="database", purpose_category="agency_function")
    assert decision_for(data, as_of=dt.date(2021, 12, 31)).outcome == "eligible"
    refused = decision_for(data, as_of=dt.date(2022, 1, 1))
    assert refused.outcome == "refuse"
    assert any("24-74-105" in reason.citation for reason in refused.reasons)


@pytest.mark.parametrize(
    ("days", "current"), [(0, True), (364, True), (365, True), (366, False), (-1, False)]
)
def test_a_certification_counts_for_365_days_before_the_request(days: int, current: bool) -> None:
    received = dt.date(2024, 3, 1)  # 2024 is a leap year: 365 days before is 2023-03-02
    signed = received - dt.timedelta(days=days)
    data = request(
        requester=INSURER,
        channel="database",
        purpose_category="agency_function",
        received_at=f"{received}T09:00:00-07:00",
        certification={"signed_on": signed.isoformat()},
    )
    assert (decision_for(data).outcome == "eligible") is current


def test_the_receiving_agency_querying_its_own_database_needs_no_certification() -> None:
    data = request(
        requester={"organization": "Colorado Division of Motor Vehicles", "level": "state"},
        channel="database",
        purpose_category="agency_function",
    )
    decision = decision_for(data)
    assert decision.outcome == "eligible"
    assert "verify_certification" not in decision.obligations


def test_immigration_related_is_reported_for_an_immigration_agency_on_a_criminal_case() -> None:
    decision = decision_for(
        request(
            requester=HSI, purpose_category="criminal_investigation", criminal_investigation=ROBBERY
        )
    )
    assert decision.immigration_related is True
    assert decision_for(robbery()).immigration_related is False


def test_a_request_missing_everything_optional_is_still_decided_cautiously() -> None:
    decision = decision_for(
        {
            "received_at": "2023-01-01",
            "requester": {"organization": "Someone"},
            "records_requested": ["address"],
        }
    )
    assert decision.outcome == "refuse"
    assert decision.obligations == ["log_request"]


def test_a_rule_that_fails_to_evaluate_is_recorded_and_sends_the_request_to_counsel(
    tmp_path,
) -> None:
    pack_dir = tmp_path / "us-co"
    shutil.copytree(PACKS_DIR / "us-co", pack_dir)
    # Loads (the dry run sees government_requester False) but divides by zero for police.
    (pack_dir / "90-broken.toml").write_text(
        '[layer]\nid = "broken"\nname = "Broken"\ncitation = "none"\nfrom = 2020-05-20\n\n'
        '[[rule]]\nid = "broken-rule"\ntitle = "Broken"\ncitation = "none"\neffect = "eligible"\n'
        'explanation = "Never fires."\nwhen = "1 / (0 if government_requester else 1) == 1"\n'
    )
    pack = load_pack(pack_dir, resolve=get_pack)
    decision = decide(parse_request(robbery()), pack)
    assert decision.outcome == "legal_review"
    assert any(error.startswith("broken-rule: could not be evaluated") for error in decision.errors)
