"""The request and decision format, version 1.1 (contract/REQUESTS.md).

Every way into Custodiet (web form, JSON API, CLI, imports) speaks this format, so
validation lives here once. A bad request raises `RequestError`, whose message names the
offending field the way a person would write it (`records_requested[2]`,
`requester.organization`) and lists the allowed values for a vocabulary.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

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
    "verify_identity",
    "governor_review",
    "record_officer",
)
# Who the requester is to the person whose record it is (contract 1.1); absent reads as a
# third party, unless the requester is plainly the person (see facts.gather).
RELATIONSHIPS = ("self", "consent", "third_party")

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
    "verify_identity",
    "governor_review",
    "record_officer",
]
Relationship = Literal["self", "consent", "third_party"]

# The largest integer every JSON reader holds exactly; RFC 8785 (the ledger's canonical
# JSON) refuses larger ones.
SAFE_INTEGER = 2**53 - 1
# Far more than any real request nests (three levels), well within the encoders' recursion.
MAX_DEPTH = 32
YEARS = (1900, 9000)
# A partner's own request id becomes a URL path segment and a case page.
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]*$"
# One address that mail can go to: letters are emailed to it, so what cannot be one is
# refused at the door rather than failing at the moment of delivery.
EMAIL_PATTERN = r"^[^@\s\x00]+@[^@\s\x00]+\.[^@\s\x00]+$"
OFFSETS = (dt.timedelta(hours=-12), dt.timedelta(hours=14))

# The vocabularies by field name, so an error can list what is allowed.
_ALLOWED = {
    "channel": CHANNELS,
    "level": LEVELS,
    "records_requested": RECORDS,
    "purpose_category": PURPOSE_CATEGORIES,
    "kind": PROCESS_KINDS,
    "relationship": RELATIONSHIPS,
}

# How much one request may hold: far beyond any real request, yet no field can carry
# megabytes into the record, every ledger leaf and every page that shows it. The JSON
# Schema states each limit (maxLength, maxItems, maxProperties).
CODE_LENGTH = 200  # ids and numbers: a case number, a licence, a form, an ORI, a date
NAME_LENGTH = 300  # a person, an organization, a court or office
PHRASE_LENGTH = 1_000  # a document's title, an offence
TEXT_LENGTH = 10_000  # what a requester wrote: the purpose, a claimed legal requirement
# A whole document's extracted text: the 50 pages the web form reads from a PDF.
DOCUMENT_LENGTH = 250_000
MAX_SUBJECTS = 100
MAX_DOCUMENTS = 20
# Fields any one object may hold beyond as many as the contract defines for it, and the
# size as JSON (names and values) of those the contract does not define.
MAX_ADDED_FIELDS = 50
MAX_ADDED_CHARS = 20_000


def _or_null(schema: dict[str, Any]) -> None:
    """The schema of a field whose null reads as its default (false, no items)."""
    kept = {key: schema.pop(key) for key in list(schema) if key not in ("title", "default")}
    schema["anyOf"] = [kept, {"type": "null"}]


def _added_fields_schema(schema: dict[str, Any], model: type[BaseModel]) -> None:
    schema["maxProperties"] = len(model.model_fields) + MAX_ADDED_FIELDS
    schema["description"] = (
        f"At most {schema['maxProperties']} fields: the contract's "
        f"{len(model.model_fields)} and {MAX_ADDED_FIELDS} more. Fields beyond the "
        f"contract's are kept, up to {MAX_ADDED_CHARS:,} characters in all written as JSON."
    )


@functools.cache
def _field_names(model: type[BaseModel]) -> frozenset[str]:
    return frozenset(model.model_fields)


class _Model(BaseModel):
    # Unknown fields are allowed ("add fields freely") and kept, so nothing a partner
    # sends is silently dropped from the record; within limits, so that an added field
    # cannot carry what a contract field's limit refuses.
    model_config = ConfigDict(
        extra="allow",
        frozen=True,
        str_strip_whitespace=True,
        json_schema_extra=_added_fields_schema,
    )

    @model_validator(mode="before")
    @classmethod
    def _few_added_fields(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        fields = _field_names(cls)
        limit = len(fields) + MAX_ADDED_FIELDS
        if len(data) > limit:
            raise ValueError(
                f"has {len(data)} fields; at most {limit} (the contract's "
                f"{len(fields)} and {MAX_ADDED_FIELDS} added)"
            )
        if data.keys() <= fields:
            return data
        added = {key: value for key, value in data.items() if key not in fields}
        if added and len(json.dumps(added, ensure_ascii=False, default=str)) > MAX_ADDED_CHARS:
            raise ValueError(
                f"its fields beyond the contract's must be at most {MAX_ADDED_CHARS:,} "
                "characters written as JSON"
            )
        return data


class Requester(_Model):
    name: str | None = Field(default=None, max_length=NAME_LENGTH)
    organization: str = Field(min_length=1, max_length=NAME_LENGTH)
    component: str | None = Field(default=None, max_length=NAME_LENGTH)
    ori: str | None = Field(default=None, max_length=CODE_LENGTH)
    level: Level | None = None
    relationship: Relationship | None = None
    # Where the answer goes: personal data, hashed in every ledger leaf (not in its allowlist).
    email: str | None = Field(
        default=None,
        max_length=NAME_LENGTH,
        pattern=EMAIL_PATTERN,
        description="the requester's email address; the letter may be emailed to it",
    )
    address: str | None = Field(
        default=None,
        max_length=PHRASE_LENGTH,
        description="the requester's postal address, one line per line as it is printed",
    )


class Subject(_Model):
    name: str | None = Field(default=None, max_length=NAME_LENGTH)
    date_of_birth: str | None = Field(default=None, max_length=CODE_LENGTH)
    license_number: str | None = Field(default=None, max_length=CODE_LENGTH)


class CriminalInvestigation(_Model):
    case_number: str | None = Field(default=None, max_length=CODE_LENGTH)
    offense: str | None = Field(default=None, max_length=PHRASE_LENGTH)


class LegalProcess(_Model):
    kind: ProcessKind | None = None
    form: str | None = Field(default=None, max_length=CODE_LENGTH)
    title: str | None = Field(default=None, max_length=PHRASE_LENGTH)
    issued_by: str | None = Field(default=None, max_length=NAME_LENGTH)
    signed_by: str | None = Field(default=None, max_length=NAME_LENGTH)
    text: str | None = Field(default=None, max_length=DOCUMENT_LENGTH)


class Certification(_Model):
    signed_on: dt.date | None = None


class Request(_Model):
    # A partner's own id becomes a URL path segment and a case page: keep it plain.
    id: str | None = Field(default=None, max_length=80, pattern=ID_PATTERN)
    received_at: dt.datetime
    channel: Channel | None = None
    receiving_agency: str | None = Field(default=None, max_length=64)
    requester: Requester
    subjects: list[Subject] = Field(
        default_factory=list, max_length=MAX_SUBJECTS, json_schema_extra=_or_null
    )
    records_requested: list[Record] = Field(min_length=1, max_length=len(RECORDS))
    purpose: str | None = Field(default=None, max_length=TEXT_LENGTH)
    purpose_category: PurposeCategory | None = None
    criminal_investigation: CriminalInvestigation | None = None
    legal_process: list[LegalProcess] = Field(
        default_factory=list, max_length=MAX_DOCUMENTS, json_schema_extra=_or_null
    )
    claimed_legal_requirement: str | None = Field(default=None, max_length=TEXT_LENGTH)
    certification: Certification | None = None
    facial_recognition: bool = Field(default=False, json_schema_extra=_or_null)
    bulk: bool = Field(default=False, json_schema_extra=_or_null)

    @field_validator("received_at", mode="before")
    @classmethod
    def _date_alone_is_midnight(cls, value: Any) -> Any:
        # A date with no time ("2022-03-14") is a common way to write when a letter came.
        if isinstance(value, str) and len(value) == 10:
            return value + "T00:00:00"
        return value

    @field_validator("received_at")
    @classmethod
    def _a_real_moment(cls, value: dt.datetime) -> dt.datetime:
        # Offsets and years no real request has; beyond them, conversions to UTC and
        # date arithmetic overflow, and PostgreSQL refuses offsets past 15:59.
        offset = value.utcoffset()
        if offset is not None and not OFFSETS[0] <= offset <= OFFSETS[1]:
            raise ValueError("has a UTC offset no time zone uses (from -12:00 to +14:00)")
        if not YEARS[0] <= value.year <= YEARS[1]:
            raise ValueError(f"must be in the years {YEARS[0]} to {YEARS[1]}")
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
        """The calendar date the request arrived, in the requester's stated offset.

        The law in force is chosen by the date in the agency's time zone instead
        (`received_on_in`), which is what the policy engine uses.
        """
        return self.received_at.date()

    def received_on_in(self, zone: dt.tzinfo | None) -> dt.date:
        """The calendar date the request arrived on the agency's calendar (contract 1.1).

        A timestamp with an offset is converted to `zone`; one without is already the
        agency's wall-clock time. With no zone, the timestamp's own date.
        """
        if zone is None or self.received_at.utcoffset() is None:
            return self.received_at.date()
        return self.received_at.astimezone(zone).date()


# The parts of a decision are plain dataclasses: a decision is built thousands of times a
# second, and pydantic still validates and serializes them as fields of `Decision`.
@dataclass(frozen=True, slots=True)
class Reason:
    rule: str
    citation: str
    effect: Outcome
    explanation: str
    confirmed: bool = True
    # The pack's Spanish for the explanation (the facts' own reasons are not translated).
    explanation_es: str | None = None


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
    value: bool | str | list[str] | None
    because: str


@dataclass(frozen=True, slots=True)
class Reportable:
    """Whether 24-74-106 counts the request (contract 1.1), and why or why not."""

    value: bool
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
    # Absent when no reporting law of the pack was in force on the request's date.
    reportable: Reportable | None = None
    # Rules that held but did not decide (an "eligible" rule beside a refusal).
    also_considered: list[Reason] = field(default_factory=list)
    # In legal_review, the records counsel may approve; nothing is releasable until then.
    records_for_counsel: list[Record] = field(default_factory=list)

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
    if error["type"] == "string_too_long":
        return f"must be at most {error['ctx']['max_length']:,} characters"
    if error["type"] == "too_long":
        return f"must have at most {error['ctx']['max_length']} items"
    if error["type"] == "string_pattern_mismatch" and error["ctx"]["pattern"] == EMAIL_PATTERN:
        return "must be one email address, such as records@example.org"
    if error["type"] == "string_pattern_mismatch":
        return "use letters, digits, '.', '_', ':' and '-' only, starting with a letter or digit"
    if error["type"] == "value_error":
        return str(error["ctx"]["error"])
    return str(error["msg"])


def _text_problem(text: str) -> str | None:
    if "\x00" in text:
        return "must not contain the NUL character"
    if text.isascii():
        return None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "must be valid Unicode text (it holds a lone surrogate escape)"
    return None


def _storable(data: Any) -> bool:
    """The common case, checked without building a path for every value."""
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        kind = type(value)
        if kind is str:
            if "\x00" in value or not (value.isascii() or _text_problem(value) is None):
                return False
        elif kind is dict:
            if depth >= MAX_DEPTH:
                return False
            for key, item in value.items():
                if not isinstance(key, str) or _text_problem(key) is not None:
                    return False
                stack.append((item, depth + 1))
        elif kind is list:
            if depth >= MAX_DEPTH:
                return False
            stack.extend((item, depth + 1) for item in value)
        elif kind is int:
            if abs(value) > SAFE_INTEGER:
                return False
        elif kind is float:
            if not (math.isfinite(value) and abs(value) <= SAFE_INTEGER):
                return False
        elif value is not None and kind is not bool:
            return False
    return True


def _unstorable(data: Any) -> Iterator[tuple[str, str]]:
    """Values that meet the contract's shape but that no record or ledger leaf can keep.

    Depth first and iterative, so a deeply nested input cannot overflow the stack; this
    covers fields partners add as well as the contract's own.
    """
    if _storable(data):
        return
    stack: list[tuple[tuple[int | str, ...], Any]] = [((), data)]
    while stack:
        loc, value = stack.pop()
        if len(loc) > MAX_DEPTH:
            yield field_path(loc) or "request", f"nested more than {MAX_DEPTH} levels deep"
            return
        name = loc[-1] if loc else None
        if isinstance(name, str) and (problem := _text_problem(name)):
            yield field_path(loc) or "request", "the field name " + problem
            continue
        problem = None
        if isinstance(value, str):
            problem = _text_problem(value)
        elif isinstance(value, bool):
            pass
        elif isinstance(value, int) and abs(value) > SAFE_INTEGER:
            problem = f"must be a whole number between -{SAFE_INTEGER} and {SAFE_INTEGER}"
        elif isinstance(value, float) and not (math.isfinite(value) and abs(value) <= SAFE_INTEGER):
            # PostgreSQL keeps 1e16 as the integer 10000000000000000, which RFC 8785
            # then refuses: beyond the safe range a float does not survive the round trip.
            problem = f"must be a finite number between -{SAFE_INTEGER} and {SAFE_INTEGER}"
        elif isinstance(value, dict):
            stack.extend(((*loc, key), item) for key, item in reversed(value.items()))
        elif isinstance(value, list):
            stack.extend(((*loc, index), item) for index, item in reversed(list(enumerate(value))))
        if problem:
            yield field_path(loc) or "request", problem


def parse_request(data: Any) -> Request:
    """Validate one request (a decoded JSON object) or raise RequestError naming the field."""
    if not isinstance(data, dict):
        raise RequestError([("request", f"must be a JSON object, not {type(data).__name__}")])
    unstorable = list(_unstorable(data))
    if unstorable:
        raise RequestError(unstorable)
    try:
        return Request.model_validate(data)
    except ValidationError as exc:
        problems: list[tuple[str, str]] = []
        for error in exc.errors():
            # Literal unions report one error per alternative; the field path is the same.
            # A limit on the whole object (its added fields) is at its own location.
            path = field_path(tuple(error["loc"])) or "request"
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
