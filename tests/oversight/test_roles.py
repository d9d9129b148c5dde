"""Who may use the Governor's office's pages: the oversight role, and no one else, over
HTTP. Adding a page without its row fails `test_every_office_page_has_its_row`.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from custodiet.accounts.models import Role
from custodiet.oversight import urls
from custodiet.oversight.models import Receipt
from matrix import LOGIN, ROLES
from reports.pages import text

OFFICE_ROLES = (*ROLES, "oversight")
# fmt: off
#               clerk sup  couns priv audit admin partn unaff anon   outsd oversight
PAGE =         (403,  403, 403,  403, 403,  403,  403,  403,  LOGIN, 403,  200)
# An empty upload: refused for what it lacks, once past the role's check.
UPLOAD =       (403,  403, 403,  403, 403,  403,  403,  403,  LOGIN, 403,  400)
# fmt: on
MATRIX = {
    "oversight": ("get", PAGE),
    "oversight-upload": ("post", UPLOAD),
    "oversight-receipt": ("get", PAGE),
    "oversight-summary": ("get", PAGE),
    "oversight-summary-xlsx": ("get", PAGE),
    "oversight-summary-pdf": ("get", PAGE),
}
CASES = [
    pytest.param(name, role, expected, id=f"{name}-{role}")
    for name, (_, answers) in MATRIX.items()
    for role, expected in zip(OFFICE_ROLES, answers, strict=True)
]


@pytest.fixture
def office_client(client_of, person, office_agency, signed_in):
    def client(role: str) -> Client:
        if role == "oversight":
            return signed_in(person("office-counsel", Role.OVERSIGHT, office_agency))
        return client_of(role)

    return client


@pytest.fixture
def receipt(governor) -> Receipt:
    return Receipt.objects.create(
        office=governor.membership.agency, uploaded_by=governor, size=4, refused="not gzip"
    )


def test_every_office_page_has_its_row():
    assert {pattern.name for pattern in urls.urlpatterns} == set(MATRIX)


@pytest.mark.parametrize(("name", "role", "expected"), CASES)
def test_each_role_gets_its_answer(office, receipt, office_client, name, role, expected):
    method, _ = MATRIX[name]
    url = reverse(name, args=[receipt.pk] if name == "oversight-receipt" else [])
    response = getattr(office_client(role), method)(url, {"quarter": "2025-Q3"})
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(f"{reverse('login')}?next=")
        return
    assert response.status_code == expected
    if expected == 403:
        assert "Not allowed" in text(response)


def test_a_receipt_of_another_office_is_not_found(office, receipt, person, agency, signed_in):
    # The oversight role, in another agency than the office that received the bundle.
    elsewhere = signed_in(person("other-office", Role.OVERSIGHT, agency))

    response = elsewhere.get(reverse("oversight-receipt", args=[receipt.pk]))

    assert response.status_code == 404
    assert "There is no such bundle among those sent to your office" in text(response)
    assert f"/oversight/receipts/{receipt.pk}/" not in elsewhere.get("/oversight/").content.decode()


@pytest.mark.parametrize(
    ("role", "shown"),
    [
        ("oversight", True),
        (Role.PRIVACY_OFFICER, False),
        (Role.AUDITOR, False),
        (Role.ADMINISTRATOR, False),
        (Role.CLERK, False),
    ],
)
def test_the_navigation_links_the_office_pages_for_the_office_only(office_client, role, shown):
    response = office_client(role).get("/explorer/")
    assert response.status_code == 200
    assert ('href="/oversight/"' in response.content.decode()) is shown


def test_the_office_starts_at_the_reports_it_received(office, governor_client):
    assert governor_client.get("/")["Location"] == "/oversight/"
