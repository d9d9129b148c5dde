"""Who may read the request log, and how much of it: the whole matrix, over HTTP.

The privacy officer reads every request and downloads them. Auditors and administrators
see the counts and the chart, which name no one, and nothing else. Adding a page without
its row fails `test_every_log_page_has_its_row`.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from custodiet.accounts.models import Role
from custodiet.reports import urls

from . import pages

LOGIN = "sign in"

ROLES = (
    "clerk",
    "supervisor",
    "counsel",
    "privacy_officer",
    "auditor",
    "administrator",
    "partner",
    "unaffiliated",  # signed in, member of no agency
    "anonymous",
)
# fmt: off
#                 clerk sup  couns priv audit admin partn unaff anon
READ_COUNTS =    (403,  403, 403,  200, 200,  200,  403,  403,  LOGIN)
READ_REQUESTS =  (403,  403, 403,  200, 403,  403,  403,  403,  LOGIN)
# fmt: on
MATRIX = {
    "request-log": READ_COUNTS,
    "request-log-csv": READ_REQUESTS,
    "request-log-xlsx": READ_REQUESTS,
}
CASES = [
    pytest.param(name, role, expected, id=f"{name}-{role}")
    for name, answers in MATRIX.items()
    for role, expected in zip(ROLES, answers, strict=True)
]


@pytest.fixture
def client_of(agency, person, signed_in):
    def client(role: str) -> Client:
        if role == "anonymous":
            return Client()
        if role == "unaffiliated":
            return signed_in(person(role, None))
        return signed_in(person(role, role, agency))

    return client


def test_every_log_page_has_its_row():
    assert {pattern.name for pattern in urls.urlpatterns} == set(MATRIX)


@pytest.mark.parametrize(("name", "role", "expected"), CASES)
def test_each_role_gets_its_answer(log, client_of, name, role, expected):
    url = reverse(name)
    response = client_of(role).get(url, {"outcome": "refuse"})
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(f"{reverse('login')}?next=")
        return
    assert response.status_code == expected
    if expected == 403:
        assert "Not allowed" in pages.text(response)
        assert "R-2025" not in pages.html(response)


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.ADMINISTRATOR])
def test_those_who_see_counts_see_no_request_and_no_download(log, client_of, role):
    response = client_of(role).get("/log/")

    assert response.status_code == 200
    assert pages.heading_total(response) == len(log)
    assert pages.chart_months(pages.chart(response))
    page = pages.html(response)
    assert pages.PUBLIC_ID.search(page) is None
    for private in ("Det. K. Lin", "Denver Police", "Juan Doe", "export.csv", "export.xlsx"):
        assert private not in page
    assert 'name="requester"' not in page
    assert "Your role sees the counts and the chart" in pages.text(response)


def test_those_who_see_counts_cannot_ask_about_a_requester(log, client_of):
    response = client_of(Role.AUDITOR).get("/log/", {"requester": "Jane Roe"})

    assert response.status_code == 400
    assert "Requester: your role sees counts only" in pages.text(response)
    assert pages.heading_total(response) is None


@pytest.mark.parametrize(
    ("role", "shown"),
    [
        (Role.PRIVACY_OFFICER, True),
        (Role.AUDITOR, True),
        (Role.ADMINISTRATOR, True),
        (Role.CLERK, False),
        (Role.SUPERVISOR, False),
        (Role.COUNSEL, False),
    ],
)
def test_the_navigation_links_the_log_for_those_who_may_read_it(client_of, role, shown):
    # The explorer is a page every staff role may open, with the navigation.
    response = client_of(role).get("/explorer/")
    assert response.status_code == 200
    assert ('href="/log/"' in pages.html(response)) is shown
