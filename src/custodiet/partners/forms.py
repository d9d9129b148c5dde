"""Forms of the partner pages: a partner's details, a notice sent, an acknowledgment, a
certification with its signed form, and the list's filters.

They only turn what a person typed into the actions' arguments; the actions
(`custodiet.partners.actions`) judge them, and a form shows their problems on the fields
they concern (`show_problems`).
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from custodiet.accounts.models import Agency
from custodiet.directory.current import current_directory
from custodiet.partners.actions import Details, check, complete
from custodiet.partners.models import AcknowledgedBy, Delivery, Kind, Notice, Partner
from custodiet.partners.registry import STANDINGS
from custodiet.web.forms import MAX_PDF_PAGES, PdfDocument, UswdsBoundField, read_pdf

NOTICE_STATES = {
    "acknowledged": "Acknowledged",
    "waiting": "Sent, not acknowledged",
    "never_sent": "Never sent",
}


def _input(**attrs: str) -> forms.TextInput:
    return forms.TextInput(attrs={"class": "usa-input", **attrs})


def _select() -> forms.Select:
    return forms.Select(attrs={"class": "usa-select"})


def _date() -> forms.DateInput:
    return forms.DateInput(attrs={"class": "usa-input", "type": "date"}, format="%Y-%m-%d")


def _directory_choices() -> list[tuple[str, str]]:
    listed = sorted(current_directory().agencies, key=lambda agency: agency.name.casefold())
    return [("", "Not in the directory")] + [(a.id, f"{a.name} ({a.id})") for a in listed]


class Form(forms.Form):
    bound_field_class = UswdsBoundField

    def show_problems(self, problems: dict[str, str]) -> None:
        """Put an action's problems on the fields they name (the form's top otherwise)."""
        for name, message in problems.items():
            self.add_error(name if name in self.fields else None, message)

    def error_summary(self) -> list[tuple[str | None, str]]:
        """Each problem as (id of the input to jump to, message naming the field)."""
        return [
            (self[name].auto_id if name in self.fields else None, self._named(name, message))
            for name, messages in self.errors.items()
            for message in messages
        ]

    def _named(self, name: str, message: str) -> str:
        return f"{self.fields[name].label}: {message}" if name in self.fields else message


class PartnerForm(Form):
    directory_id = forms.ChoiceField(
        label="Entry in the agency directory",
        required=False,
        widget=_select(),
        help_text=(
            "The directory the decisions read gives a listed partner's other names, "
            "acronyms and ORIs. Leave it at “Not in the directory” for a partner it does "
            "not list (most private companies)."
        ),
    )
    name = forms.CharField(
        label="Name",
        required=False,
        max_length=200,
        widget=_input(),
        help_text="As the partner writes it. Leave blank to use the directory's name.",
    )
    kind = forms.ChoiceField(
        label="Kind of organization", choices=[("", "Choose one"), *Kind.choices], widget=_select()
    )
    oris = forms.CharField(
        label="Other ORIs",
        required=False,
        widget=_input(autocomplete="off"),
        help_text=(
            "Originating Agency Identifiers the directory does not already give this "
            "partner: 9 letters and digits each, separated by spaces or commas."
        ),
    )
    contact_name = forms.CharField(
        label="Contact's name and title", required=False, max_length=200, widget=_input()
    )
    contact_email = forms.EmailField(
        label="Contact's email address",
        required=False,
        widget=forms.EmailInput(attrs={"class": "usa-input"}),
        help_text="Notices sent by email go here.",
    )
    contact_address = forms.CharField(
        label="Postal address",
        required=False,
        widget=forms.Textarea(attrs={"class": "usa-textarea", "rows": "3"}),
    )

    def __init__(self, *args: Any, agency: Agency, partner: Partner | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.agency = agency
        self.partner = partner
        self.fields["directory_id"].choices = _directory_choices()

    @classmethod
    def initial_for(cls, partner: Partner) -> dict[str, Any]:
        return {
            "directory_id": partner.directory_id,
            "name": partner.name,
            "kind": partner.kind,
            "oris": " ".join(partner.oris),
            "contact_name": partner.contact_name,
            "contact_email": partner.contact_email,
            "contact_address": partner.contact_address,
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not self.errors:
            self.show_problems(check(self.agency, self.details(), partner=self.partner))
        return cleaned

    def details(self) -> Details:
        data = self.cleaned_data
        return complete(
            Details(
                name=data["name"],
                kind=data["kind"],
                directory_id=data["directory_id"],
                oris=tuple(re.split(r"[\s,;]+", data["oris"])),
                contact_name=data["contact_name"],
                contact_email=data["contact_email"],
                contact_address=data["contact_address"],
            )
        )


class NoticeForm(Form):
    method = forms.ChoiceField(
        label="How it is sent",
        choices=Delivery.choices,
        initial=Delivery.EMAIL,
        widget=forms.RadioSelect(attrs={"class": "usa-radio__input"}),
    )
    sent_to = forms.CharField(
        label="Sent to",
        required=False,
        max_length=500,
        widget=_input(),
        help_text=(
            "By email or mail, leave blank to use the partner's contact email or postal "
            "address. By hand, give who received it."
        ),
    )


class AcknowledgmentForm(Form):
    notice = forms.ModelChoiceField(
        label="Notice acknowledged", queryset=Notice.objects.none(), widget=_select()
    )
    acknowledged_on = forms.DateField(label="Date of the acknowledgment", widget=_date())
    acknowledged_by = forms.CharField(
        label="Acknowledged by",
        max_length=300,
        widget=_input(),
        help_text="The name and title of who acknowledged it for the partner.",
    )
    method = forms.ChoiceField(
        label="How", choices=[("", "Choose one"), *AcknowledgedBy.choices], widget=_select()
    )

    def __init__(self, *args: Any, notices: QuerySet[Notice], **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["notice"]
        field.queryset = notices
        field.label_from_instance = lambda notice: (
            f"{notice.reference}, sent {timezone.localtime(notice.sent_at):%Y-%m-%d} "
            f"by {notice.get_method_display().lower()}"
        )


class CertificationForm(Form):
    signed_on = forms.DateField(label="Date signed", widget=_date())
    signer_name = forms.CharField(label="Signed by", max_length=200, widget=_input())
    signer_title = forms.CharField(label="Signer's title", max_length=200, widget=_input())
    form = forms.FileField(
        label="The signed form, as a PDF",
        widget=forms.FileInput(attrs={"class": "usa-input", "accept": "application/pdf,.pdf"}),
        help_text=f"At most 5 MB and {MAX_PDF_PAGES} pages. It is kept with its SHA-256.",
    )

    def clean_form(self) -> PdfDocument:
        # The gate every uploaded PDF passes: its type, size and pages.
        return read_pdf(self.cleaned_data["form"])


class PartnerFilterForm(Form):
    q = forms.CharField(label="Name contains", required=False, max_length=200, widget=_input())
    kind = forms.ChoiceField(
        label="Kind", required=False, choices=[("", "Any"), *Kind.choices], widget=_select()
    )
    certification = forms.ChoiceField(
        label="Certification",
        required=False,
        choices=[("", "Any"), *STANDINGS.items()],
        widget=_select(),
    )
    notice = forms.ChoiceField(
        label="Notice",
        required=False,
        choices=[("", "Any"), *NOTICE_STATES.items()],
        widget=_select(),
    )
