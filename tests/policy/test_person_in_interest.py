"""The person in interest and written consent (contract 1.1, `requester.relationship`).

A person asking for their own record is not a third party: eligible with `verify_identity`
(facial recognition is still refused) and not reportable under 24-74-106. With no
relationship stated, an individual whose name is the only subject's name is read as that
person, and the decision says it inferred so; anyone else is a third party.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from custodiet.policy.engine import decide
from custodiet.policy.facts.gather import same_person
from custodiet.policy.model import RequestError, parse_request
from custodiet.policy.packs import get_pack

STATUTE = "2023-02-07T09:15:00-07:00"
GUIDANCE = "2020-08-03T11:00:00-06:00"
BEFORE = "2019-11-04T09:00:00-07:00"
ANA = {"name": "Ana Ruiz", "organization": "Ana Ruiz", "level": "individual"}


def own_record(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "received_at": STATUTE,
        "channel": "in_person",
        "receiving_agency": "CO-DOR-DMV",
        "requester": {**ANA, "relationship": "self"},
        "subjects": [{"name": "Ana Ruiz", "date_of_birth": "1987-11-02"}],
        "records_requested": ["driving_record", "address"],
        "purpose": "My own record, for a job application",
        "purpose_category": "other",
    }
    base.update(copy.deepcopy(fields))
    return base


def decision_for(data: dict[str, Any]):
    return decide(parse_request(data), get_pack("us-co"), explain=True)


def fact(decision, name: str):
    return next(item for item in decision.facts if item.fact == name)


def test_the_person_asking_for_their_own_record_is_eligible_with_identity_checked() -> None:
    decision = decision_for(own_record())
    assert decision.outcome == "eligible"
    assert decision.immigration_related is False
    assert {"log_request", "verify_identity"} <= set(decision.obligations)
    assert [reason.rule for reason in decision.reasons] == ["co-person-in-interest"]
    assert decision.releasable_records == ["driving_record", "address"]


def test_the_persons_own_request_is_not_reportable_and_says_why() -> None:
    reportable = decision_for(own_record()).reportable
    assert reportable is not None and reportable.value is False
    assert "person in interest" in reportable.because
    assert "24-74-106" in reportable.because


def test_a_third_partys_request_is_reportable() -> None:
    data = own_record(
        requester={"name": "Maria Ruiz", "organization": "Maria Ruiz", "level": "individual"}
    )
    reportable = decision_for(data).reportable
    assert reportable is not None and reportable.value is True


def test_nothing_is_said_of_reporting_before_the_statute() -> None:
    assert decision_for(own_record(received_at=GUIDANCE)).reportable is None
    assert "reportable" not in decision_for(own_record(received_at=GUIDANCE)).to_dict()


@pytest.mark.parametrize(
    "written",
    ["Ana Ruiz", "ANA RUIZ", "Ruiz, Ana", "Ana M. Ruiz", "Ms. Ana Ruiz", "Ána Ruíz"],
)
def test_an_individual_who_is_the_only_subject_is_read_as_the_person_and_it_says_so(
    written: str,
) -> None:
    data = own_record(requester={"name": written, "organization": written, "level": "individual"})
    decision = decision_for(data)
    assert decision.outcome == "eligible"
    assert "verify_identity" in decision.obligations
    explanation = decision.reasons[0].explanation
    assert explanation.startswith("The requester is the person in interest")
    assert "Inferred: no relationship was stated" in explanation
    assert fact(decision, "person_in_interest").value is True


def test_an_individual_without_a_stated_level_who_signs_as_themselves_is_read_as_the_person() -> (
    None
):
    data = own_record(requester={"name": "Ana Ruiz", "organization": "Ana Ruiz"})
    assert decision_for(data).outcome == "eligible"


@pytest.mark.parametrize(
    ("requester", "subjects"),
    [
        # A mother asking for her daughter's record.
        ({"name": "Maria Ruiz", "organization": "Maria Ruiz", "level": "individual"}, None),
        # A relative with the same family name and another given name.
        ({"name": "Luis Ruiz", "organization": "Luis Ruiz", "level": "individual"}, None),
        # Father and son: "Jr." tells them apart.
        (
            {"name": "Pedro Ruiz Sr.", "organization": "Pedro Ruiz Sr.", "level": "individual"},
            [{"name": "Pedro Ruiz Jr."}],
        ),
        # The requester's own record and someone else's.
        (ANA, [{"name": "Ana Ruiz"}, {"name": "Maria Ruiz"}]),
        # A company is not an individual, whatever its name.
        ({"name": "Ana Ruiz", "organization": "Ruiz Trucking LLC", "level": "private"}, None),
    ],
)
def test_anyone_else_with_no_relationship_stated_is_a_third_party(
    requester: dict[str, str], subjects: list[dict[str, str]] | None
) -> None:
    data = own_record(requester=requester)
    if subjects is not None:
        data["subjects"] = subjects
    decision = decision_for(data)
    assert fact(decision, "person_in_interest").value is False
    assert "verify_identity" not in decision.obligations
    # Purpose "other" is no permitted basis for a third party.
    assert decision.outcome == "refuse"
    assert decision.reportable is not None and decision.reportable.value is True


def test_a_relative_who_says_self_but_asks_for_someone_elses_record_is_a_third_party() -> None:
    data = own_record(
        requester={
            "name": "Maria Ruiz",
            "organization": "Maria Ruiz",
            "level": "individual",
            "relationship": "self",
        }
    )
    decision = decision_for(data)
    assert decision.outcome == "refuse"
    because = fact(decision, "person_in_interest").because
    assert "Stated as the person in interest" in because and "Ana Ruiz" in because


@pytest.mark.parametrize(
    "requester",
    [
        {"organization": "Denver Police Department", "level": "local", "relationship": "self"},
        {
            "name": "Officer Jane Roe",
            "organization": "U.S. Immigration and Customs Enforcement",
            "relationship": "self",
        },
    ],
)
def test_a_government_body_is_never_the_person_in_interest(requester: dict[str, str]) -> None:
    decision = decision_for(own_record(requester=requester, subjects=[]))
    assert fact(decision, "person_in_interest").value is False
    assert decision.outcome != "eligible"


def test_a_stated_third_party_is_not_read_as_the_person() -> None:
    data = own_record(requester={**ANA, "relationship": "third_party"})
    assert decision_for(data).outcome == "refuse"


def test_facial_recognition_is_refused_even_for_the_persons_own_photo() -> None:
    decision = decision_for(own_record(records_requested=["photo"], facial_recognition=True))
    assert decision.outcome == "refuse"
    assert "co-frs-no-dmv-photo-search" in {reason.rule for reason in decision.reasons}
    assert "verify_identity" not in decision.obligations


def test_immigration_status_is_withheld_from_the_person_too() -> None:
    decision = decision_for(own_record(records_requested=["address", "immigration_status"]))
    assert decision.outcome == "eligible"
    assert decision.releasable_records == ["address"]
    assert [item.record for item in decision.withheld_records] == ["immigration_status"]


def test_the_persons_own_immigration_paperwork_is_not_immigration_enforcement() -> None:
    decision = decision_for(own_record(purpose="For my green card application (USCIS)"))
    assert decision.outcome == "eligible"
    assert decision.immigration_related is False


@pytest.mark.parametrize(
    ("received_at", "rule"),
    [(GUIDANCE, "co-person-in-interest"), (BEFORE, "dppa-person-in-interest")],
)
def test_the_person_in_interest_is_eligible_in_every_era(received_at: str, rule: str) -> None:
    decision = decision_for(own_record(received_at=received_at))
    assert decision.outcome == "eligible"
    assert "verify_identity" in decision.obligations
    assert rule in {reason.rule for reason in decision.reasons}


def test_written_consent_is_a_permitted_basis_for_a_third_party() -> None:
    data = own_record(
        requester={
            "name": "Front Range Mutual",
            "organization": "Front Range Mutual Insurance",
            "level": "private",
            "relationship": "consent",
        },
        purpose="Underwriting, with the applicant's signed release",
    )
    decision = decision_for(data)
    assert decision.outcome == "eligible"
    assert any("2721(b)(13)" in reason.citation for reason in decision.reasons)
    assert {"supervisor_notice", "use_restriction_notice"} <= set(decision.obligations)
    assert "verify_identity" not in decision.obligations
    assert decision.reportable is not None and decision.reportable.value is True


def test_consent_does_not_open_the_door_to_immigration_enforcement() -> None:
    data = own_record(
        requester={
            "organization": "U.S. Immigration and Customs Enforcement",
            "component": "ERO",
            "relationship": "consent",
        },
        purpose="Locate for removal",
    )
    decision = decision_for(data)
    assert decision.outcome == "refuse"
    assert decision.immigration_related is True


def test_an_unknown_relationship_is_an_error_naming_the_field_and_the_values() -> None:
    with pytest.raises(RequestError) as raised:
        parse_request(own_record(requester={**ANA, "relationship": "family"}))
    assert raised.value.field == "requester.relationship"
    assert "self, consent, third_party" in str(raised.value)


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        ("Ana Ruiz", "ana ruiz", True),
        ("Ruiz, Ana", "Ana Ruiz", True),
        ("Ana M. Ruiz", "Ana Ruiz", True),
        ("Dr. Ana Ruiz", "Ana Ruiz", True),
        ("Ana Ruiz", "Maria Ruiz", False),
        ("Pedro Ruiz Jr.", "Pedro Ruiz", False),
        ("Ana", "Ana M.", False),
        ("", "Ana Ruiz", False),
        (None, None, False),
    ],
)
def test_names_are_compared_as_a_person_would(
    first: str | None, second: str | None, same: bool
) -> None:
    assert same_person(first, second) is same
