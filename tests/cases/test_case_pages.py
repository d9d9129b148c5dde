"""The case pages as staff use them all day: take a request in, see its case, move it on.

Everything goes through HTTP, as a browser without JavaScript would: the intake form
with its PDF uploads, the case page and its POST forms, the queue, downloads and proofs.
"""

from __future__ import annotations

import hashlib
import json
import re
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from custodiet.accounts.models import Role
from custodiet.cases import views
from custodiet.cases.models import Case, Document, State
from custodiet.ledger import store
from custodiet.ledger.models import Entry
from custodiet.records.models import Event, RequestRecord

from .conftest import HSI, I200_LINES, ICE, PASSWORD, ROBBERY, make_pdf, pdf_upload

pytestmark = pytest.mark.usefixtures("frozen_now")


def take_in(client, data, **files):
    """Submit the intake form as a clerk's browser does."""
    return client.post("/cases/new/", {**data, **files})


def case_of(response) -> Case:
    """The case the intake form redirected to."""
    assert response.status_code == 302, response.content.decode()[:3000]
    public_id = response["Location"].split("/")[2]
    return Case.objects.select_related("request").get(request__public_id=public_id)


def text(response) -> str:
    """The page's main content as a person reads it."""
    html = response.content.decode()
    main = html[html.index("<main") :]
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", main)))


def nothing_recorded() -> bool:
    return not (
        RequestRecord.objects.exists()
        or Event.objects.exists()
        or Case.objects.exists()
        or Document.objects.exists()
    )


# Intake


def test_the_intake_form_starts_at_now_in_the_clerks_agency(clerk, signed_in):
    response = signed_in(clerk).get("/cases/new/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="2025-03-10"' in html and 'value="09:30"' in html
    assert "opened as a case of Colorado Division of Motor Vehicles" in text(response)
    assert 'name="receiving_agency"' not in html  # the clerk's own agency, never typed
    assert "multiple" in re.search(r"<input[^>]+name=\"documents\"[^>]*>", html).group(0)


def test_a_clerk_takes_in_ice_with_an_i200_and_the_case_is_to_refuse(clerk, signed_in):
    client = signed_in(clerk)
    pdf = make_pdf(I200_LINES)
    case = case_of(
        take_in(client, ICE, documents=[SimpleUploadedFile("i-200.pdf", pdf, "application/pdf")])
    )

    assert case.state == State.TO_REFUSE
    assert case.taken_in_by == clerk
    assert case.request.receiving_agency == "CO-DOR-DMV"
    document = case.documents.get()
    assert document.filename == "i-200.pdf"
    assert bytes(document.content) == pdf
    assert document.sha256 == hashlib.sha256(pdf).hexdigest()
    assert "WARRANT FOR ARREST OF ALIEN" in document.text
    decision = case.request.decisions.get().payload
    assert decision["legal_process"][0]["kind"] == "administrative_warrant"

    page = client.get(f"/cases/{case.request.public_id}/")
    assert page.status_code == 200
    assert f"Request {case.request.public_id} is recorded and decided: to refuse." in text(page)
    assert "administrative_warrant" in text(page)
    assert document.sha256 in text(page)
    assert (
        f'href="/cases/{case.request.public_id}/documents/{document.pk}"' in page.content.decode()
    )
    assert "Issue the refusal letter" in text(page)
    download = client.get(f"/cases/{case.request.public_id}/documents/{document.pk}")
    assert download.content == pdf


def test_several_pdfs_are_each_kept_and_read(clerk, signed_in):
    court_order = make_pdf(
        ["DISTRICT COURT, CITY AND COUNTY OF DENVER", "ORDER", "It is so ordered."]
    )
    case = case_of(
        take_in(
            signed_in(clerk),
            ICE,
            documents=[pdf_upload("i-200.pdf"), pdf_upload("order.pdf", court_order)],
        )
    )
    assert [document.filename for document in case.documents.order_by("id")] == [
        "i-200.pdf",
        "order.pdf",
    ]
    offered = case.request.payload["legal_process"]
    assert len(offered) == 2
    assert "ORDER" in offered[1]["text"]


def test_a_detectives_request_awaits_approval_and_the_supervisors_are_emailed(
    clerk, supervisor, second_supervisor, signed_in, mailoutbox
):
    case = case_of(take_in(signed_in(clerk), ROBBERY))
    assert case.state == State.AWAITING_APPROVAL
    assert case.supervisor_notified_at is not None
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert sorted(mail.to) == sorted([supervisor.email, second_supervisor.email])
    assert (
        mail.subject == f"Approval needed: {case.request.public_id} from Denver Police Department"
    )
    assert f"/cases/{case.request.public_id}/" in mail.body


def test_the_supervisor_approves_and_a_clerk_releases(clerk, supervisor, signed_in, mailoutbox):
    case = case_of(take_in(signed_in(clerk), ROBBERY))
    url = f"/cases/{case.request.public_id}/"
    boss = signed_in(supervisor)
    assert "Approve for release" in text(boss.get(url))

    response = boss.post(f"{url}approve/")
    assert response.status_code == 302 and response["Location"] == url
    assert "Approved for release. The release package can now be issued." in text(boss.get(url))
    case.refresh_from_db()
    assert case.state == State.APPROVED
    assert case.approved_by == supervisor

    client = signed_in(clerk)
    assert "Issue the release package" in text(client.get(url))
    response = client.post(f"{url}release/")
    assert response.status_code == 302
    page = client.get(url)
    assert "Released. The release package is issued in English and Spanish" in text(page)
    case.refresh_from_db()
    assert case.state == State.RELEASED and case.closed_at is not None
    letters = list(case.letters.all())
    assert [(letter.kind, letter.language) for letter in letters] == [
        ("release", "en"),
        ("release", "es"),
    ]
    for letter in letters:
        assert f'href="{url}letters/{letter.pk}.pdf"' in page.content.decode()
        assert letter.sha256 in text(page)
    download = client.get(f"{url}letters/{letters[0].pk}.pdf")
    assert download["Content-Disposition"] == (
        f'attachment; filename="{case.request.public_id}-release-en.pdf"'
    )
    assert hashlib.sha256(download.content).hexdigest() == letters[0].sha256
    # Issued is not delivered: the clerk's next step is to send it.
    assert "has not gone out yet. Your next step: deliver the letters" in text(page)


def test_a_clerk_sends_the_refusal_letter(clerk, signed_in):
    client = signed_in(clerk)
    case = case_of(take_in(client, ICE))
    response = client.post(f"/cases/{case.request.public_id}/refuse/")
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == State.REFUSED
    assert sorted(case.letters.values_list("kind", "language")) == [
        ("refusal", "en"),
        ("refusal", "es"),
    ]


def test_the_clerk_who_took_it_in_cannot_approve_even_as_a_supervisor(clerk, supervisor, signed_in):
    client = signed_in(clerk)
    case = case_of(take_in(client, ROBBERY))
    clerk.membership.role = Role.SUPERVISOR
    clerk.membership.save()
    url = f"/cases/{case.request.public_id}/"

    page = client.get(url)
    assert "Approve for release" not in text(page)
    assert "Send back" not in text(page)
    assert "You took in or decided this request, so another supervisor must approve it." in text(
        page
    )

    response = client.post(f"{url}approve/")
    assert response.status_code == 403
    assert "Nobody approves a request they took in or decided." in text(response)
    case.refresh_from_db()
    assert case.state == State.AWAITING_APPROVAL and case.approved_by is None


def test_a_supervisor_sends_back_with_a_reason_and_the_clerk_resubmits(
    clerk, supervisor, signed_in, mailoutbox
):
    case = case_of(take_in(signed_in(clerk), ROBBERY))
    url = f"/cases/{case.request.public_id}/"
    boss = signed_in(supervisor)

    blank = boss.post(f"{url}send-back/", {"send_back-reason": "  "})
    assert blank.status_code == 200
    assert 'id="id_send_back-reason_error"' in blank.content.decode()
    case.refresh_from_db()
    assert case.state == State.AWAITING_APPROVAL

    assert (
        boss.post(f"{url}send-back/", {"send_back-reason": "Case number missing."}).status_code
        == 302
    )
    client = signed_in(clerk)
    page = client.get(url)
    assert "Sent back by a supervisor “Case number missing.”" in text(page)
    assert "Resubmit to the supervisors" in text(page)
    assert (
        client.post(f"{url}resubmit/", {"resubmit-note": "Case number added."}).status_code == 302
    )
    case.refresh_from_db()
    assert case.state == State.AWAITING_APPROVAL
    assert len(mailoutbox) == 2


def test_counsel_decides_a_legal_review_case(clerk, supervisor, counsel, signed_in, mailoutbox):
    case = case_of(take_in(signed_in(clerk), HSI))
    assert case.state == State.WITH_COUNSEL
    assert mailoutbox == []
    url = f"/cases/{case.request.public_id}/"
    lawyer = signed_in(counsel)
    assert "Record counsel's decision" in text(lawyer.get(url))

    unexplained = lawyer.post(f"{url}counsel/", {"counsel-decision": "release"})
    assert unexplained.status_code == 200
    assert 'id="id_counsel-reason_error"' in unexplained.content.decode()
    case.refresh_from_db()
    assert case.state == State.WITH_COUNSEL

    reason = "A genuine trafficking case; the address is needed to serve the victim notice."
    response = lawyer.post(
        f"{url}counsel/", {"counsel-decision": "release", "counsel-reason": reason}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == State.AWAITING_APPROVAL
    assert case.decided_by == counsel and case.counsel_reason == reason
    assert len(mailoutbox) == 1
    page = text(lawyer.get(url))
    assert f"Counsel's decision: release “{reason}”" in page
    assert "Record counsel's decision" not in page


def test_a_step_the_case_no_longer_allows_is_explained_and_changes_nothing(clerk, signed_in):
    client = signed_in(clerk)
    case = case_of(take_in(client, ICE))
    response = client.post(f"/cases/{case.request.public_id}/release/")
    assert response.status_code == 409
    assert "Nothing was changed" in text(response)
    assert f"Case {case.request.public_id} is to refuse, not approved for release." in text(
        response
    )
    case.refresh_from_db()
    assert case.state == State.TO_REFUSE
    assert not case.letters.exists()


def test_privacy_officers_read_cases_without_any_step_to_take(privacy_officer, clerk, signed_in):
    case = case_of(take_in(signed_in(clerk), ICE))
    page = signed_in(privacy_officer).get(f"/cases/{case.request.public_id}/")
    assert page.status_code == 200
    assert (
        "Nothing for you to do on this case now. Waiting for a clerk to issue the refusal letter."
        in text(page)
    )
    assert '<form method="post" action="/cases/' not in page.content.decode()


# History and proofs


def test_the_history_lists_every_event_with_its_ledger_entry_and_the_proof_verifies(
    clerk, supervisor, signed_in, log_key, mailoutbox
):
    client = signed_in(clerk)
    case = case_of(take_in(client, ROBBERY))
    url = f"/cases/{case.request.public_id}/"
    signed_in(supervisor).post(f"{url}approve/")
    client.post(f"{url}release/")
    store.checkpoint()

    page = client.get(url)
    html = page.content.decode()
    events = list(case.request.events.order_by("id"))
    kinds = [event.kind for event in events]
    assert kinds == [
        "request.received",
        "request.decided",
        "case.opened",
        "supervisor.notified",
        "supervisor.approved",
        "request.released",
    ]
    for event in events:
        index = event.ledger_entry.index
        assert f'href="{url}proof/{index}/"' in html
        assert f"Entry {index}" in text(page)
    for label in (
        "Request received and recorded",
        "First decision, by the rules: eligible",
        "Case opened: awaiting a supervisor",
        "Supervisors notified by email: 1 recipient",
        "Approved for release by a supervisor",
        "Released with the release package: 2 documents",
    ):
        assert label in text(page)

    for event in events:
        proof = client.get(f"{url}proof/{event.ledger_entry.index}/")
        assert proof.status_code == 200
        assert "Verified" in text(proof)
        shown = json.loads(
            unescape(
                re.search(
                    r"<pre[^>]*><code>(.+?)</code></pre>", proof.content.decode(), re.S
                ).group(1)
            )
        )
        assert shown["tree_size"] == store.size()
        assert shown["index"] == event.ledger_entry.index
        assert shown["checkpoint"].startswith("custodiet.invalid/ledger\n")


def test_an_entry_newer_than_the_checkpoint_is_proved_against_the_unsigned_head(
    clerk, signed_in, log_key
):
    client = signed_in(clerk)
    store.checkpoint()  # of an empty log
    case = case_of(take_in(client, ICE))
    entry = case.request.events.order_by("id").last().ledger_entry.index
    proof = client.get(f"/cases/{case.request.public_id}/proof/{entry}/")
    assert "Verified" in text(proof)
    assert "This entry was appended after the latest signed checkpoint, of 0 entries." in text(
        proof
    )


def test_a_proof_of_another_cases_entry_is_not_found_through_this_one(clerk, signed_in):
    client = signed_in(clerk)
    first = case_of(take_in(client, ICE))
    second = case_of(take_in(client, HSI))
    entry = first.request.events.first().ledger_entry.index
    assert client.get(f"/cases/{second.request.public_id}/proof/{entry}/").status_code == 404
    assert Entry.objects.filter(index=entry).exists()


# Bad uploads


@pytest.mark.parametrize(
    ("name", "content", "content_type", "message"),
    [
        ("warrant.txt", b"WARRANT FOR ARREST OF ALIEN", "text/plain", "This file is not a PDF"),
        ("warrant.pdf", b"<html>not a pdf</html>", "application/pdf", "This file is not a PDF"),
        ("huge.pdf", b"%PDF-1.7\n" + b"0" * (5 * 1024 * 1024), "application/pdf", "at most 5 MB"),
        (
            "broken.pdf",
            b"%PDF-1.7\n1 0 obj << /Type /Catalog garbage",
            "application/pdf",
            "corrupt",
        ),
        ("long.pdf", make_pdf(["A page"], pages=51), "application/pdf", "too many pages"),
    ],
    ids=["wrong-type", "pdf-in-name-only", "too-large", "corrupt", "too-many-pages"],
)
def test_a_bad_upload_is_explained_on_its_field_and_records_nothing(
    clerk, signed_in, mailoutbox, name, content, content_type, message
):
    good = pdf_upload()
    bad = SimpleUploadedFile(name, content, content_type=content_type)
    response = take_in(signed_in(clerk), ROBBERY, documents=[good, bad])
    html = response.content.decode()
    assert response.status_code == 200
    error = re.search(r'id="id_documents_error">(.+?)</span></span>', html, re.S)
    assert error, "the upload field shows no error"
    assert f"{name}: " in error.group(1) and message in error.group(1)
    assert '<a href="#id_documents">' in html  # the summary leads to the field
    assert "choose the documents again" in text(response)
    assert nothing_recorded()
    assert mailoutbox == []


def test_a_missing_organization_is_named_and_nothing_is_recorded(clerk, signed_in):
    response = take_in(signed_in(clerk), {**ROBBERY, "requester_organization": ""})
    assert response.status_code == 200
    assert '<a href="#id_requester_organization">requester.organization: is required</a>' in (
        response.content.decode()
    )
    assert nothing_recorded()


def test_without_a_supervisor_to_notify_nothing_is_recorded(clerk, signed_in):
    response = take_in(signed_in(clerk), ROBBERY)
    assert response.status_code == 409
    assert "Nothing was recorded" in text(response)
    assert "has no supervisor with an email address to notify" in text(response)
    assert nothing_recorded()


# Duplicates


def test_possible_duplicates_are_pointed_out_with_links(clerk, supervisor, signed_in, opened):
    first = opened(ROBBERY, by=clerk)
    same_person = opened(
        {**ROBBERY, "received_date": "2025-03-03", "subject_name": "  alex  ROE "}, by=clerk
    )
    by_license = opened(
        {
            **ICE,
            "received_date": "2025-02-24",
            "subject_name": "J. Doe",
            "subject_license_number": "991-234-567",
        },
        by=clerk,
    )
    too_old = opened({**ROBBERY, "received_date": "2025-02-20"}, by=clerk)
    someone_else = opened({**ROBBERY, "subject_name": "Robin Moe"}, by=clerk)
    other_requester = opened(
        {**ROBBERY, "requester_organization": "Aurora Police Department"}, by=clerk
    )
    ice = opened(ICE, by=clerk)

    client = signed_in(clerk)
    page = client.get(f"/cases/{first.request.public_id}/")
    assert "Possible duplicate" in text(page)
    linked = set(re.findall(r'href="/cases/(R-[^/"]+)/"', page.content.decode()))
    assert same_person.request.public_id in linked
    for other in (too_old, someone_else, other_requester, ice):
        assert other.request.public_id not in linked
    # The same warning shows on the earlier case, pointing forward.
    earlier = client.get(f"/cases/{same_person.request.public_id}/")
    assert first.request.public_id in earlier.content.decode()

    matched = client.get(f"/cases/{ice.request.public_id}/")
    assert by_license.request.public_id in matched.content.decode()
    alone = client.get(f"/cases/{other_requester.request.public_id}/")
    assert "Possible duplicate" not in text(alone)


# The work queue


@pytest.fixture
def queue_cases(opened, clerk, supervisor, second_supervisor, counsel):
    """One case in each open state, and one closed."""
    from custodiet.cases import actions

    return {
        "with_counsel": opened(HSI, by=clerk),
        "awaiting_mine": opened(ROBBERY, by=clerk),
        "awaiting_own": opened({**ROBBERY, "subject_name": "Kim Lee"}, by=supervisor),
        "to_refuse": opened(ICE, by=clerk),
        "approved": actions.approve(
            opened({**ROBBERY, "subject_name": "Lou Fry"}, by=clerk), by=second_supervisor
        ),
        "overdue": opened(
            {**ICE, "received_date": "2025-02-24", "subject_name": "Max Ott"}, by=clerk
        ),
        "refused": actions.refuse(opened({**ICE, "subject_name": "Ned Orr"}, by=clerk), by=clerk),
    }


def _rows(response) -> list[str]:
    """The request ids in the queue, in order, each with its row's text."""
    html = response.content.decode()
    body = html[html.index("<tbody>") : html.index("</tbody>")]
    return [
        re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", row))).strip()
        for row in body.split("<tr>")[1:]
    ]


def _ids(response) -> list[str]:
    return [row.split()[0] for row in _rows(response)]


def test_supervisors_see_their_turn_first_then_by_due_date(supervisor, signed_in, queue_cases):
    response = signed_in(supervisor).get("/cases/")
    # Approvals and letters to issue are theirs, the most overdue first; then the rest.
    assert _ids(response) == [
        queue_cases[name].request.public_id
        for name in (
            "overdue",
            "awaiting_mine",
            "to_refuse",
            "approved",
            "refused",  # its letter was issued and has not gone out yet
            "with_counsel",
            "awaiting_own",  # they took it in themselves: another supervisor approves it
        )
    ]
    assert ["Your turn" in row for row in _rows(response)] == [True] * 5 + [False] * 2


def test_a_refusal_delivered_leaves_the_queue(clerk, signed_in, queue_cases):
    from custodiet.cases import actions

    refused = queue_cases["refused"]
    client = signed_in(clerk)
    assert refused.request.public_id in _ids(client.get("/cases/"))
    page = text(client.get(f"/cases/{refused.request.public_id}/"))
    assert "has not gone out yet. Your next step: deliver the letters" in page
    actions.deliver(refused, by=clerk, method="mail", to="Example Field Office, Denver")
    assert refused.request.public_id not in _ids(client.get("/cases/"))
    page = text(client.get(f"/cases/{refused.request.public_id}/"))
    assert "The case is closed: the refusal letter was issued." in page


def test_clerks_see_what_they_can_send_first(clerk, signed_in, queue_cases):
    response = signed_in(clerk).get("/cases/")
    first = set(_ids(response)[:3])
    assert first == {
        queue_cases[name].request.public_id for name in ("to_refuse", "approved", "overdue")
    }
    overdue = next(
        row for row in _rows(response) if row.startswith(queue_cases["overdue"].request.public_id)
    )
    assert "Overdue" in overdue
    assert "14 days" in overdue and "1 Mar 2025" in overdue  # received 24 Feb, due 5 days later
    assert sum("Overdue" in row for row in _rows(response)) == 1


def test_counsel_see_the_cases_with_counsel(counsel, signed_in, queue_cases):
    assert _ids(signed_in(counsel).get("/cases/")) == [
        queue_cases["with_counsel"].request.public_id
    ]


def test_privacy_officers_see_every_case(privacy_officer, signed_in, queue_cases):
    response = signed_in(privacy_officer).get("/cases/")
    assert set(_ids(response)) == {case.request.public_id for case in queue_cases.values()}
    assert "You can read them; you cannot change them." in text(response)


def test_the_queue_filters_by_state(privacy_officer, signed_in, queue_cases):
    client = signed_in(privacy_officer)
    assert _ids(client.get("/cases/", {"state": "refused"})) == [
        queue_cases["refused"].request.public_id
    ]
    unknown = client.get("/cases/", {"state": "lost"})
    assert unknown.status_code == 200
    assert 'id="id_state_error"' in unknown.content.decode()


def test_the_queue_is_paginated_on_the_server(privacy_officer, signed_in, queue_cases, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 3)
    client = signed_in(privacy_officer)
    first = client.get("/cases/")
    assert len(_ids(first)) == 3
    assert "7 cases, page 1 of 3" in text(first)
    assert 'href="?page=2"' in first.content.decode()
    last = client.get("/cases/", {"page": "3"})
    assert len(_ids(last)) == 1
    seen = _ids(first) + _ids(client.get("/cases/", {"page": "2"})) + _ids(last)
    assert len(set(seen)) == 7
    filtered = client.get("/cases/", {"state": "to_refuse", "page": "1"})
    assert len(_ids(filtered)) == 2
    assert "Previous" not in text(filtered) and "page=2" not in filtered.content.decode()


# Navigation


def test_the_navigation_offers_each_role_its_pages(clerk, counsel, administrator, signed_in):
    clerks = signed_in(clerk).get("/cases/").content.decode()
    assert 'href="/cases/new/"' in clerks and 'href="/cases/"' in clerks
    lawyers = signed_in(counsel).get("/cases/").content.decode()
    assert 'href="/cases/new/"' not in lawyers and 'href="/explorer/"' in lawyers
    admins = signed_in(administrator).get("/explorer/").content.decode()
    assert 'href="/cases/"' not in admins


def test_the_start_page_is_the_queue_for_case_workers(clerk, signed_in):
    response = signed_in(clerk).get("/")
    assert response.status_code == 302 and response["Location"] == "/cases/"


# In a real browser, checked with axe-core


@pytest.mark.browser
def test_a_clerk_takes_in_a_request_in_a_browser_and_every_page_is_accessible(
    live_server, transactional_db, clerk, supervisor, tmp_path
):
    # The people exist before the browser starts: Playwright's event loop in this thread
    # makes Django refuse database calls from here on. The helpers are the explorer's.
    from playwright.sync_api import expect, sync_playwright

    from web.test_browser import CHROMIUM, CHROMIUM_ARGS, _assert_accessible, _screenshot

    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (make browser installs it)")
    warrant = tmp_path / "i-200.pdf"
    warrant.write_bytes(make_pdf(I200_LINES))

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(
            bypass_csp=True, base_url=live_server.url, viewport={"width": 1280, "height": 900}
        )
        context.set_default_timeout(15_000)
        page = context.new_page()

        page.goto("/cases/new/")
        page.get_by_label("Username").fill("clerk")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", name="New request")).to_be_visible()
        _assert_accessible(page, "the intake form")

        page.get_by_label(re.compile(r"^How it arrived")).select_option("email")
        page.get_by_role("button", name="Record and decide").click()
        expect(page.get_by_role("link", name="requester.organization: is required")).to_be_visible()
        _screenshot(page, "cases-intake-errors")
        _assert_accessible(page, "the intake form showing errors")

        page.get_by_label(re.compile(r"^Organization")).fill(ICE["requester_organization"])
        page.get_by_label("Component").fill("ERO")
        page.get_by_label("Level of government").select_option("federal")
        page.get_by_label("Person's name").fill("Juan Doe")
        page.locator("label.usa-checkbox__label").filter(has_text=re.compile("^Address$")).click()
        page.get_by_label("Purpose, as the requester stated it").fill("Warrant attached.")
        page.get_by_label("Upload the documents as PDFs").set_input_files(str(warrant))
        page.get_by_role("button", name="Record and decide").click()

        expect(page.get_by_role("heading", name=re.compile(r"^Request R-"))).to_be_visible()
        expect(page.get_by_text("is recorded and decided: to refuse")).to_be_visible()
        expect(page.get_by_role("link", name="i-200.pdf")).to_be_visible()
        _screenshot(page, "cases-case")
        _assert_accessible(page, "the case page")

        page.get_by_role("link", name=re.compile(r"^Entry 2")).click()
        expect(page.get_by_role("heading", name="Verified")).to_be_visible()
        _screenshot(page, "cases-proof")
        _assert_accessible(page, "the proof page")

        page.get_by_role("link", name="Work queue").first.click()
        expect(page.get_by_role("heading", name="Work queue")).to_be_visible()
        _screenshot(page, "cases-queue")
        _assert_accessible(page, "the work queue")

        page.set_viewport_size({"width": 400, "height": 800})
        expect(page.get_by_role("link", name="New request")).to_be_visible()
        _screenshot(page, "cases-queue-narrow")
        context.close()
        browser.close()
