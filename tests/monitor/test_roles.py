"""Who may read the access monitor, and how much of it: the whole matrix, over HTTP.

The privacy officer reads the findings and the logged rows behind them. Auditors read them
too, with the personal data masked (test_masked.py). Administrators see the scans, the
counts and the charts, which name only agencies, and nothing else; a finding is 403 to
them. A finding of another agency is the same 404 as no finding. Adding a page without its
row fails `test_every_monitor_page_has_its_row`.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from custodiet.accounts.models import ApiToken, Role
from custodiet.monitor import urls
from custodiet.monitor.models import Finding
from matrix import LOGIN, ROLES

from . import pages
from .conftest import ICE_LESC, PERSONAL

# fmt: off
#                 clerk sup  couns priv audit admin partn unaff anon   outsider
READ_COUNTS =    (403,  403, 403,  200, 200,  200,  403,  403,  LOGIN, 200)
READ_FINDING =   (403,  403, 403,  200, 200,  403,  403,  403,  LOGIN, 404)
# fmt: on
MATRIX = {
    "monitor": READ_COUNTS,
    "monitor-finding": READ_FINDING,
}
CASES = [
    pytest.param(name, role, expected, id=f"{name}-{role}")
    for name, answers in MATRIX.items()
    for role, expected in zip(ROLES, answers, strict=True)
]


def _url(name: str) -> str:
    if name == "monitor-finding":
        return reverse(name, args=[Finding.objects.get(agency=ICE_LESC).pk])
    return reverse(name)


def test_every_monitor_page_has_its_row():
    assert {pattern.name for pattern in urls.urlpatterns} == set(MATRIX)


@pytest.mark.parametrize(("name", "role", "expected"), CASES)
def test_each_role_gets_its_answer(scanned, client_of, name, role, expected):
    response = client_of(role).get(_url(name))
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(f"{reverse('login')}?next=")
        return
    assert response.status_code == expected
    page = pages.html(response)
    if expected == 403:
        assert "Not allowed" in pages.text(response)
    if expected != 200 or role == "outsider":
        # Nothing of the agency's scans: no agency, no user, nothing looked up.
        for private in (ICE_LESC, "lesc-1", "switch-2025-q1.csv", *PERSONAL):
            assert private not in page
    if role == "auditor":
        for private in PERSONAL:
            assert private not in page


@pytest.mark.parametrize("name", list(MATRIX))
def test_a_page_answers_no_post(scanned, privacy_officer, signed_in, name):
    response = signed_in(privacy_officer).post(_url(name))
    assert response.status_code == 405


def test_administrators_see_counts_and_no_finding_no_user_and_no_row(scanned, client_of):
    response = client_of(Role.ADMINISTRATOR).get("/monitor/", {"category": "immigration"})

    assert response.status_code == 200
    assert pages.heading_total(response) == 7
    assert set(pages.charts(response)) == {
        "monitor-months",
        "monitor-agencies",
        "monitor-categories",
    }
    assert "Your role sees the scans, the counts and the charts" in pages.text(response)
    page = pages.html(response)
    assert 'id="findings-heading"' not in page
    assert pages.links(response, "/monitor/findings/") == []
    for private in ("lesc-1", "dpd-4411", "sgt-roe", "The reason", *PERSONAL):
        assert private not in page


def test_a_partner_systems_api_token_opens_no_monitor_page(scanned, partner):
    _, token = ApiToken.issue(partner, "DMV database gateway")
    for name in MATRIX:
        response = Client().get(_url(name), HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == 302
        assert response["Location"].startswith(f"{reverse('login')}?next=")


def test_an_unknown_finding_reads_as_not_found(scanned, privacy_officer, signed_in):
    response = signed_in(privacy_officer).get(reverse("monitor-finding", args=[10**9]))
    assert response.status_code == 404
    assert "There is no such finding among your agency's scans." in pages.text(response)


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
def test_the_navigation_links_the_monitor_for_those_who_may_read_it(client_of: Any, role, shown):
    response = client_of(role).get("/explorer/")
    assert response.status_code == 200
    assert ('href="/monitor/"' in pages.html(response)) is shown
