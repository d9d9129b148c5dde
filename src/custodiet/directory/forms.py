"""The form for one directory entry; lists are written one item per line."""

from __future__ import annotations

import re
from typing import Any

from django import forms

from custodiet.partners.forms import Form
from custodiet.policy.facts.agencies import LEVELS, Agency, Directory

# "agency[0] (ID): field 'oris': ..." -> the form field and the message after it.
_FIELD = re.compile(r"field '(?P<field>[a-z_]+)': (?P<message>.*)$")
LISTS = ("aliases", "acronyms", "oris", "ori_prefixes")


def _lines(label: str, help_text: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        help_text=help_text,
        widget=forms.Textarea(attrs={"class": "usa-textarea", "rows": "3", "autocomplete": "off"}),
    )


class AgencyForm(Form):
    id = forms.CharField(
        label="Directory id",
        max_length=64,
        help_text="Upper-case words joined by hyphens; a component extends its parent's id "
        "(US-DHS-ICE-ERO). It cannot change later.",
        widget=forms.TextInput(attrs={"class": "usa-input", "autocomplete": "off"}),
    )
    name = forms.CharField(
        label="Official name",
        max_length=300,
        widget=forms.TextInput(attrs={"class": "usa-input"}),
    )
    parent = forms.ChoiceField(label="Part of", required=False)
    level = forms.ChoiceField(label="Level", choices=[(level, level.title()) for level in LEVELS])
    immigration = forms.BooleanField(
        label="An immigration agency (ICE, CBP, USCIS or one of their components)",
        required=False,
    )
    enforcement = forms.BooleanField(
        label="Its work is civil immigration enforcement (ICE ERO, the Border Patrol)",
        required=False,
    )
    aliases = _lines("Other names", "Other full spellings of the name, one per line.")
    acronyms = _lines("Acronyms", "Short forms, one per line; matched as whole words only.")
    oris = _lines("ORIs", "Originating Agency Identifiers, 9 capitals or digits, one per line.")
    ori_prefixes = _lines(
        "ORI prefixes", "Leading parts of ORIs that belong to the agency (2 to 8 characters)."
    )
    note = forms.CharField(
        label="Why this change",
        help_text="Kept with the change in the ledger: the source of what you entered.",
        widget=forms.Textarea(attrs={"class": "usa-textarea", "rows": "2"}),
    )

    def __init__(self, *args: Any, directory: Directory, editing: Agency | None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.editing = editing
        listed = sorted(directory.agencies, key=lambda agency: agency.name.casefold())
        self.fields["parent"].choices = [("", "Nothing: a top-level agency")] + [
            (a.id, f"{a.name} ({a.id})") for a in listed if editing is None or a.id != editing.id
        ]
        for name in ("parent", "level"):
            self.fields[name].widget.attrs["class"] = "usa-select"
        for name in ("immigration", "enforcement"):
            self.fields[name].widget.attrs["class"] = "usa-checkbox__input"
        if editing is not None:
            self.fields["id"].disabled = True

    @staticmethod
    def initial_for(agency: Agency) -> dict[str, Any]:
        return {
            "id": agency.id,
            "name": agency.name,
            "parent": agency.parent or "",
            "level": agency.level,
            "immigration": agency.immigration,
            "enforcement": agency.enforcement,
            **{name: "\n".join(getattr(agency, name)) for name in LISTS},
        }

    def entry(self) -> dict[str, Any]:
        """The directory table this form describes."""
        data = self.cleaned_data
        table: dict[str, Any] = {"id": data["id"].strip(), "name": data["name"].strip()}
        if data["parent"]:
            table["parent"] = data["parent"]
        table |= {
            "level": data["level"],
            "immigration": data["immigration"],
            "enforcement": data["enforcement"],
        }
        for name in LISTS:
            values = [line.strip() for line in data[name].splitlines() if line.strip()]
            if name in ("oris", "ori_prefixes"):
                values = [value.upper() for value in values]
            table[name] = list(dict.fromkeys(values))
        return table

    def show_directory_error(self, message: str) -> None:
        found = _FIELD.search(message)
        if found and found["field"] in self.fields:
            self.add_error(found["field"], found["message"])
        else:
            self.add_error(None, message)
