"""Who signed a court's paper (`signer_rank`), and the facts New York decides with.

New York (VTL 201(12)) accepts a judicial warrant only when "a judge appointed pursuant to
Article III" signed it: a United States district or circuit judge. A United States
magistrate judge (28 U.S.C. 631), a bankruptcy judge, an immigration judge and a state's
judges are not. When a paper does not tell who signed it, the rank is "" and counsel reads
it. The inputs are signature blocks and captions as they appear on real papers; the names
are placeholders.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from custodiet.policy.engine import decide
from custodiet.policy.facts.judges import (
    ARTICLE_III,
    FEDERAL_OTHER,
    MAGISTRATE,
    STATE,
    is_federal,
    signer_rank,
)
from custodiet.policy.model import parse_request
from custodiet.policy.packs import get_pack

AO_93 = (
    "AO 93 (Rev. 11/13) Search and Seizure Warrant\n"
    "UNITED STATES DISTRICT COURT\nfor the\nSouthern District of New York\n"
    "In the Matter of the Search of records of the New York State Department of Motor "
    "Vehicles relating to Ana Ruiz\nCase No. 25 Mag. 1187\n"
    "SEARCH AND SEIZURE WARRANT\nTo: Any authorized law enforcement officer\n"
    "YOU ARE COMMANDED to execute this warrant on or before June 20, 2025.\n"
    "Date and time issued: June 6, 2025 2:05 p.m.\n"
    "/s/ J. Example\nJudge's signature\n"
    "City and state: New York, New York\n"
    "Hon. J. Example, United States Magistrate Judge\nPrinted name and title"
)
BOTH_JUDGES = (
    "UNITED STATES DISTRICT COURT\nSOUTHERN DISTRICT OF NEW YORK\n"
    "Referred by the Hon. R. Example, United States District Judge, to the Hon. J. Example, "
    "United States Magistrate Judge, for the issuance of process.\n"
    "The New York State Department of Motor Vehicles shall produce the address of record of "
    "Ana Ruiz.\nSO ORDERED."
)


def rank(
    signed_by: str | None = None,
    issued_by: str | None = None,
    title: str | None = None,
    text: str | None = None,
) -> str:
    return signer_rank(signed_by=signed_by, issued_by=issued_by, title=title, text=text).rank


# ------------------------------------------------------------------ signer_rank

SIGNERS = {
    # federal district and circuit judges: Article III
    "district-judge": (
        {"signed_by": "Hon. R. Example, United States District Judge"},
        ARTICLE_III,
    ),
    "us-district-judge-short": ({"signed_by": "Hon. R. Example, U.S. District Judge"}, ARTICLE_III),
    "senior-district-judge": (
        {"signed_by": "Hon. R. Example, Senior United States District Judge"},
        ARTICLE_III,
    ),
    "district-court-judge": (
        {"signed_by": "R. Example, United States District Court Judge"},
        ARTICLE_III,
    ),
    "district-judge-in-edny": (
        {
            "signed_by": "R. Example, District Judge",
            "issued_by": "United States District Court, Eastern District of New York",
        },
        ARTICLE_III,
    ),
    "district-judge-sdny-abbreviation": (
        {"signed_by": "R. Example, District Judge", "issued_by": "S.D.N.Y."},
        ARTICLE_III,
    ),
    "district-judge-sdny-in-caption": (
        {"signed_by": "R. Example, District Judge", "title": "No. 25 Civ. 4410 (S.D.N.Y.)"},
        ARTICLE_III,
    ),
    "circuit-judge": (
        {
            "signed_by": "Hon. C. Example, United States Circuit Judge",
            "issued_by": "United States Court of Appeals for the Second Circuit",
        },
        ARTICLE_III,
    ),
    "district-judge-block-in-text": (
        {
            "text": "UNITED STATES DISTRICT COURT\nSOUTHERN DISTRICT OF NEW YORK\nORDER\n"
            "SO ORDERED.\n/s/ R. Example\nUnited States District Judge"
        },
        ARTICLE_III,
    ),
    "usdj-abbreviation": (
        {"signed_by": "R. Example, U.S.D.J.", "issued_by": "S.D.N.Y."},
        ARTICLE_III,
    ),
    # United States magistrate judges: federal, not Article III
    "us-magistrate-judge": ({"signed_by": "J. Example, U.S. Magistrate Judge"}, MAGISTRATE),
    "united-states-magistrate-judge": (
        {"signed_by": "Hon. J. Example, United States Magistrate Judge"},
        MAGISTRATE,
    ),
    "magistrate-judge-edny-abbreviation": (
        {
            "signed_by": "Magistrate Judge J. Example",
            "issued_by": "United States District Court, E.D.N.Y.",
        },
        MAGISTRATE,
    ),
    "magistrate-judge-sdny-abbreviation": (
        {"signed_by": "J. Example, Magistrate Judge", "issued_by": "S.D.N.Y."},
        MAGISTRATE,
    ),
    "magistrate-judge-nd-ill": (
        {"signed_by": "J. Example, Magistrate Judge", "issued_by": "N.D. Ill."},
        MAGISTRATE,
    ),
    "usmj-abbreviation": (
        {"signed_by": "J. Example, U.S.M.J.", "issued_by": "S.D.N.Y."},
        MAGISTRATE,
    ),
    "usmj-block-in-text": (
        {
            "issued_by": "United States District Court, S.D.N.Y.",
            "text": "SO ORDERED.\n/s/ J. Example\nJ. Example, U.S.M.J.",
        },
        MAGISTRATE,
    ),
    "ao-93-blank-signer": ({"signed_by": "", "text": AO_93}, MAGISTRATE),
    "ao-93-no-signer": ({"text": AO_93}, MAGISTRATE),
    # a state court's magistrate is a state judge
    "colorado-state-magistrate": (
        {
            "signed_by": "Magistrate J. Example",
            "issued_by": "District Court, City and County of Denver, Colorado",
        },
        STATE,
    ),
    "colorado-magistrate-in-text": (
        {
            "issued_by": "District Court, El Paso County, Colorado",
            "text": "ORDER\nBY THE COURT:\n/s/ J. Example\nMagistrate",
        },
        STATE,
    ),
    "new-york-support-magistrate": (
        {
            "signed_by": "Support Magistrate J. Example",
            "issued_by": "Family Court of the State of New York, County of Kings",
        },
        STATE,
    ),
    # state judges whose titles a federal judge also holds
    "colorado-district-judge": (
        {
            "signed_by": "Hon. M. Example, District Judge",
            "issued_by": "District Court, County of Denver, Colorado",
        },
        STATE,
    ),
    "denver-second-judicial-district": (
        {
            "signed_by": "Hon. M. Example, District Court Judge",
            "issued_by": "Second Judicial District, Denver District Court",
        },
        STATE,
    ),
    "cook-county-circuit-judge-with-court": (
        {
            "signed_by": "Hon. M. Example, Circuit Judge",
            "issued_by": "Circuit Court of Cook County, Illinois",
        },
        STATE,
    ),
    "cook-county-circuit-judge-in-signature": (
        {"signed_by": "Hon. M. Example, Circuit Judge, Circuit Court of Cook County"},
        STATE,
    ),
    "cook-county-in-text": (
        {
            "text": "IN THE CIRCUIT COURT OF COOK COUNTY, ILLINOIS\nORDER\nENTERED:\n"
            "Judge M. Example\nCircuit Judge"
        },
        STATE,
    ),
    "new-york-supreme-court-justice": (
        {
            "signed_by": "Hon. M. Example, Justice of the Supreme Court",
            "issued_by": "Supreme Court of the State of New York, County of Queens",
        },
        STATE,
    ),
    "new-york-justice-in-signature": (
        {"signed_by": "Hon. M. Example, Justice of the Supreme Court of the State of New York"},
        STATE,
    ),
    # bankruptcy judges: federal, Article I
    "bankruptcy-judge": (
        {
            "signed_by": "Hon. B. Example, United States Bankruptcy Judge",
            "issued_by": "United States Bankruptcy Court, Southern District of New York",
        },
        FEDERAL_OTHER,
    ),
    "bankruptcy-judge-in-text": (
        {
            "issued_by": "United States Bankruptcy Court, Southern District of New York",
            "text": "ORDER\n/s/ B. Example\nUnited States Bankruptcy Judge",
        },
        FEDERAL_OTHER,
    ),
    # immigration judges are officers of the Department of Justice, not a court's judges
    "immigration-judge": (
        {
            "signed_by": "B. Example, Immigration Judge",
            "issued_by": "Executive Office for Immigration Review, Immigration Court, New York",
        },
        "",
    ),
    "immigration-judge-in-title": (
        {
            "signed_by": "B. Example",
            "issued_by": "Immigration Court, New York, NY",
            "title": "Order of the Immigration Judge",
        },
        "",
    ),
    "immigration-judge-in-text": (
        {
            "text": "IMMIGRATION COURT\nORDER OF THE IMMIGRATION JUDGE\nB. Example\nImmigration Judge"
        },
        "",
    ),
    # papers that do not tell who signed them
    "both-judges-named": ({"text": BOTH_JUDGES}, ""),
    "both-judges-named-sdny": ({"issued_by": "S.D.N.Y.", "text": BOTH_JUDGES}, ""),
    "clerk-of-court": (
        {
            "signed_by": "Clerk of Court",
            "issued_by": "United States District Court, Eastern District of New York",
        },
        "",
    ),
    "nothing-said": ({}, ""),
}


@pytest.mark.parametrize(("fields", "expected"), SIGNERS.values(), ids=SIGNERS.keys())
def test_signer_rank(fields: dict[str, str], expected: str) -> None:
    signer = signer_rank(
        signed_by=fields.get("signed_by"),
        issued_by=fields.get("issued_by"),
        title=fields.get("title"),
        text=fields.get("text"),
    )
    assert signer.rank == expected, signer.because
    assert signer.because


def test_the_signer_named_decides_before_the_document() -> None:
    # The requester names the magistrate judge who signed; the paper names a district judge
    # too (who referred the matter). The named signer decides.
    assert rank(signed_by="Hon. J. Example, United States Magistrate Judge", text=BOTH_JUDGES) == (
        MAGISTRATE
    )
    assert rank(signed_by="Hon. R. Example, United States District Judge", text=BOTH_JUDGES) == (
        ARTICLE_III
    )


def test_federal_signers_are_federal_and_state_signers_are_not() -> None:
    federal = signer_rank(
        signed_by="J. Example, U.S. Magistrate Judge", issued_by=None, title=None, text=None
    )
    state = signer_rank(
        signed_by="Magistrate J. Example",
        issued_by="District Court, City and County of Denver, Colorado",
        title=None,
        text=None,
    )
    assert federal.federal is True
    assert state.federal is False


def test_the_reason_names_the_signer() -> None:
    signer = signer_rank(
        signed_by="Hon. J. Example, United States Magistrate Judge",
        issued_by=None,
        title=None,
        text=None,
    )
    assert "Hon. J. Example" in signer.because
    assert "not appointed under Article III" in signer.because


@pytest.mark.parametrize(
    "text",
    [
        "United States District Court for the Southern District of New York",
        "S.D.N.Y.",
        "E.D.N.Y.",
        "W.D.N.Y.",
        "N.D.N.Y.",
        "N.D. Ill.",
        "D. Mass.",
        "District of Colorado",
        "Northern District of New York",
        "U.S. Magistrate Judge",
    ],
)
def test_federal_courts_are_recognised(text: str) -> None:
    assert is_federal(text)


@pytest.mark.parametrize(
    "text",
    [
        "Supreme Court of the State of New York, County of Queens",
        "Circuit Court of Cook County",
        "Second Judicial District of Colorado",
        "District Court, City and County of Denver",
        "Superior Court of the District of Columbia",
        "Family Court of the State of New York",
    ],
)
def test_state_and_local_courts_are_not_federal(text: str) -> None:
    assert not is_federal(text)


# ------------------------------------------------------------------ the facts, through decide

ERO = {
    "name": "DO C. Example",
    "organization": "U.S. Immigration and Customs Enforcement",
    "component": "ERO New York",
    "level": "federal",
}
COOK_SHERIFF = {
    "name": "Records Unit",
    "organization": "Cook County Sheriff's Office",
    "level": "local",
}
SDNY = "United States District Court, Southern District of New York"


def request(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "received_at": "2025-06-10T11:30:00-04:00",
        "channel": "email",
        "receiving_agency": "NY-DMV",
        "requester": ERO,
        "subjects": [{"name": "Ana Ruiz", "date_of_birth": "1990-04-12"}],
        "records_requested": ["address"],
    }
    base.update(copy.deepcopy(fields))
    return base


def facts(data: dict[str, Any]) -> dict[str, Any]:
    decision = decide(parse_request(data), get_pack("us-ny"), explain=True)
    assert decision.facts is not None
    return {finding.fact: finding.value for finding in decision.facts}


def because(data: dict[str, Any], fact: str) -> str:
    decision = decide(parse_request(data), get_pack("us-ny"), explain=True)
    assert decision.facts is not None
    return next(finding.because for finding in decision.facts if finding.fact == fact)


def test_a_district_judges_warrant_is_an_article_iii_warrant() -> None:
    found = facts(
        request(
            legal_process=[
                {
                    "kind": "judicial_warrant",
                    "issued_by": SDNY,
                    "signed_by": "Hon. R. Example, United States District Judge",
                }
            ]
        )
    )
    assert found["article_iii_warrant"] is True
    assert found["article_iii_process"] is True
    assert found["magistrate_judge_process"] is False
    assert found["warrant_signer_unknown"] is False
    assert found["court_order_offered"] is False


def test_a_district_judges_order_is_article_iii_process_but_no_warrant() -> None:
    found = facts(
        request(
            legal_process=[
                {
                    "kind": "court_order",
                    "issued_by": SDNY,
                    "signed_by": "Hon. R. Example, United States District Judge",
                }
            ]
        )
    )
    assert found["article_iii_warrant"] is False
    assert found["article_iii_process"] is True
    assert found["court_order_offered"] is True


@pytest.mark.parametrize(
    "process",
    [
        {
            "kind": "judicial_warrant",
            "issued_by": SDNY,
            "signed_by": "Hon. J. Example, U.S. Magistrate Judge",
        },
        {"signed_by": "", "text": AO_93},
        {
            "text": AO_93.replace(
                "UNITED STATES DISTRICT COURT\nfor the\nSouthern District of New York\n", ""
            )
        },
    ],
    ids=["stated", "ao-93-blank-signer", "ao-93-form-without-caption"],
)
def test_a_magistrate_judges_warrant_is_not_an_article_iii_warrant(process: dict[str, str]) -> None:
    data = request(legal_process=[process])
    found = facts(data)
    assert found["magistrate_judge_process"] is True
    assert found["article_iii_warrant"] is False
    assert found["article_iii_process"] is False
    assert found["warrant_signer_unknown"] is False
    assert "magistrate judge" in because(data, "magistrate_judge_process")


def test_a_warrant_naming_both_judges_has_an_unknown_signer() -> None:
    data = request(
        legal_process=[{"kind": "judicial_warrant", "issued_by": SDNY, "text": BOTH_JUDGES}]
    )
    found = facts(data)
    assert found["warrant_signer_unknown"] is True
    assert found["article_iii_warrant"] is False
    assert found["magistrate_judge_process"] is False
    assert "does not say which signed" in because(data, "warrant_signer_unknown")


def test_a_state_justices_warrant_is_neither_article_iii_nor_unknown() -> None:
    found = facts(
        request(
            legal_process=[
                {
                    "kind": "judicial_warrant",
                    "issued_by": "Supreme Court of the State of New York, County of Kings",
                    "signed_by": "Hon. M. Example, Justice of the Supreme Court",
                }
            ]
        )
    )
    assert found["article_iii_warrant"] is False
    assert found["warrant_signer_unknown"] is False
    assert found["court_order_offered"] is False


def test_an_immigration_judges_order_is_not_court_process() -> None:
    found = facts(
        request(
            legal_process=[
                {
                    "title": "Order of the Immigration Judge",
                    "issued_by": "Immigration Court, New York, NY",
                    "signed_by": "B. Example, Immigration Judge",
                }
            ]
        )
    )
    assert found["court_order_offered"] is False
    assert found["article_iii_process"] is False
    assert found["warrant_signer_unknown"] is False


def test_no_process_no_signer_facts() -> None:
    found = facts(request())
    for fact in (
        "article_iii_warrant",
        "article_iii_process",
        "magistrate_judge_process",
        "court_order_offered",
        "court_subpoena_offered",
        "federal_court_subpoena",
        "warrant_signer_unknown",
    ):
        assert found[fact] is False, fact


def test_a_federal_grand_jury_subpoena_is_a_federal_court_subpoena() -> None:
    found = facts(
        request(
            legal_process=[
                {
                    "kind": "grand_jury_subpoena",
                    "issued_by": "United States District Court, Eastern District of New York",
                }
            ]
        )
    )
    assert found["court_subpoena_offered"] is True
    assert found["federal_court_subpoena"] is True
    assert found["court_order_offered"] is False


def test_a_state_court_subpoena_is_not_federal() -> None:
    found = facts(
        request(
            legal_process=[
                {
                    "kind": "court_subpoena",
                    "issued_by": "Supreme Court of the State of New York, County of Queens",
                    "signed_by": "Hon. M. Example, Justice of the Supreme Court",
                }
            ]
        )
    )
    assert found["court_subpoena_offered"] is True
    assert found["federal_court_subpoena"] is False


# ------------------------------------------------------------------ whose records


def cook_subpoena(text: str, subjects: list[dict[str, str]]) -> dict[str, Any]:
    return request(
        requester=COOK_SHERIFF,
        subjects=subjects,
        legal_process=[
            {
                "kind": "court_subpoena",
                "issued_by": "Circuit Court of Cook County, Illinois",
                "signed_by": "Clerk of the Circuit Court",
                "text": "SUBPOENA DUCES TECUM\n" + text,
            }
        ],
    )


def test_a_subpoena_for_all_drivers_in_a_county_seeks_the_whole_database() -> None:
    data = cook_subpoena(
        "Produce the names and addresses of all drivers licensed in Cook County.", []
    )
    found = facts(data)
    assert found["whole_database_sought"] is True
    assert found["individual_records"] is False
    assert "all drivers" in because(data, "whole_database_sought")


def test_all_records_of_one_person_are_individual_records() -> None:
    found = facts(
        cook_subpoena(
            "Produce all records of Ana Ruiz, DOB 1990-04-12.",
            [{"name": "Ana Ruiz", "date_of_birth": "1990-04-12"}],
        )
    )
    assert found["whole_database_sought"] is False
    assert found["individual_records"] is True


@pytest.mark.parametrize(
    "purpose",
    [
        "An extract of the entire driver license database for our records system.",
        "Every licensed driver in Kings County with a Queens work address.",
        "Bulk download of registrations for our plate-reader hotlist.",
        "The registered owners of all vehicles registered in Kings County.",
    ],
)
def test_populations_are_the_whole_database(purpose: str) -> None:
    found = facts(request(requester=COOK_SHERIFF, subjects=[], purpose=purpose))
    assert found["whole_database_sought"] is True
    assert found["individual_records"] is False


def test_bulk_is_the_whole_database_even_with_a_name_and_a_database_query_is_one_persons() -> None:
    # A partner's query through the database channel asks for one person's record (an
    # Nlets DQ by licence number); only a bulk request is a whole database whatever it names.
    found = facts(request(requester=COOK_SHERIFF, bulk=True))
    assert found["whole_database_sought"] is True
    assert found["individual_records"] is False
    found = facts(request(requester=COOK_SHERIFF, channel="database"))
    assert found["whole_database_sought"] is False
    assert found["individual_records"] is True


def test_population_words_beside_a_named_person_are_that_persons_records() -> None:
    for purpose in (
        "Provide the complete driver file of Ana Ruiz.",
        "Search all records in your system for Ana Ruiz.",
        "Every applicant record for Ana Ruiz.",
    ):
        found = facts(request(requester=COOK_SHERIFF, purpose=purpose))
        assert found["whole_database_sought"] is False, purpose
        assert found["individual_records"] is True, purpose


@pytest.mark.parametrize(
    "subject",
    [{"name": "Ana Ruiz"}, {"date_of_birth": "1990-04-12"}, {"license_number": "123456789"}],
    ids=["name", "date-of-birth", "license-number"],
)
def test_a_named_subject_is_individual_records(subject: dict[str, str]) -> None:
    found = facts(request(requester=COOK_SHERIFF, subjects=[subject], purpose="Robbery case."))
    assert found["individual_records"] is True


def test_no_subject_and_no_population_is_neither() -> None:
    found = facts(request(requester=COOK_SHERIFF, subjects=[], purpose="Records check."))
    assert found["individual_records"] is False
    assert found["whole_database_sought"] is False


# ------------------------------------------------------------------ who asks, and why

CBP = {"organization": "U.S. Customs and Border Protection", "component": "OFO", "level": "federal"}


@pytest.mark.parametrize(
    ("requester", "expected"),
    [
        (ERO, True),
        (
            {
                "organization": "U.S. Immigration and Customs Enforcement",
                "component": "HSI",
                "level": "federal",
            },
            True,
        ),
        (CBP, True),
        (
            {
                "organization": "U.S. Customs and Border Protection",
                "component": "U.S. Border Patrol",
                "level": "federal",
            },
            True,
        ),
        (
            {
                "organization": "Rensselaer County Sheriff's Office",
                "component": "287(g) Task Force",
                "level": "local",
            },
            True,
        ),
        ({"organization": "U.S. Citizenship and Immigration Services", "level": "federal"}, False),
        ({"organization": "U.S. Department of Homeland Security", "level": "federal"}, False),
        ({"organization": "New York City Police Department", "level": "local"}, False),
    ],
    ids=["ero", "hsi", "ofo", "usbp", "287g", "uscis", "dhs", "nypd"],
)
def test_agencies_that_primarily_enforce_immigration_law(
    requester: dict[str, str], expected: bool
) -> None:
    assert facts(request(requester=requester))["immigration_enforcement_agency"] is expected


@pytest.mark.parametrize(
    ("purpose", "expected"),
    [
        ("Global Entry application interview.", True),
        ("NEXUS application: verify the applicant's license.", True),
        ("SENTRI enrollment.", True),
        ("Export of a vehicle to Canada: verify the registration.", True),
        ("Vehicle import from Canada: verify the title.", True),
        ("Establish the nexus between the suspect and the car.", False),
        ("Please answer fast.", False),
        ("Locate subject for removal.", False),
    ],
)
def test_trusted_traveler_or_vehicle_trade(purpose: str, expected: bool) -> None:
    found = facts(request(requester=CBP, purpose=purpose))
    assert found["trusted_traveler_or_vehicle_trade"] is expected


@pytest.mark.parametrize(
    ("signed_on", "expected"),
    [
        ("2019-12-20", True),  # New York asks no yearly renewal
        ("2025-06-10", True),  # the day of the request
        ("2025-06-11", False),  # after the request
        (None, False),
    ],
)
def test_certification_on_file(signed_on: str | None, expected: bool) -> None:
    extra: dict[str, Any] = {"channel": "database"}
    if signed_on:
        extra["certification"] = {"signed_on": signed_on}
    found = facts(request(requester=COOK_SHERIFF, **extra))
    assert found["certification_on_file"] is expected


def test_a_signer_named_only_by_court_does_not_outrank_the_documents_magistrate_title() -> None:
    signer = signer_rank(
        signed_by="Judge J. Example, United States District Court for the Eastern District of New York",
        issued_by=None,
        title="Search and Seizure Warrant",
        text="AO 93 (Rev. 11/13) ... Printed name and title: United States Magistrate Judge",
    )
    assert signer.rank == MAGISTRATE


def test_an_all_capitals_message_asking_for_a_fast_answer_is_no_trusted_traveler_case() -> None:
    found = facts(
        request(purpose="REQUEST DRIVER ADDRESS AND PHOTO FOR SUBJECT. NEED FAST RESPONSE.")
    )
    assert found["trusted_traveler_or_vehicle_trade"] is False
    found = facts(request(purpose="Renewal of the subject's FAST card at the Champlain crossing."))
    assert found["trusted_traveler_or_vehicle_trade"] is True


@pytest.mark.parametrize(
    "signed_by",
    ["J. Example, USMJ", "J. Example, U.S.M.J."],
)
def test_a_magistrate_judges_abbreviated_title_is_read(signed_by: str) -> None:
    found = signer_rank(signed_by=signed_by, issued_by="S.D.N.Y.", title=None, text=None)
    assert found.rank == MAGISTRATE


def test_a_magistrate_judges_docket_number_marks_the_warrant() -> None:
    found = signer_rank(
        signed_by=None,
        issued_by="United States District Court, Eastern District of New York",
        title="Search and Seizure Warrant",
        text="Case No. 1:25-mj-00412\nSEARCH AND SEIZURE WARRANT\n/s/ J. Example",
    )
    assert found.rank == MAGISTRATE
