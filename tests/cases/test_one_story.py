"""One story per case: the top of the page says where the case stands and whose turn it
is, the decisions appear in the order they were taken, the records follow the decision in
force; the clerk who took a case in is told when it moves on; the queue puts each
person's turn first and counts the agency's cases, and no other agency's, per state.
"""

from __future__ import annotations

import logging
import re
from html import unescape

import pytest

from custodiet.cases import actions, notices
from custodiet.cases.models import State
from custodiet.policy.model import parse_request

from .conftest import HSI, ICE, ROBBERY, contract

pytestmark = pytest.mark.usefixtures("frozen_now")

REASON = "Name and date of birth are not needed to serve the victim notice."


def text(response) -> str:
    html = response.content.decode()
    main = html[html.index("<main") :]
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", main)))


def section(response, heading_id: str) -> str:
    """The text of the section (or region) a heading with this id labels."""
    html = response.content.decode()
    start = html.rindex("<", 0, html.index(f'aria-labelledby="{heading_id}"'))
    tag = re.match(r"<(\w+)", html[start:]).group(1)
    depth, at = 0, start
    for match in re.finditer(rf"<(/?){tag}\b", html[start:]):
        depth += -1 if match.group(1) else 1
        if depth == 0:
            at = html.index(">", start + match.end()) + 1
            break
    words = re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html[start:at]))).strip()
    return re.sub(r" ([,.:;])", r"\1", words)


def url_of(case) -> str:
    return f"/cases/{case.request.public_id}/"


@pytest.fixture
def refused_by_counsel(opened, clerk, counsel):
    case = opened(HSI, by=clerk)
    return actions.counsel_decide(case, by=counsel, release=False, reason=REASON)


# The case page


def test_after_counsel_refuses_the_page_tells_one_story(refused_by_counsel, clerk, signed_in):
    page = signed_in(clerk).get(url_of(refused_by_counsel))
    story = section(page, "story-heading")

    assert "State To refuse" in story
    assert "Next step Your next step: issue the refusal letter." in story
    decided = story[story.index("Decided so far") : story.index("Records")]
    assert re.fullmatch(
        r"Decided so far First decision, by the rules: counsel must review, 10 Mar 2025, 09:30 "
        rf"Counsel's decision: refuse, by counsel, 10 Mar 2025, 09:30: “{REASON}”",
        decided.strip(),
    ), decided
    records = section(page, "records-now-heading")
    assert records == "May be released Nothing: the request is to be refused."
    withheld = section(page, "withheld-now-heading")
    assert "Address (counsel refused the request)" in withheld

    # The rules' decision is there, as the first one, and no longer tells anyone what to do.
    assert "The rules' first decision" in text(page)
    assert "Send it to counsel" not in text(page)
    assert "What the rules decided" not in text(page)
    assert "Nothing until counsel approves" not in text(page)
    assert "{#" not in page.content.decode()


def test_the_history_lists_the_decisions_in_the_order_they_were_taken(
    opened, clerk, counsel, supervisor, signed_in, mailoutbox
):
    case = opened(HSI, by=clerk)
    actions.counsel_decide(case, by=counsel, release=True, reason="Needed for the victim notice.")
    actions.approve(case, by=supervisor)
    history = section(signed_in(clerk).get(url_of(case)), "history-heading")
    order = [
        "First decision, by the rules: counsel must review",
        "Counsel's decision: release",
        "Supervisors notified by email",
        "Approved for release by a supervisor",
    ]
    found = [history.index(label) for label in order]
    assert found == sorted(found)
    assert "10 Mar 2025, 09:30:00 counsel Counsel's decision: release" in history
    assert "10 Mar 2025, 09:30:00 supervisor Approved for release by a supervisor" in history


def test_after_counsel_releases_and_a_supervisor_approves_the_records_are_counsels(
    opened, clerk, counsel, supervisor, signed_in, mailoutbox
):
    case = opened(HSI, by=clerk)
    decision = actions.current_decision(case)
    assert decision["outcome"] == "legal_review" and decision["records_for_counsel"]
    client = signed_in(clerk)

    waiting = client.get(url_of(case))
    assert "Waiting for counsel to decide whether to release or refuse." in text(waiting)
    assert section(waiting, "records-now-heading").startswith(
        "May be released Nothing until counsel decides. Counsel may release"
    )

    actions.counsel_decide(case, by=counsel, release=True, reason="Needed for the victim notice.")
    actions.approve(case, by=supervisor)
    page = client.get(url_of(case))
    story = section(page, "story-heading")
    assert "State Approved for release" in story
    assert "Your next step: issue the release package." in story
    assert "Counsel's decision: release, by counsel" in story
    assert "A supervisor's decision: approved for release, by supervisor" in story
    records = section(page, "records-now-heading")
    labels = {"name": "Name", "address": "Address", "date_of_birth": "Date of birth"}
    for record in decision["records_for_counsel"]:
        assert labels.get(record, record) in records
    assert records.startswith("May be released Approved for release by a supervisor:")


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("counsel", "Your next step: decide whether to release or refuse."),
        ("supervisor", "Waiting for counsel to decide whether to release or refuse."),
        ("clerk", "Waiting for counsel to decide whether to release or refuse."),
    ],
)
def test_the_next_step_on_a_case_with_counsel_depends_on_who_looks(
    role, expected, opened, clerk, counsel, supervisor, signed_in
):
    case = opened(HSI, by=clerk)
    people = {"counsel": counsel, "supervisor": supervisor, "clerk": clerk}
    story = section(signed_in(people[role]).get(url_of(case)), "story-heading")
    assert f"Next step {expected}" in story


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("supervisor", "Your next step: approve it for release or send it back."),
        ("clerk", "Waiting for a supervisor to approve it for release or send it back."),
        ("counsel", "Waiting for a supervisor to approve it for release or send it back."),
    ],
)
def test_the_next_step_awaiting_approval_depends_on_who_looks(
    role, expected, opened, clerk, counsel, supervisor, signed_in, mailoutbox
):
    case = opened(ROBBERY, by=clerk)
    people = {"counsel": counsel, "supervisor": supervisor, "clerk": clerk}
    page = signed_in(people[role]).get(url_of(case))
    assert f"Next step {expected}" in section(page, "story-heading")
    assert section(page, "records-now-heading") == (
        "May be released Once a supervisor approves: Address Photograph"
    )


def test_a_supervisor_who_took_the_request_in_waits_for_another(
    opened, supervisor, second_supervisor, signed_in, mailoutbox
):
    case = opened(ROBBERY, by=supervisor)
    story = section(signed_in(supervisor).get(url_of(case)), "story-heading")
    assert (
        "Waiting for another supervisor to approve it for release or send it back: you took in "
        "or decided this request." in story
    )


def test_a_closed_case_says_so_and_what_went_out(opened, clerk, signed_in):
    case = actions.refuse(opened(ICE, by=clerk), by=clerk)
    client = signed_in(clerk)
    page = client.get(url_of(case))
    assert (
        "Next step The case is closed: the refusal letter was issued, and has not gone out "
        "yet. Your next step: deliver the letters"
    ) in section(page, "story-heading")
    actions.deliver(case, by=clerk, method="hand", to="Example Officer, at the counter")
    page = client.get(url_of(case))
    assert "Next step The case is closed: the refusal letter was issued." in section(
        page, "story-heading"
    )
    assert section(page, "records-now-heading") == "Released Nothing: the request was refused."


# The clerk is told


def _taken_in_by_clerk(opened, clerk):
    case = opened(ROBBERY, by=clerk)
    assert case.taken_in_by == clerk
    return case


def _no_personal_data(mail) -> None:
    said = f"{mail.subject}\n{mail.body}"
    for personal in ("Alex Roe", "1985-07-21", "Roe", "DPD-2025-118204", "robbery", "Photo"):
        assert personal.lower() not in said.lower(), personal


def test_the_clerk_is_emailed_when_a_supervisor_approves(
    opened, clerk, supervisor, signed_in, mailoutbox, django_capture_on_commit_callbacks
):
    case = _taken_in_by_clerk(opened, clerk)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in(supervisor).post(f"{url_of(case)}approve/")
    assert response.status_code == 302

    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    public_id = case.request.public_id
    assert mail.to == [clerk.email]
    assert mail.subject == f"Approved: request {public_id}"
    assert f"Request {public_id}, which you took in, was approved for release" in mail.body
    assert f"http://127.0.0.1:8000/cases/{public_id}/" in mail.body
    _no_personal_data(mail)


def test_the_clerk_is_emailed_when_a_supervisor_sends_it_back(
    opened, clerk, supervisor, signed_in, mailoutbox, django_capture_on_commit_callbacks
):
    case = _taken_in_by_clerk(opened, clerk)
    mailoutbox.clear()
    reason = "Alex Roe's case number is missing."
    with django_capture_on_commit_callbacks(execute=True):
        signed_in(supervisor).post(f"{url_of(case)}send-back/", {"send_back-reason": reason})

    assert [mail.to for mail in mailoutbox] == [[clerk.email]]
    mail = mailoutbox[0]
    assert mail.subject == f"Sent back: request {case.request.public_id}"
    assert f"/cases/{case.request.public_id}/" in mail.body
    assert "missing" not in mail.body  # the reason may name the person; the page shows it
    _no_personal_data(mail)


def test_the_clerk_is_emailed_when_counsel_decides(
    opened, clerk, counsel, mailoutbox, django_capture_on_commit_callbacks
):
    case = opened(HSI, by=clerk)
    with django_capture_on_commit_callbacks(execute=True):
        actions.counsel_decide(case, by=counsel, release=False, reason=REASON)
    assert [(mail.to, mail.subject) for mail in mailoutbox] == [
        ([clerk.email], f"Counsel refused: request {case.request.public_id}")
    ]
    assert "Sam Poe" not in mailoutbox[0].body


def test_the_email_waits_for_the_commit(
    opened, clerk, supervisor, mailoutbox, django_capture_on_commit_callbacks
):
    case = _taken_in_by_clerk(opened, clerk)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks() as callbacks:
        actions.approve(case, by=supervisor)
        assert mailoutbox == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert len(mailoutbox) == 1


def test_a_mail_that_fails_is_logged_and_the_approval_stands(
    opened,
    clerk,
    supervisor,
    signed_in,
    mailoutbox,
    monkeypatch,
    caplog,
    django_capture_on_commit_callbacks,
):
    case = _taken_in_by_clerk(opened, clerk)

    def broken(**kwargs):
        raise ConnectionRefusedError("the mail server is down")

    monkeypatch.setattr(notices, "send_mail", broken)
    with (
        caplog.at_level(logging.ERROR, logger="custodiet.cases.notices"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = signed_in(supervisor).post(f"{url_of(case)}approve/")
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == State.APPROVED
    assert f"could not email the notice 'approved' about request {case.request.public_id}" in (
        caplog.text
    )


def test_nobody_is_emailed_about_their_own_step_or_without_an_address(
    opened, clerk, supervisor, second_supervisor, mailoutbox, django_capture_on_commit_callbacks
):
    own = opened(ROBBERY, by=supervisor)
    clerk.email = ""
    clerk.save()
    silent = opened({**ROBBERY, "subject_name": "Kim Lee"}, by=clerk)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.approve(own, by=second_supervisor)
        actions.approve(silent, by=supervisor)
    assert [mail.to for mail in mailoutbox] == [[supervisor.email]]


# The queue


@pytest.fixture
def cases(opened, clerk, supervisor, second_supervisor, counsel, outsider, other_agency):
    """Open cases in every open state, one closed, and two of another agency."""
    made = {
        "with_counsel": opened(HSI, by=clerk),
        "awaiting": opened(ROBBERY, by=clerk),
        "to_refuse": opened(ICE, by=clerk),
        "overdue": opened(
            {**ICE, "received_date": "2025-02-24", "subject_name": "Max Ott"}, by=clerk
        ),
        "approved": actions.approve(
            opened({**ROBBERY, "subject_name": "Lou Fry"}, by=clerk), by=second_supervisor
        ),
        "sent_back": actions.send_back(
            opened({**ROBBERY, "received_date": "2025-03-06", "subject_name": "Kim Lee"}, by=clerk),
            by=second_supervisor,
            reason="Check the case number.",
        ),
        "refused": actions.refuse(opened({**ICE, "subject_name": "Ned Orr"}, by=clerk), by=clerk),
    }
    for name in ("Ola Ek", "Per Ek"):
        actions.take_in(
            parse_request(contract({**ICE, "subject_name": name}, other_agency)),
            by=outsider,
            agency=other_agency,
        )
    return made


def _ids(response) -> list[tuple[str, bool]]:
    """Each row's request id, and whether it is marked as the viewer's turn."""
    html = response.content.decode()
    body = html[html.index("<tbody>") : html.index("</tbody>")]
    rows = [unescape(re.sub(r"<[^>]+>", " ", row)) for row in body.split("<tr>")[1:]]
    return [(row.split()[0], "Your turn" in row) for row in rows]


def _expected(cases, *names: str) -> list[str]:
    return [cases[name].request.public_id for name in names]


def test_a_clerks_turn_comes_first_then_the_due_date(clerk, signed_in, cases):
    shown = _ids(signed_in(clerk).get("/cases/"))
    # Due: overdue 1 Mar, sent back 11 Mar, the others 12 Mar (then in the order taken in).
    assert [public_id for public_id, _ in shown] == _expected(
        cases,
        "overdue",
        "sent_back",
        "to_refuse",
        "approved",
        "refused",  # issued, not delivered yet
        "with_counsel",
        "awaiting",
    )
    assert [mine for _, mine in shown] == [True] * 5 + [False] * 2


def test_a_supervisors_turn_adds_the_approvals(supervisor, signed_in, cases):
    shown = _ids(signed_in(supervisor).get("/cases/"))
    assert [public_id for public_id, _ in shown] == _expected(
        cases,
        "overdue",
        "sent_back",
        "awaiting",
        "to_refuse",
        "approved",
        "refused",
        "with_counsel",
    )
    assert [mine for _, mine in shown] == [True] * 6 + [False]


def test_counsels_turn_is_the_cases_with_counsel(counsel, signed_in, cases):
    assert _ids(signed_in(counsel).get("/cases/")) == [
        (cases["with_counsel"].request.public_id, True)
    ]


def _options(response) -> list[str]:
    html = response.content.decode()
    select = html[html.index('<select name="state"') : html.index("</select>")]
    return [
        unescape(label).strip() for label in re.findall(r"<option[^>]*>([^<]*)</option>", select)
    ]


def test_the_filter_counts_the_agencys_cases_per_state(clerk, outsider, signed_in, cases):
    assert _options(signed_in(clerk).get("/cases/")) == [
        "My queue (7)",
        "With counsel (1)",
        "Awaiting a supervisor (1)",
        "Sent back by the supervisor (1)",
        "Approved for release (1)",
        "To refuse (2)",
        "Released (0)",
        "Refused (1)",
    ]
    # The other agency's two cases to refuse are counted there, and only there.
    theirs = _options(signed_in(outsider).get("/cases/"))
    assert "To refuse (2)" in theirs and "Refused (0)" in theirs
    assert "My queue (2)" in theirs and "Approved for release (0)" in theirs


def test_a_chosen_state_keeps_its_count_and_the_choice(clerk, signed_in, cases):
    response = signed_in(clerk).get("/cases/", {"state": "to_refuse"})
    assert '<option value="to_refuse" selected>To refuse (2)</option>' in response.content.decode()
    assert {public_id for public_id, _ in _ids(response)} == set(
        _expected(cases, "to_refuse", "overdue")
    )
