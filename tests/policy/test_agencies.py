"""The agency directory and requester recognition (custodiet.policy.facts.agencies)."""

from __future__ import annotations

import pathlib
import tomllib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custodiet.policy.facts.agencies import (
    DEFAULT_PATH,
    LEVELS,
    Agency,
    Directory,
    RequesterFacts,
    default_directory,
)


@pytest.fixture(scope="module")
def directory() -> Directory:
    return default_directory()


# (organization as written, the directory id it should resolve to)
IMMIGRATION_ORGANIZATIONS = [
    ("ICE", "US-DHS-ICE"),
    ("U.S. Immigration & Customs Enforcement", "US-DHS-ICE"),
    ("US Immigration and Customs Enforcement", "US-DHS-ICE"),
    ("United States Immigration and Customs Enforcement", "US-DHS-ICE"),
    ("Immigration and Customs Enforcement (ICE)", "US-DHS-ICE"),
    ("the U.S. Immigration and Customs Enforcement", "US-DHS-ICE"),
    ("IMMIGRATION AND CUSTOMS ENFORCEMENT", "US-DHS-ICE"),
    ("immigration & customs enforcement", "US-DHS-ICE"),
    ("U. S. Immigration and Customs Enforcement", "US-DHS-ICE"),
    ("Denver sheriff on behalf of ice", "CO-DENVER-SO"),
    ("ICE ERO Denver", "US-DHS-ICE-ERO"),
    ("ICE-ERO", "US-DHS-ICE-ERO"),
    ("ICE+ERO", "US-DHS-ICE-ERO"),
    ("DHS/ICE/ERO", "US-DHS-ICE-ERO"),
    ("dhs/ice/ero", "US-DHS-ICE-ERO"),
    ("ice ero", "US-DHS-ICE-ERO"),
    ("Enforcement and Removal Operations", "US-DHS-ICE-ERO"),
    ("ICE Enforcement & Removal Operations, Denver Field Office", "US-DHS-ICE-ERO"),
    ("ICE FUGOPS", "US-DHS-ICE-ERO"),
    ("Homeland Security Investigations", "US-DHS-ICE-HSI"),
    ("HSI Denver", "US-DHS-ICE-HSI"),
    ("DHS HSI", "US-DHS-ICE-HSI"),
    ("ice/hsi", "US-DHS-ICE-HSI"),
    ("ICE Homeland Security Investigations Special Agent in Charge Denver", "US-DHS-ICE-HSI"),
    ("ICE OPLA", "US-DHS-ICE-OPLA"),
    ("Law Enforcement Support Center", "US-DHS-ICE-LESC"),
    ("CBP/USBP", "US-DHS-CBP-USBP"),
    ("U.S. Border Patrol", "US-DHS-CBP-USBP"),
    ("Border Patrol", "US-DHS-CBP-USBP"),
    ("United States Border Patrol, El Paso Sector", "US-DHS-CBP-USBP"),
    ("Customs and Border Protection", "US-DHS-CBP"),
    ("U.S. Customs & Border Protection", "US-DHS-CBP"),
    ("CBP", "US-DHS-CBP"),
    ("CBP Office of Field Operations", "US-DHS-CBP-OFO"),
    ("CBP Air and Marine Operations", "US-DHS-CBP-AMO"),
    ("USCIS", "US-DHS-USCIS"),
    ("U.S. Citizenship and Immigration Services", "US-DHS-USCIS"),
    ("uscis fdns", "US-DHS-USCIS"),
]


@pytest.mark.parametrize(("organization", "expected"), IMMIGRATION_ORGANIZATIONS)
def test_immigration_agencies_are_recognised_in_many_spellings(
    directory: Directory, organization: str, expected: str
) -> None:
    facts = directory.identify(organization=organization)
    assert facts.immigration_agency, facts.because
    assert facts.agency is not None and facts.agency.id == expected, facts.because


@pytest.mark.parametrize(
    "organization",
    [
        "ICE ERO Denver",
        "DHS/ICE/ERO",
        "U.S. Border Patrol",
        "CBP/USBP",
        "Enforcement and Removal Operations",
    ],
)
def test_ero_and_border_patrol_are_enforcement_components(
    directory: Directory, organization: str
) -> None:
    assert directory.identify(organization=organization).enforcement_component


@pytest.mark.parametrize(
    "organization",
    ["Homeland Security Investigations", "USCIS", "Customs and Border Protection", "ICE"],
)
def test_other_immigration_components_are_not_enforcement_components(
    directory: Directory, organization: str
) -> None:
    facts = directory.identify(organization=organization)
    assert facts.immigration_agency and not facts.enforcement_component


NOT_IMMIGRATION = [
    "Denver Police Department",
    "Police Service Area",
    "Justice Department",
    "Office of Notice",
    "Rice County Sheriff",
    "U.S. Secret Service",
    "TSA",
    "FEMA",
    "Federal Bureau of Investigation",
    "[Federal] Federal Bureau of Investigation (FBI)",
    "Nice Insurance",
    "Department of Justice",
    "Drug Enforcement Administration",
    "ATF",
    "U.S. Marshals Service",
    "U.S. Coast Guard",
    "IRS-CI",
    "Postal Inspection Service",
    "HHS-OIG",
    "SSA OIG",
    "Diplomatic Security Service",
    "Executive Office for Immigration Review",
    "Department of Homeland Security, U.S. Secret Service",
    "DHS TSA",
    "Colorado State Patrol",
    "Colorado Bureau of Investigation",
    "Colorado Division of Motor Vehicles",
    "Iced Tea Company",
    "Police Ice Rink",
    "Justice Ice Hockey Club",
    "California Department of Justice",
    "Indiana Department of Homeland Security",
    "Colorado Division of Homeland Security and Emergency Management",
    "District Attorney's Office",
    "Army Criminal Investigation Division",
    "U.S. Marshals Fugitive Task Force",
]


@pytest.mark.parametrize("organization", NOT_IMMIGRATION)
def test_near_misses_and_other_agencies_are_not_immigration_agencies(
    directory: Directory, organization: str
) -> None:
    facts = directory.identify(organization=organization)
    assert not facts.immigration_agency, facts.because
    assert not facts.enforcement_component


@pytest.mark.parametrize(
    ("organization", "expected"),
    [
        ("Denver Police Department", "CO-DENVER-PD"),
        ("Denver PD", "CO-DENVER-PD"),
        ("Denver Sheriff's Department", "CO-DENVER-SO"),
        ("Aurora Police Department", "CO-AURORA-PD"),
        ("Colorado Springs Police Dept.", "CO-COSPRINGS-PD"),
        ("El Paso County Sheriff's Office", "CO-ELPASO-SO"),
        ("Boulder Police Department", "CO-BOULDER-PD"),
        ("Jefferson County Sheriff's Office", "CO-JEFFCO-SO"),
        ("Colorado Department of Revenue, Division of Motor Vehicles", "CO-DOR-DMV"),
        ("DOR DMV", "CO-DOR-DMV"),
        ("Colorado DMV", "CO-DOR-DMV"),
        ("Colorado Attorney General's Office", "CO-LAW"),
        ("Colorado Department of Labor & Employment", "CO-CDLE"),
        ("Colorado Department of Human Services", "CO-CDHS"),
        ("Colorado Department of Public Safety", "CO-DPS"),
        ("Federal Bureau of Investigation", "US-DOJ-FBI"),
        ("F.B.I.", "US-DOJ-FBI"),
        ("U.S. Secret Service", "US-DHS-USSS"),
        ("Department of Homeland Security, U.S. Secret Service", "US-DHS-USSS"),
        ("Justice Department", "US-DOJ"),
    ],
)
def test_match_name_finds_the_most_specific_entry(
    directory: Directory, organization: str, expected: str
) -> None:
    agency = directory.match_name(organization)
    assert agency is not None and agency.id == expected


@pytest.mark.parametrize(
    "organization", ["Acme Corp", "", "Rice County Sheriff", "Office of Notice", "Nice Insurance"]
)
def test_unknown_organizations_are_reported_as_not_in_the_directory(
    directory: Directory, organization: str
) -> None:
    facts = directory.identify(organization=organization)
    assert facts.agency is None and facts.level is None
    assert not facts.immigration_agency and not facts.via_287g
    assert "not in the agency directory" in facts.because
    assert directory.match_name(organization) is None


@pytest.mark.parametrize("value", ["ERO", "Enforcement and Removal Operations", "USBP", "ero"])
def test_component_field_makes_the_requester_the_component(
    directory: Directory, value: str
) -> None:
    facts = directory.identify(organization="Department of Homeland Security", component=value)
    assert facts.immigration_agency and facts.enforcement_component
    assert f'component "{value}"' in facts.because


@pytest.mark.parametrize(
    ("component", "expected"),
    [("HSI", "US-DHS-ICE-HSI"), ("OFO", "US-DHS-CBP-OFO"), ("ERO", "US-DHS-ICE-ERO")],
)
def test_component_wins_over_its_parent(
    directory: Directory, component: str, expected: str
) -> None:
    facts = directory.identify(
        organization="U.S. Department of Homeland Security", component=component
    )
    assert facts.agency is not None and facts.agency.id == expected


def test_lesc_ori_identifies_ice(directory: Directory) -> None:
    facts = directory.identify(organization="unknown sender", ori="VTICE0900")
    assert facts.agency is not None and facts.agency.id == "US-DHS-ICE-LESC"
    assert facts.immigration_agency
    assert "ORI VTICE0900" in facts.because


def test_by_ori_finds_exact_oris_in_any_case_and_rejects_unknown(directory: Directory) -> None:
    denver = directory.by_ori(" co0160200 ")
    assert denver is not None and denver.id == "CO-DENVER-PD"
    lesc = directory.by_ori("VTICE0900")
    assert lesc is not None and lesc.id == "US-DHS-ICE-LESC"
    assert directory.by_ori("ZZ9999999") is None
    assert directory.by_ori("") is None


@pytest.mark.parametrize(
    ("organization", "name"),
    [
        ("Teller County Sheriff's Office 287(g) Task Force", None),
        ("287g program", None),
        ("Weld County Sheriff, acting under a 287(g) agreement with ICE", None),
        ("Sheriff's Office", "287(g) Officer J. Smith"),
        ("County Jail", "Deputy K. Ray (287 (g) designated)"),
        ("Sheriff's Office 287-G unit", None),
    ],
)
def test_287g_in_any_form_acts_for_ero(
    directory: Directory, organization: str, name: str | None
) -> None:
    facts = directory.identify(organization=organization, name=name)
    assert facts.via_287g and facts.immigration_agency and facts.enforcement_component
    assert "287(g)" in facts.because


def test_287g_keeps_the_local_agency_as_the_requester(directory: Directory) -> None:
    facts = directory.identify(organization="Teller County Sheriff's Office 287(g) Task Force")
    assert facts.agency is not None and facts.agency.id == "CO-TELLER-SO"
    assert facts.level == "local"


@pytest.mark.parametrize("text", ["287 grams", "Suite 2870", "Room 287", "287th Street"])
def test_numbers_that_only_look_like_287g_do_not_count(directory: Directory, text: str) -> None:
    assert not directory.identify(organization=text).via_287g


def test_acting_on_behalf_of_ice_is_an_immigration_requester(directory: Directory) -> None:
    facts = directory.identify(organization="Aurora Police Department on behalf of ICE")
    assert facts.immigration_agency
    assert facts.agency is not None and facts.agency.id == "CO-AURORA-PD"
    assert "U.S. Immigration and Customs Enforcement" in facts.because


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Deportation Officer R. Hale", "US-DHS-ICE-ERO"),
        ("Supervisory Detention and Deportation Officer M. Ortiz", "US-DHS-ICE-ERO"),
        ("Immigration Enforcement Agent T. Lund", "US-DHS-ICE-ERO"),
        ("Border Patrol Agent J. Diaz", "US-DHS-CBP-USBP"),
        ("CBP Officer A. Kim", "US-DHS-CBP-OFO"),
        ("Immigration Services Officer P. Nair", "US-DHS-USCIS"),
    ],
)
def test_immigration_titles_in_the_name_are_a_signal(
    directory: Directory, name: str, expected: str
) -> None:
    facts = directory.identify(organization="Department of Homeland Security", name=name)
    assert facts.immigration_agency
    assert facts.agency is not None and facts.agency.id == expected
    assert "carries the title" in facts.because


@pytest.mark.parametrize("name", ["Officer Jane Roe", "Det. Ice", "Sgt. Rice", "Agent Justice"])
def test_ordinary_names_are_no_signal(directory: Directory, name: str) -> None:
    facts = directory.identify(organization="Denver Police Department", name=name)
    assert not facts.immigration_agency


@pytest.mark.parametrize("organization", ["Department of Homeland Security", "DHS", "U.S. DHS"])
def test_generic_dhs_is_treated_as_an_immigration_agency_and_says_so(
    directory: Directory, organization: str
) -> None:
    facts = directory.identify(organization=organization)
    assert facts.immigration_agency and not facts.enforcement_component
    assert "treated as an immigration agency" in facts.because
    assert "ICE" in facts.because


def test_because_names_the_field_and_the_agency(directory: Directory) -> None:
    facts = directory.identify(organization="ICE ERO Denver")
    assert facts.because == (
        'Organization "ICE ERO Denver" names U.S. Immigration and Customs Enforcement, '
        "Enforcement and Removal Operations."
    )


def test_level_comes_from_the_directory(directory: Directory) -> None:
    assert directory.identify(organization="ICE").level == "federal"
    assert directory.identify(organization="Colorado State Patrol").level == "state"
    assert directory.identify(organization="Boulder PD").level == "local"
    assert directory.identify(organization="Southern Ute Police Department").level == "tribal"


def test_identify_is_memoised_for_repeated_requesters(directory: Directory) -> None:
    first = directory.identify(organization="HSI Denver", component="HSI")
    again = directory.identify(organization="  HSI   Denver ", component="HSI")
    assert first is again


def test_same_agency_recognises_the_dmv_by_name(directory: Directory) -> None:
    requester = directory.identify(organization="Colorado Division of Motor Vehicles")
    assert directory.same_agency(requester, "CO-DOR-DMV")


def test_same_agency_counts_a_component_as_its_parent(directory: Directory) -> None:
    requester = directory.identify(organization="Colorado DMV")
    assert directory.same_agency(requester, "CO-DOR")
    parent = directory.identify(organization="Colorado Department of Revenue")
    assert not directory.same_agency(parent, "CO-DOR-DMV")


@pytest.mark.parametrize(
    ("organization", "agency_id"),
    [
        ("Denver Police Department", "CO-DOR-DMV"),
        ("Acme Corp", "CO-DOR-DMV"),
        ("Colorado DMV", None),
        ("Colorado DMV", "NO-SUCH-AGENCY"),
    ],
)
def test_same_agency_is_false_for_others_and_unknowns(
    directory: Directory, organization: str, agency_id: str | None
) -> None:
    assert not directory.same_agency(directory.identify(organization=organization), agency_id)


# The packaged directory file.


def test_packaged_directory_loads_and_is_shared(directory: Directory) -> None:
    assert len(directory.agencies) > 40
    assert default_directory() is directory
    assert Directory.load(DEFAULT_PATH).agencies == directory.agencies


def test_every_id_is_unique_and_every_parent_exists(directory: Directory) -> None:
    ids = [a.id for a in directory.agencies]
    assert len(ids) == len(set(ids))
    for agency in directory.agencies:
        assert agency.parent is None or directory.get(agency.parent) is not None
        assert agency.level in LEVELS
        assert not agency.enforcement or agency.immigration


def test_immigration_flags_follow_the_statute_reading(directory: Directory) -> None:
    immigration = {a.id for a in directory.agencies if a.immigration}
    enforcement = {a.id for a in directory.agencies if a.enforcement}
    assert enforcement == {"US-DHS-ICE-ERO", "US-DHS-CBP-USBP"}
    assert {"US-DHS-ICE", "US-DHS-ICE-HSI", "US-DHS-CBP-OFO", "US-DHS-USCIS"} <= immigration
    for other in ("US-DOJ-FBI", "US-DOJ-DEA", "US-DOJ-ATF", "US-DOJ-USMS", "US-DOJ-EOIR"):
        assert other not in immigration
    for other in ("US-DHS-USSS", "US-DHS-TSA", "US-DHS-FEMA", "US-DHS-USCG", "US-IRS-CI"):
        assert other not in immigration


def test_the_file_header_says_who_edits_it_and_that_unknowns_are_not_guessed() -> None:
    header = DEFAULT_PATH.read_text(encoding="utf-8").split("[[")[0].lower()
    assert "privacy officer" in header
    assert "review" in header and "guess" in header


def test_every_ori_in_the_file_is_nine_characters() -> None:
    data = tomllib.loads(DEFAULT_PATH.read_text(encoding="utf-8"))
    for table in data["agency"]:
        for ori in table.get("oris", []):
            assert len(ori) == 9 and ori.isalnum() and ori.isupper()


# Malformed directory files.

GOOD_ENTRY = """
[[agency]]
id = "X-ONE"
name = "Agency One"
level = "state"
immigration = false
enforcement = false
aliases = ["First Agency"]
acronyms = ["AONE"]
oris = ["CO0000001"]
"""


def _write(tmp_path: pathlib.Path, text: str) -> pathlib.Path:
    path = tmp_path / "agencies.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("replace", "by", "field"),
    [
        ('level = "state"', 'level = "county"', "'level'"),
        ("immigration = false", 'immigration = "no"', "'immigration'"),
        ('name = "Agency One"', 'name = ""', "'name'"),
        ('id = "X-ONE"', 'id = "x one"', "'id'"),
        ('oris = ["CO0000001"]', 'oris = ["CO1"]', "'oris'"),
        ('aliases = ["First Agency"]', 'aliases = "First Agency"', "'aliases'"),
        ('acronyms = ["AONE"]', 'acronyms = ["AONE"]\nimmigrant = true', "'immigrant'"),
        ("enforcement = false", "enforcement = true", "'enforcement'"),
        ('oris = ["CO0000001"]', 'oris = []\nparent = "X-NONE"', "'parent'"),
        ('oris = ["CO0000001"]', 'oris = []\nori_prefixes = ["C"]', "'ori_prefixes'"),
    ],
)
def test_a_malformed_entry_raises_value_error_naming_file_agency_and_field(
    tmp_path: pathlib.Path, replace: str, by: str, field: str
) -> None:
    path = _write(tmp_path, GOOD_ENTRY.replace(replace, by))
    with pytest.raises(ValueError, match=r"agency\[0\]") as raised:
        Directory.load(path)
    assert str(path) in str(raised.value)
    assert field in str(raised.value)


def test_a_duplicate_id_is_named(tmp_path: pathlib.Path) -> None:
    second = GOOD_ENTRY.replace('["First Agency"]', "[]").replace('["AONE"]', "[]")
    path = _write(tmp_path, GOOD_ENTRY + second.replace('"CO0000001"', '"CO0000002"'))
    with pytest.raises(ValueError, match=r"agency\[1\] \(X-ONE\): field 'id'"):
        Directory.load(path)


def test_a_spelling_claimed_by_two_agencies_is_named(tmp_path: pathlib.Path) -> None:
    second = GOOD_ENTRY.replace("X-ONE", "X-TWO").replace('"CO0000001"', '"CO0000002"')
    path = _write(tmp_path, GOOD_ENTRY + second.replace('["AONE"]', '["ATWO"]'))
    with pytest.raises(ValueError, match=r"X-TWO\): field 'name'.*already names X-ONE"):
        Directory.load(path)


def test_a_parent_loop_is_named(tmp_path: pathlib.Path) -> None:
    one = GOOD_ENTRY.replace('oris = ["CO0000001"]', 'oris = []\nparent = "X-TWO"')
    two = (
        GOOD_ENTRY.replace("X-ONE", "X-TWO")
        .replace("Agency One", "Agency Two")
        .replace('["First Agency"]', "[]")
        .replace('["AONE"]', "[]")
        .replace('oris = ["CO0000001"]', 'oris = []\nparent = "X-ONE"')
    )
    with pytest.raises(ValueError, match="'parent': the parents form a loop"):
        Directory.load(_write(tmp_path, one + two))


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("this is [not toml", "not valid TOML"),
        ("word_acronyms = []", "no [[agency]] tables"),
        (GOOD_ENTRY + "[[agencies]]\nid = 'X'\n", "'agencies'"),
        (GOOD_ENTRY + 'word_acronyms = ["NOPE"]', "word_acronyms"),
        (GOOD_ENTRY + '[[title]]\nphrase = "Chief"\nagency = "X-NONE"\n', "title[0]"),
    ],
)
def test_a_malformed_file_raises_value_error_naming_the_file(
    tmp_path: pathlib.Path, text: str, fragment: str
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ValueError) as raised:
        Directory.load(path)
    assert str(path) in str(raised.value) and fragment in str(raised.value)


def test_a_missing_file_raises_value_error_naming_it(tmp_path: pathlib.Path) -> None:
    with pytest.raises(ValueError, match=r"missing\.toml"):
        Directory.load(tmp_path / "missing.toml")


def test_ori_prefixes_match_when_no_exact_ori_does(tmp_path: pathlib.Path) -> None:
    path = _write(tmp_path, GOOD_ENTRY.replace("oris = [", 'ori_prefixes = ["CO99"]\noris = ['))
    loaded = Directory.load(path)
    assert loaded.by_ori("CO9912345") == loaded.get("X-ONE")
    assert loaded.by_ori("CO8812345") is None


def test_a_directory_built_in_code_matches_its_own_entries() -> None:
    agency = Agency(
        id="X-CODE",
        name="Code Agency",
        level="private",
        immigration=False,
        enforcement=False,
        parent=None,
        aliases=(),
        acronyms=("XCA",),
        oris=(),
        ori_prefixes=(),
    )
    built = Directory([agency])
    assert built.match_name("the xca") == agency
    assert built.identify(organization="Code Agency").agency == agency


# Robustness.


@given(
    organization=st.text(max_size=200),
    component=st.none() | st.text(max_size=40),
    ori=st.none() | st.text(max_size=12),
    name=st.none() | st.text(max_size=60),
)
def test_identify_never_raises_and_always_explains(
    organization: str, component: str | None, ori: str | None, name: str | None
) -> None:
    facts = default_directory().identify(
        organization=organization, component=component, ori=ori, name=name
    )
    assert isinstance(facts, RequesterFacts)
    assert facts.because.endswith(".")
    assert facts.enforcement_component <= facts.immigration_agency
    assert (facts.level is None) == (facts.agency is None)


@given(st.text(max_size=200))
def test_match_name_and_by_ori_never_raise(text: str) -> None:
    directory = default_directory()
    assert directory.match_name(text) is None or isinstance(directory.match_name(text), Agency)
    assert directory.by_ori(text) is None or isinstance(directory.by_ori(text), Agency)
