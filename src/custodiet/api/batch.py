"""Many requests in one call: what automated channels send.

Partners' systems (Colorado DRIVES' partners among them: their requests are 24-74-106
requests since 2022-03-01) submit in bursts of thousands, with no person in the loop.
A batch holds up to `MAX_BATCH` requests, each taken in as `POST /v1/requests` would take
it in, and answered in its own place in `results`: its 201 answer, or its errors with
each field named within the batch (`requests[3].requester.organization`). A request
that is refused records nothing and does not stop the others.

A request's own `id` is its idempotency key: sent again with the same body, by the same
account, it records nothing and gets its first answer again (`replayed`); under another
body the id is a conflict (409) for that request alone. Automated channels should send an
`id` with every request, or a retry after a lost answer records the request twice.

The requests that can be taken in are recorded together, in one transaction, with bulk
inserts: each gets exactly the rows, events and ledger entries `take_in` gives one
request, and the supervisors get one email for all the cases that await their approval.
If that fails in the database (another call took an id in between), each request is
taken in on its own, as the single endpoint would, so one request's conflict never costs
the others theirs.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest
from django.utils import timezone

from custodiet.accounts.models import Agency
from custodiet.api.answers import stored_answer
from custodiet.api.body import MAX_BATCH, Body, BodyError, body_of, read_json
from custodiet.api.idempotency import submit_once
from custodiet.api.models import StoredAnswer
from custodiet.cases.actions import (
    WorkflowError,
    no_supervisor,
    opening_state,
    supervisor_addresses,
    take_in_decided,
)
from custodiet.cases.models import Case, State
from custodiet.policy.model import RequestError
from custodiet.records.actions import Decided, RecordError, decide_each
from custodiet.records.models import RequestRecord

logger = logging.getLogger(__name__)

FIELD = "requests"
Result = dict[str, Any]


def read_batch(http_request: HttpRequest) -> list[Any]:
    """The requests of a batch body (`{"requests": [...]}`), each as sent; a BodyError
    for a body that is not one, naming the field."""
    data = read_json(http_request)
    if not isinstance(data, dict):
        raise BodyError(
            422,
            [("request", f"must be a JSON object holding `{FIELD}`, not {type(data).__name__}")],
        )
    problems = [
        (str(name)[:100], f"unknown field: a batch holds only `{FIELD}`")
        for name in data
        if name != FIELD
    ]
    items = data.get(FIELD)
    if FIELD not in data:
        problems.insert(0, (FIELD, "is required"))
    elif not isinstance(items, list):
        problems.insert(0, (FIELD, "must be a list of requests"))
    elif not items:
        problems.insert(0, (FIELD, "name at least one request"))
    elif len(items) > MAX_BATCH:
        problems.insert(
            0,
            (
                FIELD,
                f"must have at most {MAX_BATCH} items (this one has {len(items)}); "
                "send the rest in further calls",
            ),
        )
    if problems:
        raise BodyError(422, problems)
    assert isinstance(items, list)
    return items


def within(index: int, field: str) -> str:
    """`field` of the batch's request `index`, named as errors name it."""
    item = f"{FIELD}[{index}]"
    return f"{item}.{field}" if field and field != "request" else item


def _refused(index: int, status: int, problems: Sequence[tuple[str, str]]) -> Result:
    return {
        "status": status,
        "errors": [
            {"field": within(index, field), "message": message} for field, message in problems
        ],
    }


def _accepted(body: dict[str, Any], *, replayed: bool) -> Result:
    return {"status": 201, "replayed": replayed, **body}


def submit_batch(
    items: Sequence[Any], *, by: AbstractBaseUser, agency: Agency, channel: str = "api"
) -> list[Result]:
    """Take in each request of a batch for `agency`; the result of each, in order."""
    results: list[Result | None] = [None] * len(items)

    # Each as the contract reads it; an id given twice in the batch is a conflict.
    bodies: dict[int, Body] = {}
    first_with: dict[str, int] = {}
    for index, data in enumerate(items):
        try:
            body = body_of(data, channel=channel)
        except RequestError as error:
            results[index] = _refused(index, 422, error.problems)
            continue
        request_id = body.request.id
        if request_id is not None:
            if request_id in first_with:
                first = within(first_with[request_id], "id")
                results[index] = _refused(
                    index, 409, [("id", f"{first} has the same id: send each request once")]
                )
                continue
            first_with[request_id] = index
        bodies[index] = body

    # A retry of a request this account recorded with the same body: its first answer.
    for index, answer in _earlier_answers(by, bodies).items():
        results[index] = _accepted(answer, replayed=True)
        del bodies[index]

    # Admitted by the agency and decided, each on its own.
    decided: dict[int, Decided] = {}
    waiting = list(bodies)
    for index, outcome in zip(
        waiting, decide_each([bodies[index].request for index in waiting], agency), strict=True
    ):
        if isinstance(outcome, RequestError):
            results[index] = _refused(index, 422, outcome.problems)
        else:
            decided[index] = outcome

    # An id the agency's log holds under another body, or another account's.
    given = {item.request.id: index for index, item in decided.items() if item.request.id}
    for taken in (
        RequestRecord.objects.of_agency(agency)
        .filter(public_id__in=list(given))
        .values_list("public_id", flat=True)
    ):
        index = given[taken]
        results[index] = _refused(index, 409, [("id", _taken(taken))])
        del decided[index]

    # A case that would await approval cannot open while no supervisor can be told.
    awaiting = [
        index
        for index, item in decided.items()
        if opening_state(item.decision) == State.AWAITING_APPROVAL
    ]
    if awaiting and not supervisor_addresses(agency):
        problem = str(no_supervisor(agency))
        logger.error("API batch: %d requests not taken in: %s", len(awaiting), problem)
        for index in awaiting:
            results[index] = _refused(index, 503, [("", problem)])
            del decided[index]

    if decided:
        try:
            answers = _take_in_together(decided, bodies, by=by, agency=agency)
        except (RecordError, WorkflowError) as error:
            logger.warning(
                "API batch: %d requests could not be recorded together (%s); "
                "recording each on its own",
                len(decided),
                error,
            )
            for index in decided:
                results[index] = _take_in_alone(index, bodies[index], by=by, agency=agency)
        else:
            for index, answer in answers.items():
                results[index] = _accepted(answer, replayed=False)

    assert all(result is not None for result in results)
    return [result for result in results if result is not None]


def _taken(request_id: str) -> str:
    return (
        f"{request_id} is already recorded, with another body or by another account; "
        "a new request needs an id of its own"
    )


def _earlier_answers(by: AbstractBaseUser, bodies: dict[int, Body]) -> dict[int, dict[str, Any]]:
    """The stored first answers, by item, of the requests that repeat one this account
    recorded under the same id with the same body (as `submit_once` finds one)."""
    with_ids = {body.request.id: index for index, body in bodies.items() if body.request.id}
    if not with_ids:
        return {}
    found: dict[int, dict[str, Any]] = {}
    stored = StoredAnswer.objects.filter(
        user=by, request__public_id__in=list(with_ids), body__isnull=False
    ).select_related("request")
    for answer in stored:
        assert answer.request is not None
        index = with_ids[answer.request.public_id]
        if answer.fingerprint == bodies[index].fingerprint and answer.body is not None:
            found[index] = answer.body
    return found


def _take_in_together(
    decided: dict[int, Decided], bodies: dict[int, Body], *, by: AbstractBaseUser, agency: Agency
) -> dict[int, dict[str, Any]]:
    """Record the requests in one transaction, keeping the answers of those with an id for
    their retries; each one's answer, by item."""
    order = list(decided)
    answers: dict[int, dict[str, Any]] = {}

    def keep_answers(cases: list[Case]) -> None:
        # The decision as recorded (the row's payload is this same `to_dict()`), without
        # reading each one back.
        answers.update(
            (index, stored_answer(case, decided[index].decision.to_dict()))
            for index, case in zip(order, cases, strict=True)
        )
        now = timezone.now()
        StoredAnswer.objects.bulk_create(
            [
                StoredAnswer(
                    user=by,
                    key="",
                    fingerprint=bodies[index].fingerprint,
                    request=case.request,
                    body=answers[index],
                    created_at=now,
                )
                for index, case in zip(order, cases, strict=True)
                if bodies[index].request.id
            ]
        )

    take_in_decided([decided[index] for index in order], by=by, agency=agency, also=keep_answers)
    return answers


def _take_in_alone(index: int, body: Body, *, by: AbstractBaseUser, agency: Agency) -> Result:
    """One request taken in as `POST /v1/requests` takes it in (with no Idempotency-Key)."""
    try:
        answer = submit_once(body, by=by, agency=agency, key=None, render=stored_answer)
    except RequestError as error:
        return _refused(index, 422, error.problems)
    except RecordError as error:
        return _refused(index, 409, [("id", str(error))])
    except WorkflowError as error:
        logger.error("API batch: request not taken in: %s", error)
        return _refused(index, 503, [("", str(error))])
    return _accepted(answer.body, replayed=answer.replayed)
