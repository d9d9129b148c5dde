"""The API's answers, typed so that the OpenAPI document describes them.

The decision is the contract's own `Decision`, and the request body is documented with the
contract's own `Request` model (its schemas are added to the document's components), so
the document and `custodiet evaluate` cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.conf import settings
from ninja import Schema
from pydantic import BaseModel, ConfigDict, Field

from custodiet.api.body import MAX_BATCH
from custodiet.cases.models import State
from custodiet.policy.model import (
    CODE_LENGTH,
    ID_PATTERN,
    MAX_DEPTH,
    NAME_LENGTH,
    PHRASE_LENGTH,
    RECORDS,
    SAFE_INTEGER,
    TEXT_LENGTH,
    Decision,
    Level,
    Obligation,
    Outcome,
    PurposeCategory,
    Record,
    Request,
)


class Problem(Schema):
    field: str = Field(description="the offending field, e.g. records_requested[0]")
    message: str


class Errors(Schema):
    errors: list[Problem]


class HistoryEntry(Schema):
    kind: str = Field(description="what happened, e.g. request.received, case.opened")
    at: dt.datetime
    actor: str
    ledger_index: int | None = Field(
        None,
        description="the event's leaf index in the ledger; absent while the event's leaf "
        "waits for its position (a second or less, with CUSTODIET_LEDGER_SEQUENCER=separate)",
    )


class RequestOut(Schema):
    id: str
    state: State
    received_at: dt.datetime
    decision: Decision
    warnings: list[Problem] = Field(
        default_factory=list,
        description=(
            "fields of the request the contract does not define, each named: they are "
            "kept with the request, but the decision did not read them (a misspelt field "
            "name shows here)"
        ),
    )


class RequestDetail(RequestOut):
    history: list[HistoryEntry]


# `parse_request` refuses NUL in any text (no record or ledger leaf can keep it).
NO_NUL = r"^[^\x00]*$"


def request_schemas(ref_template: str) -> dict[str, Any]:
    """The contract request's JSON Schema and the schemas it refers to, by name.

    Pydantic writes the model's own constraints; the rules enforced around the model
    are added here in words or as patterns: what a record can keep (text without NUL or
    lone surrogates, safe numbers, shallow nesting), the body's size, and what this
    deployment admits (its own agency, the moments `received_at` may name).
    """
    schema = Request.model_json_schema(ref_template=ref_template, mode="validation")
    definitions: dict[str, Any] = schema.pop("$defs", {})
    definitions[Request.__name__] = schema
    _refuse_nul(definitions)
    schema["description"] = (
        "A request in the contract's format (contract/REQUESTS.md), in a body of at most "
        f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,} bytes. Every optional field may be "
        "missing or null. No text anywhere in it, field names and added fields included, "
        "may hold the NUL character or a lone surrogate (\\ud800-\\udfff); every number "
        f"must lie between -{SAFE_INTEGER} and {SAFE_INTEGER}; nothing may nest more than "
        f"{MAX_DEPTH} levels deep. " + schema.get("description", "")
    )
    schema["properties"]["receiving_agency"]["description"] = (
        "the agency that holds the records: absent, or the code of the agency your token belongs to"
    )
    earliest = settings.CUSTODIET_EARLIEST_RECEIVED
    skew = settings.CUSTODIET_CLOCK_SKEW // dt.timedelta(minutes=1)
    schema["properties"]["received_at"]["description"] = (
        "When the request arrived: an ISO 8601 date-time, or a date alone (its midnight). "
        "Without a UTC offset it is the agency's local time; an offset must be one a time "
        "zone uses (-12:00 to +14:00). It must not be before "
        f"{earliest:%Y-%m-%d} (when this agency's records begin) nor more than {skew} "
        "minutes after the server's clock."
    )
    return definitions


def _refuse_nul(schema: Any) -> None:
    """Give every free-text string the NUL-free pattern (a pattern or format of its own
    already excludes NUL, and a vocabulary is a list of words)."""
    if isinstance(schema, list):
        for item in schema:
            _refuse_nul(item)
    elif isinstance(schema, dict):
        if schema.get("type") == "string" and not schema.keys() & {"pattern", "format", "enum"}:
            schema["pattern"] = NO_NUL
        for value in schema.values():
            _refuse_nul(value)


# A batch ---------------------------------------------------------------------------------


class BatchAccepted(RequestOut):
    """A request of the batch taken in: the answer `POST /v1/requests` gives with 201."""

    status: Literal[201] = Field(description="201: the request is recorded and decided")
    replayed: bool = Field(
        description=(
            "true when the request repeats one recorded before under the same `id` with the "
            "same body: this is its first answer, and nothing was recorded"
        )
    )


class BatchRefused(Schema):
    """A request of the batch that was not taken in; nothing of it was recorded."""

    status: Literal[409, 422, 503] = Field(
        description=(
            "422: the request is invalid, or not one this agency may take in; 409: its `id` "
            "is taken by another body or another account, or given twice in the batch; "
            "503: its case would await a supervisor and none can be told (send it again later)"
        )
    )
    errors: list[Problem] = Field(
        description="each offending field, named within the batch: requests[3].requester.organization"
    )


class BatchOut(Schema):
    results: list[BatchAccepted | BatchRefused] = Field(
        description="one result per request sent, in the order sent"
    )


def batch_schema(ref_template: str) -> dict[str, Any]:
    """The body of a batch: its requests, each in the contract's format."""
    return {
        "title": "Batch",
        "type": "object",
        "required": ["requests"],
        "additionalProperties": False,
        "description": (
            f"At most {MAX_BATCH} requests, in a body of at most "
            f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,} bytes. Give each its own `id`: a "
            "request sent again under its `id` with the same body is answered again, not "
            "recorded twice."
        ),
        "properties": {
            "requests": {
                "type": "array",
                "minItems": 1,
                "maxItems": MAX_BATCH,
                "items": {"$ref": ref_template.format(model=Request.__name__)},
            }
        },
    }


# A database query ------------------------------------------------------------------------


class LookedUp(BaseModel):
    """What the query looked up: kept with the request as its subject, hashed in the ledger."""

    model_config = ConfigDict(extra="forbid", title="LookedUp")

    license_number: str | None = Field(default=None, max_length=CODE_LENGTH)
    plate: str | None = Field(
        default=None, max_length=CODE_LENGTH, description="a licence plate, as queried"
    )
    name: str | None = Field(default=None, max_length=NAME_LENGTH)
    date_of_birth: str | None = Field(default=None, max_length=CODE_LENGTH)


class Query(BaseModel):
    """A partner system's query of the agency's database, recorded as a request with
    channel `database` (contract/REQUESTS.md), field by field as each description says."""

    model_config = ConfigDict(extra="forbid", title="Query")

    transaction_id: str = Field(
        max_length=80,
        pattern=ID_PATTERN,
        description=(
            "the partner system's own id for the query; it becomes the request's `id`, "
            "unique in the agency's log: sent again with the same body it records nothing "
            "and answers the first answer again, with another body it answers 409"
        ),
    )
    queried_at: dt.datetime = Field(
        description="when the query was made: the request's `received_at`, with its rules"
    )
    organization: str = Field(
        min_length=1, max_length=NAME_LENGTH, description="who queried: `requester.organization`"
    )
    ori: str | None = Field(default=None, max_length=CODE_LENGTH, description="`requester.ori`")
    level: Level | None = Field(default=None, description="`requester.level`")
    user_id: str | None = Field(
        default=None,
        max_length=NAME_LENGTH,
        description="the user or officer who ran the query, as the partner system names them: `requester.name`",
    )
    reason: str | None = Field(
        default=None,
        max_length=TEXT_LENGTH,
        description="the purpose or reason the partner system sends with the query, as written: `purpose`",
    )
    purpose_category: PurposeCategory | None = Field(
        default=None,
        description=(
            "`purpose_category`; without one (and without a case number) a third party's "
            "query has no permitted basis and is refused"
        ),
    )
    case_number: str | None = Field(
        default=None, max_length=CODE_LENGTH, description="`criminal_investigation.case_number`"
    )
    offense: str | None = Field(
        default=None, max_length=PHRASE_LENGTH, description="`criminal_investigation.offense`"
    )
    records: list[Record] = Field(
        min_length=1,
        max_length=len(RECORDS),
        description="the records the query returns: `records_requested`",
    )
    looked_up: LookedUp | None = Field(
        default=None, description="what was looked up: the request's one subject"
    )


def query_schemas(ref_template: str) -> dict[str, Any]:
    schema = Query.model_json_schema(ref_template=ref_template, mode="validation")
    definitions: dict[str, Any] = schema.pop("$defs", {})
    definitions[Query.__name__] = schema
    _refuse_nul(definitions)
    return definitions


class Reason(Schema):
    rule: str
    citation: str
    effect: Outcome
    explanation: str


class QueryOut(Schema):
    """The decision on a query, in short; `GET /v1/requests/{id}` reads it all."""

    id: str = Field(description="the request's id: the query's `transaction_id`")
    state: State
    outcome: Outcome
    immigration_related: bool
    obligations: list[Obligation]
    releasable_records: list[Record]
    reasons: list[Reason]
