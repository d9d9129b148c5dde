"""The API's answers, typed so that the OpenAPI document describes them.

The decision is the contract's own `Decision`, and the request body is documented with the
contract's own `Request` model (its schemas are added to the document's components), so
the document and `custodiet evaluate` cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema
from pydantic import Field

from custodiet.cases.models import State
from custodiet.policy.model import Decision, Request


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


class RequestDetail(RequestOut):
    history: list[HistoryEntry]


def request_schemas(ref_template: str) -> dict[str, Any]:
    """The contract request's JSON Schema and the schemas it refers to, by name."""
    schema = Request.model_json_schema(ref_template=ref_template, mode="validation")
    definitions: dict[str, Any] = schema.pop("$defs", {})
    definitions[Request.__name__] = schema
    return definitions
