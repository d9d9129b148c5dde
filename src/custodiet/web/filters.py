"""What the staff pages' filters share: GET forms, so that a filtered page is a link to
bookmark or send, and errors that name the field and quote what was typed.

A value a filter does not know (a date like "soon", a choice that is not one) is an error;
the page then shows the errors and no numbers, rather than the whole passed off as the
filtered part (the request log, the access monitor).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from custodiet.web.forms import UswdsBoundField

# The dates a filter takes: beyond these, no record can lie.
EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(9000, 12, 31)
# A filter open at one end, or a stray date far from the others, would draw centuries of
# empty bars; past this many months a chart keeps to the months found, so its size is
# bounded by the data's distinct months, never by the distance between two dates.
MAX_MONTHS = 120


def next_month(month: dt.date) -> dt.date:
    """The first day of the month after `month` (itself a first day)."""
    return (month + dt.timedelta(days=32)).replace(day=1)


def _months_between(low: dt.date, high: dt.date) -> int:
    return (high.year - low.year) * 12 + high.month - low.month + 1


def month_range(
    found: Collection[dt.date], start: dt.date | None, end: dt.date | None
) -> list[dt.date]:
    """The first day of every month a chart shows: from the filter's first day (or the
    first month found) to its last (or the last month found), all of them, empty or not.

    Empty when nothing was found. When that span is longer than MAX_MONTHS, from the first
    to the last month found; when that too is longer, only the months found, in order:
    a row dated in the year 8999 adds one month, not 83,000.
    """
    if not found:
        return []
    first, last = min(found), max(found)
    low = start.replace(day=1) if start else first
    high = end.replace(day=1) if end else last
    if _months_between(low, high) > MAX_MONTHS:
        low, high = first, last
        if _months_between(low, high) > MAX_MONTHS:
            return sorted(found)
    months = []
    month = low
    while month <= high:
        months.append(month)
        month = next_month(month)
    return months


def shown(value: object) -> str:
    """What the person typed, quoted, and short enough to read in an error."""
    text = str(value)
    return f"“{text[:40]}…”" if len(text) > 40 else f"“{text}”"


class ChoiceField(forms.ChoiceField):
    def validate(self, value: Any) -> None:
        if value and not self.valid_value(value):
            allowed = ", ".join(str(key) for key, _ in self.choices if key)
            raise ValidationError(
                f"{shown(value)} is not one of the choices: {allowed}.", code="invalid_choice"
            )
        super().validate(value)


def choice(label: str, choices: list[tuple[str, str]]) -> ChoiceField:
    return ChoiceField(
        label=label,
        required=False,
        choices=choices,
        widget=forms.Select(attrs={"class": "usa-select"}),
    )


class FilterForm(forms.Form):
    bound_field_class = UswdsBoundField

    def error_summary(self) -> list[tuple[str, str]]:
        """Each problem as (id of the input to jump to, message naming the field)."""
        return [
            (self[name].auto_id, f"{self.fields[name].label}: {message}")
            for name, messages in self.errors.items()
            for message in messages
        ]
