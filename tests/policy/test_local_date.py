"""The law in force is chosen by the date on the agency's calendar (contract 1.1).

SB21-131 took effect on 2021-06-25 in Colorado, so a request stamped 04:30 UTC that day,
still 24 June in Denver, is decided under the guidance alone; a request sent late on 24
June from California, already 25 June in Denver, is decided under the statute. A timestamp
without an offset is the agency's wall-clock time.
"""

from __future__ import annotations

import datetime as dt
import shutil
import zoneinfo
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custodiet.policy.engine import decide
from custodiet.policy.model import parse_request
from custodiet.policy.packs import PACKS_DIR, PackError, get_pack, load_pack

ICE_ERO = {
    "name": "Deportation Officer P. Vance",
    "organization": "U.S. Immigration and Customs Enforcement",
    "component": "ERO",
    "level": "federal",
}
REENTRY = {"case_number": "21-mj-0231", "offense": "8 U.S.C. 1326 illegal re-entry"}
INSURER = {"organization": "Front Range Mutual Insurance", "level": "private"}


def reentry_case(received_at: str) -> dict[str, Any]:
    """ICE's criminal re-entry case: eligible under the guidance, refused under the statute."""
    return {
        "received_at": received_at,
        "channel": "email",
        "receiving_agency": "CO-DOR-DMV",
        "requester": ICE_ERO,
        "records_requested": ["address"],
        "purpose": "Criminal re-entry case",
        "purpose_category": "criminal_investigation",
        "criminal_investigation": REENTRY,
    }


def decision_for(data: dict[str, Any], as_of: dt.date | None = None):
    return decide(parse_request(data), get_pack("us-co"), as_of=as_of)


@pytest.mark.parametrize(
    ("received_at", "denver_date", "outcome"),
    [
        # The scenario: 04:30 UTC on the 25th is 22:30 on the 24th in Denver (MDT, -06:00).
        ("2021-06-25T04:30:00+00:00", "2021-06-24", "eligible"),
        ("2021-06-25T04:30:00Z", "2021-06-24", "eligible"),
        ("2021-06-25T05:59:59Z", "2021-06-24", "eligible"),
        ("2021-06-25T06:00:00Z", "2021-06-25", "refuse"),
        # Late on the 24th in California (-07:00) or Hawaii (-10:00): the 25th in Denver.
        ("2021-06-24T23:30:00-07:00", "2021-06-25", "refuse"),
        ("2021-06-24T22:15:00-10:00", "2021-06-25", "refuse"),
        # Early on the 25th in Europe: still the 24th in Denver.
        ("2021-06-25T01:00:00+02:00", "2021-06-24", "eligible"),
        # No offset: Denver's own wall clock, whatever UTC says.
        ("2021-06-24T23:59:00", "2021-06-24", "eligible"),
        ("2021-06-25T00:01:00", "2021-06-25", "refuse"),
        ("2021-06-25", "2021-06-25", "refuse"),
        ("2021-06-24", "2021-06-24", "eligible"),
    ],
)
def test_the_date_in_denver_chooses_the_law(
    received_at: str, denver_date: str, outcome: str
) -> None:
    decision = decision_for(reentry_case(received_at))
    assert decision.policy.as_of == dt.date.fromisoformat(denver_date)
    assert decision.outcome == outcome
    assert decision.immigration_related is True


def test_the_guidance_begins_on_its_date_in_denver_not_in_utc() -> None:
    # An insurer's agency function: the federal baseline sends it to counsel, the guidance
    # lets it through. 05:30 UTC on 20 May 2020 is still 19 May in Denver.
    data = {
        "received_at": "2020-05-20T05:30:00Z",
        "requester": INSURER,
        "records_requested": ["driving_record"],
        "purpose_category": "agency_function",
    }
    assert decision_for(data).outcome == "legal_review"
    assert decision_for({**data, "received_at": "2020-05-20T06:30:00Z"}).outcome == "eligible"


def test_winter_and_summer_offsets_both_come_from_the_zone() -> None:
    # Denver is -07:00 in January: 06:30 UTC on 1 January 2022 is still 31 December 2021.
    data = reentry_case("2022-01-01T06:30:00Z")
    assert decision_for(data).policy.as_of == dt.date(2021, 12, 31)
    assert decision_for(reentry_case("2022-01-01T07:30:00Z")).policy.as_of == dt.date(2022, 1, 1)


def test_an_explicit_as_of_date_still_decides() -> None:
    decision = decision_for(reentry_case("2021-06-25T04:30:00Z"), as_of=dt.date(2022, 3, 1))
    assert decision.policy.as_of == dt.date(2022, 3, 1)
    assert decision.outcome == "refuse"


def test_the_certifications_age_is_counted_to_the_date_in_denver() -> None:
    # Signed 2023-03-01; the request reached Denver at 20:00 on 29 February 2024, 365 days
    # later (current), though in UTC it was already 1 March, 366 days (stale).
    data = {
        "received_at": "2024-03-01T03:00:00Z",
        "channel": "database",
        "requester": INSURER,
        "records_requested": ["driving_record"],
        "purpose_category": "agency_function",
        "certification": {"signed_on": "2023-03-01"},
    }
    assert decision_for(data).outcome == "eligible"
    assert decision_for({**data, "received_at": "2024-03-01T07:00:00Z"}).outcome == "refuse"


def test_the_request_converts_its_timestamp_to_a_zone_and_keeps_wall_clock_times() -> None:
    denver = zoneinfo.ZoneInfo("America/Denver")
    stamped = parse_request(reentry_case("2021-06-25T04:30:00+00:00"))
    assert stamped.received_on == dt.date(2021, 6, 25)  # the timestamp's own date
    assert stamped.received_on_in(denver) == dt.date(2021, 6, 24)
    assert stamped.received_on_in(None) == dt.date(2021, 6, 25)
    wall_clock = parse_request(reentry_case("2021-06-24T23:30:00"))
    assert wall_clock.received_on_in(denver) == dt.date(2021, 6, 24)


def test_the_colorado_pack_names_denver_and_the_federal_baseline_names_no_zone() -> None:
    assert get_pack("us-co").time_zone == "America/Denver"
    assert get_pack("us-federal").time_zone is None
    # With no zone, a timestamp's own date decides.
    request = parse_request(reentry_case("2021-06-25T04:30:00+00:00"))
    assert get_pack("us-federal").received_on(request) == dt.date(2021, 6, 25)


@pytest.mark.parametrize("zone", ['"Mars/Olympus_Mons"', '"not a zone"', "7"])
def test_a_pack_with_an_unknown_time_zone_does_not_load(tmp_path: Path, zone: str) -> None:
    directory = tmp_path / "us-co"
    shutil.copytree(PACKS_DIR / "us-co", directory)
    manifest = directory / "pack.toml"
    manifest.write_text(
        manifest.read_text().replace('time_zone = "America/Denver"', f"time_zone = {zone}")
    )
    with pytest.raises(PackError, match=r"pack\.toml: 'time_zone' must name an IANA time zone"):
        load_pack(directory, resolve=get_pack)


@settings(max_examples=200, deadline=None)
@given(
    st.datetimes(min_value=dt.datetime(2019, 1, 1), max_value=dt.datetime(2030, 12, 31)),
    st.integers(min_value=-12 * 4, max_value=14 * 4).map(lambda q: dt.timedelta(minutes=15 * q)),
)
def test_any_instant_is_decided_as_of_its_date_in_denver(
    moment: dt.datetime, offset: dt.timedelta
) -> None:
    stamped = moment.replace(tzinfo=dt.timezone(offset), microsecond=0)
    decision = decision_for(reentry_case(stamped.isoformat()))
    denver = zoneinfo.ZoneInfo("America/Denver")
    assert decision.policy.as_of == stamped.astimezone(denver).date()
