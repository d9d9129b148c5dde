"""The one form of the second-factor pages: the code an authenticator app shows."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError

from custodiet.web.forms import UswdsBoundField


class CodeForm(forms.Form):
    bound_field_class = UswdsBoundField

    code = forms.CharField(
        label="6-digit code",
        help_text="The code your authenticator app shows for Custodiet. It changes every 30 seconds.",
        max_length=16,
        strip=True,
        widget=forms.TextInput(
            attrs={
                "class": "usa-input usa-input--small",
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "autocapitalize": "off",
                "spellcheck": "false",
            }
        ),
    )

    def clean_code(self) -> str:
        # Apps show the code as "123 456"; people copy it with the space.
        code = re.sub(r"\s", "", self.cleaned_data["code"])
        if not re.fullmatch(r"\d{6}", code):
            raise ValidationError("Enter the 6 digits your authenticator app shows.")
        return code
