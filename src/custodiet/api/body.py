"""Reading a request body into a contract request.

`parse_request` decides what a request may hold (the contract, and what a record and a
ledger leaf can keep); this module adds what is HTTP's: the body's size, whether it is
JSON at all, and the channel a request sent to the API came by.

The contract lets a sender add fields ("add fields freely, rename none"), so a field it
does not define is kept with the request, not refused; but nothing reads it, and a
misspelt `purpose_catgory` would otherwise pass unnoticed while the decision goes without
it. The answer names every such field (`added_fields`).
"""

from __future__ import annotations

import difflib
import hashlib
import json
from dataclasses import dataclass
from typing import Any

import rfc8785
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest
from pydantic import BaseModel

from custodiet.policy.model import MAX_DEPTH, Request, RequestError, parse_request

# The most requests one batch (`POST /v1/requests/batch`) may hold; its body, like any
# other, holds at most DATA_UPLOAD_MAX_MEMORY_SIZE bytes.
MAX_BATCH = 500


class BodyError(Exception):
    """The body cannot be taken in; `status` is the HTTP status, `problems` name the fields."""

    def __init__(self, status: int, problems: list[tuple[str, str]]) -> None:
        self.status = status
        self.problems = problems
        super().__init__("; ".join(f"{field}: {message}" for field, message in problems))


@dataclass(frozen=True)
class Body:
    request: Request
    # The body's SHA-256 in canonical JSON (RFC 8785), so that a retry is recognised as
    # the same body whatever its whitespace and the order of its keys.
    fingerprint: str


def read_request(http_request: HttpRequest, *, channel: str) -> Body:
    """The contract request in the body, with `channel` filled in when the sender gave none."""
    try:
        return body_of(read_json(http_request), channel=channel)
    except RequestError as error:
        raise BodyError(422, error.problems) from None


def read_json(http_request: HttpRequest) -> Any:
    """The body, decoded; a BodyError when it is too large (413) or not JSON (400)."""
    return _decode(http_request)


def body_of(data: Any, *, channel: str) -> Body:
    """One decoded request as the contract reads it, with `channel` filled in when the
    sender gave none; a RequestError naming the fields when it is not one."""
    request = parse_request(data)
    if not request.channel:
        request = request.model_copy(update={"channel": channel})
    # parse_request has refused what canonical JSON cannot write (NaN, huge integers).
    return Body(request, hashlib.sha256(rfc8785.dumps(data)).hexdigest())


def added_fields(request: BaseModel, prefix: str = "") -> list[tuple[str, str]]:
    """Each field of `request` the contract does not define, as (path, what it means for
    the sender), the path written as errors write it (`legal_process[0].pages`)."""
    found = []
    for name in request.model_extra or {}:
        known = type(request).model_fields
        close = difflib.get_close_matches(name, known, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        found.append(
            (
                prefix + name,
                f"unknown field '{name}'{hint}: kept with the request, but not part of the "
                "contract, so the decision did not read it",
            )
        )
    for name in type(request).model_fields:
        value = getattr(request, name)
        if isinstance(value, BaseModel):
            found += added_fields(value, f"{prefix}{name}.")
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, BaseModel):
                    found += added_fields(item, f"{prefix}{name}[{index}].")
    return found


def _decode(http_request: HttpRequest) -> Any:
    try:
        body = http_request.body
    except RequestDataTooBig:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raise BodyError(413, [("request", f"the body is larger than {limit:,} bytes")]) from None
    try:
        return json.loads(body)
    except UnicodeDecodeError:
        raise BodyError(400, [("request", "not valid JSON: the body is not UTF-8")]) from None
    except json.JSONDecodeError as exc:
        raise BodyError(
            400, [("request", f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")]
        ) from None
    except RecursionError:
        raise BodyError(400, [("request", f"nested more than {MAX_DEPTH} levels deep")]) from None
    except ValueError as exc:
        # Python's own limits, such as an integer of more than 4300 digits.
        raise BodyError(400, [("request", f"not valid JSON: {exc}")]) from None
