"""The JSON API, version 1: partner systems submit requests and read back their cases.

Authentication is a per-partner bearer token and nothing else: a session cookie never
authenticates a call, which is why the API needs no CSRF token. Every error answers
`{"errors": [{"field", "message"}]}`, the field named as `custodiet evaluate` names it.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from ninja import NinjaAPI, Path, Status, Swagger
from ninja.errors import AuthenticationError, Throttled
from ninja.openapi.schema import REF_TEMPLATE
from ninja.security import HttpBearer

from custodiet import __version__
from custodiet.accounts.access import get_case_for_user, require
from custodiet.accounts.models import ApiToken
from custodiet.accounts.ratelimit import PartnerThrottle, address_wait
from custodiet.api import answers
from custodiet.api.batch import read_batch, submit_batch
from custodiet.api.body import MAX_BATCH, BodyError, read_request
from custodiet.api.idempotency import (
    KEY_HEADER,
    KEY_PATTERN,
    REPLAYED_HEADER,
    WINDOW,
    KeyReused,
    read_key,
    submit_once,
)
from custodiet.api.queries import in_query_terms, read_query, short_answer
from custodiet.api.schemas import (
    BatchOut,
    Errors,
    QueryOut,
    RequestDetail,
    RequestOut,
    batch_schema,
    query_schemas,
    request_schemas,
)
from custodiet.cases.actions import WorkflowError
from custodiet.policy.model import ID_PATTERN, RequestError
from custodiet.records.actions import RecordError

logger = logging.getLogger(__name__)

CAPABILITY = "can_submit_by_api"
# How stale a token's `last_used_at` may be: one write a minute, not one per call.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)
REALM = 'Bearer realm="custodiet"'


class PartnerToken(HttpBearer):
    """`Authorization: Bearer <token>`: a live token of an active user, or no one."""

    def __call__(self, request: HttpRequest) -> Any:
        # Every call counts against its address before any token is looked up, so a flood
        # of bad tokens is refused as soon as any other.
        wait = address_wait(request)
        if wait is not None:
            raise Throttled(wait=wait)  # type: ignore[arg-type]
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = ApiToken.find(token)
        if found is None or not found.user.is_active:
            return None
        _note_use(found)
        return found


def _note_use(token: ApiToken) -> None:
    now = timezone.now()
    stale = now - LAST_USED_RESOLUTION
    if token.last_used_at is not None and token.last_used_at > stale:
        return
    # Conditional, so concurrent calls in the same minute write it once.
    ApiToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lte=stale)
    ).update(last_used_at=now)


class CustodietAPI(NinjaAPI):
    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> Any:
        # The request body is read raw (so errors name fields as the contract does); its
        # schema is published from the contract's model all the same.
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        components = schema["components"]["schemas"]
        components.update(request_schemas(REF_TEMPLATE))
        components["Batch"] = batch_schema(REF_TEMPLATE)
        components.update(query_schemas(REF_TEMPLATE))
        return schema


api = CustodietAPI(
    title="Custodiet",
    version=__version__,
    description=(
        "Submit requests for residents' personal information in the contract format "
        "(contract/REQUESTS.md), one at a time or in batches, record partner systems' "
        "database queries, and read back the decision and the case's history. "
        "Authenticate with `Authorization: Bearer <token>` (`custodiet tokens create`)."
    ),
    openapi_url="/openapi.json",
    docs_url="/docs",
    # validatorUrl off: Swagger UI would otherwise fetch a badge from a third-party host.
    docs=Swagger(settings={"validatorUrl": None}),
    urls_namespace="api",
    auth=PartnerToken(),
    # Per token (settings), and per address in PartnerToken; past either, 429.
    throttle=[PartnerThrottle()],
)


def _errors(request: HttpRequest, status: int, problems: list[tuple[str, str]]) -> HttpResponse:
    body = {"errors": [{"field": field, "message": message} for field, message in problems]}
    return api.create_response(request, body, status=status)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    given = "Authorization" in request.headers
    message = "the token is unknown or revoked" if given else "send Authorization: Bearer <token>"
    response = _errors(request, 401, [("Authorization", message)])
    response["WWW-Authenticate"] = REALM + (', error="invalid_token"' if given else "")
    return response


@api.exception_handler(Throttled)
def _throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    wait = f"; try again in {math.ceil(exc.wait)} s" if exc.wait else ""
    response = _errors(request, 429, [("request", f"too many requests{wait}")])
    if exc.wait:
        response["Retry-After"] = str(math.ceil(exc.wait))
    return response


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _errors(request, 403, [("Authorization", str(exc) or "not allowed")])


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _errors(request, 404, [("id", "no request with this id in your agency")])


@api.exception_handler(BodyError)
def _bad_body(request: HttpRequest, exc: BodyError) -> HttpResponse:
    return _errors(request, exc.status, exc.problems)


ERRORS = {code: Errors for code in (400, 401, 403, 409, 413, 422, 429, 503)}
# Another call's answer replayed to a retry is the same status and body, marked so.
REPLAYED = {
    "description": "`true` when this is the stored answer to an earlier call",
    "schema": {"type": "string", "enum": ["true"]},
}
TOO_MANY = {
    429: {
        "headers": {
            "Retry-After": {
                "description": "seconds to wait before calling again",
                "schema": {"type": "integer", "minimum": 0},
            }
        }
    }
}
# What an intake answers: 201 with where to read the request back.
CREATED = {
    201: {
        "headers": {
            "Location": {
                "description": "the request's URL, to read it back",
                "schema": {"type": "string", "format": "uri"},
            },
            REPLAYED_HEADER: REPLAYED,
        }
    },
    **TOO_MANY,
}


def _json_body(model: str) -> dict[str, Any]:
    """A required JSON body of the published `model`."""
    return {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": REF_TEMPLATE.format(model=model)}}},
    }


@api.post(
    "/v1/requests",
    response={201: RequestOut, **ERRORS},
    url_name="requests",
    tags=["requests"],
    summary="Submit a request",
    description=(
        "Records the request, decides it under the policy in force on `received_at`, and "
        "opens its case; the answer carries the decision. Missing `channel` means `api`. "
        "Invalid input records nothing and answers 422 naming each offending field.\n\n"
        f"Retries are safe with an `{KEY_HEADER}` header (or the request's own `id`): a "
        "call that repeats an earlier one, with the same body, records nothing and gets "
        f"the earlier answer again, marked `{REPLAYED_HEADER}: true`. A key is "
        f"remembered for {WINDOW // dt.timedelta(hours=1)} hours; the same key with another "
        "body answers 422, the same `id` with another body 409."
    ),
    exclude_none=True,
    openapi_extra={
        "parameters": [
            {
                "name": KEY_HEADER,
                "in": "header",
                "required": False,
                "description": (
                    "a key of your choosing (a UUID, say) that names this call: send the "
                    "same key when you send the same request again"
                ),
                "schema": {"type": "string", "maxLength": 255, "pattern": KEY_PATTERN},
            }
        ],
        "requestBody": _json_body("Request"),
        "responses": CREATED,
    },
)
def submit_request(request: HttpRequest, response: HttpResponse) -> Status[dict[str, Any]]:
    token: ApiToken = request.auth
    membership = require(token.user, CAPABILITY)
    key = read_key(request)
    body = read_request(request, channel="api")
    try:
        answer = submit_once(
            body, by=token.user, agency=membership.agency, key=key, render=answers.stored_answer
        )
    except KeyReused as exc:
        return Status(422, {"errors": [{"field": KEY_HEADER, "message": str(exc)}]})
    except RequestError as exc:
        # A request naming another agency as its receiver: a partner writes to its own only.
        raise BodyError(422, exc.problems) from None
    except RecordError as exc:
        return Status(409, {"errors": [{"field": "id", "message": str(exc)}]})
    except WorkflowError as exc:
        # The deployment cannot notify anyone; nothing was recorded, the sender may retry.
        logger.error("API request not taken in: %s", exc)
        return Status(503, {"errors": [{"field": "request", "message": str(exc)}]})
    location = reverse("api:request", kwargs={"id": answer.public_id})
    response["Location"] = request.build_absolute_uri(location)
    if answer.replayed:
        response[REPLAYED_HEADER] = "true"
    return Status(201, answer.body)


@api.post(
    "/v1/requests/batch",
    response={200: BatchOut, **ERRORS},
    url_name="batch",
    tags=["requests"],
    summary="Submit many requests",
    description=(
        f"Takes in up to {MAX_BATCH} requests, each as `POST /v1/requests` would: each "
        "is validated, decided and recorded on its own, and a request that is refused "
        "records nothing and does not stop the others. The answer is 200 with `results`, "
        "one per request in the order sent: the single endpoint's 201 answer with "
        "`status: 201` (and `replayed`), or `status` 409, 422 or 503 with `errors`, each "
        "field named within the batch (`requests[3].requester.organization`). A body "
        "that is no batch at all (not JSON, no `requests` list, more than "
        f"{MAX_BATCH} requests) answers 400, 413 or 422 and records nothing.\n\n"
        "A request's own `id` is its idempotency key: sent again with the same body by the "
        "same account, it records nothing and its result is its first answer with "
        "`replayed: true`; another body under a taken id is a 409 for that request alone. "
        "Automated channels should give every request an `id`. A batch takes no "
        f"`{KEY_HEADER}`.\n\n"
        "A batch counts as one call against the token's rate limit. Cases that await "
        "approval are announced to the supervisors in one email per batch."
    ),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": REF_TEMPLATE.format(model="Batch")}}
            },
        },
        "responses": {
            200: {
                "description": (
                    "The batch was read: `results` holds one result per request, in the "
                    "order sent, each with its own `status`"
                )
            },
            **TOO_MANY,
        },
    },
)
def submit_requests(request: HttpRequest) -> HttpResponse:
    token: ApiToken = request.auth
    membership = require(token.user, CAPABILITY)
    if KEY_HEADER in request.headers:
        raise BodyError(
            400,
            [
                (
                    KEY_HEADER,
                    "a batch is not retried by key: give each request its own `id`, and a "
                    "request sent again under it is answered again, not recorded twice",
                )
            ],
        )
    items = read_batch(request)
    results = submit_batch(items, by=token.user, agency=membership.agency)
    # Each result is already the JSON it is sent as: 500 decisions are not validated again.
    return api.create_response(request, {"results": results}, status=200)


@api.post(
    "/v1/queries",
    response={201: QueryOut, **ERRORS},
    url_name="queries",
    tags=["queries"],
    summary="Record a database query",
    description=(
        "Records a partner system's query of the agency's database (Colorado DRIVES, "
        "say) as a request with channel `database`, decides it under the policy in force "
        "on `queried_at` and opens its case, in one call; the answer is the decision in "
        "short (`GET /v1/requests/{id}` reads it all). A third party's database access "
        "is decided on the 24-74-105 certification the partner registry holds for it: "
        "without one signed within the 365 days before the query, it is refused.\n\n"
        "`transaction_id` is the partner's own id for the query and becomes the request's "
        "id: a query sent again with the same body records nothing and gets the first "
        f"answer again, marked `{REPLAYED_HEADER}: true`; another body under it answers "
        "409. Invalid input records nothing and answers 422 naming the query's fields."
    ),
    exclude_none=True,
    openapi_extra={
        "requestBody": _json_body("Query"),
        "responses": CREATED,
    },
)
def record_query(request: HttpRequest, response: HttpResponse) -> Status[dict[str, Any]]:
    token: ApiToken = request.auth
    membership = require(token.user, CAPABILITY)
    body = read_query(request)
    try:
        answer = submit_once(
            body, by=token.user, agency=membership.agency, key=None, render=answers.stored_answer
        )
    except RequestError as exc:
        # Refused as this agency receives it: a query from the future, say.
        raise BodyError(422, in_query_terms(exc.problems)) from None
    except RecordError as exc:
        return Status(409, {"errors": [{"field": "transaction_id", "message": str(exc)}]})
    except WorkflowError as exc:
        logger.error("API query not recorded: %s", exc)
        return Status(503, {"errors": [{"field": "request", "message": str(exc)}]})
    location = reverse("api:request", kwargs={"id": answer.public_id})
    response["Location"] = request.build_absolute_uri(location)
    if answer.replayed:
        response[REPLAYED_HEADER] = "true"
    return Status(201, short_answer(answer.body))


@api.get(
    "/v1/requests/{id}",
    response={200: RequestDetail, 401: Errors, 403: Errors, 404: Errors, 429: Errors},
    url_name="request",
    tags=["requests"],
    summary="Read a request of your agency",
    description="The decision, the case's state and its history, each step with its ledger index.",
    exclude_none=True,
    openapi_extra={"responses": TOO_MANY},
)
def read_case(
    request: HttpRequest,
    id: str = Path(..., description="the id the POST answered with"),
) -> dict[str, Any]:
    token: ApiToken = request.auth
    require(token.user, CAPABILITY)
    if not re.fullmatch(ID_PATTERN, id):
        # Not an id this API accepts or hands out; refusing it here also keeps bytes such
        # as NUL (which PostgreSQL rejects) away from the database.
        raise Http404("no such case")
    case = get_case_for_user(token.user, id, CAPABILITY)
    events = case.request.events.select_related("ledger_entry").order_by("id")
    return {
        **answers.answer(case),
        "history": [
            {
                "kind": event.kind,
                "at": event.at,
                "actor": event.actor,
                # None for a moment when the sequencer places leaves after the commit.
                "ledger_index": getattr(getattr(event, "ledger_entry", None), "index", None),
            }
            for event in events
        ],
    }


@api.get(
    "/v1/requests/batch",
    response={200: RequestDetail, 401: Errors, 403: Errors, 404: Errors, 429: Errors},
    include_in_schema=False,
    exclude_none=True,
)
def read_case_named_batch(request: HttpRequest) -> dict[str, Any]:
    """The request whose own id is `batch`: its URL is the batch endpoint's, which reads it."""
    return read_case(request, id="batch")
