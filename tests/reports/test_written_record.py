"""The written record says what happened to each request, not only what the rules decided.

Requests are walked through the case pages as the people do (the clerk's intake form,
counsel's decision, a supervisor's approval or the Governor's office's answer, the letter),
then read back from the CSV, the workbook and the log page, which must all say the same:
the final status, who decided last and with which account, whether 24-74-106 counts the
request, and the law it was decided under. The rules' outcome stays beside them, named so.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import NamedTuple
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from custodiet.cases import actions
from custodiet.policy.model import parse_request
from custodiet.policy.packs import get_pack
from custodiet.records.actions import receive_and_decide
from custodiet.records.export import EXPORT_FIELDS, LogFilter, export_rows, last_decider
from custodiet.records.models import Event
from custodiet.reports.exports import HEADINGS

from . import pages
from .conftest import ICE_JUDICIAL_WARRANT, ICE_NO_PROCESS, ROBBERY, contract

DENVER = ZoneInfo("America/Denver")
# After SB25-276 was signed and the Governor's office began reviewing DHS subpoenas.
NOW = dt.datetime(2025, 8, 4, 9, 30, tzinfo=DENVER)
RECEIVED = "2025-08-01"
# The layers of the us-co pack in force for a state agency on RECEIVED.
LAYERS = (
    "guidance-2020, sb21-131, sb21-131-2022, facial-recognition, sb25-276, governor-review-2025"
)

# The intake form as the clerk fills it in, with no real person in it.
_FORM = {
    "received_date": RECEIVED,
    "received_time": "10:15",
    "channel": "email",
    "requester_name": "Example Requester",
    "subject_name": "Example Subject",
    "records_requested": ["address"],
    "purpose_category": "criminal_investigation",
    "case_number": "EXAMPLE-2025-0001",
}
# The rules send it to counsel: a federal agent in a criminal investigation.
FOR_COUNSEL = {
    **_FORM,
    "requester_organization": "Homeland Security Investigations",
    "requester_component": "HSI",
    "requester_level": "federal",
    "purpose": "Identify a suspect in a forced-labour investigation.",
    "offense": "forced labor, 18 U.S.C. 1589",
}
# The rules find it eligible: a city police department's robbery investigation.
ELIGIBLE = {
    **_FORM,
    "requester_organization": "Denver Police Department",
    "requester_level": "local",
    "purpose": "Armed robbery investigation",
    "offense": "aggravated robbery",
}
# The rules refuse it: immigration enforcement with no court process.
REFUSED_BY_THE_RULES = {
    **_FORM,
    "requester_organization": "U.S. Immigration and Customs Enforcement",
    "requester_component": "ERO",
    "requester_level": "federal",
    "purpose": "Locate subject for removal proceedings.",
    "purpose_category": "civil_immigration_enforcement",
    "case_number": "",
}
# A DHS subpoena: counsel decides it, and the Governor's office reviews it first.
SUBPOENA = {
    **FOR_COUNSEL,
    "purpose": "Wire fraud investigation",
    "offense": "wire fraud",
    "process_kind": "court_subpoena",
    "process_title": "Grand jury subpoena",
    "process_issued_by": "United States District Court for the District of Colorado",
    "process_signed_by": "Clerk of Court",
}


@pytest.fixture
def frozen_now(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW.astimezone(dt.UTC))
    return NOW


@pytest.fixture
def people(clerk, supervisor, counsel, privacy_officer, signed_in, mailoutbox):
    """A signed-in client for each person of the agency who takes part."""
    return {
        name: signed_in(user)
        for name, user in (
            ("clerk", clerk),
            ("supervisor", supervisor),
            ("counsel", counsel),
            ("privacy_officer", privacy_officer),
        )
    }


def take_in(client, form) -> str:
    """The clerk submits the intake form; the id of the request its case page names."""
    response = client.post("/cases/new/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    return response["Location"].split("/")[2]


def post(client, public_id: str, step: str, data: dict[str, str] | None = None) -> None:
    response = client.post(f"/cases/{public_id}/{step}/", data or {})
    assert response.status_code == 302, response.content.decode()[:2000]


def counsel_form(decision: str, reason: str) -> dict[str, str]:
    return {"counsel-decision": decision, "counsel-reason": reason}


def governor(answer: str) -> dict[str, str]:
    return {
        "governor-answer": answer,
        "governor-answered_on": "2025-08-03",
        "governor-reference": "GOV-EXAMPLE-1",
    }


def from_csv(client, public_id: str) -> dict[str, str]:
    response = client.get("/log/export.csv")
    body = b"".join(response.streaming_content).decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(body, newline="")))
    assert list(rows[0]) == EXPORT_FIELDS
    return next(row for row in rows if row["request_id"] == public_id)


def from_workbook(client, public_id: str) -> dict[str, str]:
    """The workbook's row of the request, by the workbook's own headings."""
    response = client.get("/log/export.xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)))["Requests"]
    header, *rows = sheet.iter_rows(values_only=True)
    found = next(row for row in rows if row[0] == public_id)
    return {heading: value or "" for heading, value in zip(header, found, strict=True)}


def from_page(client, public_id: str) -> dict[str, str]:
    return pages.request_rows(client.get("/log/"))[public_id]


class Told(NamedTuple):
    """What the record says of a request: the rules' outcome, the final status, who decided
    last and their account, and how the log page says who (with the account under it)."""

    outcome: str
    status: str
    role: str
    account: str
    page: str


def assert_recorded(people, public_id: str, told: Told) -> None:
    """The CSV, the workbook and the log page tell the same story of the request."""
    reader = people["privacy_officer"]
    law = f"us-co {get_pack('us-co').version} as of {RECEIVED}: {LAYERS}"
    expected = {
        "outcome": told.outcome,
        "final_status": told.status,
        "decided_by_role": told.role,
        "last_decided_by": told.account,
        "reportable": "yes",
        "law_layer": law,
    }
    row = from_csv(reader, public_id)
    assert {field: row[field] for field in expected} == expected
    sheet = from_workbook(reader, public_id)
    assert {field: sheet[HEADINGS.get(field, field)] for field in expected} == expected
    assert "outcome" not in sheet and sheet["rules' outcome"] == told.outcome
    shown = from_page(reader, public_id)
    assert shown["Final status"] == told.status.capitalize()
    assert shown["Decided last by"] == told.page


def test_a_request_counsel_refused_is_refused_by_counsel_in_every_copy_of_the_record(people):
    public_id = take_in(people["clerk"], FOR_COUNSEL)
    post(
        people["counsel"], public_id, "counsel", counsel_form("refuse", "No basis the law allows.")
    )
    post(people["clerk"], public_id, "refuse")

    assert_recorded(
        people, public_id, Told("legal_review", "refused", "counsel", "counsel", "Counsel counsel")
    )
    assert from_page(people["privacy_officer"], public_id)["Rules' outcome"] == "Legal review"


def test_a_request_released_after_the_supervisors_approval_is_released_by_the_supervisor(
    people,
):
    public_id = take_in(people["clerk"], ELIGIBLE)
    post(people["supervisor"], public_id, "approve")
    post(people["clerk"], public_id, "release")

    assert_recorded(
        people,
        public_id,
        Told("eligible", "released", "supervisor", "supervisor", "A supervisor supervisor"),
    )


def test_a_request_still_with_counsel_is_pending_and_decided_by_the_rules_alone(people):
    public_id = take_in(people["clerk"], FOR_COUNSEL)

    assert_recorded(people, public_id, Told("legal_review", "pending", "policy", "", "The rules"))
    assert from_csv(people["privacy_officer"], public_id)["released_or_refused_at"] == ""


@pytest.mark.parametrize(
    ("sender", "role", "page"),
    [("clerk", "clerk", "A clerk clerk"), ("supervisor", "supervisor", "A supervisor supervisor")],
)
def test_a_refusal_the_rules_decided_is_decided_by_whoever_sent_the_letter(
    people, sender, role, page
):
    public_id = take_in(people["clerk"], REFUSED_BY_THE_RULES)
    post(people[sender], public_id, "refuse")

    assert_recorded(people, public_id, Told("refuse", "refused", role, sender, page))


def test_the_governors_not_approved_is_the_last_decision_and_an_approval_is_not(people):
    refused = take_in(people["clerk"], SUBPOENA)
    post(people["supervisor"], refused, "governor-review", governor("not_approved"))
    post(people["clerk"], refused, "refuse")
    answered = take_in(people["clerk"], SUBPOENA)
    post(people["counsel"], answered, "counsel", counsel_form("release", "A court's subpoena."))
    post(people["supervisor"], answered, "governor-review", governor("approved"))

    # Recorded by the supervisor, decided by the Governor's office.
    assert_recorded(
        people,
        refused,
        Told(
            "legal_review", "refused", "governor", "supervisor", "The Governor's office supervisor"
        ),
    )
    # The Governor's office's approval decides nothing on its own: a supervisor approves.
    assert_recorded(
        people, answered, Told("legal_review", "pending", "counsel", "counsel", "Counsel counsel")
    )


def test_the_log_filters_by_final_status_and_a_request_with_no_case_is_pending(people, agency):
    refused = take_in(people["clerk"], REFUSED_BY_THE_RULES)
    post(people["clerk"], refused, "refuse")
    open_case = take_in(people["clerk"], FOR_COUNSEL)
    imported = receive_and_decide(
        [parse_request(contract("2025-08-01T09:00", ROBBERY, {}))],
        actor="import:test",
        agency=agency,
    )[0].request.public_id
    reader = people["privacy_officer"]

    for status, expected in (
        ("refused", [refused]),
        ("pending", [imported, open_case]),
        ("released", []),
    ):
        response = reader.get("/log/", {"final_status": status})
        assert pages.row_ids(response) == expected, status
        body = b"".join(reader.get("/log/export.csv", {"final_status": status}).streaming_content)
        assert [row["request_id"] for row in csv.DictReader(io.StringIO(body.decode()))] == (
            expected
        )
    assert "Requests with the final status Refused." in pages.text(
        reader.get("/log/", {"final_status": "refused"})
    )
    problem = reader.get("/log/", {"final_status": "withdrawn"})
    assert problem.status_code == 400
    assert (
        "Final status: “withdrawn” is not one of the choices: released, refused, pending."
        in pages.text(problem)
    )


def test_the_record_asks_the_same_questions_of_the_database_however_many_requests(
    agency, clerk, supervisor, counsel, mailoutbox
):
    def walk(day: int) -> None:
        """Three requests received that day: one refused by counsel, one released, one
        refused by the rules and the clerk."""
        received = f"2025-07-{day:02d}T09:00"
        ice = actions.take_in(
            parse_request(contract(received, ICE_NO_PROCESS, {})), by=clerk, agency=agency
        )
        actions.refuse(ice, by=clerk)
        robbery = actions.take_in(
            parse_request(contract(received, ROBBERY, {})), by=clerk, agency=agency
        )
        actions.release(actions.approve(robbery, by=supervisor), by=clerk)
        warrant = actions.take_in(
            parse_request(contract(received, ICE_JUDICIAL_WARRANT, {})), by=clerk, agency=agency
        )
        actions.refuse(
            actions.counsel_decide(warrant, by=counsel, release=False, reason="No."), by=clerk
        )

    def asked() -> tuple[int, list[dict[str, str]]]:
        with CaptureQueriesContext(connection) as queries:
            rows = list(export_rows(LogFilter(agency=agency)))
        return len(queries), rows

    walk(1)
    few, rows = asked()
    for day in range(2, 12):
        walk(day)
    many, more_rows = asked()

    assert len(more_rows) == 11 * len(rows) == 33
    assert {(row["final_status"], row["decided_by_role"]) for row in more_rows} == {
        ("refused", "clerk"),
        ("released", "supervisor"),
        ("refused", "counsel"),
    }
    # The supervisors, then the requests with their cases' states, their events, their decisions.
    assert many == few == 4


# Who decided last, event by event: `kind` alone for the rules, `kind:account` for a person.
SUPERVISORS = {"boss"}
HISTORIES = [
    (["request.decided"], "policy", ""),
    (["request.decided", "counsel.decided:lawyer"], "counsel", "lawyer"),
    (["request.decided", "counsel.decided:lawyer", "request.refused:desk"], "counsel", "lawyer"),
    (
        ["request.decided", "supervisor.approved:boss", "request.released:desk"],
        "supervisor",
        "boss",
    ),
    (["request.decided", "request.refused:desk"], "clerk", "desk"),
    (["request.decided", "request.refused:boss"], "supervisor", "boss"),
    (["request.decided", "supervisor.sent_back:boss"], "supervisor", "boss"),
    (
        ["request.decided", "supervisor.sent_back:boss", "request.refused:desk"],
        "clerk",
        "desk",
    ),
    (
        [
            "request.decided",
            "counsel.decided:lawyer",
            "supervisor.approved:boss",
            "request.redecided:desk",
        ],
        "policy",
        "",
    ),
    (
        ["request.decided", "obligation.recorded:boss", "request.refused:desk"],
        "governor",
        "boss",
    ),
]


@pytest.mark.parametrize(("history", "role", "account"), HISTORIES)
def test_who_decided_last(history, role, account):
    events = []
    for step in history:
        kind, _, actor = step.partition(":")
        events.append(Event(kind=kind, actor=actor or "desk"))

    decider = last_decider(events, SUPERVISORS)

    assert (decider.role, decider.account) == (role, account)
