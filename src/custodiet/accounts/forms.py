"""The code an authenticator app shows: on the second-factor pages, and again on the acts
that need a fresh one."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from custodiet.accounts import two_factor
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


class FreshCodeForm(forms.Form):
    """A form whose act needs a new code from the authenticator where the deployment
    requires a second factor of the person: the code that opened the session is refused
    (django-otp accepts no code twice), so a session left open is not enough."""

    code = forms.CharField(
        required=False,
        max_length=12,
        label="A code from your authenticator app",
        widget=forms.TextInput(
            attrs={"class": "usa-input", "autocomplete": "one-time-code", "inputmode": "numeric"}
        ),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.needs_code = two_factor.is_required(user)
        if self.needs_code:
            self.fields["code"].required = True
        else:
            del self.fields["code"]

    def clean_code(self) -> str:
        code = str(self.cleaned_data.get("code", "")).strip()
        check = two_factor.verify_device(user=self.user, code=code)
        if check.retry_at is not None:
            when = timezone.localtime(check.retry_at).strftime("%H:%M:%S")
            raise ValidationError(
                f"Too many wrong codes: wait until {when}, then enter the code your app shows"
            )
        if check.device is None:
            raise ValidationError(
                "That code did not match: enter the code your authenticator app shows now"
            )
        return code
