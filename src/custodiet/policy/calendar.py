"""Counting days as a state's law counts them: calendar days, or business days without
weekends and the state's holidays.

New York gives an agency 3 days after the request to tell the person; Illinois and
Massachusetts give 3 business days. A business day is a weekday that is not a public
holiday of the state (the `holidays` package's calendar for its subdivision, "US-NY"),
nor a day the deployment closes (`CUSTODIET_HOLIDAYS`, a comma-separated list of dates).
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from collections.abc import Iterable, Mapping

import holidays

# Far enough for any due date the law gives (days, not years), with room to spare.
_MAX_STEPS = 400


class CalendarError(ValueError):
    """A holiday calendar or a deployment's closing days that cannot be read."""


@functools.cache
def _state_holidays(calendar: str, year: int) -> frozenset[dt.date]:
    country, _, subdivision = calendar.partition("-")
    try:
        found = holidays.country_holidays(country, subdiv=subdivision or None, years=year)
    except (NotImplementedError, KeyError) as exc:
        raise CalendarError(f"no holiday calendar {calendar!r}: {exc}") from None
    return frozenset(found)


def closing_days(environ: Mapping[str, str] | None = None) -> frozenset[dt.date]:
    """The days the deployment closes beyond the state's holidays (`CUSTODIET_HOLIDAYS`)."""
    environ = os.environ if environ is None else environ
    raw = environ.get("CUSTODIET_HOLIDAYS", "")
    days = set()
    for part in raw.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            days.add(dt.date.fromisoformat(part))
        except ValueError:
            raise CalendarError(
                f"CUSTODIET_HOLIDAYS: {part!r} is not a date written as YYYY-MM-DD"
            ) from None
    return frozenset(days)


def is_business_day(day: dt.date, calendar: str | None, closed: Iterable[dt.date] = ()) -> bool:
    if day.weekday() >= 5 or day in closed:
        return False
    return calendar is None or day not in _state_holidays(calendar, day.year)


def add_days(
    start: dt.date,
    count: int,
    *,
    business: bool,
    calendar: str | None = None,
    closed: Iterable[dt.date] = (),
) -> dt.date:
    """The day `count` days (or business days) after `start`; `start` itself is day 0.

    "Within 3 business days of receiving" a request received on a Friday is the
    Wednesday after, or the Thursday when the Monday is a holiday.
    """
    if not business:
        return start + dt.timedelta(days=count)
    closed = frozenset(closed)
    day, counted = start, 0
    for _ in range(_MAX_STEPS):
        if counted >= count:
            return day
        day += dt.timedelta(days=1)
        if is_business_day(day, calendar, closed):
            counted += 1
    raise CalendarError(f"no {count} business days within {_MAX_STEPS} days of {start}")


def holidays_between(
    first: dt.date, last: dt.date, calendar: str | None, closed: Iterable[dt.date] = ()
) -> list[dt.date]:
    """The weekdays between two dates (both included) that are not business days."""
    found = []
    day = first
    while day <= last:
        if day.weekday() < 5 and not is_business_day(day, calendar, frozenset(closed)):
            found.append(day)
        day += dt.timedelta(days=1)
    return found
