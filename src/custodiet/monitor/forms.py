"""The access monitor's filter: a GET form, so that a filtered overview is a link to keep.

Scans are those of the reader's agency only; a scan number that is not one of them is an
error, like a month written "soon", and the page then shows no numbers at all.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from custodiet.accounts.models import Agency
from custodiet.monitor.counts import FindingFilter
from custodiet.monitor.models import CATEGORY_LABELS, Scan
from custodiet.scanner.rules import IMMIGRATION_CATEGORIES
from custodiet.web.filters import EARLIEST, LATEST, FilterForm, choice, shown

# The category filter's one value that is not a category: the three immigration ones.
IMMIGRATION = "immigration"
_MONTH = re.compile(r"(\d{4})-(\d{2})")


class MonthInput(forms.TextInput):
    # Browsers without a month picker show a text box, which the hint explains.
    input_type = "month"


class MonthField(forms.Field):
    """A month written 2025-03, as the first day of the month."""

    widget = MonthInput

    def to_python(self, value: Any) -> dt.date | None:
        text = str(value or "").strip()
        if not text:
            return None
        found = _MONTH.fullmatch(text)
        if not found or not 1 <= int(found.group(2)) <= 12:
            raise ValidationError(
                f"{shown(value)} is not a month; write it as 2025-03.", code="invalid"
            )
        month = dt.date(int(found.group(1)), int(found.group(2)), 1)
        if not EARLIEST <= month <= LATEST:
            raise ValidationError(
                f"{text} is outside the years {EARLIEST.year} to {LATEST.year}.",
                code="out_of_range",
            )
        return month


def _month(label: str) -> MonthField:
    return MonthField(
        label=label,
        required=False,
        help_text="As 2025-03.",
        widget=MonthInput(attrs={"class": "usa-input"}),
    )


class ScanChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        imported = timezone.localtime(obj.imported_at)
        return f"Scan {obj.pk}, imported {imported.day} {imported:%b %Y} ({obj.file_names})"


class MonitorFilterForm(FilterForm):
    scan = ScanChoiceField(
        label="Scan",
        required=False,
        queryset=Scan.objects.none(),
        empty_label="Every scan",
        widget=forms.Select(attrs={"class": "usa-select"}),
        error_messages={
            "invalid_choice": "“%(value)s” is not a scan of your agency; choose one from the list."
        },
    )
    category = choice(
        "Category",
        [
            ("", "Any category"),
            (IMMIGRATION, "Any immigration category"),
            *CATEGORY_LABELS.items(),
        ],
    )
    accessor = forms.CharField(
        label="Accessing agency",
        help_text="Part of its name or ORI.",
        required=False,
        max_length=300,
        strip=True,
        widget=forms.TextInput(attrs={"class": "usa-input"}),
    )
    start = _month("From month")
    end = _month("Until month")

    def __init__(self, *args: Any, agency: Agency, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.agency = agency
        self.fields["scan"].queryset = Scan.objects.filter(agency=agency)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", f"{end:%Y-%m} comes before the first month, {start:%Y-%m}.")
        return cleaned

    def finding_filter(self) -> FindingFilter:
        """The filter the valid form describes."""
        data = self.cleaned_data
        category = data["category"]
        return FindingFilter(
            agency=self.agency,
            scan=data["scan"],
            categories=IMMIGRATION_CATEGORIES
            if category == IMMIGRATION
            else ((category,) if category else ()),
            accessor=data["accessor"],
            start=data["start"],
            end=data["end"],
        )
