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

from custodiet.policy.engine import PRECEDENCE, decide
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


SB25_276 = "2025-06-02T10:00:00-06:00"
GOVERNOR_REVIEW = "2025-07-15T10:00:00-06:00"
GRAND_JURY = {
    "kind": "grand_jury_subpoena",
    "title": "Subpoena to testify before a grand jury",
    "issued_by": "United States District Court for the District of Colorado",
    "signed_by": "Clerk of Court",
}


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
    (
        "the person in interest asking for their own record is eligible and not reported",
        request(
            channel="in_person",
            requester={"name": "Ana Ruiz", "organization": "Ana Ruiz", "level": "individual"},
            subjects=[{"name": "Ana Ruiz"}],
            purpose="My own record",
            purpose_category="other",
        ),
        "eligible",
        {"co-person-in-interest", "co-verify-identity", "co-74-106-person-in-interest"},
    ),
    (
        "a requester with the person's written consent is eligible and reported",
        request(
            requester={
                "name": "L. Marsh, Esq.",
                "organization": "Marsh & Pell LLC",
                "level": "private",
                "relationship": "consent",
            },
            subjects=[{"name": "Ana Ruiz"}],
            purpose="Client's own driving record, with her signed release",
            purpose_category="other",
        ),
        "eligible",
        {"co-guidance-written-consent", "co-74-106-reportable"},
    ),
    (
        "an immigration officer in a role that cannot be told goes to counsel",
        request(
            requester=FBI,
            purpose="ICE officers involved in a crash on I-25",
            purpose_category="criminal_investigation",
            criminal_investigation={"case_number": "FBI-1", "offense": "vehicular assault"},
        ),
        "legal_review",
        {"co-74-103-unclear-role", "co-guidance-criminal-investigation"},
    ),
    (
        "guidance era: an agency function naming officers in an unclear role goes to counsel",
        request(
            received_at=GUIDANCE,
            requester={"organization": "Colorado Department of Human Services", "level": "state"},
            purpose="Witness statement: ICE officers involved in an incident at the office",
            purpose_category="agency_function",
        ),
        "legal_review",
        {"co-guidance-unclear-immigration-role", "co-guidance-agency-function"},
    ),
    (
        "before the guidance the person in interest is eligible under the dppa",
        request(
            received_at=BEFORE,
            requester={"name": "Ana Ruiz", "organization": "Ana Ruiz", "relationship": "self"},
            purpose_category="other",
        ),
        "eligible",
        {"dppa-person-in-interest", "dppa-verify-identity"},
    ),
    (
        "before the guidance written consent is eligible under the dppa",
        request(
            received_at=BEFORE,
            requester={**INSURER, "relationship": "consent"},
            purpose_category="other",
        ),
        "eligible",
        {"dppa-written-consent"},
    ),
]


CASES += [
    (
        "from 2022 status records are withheld under 24-74-104",
        robbery(records_requested=["address", "immigration_status"]),
        "eligible",
        {"co-74-104-never-released"},
    ),
    (
        "in late 2021 status records are withheld under 24-74-103, before 24-74-104",
        robbery(received_at=TRANSITION, records_requested=["address", "place_of_birth"]),
        "eligible",
        {"co-74-103-status-withheld"},
    ),
    (
        "a cora request not for immigration enforcement is not reported",
        request(
            requester={"organization": "Example Daily News", "level": "private"},
            purpose="Colorado Open Records Act request for crash reports",
            purpose_category="other",
        ),
        "refuse",
        {"co-74-106-open-records", "co-guidance-no-permitted-basis"},
    ),
    (
        "a database inquiry before drives was covered is not reported",
        robbery(
            received_at="2022-02-14T10:00:00-07:00",
            channel="database",
            certification={"signed_on": "2021-12-01"},
        ),
        "eligible",
        {"co-74-106-database-inquiry", "co-74-105-verify"},
    ),
    (
        "a request under a data-sharing agreement is not reported",
        request(
            purpose="Robbery follow-up under our data-sharing agreement with the DMV",
            purpose_category="criminal_investigation",
            criminal_investigation=ROBBERY,
        ),
        "eligible",
        {"co-74-106-data-sharing"},
    ),
    (
        "an election request is not reported",
        request(
            requester={"organization": "Colorado Secretary of State", "level": "state"},
            purpose="Voter registration list maintenance",
            purpose_category="agency_function",
        ),
        "eligible",
        {"co-74-106-elections", "co-guidance-agency-function"},
    ),
    (
        "a request to public safety is not reported",
        robbery(receiving_agency="CO-DPS-CBI"),
        "eligible",
        {"co-74-106-public-safety"},
    ),
    (
        "ferpa and hipaa records are not reported",
        request(
            purpose="Robbery; the suspect's medical records from the clinic",
            purpose_category="criminal_investigation",
            criminal_investigation=ROBBERY,
        ),
        "eligible",
        {"co-74-106-ferpa-hipaa"},
    ),
    (
        "after sb25-276 the refusal under 24-74-103 states the penalty",
        request(
            received_at=SB25_276,
            requester=ICE_ERO,
            purpose="Locate for removal",
            purpose_category="civil_immigration_enforcement",
        ),
        "refuse",
        {"co-74-103-immigration-enforcement"},
    ),
    (
        "a local government is bound by article 74 from sb25-276 and may answer police",
        robbery(received_at=SB25_276, _kind="local_government"),
        "eligible",
        {"co-sb25-276-no-bar"},
    ),
    (
        "a local government asked with no basis applies its own records law",
        request(received_at=SB25_276, purpose_category="other", _kind="local_government"),
        "legal_review",
        {"co-sb25-276-own-law"},
    ),
    (
        "an article 74.1 institution refuses ice without federal court process",
        request(
            received_at=SB25_276,
            requester=ICE_ERO,
            purpose="Locate student for removal",
            purpose_category="civil_immigration_enforcement",
            _kind="institution",
        ),
        "refuse",
        {"co-74.1-immigration-enforcement", "co-74.1-record-officer", "co-74.1-not-collected"},
    ),
    (
        "an article 74.1 institution sends a federal judge's warrant to counsel",
        request(
            received_at=SB25_276,
            requester=ICE_ERO,
            purpose_category="civil_immigration_enforcement",
            legal_process=[{"text": DISTRICT_WARRANT}],
            _kind="institution",
        ),
        "legal_review",
        {"co-74.1-federal-process", "co-74.1-supervisor-notice", "co-74.1-log"},
    ),
    (
        "an article 74.1 institution sends hsi's criminal case to counsel",
        request(
            received_at=SB25_276,
            requester=HSI,
            purpose="Human trafficking investigation",
            purpose_category="criminal_investigation",
            criminal_investigation={"case_number": "DN12", "offense": "sex trafficking"},
            _kind="institution",
        ),
        "legal_review",
        {"co-74.1-immigration-agency"},
    ),
    (
        "an article 74.1 institution leaves other requests to its own law",
        robbery(received_at=SB25_276, _kind="institution"),
        "legal_review",
        {"co-74.1-other-law"},
    ),
    (
        "the agency's own staff querying its database is not a third party",
        request(
            requester={"organization": "Colorado Division of Motor Vehicles", "level": "state"},
            channel="database",
            purpose="Audit of our own title records",
            purpose_category="agency_function",
        ),
        "eligible",
        {"co-guidance-agency-function"},
    ),
    (
        "a dhs subpoena from july 2025 goes to the governor's office",
        request(
            received_at=GOVERNOR_REVIEW,
            requester=HSI,
            purpose="Wire fraud investigation",
            purpose_category="criminal_investigation",
            criminal_investigation={"case_number": "HSI-25-1", "offense": "wire fraud"},
            legal_process=[GRAND_JURY],
        ),
        "legal_review",
        {"co-governor-review-dhs-subpoena", "co-74-103-immigration-agency"},
    ),
]


def _effect(rule_id: str) -> str:
    pack = get_pack("us-co")
    rules = {rule.id: rule for rule in (*pack.rules, *pack.baseline.rules)}
    return rules[rule_id].effect


@pytest.mark.parametrize(
    ("name", "data", "outcome", "rules"), CASES, ids=[case[0] for case in CASES]
)
def test_the_pack_decides(name: str, data: dict[str, Any], outcome: str, rules: set[str]) -> None:
    decision = decision_for(data, settings=Settings(agency_kind=data.pop("_kind", "state")))
    fired = {reason.rule for reason in (*decision.reasons, *decision.also_considered)}
    assert decision.outcome == outcome, [(r.rule, r.effect) for r in decision.reasons]
    # The reasons that decide all carry the outcome; the others are only considered.
    assert {reason.effect for reason in decision.reasons} == {outcome}
    assert outcome not in {reason.effect for reason in decision.also_considered}
    in_force = set(decision.policy.rules_in_force)
    assert rules <= in_force, f"not in force: {rules - in_force}"
    # Obligation, withholding and report rules give no reason; decision rules must fire.
    decision_rules = {rule for rule in rules if _effect(rule) in PRECEDENCE}
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


# --- An immigration word in another role (contract 1.1) ------------------------------------


def fbi_case(purpose: str, offense: str = "18 U.S.C. 111 assault on a federal officer"):
    return request(
        requester=FBI,
        records_requested=["address", "vehicle_registration"],
        purpose=purpose,
        purpose_category="criminal_investigation",
        criminal_investigation={"case_number": "FBI-DN-23-1187", "offense": offense},
    )


@pytest.mark.parametrize(
    "purpose",
    [
        "An ICE deportation officer was struck by a vehicle while off duty; registered owner "
        "needed",
        "The victim was an ICE officer",
        "Suspect has been impersonating an ICE agent to rob day laborers",
        "Sheriff's office with no 287(g) agreement; burglary of a home",
        "Notario fraud against immigrants promised green cards and an end to deportation",
        "Forcible entry and detainer judgment enforced; tenant damaged the unit",
        "Stolen car recovered after vehicle removal order",
    ],
)
def test_an_immigration_word_in_another_role_leaves_a_criminal_case_eligible(purpose: str) -> None:
    decision = decision_for(fbi_case(purpose))
    assert decision.outcome == "eligible", [r.rule for r in decision.reasons]
    assert decision.immigration_related is False
    assert {"supervisor_notice", "use_restriction_notice"} <= set(decision.obligations)


@pytest.mark.parametrize(
    "purpose",
    [
        "Assist on behalf of HSI: locate for removal",
        "Locate for removal",
        "Subject has an ICE detainer",
        "Assault suspect wanted by ICE",
    ],
)
def test_an_immigration_word_in_its_enforcement_role_is_still_refused(purpose: str) -> None:
    decision = decision_for(fbi_case(purpose, offense="assault"))
    assert decision.outcome == "refuse"
    assert decision.immigration_related is True
    assert decision.reasons[0].citation == "C.R.S. 24-74-103"


def test_on_behalf_of_hsi_in_the_requesters_name_is_an_immigration_agency() -> None:
    decision = decision_for(
        robbery(requester={"organization": "Aurora Police Department on behalf of HSI"})
    )
    assert decision.outcome == "legal_review"
    assert decision.immigration_related is True


def test_an_unclear_role_goes_to_counsel_and_says_what_was_unclear() -> None:
    decision = decision_for(fbi_case("ICE officers involved in a crash on I-25"))
    assert decision.outcome == "legal_review"
    assert decision.immigration_related is True
    (reason,) = [r for r in decision.reasons if r.rule == "co-74-103-unclear-role"]
    assert '"ICE officers" stands by "involved"' in reason.explanation
    assert "could not be told" in reason.explanation


def test_an_unclear_role_with_no_permitted_basis_is_still_refused() -> None:
    decision = decision_for(request(purpose="ICE officers involved in a crash"))
    assert decision.outcome == "refuse"
    assert decision.immigration_related is True


# --- A court's paper that no judge signed (contract 1.1) -----------------------------------

UNSIGNED_ORDER = (
    "DISTRICT COURT, ARAPAHOE COUNTY, COLORADO. Case No. 24CV31877. ORDER GRANTING MOTION FOR "
    "ALTERNATIVE SERVICE. The Colorado Department of Revenue shall provide the last known "
    "residential address of the defendant to counsel for plaintiff. BY THE COURT: "
    "______________________________ District Court Judge"
)
LAW_FIRM = {"name": "L. Marsh, Esq.", "organization": "Marsh & Pell LLC", "level": "private"}


def service_of_process(text: str, **fields: Any) -> dict[str, Any]:
    return request(
        requester=LAW_FIRM,
        purpose="Service of process in a civil contract dispute",
        purpose_category="court_proceeding",
        legal_process=[{"issued_by": "District Court, Arapahoe County, Colorado", "text": text}],
        **fields,
    )


def test_an_unsigned_court_order_is_no_basis_and_the_refusal_says_what_was_missing() -> None:
    decision = decision_for(service_of_process(UNSIGNED_ORDER))
    assert decision.outcome == "refuse"
    assert decision.reasons[0].rule == "co-guidance-no-permitted-basis"
    assert "signature line is blank" in decision.reasons[0].explanation
    (finding,) = decision.legal_process
    assert (finding.kind, finding.court_issued) == ("court_order", False)
    assert "signature line is blank" in finding.because


@pytest.mark.parametrize("signature", ["/s/ Hon. Dana Reyes,", "Dana Reyes", "s/ Dana Reyes,"])
def test_the_same_order_signed_by_a_judge_is_a_permitted_basis(signature: str) -> None:
    text = UNSIGNED_ORDER.replace("______________________________", signature)
    decision = decision_for(service_of_process(text))
    assert decision.outcome == "eligible"
    assert decision.legal_process[0].court_issued is True


def test_an_unsigned_judicial_warrant_in_an_immigration_matter_is_refused_not_reviewed() -> None:
    unsigned = DISTRICT_WARRANT.replace("/s/ Hon. A. Judge, ", "_______________ ")
    decision = decision_for(
        request(
            requester=ICE_ERO,
            purpose_category="civil_immigration_enforcement",
            legal_process=[{"text": unsigned}],
        )
    )
    assert decision.outcome == "refuse"
    assert decision.reasons[0].citation == "C.R.S. 24-74-103"
    signed = decision_for(
        request(
            requester=ICE_ERO,
            purpose_category="civil_immigration_enforcement",
            legal_process=[{"text": DISTRICT_WARRANT}],
        )
    )
    assert signed.outcome == "legal_review"


def test_a_proposed_order_offered_as_the_only_basis_is_refused() -> None:
    text = UNSIGNED_ORDER.replace("ORDER GRANTING", "[PROPOSED] ORDER GRANTING").replace(
        "______________________________", ""
    )
    decision = decision_for(service_of_process(text))
    assert decision.outcome == "refuse"
    assert "proposed" in decision.legal_process[0].because


def test_an_order_signed_by_the_sheriff_is_not_a_courts_order() -> None:
    decision = decision_for(
        request(
            requester=INSURER,
            purpose_category="court_proceeding",
            legal_process=[
                {
                    "kind": "court_order",
                    "issued_by": "District Court, City and County of Denver",
                    "signed_by": "Sheriff Elias Diggins",
                }
            ],
        )
    )
    assert decision.outcome == "refuse"
    assert decision.legal_process[0].court_issued is False
    assert "executive officer" in decision.legal_process[0].because


def test_the_compiled_rule_stages_run_for_every_pack_and_agree_with_the_slow_path():
    # A compiled stage that raises falls back to evaluating the rules one by one: the
    # decision is the same, only slower, so nothing else would notice. It once raised for
    # every request (the wrapper `bool` was read as a fact).
    import json
    from pathlib import Path

    from custodiet.policy import engine
    from custodiet.policy.facts.gather import gather
    from custodiet.policy.packs import available_packs

    here = Path(__file__).resolve().parent
    requests = [
        json.loads(path.read_text())["request"]
        for path in sorted(here.glob("scenarios/*.json")) + sorted(here.glob("states/*/*.json"))
    ]
    requests = [data for data in requests if "received_at" in data]
    for pack_id in available_packs():
        pack = get_pack(pack_id)
        for data in requests:
            try:
                request = parse_request(data)
            except Exception:
                continue  # the scenarios of invalid requests
            terms, rules = pack.in_force(pack.received_on(request))
            values = gather(request, settings=Settings()).values
            names = dict(values)
            holding = engine._compiled(terms, rules)(names)
            decisions = [rule for rule in rules if rule.effect in engine.DECISION_EFFECTS]
            fast = {rule.id for rule, held in zip(decisions, holding, strict=True) if held}
            slow = {rule.id for rule in decisions if rule.when.evaluate(names)}
            assert fast == slow, (pack_id, data.get("id"))
            names["outcome"] = "refuse"
            engine._compiled(terms, rules, duties=True)(names)
