"""Reading reasons: immigration words as whole words only, vague reasons as no purpose, the
real Eugene audit, and the SQL prefilter as a superset of what the vocabulary matches."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custodiet.policy.facts.agencies import default_directory
from custodiet.policy.facts.purpose import AMBIGUOUS, OFFENCES, PHRASES, immigration_purpose
from custodiet.scanner import vocabulary
from custodiet.scanner.rules import IMMIGRATION_CATEGORIES

from . import logs
from .conftest import EUGENE_LOG, custodiet_scan, read_output

DIRECTORY = default_directory()


def flagged_reasons(tmp_path: Path, reasons: list[str]) -> dict[str, set[str]]:
    """Each reason, alone in a 5-column plate-reader audit, with the categories it gets."""
    log = tmp_path / "audit.csv"
    rows = [
        (f"id-{i}", f"user-{i}", "2025-06-18 10:00:00", "12", reason)
        for i, reason in enumerate(reasons)
    ]
    starts = logs.write_csv(log, logs.ALPR5_HEADER, rows)
    out = tmp_path / "flags.csv"
    ran = custodiet_scan(log, "--out", out)
    assert ran.code == 0, ran.stderr
    by_line: dict[int, set[str]] = {line: set() for line in starts}
    for row in read_output(out)[1]:
        by_line[int(row["source_line"])].add(row["category"])
    return {reason: by_line[line] for reason, line in zip(reasons, starts, strict=True)}


@pytest.mark.django_db
def test_police_notice_rice_and_service_are_not_ice(tmp_path):
    found = flagged_reasons(
        tmp_path, [*logs.NOT_IMMIGRATION, "Nice", "ICE CREAM TRUCK HIT AND RUN"]
    )
    assert found == {
        "police": {logs.VAGUE},  # says nothing about why, but is not "ice"
        "notice": set(),
        "Rice": set(),
        "service": set(),
        "Police Service": set(),
        "Nice": set(),
        "ICE CREAM TRUCK HIT AND RUN": set(),
    }


@pytest.mark.django_db
def test_the_immigration_reasons_seen_in_real_audits_are_immigration_reasons(tmp_path):
    found = flagged_reasons(tmp_path, list(logs.IMMIGRATION))
    assert found == {reason: {logs.REASON} for reason in logs.IMMIGRATION}


@pytest.mark.django_db
def test_the_why_quotes_the_reason_and_what_it_names(tmp_path):
    log = tmp_path / "audit.csv"
    logs.write_csv(log, logs.ALPR5_HEADER, [("1", "u", "2025-06-18 10:00", "1", "HSI")])
    out = tmp_path / "flags.csv"
    assert custodiet_scan(log, "--out", out).code == 0
    (row,) = read_output(out)[1]
    assert row["why"].startswith('The reason "HSI" names immigration enforcement')
    assert "Homeland Security Investigations" in row["why"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("reason", "vague"),
    [
        ("", True),
        ("   ", True),
        ("REDACTED", True),
        ("N/A", True),
        ("inv", True),
        ("INV.", True),
        ("invetigation", True),
        ("Daytime search for best result", True),
        ("Administrative Test", True),
        ("criminal+investigation", True),
        ("UUV", False),
        ("Welfare Check", False),
        ("Property Crime", False),
        ("Investigation, 2510494", False),
        ("Homicide", False),
    ],
)
def test_empty_redacted_and_vague_reasons_have_no_articulable_purpose(tmp_path, reason, vague):
    assert flagged_reasons(tmp_path, [reason])[reason] == ({logs.VAGUE} if vague else set())


# The real audit -----------------------------------------------------------------------------

# What a reason is made of when it gives no purpose: investigation and its misspellings
# ("inv", "invest", "inestigation", "IVESTIGATIONS", "investagation"), tests and training,
# the words of "Daytime search for best result", and generic words for crime or police.
VAGUE_EUGENE_WORD = re.compile(
    r"(?:inv|ines|ives)[a-z]*|admin|administrative|test|camera|training|daytime|search|for"
    r"|best|result|police|crim|criminal|crimes"
)


def eugene_rows() -> dict[int, dict[str, str]]:
    if not EUGENE_LOG.is_file():
        pytest.skip(f"the Eugene audit is not at {EUGENE_LOG} (set CUSTODIET_SHARED)")
    return logs.originals(EUGENE_LOG)[1]


def really_vague(reason: str) -> bool:
    words = re.sub(r"[^a-z0-9]+", " ", reason.lower()).split()
    return all(VAGUE_EUGENE_WORD.fullmatch(word) for word in words)


@pytest.mark.django_db
def test_the_eugene_audit_has_no_immigration_flags_and_only_really_vague_reasons_flagged(
    tmp_path,
):
    records = eugene_rows()
    out = tmp_path / "eugene.csv"
    ran = custodiet_scan(EUGENE_LOG, "--out", out)
    assert ran.code == 0, ran.stderr
    columns, rows = read_output(out)
    assert columns[:5] == ["id", "userId", "searchDate", "cameraCount", "reason"]
    assert not [row for row in rows if row["category"] in IMMIGRATION_CATEGORIES]
    vague = [row for row in rows if row["category"] == logs.VAGUE]
    assert vague
    for row in vague:
        line = int(row["source_line"])
        assert records[line]["reason"] == row["reason"]
        assert really_vague(row["reason"]), f"line {line}: {row['reason']!r} has a purpose"
    flagged = {row["reason"] for row in vague}
    # The reasons the audit's README names as vague are flagged; those with a purpose never.
    assert {"inv", "Daytime search for best result", "Administrative Test"} <= flagged
    assert not {"UUV", "Property Crime", "Person Crime", "Welfare Check", "Homicide"} & flagged


@pytest.mark.django_db
def test_the_eugene_summary_counts_every_search_and_no_immigration(tmp_path):
    records = eugene_rows()
    ran = custodiet_scan(EUGENE_LOG, "--summary")
    assert ran.code == 0, ran.stderr
    assert ran.stdout.startswith(f"{len(records):,} accesses read;")
    # Each rule's flags, the rows it flagged and the rows it could judge, most serious first.
    table = ran.stdout.split("By category, most serious first", 1)[1].split("\n\n", 1)[0]
    lines = table.splitlines()[2:]
    total = f"{len(records):,}"
    for line, (label, rule) in zip(
        lines,
        [
            ("Immigration agency", "MON-1"),
            ("Immigration reason", "MON-2"),
            ("Immigration query", "MON-3"),
        ],
        strict=False,
    ):
        assert re.fullmatch(rf"\s+{label}\s+{rule}\s+0\s+0\s+[\d,]+\s+0\.0%", line), line
    vague = re.search(
        r"No articulable purpose\s+MON-4\s+([\d,]+)\s+([\d,]+)\s+([\d,]+)\s+(\S+)%", table
    )
    assert vague is not None and vague[3] == total and vague[1] == vague[2] != "0"
    assert "Uncertified access      MON-5      0  not checked" in table
    assert "2025-06" in ran.stdout and "2025-11" in ran.stdout


def test_eugene_reasons_with_ice_inside_a_word_are_not_immigration():
    reasons = {record["reason"] for record in eugene_rows().values()}
    inside = sorted(r for r in reasons if "ice" in r.lower())
    assert inside  # "police", "Police" ...: the trap is in the real data
    assert [r for r in inside if vocabulary.immigration_verdict(r, DIRECTORY)] == []


# The prefilter ------------------------------------------------------------------------------

CANDIDATES = re.compile(vocabulary.CANDIDATE_SQL)
WITH_AGENCIES = re.compile(vocabulary.candidate_sql(DIRECTORY))
ENTRIES = [pattern for pattern, _ in (*OFFENCES, *PHRASES, *AMBIGUOUS)]
NAMES = [
    spelling
    for agency in DIRECTORY.agencies
    for spelling in (agency.name, *agency.aliases, *agency.acronyms)
]
fragment = st.one_of(
    st.sampled_from(ENTRIES).flatmap(
        lambda p: st.from_regex(re.compile(p, re.IGNORECASE), fullmatch=True)
    ),
    st.sampled_from(NAMES),
    st.sampled_from(
        ["police", "notice", "Rice", "service", "the", "for", "of", "+", "(", ")", "/"]
    ),
    st.text(st.characters(codec="ascii", categories=("L", "N")), min_size=1, max_size=8),
)
texts = st.lists(fragment, min_size=1, max_size=6).flatmap(
    lambda parts: st.sampled_from([" ", "+", "/", ", "]).map(lambda sep: sep.join(parts))
)


@given(texts)
def test_the_sql_prefilter_keeps_every_reason_the_vocabulary_calls_immigration(text):
    if immigration_purpose(text).immigration:
        assert CANDIDATES.search(text), text
    if vocabulary.immigration_verdict(text, DIRECTORY) is not None:
        assert WITH_AGENCIES.search(text), text


GENERIC = [
    # (reason, case #, offence type, flagged, what the why says)
    ("investigation", "25-001", "", False, ""),
    ("inv", "", "Theft", False, ""),
    ("Criminal Investigation", "25-002", "Burglary", False, ""),
    ("Criminal Investigation", "", "", True, "neither a case number nor an offence type"),
    ("LE lookup", " ", "", True, "neither a case number nor an offence type"),
    ("training", "25-003", "Theft", True, "says nothing about why the search was run"),
    ("Daytime search for best result", "25-004", "", True, "says nothing about why"),
    ("REDACTED", "25-005", "Theft", True, "is redacted or blank"),
    ("", "25-006", "Theft", True, "No reason was given."),
]


@pytest.mark.django_db
def test_a_generic_reason_is_articulable_with_a_case_number_or_an_offence_type(tmp_path):
    log = tmp_path / "network.csv"
    header = ("Name", "Org Name", "Reason", "Case #", "Offense Type", "Search Time")
    rows = [
        (f"officer{i}", "Example PD", reason, case, offence, f"2025-11-14 10:{i:02d}:00")
        for i, (reason, case, offence, _, _) in enumerate(GENERIC)
    ]
    lines = logs.write_csv(log, header, rows)
    out = tmp_path / "flags.csv"
    assert custodiet_scan(log, "--out", out).code == 0
    flagged = {int(row["source_line"]): row["why"] for row in read_output(out)[1]}
    for line, (reason, _, _, expected, says) in zip(lines, GENERIC, strict=True):
        assert (line in flagged) == expected, reason
        if expected:
            assert says in flagged[line], (reason, flagged[line])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("header", "says"),
    [
        (("Reason", "DateTime", "Case Number"), "no case number (the log records no offence type)"),
        (("Reason", "DateTime", "Offense"), "no offence type (the log records no case number)"),
        (
            ("Reason", "DateTime", "Plate"),
            "the log records neither a case number nor an offence type",
        ),
    ],
)
def test_the_flag_says_which_was_missing_and_what_the_log_cannot_say(tmp_path, header, says):
    log = tmp_path / "audit.csv"
    logs.write_csv(log, header, [("investigation", "2025-11-14 10:00:00", "")])
    out = tmp_path / "flags.csv"
    ran = custodiet_scan(
        log, "--out", out, *(("--columns", "reason=Reason") if "Plate" in header else ())
    )
    assert ran.code == 0, ran.stderr
    [row] = read_output(out)[1]
    assert row["category"] == logs.VAGUE and says in row["why"]
