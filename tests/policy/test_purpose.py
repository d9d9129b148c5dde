"""Immigration purposes and offences (custodiet.policy.facts.purpose), and immigration words
in other roles: a victim, a suspect, a denial, work that protects immigrants, another sense."""

from __future__ import annotations

import csv
import os
import pathlib
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custodiet.policy.facts.purpose import (
    AMBIGUOUS,
    CONTEXTS,
    CUES,
    FILLERS,
    OFFENCES,
    PHRASES,
    ROLES,
    TERMINATORS,
    PurposeFacts,
    immigration_offense,
    immigration_purpose,
)

SHARED = pathlib.Path(
    os.environ.get("CUSTODIET_SHARED", pathlib.Path(__file__).resolve().parents[3] / "shared")
)
EUGENE_LOG = SHARED / "querylogs" / "eugene-or-alpr-search-audit-2025.csv"

# The immigration reasons seen in real plate-reader audits (shared/querylogs/README.md),
# except "HSI", which is an agency rather than a purpose (tested below).
AUDIT_REASONS = [
    "ICE",
    "ICE+ERO",
    "ICE WARRANT",
    "ICE FUGOPS",
    "criminal alien",
    "USBP",
    "Immigration (civil/administrative)",
]

IMMIGRATION_PURPOSES = [
    *AUDIT_REASONS,
    "for ICE",
    "assist ICE",
    "Assist ICE with locating subject",
    "ICE hold",
    "ice hold on subject",
    "immigration hold",
    "ICE detainer",
    "Subject has an ICE warrant",
    "ERO target",
    "I.C.E. request",
    "Subject is in removal proceedings",
    "removal hearing scheduled",
    "final order of removal",
    "order of removal issued 2019",
    "subject is removable",
    "locate for removal",
    "expedited removal",
    "warrant of removal",
    "Form I-205",
    "I-200 warrant",
    "I-247A",
    "detainer",
    "immigration detainer lodged",
    "deportation",
    "deport subject",
    "pending deportation",
    "deported in 2018",
    "deportable alien",
    "self-deport",
    "verify immigration status",
    "citizenship status check",
    "check legal status",
    "lawful presence verification",
    "unlawfully present in the United States",
    "unlawful presence",
    "illegally in the US",
    "illegal alien",
    "illegal aliens",
    "criminal+alien",
    "CRIMINAL ALIEN",
    "undocumented",
    "undocumented immigrant",
    "visa overstay",
    "overstayed visa",
    "out of status",
    "illegal re-entry",
    "reentry after removal",
    "8 USC 1326",
    "illegal entry",
    "immigration enforcement",
    "civil immigration enforcement",
    "civil_immigration_enforcement",
    "Immigration",
    "287(g) screening",
    "Border Patrol request",
    "ICE FUGOPS target",
    "deportación",
    "inmigración",
    "migración",
    "asunto de migración",
    "orden de deportación",
    "persona indocumentada",
]


@pytest.mark.parametrize("text", IMMIGRATION_PURPOSES)
def test_immigration_purposes_are_recognised(text: str) -> None:
    facts = immigration_purpose(text)
    assert facts.immigration, facts.because
    assert facts.matched
    for matched in facts.matched:
        assert matched in text


NOT_IMMIGRATION = [
    "police",
    "POLICE",
    "notice",
    "Notice of hearing",
    "service",
    "Rice",
    "price",
    "justice",
    "office",
    "Office of the Sheriff",
    "police notice service",
    "vehicle removal",
    "removal of abandoned vehicle",
    "abandoned vehicle tagged for removal",
    "vehicle removal order",
    "snow removal",
    "tow and removal",
    "graffiti removal",
    "removal from office",
    "petition for removal from office",
    "notice of removal to federal court",
    "removable media",
    "license status",
    "registration status",
    "status of the case",
    "legal status of the vehicle",
    "HSI",
    "HSI human trafficking investigation",
    "armed robbery",
    "sex trafficking",
    "human trafficking",
    "fraud",
    "identity fraud",
    "Investigation",
    "Property Crime",
    "Person+Crime",
    "Welfare Check",
    "Warrant",
    "wanted subject from NV",
    "ICAC",
    "Ice on the road caused crash",
    "ICE CREAM TRUCK HIT AND RUN",
    "unlawful entry into a dwelling",
    "unlawful entry of a motor vehicle",
    "burglary",
    "18 U.S.C. 1326",
    "alien smuggling 8 U.S.C. 1324",
    "DUII / Reckless Driving",
    "I-205 northbound pursuit",
    "Nice",
    "Device theft",
    "Mice infestation report",
    "office supplies theft",
    "deportment",
    "data migration",
    "CBP",
    "",
    "   ",
]


@pytest.mark.parametrize("text", NOT_IMMIGRATION)
def test_near_misses_are_not_immigration_purposes(text: str) -> None:
    facts = immigration_purpose(text)
    assert not facts.immigration, facts.because
    assert facts.matched == ()


def test_none_is_no_purpose() -> None:
    facts = immigration_purpose(None)
    assert not facts.immigration and facts.because == "No purpose was stated."


def test_ice_counts_as_a_capitalised_word_only() -> None:
    assert immigration_purpose("called by ICE").immigration
    assert not immigration_purpose("called about ice").immigration
    assert not immigration_purpose("policeman").immigration


def test_matched_quotes_the_text_as_written_and_explains() -> None:
    facts = immigration_purpose("Per ICE+ERO, subject in Removal Proceedings")
    assert facts.matched == ("ICE+ERO", "Removal Proceedings")
    assert '"ICE+ERO"' in facts.because and '"Removal Proceedings"' in facts.because


def test_an_everyday_removal_is_explained_when_set_aside() -> None:
    facts = immigration_purpose("abandoned vehicle tagged for removal")
    assert "abandoned" in facts.because


def test_a_removal_order_far_from_a_vehicle_still_counts() -> None:
    assert immigration_purpose("Final order of removal; drives a blue vehicle").immigration


def test_every_reason_in_a_real_audit_log_is_not_immigration() -> None:
    if not EUGENE_LOG.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"the shared query log is missing at {EUGENE_LOG}")
        pytest.skip("no shared folder beside the project")
    with EUGENE_LOG.open(encoding="utf-8-sig", newline="") as handle:
        reasons = [row["reason"] for row in csv.DictReader(handle)]
    assert len(reasons) > 4000
    flagged = [r for r in reasons if immigration_purpose(r).immigration]
    assert flagged == []


OFFENCE_TEXTS = [
    "8 USC 1326",
    "8 U.S.C. 1326",
    "8 U.S.C. § 1326(a)",
    "8 U.S.C. §1326(b)(2)",
    "8 USC § 1325",
    "8 U.S.C.A. 1325",
    "8USC1326",
    "Title 8 Section 1325",
    "Title 8, U.S. Code, Section 1326",
    "title 8 sec. 1326",
    "INA 276",
    "INA § 275",
    "illegal re-entry",
    "Illegal Reentry",
    "illegally re-entered",
    "reentry after removal",
    "re-entry after deportation",
    "re-entry of removed alien",
    "found in the United States after removal",
    "unlawful entry",
    "illegal entry",
    "improper entry by alien",
    "illegally entered the United States",
    "entry without inspection",
    "EWI",
    "illegal border crossing",
    "reingreso ilegal",
]


@pytest.mark.parametrize("text", OFFENCE_TEXTS)
def test_illegal_entry_and_reentry_are_immigration_offences(text: str) -> None:
    facts = immigration_offense(text)
    assert facts.immigration, facts.because
    assert "24-74-103" in facts.because
    assert immigration_purpose(text).immigration


@pytest.mark.parametrize(
    "text",
    [
        "burglary",
        "unlawful entry into a vehicle",
        "unlawful entry of a dwelling",
        "18 U.S.C. 1326",
        "8 U.S.C. 1324",
        "21 USC 841",
        "section 1326 of the tax code",
        "deportation",
        "ICE",
        "human trafficking",
        "armed robbery",
        "identity theft",
        "",
    ],
)
def test_other_offences_are_not_illegal_entry(text: str) -> None:
    facts = immigration_offense(text)
    assert not facts.immigration, facts.because
    assert facts.matched == ()


def test_no_offence_is_said_plainly() -> None:
    assert immigration_offense(None).because == "No offence was stated."


def test_vocabulary_tables_are_readable_pairs_that_compile() -> None:
    for table in (OFFENCES, PHRASES, AMBIGUOUS, CONTEXTS):
        for pattern, label in table:
            re.compile(pattern)
            assert label and label == label.strip()


@given(st.text(max_size=300))
def test_any_text_gives_purpose_facts_without_raising(text: str) -> None:
    for facts in (immigration_purpose(text), immigration_offense(text)):
        assert isinstance(facts, PurposeFacts)
        assert facts.immigration == bool(facts.matched)
        assert facts.because.endswith(".")
        for matched in facts.matched:
            assert matched in text


@given(st.sampled_from(IMMIGRATION_PURPOSES), st.sampled_from(NOT_IMMIGRATION))
def test_an_immigration_phrase_counts_whatever_surrounds_it(immigration: str, other: str) -> None:
    assert immigration_purpose(f"{other}; {immigration}").immigration


# --- An immigration word in another role (contract 1.1) --------------------------------------

# (text, what the explanation says of the word's role)
OTHER_ROLES = [
    (
        "Investigation of an assault on a federal officer: an ICE deportation officer was "
        "struck by a vehicle while off duty in Aurora",
        "victim",
    ),
    ("victim was an ICE officer", "victim"),
    ("The victim, an off-duty ICE officer, was followed home", "victim"),
    ("Assault on two federal officers, including an ICE officer", "victim"),
    ("Threats against ICE agents posted online", "victim"),
    ("ICE agent injured in a hit and run", "victim"),
    ("Vandalism of ICE vehicles at the field office", "victim"),
    ("A Border Patrol agent was shot at near the port of entry", "victim"),
    ("impersonating an ICE agent", "subject"),
    ("Suspect posed as ICE agents to extort money from families", "subject"),
    ("Fake ICE officers robbed a family", "subject"),
    ("Threatened to call ICE on his workers unless they worked unpaid", "subject"),
    ("DUI; the suspect is an off-duty ICE officer", "subject"),
    ("no 287(g) agreement", "denied"),
    ("The county has no 287(g) agreement with ICE", "denied"),
    ("Not for immigration enforcement", "denied"),
    ("ICE is not involved", "denied"),
    ("Burglary; no ICE involvement", "denied"),
    ("non-immigration offense", "denied"),
    (
        "Notario fraud against immigrants: the suspect promised to stop their deportation",
        "protects immigrants",
    ),
    ("Notario fraud: victims paid for immigration applications never filed", "protects"),
    ("Scheme that defrauded immigrants with promises of legal status", "protects immigrants"),
    ("Immigration attorney needs her client's record", "protects immigrants"),
    ("Forcible entry and detainer action against a tenant", "another sense"),
    ("unlawful detainer (eviction) case", "another sense"),
    ("vehicle removal order", "everyday sense"),
    ("abandoned vehicle tagged for removal", "everyday sense"),
]


@pytest.mark.parametrize(("text", "role"), OTHER_ROLES)
def test_an_immigration_word_in_another_role_is_not_an_immigration_purpose(
    text: str, role: str
) -> None:
    facts = immigration_purpose(text)
    assert not facts.immigration, facts.because
    assert not facts.role_unclear, facts.because
    assert facts.matched == ()
    assert role in facts.because


STILL_IMMIGRATION = [
    "Locate subject on behalf of HSI for removal",
    "locate for removal",
    "ICE detainer",
    "Subject has an ICE detainer; assault on a deputy",
    "Assault suspect wanted by ICE",
    "Assist ICE officers with locating the subject",
    "Subject assaulted a clerk, and ICE wants him",
    "Subject is not lawfully present",
    "No lawful status; ICE hold",
    "Case no 4411 ICE hold",
    "ICE ERO target, not a criminal case",
    "Victim's abuser is undocumented; locate for removal",
    "Deportation officer requests the address for removal",
    "Notario fraud suspect; ICE hold on him",
    "Notario fraud case. Locate suspect for removal.",
    "Eviction: forcible entry and detainer; tenant also has an ICE detainer",
]


@pytest.mark.parametrize("text", STILL_IMMIGRATION)
def test_an_immigration_word_in_its_enforcement_role_still_counts(text: str) -> None:
    facts = immigration_purpose(text)
    assert facts.immigration, facts.because


UNCLEAR_ROLES = [
    ("ICE officers involved in a crash on I-25", '"ICE officers" stands by "involved"'),
    ("ICE agent witnessed the robbery", '"ICE agent" stands by "witnessed"'),
    ("Officer-involved shooting with Border Patrol agents", '"Border Patrol agents"'),
    ("no bond ICE hold", '"bond" stands between'),
    ("Assault of Deputy Ruiz ICE officer", '"Ruiz" stands between'),
]


@pytest.mark.parametrize(("text", "unclear"), UNCLEAR_ROLES)
def test_where_the_role_cannot_be_told_it_says_what_was_unclear(text: str, unclear: str) -> None:
    facts = immigration_purpose(text)
    assert facts.role_unclear, facts.because
    assert not facts.immigration
    assert "could not be told" in facts.because
    assert unclear in facts.because


def test_an_offence_keeps_its_meaning_whatever_cue_stands_near() -> None:
    assert immigration_offense("victim of illegal re-entry, 8 U.S.C. 1326").immigration
    assert immigration_offense("no 8 U.S.C. 1326 charge yet").immigration


def test_the_cue_table_is_readable_rows_that_compile() -> None:
    for cue in CUES:
        re.compile(cue.pattern, re.IGNORECASE)
        assert cue.role in ROLES
        assert cue.looks in ("ahead", "back", "around")
        assert cue.scope in ("next", "near", "nearby", "sentence", "over")
    for role in ROLES.values():
        assert role.clearly or role.perhaps
    assert {word.lower() for word in FILLERS} == FILLERS
    assert not FILLERS & TERMINATORS


@given(st.sampled_from(STILL_IMMIGRATION), st.sampled_from([t for t, _ in OTHER_ROLES]))
def test_another_roles_sentence_does_not_hide_enforcement_in_the_next(
    enforcement: str, other: str
) -> None:
    facts = immigration_purpose(f"{other}.\n{enforcement}")
    assert facts.immigration or facts.role_unclear, facts.because
