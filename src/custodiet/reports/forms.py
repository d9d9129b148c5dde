"""The request log's filter: a GET form, so that a filtered log is a link to bookmark or send.

A value the form does not know (a date like "soon", an outcome that is not one) is an
error that names the field; the page then shows no counts, chart, rows or downloads,
rather than the whole log passed off as the filtered one.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from custodiet.accounts.models import Agency
from custodiet.policy.model import CHANNELS, OUTCOMES
from custodiet.records.export import FINAL_STATUSES, LogFilter
from custodiet.web.filters import EARLIEST, LATEST, FilterForm, choice, shown
from custodiet.web.forms import vocabulary_label

IMMIGRATION_CHOICES = {"": None, "yes": True, "no": False}
# The years a request's date may have (custodiet.policy.model.YEARS); far beyond them, the
# day after the last date would overflow.


class _DateField(forms.DateField):
    def to_python(self, value: Any) -> Any:
        try:
            day = super().to_python(value)
        except ValidationError:
            raise ValidationError(
                f"{shown(value)} is not a date; write it as 2025-03-31.", code="invalid"
            ) from None
        if day and not EARLIEST <= day <= LATEST:
            raise ValidationError(
                f"{day:%Y-%m-%d} is outside the years of any request, "
                f"{EARLIEST.year} to {LATEST.year}.",
                code="out_of_range",
            )
        return day


def _date(label: str) -> forms.DateField:
    return _DateField(
        label=label,
        required=False,
        widget=forms.DateInput(attrs={"class": "usa-input", "type": "date"}, format="%Y-%m-%d"),
    )


def _vocabulary(vocabulary: str, values: tuple[str, ...], any_label: str) -> list[tuple[str, str]]:
    return [("", any_label), *((value, vocabulary_label(value, vocabulary)) for value in values)]


class LogFilterForm(FilterForm):
    start = _date("Received from")
    end = _date("Received until")
    requester = forms.CharField(
        label="Requester",
        help_text="Part of the organization's name.",
        required=False,
        max_length=300,
        strip=True,
        widget=forms.TextInput(attrs={"class": "usa-input"}),
    )
    outcome = choice("Rules' outcome", _vocabulary("outcome", OUTCOMES, "Any outcome"))
    final_status = choice("Final status", _vocabulary("final_status", FINAL_STATUSES, "Any status"))
    immigration_related = choice(
        "Immigration-related", [("", "Either"), ("yes", "Yes"), ("no", "No")]
    )
    channel = choice("How it arrived", _vocabulary("channel", CHANNELS, "Any way"))

    def __init__(
        self, *args: Any, agency: Agency, counts_only: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        # Whose log: the reader's own agency, never one the query string names.
        self.agency = agency
        self.counts_only = counts_only

    def clean_requester(self) -> str:
        requester: str = self.cleaned_data["requester"]
        # A requester may be a private person; those who see counts only cannot ask about one.
        if requester and self.counts_only:
            raise ValidationError(
                "your role sees counts only, and counts are not broken down by requester."
            )
        return requester

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", f"{end:%Y-%m-%d} comes before the first date, {start:%Y-%m-%d}.")
        return cleaned

    def log_filter(self) -> LogFilter:
        """The filter the valid form describes."""
        data = self.cleaned_data
        return LogFilter(
            agency=self.agency,
            start=data["start"],
            end=data["end"],
            requester=data["requester"],
            outcome=data["outcome"],
            immigration_related=IMMIGRATION_CHOICES[data["immigration_related"]],
            channel=data["channel"],
            final_status=data["final_status"],
        )
