"""Telling the person that an immigration agency asked for their records (`notify_subject`).

Under New York's pack every request from ICE or CBP owes the person a notice within three
days, whatever the answer; under Colorado's none does. The case opens the notice with its
due date, the page and the queue show it until it is sent, sending issues the two letters
and records the delivery in the ledger, the reminders warn the day before, and the log
counts how the duty was met.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import ClassVar

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from custodiet.cases import subject_notices
from custodiet.cases.models import NoticeAction, State, SubjectNotice
from custodiet.ledger import store
from custodiet.records.models import Event
from custodiet.reminders import due as reminders

from .conftest import DENVER, ICE, ROBBERY

pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.fixture
def new_york(settings):
    settings.CUSTODIET_POLICY_PACK = "us-ny"


def _text(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _later(monkeypatch, day: dt.date) -> None:
    moment = dt.datetime.combine(day, dt.time(10, 0), DENVER)
    monkeypatch.setattr(timezone, "now", lambda: moment.astimezone(dt.UTC))


def test_a_new_york_request_from_ice_opens_a_notice_due_three_days_after(new_york, opened, clerk):
    case = opened(ICE, by=clerk)
    assert case.state == State.TO_REFUSE  # refused, and the person is still told
    notice = case.subject_notices.get()
    # Received Friday 7 March 2025; New York counts calendar days.
    assert notice.due_on == dt.date(2025, 3, 10)
    assert notice.period == "3 days"
    assert notice.subject == "Juan Doe"
    assert "201(12)" in notice.citation
    opened_event = case.request.events.get(kind=subject_notices.OPENED)
    assert opened_event.payload["subject_notice"]["due_on"] == "2025-03-10"
    # When it was due and under which law is readable in the published leaf.
    assert b'"due_on":"2025-03-10"' in store.event_leaf(opened_event)
    assert opened_event.ledger_entry is not None


def test_no_notice_for_a_police_robbery_case_nor_under_colorado(
    opened, clerk, supervisor, settings
):
    settings.CUSTODIET_POLICY_PACK = "us-ny"
    assert not opened(ROBBERY, by=clerk).subject_notices.exists()
    settings.CUSTODIET_POLICY_PACK = "us-co"
    assert not opened(ICE, by=clerk).subject_notices.exists()


def test_the_case_page_and_the_queue_show_the_notice_until_it_is_sent(
    new_york, opened, clerk, signed_in, monkeypatch
):
    case = opened(ICE, by=clerk)
    client = signed_in(clerk)
    page = client.get(reverse("case", args=[case.request.public_id])).content.decode()
    assert "Telling the person" in page
    assert "Not sent yet" in page and "(today)" in page
    assert "Issue and record the notice" in page

    _later(monkeypatch, dt.date(2025, 3, 12))
    client = signed_in(clerk)  # a session ends after hours idle; two days later, sign in again
    page = client.get(reverse("case", args=[case.request.public_id])).content.decode()
    assert "Overdue by 2 days" in page
    queue = client.get(reverse("cases")).content.decode()
    assert case.request.public_id in queue
    assert "Notice to the person due" in queue

    # Refused and its letter delivered, the case is still in the queue for the notice.
    from custodiet.cases import actions

    actions.refuse(case, by=clerk)
    actions.deliver(case, by=clerk, method="hand", to="The officer at the counter")
    queue = client.get(reverse("cases")).content.decode()
    assert case.request.public_id in queue
    page = client.get(reverse("case", args=[case.request.public_id])).content.decode()
    assert "Your next step: send the notice to the person" in page

    address = "Juan Doe\n12 Elm Street\nAlbany, NY 12207"
    response = client.post(
        reverse("case-notice-send", args=[case.request.public_id, 0]),
        {"notice-0-method": "mail", "notice-0-to": address},
    )
    assert response.status_code == 302
    queue = client.get(reverse("cases")).content.decode()
    assert case.request.public_id not in queue
    page = client.get(reverse("case", args=[case.request.public_id])).content.decode()
    assert "Sent late" in page


def test_sending_issues_both_letters_and_ledgers_the_delivery(new_york, opened, clerk):
    case = opened(ICE, by=clerk)
    notice = case.subject_notices.get()
    address = "Juan Doe\n12 Elm Street\nAlbany, NY 12207"
    action = subject_notices.send(notice, by=clerk, method="mail", to=address)

    english, spanish = _text(bytes(action.letter_en)), _text(bytes(action.letter_es))
    assert "U.S. Immigration and Customs Enforcement" in english
    assert "12 Elm Street" in english and "Juan Doe" in english
    assert "Address" in english and "201(12)" in english
    assert "Alguien pidió sus registros" in spanish
    event = case.request.events.get(kind=subject_notices.SENT)
    assert event.payload["subject_notice"]["on_time"] is True
    assert event.payload["delivery"]["method"] == "mail"
    assert len(event.payload["delivery"]["letter_sha256"]) == 2
    # The address is kept with the case, not in the clear in the public log's leaf.
    assert b"12 Elm Street" not in store.event_leaf(event)
    with pytest.raises(subject_notices.NoticeError, match="already"):
        subject_notices.send(notice, by=clerk, method="mail", to=address)
    assert NoticeAction.objects.count() == 1


def test_emailed_to_the_address_the_person_chose(new_york, opened, clerk):
    notice = opened(ICE, by=clerk).subject_notices.get()
    subject_notices.send(notice, by=clerk, method="email", to="juan@example.org")
    (message,) = mail.outbox
    assert message.to == ["juan@example.org"]
    assert [name for name, _, _ in message.attachments] == [
        f"{notice.case.request.public_id}-notice-en.pdf",
        f"{notice.case.request.public_id}-notice-es.pdf",
    ]


def test_a_mail_server_that_refuses_leaves_nothing_recorded(new_york, opened, clerk, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens
    notice = opened(ICE, by=clerk).subject_notices.get()
    events = Event.objects.count()
    with pytest.raises(subject_notices.NoticeError, match="nothing is recorded"):
        subject_notices.send(notice, by=clerk, method="email", to="juan@example.org")
    assert not NoticeAction.objects.exists()
    assert Event.objects.count() == events


def test_new_yorks_notice_cannot_be_excused(new_york, opened, clerk, counsel, signed_in):
    case = opened(ICE, by=clerk)
    response = signed_in(counsel).post(
        reverse("case-notice-excuse", args=[case.request.public_id, 0]),
        {"excuse-0-reason": "It would impede an investigation of a trafficking ring."},
    )
    assert response.status_code == 409
    assert "excuses no notice" in response.content.decode()
    assert not NoticeAction.objects.exists()


def test_the_reminder_comes_the_day_before_and_every_overdue_day(
    new_york, opened, clerk, privacy_officer, monkeypatch
):
    case = opened(ICE, by=clerk)
    found = list(reminders.subject_notices_due(dt.date(2025, 3, 8)))
    assert found == []
    (before,) = reminders.subject_notices_due(dt.date(2025, 3, 9))
    assert before.period == dt.date(2025, 3, 9)
    assert "due tomorrow" in before.subject
    assert before.to == ("clerk@agency.example",)
    assert "Juan Doe" not in before.body  # it names the request, never the person
    (late,) = reminders.subject_notices_due(dt.date(2025, 3, 12))
    assert late.period == dt.date(2025, 3, 12) and "Overdue" in late.subject
    assert late.cc == ("privacy_officer@agency.example",)
    subject_notices.send(case.subject_notices.get(), by=clerk, method="hand", to="Juan Doe")
    assert list(reminders.subject_notices_due(dt.date(2025, 3, 12))) == []


def test_the_log_counts_how_the_duty_was_met(new_york, opened, clerk, privacy_officer, signed_in):
    first = opened(ICE, by=clerk)
    opened({**ICE, "subject_name": "Rosa Roe"}, by=clerk)
    subject_notices.send(first.subject_notices.get(), by=clerk, method="hand", to="Juan Doe")
    page = signed_in(privacy_officer).get(reverse("request-log")).content.decode()
    assert "Telling the person" in page
    figures = subject_notices.counts(first.request.__class__.objects.all())
    assert (figures.owed, figures.on_time, figures.waiting) == (2, 1, 1)


def test_rows_are_never_updated(new_york, opened, clerk):
    notice = opened(ICE, by=clerk).subject_notices.get()
    assert SubjectNotice.objects.filter(pk=notice.pk).count() == 1


@pytest.fixture
def massachusetts(settings):
    settings.CUSTODIET_POLICY_PACK = "us-ma"


def _ice_with_court_order(agency):
    from custodiet.policy.model import parse_request

    from .conftest import contract

    data = contract(ICE, agency)
    data["legal_process"] = [
        {
            "kind": "court_order",
            "issued_by": "United States District Court for the District of Massachusetts",
            "signed_by": "Hon. A. Judge, United States District Judge",
        }
    ]
    return parse_request(data)


def _approved(agency, clerk, counsel, supervisor):
    from custodiet.cases import actions

    case = actions.take_in(_ice_with_court_order(agency), by=clerk, agency=agency)
    assert case.state == State.WITH_COUNSEL
    case = actions.counsel_decide(
        case, by=counsel, release=True, reason="The order is lawful and names the address."
    )
    return actions.approve(case, by=supervisor)


def test_in_massachusetts_nothing_is_released_before_the_notice(
    massachusetts, agency, clerk, counsel, supervisor
):
    from custodiet.cases import actions

    case = _approved(agency, clerk, counsel, supervisor)
    notice = case.subject_notices.get()
    assert notice.before_release and notice.exception
    # Received Friday 7 March 2025: three business days in Massachusetts is Wednesday.
    assert notice.due_on == dt.date(2025, 3, 12)
    with pytest.raises(actions.WorkflowError, match="send the notice to the person before"):
        actions.release(case, by=clerk)
    subject_notices.send(notice, by=clerk, method="mail", to="Juan Doe\n1 Main St\nBoston")
    assert actions.release(case, by=clerk).state == State.RELEASED


def test_counsel_may_excuse_a_massachusetts_notice_with_a_reason_a_clerk_may_not(
    massachusetts, agency, clerk, counsel, supervisor, signed_in
):
    from custodiet.cases import actions

    case = _approved(agency, clerk, counsel, supervisor)
    url = reverse("case-notice-excuse", args=[case.request.public_id, 0])
    reason = "Telling him now would alert the target of an open trafficking investigation."
    assert signed_in(clerk).post(url, {"excuse-0-reason": reason}).status_code == 403
    too_short = signed_in(counsel).post(url, {"excuse-0-reason": "Impedes."})
    assert too_short.status_code == 400 and not NoticeAction.objects.exists()
    assert signed_in(counsel).post(url, {"excuse-0-reason": reason}).status_code == 302
    event = case.request.events.get(kind=subject_notices.EXCUSED)
    assert event.payload["reason"] == reason
    assert reason.encode() not in store.event_leaf(event)  # counsel's words stay hashed
    assert actions.release(case, by=clerk).state == State.RELEASED


def test_two_people_named_get_two_notices_with_their_own_forms(new_york, agency, clerk, signed_in):
    from custodiet.cases import actions
    from custodiet.policy.model import parse_request

    from .conftest import contract

    data = contract(ICE, agency)
    data["subjects"] = [{"name": "Juan Doe"}, {"name": "Rosa Roe"}]
    case = actions.take_in(parse_request(data), by=clerk, agency=agency)
    assert [n.subject for n in case.subject_notices.all()] == ["Juan Doe", "Rosa Roe"]
    page = signed_in(clerk).get(reverse("case", args=[case.request.public_id])).content.decode()
    assert 'id="id_notice-0-to"' in page and 'id="id_notice-1-to"' in page


class _WatchingBackend:
    """An email backend that notes, as each message goes out, how many ledger entries
    exist: the send must come before the entry, so the ledger's append lock (held from
    the entry to the commit) never waits on a mail server."""

    seen: ClassVar[list[int]] = []

    def __init__(self, *args, **kwargs) -> None:
        pass

    def send_messages(self, messages) -> int:
        from custodiet.ledger.models import Entry

        _WatchingBackend.seen.append(Entry.objects.count())
        return len(messages)


def test_the_mail_goes_out_before_the_ledger_entry(new_york, opened, clerk, settings):
    from custodiet.cases import actions
    from custodiet.ledger.models import Entry

    settings.EMAIL_BACKEND = f"{__name__}._WatchingBackend"
    _WatchingBackend.seen = []
    case = opened(ICE, by=clerk)
    before = Entry.objects.count()
    subject_notices.send(case.subject_notices.get(), by=clerk, method="email", to="j@example.org")
    actions.refuse(case, by=clerk)
    entries = Entry.objects.count()
    actions.deliver(case, by=clerk, method="email", to="records@ice.example")
    assert _WatchingBackend.seen == [before, entries]
    assert Entry.objects.count() == entries + 1


def test_a_release_decided_again_under_a_law_that_asks_to_tell_the_person_opens_the_notice(
    massachusetts, agency, clerk, supervisor
):
    # Received before Massachusetts' law took effect (the federal baseline alone: eligible),
    # released after it: decided again, the law now asks for counsel and a notice first.
    from custodiet.cases import actions
    from custodiet.policy.model import parse_request

    from .conftest import contract

    data = contract(ICE, agency)
    data |= {
        "received_at": "2023-06-28T10:00:00-04:00",
        "purpose": "Fraud investigation",
        "purpose_category": "criminal_investigation",
        "criminal_investigation": {"case_number": "HSI-23-17", "offense": "document fraud"},
        "legal_process": [
            {
                "kind": "court_order",
                "issued_by": "United States District Court for the District of Massachusetts",
                "signed_by": "Hon. A. Judge, United States District Judge",
            }
        ],
    }
    case = actions.take_in(parse_request(data), by=clerk, agency=agency)
    assert case.state == State.AWAITING_APPROVAL and not case.subject_notices.exists()
    case = actions.approve(case, by=supervisor)
    with pytest.raises(actions.NotReleased, match="telling the person first"):
        actions.release(case, by=clerk)
    case.refresh_from_db()
    assert case.state == State.WITH_COUNSEL
    notice = case.subject_notices.get()
    assert notice.before_release
    assert case.request.events.filter(kind=subject_notices.OPENED).exists()


@pytest.mark.skipif(
    "postgres" not in __import__("os").environ.get("DATABASE_URL", ""),
    reason="SQLite has no insert-only triggers: there the rule rests on the code",
)
def test_postgresql_refuses_to_change_or_remove_a_notice_or_its_action(new_york, opened, clerk):
    from django.db import DatabaseError, transaction

    notice = opened(ICE, by=clerk).subject_notices.get()
    subject_notices.send(notice, by=clerk, method="hand", to="Juan Doe")
    for change in (
        lambda: SubjectNotice.objects.filter(pk=notice.pk).update(due_on=dt.date(2030, 1, 1)),
        lambda: NoticeAction.objects.all().update(to="someone else"),
        lambda: NoticeAction.objects.all().delete(),
    ):
        with pytest.raises(DatabaseError, match="insert-only"), transaction.atomic():
            change()
    assert NoticeAction.objects.get().to == "Juan Doe"
