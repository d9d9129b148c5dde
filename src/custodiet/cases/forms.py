"""Forms of the case pages: intake of a request, the work queue's filter, the actions, and
the steps some decisions require before release.

Intake is the explorer's request form (`custodiet.web.forms.RequestForm`) with what a real
request adds: the person whose records are sought, the channel it came by, and the legal
documents the requester offered, kept as uploaded. The receiving agency is the clerk's
own, never typed.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from custodiet.accounts.models import Agency
from custodiet.cases.actions import Upload, looks_like_a_document_number
from custodiet.cases.models import State
from custodiet.policy.pdftext import BUDGET
from custodiet.web.forms import (
    CONTRACT_FIELDS,
    MAX_PDF_PAGES,
    MultipleFileInput,
    MultiplePdfField,
    PdfDocument,
    RequestForm,
    UswdsBoundField,
    read_pdf,
    vocabulary_label,
)

# How requests reach a clerk; portal, API and database requests arrive by other doors.
INTAKE_CHANNELS = ("phone", "email", "mail", "in_person")
MAX_DOCUMENTS = 10
# Less than this left of the form's reading time is too little to read another PDF.
MIN_SECONDS = 0.5


class IntakeForm(RequestForm):
    """A request taken by phone, email, mail or at the counter, with its documents."""

    receiving_agency = None  # the clerk's agency, set by the form's owner
    channel = forms.ChoiceField(
        label="How it arrived",
        choices=[
            ("", "Choose one"),
            *((value, vocabulary_label(value)) for value in INTAKE_CHANNELS),
        ],
        widget=forms.Select(attrs={"class": "usa-select"}),
    )
    # Where the answer goes: the letter is addressed and may be emailed to these.
    requester_email = forms.EmailField(
        label="Requester's email",
        required=False,
        max_length=300,
        widget=forms.EmailInput(attrs={"class": "usa-input", "autocomplete": "off"}),
        help_text="The letter that answers the request can be emailed here.",
    )
    requester_address = forms.CharField(
        label="Requester's postal address",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"class": "usa-textarea", "rows": "4"}),
        help_text="As it goes on an envelope, one line per line. The letter is addressed to it.",
    )
    subject_name = forms.CharField(
        label="Person's name",
        required=False,
        widget=forms.TextInput(attrs={"class": "usa-input", "autocomplete": "off"}),
    )
    subject_date_of_birth = forms.DateField(
        label="Person's date of birth",
        required=False,
        widget=forms.DateInput(attrs={"class": "usa-input", "type": "date"}, format="%Y-%m-%d"),
    )
    subject_license_number = forms.CharField(
        label="Person's driver's license or ID number",
        required=False,
        widget=forms.TextInput(attrs={"class": "usa-input", "autocomplete": "off"}),
    )
    documents = MultiplePdfField(
        label="Upload the documents as PDFs",
        required=False,
        widget=MultipleFileInput(attrs={"class": "usa-input", "accept": "application/pdf,.pdf"}),
        help_text=(
            f"You may choose several files, each at most 5 MB and {MAX_PDF_PAGES} pages. "
            "They are kept with the case with their SHA-256, and their text is read to "
            "classify them; the first one's text replaces the text typed above."
        ),
    )

    contract_fields = CONTRACT_FIELDS | {
        "requester.email": "requester_email",
        "requester.address": "requester_address",
        "subjects": "subject_name",
        "subjects[0].name": "subject_name",
        "subjects[0].date_of_birth": "subject_date_of_birth",
        "subjects[0].license_number": "subject_license_number",
        "legal_process": "documents",
    }

    def __init__(self, *args: Any, agency: Agency, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.agency = agency
        self.pdfs: list[PdfDocument] = []

    def clean_documents(self) -> list[PdfDocument]:
        uploads = self.cleaned_data["documents"]
        if len(uploads) > MAX_DOCUMENTS:
            raise ValidationError(f"Upload at most {MAX_DOCUMENTS} documents at a time.")
        # One time budget for the whole form, not one per file, and no further file read
        # after a refusal: ten hostile files cannot hold the worker ten times as long.
        deadline = time.monotonic() + BUDGET.seconds
        for upload in uploads:
            left = deadline - time.monotonic()
            if left < MIN_SECONDS:
                raise ValidationError(
                    f"{upload.name}: these documents together take more than "
                    f"{BUDGET.seconds:g} seconds to read; upload fewer at a time."
                )
            try:
                self.pdfs.append(read_pdf(upload, seconds=left))
            except ValidationError as error:
                raise ValidationError(
                    [f"{upload.name}: {message}" for message in error.messages]
                ) from None
        return self.pdfs

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.pdfs:
            cleaned["process_text"] = self.pdfs[0].text
            # Show the text the decision is made on, in the box it replaced, should the
            # form come back with a problem (the files themselves must be chosen again).
            self.data = self.data.copy()
            self.data["process_text"] = self.pdfs[0].text
        return cleaned

    def contract(self) -> dict[str, Any]:
        request = super().contract()
        data = self.cleaned_data
        request["receiving_agency"] = self.agency.code
        contact = {"email": data["requester_email"], "address": data["requester_address"]}
        request["requester"] |= {key: value for key, value in contact.items() if value}
        born = data["subject_date_of_birth"]
        subject = {
            key: value
            for key, value in {
                "name": data["subject_name"],
                "date_of_birth": born.isoformat() if born else None,
                "license_number": data["subject_license_number"],
            }.items()
            if value
        }
        if subject:
            request["subjects"] = [subject]
        # The first PDF is the document the fields describe; each further one is a
        # document of its own, known only by its text.
        extra = [{"text": pdf.text} for pdf in self.pdfs[1:]]
        if extra:
            request["legal_process"] = [*request["legal_process"], *extra]
        return request

    def uploads(self) -> list[Upload]:
        return [Upload(pdf.filename, pdf.content, pdf.text) for pdf in self.pdfs]


class QueueFilterForm(forms.Form):
    bound_field_class = UswdsBoundField

    state = forms.ChoiceField(
        label="Show",
        required=False,
        choices=[("", "My queue"), *State.choices],
        widget=forms.Select(attrs={"class": "usa-select"}),
    )

    def __init__(self, *args: Any, counts: dict[str, int] | None = None, **kwargs: Any) -> None:
        """`counts`: how many cases each choice shows ("" for the person's own queue),
        written after its label so a person sees where the work is before choosing."""
        super().__init__(*args, **kwargs)
        if counts is not None:
            field = self.fields["state"]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [
                (value, f"{label} ({counts.get(value, 0)})") for value, label in field.choices
            ]


def _reason(label: str, help_text: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=help_text,
        widget=forms.Textarea(attrs={"class": "usa-textarea", "rows": "3"}),
    )


class CounselForm(forms.Form):
    bound_field_class = UswdsBoundField
    prefix = "counsel"

    decision = forms.ChoiceField(
        label="Counsel's decision",
        choices=[
            (
                "release",
                "Release: the law allows it; a supervisor approves before anything is sent",
            ),
            ("refuse", "Refuse: the law does not allow it; a clerk issues the refusal letter"),
        ],
        widget=forms.RadioSelect(attrs={"class": "usa-radio__input"}),
    )
    reason = _reason("Reason", "Recorded in the case's history and in the ledger.")


class SendBackForm(forms.Form):
    bound_field_class = UswdsBoundField
    prefix = "send_back"

    reason = _reason("Why it is sent back", "The clerks see this; it is kept in the ledger.")


class ResubmitForm(forms.Form):
    bound_field_class = UswdsBoundField
    prefix = "resubmit"

    note = forms.CharField(
        label="What was changed or checked",
        required=False,
        help_text="Optional. Kept in the case's history and in the ledger.",
        widget=forms.Textarea(attrs={"class": "usa-textarea", "rows": "3"}),
    )


# The steps some decisions require before release (`actions.STEPS`), one form each. The
# action takes what a form read as `details(data)` and `uploads(data)` of its cleaned data.


def _line(label: str, help_text: str = "", max_length: int = 100) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=help_text,
        max_length=max_length,
        widget=forms.TextInput(attrs={"class": "usa-input", "autocomplete": "off"}),
    )


class StepForm(forms.Form):
    bound_field_class = UswdsBoundField

    @staticmethod
    def details(data: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    @staticmethod
    def uploads(data: dict[str, Any]) -> list[Upload]:
        return []


class IdentityForm(StepForm):
    prefix = "identity"

    document_seen = _line(
        "What you checked",
        "The kind of document you saw and that it matched, e.g. “Colorado driver's license, "
        "name and photo match”. Never its number, and never a copy of it.",
        max_length=200,
    )

    def clean_document_seen(self) -> str:
        note: str = self.cleaned_data["document_seen"]
        if looks_like_a_document_number(note):
            raise ValidationError("Say what kind of document you saw, not its number.")
        return note

    @staticmethod
    def details(data: dict[str, Any]) -> dict[str, Any]:
        return {"document_seen": data["document_seen"]}


class OfficerForm(StepForm):
    prefix = "officer"

    officer_name = _line("Lead officer's name")
    officer_agency = _line("Officer's agency")
    badge_number = _line("Badge number")
    process = forms.FileField(
        label="The process, as a PDF",
        required=False,
        widget=forms.FileInput(attrs={"class": "usa-input", "accept": "application/pdf,.pdf"}),
        help_text=(
            "Needed only if no copy of the process was uploaded with the request: a copy is "
            f"kept with the case. At most 5 MB and {MAX_PDF_PAGES} pages."
        ),
    )

    def clean_process(self) -> PdfDocument | None:
        upload = self.cleaned_data["process"]
        return read_pdf(upload) if upload else None

    @staticmethod
    def details(data: dict[str, Any]) -> dict[str, Any]:
        return {name: data[name] for name in ("officer_name", "officer_agency", "badge_number")}

    @staticmethod
    def uploads(data: dict[str, Any]) -> list[Upload]:
        pdf = data["process"]
        return [Upload(pdf.filename, pdf.content, pdf.text)] if pdf else []


class GovernorReviewForm(StepForm):
    prefix = "governor"

    answer = forms.ChoiceField(
        label="The Governor's office's answer",
        choices=[
            ("approved", "Approved: the agency may answer the subpoena"),
            ("not_approved", "Not approved: the request is to be refused"),
        ],
        widget=forms.RadioSelect(attrs={"class": "usa-radio__input"}),
    )
    answered_on = forms.DateField(
        label="Date of the answer",
        widget=forms.DateInput(attrs={"class": "usa-input", "type": "date"}, format="%Y-%m-%d"),
    )
    reference = _line("The answer's reference", "As the Governor's office wrote it.")

    def clean_answered_on(self) -> dt.date:
        answered: dt.date = self.cleaned_data["answered_on"]
        if answered > timezone.localdate():
            raise ValidationError("The date of the answer cannot be after today.")
        return answered

    @staticmethod
    def details(data: dict[str, Any]) -> dict[str, Any]:
        return {
            "approved": data["answer"] == "approved",
            "answered_on": data["answered_on"].isoformat(),
            "reference": data["reference"],
        }


# The form of each step, by its obligation.
STEP_FORMS: dict[str, type[StepForm]] = {
    "verify_identity": IdentityForm,
    "record_officer": OfficerForm,
    "governor_review": GovernorReviewForm,
}


class DeliveryForm(forms.Form):
    """How an issued letter went out: emailed now, or recorded as mailed or handed over."""

    bound_field_class = UswdsBoundField
    prefix = "delivery"

    method = forms.ChoiceField(
        label="How it goes out",
        choices=[
            ("email", "Email it now, with the letters attached"),
            ("mail", "It was mailed"),
            ("hand", "It was handed over"),
        ],
        widget=forms.RadioSelect(attrs={"class": "usa-radio__input"}),
    )
    to = forms.CharField(
        label="To",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"class": "usa-textarea", "rows": "3"}),
        help_text=(
            "By email or mail, leave blank to use the requester's email or postal address on "
            "the request. By hand, give who received it."
        ),
    )


class NoticeForm(forms.Form):
    """How the notice to the person went out, and where: the address of record the clerk
    looked up, the email the person chose, or whom it was handed to."""

    bound_field_class = UswdsBoundField
    prefix = "notice"

    method = forms.ChoiceField(
        label="How it goes out",
        choices=[
            (
                "mail",
                "Mail it to the person's address of record: issue it here, then print and post it",
            ),
            ("email", "Email it now to the address the person chose"),
            ("hand", "Hand it to the person: issue it here, then print it"),
        ],
        initial="mail",
        widget=forms.RadioSelect(attrs={"class": "usa-radio__input"}),
    )
    to = forms.CharField(
        label="To",
        max_length=1000,
        widget=forms.Textarea(attrs={"class": "usa-textarea", "rows": "3"}),
        help_text=(
            "The address of record from the person's file, as it is printed; or the email "
            "address the person chose for notices; or, by hand, to whom."
        ),
    )


class ExcuseForm(forms.Form):
    """Counsel's reason that the law excuses the notice (Massachusetts: it would impede a
    criminal investigation)."""

    bound_field_class = UswdsBoundField
    prefix = "excuse"

    reason = forms.CharField(
        label="Why the law excuses this notice",
        min_length=20,
        max_length=2000,
        widget=forms.Textarea(attrs={"class": "usa-textarea", "rows": "3"}),
        help_text="Recorded in the ledger with your name. Say which investigation it would impede and how.",
    )
