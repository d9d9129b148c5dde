"""What the API answers about a request: the same body from POST, from a replay of it and
from GET, whichever endpoint took the request in."""

from __future__ import annotations

import datetime as dt
from typing import Any

from custodiet.api.body import added_fields
from custodiet.api.schemas import RequestOut
from custodiet.cases.models import Case
from custodiet.policy.model import RequestError, parse_request


def answer(case: Case, decision: dict[str, Any] | None = None) -> dict[str, Any]:
    """The case's request, state and decision (the latest recorded, unless the caller
    already holds it), and the fields the sender added."""
    record = case.request
    return {
        "id": record.public_id,
        "state": case.state,
        # In UTC, whatever offset the sender wrote: the same answer from POST and GET.
        "received_at": record.received_at.astimezone(dt.UTC),
        "decision": decision if decision is not None else record.decisions.latest("id").payload,
        "warnings": warnings(record.payload),
    }


def warnings(payload: dict[str, Any]) -> list[dict[str, str]]:
    """The fields the sender added, found again in the stored request, which keeps them:
    the record is where they are kept, and every answer about it names them alike."""
    try:
        request = parse_request(payload)
    except RequestError:
        # Recorded under rules since tightened; the record stands as it is.
        return []
    return [{"field": field, "message": message} for field, message in added_fields(request)]


def stored_answer(case: Case, decision: dict[str, Any] | None = None) -> dict[str, Any]:
    """The answer to the call that took the case's request in, as kept for its retries."""
    # As JSON, so that the first answer and any replay of it are the same bytes.
    body: dict[str, Any] = RequestOut.model_validate(answer(case, decision)).model_dump(
        mode="json", exclude_none=True
    )
    return body
