"""A partner system's database query, recorded as a request with channel `database`.

Since 2022-03-01 a query through Colorado DRIVES (the motor-vehicle system's automated
access for partners) is a 24-74-106 request like any letter to a clerk, and a third
party's database access is refused unless a 24-74-105 certification signed within the
365 days before it is on file in the partner registry. A partner's system sends each
query as it runs it, in the compact form of `Query` (`custodiet.api.schemas`); it is
mapped field by field onto the request contract, decided, recorded and ledgered like any
request, and the answer is the decision in short.

The partner's transaction id is the request's id, and so its idempotency key. Errors
name the query's own fields (`organization`, `records[1]`, `looked_up.plate`), whatever
the contract calls them.
"""

from __future__ import annotations

import hashlib
from typing import Any

import rfc8785
from django.http import HttpRequest

from custodiet.api.body import Body, BodyError, read_json
from custodiet.api.schemas import LookedUp, Query
from custodiet.policy.model import CODE_LENGTH, RequestError, parse_request

CHANNEL = "database"
FIELDS = tuple(Query.model_fields)
LOOKED_UP = tuple(LookedUp.model_fields)
# The contract's field for each of the query's, most specific first.
_CONTRACT = (
    ("transaction_id", "id"),
    ("queried_at", "received_at"),
    ("organization", "requester.organization"),
    ("ori", "requester.ori"),
    ("level", "requester.level"),
    ("user_id", "requester.name"),
    ("reason", "purpose"),
    ("purpose_category", "purpose_category"),
    ("case_number", "criminal_investigation.case_number"),
    ("offense", "criminal_investigation.offense"),
    ("records", "records_requested"),
    ("looked_up", "subjects[0]"),
    ("organization", "requester"),
    ("looked_up", "subjects"),
)


def query_field(path: str) -> str:
    """The query's name for a field of the request it is recorded as."""
    for ours, theirs in _CONTRACT:
        if path == theirs or path.startswith((theirs + ".", theirs + "[")):
            return ours + path[len(theirs) :]
    return path


def in_query_terms(problems: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(query_field(field), message) for field, message in problems]


def read_query(http_request: HttpRequest) -> Body:
    """The query in the body, as the request it is recorded as; a BodyError naming the
    query's fields when it is not one."""
    data = read_json(http_request)
    if not isinstance(data, dict):
        raise BodyError(422, [("request", f"must be a JSON object, not {type(data).__name__}")])
    problems = _unknown(data, FIELDS, "")
    looked_up = data.get("looked_up")
    if looked_up is not None and not isinstance(looked_up, dict):
        problems.append(("looked_up", "must be an object: " + ", ".join(LOOKED_UP)))
    elif isinstance(looked_up, dict):
        problems += _unknown(looked_up, LOOKED_UP, "looked_up.")
        plate = looked_up.get("plate")
        if plate is not None and not isinstance(plate, str):
            problems.append(("looked_up.plate", "must be text"))
        elif isinstance(plate, str) and len(plate.strip()) > CODE_LENGTH:
            problems.append(("looked_up.plate", f"must be at most {CODE_LENGTH:,} characters"))
    if data.get("transaction_id") is None:
        problems.append(("transaction_id", "is required"))
    request = as_request(data)
    try:
        parsed = parse_request(request)
    except RequestError as error:
        problems += [
            problem for problem in in_query_terms(error.problems) if problem not in problems
        ]
    if problems:
        raise BodyError(422, problems)
    # Canonical JSON of the request it is recorded as: the same query, however written,
    # is the same body.
    return Body(parsed, hashlib.sha256(rfc8785.dumps(request)).hexdigest())


def _unknown(data: dict[str, Any], known: tuple[str, ...], prefix: str) -> list[tuple[str, str]]:
    return [
        (prefix + str(name)[:100], f"unknown field; a query holds only: {', '.join(known)}")
        for name in data
        if name not in known
    ]


def as_request(query: dict[str, Any]) -> dict[str, Any]:
    """The request a query is recorded as, in the contract's format (absent and null
    fields left out, so that a retry written either way is the same request)."""

    def present(**fields: Any) -> dict[str, Any]:
        return {name: value for name, value in fields.items() if value is not None}

    looked_up = query.get("looked_up")
    subject = {}
    if isinstance(looked_up, dict):
        subject = present(**{name: looked_up.get(name) for name in LOOKED_UP})
        if isinstance(subject.get("plate"), str):
            subject["plate"] = subject["plate"].strip()
    investigation = present(case_number=query.get("case_number"), offense=query.get("offense"))
    return present(
        id=query.get("transaction_id"),
        received_at=query.get("queried_at"),
        channel=CHANNEL,
        requester=present(
            organization=query.get("organization"),
            ori=query.get("ori"),
            level=query.get("level"),
            name=query.get("user_id"),
        ),
        records_requested=query.get("records"),
        purpose=query.get("reason"),
        purpose_category=query.get("purpose_category"),
        criminal_investigation=investigation or None,
        subjects=[subject] if subject else None,
    )


def short_answer(body: dict[str, Any]) -> dict[str, Any]:
    """The decision in short, from the request's full answer (`answers.stored_answer`)."""
    decision = body["decision"]
    return {
        "id": body["id"],
        "state": body["state"],
        "outcome": decision["outcome"],
        "immigration_related": decision["immigration_related"],
        "obligations": decision["obligations"],
        "releasable_records": decision["releasable_records"],
        "reasons": [
            {name: reason[name] for name in ("rule", "citation", "effect", "explanation")}
            for reason in decision["reasons"]
        ],
    }
