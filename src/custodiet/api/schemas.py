"""The API's answers, typed so that the OpenAPI document describes them.

The decision is the contract's own `Decision`, and the request body is documented with the
contract's own `Request` model (its schemas are added to the document's components), so
the document and `custodiet evaluate` cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from ninja import Schema
from pydantic import Field

from custodiet.cases.models import State
from custodiet.policy.model import MAX_DEPTH, SAFE_INTEGER, Decision, Request


class Problem(Schema):
    field: str = Field(description="the offending field, e.g. records_requested[0]")
    message: str


class Errors(Schema):
    errors: list[Problem]


class HistoryEntry(Schema):
    kind: str = Field(description="what happened, e.g. request.received, case.opened")
    at: dt.datetime
    actor: str
    ledger_index: int = Field(description="the event's leaf index in the ledger")


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
