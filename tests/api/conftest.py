"""The people and systems the API tests act as: a partner system of the DMV with its token,
the DMV's supervisor (every eligible request is mailed to one), a clerk who holds a token
by mistake, and a partner of another agency.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from custodiet.accounts.models import Agency, ApiToken, Membership, Role

REQUESTS = "/api/v1/requests"


def make_member(django_user_model, username: str, agency: Agency, role: Role, **fields: Any):
    user = django_user_model.objects.create_user(username=username, **fields)
    Membership.objects.create(user=user, agency=agency, role=role)
    return user


def detective_request(**changes: Any) -> dict[str, Any]:
    """A Denver detective's request for an address in a robbery case: eligible."""
    request: dict[str, Any] = {
        "received_at": "2022-03-14T10:00:00-06:00",
        "receiving_agency": "CO-DOR-DMV",
        "requester": {
            "name": "Det. Alex Example",
            "organization": "Denver Police Department",
            "level": "local",
        },
        "subjects": [{"name": "Pat Resident", "date_of_birth": "1990-02-03"}],
        "records_requested": ["address"],
        "purpose": "Armed robbery investigation",
        "purpose_category": "criminal_investigation",
        "criminal_investigation": {"case_number": "DPD-2022-0042", "offense": "robbery"},
    }
    request.update(changes)
    return request


def ice_request(**changes: Any) -> dict[str, Any]:
    """An ICE deportation officer's request to locate someone for removal: refused."""
    request: dict[str, Any] = {
        "received_at": "2022-03-14T10:00:00-06:00",
        "receiving_agency": "CO-DOR-DMV",
        "requester": {
            "name": "Deportation Officer",
            "organization": "U.S. Immigration and Customs Enforcement",
            "component": "ERO",
            "level": "federal",
        },
        "records_requested": ["address", "photo"],
        "purpose": "Locate the subject for removal proceedings",
        "purpose_category": "civil_immigration_enforcement",
    }
    request.update(changes)
    return request


@pytest.fixture
def dmv(db) -> Agency:
    return Agency.objects.create(code="CO-DOR-DMV", name="Division of Motor Vehicles")


@pytest.fixture
def other_agency(db) -> Agency:
    return Agency.objects.create(code="CO-CDPS-CBI", name="Colorado Bureau of Investigation")


@pytest.fixture
def supervisor(django_user_model, dmv):
    return make_member(
        django_user_model, "supervisor", dmv, Role.SUPERVISOR, email="supervisor@dmv.example"
    )


@pytest.fixture
def partner(django_user_model, dmv, supervisor):
    """The DMV's online portal, which forwards the requests it receives."""
    return make_member(django_user_model, "dmv-portal", dmv, Role.PARTNER)


@pytest.fixture
def token(partner) -> str:
    return ApiToken.issue(partner, "portal")[1]


@pytest.fixture
def clerk_token(django_user_model, dmv) -> str:
    clerk = make_member(django_user_model, "clerk", dmv, Role.CLERK)
    return ApiToken.issue(clerk, "a clerk's token")[1]


@pytest.fixture
def other_token(django_user_model, other_agency) -> str:
    make_member(
        django_user_model, "cbi-supervisor", other_agency, Role.SUPERVISOR, email="s@cbi.example"
    )
    other = make_member(django_user_model, "cbi-portal", other_agency, Role.PARTNER)
    return ApiToken.issue(other, "cbi portal")[1]


class Api:
    """A client of the API: JSON in, JSON out, the bearer token in every call."""

    def __init__(self, client: Client, token: str | None) -> None:
        self.client = client
        self.token = token

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def submit(self, body: Any, **extra: Any):
        data = body if isinstance(body, str | bytes) else json.dumps(body)
        return self.client.post(
            REQUESTS,
            data=data,
            content_type="application/json",
            headers={**self._headers(), **extra.pop("headers", {})},
            **extra,
        )

    def read(self, public_id: str):
        return self.client.get(f"{REQUESTS}/{public_id}", headers=self._headers())


@pytest.fixture
def api(client: Client, token: str) -> Api:
    return Api(client, token)
