"""Who may open each case page and take each step: the whole matrix, over HTTP.

Every URL of `custodiet.cases.urls` has a row per method it answers, with the answer each
role gets: a page (200), a redirect to sign in, the step taken (a redirect back to the
case), a refusal (403) or not found (404: another agency's case reads as no case at all).
Adding a page without its row fails `test_every_case_page_has_its_row`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from custodiet.cases import actions, subject_notices, urls
from custodiet.cases.models import Case, State
from custodiet.policy.model import parse_request

from .conftest import (
    HSI,
    HSI_SUBPOENA,
    I200_LINES,
    ICE,
    OWN_RECORD,
    ROBBERY,
    contract,
    make_pdf,
    without_csrf_tokens,
)

pytestmark = pytest.mark.usefixtures("frozen_now")

# An order of a federal court that a district judge signed: in Massachusetts a qualifying
# process, which counsel reviews and the person is told of.
COURT_ORDER = {
    "kind": "court_order",
    "issued_by": "United States District Court for the District of Massachusetts",
    "signed_by": "Hon. A. Judge, United States District Judge",
}

LOGIN = "sign in"  # 302 to the sign-in page
DONE = "done"  # 302 to the case: the step was taken

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
    "outsider",  # a supervisor of another agency
    "outside_counsel",  # counsel of another agency
)

# fmt: off
#                       clerk sup   couns priv  audit admin partn unaff anon   outsider outside_counsel
READ_CASES =           (200,  200,  200,  200,  403,  403,  403,  403,  LOGIN, 200,     200)
READ_A_CASE =          (200,  200,  200,  200,  403,  403,  403,  403,  LOGIN, 404,     404)
OPEN_INTAKE =          (200,  200,  403,  403,  403,  403,  403,  403,  LOGIN, 200,     403)
TAKE_IN =              (DONE, DONE, 403,  403,  403,  403,  403,  403,  LOGIN, DONE,    403)
DECIDE_AS_COUNSEL =    (403,  403,  DONE, 403,  403,  403,  403,  403,  LOGIN, 403,     404)
APPROVE =              (403,  DONE, 403,  403,  403,  403,  403,  403,  LOGIN, 404,     403)
RESUBMIT_OR_CLOSE =    (DONE, DONE, 403,  403,  403,  403,  403,  403,  LOGIN, 404,     403)
GOVERNOR_REVIEW =      (403,  DONE, 403,  DONE, 403,  403,  403,  403,  LOGIN, 404,     403)
PREVIEW_A_LETTER =     (200,  200,  403,  403,  403,  403,  403,  403,  LOGIN, 404,     403)
# fmt: on

MATRIX: dict[tuple[str, str], tuple[Any, ...]] = {
    ("cases", "GET"): READ_CASES,
    ("intake", "GET"): OPEN_INTAKE,
    ("intake", "POST"): TAKE_IN,
    ("case", "GET"): READ_A_CASE,
    ("case-proof", "GET"): READ_A_CASE,
    ("case-document", "GET"): READ_A_CASE,
    ("case-letter", "GET"): READ_A_CASE,
    ("case-counsel", "POST"): DECIDE_AS_COUNSEL,
    ("case-approve", "POST"): APPROVE,
    ("case-send-back", "POST"): APPROVE,
    ("case-resubmit", "POST"): RESUBMIT_OR_CLOSE,
    ("case-release", "POST"): RESUBMIT_OR_CLOSE,
    ("case-refuse", "POST"): RESUBMIT_OR_CLOSE,
    ("case-identity", "POST"): RESUBMIT_OR_CLOSE,
    ("case-officer", "POST"): RESUBMIT_OR_CLOSE,
    ("case-governor-review", "POST"): GOVERNOR_REVIEW,
    ("case-letter-preview", "GET"): PREVIEW_A_LETTER,
    ("case-deliver", "POST"): RESUBMIT_OR_CLOSE,
    ("case-notice-send", "POST"): RESUBMIT_OR_CLOSE,
    ("case-notice-excuse", "POST"): DECIDE_AS_COUNSEL,
    ("case-notice-letter", "GET"): READ_A_CASE,
    ("case-notice-preview", "GET"): PREVIEW_A_LETTER,
}
CASES = [
    pytest.param(name, method, role, expected, id=f"{name}-{method}-{role}")
    for (name, method), answers in MATRIX.items()
    for role, expected in zip(ROLES, answers, strict=True)
]


@pytest.fixture
def everyone(
    clerk,
    supervisor,
    counsel,
    privacy_officer,
    auditor,
    administrator,
    partner,
    unaffiliated,
    outsider,
    outside_counsel,
) -> dict[str, Any]:
    return {
        "clerk": clerk,
        "supervisor": supervisor,
        "counsel": counsel,
        "privacy_officer": privacy_officer,
        "auditor": auditor,
        "administrator": administrator,
        "partner": partner,
        "unaffiliated": unaffiliated,
        "outsider": outsider,
        "outside_counsel": outside_counsel,
    }


@pytest.fixture
def target(opened, clerk, supervisor, request) -> Callable[[str], tuple[str, dict[str, Any]]]:
    """The URL of each page on a case in the state its step needs, and the data to post."""

    def awaiting() -> Case:
        return opened(ROBBERY, by=clerk)

    def build(name: str) -> tuple[str, dict[str, Any]]:
        if name == "cases":
            return reverse("cases"), {}
        if name == "intake":
            return reverse("intake"), ROBBERY
        if name == "case":
            return reverse("case", args=[awaiting().request.public_id]), {}
        if name == "case-proof":
            case = awaiting()
            entry = case.request.events.order_by("id").first().ledger_entry.index
            return reverse(name, args=[case.request.public_id, entry]), {}
        if name == "case-document":
            pdf = make_pdf(I200_LINES)
            case = opened(ICE, by=clerk, uploads=[actions.Upload("i-200.pdf", pdf, "I-200")])
            return reverse(name, args=[case.request.public_id, case.documents.get().pk]), {}
        if name == "case-letter":
            case = actions.refuse(opened(ICE, by=clerk), by=clerk)
            return reverse(name, args=[case.request.public_id, case.letters.first().pk]), {}
        if name == "case-letter-preview":
            return reverse(name, args=[opened(ICE, by=clerk).request.public_id, "en"]), {}
        if name == "case-deliver":
            case = actions.refuse(opened(ICE, by=clerk), by=clerk)
            data = {"delivery-method": "hand", "delivery-to": "Example Requester"}
            return reverse(name, args=[case.request.public_id]), data
        if name == "case-counsel":
            case = opened(HSI, by=clerk)
            data = {"counsel-decision": "refuse", "counsel-reason": "No court-issued process."}
            return reverse(name, args=[case.request.public_id]), data
        if name == "case-approve":
            return reverse(name, args=[awaiting().request.public_id]), {}
        if name == "case-send-back":
            data = {"send_back-reason": "The case number is missing."}
            return reverse(name, args=[awaiting().request.public_id]), data
        if name == "case-resubmit":
            case = actions.send_back(awaiting(), by=supervisor, reason="Check the case number.")
            return reverse(name, args=[case.request.public_id]), {"resubmit-note": "Checked."}
        if name == "case-release":
            case = actions.approve(awaiting(), by=supervisor)
            return reverse(name, args=[case.request.public_id]), {}
        if name == "case-refuse":
            return reverse(name, args=[opened(ICE, by=clerk).request.public_id]), {}
        if name == "case-identity":
            case = opened(OWN_RECORD, by=clerk)
            data = {"identity-document_seen": "Colorado driver's license, photo matches"}
            return reverse(name, args=[case.request.public_id]), data
        if name == "case-officer":
            request.getfixturevalue("august")
            request.getfixturevalue("institution")
            pdf = make_pdf(I200_LINES)
            upload = actions.Upload("subpoena.pdf", pdf, "subpoena")
            case = opened({**HSI, "received_date": "2025-08-01"}, by=clerk, uploads=[upload])
            data = {
                "officer-officer_name": "Special Agent R. Diaz",
                "officer-officer_agency": "Homeland Security Investigations",
                "officer-badge_number": "4471",
            }
            return reverse(name, args=[case.request.public_id]), data
        if name == "case-governor-review":
            request.getfixturevalue("august")
            case = opened(HSI_SUBPOENA, by=clerk)
            data = {
                "governor-answer": "approved",
                "governor-answered_on": "2025-08-03",
                "governor-reference": "GOV-25-0419",
            }
            return reverse(name, args=[case.request.public_id]), data
        if name.startswith("case-notice"):
            # New York tells the person of every request from ICE; Massachusetts lets
            # counsel excuse the notice when it would impede a criminal investigation.
            excuse = name == "case-notice-excuse"
            request.getfixturevalue("settings").CUSTODIET_POLICY_PACK = (
                "us-ma" if excuse else "us-ny"
            )
            if excuse:
                agency = request.getfixturevalue("agency")
                data = contract(ICE, agency)
                data["legal_process"] = [COURT_ORDER]
                case = actions.take_in(parse_request(data), by=clerk, agency=agency)
            else:
                case = opened(ICE, by=clerk)
            public_id = case.request.public_id
            if name == "case-notice-send":
                return reverse(name, args=[public_id, 0]), {
                    "notice-0-method": "hand",
                    "notice-0-to": "Juan Doe, at the counter",
                }
            if name == "case-notice-excuse":
                reason = "Telling the person would impede the criminal investigation it serves."
                return reverse(name, args=[public_id, 0]), {"excuse-0-reason": reason}
            if name == "case-notice-letter":
                notice = case.subject_notices.get()
                subject_notices.send(notice, by=clerk, method="hand", to="Juan Doe")
                return reverse(name, args=[public_id, 0, "en"]), {}
            return reverse(name, args=[public_id, 0, "es"]), {}
        raise AssertionError(f"no target for {name}")

    return build


def _client(role: str, everyone: dict[str, Any]) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(everyone[role])
    return client


def test_every_case_page_has_its_row():
    names = {pattern.name for pattern in urls.urlpatterns}
    assert names == {name for name, _ in MATRIX}


@pytest.mark.parametrize(("name", "method", "role", "expected"), CASES)
def test_each_role_gets_its_answer(name, method, role, expected, everyone, target, mailoutbox):
    url, data = target(name)
    client = _client(role, everyone)
    before = Case.objects.count(), {case.pk: case.state for case in Case.objects.all()}
    response = client.get(url) if method == "GET" else client.post(url, data)

    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")
    elif expected == DONE:
        assert response.status_code == 302, response.content.decode()[:3000]
        assert response["Location"].startswith("/cases/R-")
    else:
        assert response.status_code == expected, response.content.decode()[:3000]
    if expected == 403:
        assert "usa-alert--error" in response.content.decode()  # it says why
    if method == "POST" and expected != DONE:
        # A refused step changes nothing.
        assert (
            Case.objects.count(),
            {case.pk: case.state for case in Case.objects.all()},
        ) == before


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
    client = _client("supervisor", everyone)
    response = client.get(url) if method == "GET" else client.post(url)
    assert response.status_code == 405


@pytest.mark.parametrize(
    "name",
    [
        "case",
        "case-proof",
        "case-document",
        "case-letter",
        "case-letter-preview",
        "case-notice-letter",
        "case-notice-preview",
    ],
)
def test_another_agencys_case_reads_exactly_like_no_case(name, everyone, target):
    url, _ = target(name)
    public_id = url.split("/")[2]
    missing = url.replace(public_id, "R-20250307-00000000")
    client = _client("outsider", everyone)
    theirs, none = client.get(url), client.get(missing)
    assert theirs.status_code == none.status_code == 404
    assert without_csrf_tokens(theirs.content.decode()) == without_csrf_tokens(
        none.content.decode()
    )


def test_a_refusal_says_why_in_an_alert(everyone, target):
    url, _ = target("case-approve")
    response = _client("counsel", everyone).post(url)
    html = response.content.decode()
    assert response.status_code == 403
    assert 'class="usa-alert usa-alert--error"' in html
    assert "Your role (Counsel) may not do this." in html


def test_a_step_posted_without_its_csrf_token_is_forbidden(everyone, target):
    url, _ = target("case-approve")
    client = Client(enforce_csrf_checks=True)
    client.force_login(everyone["supervisor"])
    assert client.post(url).status_code == 403
    assert Case.objects.get().state == State.AWAITING_APPROVAL


def test_downloads_are_attachments_of_the_right_type(everyone, target):
    client = _client("privacy_officer", everyone)
    document = client.get(target("case-document")[0])
    assert document["Content-Type"] == "application/pdf"
    assert document["Content-Disposition"] == 'attachment; filename="i-200.pdf"'
    assert hashlib.sha256(document.content).hexdigest() == Case.objects.get().documents.get().sha256
    letter = client.get(target("case-letter")[0])
    assert letter["Content-Type"] == "application/pdf"
    assert letter["Content-Disposition"].startswith('attachment; filename="R-')
    assert letter.content.startswith(b"%PDF-")
    assert "no-store" in letter["Cache-Control"]


def test_a_document_of_another_case_is_not_found_through_this_one(everyone, target, opened, clerk):
    url, _ = target("case-document")
    other = opened(ROBBERY, by=clerk).request.public_id
    response = _client("clerk", everyone).get(url.replace(url.split("/")[2], other))
    assert response.status_code == 404
