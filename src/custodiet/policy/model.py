"""The request and decision format, version 1 (contract/REQUESTS.md).

Every way into Custodiet (web form, JSON API, CLI, imports) speaks this format, so
validation lives here once. A bad request raises `RequestError`, whose message names the
offending field the way a person would write it (`records_requested[2]`,
`requester.organization`) and lists the allowed values for a vocabulary.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

CHANNELS = ("email", "phone", "in_person", "mail", "portal", "api", "database")
LEVELS = ("federal", "state", "local", "tribal", "private", "individual")
RECORDS = (
    "name",
    "address",
    "date_of_birth",
    "license_number",
    "license_status",
    "driving_record",
    "photo",
    "physical_description",
    "vehicle_registration",
    "phone",
    "email",
    "ssn",
    "place_of_birth",
    "immigration_status",
    "citizenship_status",
    "identity_documents",
    "signature",
    "other",
)
PURPOSE_CATEGORIES = (
    "criminal_investigation",
    "civil_immigration_enforcement",
    "agency_function",
    "court_proceeding",
    "other",
    "unknown",
)
PROCESS_KINDS = (
    "judicial_warrant",
    "court_order",
    "court_subpoena",
    "grand_jury_subpoena",
    "administrative_warrant",
    "administrative_subpoena",
    "detainer",
    "other",
)
OUTCOMES = ("refuse", "legal_review", "eligible")
OBLIGATIONS = (
    "log_request",
    "supervisor_notice",
    "use_restriction_notice",
    "verify_certification",
    "notify_subject",
)

Channel = Literal["email", "phone", "in_person", "mail", "portal", "api", "database"]
Level = Literal["federal", "state", "local", "tribal", "private", "individual"]
Record = Literal[
    "name",
    "address",
    "date_of_birth",
    "license_number",
    "license_status",
    "driving_record",
    "photo",
    "physical_description",
    "vehicle_registration",
    "phone",
    "email",
    "ssn",
    "place_of_birth",
    "immigration_status",
    "citizenship_status",
    "identity_documents",
    "signature",
    "other",
]
PurposeCategory = Literal[
    "criminal_investigation",
    "civil_immigration_enforcement",
    "agency_function",
    "court_proceeding",
    "other",
    "unknown",
]
ProcessKind = Literal[
    "judicial_warrant",
    "court_order",
    "court_subpoena",
    "grand_jury_subpoena",
    "administrative_warrant",
    "administrative_subpoena",
    "detainer",
    "other",
]
Outcome = Literal["refuse", "legal_review", "eligible"]
Obligation = Literal[
    "log_request",
    "supervisor_notice",
    "use_restriction_notice",
    "verify_certification",
    "notify_subject",
]

# The vocabularies by field name, so an error can list what is allowed.
_ALLOWED = {
    "channel": CHANNELS,
    "level": LEVELS,
    "records_requested": RECORDS,
    "purpose_category": PURPOSE_CATEGORIES,
    "kind": PROCESS_KINDS,
}


class _Model(BaseModel):
    # Unknown fields are allowed ("add fields freely") and kept, so nothing a partner
    # sends is silently dropped from the record.
    model_config = ConfigDict(extra="allow", frozen=True, str_strip_whitespace=True)


class Requester(_Model):
    name: str | None = None
    organization: str = Field(min_length=1)
    component: str | None = None
    ori: str | None = None
    level: Level | None = None


class Subject(_Model):
    name: str | None = None
    date_of_birth: str | None = None
    license_number: str | None = None


class CriminalInvestigation(_Model):
    case_number: str | None = None
    offense: str | None = None


class LegalProcess(_Model):
    kind: ProcessKind | None = None
    form: str | None = None
    title: str | None = None
    issued_by: str | None = None
    signed_by: str | None = None
    text: str | None = None


class Certification(_Model):
    signed_on: dt.date | None = None


class Request(_Model):
    id: str | None = None
    received_at: dt.datetime
    channel: Channel | None = None
    receiving_agency: str | None = None
    requester: Requester
    subjects: list[Subject] = Field(default_factory=list)
    records_requested: list[Record] = Field(min_length=1)
    purpose: str | None = None
    purpose_category: PurposeCategory | None = None
    criminal_investigation: CriminalInvestigation | None = None
    legal_process: list[LegalProcess] = Field(default_factory=list)
    claimed_legal_requirement: str | None = None
    certification: Certification | None = None
    facial_recognition: bool = False
    bulk: bool = False

    @field_validator("received_at", mode="before")
    @classmethod
    def _date_alone_is_midnight(cls, value: Any) -> Any:
        # A date with no time ("2022-03-14") is a common way to write when a letter came.
        if isinstance(value, str) and len(value) == 10:
            return value + "T00:00:00"
        return value

    @field_validator("subjects", "legal_process", mode="before")
    @classmethod
    def _null_is_empty(cls, value: Any) -> Any:
        return [] if value is None else value

    @field_validator("facial_recognition", "bulk", mode="before")
    @classmethod
    def _null_is_false(cls, value: Any) -> Any:
        return False if value is None else value

    @property
    def received_on(self) -> dt.date:
        """The calendar date the request arrived, in the requester's stated offset."""
        return self.received_at.date()


# The parts of a decision are plain dataclasses: a decision is built thousands of times a
# second, and pydantic still validates and serializes them as fields of `Decision`.
@dataclass(frozen=True, slots=True)
class Reason:
    rule: str
    citation: str
    effect: Outcome
    explanation: str
    confirmed: bool = True


@dataclass(frozen=True, slots=True)
class WithheldRecord:
    record: Record
    citation: str


@dataclass(frozen=True, slots=True)
class ProcessFinding:
    kind: ProcessKind
    inferred: bool
    because: str
    court_issued: bool
    immigration: bool
    ambiguous: bool
    stated_kind: ProcessKind | None = None


@dataclass(frozen=True, slots=True)
class FactFinding:
    fact: str
    value: bool | str | None
    because: str


@dataclass(frozen=True, slots=True)
class PolicyRef:
    pack: str
    version: str
    as_of: dt.date
    rules_in_force: list[str]


@dataclass(slots=True)
class Decision:
    """A decision in the contract's format; `facts` is filled only when an explanation is asked for."""

    outcome: Outcome
    immigration_related: bool
    reasons: list[Reason]
    obligations: list[Obligation]
    releasable_records: list[Record]
    withheld_records: list[WithheldRecord]
    legal_process: list[ProcessFinding]
    policy: PolicyRef
    request_id: str | None = None
    errors: list[str] = field(default_factory=list)
    facts: list[FactFinding] | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = DECISION_ADAPTER.dump_python(self, mode="json", exclude_none=True)
        return data

    def to_json(self, *, indent: int | None = None) -> str:
        return DECISION_ADAPTER.dump_json(self, exclude_none=True, indent=indent).decode()


# Validates and serializes decisions (and gives their JSON Schema to the API).
DECISION_ADAPTER: TypeAdapter[Decision] = TypeAdapter(Decision)


class RequestError(ValueError):
    """A request that does not meet the contract. `field` is the first offending field."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        self.field = problems[0][0] if problems else ""
        super().__init__("; ".join(f"{field}: {message}" for field, message in problems))


def field_path(loc: tuple[int | str, ...]) -> str:
    """Render a pydantic error location as `records_requested[2]` or `requester.organization`."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else part
    return path


def _message(error: Any) -> str:
    loc = [part for part in error["loc"] if isinstance(part, str)]
    allowed = _ALLOWED.get(loc[-1]) if loc else None
    if error["type"] == "literal_error" and allowed:
        return f"{error['input']!r} is not allowed; use one of: {', '.join(allowed)}"
    if error["type"] == "missing":
        return "is required"
    if error["type"] == "too_short" and loc and loc[-1] == "records_requested":
        return "name at least one record"
    return str(error["msg"])


def parse_request(data: Any) -> Request:
    """Validate one request (a decoded JSON object) or raise RequestError naming the field."""
    if not isinstance(data, dict):
        raise RequestError([("request", f"must be a JSON object, not {type(data).__name__}")])
    try:
        return Request.model_validate(data)
    except ValidationError as exc:
        problems: list[tuple[str, str]] = []
        for error in exc.errors():
            # Literal unions report one error per alternative; the field path is the same.
            path = field_path(tuple(error["loc"]))
            if not any(existing == path for existing, _ in problems):
                problems.append((path, _message(error)))
        raise RequestError(problems) from None


def read_requests(text: str) -> Iterator[tuple[str, Any]]:
    """Split input into (where, decoded value): one object, a JSON array, or JSON Lines.

    `where` is how an error should point at the input: "" for a lone object, "item 3"
    in an array, "line 7" in JSON Lines. A line that is not JSON yields a RequestError in
    place of the value, so one bad line does not hide the others.
    """
    stripped = text.lstrip("\ufeff").strip()
    if not stripped:
        return
    try:
        whole = json.loads(stripped)
    except json.JSONDecodeError as exc:
        if "\n" not in stripped:
            yield (
                "",
                RequestError([("request", f"not valid JSON: {exc.msg} at column {exc.colno}")]),
            )
            return
    else:
        if isinstance(whole, list):
            yield from ((f"item {index}", item) for index, item in enumerate(whole, start=1))
        else:
            yield "", whole
        return
    for number, line in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield f"line {number}", json.loads(line)
        except json.JSONDecodeError as exc:
            yield (
                f"line {number}",
                RequestError([("request", f"not valid JSON: {exc.msg} at column {exc.colno}")]),
            )
