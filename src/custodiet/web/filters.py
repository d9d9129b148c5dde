"""What the staff pages' filters share: GET forms, so that a filtered page is a link to
bookmark or send, and errors that name the field and quote what was typed.

A value a filter does not know (a date like "soon", a choice that is not one) is an error;
the page then shows the errors and no numbers, rather than the whole passed off as the
filtered part (the request log, the access monitor).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from custodiet.web.forms import UswdsBoundField


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
