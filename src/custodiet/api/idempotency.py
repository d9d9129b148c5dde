"""Retries are safe: a call sent again after a timeout gets the first answer, not a second request.

A partner names a call with an `Idempotency-Key` header (the IETF httpapi draft
"The Idempotency-Key HTTP Header Field"): the same key from the same account within a
day answers what the first call answered and creates nothing; the same key with another
body is refused. A request's own `id` works the same way, for as long as the request
exists: the same body under the same id replays the first answer, another body under it
is a conflict. Only an answer that took a request in is kept; a refused body changes
nothing, so sending it again is refused again.

The key is claimed (its row inserted) in the transaction that takes the request in, before
anything else is written, so two concurrent calls with one key cannot both take a request
in: the second waits on the unique constraint, fails, and finds the first one's answer.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from custodiet.accounts.models import Agency
from custodiet.api.body import Body, BodyError
from custodiet.api.models import StoredAnswer
from custodiet.cases.actions import take_in
from custodiet.cases.models import Case
from custodiet.records.actions import RecordError

KEY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
WINDOW = dt.timedelta(hours=24)
# Printable ASCII (a UUID, a token, a quoted Structured Field string), at most 255
# characters, with no space at either end, where HTTP would trim it.
KEY_PATTERN = r"^[!-~](?:[ -~]{0,253}[!-~])?$"


class KeyReused(Exception):
    """The key was used within the window for a call with another body."""


@dataclass(frozen=True)
class Answer:
    public_id: str
    body: dict[str, Any]
    replayed: bool


def read_key(http_request: HttpRequest) -> str | None:
    """The call's Idempotency-Key, None when it has none, or a BodyError saying what is wrong."""
    key = http_request.headers.get(KEY_HEADER)
    if key is not None and not re.fullmatch(KEY_PATTERN, key):
        raise BodyError(
            400,
            [
                (
                    KEY_HEADER,
                    "use 1 to 255 printable ASCII characters, with no space at either end "
                    "(a UUID, say)",
                )
            ],
        )
    return key


def submit_once(
    body: Body,
    *,
    by: AbstractBaseUser,
    agency: Agency,
    key: str | None,
    render: Callable[[Case], dict[str, Any]],
) -> Answer:
    """Take the request in and keep `render`'s answer; or, for a retry, the first answer.

    Raises KeyReused for a known key with another body, and what `take_in` raises (a
    RecordError for an id taken by another body or another account).
    """
    request_id = body.request.id
    if key is None and request_id is None:
        # Nothing to know a retry by: every call is a new request.
        case = take_in(body.request, by=by, agency=agency)
        return Answer(case.request.public_id, render(case), replayed=False)
    earlier = _earlier_answer(by, key, request_id, body.fingerprint)
    if earlier is not None:
        return earlier
    try:
        with transaction.atomic():
            now = timezone.now()
            if key is not None:
                # A key older than the window is free again; its row stays, keyless.
                StoredAnswer.objects.filter(user=by, key=key, created_at__lte=now - WINDOW).update(
                    key=""
                )
            stored = StoredAnswer.objects.create(
                user=by, key=key or "", fingerprint=body.fingerprint, created_at=now
            )
            case = take_in(body.request, by=by, agency=agency)
            stored.request = case.request
            stored.body = render(case)
            stored.save(update_fields=["request", "body"])
    except (IntegrityError, RecordError):
        # A concurrent call with this key or this id committed first: a retry gets its
        # answer; anything else is the conflict it was.
        earlier = _earlier_answer(by, key, request_id, body.fingerprint)
        if earlier is None:
            raise
        return earlier
    return Answer(case.request.public_id, stored.body, replayed=False)


def _earlier_answer(
    by: AbstractBaseUser, key: str | None, request_id: str | None, fingerprint: str
) -> Answer | None:
    """The first answer this call repeats, if it repeats one; KeyReused for another body."""
    stored = None
    if key is not None:
        stored = (
            StoredAnswer.objects.filter(user=by, key=key, created_at__gt=timezone.now() - WINDOW)
            .select_related("request")
            .first()
        )
        if stored is not None and stored.fingerprint != fingerprint:
            raise KeyReused(
                f"this key was used within the last {WINDOW // dt.timedelta(hours=1)} hours for a "
                "request with another body; send a new key for a new request"
            )
    if stored is None and request_id is not None:
        stored = (
            StoredAnswer.objects.filter(
                user=by, request__public_id=request_id, fingerprint=fingerprint
            )
            .select_related("request")
            .first()
        )
    if stored is None or stored.request is None or stored.body is None:
        return None
    return Answer(stored.request.public_id, stored.body, replayed=True)
