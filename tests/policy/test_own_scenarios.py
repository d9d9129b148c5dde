"""The project's own scenarios: requests a reviewing immigration lawyer would write, each
with a near miss that turns on one telling detail and gets the other outcome.

Every file in `scenarios/` beside this module is run through the same runner as
`custodiet scenarios` (one test per file, so a failure names the file). What the scenario
format cannot say (whether 24-74-106 counts a request; that an obligation is absent; that
attaching a document never makes an outcome stricter) is checked by the tests below it.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from custodiet.policy.engine import decide
from custodiet.policy.facts.gather import Settings
from custodiet.policy.model import parse_request
from custodiet.policy.packs import get_pack
from custodiet.policy.scenarios import run_scenario

SCENARIOS = Path(__file__).resolve().parent / "scenarios"
FILES = sorted(SCENARIOS.glob("*.json"))
STRICTNESS = {"eligible": 0, "legal_review": 1, "refuse": 2}


def test_the_scenario_folder_is_not_empty() -> None:
    assert len(FILES) >= 60


@pytest.mark.parametrize("path", FILES, ids=[path.name for path in FILES])
def test_scenario(path: Path) -> None:
    result = run_scenario(path, get_pack("us-co"), settings=Settings())
    assert result.passed, f"{path.name} ({result.summary}): " + "; ".join(result.problems)


def scenario_request(name: str) -> dict[str, Any]:
    data = json.loads((SCENARIOS / name).read_text(encoding="utf-8"))
    return copy.deepcopy(data["request"])


def decision_for(data: dict[str, Any]):
    return decide(parse_request(data), get_pack("us-co"))


# ------------------------------------------------------------------ attaching a customs summons


@pytest.mark.parametrize(
    ("without", "with_summons"),
    [
        ("54-hsi-customs-fraud-no-document.json", "55-hsi-customs-fraud-with-1509-summons.json"),
        ("56-cbp-duty-evasion-no-document.json", "57-cbp-duty-evasion-with-1509-summons.json"),
    ],
)
def test_a_customs_summons_never_makes_the_outcome_stricter(
    without: str, with_summons: str
) -> None:
    bare = decision_for(scenario_request(without))
    summoned = decision_for(scenario_request(with_summons))
    assert STRICTNESS[summoned.outcome] <= STRICTNESS[bare.outcome], (
        f"a 19 U.S.C. 1509 summons turned {bare.outcome} into {summoned.outcome}"
    )


# ------------------------------------------------------------------ the Governor's review (SB25-276 era)


@pytest.mark.parametrize(
    "name",
    [
        # the same ICE subpoena on 30 June 2025, in Denver's offset and in UTC
        "79-ero-subpoena-june-2025-no-governor-review.json",
        "80-ero-subpoena-utc-july-1-still-june-30-in-denver.json",
        # a DHS request after 1 July 2025 that offers no subpoena
        "82-hsi-trafficking-no-subpoena-no-governor-review.json",
        # DHS subpoenas and summonses before July 2025
        "52-ero-unsigned-immigration-enforcement-subpoena.json",
        "55-hsi-customs-fraud-with-1509-summons.json",
    ],
)
def test_no_governor_review_without_a_dhs_subpoena_from_july_2025(name: str) -> None:
    assert "governor_review" not in decision_for(scenario_request(name)).obligations


@pytest.mark.parametrize(
    "name",
    [
        "78-ero-subpoena-after-july-2025-governor-review.json",
        "81-hsi-subpoena-trafficking-governor-review.json",
        "83-cbp-ofo-subpoena-narcotics-governor-review.json",
        "84-uscis-subpoena-marriage-fraud-governor-review.json",
    ],
)
def test_a_dhs_subpoena_from_july_2025_goes_to_the_governor(name: str) -> None:
    assert "governor_review" in decision_for(scenario_request(name)).obligations


def test_the_governor_review_starts_on_the_denver_calendar_day() -> None:
    data = scenario_request("80-ero-subpoena-utc-july-1-still-june-30-in-denver.json")
    data["received_at"] = "2025-07-01T06:30:00Z"  # 00:30 on 1 July in Denver
    assert "governor_review" in decision_for(data).obligations


# ------------------------------------------------------------------ reportable (24-74-106)

ARAPAHOE_DATABASE = {
    "channel": "database",
    "receiving_agency": "CO-DOR-DMV",
    "requester": {
        "name": "Records Unit",
        "organization": "Arapahoe County Sheriff's Office",
        "level": "local",
    },
    "records_requested": ["name", "address", "driving_record"],
    "purpose": "Driver record inquiry through Colorado DRIVES in a criminal investigation.",
    "purpose_category": "criminal_investigation",
    "criminal_investigation": {"case_number": "ACSO-22-03318", "offense": "felony menacing"},
    "certification": {"signed_on": "2021-12-20"},
}
NEWSPAPER = {
    "name": "Reporter J. Sorensen",
    "organization": "Front Range Ledger",
    "level": "private",
}
CORA_PURPOSE = (
    "Colorado Open Records Act request (C.R.S. 24-72-201 et seq.): title history and owner names "
    "for the vehicle with VIN 1FTFW1E50JFA00000, which was used in a widely reported crash."
)


def request(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "received_at": "2023-09-12T10:00:00-06:00",
        "channel": "email",
        "receiving_agency": "CO-DOR-DMV",
        "records_requested": ["name", "address"],
    }
    base.update(copy.deepcopy(fields))
    return base


REPORTABLE = {
    # a third party's request for records with PII is what 24-74-106(1) counts
    "third-party-police": (scenario_request("34-adams-so-narcotics-unit.json"), True),
    "third-party-ice": (scenario_request("39-ero-locate-for-removal-no-claim.json"), True),
    # a requester acting with the person's consent is still a third party
    "consent-is-still-a-third-party": (
        scenario_request("76-parent-of-minor-with-consent.json"),
        True,
    ),
    # the person in interest is not a third party
    "self-stated": (scenario_request("68-self-own-record-by-mail.json"), False),
    "self-inferred": (
        scenario_request("70-individual-name-matches-subject-read-as-self.json"),
        False,
    ),
    # open-records requests are excluded unless they are for immigration enforcement
    "cora-request": (
        request(requester=NEWSPAPER, purpose=CORA_PURPOSE, purpose_category="other"),
        False,
    ),
    "cora-request-for-ice": (
        request(
            requester=NEWSPAPER,
            purpose=CORA_PURPOSE + " We will give the owner's address to ICE for his removal.",
            purpose_category="other",
        ),
        True,
    ),
    # database inquiries are excluded, but DRIVES requests count from 2022-03-01
    "database-inquiry-before-drives": (
        {**ARAPAHOE_DATABASE, "received_at": "2022-02-15T10:00:00-07:00"},
        False,
    ),
    "database-inquiry-through-drives": (
        {**ARAPAHOE_DATABASE, "received_at": "2022-03-15T10:00:00-06:00"},
        True,
    ),
    "database-inquiry-first-drives-day-in-denver": (
        {**ARAPAHOE_DATABASE, "received_at": "2022-03-01T07:30:00Z"},  # 00:30 MST, 1 March
        True,
    ),
    "database-inquiry-last-day-before-drives-in-denver": (
        {**ARAPAHOE_DATABASE, "received_at": "2022-03-01T06:30:00Z"},  # 23:30 MST, 28 February
        False,
    ),
    # election requests are excluded
    "election-list-maintenance": (
        request(
            requester={
                "name": "Elections Division",
                "organization": "Colorado Department of State",
                "level": "state",
            },
            records_requested=["name", "address", "date_of_birth", "license_number"],
            purpose=(
                "Voter registration list maintenance: matching new voter registrations against "
                "DMV records (C.R.S. 1-2-302.5; 52 U.S.C. 21083)."
            ),
            purpose_category="agency_function",
        ),
        False,
    ),
    # a request under a data-sharing agreement that ensures compliance is excluded
    "data-sharing-agreement": (
        request(
            requester={
                "name": "Location Unit",
                "organization": "Colorado Department of Human Services, Child Support Services",
                "level": "state",
            },
            purpose=(
                "Request under the data-sharing agreement between the Department of Revenue and "
                "CDHS, which binds CDHS to C.R.S. 24-74-103 to -105: locating a noncustodial "
                "parent for a child support order."
            ),
            purpose_category="agency_function",
        ),
        False,
    ),
}


@pytest.mark.parametrize(("data", "expected"), REPORTABLE.values(), ids=REPORTABLE.keys())
def test_reportable(data: dict[str, Any], expected: bool) -> None:
    reportable = decision_for(data).reportable
    assert reportable is not None, "no reporting decision for a request under SB21-131"
    assert reportable.value is expected, reportable.because
    assert reportable.because
