"""What each legal document is: the rules of LAW.md, "judicial or administrative?".

The cases are real phrasings of the documents clerks receive (DHS forms, federal and
Colorado court process) and the near misses that must not fool the classifier.
"""

from __future__ import annotations

import json
import os
import pathlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custodiet.policy.facts.documents import (
    COURT_ISSUED,
    KINDS,
    DocumentFacts,
    classify_document,
)

SHARED = pathlib.Path(
    os.environ.get("CUSTODIET_SHARED", pathlib.Path(__file__).resolve().parents[3] / "shared")
)


def _scenario_text(name: str) -> str:
    path = SHARED / "scenarios" / name
    if not path.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"the shared scenario {name} is missing at {path.parent}")
        pytest.skip("no shared folder beside the project")
    request = json.loads(path.read_text())["request"]
    return str(request["legal_process"][0]["text"])


I200 = (
    "DEPARTMENT OF HOMELAND SECURITY\nWARRANT FOR ARREST OF ALIEN\nFile No. A123 456 789\n"
    "To: Any immigration officer authorized pursuant to sections 236 and 287 of the "
    "Immigration and Nationality Act and part 287 of title 8, Code of Federal Regulations.\n"
    "I have determined that there is probable cause to believe that JUAN DOE is removable "
    "from the United States.\n(Signature of Authorized Immigration Officer)\n"
    "Supervisory Detention and Deportation Officer\nForm I-200 (Rev. 09/16)"
)
I205_NAMING_A_DISTRICT_JUDGE = (
    "U.S. Department of Homeland Security\nWarrant of Removal/Deportation\n"
    "File No: A098 765 432\nTo any immigration officer of the United States Department of "
    "Homeland Security:\n(Full name of alien) MARIA ROE who entered the United States at "
    "El Paso, Texas on 03/02/2011 is subject to removal/deportation from the United States, "
    "based upon a final order by:\n[ ] an immigration judge in exclusion, deportation, or "
    "removal proceedings\n[ ] a designated official\n[ ] the Board of Immigration Appeals\n"
    "[X] a United States District or Magistrate Court Judge\nand pursuant to the following "
    "provisions of the Immigration and Nationality Act: section 241(a).\nI, the undersigned "
    "officer of the United States, by virtue of the power and authority vested in the "
    "Secretary of Homeland Security under the laws of the United States and by his or her "
    "direction, command you to take into custody and remove from the United States the "
    "above-named alien.\n(Signature of immigration officer)\nField Office Director\n"
    "(Title of immigration officer)\nDenver, Colorado\nForm I-205 (Rev. 08/01/07)"
)
I205_FROM_THE_DISTRICT_COURT_OF_COLORADO = (
    "U.S. DEPARTMENT OF HOMELAND SECURITY\nWARRANT OF REMOVAL/DEPORTATION\n"
    "based upon a final order by the United States District Court for the District of "
    "Colorado, Hon. R. Brooke Jackson, United States District Judge.\n"
    "/s/ J. Ortega, Deportation Officer\nForm I-205"
)
I247A = (
    "DEPARTMENT OF HOMELAND SECURITY\nIMMIGRATION DETAINER - NOTICE OF ACTION\n"
    "Subject ID: 123456789 Event #: DEN1234567\nTO: Denver County Jail\n"
    "FROM: ICE ERO Denver Field Office\nDHS HAS DETERMINED THAT PROBABLE CAUSE EXISTS THAT "
    "THE SUBJECT IS A REMOVABLE ALIEN. IT IS THEREFORE REQUESTED THAT YOU: Notify DHS as "
    "early as practicable ... Maintain custody of the alien for a period NOT TO EXCEED 48 "
    "HOURS beyond the time when he/she would otherwise have been released.\n"
    "(Signature of Authorized Immigration Officer)\nForm I-247A (3/17)"
)
I203 = (
    "U.S. Department of Homeland Security\nOrder to Detain or Release Alien\n"
    "To: Warden, Aurora Contract Detention Facility\nYou are ordered to accept custody of "
    "the above-named alien pending proceedings.\nAssistant Field Office Director\nForm I-203"
)
UNSIGNED_ICE_SUBPOENA_IN_A_TRAFFICKING_CASE = (
    "U.S. Department of Homeland Security\nU.S. Immigration and Customs Enforcement\n"
    "IMMIGRATION ENFORCEMENT SUBPOENA\nTo: Colorado Department of Revenue, Division of "
    "Motor Vehicles\nBy the authority of 8 U.S.C. 1225(d) and 8 C.F.R. 287.4 you are "
    "hereby commanded to produce the records listed below in connection with an "
    "investigation of human trafficking, a criminal investigation being conducted by "
    "Homeland Security Investigations.\nRecords: current address and photograph of the "
    "subject.\nIssuing official: ____________ (unsigned)"
)
CFR_SUBPOENA_WITHOUT_A_FORM_NUMBER = (
    "SUBPOENA\nIssued pursuant to 8 CFR § 287.4\nYou are commanded to appear and produce "
    "the driver license file of the person named below."
)
CUSTOMS_SUMMONS = (
    "DEPARTMENT OF HOMELAND SECURITY\nU.S. Customs and Border Protection\nSUMMONS\n"
    "Issued under the authority of 19 U.S.C. § 1509\nYou are hereby summoned to produce "
    "the vehicle registration records for the importer named below."
)
IMMIGRATION_JUDGE_ORDER_OF_REMOVAL = (
    "UNITED STATES DEPARTMENT OF JUSTICE\nEXECUTIVE OFFICE FOR IMMIGRATION REVIEW\n"
    "IMMIGRATION COURT\n1961 Stout Street, Denver, Colorado\nIn the Matter of: JUAN DOE, "
    "Respondent. In Removal Proceedings.\nORDER OF THE IMMIGRATION JUDGE\nRespondent is "
    "ordered removed from the United States to Mexico.\n/s/ Hon. Jane Smith, Immigration "
    "Judge"
)
IMMIGRATION_JUDGE_WARRANT = (
    "Executive Office for Immigration Review\nWARRANT FOR THE ARREST OF RESPONDENT\n"
    "The respondent failed to appear; any officer of the Department of Homeland Security "
    "is directed to take the respondent into custody.\nHon. Jane Smith\nImmigration Judge"
)
NOTICE_TO_APPEAR = (
    "U.S. DEPARTMENT OF HOMELAND SECURITY\nNOTICE TO APPEAR\nIn removal proceedings under "
    "section 240 of the Immigration and Nationality Act\nYou are ordered to appear before an "
    "immigration judge of the United States Department of Justice at 1961 Stout Street, "
    "Denver, Colorado.\nForm I-862 (Rev. 08/01/07)"
)
FEDERAL_SEARCH_WARRANT = (  # the text of scenario 04
    "UNITED STATES DISTRICT COURT\nfor the\nDistrict of Colorado\nIn the Matter of the Search "
    "of records held by the Colorado Division of Motor Vehicles\nSEARCH AND SEIZURE WARRANT\n"
    "To: Any authorized law enforcement officer\nYOU ARE COMMANDED to execute this warrant on "
    "or before June 1, 2022.\n/s/ Hon. Maria Castillo, United States Magistrate Judge"
)
FEDERAL_WARRANT_ON_AN_HSI_APPLICATION = (
    "UNITED STATES DISTRICT COURT\nfor the\nDistrict of Colorado\nIn the Matter of the Search "
    "of Information Associated with the Colorado Driver License of JOHN ROE\nCase No. "
    "22-sw-00417-KLM\nSEARCH AND SEIZURE WARRANT\nTo: Any authorized law enforcement officer\n"
    "An application by a federal law enforcement officer, Special Agent Dana Whitfield, "
    "Homeland Security Investigations (HSI), requests the search of the following "
    "property located in the District of Colorado.\nI find that the affidavit establishes "
    "probable cause to search and seize the property.\nDate and time issued: 05/18/2022 "
    "10:15 am\n/s/ Kristen L. Mix\nJudge's signature\nKristen L. Mix, United States Magistrate "
    "Judge\nPrinted name and title\nAO 93 (Rev. 11/13) Search and Seizure Warrant"
)
FEDERAL_ARREST_WARRANT_FOR_REENTRY = (
    "UNITED STATES DISTRICT COURT for the District of Colorado\nUnited States of America v. "
    "Pedro Alvarez\nARREST WARRANT\nTo: Any authorized law enforcement officer\nYOU ARE "
    "COMMANDED to arrest and bring before a United States magistrate judge without "
    "unnecessary delay Pedro Alvarez, who is accused of an offense based on the following "
    "document filed with the court: Complaint, sworn to by Deportation Officer Lee Chang, "
    "ICE ERO. This offense is briefly described as follows: illegal reentry after removal, "
    "8 U.S.C. 1326.\n/s/ Michael E. Hegarty, United States Magistrate Judge\n"
    "AO 442 (Rev. 11/11) Arrest Warrant"
)
# Court papers as their text shows them unsigned (the printed title under a signature
# line, a clerk's printed block): of a court's kind, not court-issued (contract 1.1). The
# signed versions below add the signature.
DENVER_DISTRICT_COURT_SEARCH_WARRANT_UNSIGNED = (
    "DISTRICT COURT, CITY AND COUNTY OF DENVER, COLORADO\n1437 Bannock Street, Denver, CO "
    "80202\nTHE PEOPLE OF THE STATE OF COLORADO\nSEARCH WARRANT\nThe Affidavit of Detective "
    "K. Lin of the Denver Police Department having been sworn to before me, I am satisfied "
    "that there is probable cause to believe the records described are held by the "
    "Colorado Division of Motor Vehicles.\nYOU ARE THEREFORE COMMANDED to search for and "
    "seize the records described.\nBY THE COURT:\nDistrict Court Judge"
)
DENVER_DISTRICT_COURT_SEARCH_WARRANT = DENVER_DISTRICT_COURT_SEARCH_WARRANT_UNSIGNED.replace(
    "BY THE COURT:\n", "BY THE COURT:\n/s/ Teresa Alvarez\n"
)
DENVER_COUNTY_COURT_ORDER = (
    "DENVER COUNTY COURT\nCity and County of Denver, Colorado\nPeople v. Marcus Green, Case "
    "No. 22M01234\nORDER FOR PRODUCTION OF RECORDS\nThe Court, having reviewed the motion, "
    "ORDERS the Colorado Department of Revenue to produce the certified driving record of "
    "the defendant.\nBY THE COURT: Hon. Angela Ruiz, County Court Judge"
)
ARAPAHOE_SUBPOENA_DUCES_TECUM_UNSIGNED = (
    "DISTRICT COURT, ARAPAHOE COUNTY, COLORADO\nCourt Address: 7325 S. Potomac St., "
    "Centennial, CO 80112\nPlaintiff: Jane Doe v. Defendant: Richard Roe\nCase Number: "
    "2022CV30123\nSUBPOENA DUCES TECUM\nTO: Custodian of Records, Colorado Division of "
    "Motor Vehicles\nYou are ordered to produce the documents described below.\n"
    "Clerk of the District Court\nBy: Deputy Clerk\nJDF 80"
)
ARAPAHOE_SUBPOENA_DUCES_TECUM = ARAPAHOE_SUBPOENA_DUCES_TECUM_UNSIGNED.replace(
    "By: Deputy Clerk", "By: /s/ M. Ortiz, Deputy Clerk"
)
FEDERAL_GRAND_JURY_SUBPOENA = (
    "UNITED STATES DISTRICT COURT\nfor the District of Colorado\nSUBPOENA TO TESTIFY BEFORE "
    "A GRAND JURY\nTo: Custodian of Records, Colorado Department of Revenue\nYOU ARE "
    "COMMANDED to appear in this United States district court at the time, date, and place "
    "shown below to testify before the court's grand jury. You must also bring with you the "
    "following documents: driver license application of the person named.\n"
    "CLERK OF COURT\n/s/ Deputy Clerk\nAO 110 (Rev. 06/09)"
)
COLORADO_STATEWIDE_GRAND_JURY_SUBPOENA_UNSIGNED = (
    "DISTRICT COURT, CITY AND COUNTY OF DENVER, COLORADO\nCOLORADO STATE GRAND JURY\n"
    "2022-2023 Statewide Grand Jury\nSUBPOENA TO PRODUCE DOCUMENTS\nYou are commanded to "
    "produce the title and registration records described below."
)
COLORADO_STATEWIDE_GRAND_JURY_SUBPOENA = (
    COLORADO_STATEWIDE_GRAND_JURY_SUBPOENA_UNSIGNED
    + "\nClerk of the District Court\n/s/ R. Baca, Deputy Clerk"
)
STORED_RECORDS_ORDER_UNSIGNED = (
    "UNITED STATES DISTRICT COURT FOR THE DISTRICT OF COLORADO\nIN THE MATTER OF THE "
    "APPLICATION OF THE UNITED STATES FOR AN ORDER PURSUANT TO 18 U.S.C. 2703(d)\n"
    "ORDER\nThe Court finds that the applicant has offered specific and articulable facts.\n"
    "IT IS ORDERED that the Colorado Division of Motor Vehicles disclose the records.\n"
    "United States Magistrate Judge"
)
STORED_RECORDS_ORDER = STORED_RECORDS_ORDER_UNSIGNED.replace(
    "records.\nUnited", "records.\n/s/ N. Reid Neureiter\nUnited"
)
LETTER_FROM_ERO = (
    "U.S. Immigration and Customs Enforcement\nEnforcement and Removal Operations\n"
    "Denver Field Office\nRequest for information: please provide the current residential "
    "address on file for the person named below."
)


# --- The scenarios ---------------------------------------------------------------------


def test_scenario_03_text_is_an_administrative_warrant_inferred_from_form_i200() -> None:
    facts = classify_document(text=_scenario_text("03-ice-i200-inferred.json"))
    assert facts.kind == "administrative_warrant"
    assert facts.inferred is True
    assert facts.court_issued is False
    assert facts.immigration is True
    assert facts.ambiguous is False
    assert "form I-200" in facts.signals
    assert facts.because.startswith("Form I-200 is a Warrant for Arrest of Alien")
    assert "not court-issued process" in facts.because


def test_scenario_04_text_is_a_judicial_warrant_signed_by_a_magistrate_judge() -> None:
    facts = classify_document(text=_scenario_text("04-ice-judicial-warrant.json"))
    assert facts.kind == "judicial_warrant"
    assert facts.court_issued is True
    assert facts.ambiguous is False
    assert facts.because == (
        "It names the United States District Court for the District of Colorado and is "
        "signed by a United States Magistrate Judge: a judicial warrant."
    )


# --- DHS forms in every spelling ---------------------------------------------------------

FORM_SPELLINGS = [
    ("I-200", "administrative_warrant"),
    ("Form I-200", "administrative_warrant"),
    ("I-200 (Rev. 09/16)", "administrative_warrant"),
    ("I200", "administrative_warrant"),
    ("I 200", "administrative_warrant"),
    ("i-200", "administrative_warrant"),
    ("DHS Form I‑200", "administrative_warrant"),  # non-breaking hyphen
    ("Form I–200", "administrative_warrant"),  # en dash
    ("I-205", "administrative_warrant"),
    ("Form I-205 (Rev. 08/01/07)", "administrative_warrant"),
    ("I205", "administrative_warrant"),
    ("I-247", "detainer"),
    ("I-247A", "detainer"),
    ("Form I-247A", "detainer"),
    ("I-247 A", "detainer"),
    ("I247A", "detainer"),
    ("I-247D", "detainer"),
    ("I-247N", "detainer"),
    ("I-247X", "detainer"),
    ("I-203", "detainer"),
    ("I-138", "administrative_subpoena"),
    ("Form I-138", "administrative_subpoena"),
    ("I-862", "other"),
    ("I-860", "other"),
]


@pytest.mark.parametrize(("form", "kind"), FORM_SPELLINGS)
def test_a_dhs_form_number_says_what_the_document_is(form: str, kind: str) -> None:
    facts = classify_document(form=form)
    assert facts.kind == kind
    assert facts.court_issued is False
    assert facts.immigration is True
    assert facts.ambiguous is False
    assert facts.inferred is True


@pytest.mark.parametrize(
    "form",
    ["I-20", "Form I-20 (student)", "I-2000", "I-2005", "I-20A", "AI-200", "I-9", "I-94", "I-130"],
)
def test_numbers_that_only_look_like_dhs_warrant_forms_are_not_them(form: str) -> None:
    facts = classify_document(form=form)
    assert facts.kind == "other"
    assert facts.immigration is False
    assert not any(signal.startswith("form I-") for signal in facts.signals)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (I200, "administrative_warrant"),
        (I205_NAMING_A_DISTRICT_JUDGE, "administrative_warrant"),
        (I247A, "detainer"),
        (I203, "detainer"),
        (NOTICE_TO_APPEAR, "other"),
    ],
)
def test_dhs_form_texts_are_administrative_immigration_process(text: str, kind: str) -> None:
    facts = classify_document(text=text)
    assert facts.kind == kind
    assert facts.court_issued is False
    assert facts.immigration is True
    assert facts.ambiguous is False


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("Warrant for Arrest of Alien", "administrative_warrant"),
        ("WARRANT FOR THE ARREST OF AN ALIEN", "administrative_warrant"),
        ("Warrant of Removal/Deportation", "administrative_warrant"),
        ("Immigration Detainer - Notice of Action", "detainer"),
        ("Immigration Detainer – Request for Voluntary Action", "detainer"),
        ("Request for Voluntary Transfer", "detainer"),
        ("Order to Detain or Release Alien", "detainer"),
        ("Immigration Enforcement Subpoena", "administrative_subpoena"),
    ],
)
def test_a_dhs_forms_own_title_identifies_it_without_the_number(title: str, kind: str) -> None:
    facts = classify_document(title=title)
    assert facts.kind == kind
    assert facts.court_issued is False
    assert facts.immigration is True


def test_the_form_title_on_the_page_picks_the_documents_own_form_among_those_it_cites() -> None:
    text = "IMMIGRATION DETAINER - NOTICE OF ACTION\nA signed Form I-200 is attached.\nI-247A"
    assert classify_document(text=text).kind == "detainer"


# --- The traps ---------------------------------------------------------------------------


def test_i205_naming_a_district_judge_is_still_administrative() -> None:
    facts = classify_document(text=I205_NAMING_A_DISTRICT_JUDGE)
    assert facts.kind == "administrative_warrant"
    assert facts.court_issued is False
    assert "does not make it court-issued" in facts.because


def test_i205_naming_the_district_court_and_judge_who_ordered_removal_is_still_administrative() -> (
    None
):
    facts = classify_document(text=I205_FROM_THE_DISTRICT_COURT_OF_COLORADO)
    assert facts.kind == "administrative_warrant"
    assert facts.court_issued is False


def test_i205_described_in_fields_with_a_judge_in_the_text_is_still_administrative() -> None:
    facts = classify_document(
        form="I-205",
        signed_by="Deportation Officer J. Ortega",
        text="Removal ordered by a United States District Judge, District of Colorado.",
    )
    assert facts.kind == "administrative_warrant"
    assert facts.court_issued is False


def test_a_stated_judicial_warrant_whose_form_is_i200_is_treated_as_an_administrative_warrant() -> (
    None
):
    facts = classify_document(kind="judicial_warrant", form="I-200")
    assert facts.kind == "administrative_warrant"
    assert facts.inferred is True
    assert facts.stated_kind == "judicial_warrant"
    assert facts.court_issued is False
    assert facts.because.startswith("Stated as a judicial warrant, but Form I-200")
    assert "treated as an administrative warrant" in facts.because


def test_a_stated_judicial_warrant_whose_text_is_an_i200_is_treated_as_an_administrative_warrant() -> (
    None
):
    facts = classify_document(kind="judicial_warrant", text=I200)
    assert (facts.kind, facts.inferred, facts.stated_kind) == (
        "administrative_warrant",
        True,
        "judicial_warrant",
    )


@pytest.mark.parametrize("stated", ["court_order", "court_subpoena", "grand_jury_subpoena"])
def test_any_stated_court_kind_on_a_dhs_form_is_overruled(stated: str) -> None:
    facts = classify_document(kind=stated, title="Warrant for Arrest of Alien", form="I-200")
    assert facts.kind == "administrative_warrant"
    assert facts.inferred is True


def test_a_stated_administrative_kind_on_a_courts_signed_warrant_is_treated_as_the_court_document() -> (
    None
):
    facts = classify_document(kind="administrative_warrant", text=FEDERAL_SEARCH_WARRANT)
    assert facts.kind == "judicial_warrant"
    assert facts.inferred is True
    assert facts.court_issued is True
    assert facts.stated_kind == "administrative_warrant"
    assert facts.because.startswith("Stated as an administrative warrant, but it names the United")


def test_a_stated_detainer_whose_form_is_an_i200_is_an_administrative_warrant() -> None:
    facts = classify_document(kind="detainer", form="Form I-200")
    assert facts.kind == "administrative_warrant"
    assert facts.inferred is True


def test_an_unsigned_ice_subpoena_claiming_a_trafficking_investigation_is_administrative() -> None:
    facts = classify_document(text=UNSIGNED_ICE_SUBPOENA_IN_A_TRAFFICKING_CASE)
    assert facts.kind == "administrative_subpoena"
    assert facts.court_issued is False
    assert facts.immigration is True
    assert "criminal investigation does not make it court-issued" in facts.because


def test_an_ice_subpoena_stated_as_a_court_subpoena_is_overruled() -> None:
    facts = classify_document(
        kind="court_subpoena", text=UNSIGNED_ICE_SUBPOENA_IN_A_TRAFFICKING_CASE
    )
    assert facts.kind == "administrative_subpoena"
    assert facts.inferred is True


def test_a_subpoena_under_8_cfr_287_4_is_administrative_without_a_form_number() -> None:
    facts = classify_document(text=CFR_SUBPOENA_WITHOUT_A_FORM_NUMBER)
    assert facts.kind == "administrative_subpoena"
    assert facts.immigration is True
    assert "8 CFR 287.4" in facts.because


@pytest.mark.parametrize(
    "citation",
    ["8 U.S.C. 1225(d)", "8 USC § 1225(d)", "8 U.S.C. Sec. 1225 (d)", "section 235(d) of the INA"],
)
def test_the_immigration_subpoena_power_is_cited_in_many_spellings(citation: str) -> None:
    facts = classify_document(text=f"SUBPOENA issued under {citation} for driver records.")
    assert facts.kind == "administrative_subpoena"


def test_a_customs_summons_under_19_usc_1509_is_administrative_but_not_immigration_process() -> (
    None
):
    # Contract 1.1: a customs summons is administrative, not immigration process, although
    # DHS (CBP, HSI) issues it; whether the request is immigration-related then follows
    # the requester and the purpose.
    facts = classify_document(text=CUSTOMS_SUMMONS)
    assert facts.kind == "administrative_subpoena"
    assert facts.court_issued is False
    assert facts.immigration is False


def test_a_summons_that_also_cites_immigration_law_is_immigration_process() -> None:
    facts = classify_document(text=CUSTOMS_SUMMONS + "\nIssued under 8 U.S.C. 1225(d).")
    assert (facts.kind, facts.immigration) == ("administrative_subpoena", True)


# --- Immigration judges and immigration courts --------------------------------------------


def test_an_immigration_judges_order_of_removal_is_other_immigration_process() -> None:
    facts = classify_document(text=IMMIGRATION_JUDGE_ORDER_OF_REMOVAL)
    assert facts.kind == "other"
    assert facts.immigration is True
    assert facts.ambiguous is False
    assert facts.court_issued is False
    assert "Executive Office for Immigration Review" in facts.because


def test_a_notice_to_appear_before_an_immigration_judge_comes_from_dhs_not_the_judge() -> None:
    text = NOTICE_TO_APPEAR.replace("Form I-862 (Rev. 08/01/07)", "")
    facts = classify_document(text=text)
    assert (facts.kind, facts.immigration, facts.ambiguous) == ("other", True, False)
    assert facts.because.startswith("It names the Department of Homeland Security")


def test_a_warrant_signed_by_an_immigration_judge_is_an_administrative_warrant() -> None:
    facts = classify_document(text=IMMIGRATION_JUDGE_WARRANT)
    assert facts.kind == "administrative_warrant"
    assert facts.court_issued is False


def test_an_immigration_judge_in_the_signer_field_is_not_a_court() -> None:
    facts = classify_document(title="Warrant", signed_by="Hon. Jane Smith, Immigration Judge")
    assert facts.kind == "administrative_warrant"
    assert facts.court_issued is False


def test_an_immigration_court_as_issuer_is_not_a_court() -> None:
    facts = classify_document(title="Order of Removal", issued_by="Denver Immigration Court")
    assert facts.kind == "other"
    assert facts.immigration is True
    assert facts.court_issued is False


def test_a_stated_judicial_warrant_signed_by_an_immigration_judge_is_overruled() -> None:
    facts = classify_document(
        kind="judicial_warrant", signed_by="Immigration Judge R. Patel", title="Warrant"
    )
    assert facts.kind == "administrative_warrant"
    assert facts.inferred is True


# --- Court-issued process ----------------------------------------------------------------

COURT_DOCUMENTS = [
    (FEDERAL_SEARCH_WARRANT, "judicial_warrant"),
    (FEDERAL_WARRANT_ON_AN_HSI_APPLICATION, "judicial_warrant"),
    (FEDERAL_ARREST_WARRANT_FOR_REENTRY, "judicial_warrant"),
    (DENVER_DISTRICT_COURT_SEARCH_WARRANT, "judicial_warrant"),
    (DENVER_COUNTY_COURT_ORDER, "court_order"),
    (ARAPAHOE_SUBPOENA_DUCES_TECUM, "court_subpoena"),
    (FEDERAL_GRAND_JURY_SUBPOENA, "grand_jury_subpoena"),
    (COLORADO_STATEWIDE_GRAND_JURY_SUBPOENA, "grand_jury_subpoena"),
    (STORED_RECORDS_ORDER, "court_order"),
]


@pytest.mark.parametrize(("text", "kind"), COURT_DOCUMENTS)
def test_federal_and_colorado_court_process_is_court_issued(text: str, kind: str) -> None:
    facts = classify_document(text=text)
    assert facts.kind == kind
    assert facts.court_issued is True
    assert facts.ambiguous is False


def test_a_courts_warrant_on_an_hsi_agents_application_is_judicial_but_immigration_related() -> (
    None
):
    facts = classify_document(text=FEDERAL_WARRANT_ON_AN_HSI_APPLICATION)
    assert facts.kind == "judicial_warrant"
    assert facts.immigration is True
    assert "does not make it administrative" in facts.because


def test_a_reentry_arrest_warrant_sworn_by_a_deportation_officer_is_judicial() -> None:
    facts = classify_document(text=FEDERAL_ARREST_WARRANT_FOR_REENTRY)
    assert facts.kind == "judicial_warrant"
    assert facts.court_issued is True


# --- A court's paper that no judge signed (contract 1.1) ------------------------------------

ARAPAHOE_ORDER_CAPTION = (
    "DISTRICT COURT, ARAPAHOE COUNTY, COLORADO. Case No. 24CV31877. ORDER GRANTING MOTION "
    "FOR ALTERNATIVE SERVICE. The Colorado Department of Revenue shall provide the last known "
    "residential address of the defendant to counsel for plaintiff."
)

# (document, kind it is read as, what the explanation says is missing)
UNSIGNED_COURT_PAPERS = [
    (
        {"text": ARAPAHOE_ORDER_CAPTION + " BY THE COURT: ______________ District Court Judge"},
        "court_order",
        "signature line is blank",
    ),
    (
        {
            "title": "ORDER GRANTING MOTION FOR ALTERNATIVE SERVICE",
            "issued_by": "District Court, Arapahoe County, Colorado",
            "text": ARAPAHOE_ORDER_CAPTION + " BY THE COURT:\n____________\nDistrict Court Judge",
        },
        "court_order",
        "signature line is blank",
    ),
    (
        {"text": "DISTRICT COURT, DENVER COUNTY\nSEARCH WARRANT\nHon. ____________, Judge"},
        "judicial_warrant",
        "signature line is blank",
    ),
    (
        {"text": "UNITED STATES DISTRICT COURT\nORDER\nSigned: _______________\nU.S. Magistrate"},
        "court_order",
        "signature line is blank",
    ),
    (
        {
            "title": "[PROPOSED] ORDER FOR PRODUCTION OF RECORDS",
            "text": "DISTRICT COURT, EL PASO COUNTY, COLORADO\n[PROPOSED] ORDER\nThe DMV shall "
            "produce the driving record.\nRespectfully submitted, /s/ L. Marsh, Esq., "
            "Attorney for Plaintiff",
        },
        "court_order",
        "marked as proposed",
    ),
    (
        {"text": "DENVER COUNTY COURT\nPROPOSED ORDER\nBY THE COURT:\nCounty Court Judge"},
        "court_order",
        "marked as proposed",
    ),
    (
        {"text": "DISTRICT COURT, WELD COUNTY\nORDER\n(unsigned)\nDistrict Court Judge"},
        "court_order",
        "not signed",
    ),
    (
        {"text": ARAPAHOE_ORDER_CAPTION},
        "court_order",
        "a printed caption or title is not a court's signature",
    ),
    (
        {"text": DENVER_DISTRICT_COURT_SEARCH_WARRANT_UNSIGNED},
        "judicial_warrant",
        "printed caption or title",
    ),
    ({"text": STORED_RECORDS_ORDER_UNSIGNED}, "court_order", "printed caption or title"),
    (
        {"text": ARAPAHOE_SUBPOENA_DUCES_TECUM_UNSIGNED},
        "court_subpoena",
        "printed caption or title",
    ),
    (
        {"text": COLORADO_STATEWIDE_GRAND_JURY_SUBPOENA_UNSIGNED},
        "grand_jury_subpoena",
        "printed caption or title",
    ),
    (
        {
            "title": "Order to Produce Records",
            "issued_by": "District Court, City and County of Denver",
            "signed_by": "Sheriff Elias Diggins",
        },
        "court_order",
        "an executive officer",
    ),
    (
        {
            "title": "Order",
            "issued_by": "District Court, Adams County",
            "signed_by": "Chief Deputy District Attorney R. Lee",
        },
        "court_order",
        "an executive officer",
    ),
    (
        {"text": "DISTRICT COURT, PUEBLO COUNTY\nORDER\n/s/ Det. K. Lin, Pueblo Police Department"},
        "court_order",
        "an executive officer",
    ),
    (
        {
            "title": "Search Warrant",
            "issued_by": "Denver District Court",
            "signed_by": "L. Marsh, Esq.",
        },
        "judicial_warrant",
        "an attorney",
    ),
    (
        {"text": "DISTRICT COURT, DENVER COUNTY\nORDER\nCLERK OF COURT\n/s/ Deputy Clerk"},
        "court_order",
        "signed by a clerk",
    ),
    (
        {"kind": "court_order", "text": ARAPAHOE_ORDER_CAPTION + " BY THE COURT: ____ Judge"},
        "court_order",
        "signature line is blank",
    ),
]


@pytest.mark.parametrize(("document", "kind", "missing"), UNSIGNED_COURT_PAPERS)
def test_a_court_paper_no_judge_signed_is_not_court_issued_and_says_what_is_missing(
    document: dict[str, str], kind: str, missing: str
) -> None:
    facts = classify_document(**document)
    assert facts.kind == kind
    assert facts.court_issued is False
    assert facts.unsigned is True
    assert facts.ambiguous is False
    assert missing in facts.because
    assert "not court-issued process" in facts.because


def test_scenario_15_text_is_an_unsigned_court_order() -> None:
    facts = classify_document(text=_scenario_text("15-unsigned-court-order.json"))
    assert (facts.kind, facts.court_issued, facts.unsigned) == ("court_order", False, True)
    assert "blank signature line" in facts.signals


SIGNED_COURT_PAPERS = [
    {"text": ARAPAHOE_ORDER_CAPTION + " BY THE COURT: /s/ Hon. Dana Reyes, District Court Judge"},
    {"text": ARAPAHOE_ORDER_CAPTION + " BY THE COURT:\nDana Reyes\nDistrict Court Judge"},
    {"text": ARAPAHOE_ORDER_CAPTION + " s/ Dana Reyes, District Court Judge"},
    {"text": ARAPAHOE_ORDER_CAPTION + " Electronically signed by Hon. Dana Reyes"},
    {"text": ARAPAHOE_ORDER_CAPTION, "signed_by": "Hon. Dana Reyes, District Court Judge"},
    {"text": "DISTRICT COURT, DENVER COUNTY\nSUBPOENA\nCLERK OF COURT\n/s/ Deputy Clerk"},
    # A blank form field elsewhere is not the signature line.
    {"text": ARAPAHOE_ORDER_CAPTION + " Date: __________ /s/ Hon. Dana Reyes, Judge"},
    {"title": "Order", "issued_by": "District Court, Adams County", "signed_by": "Dana Reyes"},
]


@pytest.mark.parametrize("document", SIGNED_COURT_PAPERS)
def test_a_court_paper_a_judge_signed_stays_court_issued(document: dict[str, str]) -> None:
    facts = classify_document(**document)
    assert facts.kind in COURT_ISSUED
    assert facts.court_issued is True
    assert facts.unsigned is False


def test_a_proposed_order_that_also_bears_a_judges_signature_goes_to_counsel() -> None:
    facts = classify_document(
        text="DISTRICT COURT, DENVER COUNTY\n[PROPOSED] ORDER\nThe DMV shall produce the "
        "record.\nBY THE COURT: /s/ Hon. Dana Reyes, District Court Judge"
    )
    assert facts.kind == "court_order"
    assert (facts.court_issued, facts.ambiguous) == (False, True)
    assert "counsel should read it" in facts.because


def test_a_judges_name_in_the_signer_field_against_a_blank_line_goes_to_counsel() -> None:
    facts = classify_document(
        text=ARAPAHOE_ORDER_CAPTION + " BY THE COURT: __________ District Court Judge",
        signed_by="Hon. Dana Reyes",
    )
    assert (facts.court_issued, facts.ambiguous) == (False, True)
    assert "signature line is blank" in facts.because


def test_before_the_honorable_names_the_judge_who_hears_the_case_not_a_signature() -> None:
    facts = classify_document(
        text="DISTRICT COURT, DENVER COUNTY\nBefore the Honorable Dana Reyes\nORDER\n"
        "The DMV shall produce the record."
    )
    assert facts.court_issued is False
    assert facts.unsigned is True


def test_a_court_paper_described_only_by_its_fields_is_taken_as_the_requester_describes_it() -> (
    None
):
    # Nothing shows a signature or its absence: no text and no signer were given.
    facts = classify_document(title="Order", issued_by="District Court, City and County of Denver")
    assert facts.court_issued is True
    assert "no judge's or clerk's signature was recognised" in facts.because


@pytest.mark.parametrize(
    ("document", "kind"),
    [
        (
            {
                "title": "Search Warrant",
                "issued_by": "Denver District Court",
                "signed_by": "Judge A. Smith",
            },
            "judicial_warrant",
        ),
        (
            {
                "title": "Arrest Warrant",
                "issued_by": "U.S. District Court for the District of Colorado",
            },
            "judicial_warrant",
        ),
        (
            {"title": "Subpoena Duces Tecum", "issued_by": "Superior Court of California"},
            "court_subpoena",
        ),
        (
            {"title": "Grand Jury Subpoena", "issued_by": "United States District Court"},
            "grand_jury_subpoena",
        ),
        (
            {"title": "Order", "signed_by": "Hon. Maria Castillo, United States Magistrate Judge"},
            "court_order",
        ),
        ({"issued_by": "Colorado Court of Appeals"}, "court_order"),
        ({"issued_by": "Supreme Court of Colorado", "title": "Mandate"}, "court_order"),
        ({"issued_by": "Aurora Municipal Court", "title": "Bench Warrant"}, "judicial_warrant"),
        ({"issued_by": "Circuit Court of Cook County", "title": "Order to Produce"}, "court_order"),
        ({"issued_by": "Justice Court, Clark County", "title": "Subpoena"}, "court_subpoena"),
        ({"form": "AO 93", "signed_by": "United States Magistrate Judge"}, "judicial_warrant"),
        ({"form": "AO 110", "issued_by": "U.S. District Court"}, "grand_jury_subpoena"),
        ({"signed_by": "District Judge Elena Park", "text": "It is so ORDERED."}, "court_order"),
    ],
)
def test_court_process_described_in_fields_is_court_issued(
    document: dict[str, str], kind: str
) -> None:
    facts = classify_document(**document)
    assert facts.kind == kind
    assert facts.court_issued is True


def test_within_a_court_the_heading_word_picks_the_kind_not_a_later_mention() -> None:
    text = (
        "DISTRICT COURT, EL PASO COUNTY, COLORADO\nORDER ON MOTION TO QUASH SUBPOENA\n"
        "The motion is denied.\nBY THE COURT: District Court Judge"
    )
    assert classify_document(text=text).kind == "court_order"


def test_a_court_document_with_no_kind_word_is_a_court_order() -> None:
    facts = classify_document(
        issued_by="District Court, City and County of Denver", signed_by="Judge K. Ito"
    )
    assert facts.kind == "court_order"
    assert facts.court_issued is True


def test_in_order_to_is_english_not_a_court_order() -> None:
    text = (
        "UNITED STATES DISTRICT COURT\nIn order to locate the witness, this SUBPOENA issues.\nJudge"
    )
    assert classify_document(text=text).kind == "court_subpoena"


def test_a_court_named_without_a_signature_is_taken_as_court_process_but_said_so() -> None:
    facts = classify_document(text="SUPERIOR COURT OF ARIZONA, MARICOPA COUNTY\nSEARCH WARRANT")
    assert facts.kind == "judicial_warrant"
    assert "no judge's or clerk's signature" in facts.because


HABEAS_ORDER_QUOTING_DHS_PAPERS = (
    "UNITED STATES DISTRICT COURT FOR THE DISTRICT OF COLORADO\nJUAN DOE, Petitioner, v. U.S. "
    "IMMIGRATION AND CUSTOMS ENFORCEMENT, Respondent.\nORDER GRANTING WRIT OF HABEAS CORPUS\n"
    "Petitioner's removal proceedings before the Aurora Immigration Court are pending; the "
    "immigration judge ordered bond. The ICE detainer and the warrant of removal are vacated. "
    "The warrant bore only the signature of an immigration officer.\nBY THE COURT:\n"
    "/s/ Gordon P. Gallagher, United States District Judge"
)


def test_a_courts_order_quoting_dhs_papers_and_an_immigration_judge_is_still_a_court_order() -> (
    None
):
    facts = classify_document(text=HABEAS_ORDER_QUOTING_DHS_PAPERS)
    assert facts.kind == "court_order"
    assert facts.court_issued is True
    assert facts.immigration is True


def test_a_colorado_order_signed_by_the_court_is_court_issued() -> None:
    text = "DISTRICT COURT, DENVER COUNTY\nORDER\nBY THE COURT:\nJane Roe"
    facts = classify_document(text=text)
    assert (facts.kind, facts.court_issued) == ("court_order", True)
    assert '"By the Court"' in facts.because


def test_a_colorado_magistrate_signs_for_a_court() -> None:
    facts = classify_document(
        signed_by="Magistrate Laura Dunn", issued_by="District Court, Adams County", title="Order"
    )
    assert (facts.kind, facts.court_issued) == ("court_order", True)


def test_a_dhs_title_heading_the_text_decides_even_when_a_court_and_judge_are_named() -> None:
    text = (
        "WARRANT OF REMOVAL/DEPORTATION\nbased on an order of the United States District Court, "
        "signed by U.S. District Judge Smith.\nField Office Director"
    )
    facts = classify_document(text=text)
    assert facts.kind == "administrative_warrant"
    assert "Naming a U.S. District Judge does not make it court-issued." in facts.because


def test_a_court_caption_over_an_officers_own_signature_is_not_court_issued() -> None:
    # Contract 1.1: a signer who is an executive officer is not a court's signature.
    text = "DISTRICT COURT, WELD COUNTY\nSEARCH WARRANT\nSigned: Deportation Officer A. Bell"
    facts = classify_document(text=text)
    assert (facts.court_issued, facts.immigration, facts.ambiguous) == (False, True, False)
    assert "deportation officer" in facts.because


def test_the_same_caption_with_a_judges_signature_beside_the_officer_is_for_counsel() -> None:
    text = (
        "DISTRICT COURT, WELD COUNTY\nSEARCH WARRANT\nSigned: Deportation Officer A. Bell\n"
        "Approved: /s/ Hon. R. Ortiz, District Court Judge"
    )
    assert classify_document(text=text).court_issued is True


def test_a_subpoena_signed_by_a_non_immigration_special_agent_is_administrative() -> None:
    facts = classify_document(title="Subpoena", signed_by="Special Agent K. Moss")
    assert facts.kind == "administrative_subpoena"
    assert facts.immigration is False


# --- Stated kinds ------------------------------------------------------------------------


def test_a_stated_kind_with_no_document_details_is_kept() -> None:
    facts = classify_document(kind="judicial_warrant")
    assert facts.kind == "judicial_warrant"
    assert facts.inferred is False
    assert facts.court_issued is True
    assert facts.ambiguous is False
    assert facts.stated_kind == "judicial_warrant"
    assert "no details of the document" in facts.because


def test_a_stated_kind_that_the_document_agrees_with_is_kept_and_not_inferred() -> None:
    facts = classify_document(kind="judicial_warrant", text=FEDERAL_SEARCH_WARRANT)
    assert (facts.kind, facts.inferred, facts.ambiguous) == ("judicial_warrant", False, False)


def test_a_stated_kind_with_no_contradicting_signals_is_kept() -> None:
    facts = classify_document(
        kind="court_order", text="Please see the attached order regarding records."
    )
    assert (facts.kind, facts.inferred, facts.ambiguous) == ("court_order", False, False)
    assert "nothing in the document contradicts" in facts.because


def test_a_stated_court_kind_of_another_court_kind_is_kept() -> None:
    facts = classify_document(kind="court_order", text=FEDERAL_SEARCH_WARRANT)
    assert facts.kind == "court_order"
    assert facts.inferred is False
    assert facts.court_issued is True


def test_a_stated_administrative_subpoena_that_matches_the_document_is_kept() -> None:
    facts = classify_document(
        kind="administrative_subpoena", text=UNSIGNED_ICE_SUBPOENA_IN_A_TRAFFICKING_CASE
    )
    assert (facts.kind, facts.inferred) == ("administrative_subpoena", False)


def test_a_stated_administrative_kind_on_a_court_named_without_signature_is_kept_for_counsel() -> (
    None
):
    facts = classify_document(
        kind="administrative_warrant", issued_by=None, text="SUPERIOR COURT\nWARRANT"
    )
    assert facts.kind == "administrative_warrant"
    assert facts.inferred is False
    assert facts.ambiguous is True


def test_a_stated_judicial_warrant_from_an_immigration_agency_with_no_court_is_overruled() -> None:
    facts = classify_document(kind="judicial_warrant", text=f"{LETTER_FROM_ERO}\nWARRANT")
    assert facts.kind == "administrative_warrant"
    assert facts.inferred is True


def test_a_stated_judicial_warrant_issued_by_ice_becomes_an_administrative_warrant() -> None:
    facts = classify_document(kind="judicial_warrant", issued_by="ICE ERO Denver")
    assert facts.kind == "administrative_warrant"
    assert facts.inferred is True


def test_a_stated_administrative_subpoena_from_a_court_becomes_a_court_subpoena() -> None:
    facts = classify_document(
        kind="administrative_subpoena",
        issued_by="District Court, City and County of Denver",
        signed_by="Judge K. Ito",
    )
    assert facts.kind == "court_subpoena"
    assert facts.inferred is True


def test_a_stated_administrative_kind_the_document_does_not_contradict_is_kept() -> None:
    facts = classify_document(
        kind="administrative_warrant", text=IMMIGRATION_JUDGE_ORDER_OF_REMOVAL
    )
    assert (facts.kind, facts.inferred, facts.ambiguous) == ("administrative_warrant", False, False)
    assert "which agrees that it is administrative process" in facts.because


def test_a_stated_detainer_on_an_ice_paper_that_says_warrant_is_kept() -> None:
    facts = classify_document(kind="detainer", text=f"{LETTER_FROM_ERO}\nWARRANT")
    assert (facts.kind, facts.inferred) == ("detainer", False)


def test_an_unknown_stated_kind_is_ignored_rather_than_raised() -> None:
    facts = classify_document(kind="writ_of_mandamus", form="I-200")
    assert facts.kind == "administrative_warrant"
    assert facts.stated_kind is None


# --- Near misses ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Denver Police Department\nNotice of Service\nOffice of Justice Programs",
        "NOTICE: POLICE SERVICE REQUEST. JUSTICE SYSTEM REFERRAL.",
        "The policeman gave notice to the justice of the office.",
        "Road conditions: black ice on I-70; see notice.",
        "Sent via ICEmail by the Office of Practice",
    ],
)
def test_police_notice_service_and_justice_are_not_ice(text: str) -> None:
    facts = classify_document(text=text)
    assert facts.immigration is False
    assert not any("ICE" in signal for signal in facts.signals)


def test_the_department_of_justice_is_not_a_court() -> None:
    facts = classify_document(issued_by="U.S. Department of Justice", title="Letter")
    assert facts.court_issued is False
    assert facts.ambiguous is True


def test_a_justice_court_is_a_court() -> None:
    facts = classify_document(issued_by="Justice Court of Tooele County", title="Subpoena")
    assert facts.court_issued is True


def test_a_states_own_department_of_homeland_security_is_not_dhs() -> None:
    facts = classify_document(text="Indiana Department of Homeland Security\nPublic notice")
    assert facts.immigration is False


def test_an_administrative_law_judge_is_not_a_courts_judge() -> None:
    facts = classify_document(text="Office of Administrative Hearings\nAdministrative Law Judge")
    assert facts.court_issued is False


def test_a_name_like_ina_is_not_the_immigration_and_nationality_act() -> None:
    facts = classify_document(text="Contact Ina Garten at the records office.")
    assert facts.immigration is False


# --- Nothing recognisable -------------------------------------------------------------------


@pytest.mark.parametrize(
    "document",
    [
        {},
        {"form": "", "title": "", "issued_by": "", "signed_by": "", "text": ""},
        {"form": "  ", "title": "\n", "text": "\t \n"},
        {"text": "Lorem ipsum dolor sit amet."},
        {"title": "Attachment 1"},
    ],
)
def test_a_document_with_nothing_recognisable_is_other_and_ambiguous(
    document: dict[str, str],
) -> None:
    facts = classify_document(**document)
    assert facts.kind == "other"
    assert facts.ambiguous is True
    assert facts.inferred is True
    assert facts.court_issued is False
    assert "counsel should read it" in facts.because


def test_a_document_that_only_calls_itself_a_warrant_is_ambiguous() -> None:
    facts = classify_document(text="SEARCH WARRANT\nfor the records of the person named below")
    assert facts.kind == "other"
    assert facts.ambiguous is True
    assert "calls itself a warrant" in facts.because


def test_an_immigration_agencys_letter_without_process_is_other_immigration_paper() -> None:
    facts = classify_document(text=LETTER_FROM_ERO)
    assert facts.kind == "other"
    assert facts.immigration is True
    assert facts.ambiguous is False
    assert facts.court_issued is False


def test_an_agency_header_and_a_judge_with_nothing_decisive_is_ambiguous() -> None:
    facts = classify_document(
        text="U.S. Immigration and Customs Enforcement\nWARRANT\nJudge Harold Finch"
    )
    assert facts.ambiguous is True
    assert facts.court_issued is False
    assert "counsel should read it" in facts.because


# --- Explanations ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "document",
    [
        {"text": I200},
        {"text": I205_NAMING_A_DISTRICT_JUDGE},
        {"text": FEDERAL_SEARCH_WARRANT},
        {"text": FEDERAL_WARRANT_ON_AN_HSI_APPLICATION},
        {"text": UNSIGNED_ICE_SUBPOENA_IN_A_TRAFFICKING_CASE},
        {"kind": "judicial_warrant", "form": "I-200"},
        {"kind": "administrative_warrant", "text": "SUPERIOR COURT\nWARRANT"},
        {"text": IMMIGRATION_JUDGE_ORDER_OF_REMOVAL},
        {"text": "U.S. Immigration and Customs Enforcement\nWARRANT\nJudge Harold Finch"},
        {"text": "nothing here"},
        {"kind": "detainer"},
    ],
)
def test_because_is_one_or_two_plain_sentences(document: dict[str, str]) -> None:
    because = classify_document(**document).because
    assert because[0].isupper()
    assert because.endswith(".")
    assert because.replace("U.S.", "US").count(". ") <= 1
    assert "_" not in because


def test_signals_name_what_was_recognised() -> None:
    facts = classify_document(
        form="I-200", signed_by="Supervisory Detention and Deportation Officer"
    )
    assert facts.signals[:2] == (
        "form I-200",
        "signed by a supervisory detention and deportation officer",
    )


# --- Properties -------------------------------------------------------------------------------

LEGAL_WORDS = st.sampled_from(
    [
        "I-200",
        "I 205",
        "I247A",
        "Form",
        "court",
        "Court",
        "District",
        "COURT",
        "judge",
        "Immigration",
        "Judge",
        "Hon.",
        "/s/",
        "ICE",
        "ice",
        "DHS",
        "HSI",
        "Homeland",
        "Security",
        "Department",
        "of",
        "the",
        "warrant",
        "subpoena",
        "grand",
        "jury",
        "order",
        "in",
        "8",
        "U.S.C.",
        "1225(d)",
        "C.F.R.",
        "287.4",
        "19",
        "1509",
        "customs",
        "summons",
        "officer",
        "deportation",
        "special",
        "agent",
        "field",
        "office",
        "director",
        "clerk",
        "AO",
        "93",
        "JDF",
        "\n",
        "–",
        "§",
        "İ",
        "ß",
        "\x00",
        "\ud800",
        "United",
        "States",
    ]
)
ANY_KIND = st.none() | st.sampled_from(KINDS)
ANY_FIELD = st.none() | st.text() | st.lists(LEGAL_WORDS, max_size=40).map(" ".join)


def _assert_well_formed(facts: DocumentFacts) -> None:
    assert isinstance(facts, DocumentFacts)
    assert facts.kind in KINDS
    # A court's kind of paper is court-issued unless it is unsigned, or counsel must look.
    if facts.court_issued:
        assert facts.kind in COURT_ISSUED
        assert not facts.unsigned
    elif facts.kind in COURT_ISSUED:
        assert facts.unsigned or facts.ambiguous
    else:
        assert not facts.unsigned
    assert facts.because and isinstance(facts.because, str)
    assert all(isinstance(signal, str) for signal in facts.signals)
    if facts.stated_kind is not None:
        assert facts.stated_kind in KINDS
        assert facts.inferred == (facts.kind != facts.stated_kind)


@settings(max_examples=400, deadline=None)
@given(
    kind=ANY_KIND,
    form=ANY_FIELD,
    title=ANY_FIELD,
    issued_by=ANY_FIELD,
    signed_by=ANY_FIELD,
    text=ANY_FIELD,
)
def test_any_input_gives_well_formed_facts(
    kind: str | None,
    form: str | None,
    title: str | None,
    issued_by: str | None,
    signed_by: str | None,
    text: str | None,
) -> None:
    facts = classify_document(
        kind=kind, form=form, title=title, issued_by=issued_by, signed_by=signed_by, text=text
    )
    _assert_well_formed(facts)


@settings(max_examples=30, deadline=None)
@given(
    # Hypothesis draws small strings; repeating them makes texts of 50 000 to 250 000 characters.
    st.text(min_size=100, max_size=500).map(lambda s: s * 500)
    | st.lists(LEGAL_WORDS, min_size=20, max_size=100).map(lambda words: " ".join(words) * 500)
)
def test_huge_and_strange_texts_give_well_formed_facts(text: str) -> None:
    _assert_well_formed(classify_document(text=text))


def test_a_text_saying_ice_in_lower_case_over_and_over_is_not_ice() -> None:
    # Each "ice" asks whether the text writes "ICE" in capitals; that is looked up once.
    facts = classify_document(text="black ice " * 50_000)
    assert facts.immigration is False


def test_a_pasted_text_far_beyond_any_document_is_still_classified() -> None:
    facts = classify_document(text=(I200 + "\n") * 20_000)  # about 9 MB
    assert facts.kind == "administrative_warrant"
