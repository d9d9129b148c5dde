"""The OpenAPI document, and a property-based fuzz of the API against it (schemathesis).

The fuzz sends what the document allows and, in negative mode, what it forbids; whatever
it sends, the API must answer without a server error and as the document says.
"""

from __future__ import annotations

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
def test_the_openapi_document_names_both_paths_and_the_contracts_request(client):
    response = client.get(OPENAPI)
    assert response.status_code == 200
    document = json.loads(response.content)
    assert document["openapi"].startswith("3.")
    assert set(document["paths"]) == {"/api/v1/requests", "/api/v1/requests/{id}"}
    post = document["paths"]["/api/v1/requests"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Request"
    }
    assert set(post["responses"]) >= {"201", "401", "403", "409", "413", "422"}
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
    assert document["components"]["securitySchemes"]["PartnerToken"] == {
        "type": "http",
        "scheme": "bearer",
    }


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
    case.call_and_validate(
        headers={"Authorization": f"Bearer {token}"},
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )
