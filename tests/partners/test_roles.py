"""Who may open each partner page and make each change: the whole matrix, over HTTP.

Only privacy officers and administrators manage partners. Every URL of
`custodiet.partners.urls` has a row per method it answers, with the answer each role
gets: a page (200), a redirect to sign in, the change made (a redirect elsewhere), a
refusal (403), or not found (404: another agency's partner reads as no partner at all).
Adding a page without its row fails `test_every_partner_page_has_its_row`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from custodiet.accounts.models import Role
from custodiet.partners import actions, urls
from custodiet.records.models import Event

from .conftest import CERTIFICATION_LINES, make_pdf

pytestmark = pytest.mark.usefixtures("frozen_now")

LOGIN = "sign in"  # 302 to the sign-in page
DONE = "done"  # 302 elsewhere: the change was made

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
    "outsider",  # the privacy officer of another agency
)

# fmt: off
#                    clerk sup  couns priv  audit admin partn unaff anon   outsider
READ_REGISTRY =     (403,  403, 403,  200,  403,  200,  403,  403,  LOGIN, 200)
CHANGE_REGISTRY =   (403,  403, 403,  DONE, 403,  DONE, 403,  403,  LOGIN, DONE)
READ_A_PARTNER =    (403,  403, 403,  200,  403,  200,  403,  403,  LOGIN, 404)
CHANGE_A_PARTNER =  (403,  403, 403,  DONE, 403,  DONE, 403,  403,  LOGIN, 404)
# fmt: on

MATRIX: dict[tuple[str, str], tuple[Any, ...]] = {
    ("partners", "GET"): READ_REGISTRY,
    ("partner-new", "GET"): READ_REGISTRY,
    ("partner-new", "POST"): CHANGE_REGISTRY,
    ("partner-notices", "GET"): READ_REGISTRY,
    ("partner-notices-resend", "POST"): CHANGE_REGISTRY,
    ("partner-certifications", "GET"): READ_REGISTRY,
    ("partner", "GET"): READ_A_PARTNER,
    ("partner-edit", "GET"): READ_A_PARTNER,
    ("partner-edit", "POST"): CHANGE_A_PARTNER,
    ("partner-notice-send", "GET"): READ_A_PARTNER,
    ("partner-notice-send", "POST"): CHANGE_A_PARTNER,
    ("partner-notice", "GET"): READ_A_PARTNER,
    ("partner-acknowledge", "GET"): READ_A_PARTNER,
    ("partner-acknowledge", "POST"): CHANGE_A_PARTNER,
    ("partner-certify", "GET"): READ_A_PARTNER,
    ("partner-certify", "POST"): CHANGE_A_PARTNER,
    ("partner-certification", "GET"): READ_A_PARTNER,
}
CASES = [
    pytest.param(name, method, role, expected, id=f"{name}-{method}-{role}")
    for (name, method), answers in MATRIX.items()
    for role, expected in zip(ROLES, answers, strict=True)
]


@pytest.fixture
def everyone(person, agency, other_agency, privacy_officer, administrator) -> dict[str, Any]:
    return {
        "clerk": person("clerk", Role.CLERK, agency),
        "supervisor": person("supervisor", Role.SUPERVISOR, agency),
        "counsel": person("counsel", Role.COUNSEL, agency),
        "privacy_officer": privacy_officer,
        "auditor": person("auditor", Role.AUDITOR, agency),
        "administrator": administrator,
        "partner": person("partner", Role.PARTNER, agency),
        "unaffiliated": person("unaffiliated", None),
        "outsider": person("outsider", Role.PRIVACY_OFFICER, other_agency),
    }


@pytest.fixture
def target(register, certify, privacy_officer) -> Callable[[str], tuple[str, dict[str, Any]]]:
    """The URL of each page, on a partner that has what the page needs, and the data to post."""

    def build(name: str) -> tuple[str, dict[str, Any]]:
        partner = register()
        notice = actions.send_notice(partner, by=privacy_officer, method="mail", sent_to="Denver")
        certification = certify(partner, notice.sent_at.date())
        one = [partner.pk]
        pages: dict[str, tuple[list[int], dict[str, Any]]] = {
            "partners": ([], {}),
            "partner-new": ([], {"name": "Colorado Auto Underwriters", "kind": "private"}),
            "partner-notices": ([], {}),
            "partner-notices-resend": ([], {}),
            "partner-certifications": ([], {}),
            "partner": (one, {}),
            "partner-edit": (one, {"name": partner.name, "kind": "government"}),
            "partner-notice-send": (one, {"method": "email"}),
            "partner-notice": ([partner.pk, notice.pk], {}),
            "partner-acknowledge": (
                one,
                {
                    "notice": notice.pk,
                    "acknowledged_on": "2025-03-10",
                    "acknowledged_by": "Dana Example, Compliance Officer",
                    "method": "signed_copy",
                },
            ),
            "partner-certify": (
                one,
                {
                    "signed_on": "2025-03-01",
                    "signer_name": "Dana Example",
                    "signer_title": "Compliance Officer",
                    "form": SimpleUploadedFile(
                        "signed.pdf", make_pdf(CERTIFICATION_LINES), "application/pdf"
                    ),
                },
            ),
            "partner-certification": ([partner.pk, certification.pk], {}),
        }
        if name not in pages:
            raise AssertionError(f"no target for {name}")
        args, data = pages[name]
        return reverse(name, args=args), data

    return build


def _client(role: str, everyone: dict[str, Any]) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(everyone[role])
    return client


def test_every_partner_page_has_its_row():
    names = {pattern.name for pattern in urls.urlpatterns}
    assert names == {name for name, _ in MATRIX}


@pytest.mark.parametrize(("name", "method", "role", "expected"), CASES)
def test_each_role_gets_its_answer(name, method, role, expected, everyone, target, mailoutbox):
    url, data = target(name)
    client = _client(role, everyone)
    before = Event.objects.count()
    response = client.get(url) if method == "GET" else client.post(url, data)

    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")
    elif expected == DONE:
        assert response.status_code == 302, response.content.decode()[:3000]
        assert not response["Location"].startswith("/accounts/login/")
    else:
        assert response.status_code == expected, response.content.decode()[:3000]
    if expected == 403:
        assert "usa-alert--error" in response.content.decode()  # it says why
    if method == "POST" and expected != DONE:
        assert Event.objects.count() == before  # a refused change changes nothing
        assert mailoutbox == []


@pytest.mark.parametrize(
    ("name", "method"),
    [
        (name, method)
        for name in sorted({name for name, _ in MATRIX})
        for method in ("GET", "POST")
        if (name, method) not in MATRIX
    ],
)
def test_a_method_a_page_does_not_answer_is_not_allowed(name, method, everyone, target):
    url, _ = target(name)
    client = _client("privacy_officer", everyone)
    response = client.get(url) if method == "GET" else client.post(url)
    assert response.status_code == 405
