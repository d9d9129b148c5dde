"""Masking the personal data typed into reasons: what must be masked, the near misses that
must not be, the real Eugene audit (plain purposes, no one's data), and masking twice."""

from __future__ import annotations

import csv
import datetime as dt
import os
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custodiet.scanner.personal import mask, mask_cell, spans

from .conftest import EUGENE_LOG

# The day of the search, for the dates a reason gives without saying what they are.
SEARCHED = dt.date(2025, 11, 15)

# (reason as typed, as an auditor reads it)
MASKED = [
    # Names: LAST, FIRST in capitals or title case, after a cue, in a switch field.
    ("locate DOE, JOHN", "locate [name]"),
    ("ICE WARRANT DOE, JOHN Q", "ICE WARRANT [name]"),
    ("re Doe, Jane", "re [name]"),
    ("warrant check DOE, JANE M for ICE", "warrant check [name] for ICE"),
    ("assist ICE on I-247 for DOE, JOHN", "assist ICE on I-247 for [name]"),
    ("welfare check on Jane Example", "welfare check on [name]"),
    ("LOCATE JOHN DOE", "LOCATE [name]"),
    ("SUSPECT: DOE", "SUSPECT: [name]"),
    ("victim Jane Example vehicle", "victim [name] vehicle"),
    ("missing Johnny Example", "missing [name]"),
    ("MISSING FOR JOHN DOE", "MISSING FOR [name]"),
    ("For A. Example", "For [name]"),
    ("subject O'EXAMPLE", "subject [name]"),
    ("NAM/DOE, JOHN.DOB/19800102", "NAM/[name].DOB/[date of birth]"),
    (
        "IAQ.CO0010000.AX.TXT PUR/C.ATN/SGT ROE.NAM/DOE, JUAN.DOB/19900203.SEX/M",
        "IAQ.CO0010000.AX.TXT PUR/C.ATN/SGT ROE.NAM/[name].DOB/[date of birth].SEX/M",
    ),
    # Dates of birth: after a cue, in any common form.
    ("DOB 01/02/1980", "DOB [date of birth]"),
    ("dob:1980-01-02", "dob:[date of birth]"),
    ("D.O.B. 1/2/80", "D.O.B. [date of birth]"),
    ("date of birth: Jan 2, 1980", "date of birth: [date of birth]"),
    ("born 2 January 1980", "born [date of birth]"),
    ("Born in 1980", "Born in [date of birth]"),
    ("DOB 02JAN80 locate", "DOB [date of birth] locate"),
    # A date with no cue that makes someone 10 to 110 years old is read as a birth date.
    ("locate 03/15/1985", "locate [date of birth]"),
    ("warrant 12/31/2015", "warrant [date of birth]"),
    # Plates: after a cue, or a bare token mixing letters and digits.
    ("plate ABC1234", "plate [plate]"),
    ("LIC/ABC123", "LIC/[plate]"),
    ("tag 123ABC", "tag [plate]"),
    ("LICENSE PLATE: ABC-1234", "LICENSE PLATE: [plate]"),
    ("Stolen Plate 211PHL", "Stolen Plate [plate]"),
    ("Stolen Vehicle 41HP587", "Stolen Vehicle [plate]"),
    ("419DHN", "[plate]"),
    ("bolo plate MIMSY", "bolo plate [plate]"),
    # Driver licence numbers: after a cue, or in Colorado's form.
    ("DL 12-345-6789", "DL [licence number]"),
    ("OLN/123456789", "OLN/[licence number]"),
    ("driver's license A1234567", "driver's license [licence number]"),
    ("DL# 123456789", "DL# [licence number]"),
    ("traffic stop 98-765-4321", "traffic stop [licence number]"),
    # Social security numbers.
    ("123-45-6789", "[SSN]"),
    ("SSN 123-45-6789", "SSN [SSN]"),
    ("SOC 123456789", "SOC [SSN]"),
    # Several in one reason.
    (
        "locate Jane Example DOB 01/02/1980 plate ABC1234",
        "locate [name] DOB [date of birth] plate [plate]",
    ),
]

# What a reason is judged by, and looks like personal data to a careless reader.
KEPT = [
    # Case numbers, statutes, codes.
    "25-001234",
    "CASE 24-0012345",
    "Investigation, 2510494",
    "Missing person 25-131476",
    "INV. OF HIT AND RUN 25-1234",
    "2603300087",
    "20260332",
    "8 USC 1326",
    "C.R.S. 24-74-103",
    "INA 275",
    "10851 VC INV",
    "459PC",
    "PC187 suspect",
    "Possible 10-56 subject",
    "10-31 FHP",
    "DS160 overstay",
    "CO0160200",
    "DQ.CO0160200.CO.TXT",
    # The search's own dates and times, and the recent days of events.
    "stolen 11/14/2025",
    "11-6-25 Commons ORC",
    "Fleeing motorcycle 11.22.2025",
    "Alert: Stolen Vehicle - 2025-08-22T18:07:15.907Z",
    "at 0930HRS on 122ND ST",
    # Agencies.
    "ICE",
    "HSI",
    "Denver PD",
    "for Denver PD",
    "Example County SO",
    "assist for Example County SO",
    "for HSI",
    "SRCSO BOLO",
    # Offences, purposes and the monitor's vague words, in capitals or not.
    "burglary",
    "criminal alien",
    "Property Crime",
    "ICE WARRANT",
    "TRAFFIC STOP",
    "WELFARE CHECK",
    "WARRANT FOR BURGLARY",
    "BURGLARY, THEFT",
    "Locate missing person",
    "Locate Missing Person",
    "Suspect Vehicle",
    "Suspect Vehice",
    "Felony Peron Crime",
    "Feld9ony Person Crime",
    "Daytime search for best result",
    "SEARCH FOR BEST RESULT",
    "Wanted subject from NV",
    "WANTED SUBJECT FROM NV",
    "welfare check on resident",
    "CHECK ON DRIVER",
    "hit on I-25",
    "improper re-entry",
    "Theft in Eugene, OR",
    "DENVER, CO",
    "RSN/I.C.E. DETAINER",
    # Cues with nothing personal after them.
    "plate check",
    "PLATE CHECK",
    "Stolen tag",
    "Tag not assigned",
    "No DL",
    "DL susp",
    "dob unknown",
    "SSN not given",
]


@pytest.mark.parametrize(("reason", "shown"), MASKED, ids=[r for r, _ in MASKED])
def test_personal_data_typed_into_a_reason_is_masked_by_kind(reason, shown):
    assert mask(reason, as_of=SEARCHED) == shown


@pytest.mark.parametrize("reason", KEPT)
def test_what_a_reason_is_judged_by_is_not_masked(reason):
    assert spans(reason, as_of=SEARCHED) == []


def test_a_date_without_a_cue_is_a_birth_date_only_10_to_110_years_back():
    assert mask("locate 06/01/2016", as_of=SEARCHED) == "locate 06/01/2016"
    assert mask("locate 06/01/2015", as_of=SEARCHED) == "locate [date of birth]"
    assert mask("locate 06/01/1915", as_of=SEARCHED) == "locate [date of birth]"
    assert mask("locate 06/01/1914", as_of=SEARCHED) == "locate 06/01/1914"
    # A two-digit year is read at or before the search: 85 is 1985, 25 is 2025.
    assert mask("locate 3/15/85", as_of=SEARCHED) == "locate [date of birth]"
    assert mask("locate 3/15/25", as_of=SEARCHED) == "locate 3/15/25"
    # With no day of the search to judge by, only a cue makes a date a birth date.
    assert mask("locate 03/15/1985") == "locate 03/15/1985"
    assert mask("DOB 03/15/1985") == "DOB [date of birth]"


def test_spans_give_where_and_what():
    reason = "locate DOE, JOHN DOB 01/02/1980"
    assert spans(reason) == [(7, 16, "name"), (21, 31, "date of birth")]


def test_a_column_is_shown_by_what_it_holds():
    searched = {"as_of": SEARCHED}
    # What was looked up shows as its kind alone, whatever it holds.
    assert mask_cell("License Plate", "ABC1234", **searched) == "[plate]"
    assert mask_cell("subject", "Jane Example", **searched) == "[subject]"
    message = "DQ.CO0160200.CO.TXT RSN/ICE.NAM/DOE, JOHN.DOB/19800102"
    assert mask_cell("message", message, **searched) == "[message]"
    # Free text goes through `mask`, by its name in any spelling, or unknown.
    assert mask_cell("Reason", "locate DOE, JOHN", **searched) == "locate [name]"
    assert mask_cell("Search Reason", "DOB 1/2/80", **searched) == "DOB [date of birth]"
    assert mask_cell("Text Prompt", "white pickup ABC1234", **searched) == "white pickup [plate]"
    assert mask_cell("Notes", "SSN 123-45-6789", **searched) == "SSN [SSN]"
    assert mask_cell("Case #", "25-001234", **searched) == "25-001234"
    # When, where from and by whom show as they are: ids and times look like plates and dates.
    assert mask_cell("ID", "5869ce7e-98f2-47e7", **searched) == "5869ce7e-98f2-47e7"
    assert mask_cell("Name", "Officer 41HP587", **searched) == "Officer 41HP587"
    assert mask_cell("searchDate", "1980-01-02 00:02:04", **searched) == "1980-01-02 00:02:04"
    assert mask_cell("ori", "CO0160200", **searched) == "CO0160200"
    assert mask_cell("License Plate", "", **searched) == ""


def _read_eugene() -> list[tuple[str, dt.date]]:
    """Each reason of the Eugene audit with the day it was searched; none without the file."""
    if not EUGENE_LOG.is_file():
        return []
    with EUGENE_LOG.open(encoding="utf-8-sig", newline="") as handle:
        return [
            (row["reason"], dt.date.fromisoformat(row["searchDate"][:10]))
            for row in csv.DictReader(handle)
        ]


EUGENE = _read_eugene()
# The Eugene reasons that are no plain purpose: two bare plates, and the searches run from an
# alert, which name the alert's plate ("... Alert: Stolen Plate 211PHL - 2025-08-19T...").
EUGENE_PLATES = {"419DHN", "589hpm"}
FROM_AN_ALERT = "Other image search from alerts page associated with Alert: "
PLAIN = sorted({r for r, _ in EUGENE if r not in EUGENE_PLATES and not r.startswith(FROM_AN_ALERT)})


@pytest.fixture(scope="module")
def eugene() -> list[tuple[str, dt.date]]:
    if not EUGENE:
        if os.environ.get("CI"):
            pytest.fail(f"the shared query log is missing at {EUGENE_LOG}")
        pytest.skip("no shared folder beside the project")
    return EUGENE


def test_no_plain_purpose_of_the_eugene_audit_is_masked(eugene):
    assert len(eugene) > 4000
    plain = set(PLAIN)
    masked = {reason for reason, day in eugene if reason in plain and spans(reason, as_of=day)}
    assert masked == set()


def test_the_eugene_searches_from_an_alert_mask_the_alerts_plate_and_keep_its_time(eugene):
    for reason, day in eugene:
        if reason in EUGENE_PLATES:
            assert mask(reason, as_of=day) == "[plate]"
        elif reason.startswith(FROM_AN_ALERT):
            alert, plate, time = re.fullmatch(r"(.* )(\S+)( - \S+)", reason).groups()
            # Letters alone and no cue: a vanity plate ("MIMSY") is not told from a word.
            shown = plate if plate.isalpha() else "[plate]"
            assert mask(reason, as_of=day) == alert + shown + time


@given(data=st.data(), day=st.dates(dt.date(2022, 1, 1)))
def test_a_plain_purpose_is_never_masked_whatever_the_day(eugene, data, day):
    reason = data.draw(st.sampled_from(PLAIN))
    assert mask(reason, as_of=day) == reason


@given(
    parts=st.lists(
        st.one_of(
            st.sampled_from(PLAIN or KEPT),
            st.sampled_from([text for text, _ in MASKED]),
            st.sampled_from(KEPT),
            st.text(alphabet="ABCDEFJNOSabcdefjnos0123456789 ,./-:#[]'", max_size=20),
            st.text(max_size=10),
        ),
        max_size=6,
    ),
    separator=st.sampled_from([" ", ", ", ".", "/", "", "\n"]),
    day=st.none() | st.dates(dt.date(2000, 1, 1), dt.date(2030, 12, 31)),
)
def test_masking_twice_changes_nothing(parts, separator, day):
    once = mask(separator.join(parts), as_of=day)
    assert mask(once, as_of=day) == once
