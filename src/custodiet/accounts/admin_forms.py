"""The administration's forms: a new person, a person's role and agency, the agency's
details, a partner's token. They only parse; `custodiet.accounts.actions` decides."""

from __future__ import annotations

from zoneinfo import available_timezones

from django import forms

from custodiet.accounts.forms import FreshCodeForm
from custodiet.accounts.models import Agency, Role
from custodiet.web.forms import UswdsBoundField

# The roles an administrator hands out on the pages: every role but their own, which is
# given on the command line (custodiet.accounts.actions.ON_THE_COMMAND_LINE).
ROLES = [(value, label) for value, label in Role.choices if value != Role.ADMINISTRATOR]
ROLE_CHOICES = [("", "Choose a role"), *ROLES]


def _input(**attrs: str) -> forms.TextInput:
    return forms.TextInput(attrs={"class": "usa-input", **attrs})


def _select() -> forms.Select:
    return forms.Select(attrs={"class": "usa-select"})


class Summarised(forms.Form):
    bound_field_class = UswdsBoundField

    def error_summary(self) -> list[tuple[str | None, str]]:
        """Each problem as (id of the input to jump to, message naming the field)."""
        return [
            (
                self[name].auto_id if name in self.fields else None,
                f"{self.fields[name].label}: {message}" if name in self.fields else message,
            )
            for name, messages in self.errors.items()
            for message in messages
        ]


class AdminForm(Summarised, FreshCodeForm):
    """A change that needs a fresh code where the deployment requires a second factor."""


class PersonForm(AdminForm):
    username = forms.CharField(
        max_length=150,
        label="Username",
        help_text="What they sign in with: letters, digits and @ . + - _ only.",
        widget=_input(autocomplete="off", autocapitalize="off", spellcheck="false"),
    )
    first_name = forms.CharField(max_length=150, label="First name", widget=_input())
    last_name = forms.CharField(max_length=150, label="Last name", widget=_input())
    email = forms.EmailField(
        required=False,
        label="Work email",
        help_text="Where Custodiet tells them of cases that come back to them.",
        widget=forms.EmailInput(attrs={"class": "usa-input"}),
    )
    role = forms.ChoiceField(choices=ROLE_CHOICES, label="Role", widget=_select())

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        allowed = set("@.+-_")
        if not all(ch.isalnum() or ch in allowed for ch in username):
            raise forms.ValidationError("use letters, digits and @ . + - _ only")
        return username


class MembershipForm(AdminForm):
    role = forms.ChoiceField(choices=ROLES, label="Role", widget=_select())
    agency = forms.ModelChoiceField(
        queryset=Agency.objects.order_by("name"),
        label="Agency",
        help_text=(
            "Someone moved to another agency arrives there deactivated: its administrator "
            "lets them in. Their API tokens end."
        ),
        empty_label=None,
        widget=_select(),
    )


class TokenForm(AdminForm):
    name = forms.CharField(
        max_length=100,
        required=False,
        label="What the token is for",
        help_text="For example the partner system's name; the token list shows it.",
        widget=_input(),
    )


class ConfirmForm(AdminForm):
    """An act with nothing to fill in but, where required, a fresh code."""


TIME_ZONES = sorted(available_timezones())


class AgencyForm(Summarised):
    name = forms.CharField(max_length=200, label="Name, as letters print it", widget=_input())
    address = forms.CharField(
        required=False,
        label="Return address",
        help_text="One line per line, as it goes at the top of every letter.",
        widget=forms.Textarea(attrs={"class": "usa-textarea", "rows": 4}),
    )
    email = forms.EmailField(
        required=False,
        label="Email for replies",
        widget=forms.EmailInput(attrs={"class": "usa-input"}),
    )
    phone = forms.CharField(
        max_length=40, required=False, label="Telephone", widget=_input(autocomplete="tel")
    )
    time_zone = forms.ChoiceField(
        choices=[(name, name) for name in TIME_ZONES],
        label="Time zone",
        help_text="The dates on its letters are written in it.",
        widget=_select(),
    )
    answer_within_days = forms.IntegerField(
        min_value=1,
        max_value=365,
        label="Days to answer a request",
        help_text="A request waiting longer shows as overdue.",
        widget=forms.NumberInput(attrs={"class": "usa-input usa-input--small"}),
    )
