"""The OpenAPI document, and a property-based fuzz of the API against it (schemathesis).

The fuzz sends what the document allows and, in negative mode, what it forbids; whatever
it sends, the API must answer without a server error and as the document says, and a call
it sends again with the same Idempotency-Key must get the same answer.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

OPENAPI = "/api/openapi.json"


@pytest.mark.django_db
def test_the_openapi_document_names_every_path_and_the_contracts_request(client):
    response = client.get(OPENAPI)
    assert response.status_code == 200
    document = json.loads(response.content)
    assert document["openapi"].startswith("3.")
    assert set(document["paths"]) == {
        "/api/v1/requests",
        "/api/v1/requests/batch",
        "/api/v1/queries",
        "/api/v1/requests/{id}",
    }
    post = document["paths"]["/api/v1/requests"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Request"
    }
    assert set(post["responses"]) >= {"201", "401", "403", "409", "413", "422", "429"}
    schemas = document["components"]["schemas"]
    request = schemas["Request"]
    assert set(request["required"]) == {"received_at", "requester", "records_requested"}
    assert "photo" in json.dumps(request["properties"]["records_requested"])
    assert schemas["Requester"]["required"] == ["organization"]
    assert schemas["Decision"]["properties"]["outcome"]["enum"] == [
        "refuse",
        "legal_review",
        "eligible",
    ]
    assert "ledger_index" in schemas["HistoryEntry"]["properties"]
    warnings = schemas["RequestOut"]["properties"]["warnings"]
    assert warnings["items"] == {"$ref": "#/components/schemas/Problem"}
    assert "the decision did not read them" in warnings["description"]
    assert {"email", "address"} <= set(schemas["Requester"]["properties"])
    assert document["components"]["securitySchemes"]["PartnerToken"] == {
        "type": "http",
        "scheme": "bearer",
    }


def _document(client) -> dict:
    return json.loads(client.get(OPENAPI).content)


@pytest.mark.django_db
def test_the_document_states_the_limits_of_every_text_and_list(client):
    schemas = _document(client)["components"]["schemas"]
    request = schemas["Request"]["properties"]
    [purpose, null] = request["purpose"]["anyOf"]
    assert purpose["maxLength"] == 10_000
    assert null == {"type": "null"}
    assert request["subjects"]["anyOf"][0]["maxItems"] == 100
    assert request["records_requested"]["maxItems"] == 18
    assert request["legal_process"]["anyOf"][0]["maxItems"] == 20
    assert schemas["LegalProcess"]["properties"]["text"]["anyOf"][0]["maxLength"] == 250_000
    assert schemas["Requester"]["properties"]["name"]["anyOf"][0]["maxLength"] == 300
    # Every free-text string, in every object, has a limit.
    for name in ("Request", "Requester", "Subject", "CriminalInvestigation", "LegalProcess"):
        for field, schema in schemas[name]["properties"].items():
            for text in [schema, *schema.get("anyOf", [])]:
                if text.get("type") == "string" and "enum" not in text and "format" not in text:
                    assert "maxLength" in text, f"{name}.{field}"
        assert schemas[name]["maxProperties"] == len(schemas[name]["properties"]) + 50


@pytest.mark.django_db
def test_the_document_describes_a_batch_and_its_results(client):
    document = _document(client)
    post = document["paths"]["/api/v1/requests/batch"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Batch"
    }
    assert set(post["responses"]) >= {"200", "400", "401", "403", "413", "422", "429"}
    assert "one per request in the order sent" in post["description"]
    schemas = document["components"]["schemas"]
    requests = schemas["Batch"]["properties"]["requests"]
    assert (requests["minItems"], requests["maxItems"]) == (1, 500)
    assert requests["items"] == {"$ref": "#/components/schemas/Request"}
    result = schemas["BatchOut"]["properties"]["results"]["items"]
    assert result == {
        "anyOf": [
            {"$ref": "#/components/schemas/BatchAccepted"},
            {"$ref": "#/components/schemas/BatchRefused"},
        ]
    }
    assert schemas["BatchAccepted"]["properties"]["status"]["const"] == 201
    assert schemas["BatchRefused"]["properties"]["status"]["enum"] == [409, 422, 503]


@pytest.mark.django_db
def test_the_document_describes_a_query_and_its_short_answer(client):
    document = _document(client)
    post = document["paths"]["/api/v1/queries"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Query"
    }
    assert "Idempotent-Replayed" in post["responses"]["201"]["headers"]
    schemas = document["components"]["schemas"]
    query = schemas["Query"]
    assert set(query["required"]) == {"transaction_id", "queried_at", "organization", "records"}
    assert query["additionalProperties"] is False
    assert schemas["LookedUp"]["additionalProperties"] is False
    assert set(schemas["QueryOut"]["properties"]) == {
        "id",
        "state",
        "outcome",
        "immigration_related",
        "obligations",
        "releasable_records",
        "reasons",
    }


@pytest.mark.django_db
def test_the_document_says_which_fields_may_be_null(client):
    request = _document(client)["components"]["schemas"]["Request"]
    for field in ("bulk", "facial_recognition", "subjects", "legal_process"):
        assert {"type": "null"} in request["properties"][field]["anyOf"], field
    assert "may be missing or null" in request["description"]


@pytest.mark.django_db
def test_the_document_states_the_rules_enforced_beyond_the_model(client, settings):
    settings.CUSTODIET_EARLIEST_RECEIVED = dt.date(2005, 7, 1)
    request = _document(client)["components"]["schemas"]["Request"]
    assert request["properties"]["purpose"]["anyOf"][0]["pattern"] == "^[^\\x00]*$"
    assert "NUL" in request["description"]
    assert "lone surrogate" in request["description"]
    received_at = request["properties"]["received_at"]["description"]
    assert "2005-07-01" in received_at
    assert "10 minutes after the server's clock" in received_at


@pytest.mark.django_db
def test_the_document_declares_the_idempotency_key_and_the_rate_limit(client):
    paths = _document(client)["paths"]
    post = paths["/api/v1/requests"]["post"]
    [key] = post["parameters"]
    assert (key["name"], key["in"], key["required"]) == ("Idempotency-Key", "header", False)
    assert key["schema"]["maxLength"] == 255
    assert "Idempotent-Replayed" in post["responses"]["201"]["headers"]
    for operation in (post, paths["/api/v1/requests/{id}"]["get"]):
        too_many = operation["responses"]["429"]
        assert too_many["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Errors"
        }
        assert "Retry-After" in too_many["headers"]


# Loaded when the module is collected (serving the document touches no database). Not
# `schemathesis.pytest.from_fixture`: its lazy loader breaks on pytest 9 (Node._nodeid).
schema = schemathesis.openapi.from_wsgi(OPENAPI, get_wsgi_application())


@pytest.fixture
def _keep_the_test_transaction():
    """Called straight through WSGI, Django would close the connection after each request
    (on PostgreSQL, ending the test's transaction); its test client avoids that the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
@pytest.mark.usefixtures("_keep_the_test_transaction")
def test_the_api_answers_every_generated_call_as_documented(case, token):
    authorized = {"Authorization": f"Bearer {token}"}
    response = case.call_and_validate(
        headers=authorized,
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )
    if response.status_code == 201 and "Idempotency-Key" in (case.headers or {}):
        # Sent again with its key, a call that took a request in gets the same answer.
        again = case.call(headers=authorized)
        assert again.status_code == 201
        assert again.headers["idempotent-replayed"] == ["true"]
        assert again.content == response.content
