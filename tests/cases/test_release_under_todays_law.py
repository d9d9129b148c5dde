"""A release is decided again as of the day of release, and nothing is released that the
law in force that day forbids (contract, "Colorado pack").

Cases are taken in through the intake form's data and moved with the actions; the release
itself is the clerk's POST, and what the clerk and counsel then read is the case page.
Today is 10 March 2025 (tests/cases/conftest.py).
"""

from __future__ import annotations

import pytest

from custodiet.cases import actions
from custodiet.cases.models import State
from custodiet.ledger import store
from custodiet.records.models import Event

from .conftest import ICE_2020, ROBBERY_2020
from .test_case_pages import text

pytestmark = pytest.mark.usefixtures("frozen_now")

ILLEGAL_REENTRY_2020 = {
    **ICE_2020,
    "requester_component": "ERO",
    "purpose": "Criminal investigation of illegal re-entry after removal, 8 U.S.C. 1326",
    "offense": "illegal re-entry, 8 U.S.C. 1326",
}


@pytest.fixture
def approved(opened, clerk, supervisor, mailoutbox):
    """A case from intake-form data, approved by a supervisor."""

    def approve(form):
        return actions.approve(opened(form, by=clerk), by=supervisor)

    return approve


def _release(signed_in, clerk, case):
    client = signed_in(clerk)
    url = f"/cases/{case.request.public_id}/"
    return client, url, client.post(f"{url}release/")


def test_an_ice_criminal_request_of_2020_is_not_released_under_todays_law(
    approved, signed_in, clerk, counsel
):
    case = approved(ICE_2020)
    first = case.request.decisions.get()
    # The Governor's guidance alone, in force on the day it came, allowed it.
    assert (first.outcome, first.as_of.isoformat()) == ("eligible", "2020-08-01")

    client, url, response = _release(signed_in, clerk, case)

    assert response.status_code == 302 and response["Location"] == url
    case.refresh_from_db()
    assert case.state == State.WITH_COUNSEL
    assert case.approved_by is None
    assert not case.letters.exists()
    event = case.request.events.get(kind="request.redecided")
    assert event.payload["as_of"] == "2025-03-10"
    assert event.payload["decision"]["outcome"] == "legal_review"
    assert event.payload["decision"]["policy"]["as_of"] == "2025-03-10"
    assert event.payload["to_state"] == "with_counsel"
    assert event.ledger_entry.index < store.size()
    assert store.leaf_mismatch(event, bytes(event.ledger_entry.data)) is None
    latest = case.request.decisions.order_by("-id").first()
    assert (latest.outcome, latest.as_of.isoformat()) == ("legal_review", "2025-03-10")
    assert latest.payload == event.payload["decision"]

    page = text(client.get(url))
    assert (
        "Nothing was released. The request was decided again under the law in force today, "
        "10 March 2025, and under that law counsel must review it first (C.R.S. 24-74-103"
    ) in page
    assert (
        "Decided again on 10 March 2025 under the law in force that day: counsel must review."
        in page
    )
    reason = latest.payload["reasons"][0]
    assert reason["explanation"] in page
    assert "The case went back to counsel, who decides it under that law." in page
    assert "Decided again before release; not released: counsel must review under the law of " in (
        page
    )
    assert "Issue the release package" not in page
    assert "Record counsel's decision" in text(signed_in(counsel).get(url))


def test_a_denver_robbery_request_of_2020_is_released_under_todays_law(approved, signed_in, clerk):
    case = approved(ROBBERY_2020)

    client, url, response = _release(signed_in, clerk, case)

    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == State.RELEASED
    assert case.letters.filter(kind="release").count() == 2
    released = case.request.events.get(kind="request.released")
    assert released.payload["as_of"] == "2025-03-10"
    assert released.payload["outcome"] == "eligible"
    assert not case.request.events.filter(kind="request.redecided").exists()
    assert case.request.decisions.count() == 1
    page = text(client.get(url))
    assert "Released. The release package is issued in English and Spanish" in page
    assert "decided again under the law of 10 Mar 2025, which allows it" in page
    assert "Decided again on" not in page


def test_once_counsel_releases_under_todays_law_it_is_released(
    approved, signed_in, clerk, counsel, supervisor
):
    case = approved(ICE_2020)
    _release(signed_in, clerk, case)
    actions.counsel_decide(
        case, by=counsel, release=True, reason="A drug case; the address is not for ERO."
    )
    actions.approve(case, by=supervisor)

    _, _, response = _release(signed_in, clerk, case)

    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == State.RELEASED
    assert case.request.events.filter(kind="request.redecided").count() == 1


def test_a_request_todays_law_refuses_cannot_be_released_even_by_counsel(
    approved, signed_in, clerk, counsel
):
    case = approved(ILLEGAL_REENTRY_2020)
    assert case.request.decisions.get().outcome == "eligible"

    client, url, _ = _release(signed_in, clerk, case)

    case.refresh_from_db()
    assert case.state == State.WITH_COUNSEL
    assert case.request.decisions.order_by("-id").first().outcome == "refuse"
    page = text(client.get(url))
    assert "and that law forbids the release (C.R.S. 24-74-103" in page
    assert "Decided again on 10 March 2025 under the law in force that day: refuse." in page

    lawyer = signed_in(counsel)
    response = lawyer.post(
        f"{url}counsel/", {"counsel-decision": "release", "counsel-reason": "It is criminal."}
    )
    assert response.status_code == 409
    assert (
        "The law in force on 10 March 2025 forbids this release; counsel can only refuse it."
        in text(response)
    )
    refused = lawyer.post(
        f"{url}counsel/", {"counsel-decision": "refuse", "counsel-reason": "Barred since 2021."}
    )
    assert refused.status_code == 302
    case = actions.refuse(case, by=clerk)
    assert case.state == State.REFUSED


def test_a_record_todays_law_withholds_stops_the_release(approved, signed_in, clerk):
    case = approved({**ROBBERY_2020, "records_requested": ["address", "place_of_birth"]})
    assert "place_of_birth" in case.request.decisions.get().payload["releasable_records"]

    client, url, _ = _release(signed_in, clerk, case)

    case.refresh_from_db()
    assert case.state == State.WITH_COUNSEL
    assert not case.letters.exists()
    assert "that law withholds place of birth (C.R.S. 24-74-104)" in text(client.get(url))


def test_nothing_is_written_when_the_release_is_refused_before_deciding(
    opened, clerk, supervisor, mailoutbox
):
    case = opened(ICE_2020, by=clerk)  # awaiting approval: not yet releasable
    before = Event.objects.count()
    with pytest.raises(actions.WorkflowError, match="not approved for release"):
        actions.release(case, by=clerk)
    assert Event.objects.count() == before
    assert case.request.decisions.count() == 1
