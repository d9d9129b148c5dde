"""Forms of the staff pages: the request form, the PDF checks, and the policy date.

`RequestForm` only turns what a person typed into the contract format of
contract/REQUESTS.md; the decision explorer (`ExplorerForm`) and the intake of a real
request (`custodiet.cases.forms.IntakeForm`) both build on it. `parse_request` stays the
one judge of what a valid request is, so the form leaves nearly every field optional and
maps the problems `parse_request` names (`requester.organization`, `records_requested[0]`)
back onto the fields they came from.

`read_pdf` is the one gate an uploaded legal document passes: type, size and page limits,
and its text read for the classifier.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone

from custodiet import labels
from custodiet.policy.model import CHANNELS, LEVELS, PROCESS_KINDS, PURPOSE_CATEGORIES, RECORDS
from custodiet.policy.packs import available_packs, get_pack
from custodiet.policy.pdftext import BUDGET, PdfTextError, extract_pdf_text

MAX_PDF_BYTES = 5 * 1024 * 1024
MAX_PDF_PAGES = 50
DEFAULT_RECEIVING_AGENCY = "CO-DOR-DMV"


def vocabulary_label(value: str, vocabulary: str | None = None) -> str:
    """A vocabulary value in English words (custodiet.labels), capitalised."""
    return labels.label(value, vocabulary)


def _choices(vocabulary: str, values: tuple[str, ...], blank: str | None) -> list[tuple[str, str]]:
    choices = [(value, vocabulary_label(value, vocabulary)) for value in values]
    return [("", blank), *choices] if blank is not None else choices


# The form field each contract path comes from, so a problem is shown where it was made.
# Indexed paths (`records_requested[2]`) and unlisted children fall back to their parent.
CONTRACT_FIELDS = {
    "received_at": "received_date",
    "channel": "channel",
    "receiving_agency": "receiving_agency",
    "requester": "requester_organization",
    "requester.name": "requester_name",
    "requester.organization": "requester_organization",
    "requester.component": "requester_component",
    "requester.ori": "requester_ori",
    "requester.level": "requester_level",
    "records_requested": "records_requested",
    "purpose": "purpose",
    "purpose_category": "purpose_category",
    "criminal_investigation.case_number": "case_number",
    "criminal_investigation.offense": "offense",
    "legal_process": "process_text",
    "legal_process[0].kind": "process_kind",
    "legal_process[0].form": "process_form",
    "legal_process[0].title": "process_title",
    "legal_process[0].issued_by": "process_issued_by",
    "legal_process[0].signed_by": "process_signed_by",
    "legal_process[0].text": "process_text",
    "claimed_legal_requirement": "claimed_legal_requirement",
    "certification": "certification_signed_on",
    "certification.signed_on": "certification_signed_on",
    "facial_recognition": "facial_recognition",
    "bulk": "bulk",
}
_LAST_PART = re.compile(r"(\[\d+\]|\.[^.\[]+)$")


def _input(**attrs: str) -> forms.TextInput:
    return forms.TextInput(attrs={"class": "usa-input", **attrs})


def _textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"class": "usa-textarea", "rows": str(rows)})


def _select() -> forms.Select:
    return forms.Select(attrs={"class": "usa-select"})


def _date() -> forms.DateInput:
    return forms.DateInput(attrs={"class": "usa-input", "type": "date"}, format="%Y-%m-%d")


def _checkbox() -> forms.CheckboxInput:
    return forms.CheckboxInput(attrs={"class": "usa-checkbox__input"})


def _compact(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value not in (None, "", [], {})}


@dataclass(frozen=True)
class PdfDocument:
    """An uploaded PDF that passed the checks, with the text the classifier reads."""

    filename: str
    content: bytes
    text: str


def read_pdf(upload: UploadedFile, *, seconds: float | None = None) -> PdfDocument:
    """The upload as a readable PDF of at most 5 MB and 50 pages, read within its budget
    (`seconds` in place of the budget's time, when given) and free of active content
    (`extract_pdf_text`), or a ValidationError saying why."""
    if upload.size > MAX_PDF_BYTES:
        raise ValidationError(
            f"This file is {upload.size / 1_048_576:.1f} MB; upload a PDF of at most 5 MB, "
            "or paste the document's text instead."
        )
    content = upload.read()
    upload.seek(0)
    # The browser's content type alone is the sender's claim; the bytes must agree.
    if upload.content_type != "application/pdf" or not content.startswith(b"%PDF-"):
        raise ValidationError(
            "This file is not a PDF. Upload the document as a PDF, or paste its text above."
        )
    try:
        budget = BUDGET if seconds is None else dataclasses.replace(BUDGET, seconds=seconds)
        text = extract_pdf_text(content, max_pages=MAX_PDF_PAGES, budget=budget)
    except PdfTextError as exc:
        raise ValidationError(f"This PDF cannot be used: {exc}.") from None
    if not text.strip():
        raise ValidationError(
            "No text could be read from this PDF (it may be a scanned image); "
            "type the document's text above instead."
        )
    return PdfDocument(upload.name or "document.pdf", content, text)


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultiplePdfField(forms.FileField):
    """Several files in one input; each is checked by `read_pdf` in the form's clean method."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        uploads = data if isinstance(data, list | tuple) else [data] if data else []
        if self.required and not uploads:
            raise ValidationError(self.error_messages["required"], code="required")
        one = super().clean
        return [one(upload, initial) for upload in uploads]


class UswdsBoundField(forms.BoundField):
    """Adds USWDS's error class to an invalid input.

    Django already marks it `aria-invalid` and points `aria-describedby` at
    `<id>_helptext` and `<id>_error`, which the field template uses as element ids.
    """

    def build_widget_attrs(self, attrs: dict[str, Any], widget: Any = None) -> dict[str, Any]:
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        boxes = widget.use_fieldset or isinstance(widget, forms.CheckboxInput)
        if self.errors and not boxes:
            attrs["class"] = f"{widget.attrs.get('class', '')} usa-input--error".strip()
        return attrs


class RequestForm(forms.Form):
    """One request, field by field, turned into the contract format by `contract()`."""

    bound_field_class = UswdsBoundField
    # Where each contract path's problems are shown; a subclass may add its own fields.
    contract_fields = CONTRACT_FIELDS

    received_date = forms.DateField(
        label="Date received",
        required=False,
        widget=_date(),
        help_text="As written on the request.",
    )
    received_time = forms.TimeField(
        label="Time received",
        required=False,
        widget=forms.TimeInput(attrs={"class": "usa-input", "type": "time"}, format="%H:%M"),
        help_text="Midnight if blank.",
    )
    channel = forms.ChoiceField(
        label="How it arrived",
        required=False,
        choices=_choices("channel", CHANNELS, "Not stated"),
        widget=_select(),
    )
    receiving_agency = forms.CharField(
        label="Receiving agency",
        required=False,
        initial=DEFAULT_RECEIVING_AGENCY,
        widget=_input(),
        help_text="The state agency that holds the records.",
    )
    requester_name = forms.CharField(
        label="Requester's name or title", required=False, widget=_input(autocomplete="off")
    )
    requester_organization = forms.CharField(label="Organization", required=False, widget=_input())
    requester_component = forms.CharField(
        label="Component", required=False, widget=_input(), help_text="For example ERO, HSI, USBP."
    )
    requester_ori = forms.CharField(
        label="ORI",
        required=False,
        widget=_input(),
        help_text="9-character agency identifier.",
    )
    requester_level = forms.ChoiceField(
        label="Level of government",
        required=False,
        choices=_choices("level", LEVELS, "Not stated"),
        widget=_select(),
    )
    records_requested = forms.MultipleChoiceField(
        label="Records requested",
        required=False,
        choices=_choices("records_requested", RECORDS, None),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "usa-checkbox__input"}),
    )
    purpose = forms.CharField(
        label="Purpose, as the requester stated it", required=False, widget=_textarea()
    )
    purpose_category = forms.ChoiceField(
        label="Purpose category",
        required=False,
        choices=_choices("purpose_category", PURPOSE_CATEGORIES, "Not stated"),
        widget=_select(),
    )
    case_number = forms.CharField(label="Case number", required=False, widget=_input())
    offense = forms.CharField(label="Offence", required=False, widget=_input())
    process_kind = forms.ChoiceField(
        label="Kind of document",
        required=False,
        choices=_choices("kind", PROCESS_KINDS, "Let the system infer it from the document"),
        widget=_select(),
        help_text="A stated kind the document contradicts is overruled, and the decision says so.",
    )
    process_form = forms.CharField(
        label="Form number", required=False, widget=_input(), help_text="For example I-200, I-247A."
    )
    process_title = forms.CharField(
        label="Title", required=False, widget=_input(), help_text="As printed on the document."
    )
    process_issued_by = forms.CharField(label="Issued by", required=False, widget=_input())
    process_signed_by = forms.CharField(label="Signed by", required=False, widget=_input())
    process_text = forms.CharField(
        label="Text of the document",
        required=False,
        widget=_textarea(6),
        help_text="If you upload a PDF below, the text read from it replaces what is here.",
    )
    claimed_legal_requirement = forms.CharField(
        label="Claimed legal requirement",
        required=False,
        widget=_input(),
        help_text="A law the requester says compels disclosure, for example 8 U.S.C. 1373.",
    )
    certification_signed_on = forms.DateField(
        label="Certification signed on",
        required=False,
        widget=_date(),
        help_text="The third party's C.R.S. 24-74-105 certification, for database or bulk access.",
    )
    facial_recognition = forms.BooleanField(
        label="A facial recognition search is requested", required=False, widget=_checkbox()
    )
    bulk = forms.BooleanField(label="Bulk access", required=False, widget=_checkbox())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._from_contract: set[str] = set()

    @property
    def uses_json(self) -> bool:
        return False

    def contract(self) -> Any:
        """The request in the contract format, built from the fields."""
        data = self.cleaned_data
        request: dict[str, Any] = {}
        if data["received_date"]:
            received = dt.datetime.combine(
                data["received_date"],
                data["received_time"] or dt.time(0),
                tzinfo=timezone.get_current_timezone(),
            )
            request["received_at"] = received.isoformat()
        request |= _compact(
            {"channel": data["channel"], "receiving_agency": data.get("receiving_agency")}
        )
        request["requester"] = _compact(
            {
                "name": data["requester_name"],
                "organization": data["requester_organization"],
                "component": data["requester_component"],
                "ori": data["requester_ori"],
                "level": data["requester_level"],
            }
        )
        request["records_requested"] = list(data["records_requested"])
        document = _compact(
            {
                "kind": data["process_kind"],
                "form": data["process_form"],
                "title": data["process_title"],
                "issued_by": data["process_issued_by"],
                "signed_by": data["process_signed_by"],
                "text": data["process_text"],
            }
        )
        signed_on = data["certification_signed_on"]
        request |= _compact(
            {
                "purpose": data["purpose"],
                "purpose_category": data["purpose_category"],
                "criminal_investigation": _compact(
                    {"case_number": data["case_number"], "offense": data["offense"]}
                ),
                "legal_process": [document] if document else [],
                "claimed_legal_requirement": data["claimed_legal_requirement"],
                "certification": {"signed_on": signed_on.isoformat()} if signed_on else None,
                "facial_recognition": data["facial_recognition"] or None,
                "bulk": data["bulk"] or None,
            }
        )
        return request

    def add_contract_problems(self, problems: list[tuple[str, str]]) -> None:
        """Show each problem `parse_request` found on the field it came from."""
        for path, message in problems:
            text = f"{path}: {message}"
            self._from_contract.add(text)
            self.add_error(self._field_for(path), text)

    def _field_for(self, path: str) -> str | None:
        if self.uses_json:
            return "request_json"
        while path:
            if path in self.contract_fields:
                return self.contract_fields[path]
            path = _LAST_PART.sub("", path)
        return None

    def error_summary(self) -> list[tuple[str | None, str]]:
        """Each problem as (id of the input to jump to, message naming the field)."""
        items: list[tuple[str | None, str]] = []
        for name, messages in self.errors.items():
            field = self.fields.get(name)
            anchor = None
            if field is not None:
                anchor = self[name].auto_id
                if field.widget.use_fieldset:
                    anchor += "_0"
            for message in messages:
                if field is None or message in self._from_contract:
                    items.append((anchor, message))
                else:
                    items.append((anchor, f"{field.label}: {message}"))
        return items


class ExplorerForm(RequestForm):
    """One request, field by field or pasted as JSON, and the date to decide it as of."""

    process_file = forms.FileField(
        label="Or upload the document as a PDF",
        required=False,
        widget=forms.FileInput(attrs={"class": "usa-input", "accept": "application/pdf,.pdf"}),
        help_text=f"At most 5 MB and {MAX_PDF_PAGES} pages. Only its text is read; none is kept.",
    )
    request_json = forms.CharField(
        label="Request as JSON",
        required=False,
        widget=forms.Textarea(
            attrs={"class": "usa-textarea custodiet-code", "rows": "8", "spellcheck": "false"}
        ),
        help_text=(
            "One request in the contract format. When this box is filled, it is used "
            "and the fields above are ignored."
        ),
    )
    as_of = forms.DateField(
        label="Decide as of",
        required=False,
        widget=_date(),
        help_text="Leave blank to apply the rules in force on the date received.",
    )
    compare_with = forms.ChoiceField(
        label="Compare with another pack",
        required=False,
        widget=forms.Select(attrs={"class": "usa-select"}),
        help_text="Decide the same request under another jurisdiction's rules as well, side by side.",
    )

    # The upload sits with the document it replaces the text of, as the page shows it.
    field_order = (
        *list(RequestForm.base_fields)[
            : list(RequestForm.base_fields).index("claimed_legal_requirement")
        ],
        "process_file",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pdf_text: str | None = None
        own = settings.CUSTODIET_POLICY_PACK
        self.fields["compare_with"].choices = [("", "No comparison")] + [
            (pack_id, f"{get_pack(pack_id).name} ({pack_id})")
            for pack_id in available_packs()
            if pack_id != own
        ]

    @property
    def uses_json(self) -> bool:
        return bool(str(self.data.get("request_json", "")).strip())

    def clean_request_json(self) -> Any:
        text = self.cleaned_data["request_json"].strip()
        if not text:
            return None
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValidationError(
                f"This is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}."
            ) from None

    def clean_process_file(self) -> UploadedFile | None:
        upload = self.cleaned_data["process_file"]
        if not upload or self.uses_json:
            return None
        self.pdf_text = read_pdf(upload).text
        return upload

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("process_file"):
            cleaned["process_text"] = self.pdf_text
            # Show the person the text the decision was made on, in the box it replaced.
            self.data = self.data.copy()
            self.data["process_text"] = self.pdf_text
        return cleaned

    def contract(self) -> Any:
        """The request in the contract format: the pasted JSON as is, or built from the fields."""
        if self.uses_json:
            return self.cleaned_data["request_json"]
        return super().contract()


def initial_from_contract(request: dict[str, Any]) -> dict[str, Any]:
    """The explorer form's initial values for a contract request (an example, say)."""
    received = dt.datetime.fromisoformat(request["received_at"])
    if timezone.is_aware(received):
        received = timezone.localtime(received)
    requester = request.get("requester") or {}
    investigation = request.get("criminal_investigation") or {}
    document = (request.get("legal_process") or [{}])[0]
    certification = request.get("certification") or {}
    initial = {
        "received_date": received.date(),
        "received_time": received.time(),
        "channel": request.get("channel"),
        "receiving_agency": request.get("receiving_agency"),
        "requester_name": requester.get("name"),
        "requester_organization": requester.get("organization"),
        "requester_component": requester.get("component"),
        "requester_ori": requester.get("ori"),
        "requester_level": requester.get("level"),
        "records_requested": request.get("records_requested", []),
        "purpose": request.get("purpose"),
        "purpose_category": request.get("purpose_category"),
        "case_number": investigation.get("case_number"),
        "offense": investigation.get("offense"),
        "process_kind": document.get("kind"),
        "process_form": document.get("form"),
        "process_title": document.get("title"),
        "process_issued_by": document.get("issued_by"),
        "process_signed_by": document.get("signed_by"),
        "process_text": document.get("text"),
        "claimed_legal_requirement": request.get("claimed_legal_requirement"),
        "certification_signed_on": certification.get("signed_on"),
        "facial_recognition": bool(request.get("facial_recognition")),
        "bulk": bool(request.get("bulk")),
    }
    return {key: value for key, value in initial.items() if value is not None}


class PolicyDateForm(forms.Form):
    as_of = forms.DateField(
        label="Rules in force on",
        required=False,
        widget=_date(),
        help_text="Leave blank for today.",
    )
