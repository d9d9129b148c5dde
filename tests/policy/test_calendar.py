"""Counting days as the states' laws count them (custodiet.policy.calendar).

New York counts days ("no later than three days after"); Illinois and Massachusetts count
business days, which skip weekends, the state's own holidays (New York's Lincoln's
Birthday and Columbus Day, Illinois's Lincoln's Birthday, Massachusetts's Patriots' Day)
and the days the deployment closes (`CUSTODIET_HOLIDAYS`).
"""

from __future__ import annotations

import datetime as dt

import pytest

from custodiet.policy.calendar import (
    CalendarError,
    add_days,
    closing_days,
    holidays_between,
    is_business_day,
)

D = dt.date
FRIDAY = D(2026, 3, 6)
COLUMBUS_FRIDAY = D(2026, 10, 9)  # Monday 2026-10-12 is Columbus Day


# ------------------------------------------------------------------ calendar days


@pytest.mark.parametrize(
    ("start", "count", "expected"),
    [
        (FRIDAY, 3, D(2026, 3, 9)),  # Friday to Monday
        (COLUMBUS_FRIDAY, 3, D(2026, 10, 12)),  # a holiday Monday counts
        (D(2026, 12, 30), 3, D(2027, 1, 2)),  # across the year, onto a Saturday
        (D(2028, 2, 27), 3, D(2028, 3, 1)),  # a leap year
        (FRIDAY, 0, FRIDAY),
    ],
)
def test_calendar_days_count_every_day(start: dt.date, count: int, expected: dt.date) -> None:
    assert add_days(start, count, business=False, calendar="US-NY") == expected
    assert add_days(start, count, business=False) == expected


def test_calendar_days_ignore_closing_days() -> None:
    closed = [D(2026, 3, 7), D(2026, 3, 9)]
    assert add_days(FRIDAY, 3, business=False, calendar="US-NY", closed=closed) == D(2026, 3, 9)


# ------------------------------------------------------------------ business days


def test_a_friday_plus_three_business_days_is_wednesday() -> None:
    assert add_days(FRIDAY, 3, business=True, calendar="US-NY") == D(2026, 3, 11)


def test_a_new_york_holiday_monday_is_skipped() -> None:
    assert add_days(COLUMBUS_FRIDAY, 3, business=True, calendar="US-NY") == D(2026, 10, 15)
    assert add_days(COLUMBUS_FRIDAY, 1, business=True, calendar="US-NY") == D(2026, 10, 13)


def test_without_a_calendar_only_weekends_are_skipped() -> None:
    assert add_days(COLUMBUS_FRIDAY, 3, business=True) == D(2026, 10, 14)


def test_a_weekend_start_counts_from_monday() -> None:
    saturday = D(2026, 3, 7)
    assert add_days(saturday, 1, business=True, calendar="US-NY") == D(2026, 3, 9)
    assert add_days(saturday, 0, business=True, calendar="US-NY") == saturday


def test_illinois_lincolns_birthday() -> None:
    # Thursday 2026-02-12 is Lincoln's Birthday in Illinois (and New York), not Massachusetts.
    wednesday = D(2026, 2, 11)
    assert add_days(wednesday, 1, business=True, calendar="US-IL") == D(2026, 2, 13)
    assert add_days(wednesday, 1, business=True, calendar="US-NY") == D(2026, 2, 13)
    assert add_days(wednesday, 1, business=True, calendar="US-MA") == D(2026, 2, 12)
    assert not is_business_day(D(2026, 2, 12), "US-IL")
    assert is_business_day(D(2026, 2, 12), "US-MA")


def test_illinois_casimir_pulaski_day() -> None:
    # The first Monday of March: 2026-03-02.
    assert add_days(D(2026, 2, 27), 3, business=True, calendar="US-IL") == D(2026, 3, 5)
    assert add_days(D(2026, 2, 27), 3, business=True, calendar="US-NY") == D(2026, 3, 4)


def test_massachusetts_patriots_day() -> None:
    # The third Monday of April: 2026-04-20, in Massachusetts only.
    friday = D(2026, 4, 17)
    assert add_days(friday, 3, business=True, calendar="US-MA") == D(2026, 4, 23)
    assert add_days(friday, 3, business=True, calendar="US-NY") == D(2026, 4, 22)
    assert add_days(friday, 3, business=True, calendar="US-IL") == D(2026, 4, 22)


def test_federal_holidays_are_every_states() -> None:
    # Thanksgiving, Thursday 2026-11-26.
    for calendar in ("US-NY", "US-IL", "US-MA"):
        assert add_days(D(2026, 11, 25), 1, business=True, calendar=calendar) == D(2026, 11, 27)


def test_an_observed_holiday_is_skipped() -> None:
    # 2026-07-04 is a Saturday; New York observes it on Friday 2026-07-03.
    assert not is_business_day(D(2026, 7, 3), "US-NY")
    assert add_days(D(2026, 7, 2), 1, business=True, calendar="US-NY") == D(2026, 7, 6)


def test_holidays_are_found_in_the_year_of_the_day_counted() -> None:
    # From 2026-12-30 across New Year's Day 2027.
    assert add_days(D(2026, 12, 30), 2, business=True, calendar="US-NY") == D(2027, 1, 4)


def test_closing_days_are_skipped() -> None:
    closed = [D(2026, 12, 24), D(2026, 12, 31)]
    wednesday = D(2026, 12, 23)
    assert add_days(wednesday, 3, business=True, calendar="US-NY") == D(2026, 12, 29)
    # Thursday the 24th closed, Friday the 25th Christmas: Monday, Tuesday, Wednesday.
    assert add_days(wednesday, 3, business=True, calendar="US-NY", closed=closed) == D(2026, 12, 30)


def test_is_business_day() -> None:
    assert is_business_day(D(2026, 3, 6), "US-NY")
    assert not is_business_day(D(2026, 3, 7), "US-NY")  # Saturday
    assert not is_business_day(D(2026, 3, 8), None)  # Sunday
    assert not is_business_day(D(2026, 10, 12), "US-NY")  # Columbus Day
    assert is_business_day(D(2026, 10, 12), None)
    assert not is_business_day(D(2026, 3, 6), "US-NY", frozenset({D(2026, 3, 6)}))


def test_holidays_between() -> None:
    found = holidays_between(D(2026, 12, 20), D(2027, 1, 3), "US-NY", [D(2026, 12, 24)])
    assert found == [D(2026, 12, 24), D(2026, 12, 25), D(2027, 1, 1)]
    # weekends are not listed, only weekdays that are not business days
    assert holidays_between(D(2026, 3, 7), D(2026, 3, 8), "US-NY") == []


@pytest.mark.parametrize("calendar", ["US-XX", "ZZ"])
def test_an_unknown_calendar_is_an_error(calendar: str) -> None:
    with pytest.raises(CalendarError, match=calendar):
        add_days(FRIDAY, 3, business=True, calendar=calendar)


# ------------------------------------------------------------------ CUSTODIET_HOLIDAYS


def test_closing_days_parse_a_comma_separated_list() -> None:
    environ = {"CUSTODIET_HOLIDAYS": "2026-12-24, 2026-12-31"}
    assert closing_days(environ) == frozenset({D(2026, 12, 24), D(2026, 12, 31)})


@pytest.mark.parametrize("raw", ["", " ", ",", "2026-12-24,", " ,2026-12-24 , "])
def test_closing_days_ignore_empty_parts(raw: str) -> None:
    expected = frozenset({D(2026, 12, 24)}) if "2026" in raw else frozenset()
    assert closing_days({"CUSTODIET_HOLIDAYS": raw}) == expected


def test_no_closing_days_when_unset() -> None:
    assert closing_days({}) == frozenset()


def test_closing_days_read_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CUSTODIET_HOLIDAYS", "2026-11-27")
    assert closing_days() == frozenset({D(2026, 11, 27)})
    monkeypatch.delenv("CUSTODIET_HOLIDAYS")
    assert closing_days() == frozenset()


@pytest.mark.parametrize(
    ("raw", "bad"),
    [
        ("2026-12-24, 24/12/2026", "24/12/2026"),
        ("2026-12-24; 2026-12-31", "2026-12-24; 2026-12-31"),
        ("2026-02-30", "2026-02-30"),
        ("December 24", "December 24"),
        ("2026-12-24, tomorrow, 2026-12-31", "tomorrow"),
    ],
)
def test_a_bad_closing_day_names_the_variable_and_the_bad_part(raw: str, bad: str) -> None:
    with pytest.raises(CalendarError) as caught:
        closing_days({"CUSTODIET_HOLIDAYS": raw})
    message = str(caught.value)
    assert "CUSTODIET_HOLIDAYS" in message
    assert bad in message


def test_a_calendar_error_is_a_value_error() -> None:
    assert issubclass(CalendarError, ValueError)
