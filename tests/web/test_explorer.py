"""The decision explorer and the rules-in-force page, exercised over HTTP as a browser would."""

from __future__ import annotations

import io
import json
import re
from html import unescape
from html.parser import HTMLParser
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen.canvas import Canvas

from custodiet import __version__
from custodiet.web.examples import all_examples

EXPLORER = "/explorer/"
POLICY = "/policy/"
OUTCOME_HEADINGS = {
    "refuse": "Refuse",
    "legal_review": "Counsel must review",
    "eligible": "Eligible for release once the obligations are met",
}

ROBBERY = {
    "received_date": "2023-06-21",
    "received_time": "08:30",
    "channel": "email",
    "receiving_agency": "CO-DOR-DMV",
    "requester_name": "Detective, Robbery Unit",
    "requester_organization": "Denver Police Department",
    "requester_level": "local",
    "records_requested": ["address", "photo"],
    "purpose": "Armed robbery investigation",
    "purpose_category": "criminal_investigation",
    "case_number": "DPD-2023-118204",
    "offense": "aggravated robbery",
}
I200_LINES = [
    "U.S. DEPARTMENT OF HOMELAND SECURITY",
    "WARRANT FOR ARREST OF ALIEN",
    "To: Any immigration officer authorized pursuant to sections 236 and 287",
    "of the Immigration and Nationality Act and part 287 of title 8, CFR.",
    "I have determined that there is probable cause to believe that the",
    "person named here is removable from the United States.",
    "(Signature of Authorized Immigration Officer)",
    "Supervisory Detention and Deportation Officer",
    "Form I-200 (Rev. 09/16)",
]
ICE_WITH_DOCUMENT = {
    "received_date": "2023-04-18",
    "channel": "email",
    "receiving_agency": "CO-DOR-DMV",
    "requester_name": "Deportation officer",
    "requester_organization": "U.S. Immigration and Customs Enforcement",
    "requester_component": "ERO",
    "requester_level": "federal",
    "records_requested": ["address"],
    "purpose": "Warrant attached.",
}


class _Page(HTMLParser):
    """The form controls of a page, read the way a browser submits them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.controls: dict[str, dict[str, str | None]] = {}
        self.values: dict[str, list[str]] = {}
        self._select: str | None = None
        self._first_option: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        name = attr.get("name")
        if tag == "input" and name:
            self.controls.setdefault(name, attr)
            kind = attr.get("type", "text")
            if kind in {"checkbox", "radio"}:
                if "checked" in attr:
                    self.values.setdefault(name, []).append(attr.get("value") or "on")
            elif kind not in {"file", "submit"}:
                self.values.setdefault(name, []).append(attr.get("value") or "")
        elif tag == "select" and name:
            self.controls[name] = attr
            self._select, self._first_option = name, None
        elif tag == "option" and self._select:
            value = attr.get("value") or ""
            if self._first_option is None:
                self._first_option = value
            if "selected" in attr:
                self.values[self._select] = [value]
        elif tag == "textarea" and name:
            self.controls[name] = attr
            self._textarea = name
            self.values[name] = [""]

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._select:
            self.values.setdefault(self._select, [self._first_option or ""])
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.values[self._textarea][0] += data

    def form_data(self) -> dict[str, list[str]]:
        # Browsers drop the newline that follows <textarea>, as Django writes it.
        return {
            name: [value.removeprefix("\r\n").removeprefix("\n") for value in values]
            for name, values in self.values.items()
        }


def _page(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def _decide(client: Client, data: dict) -> tuple[str, str]:
    """Submit the explorer form; return (the outcome heading or "", the page's text)."""
    response = client.post(EXPLORER, data)
    assert response.status_code == 200
    html = response.content.decode()
    found = re.search(r'id="decision-heading">([^<]+)<', html)
    return (found.group(1) if found else ""), html


def _pdf(lines: list[str], pages: int = 1) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=letter)
    for _ in range(pages):
        y = 720
        for line in lines:
            canvas.drawString(72, y, line)
            y -= 18
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


# Access


@pytest.mark.parametrize(
    "path",
    ["/", EXPLORER, f"{EXPLORER}?example=denver-pd-robbery", POLICY, f"{POLICY}?as_of=2020-08-01"],
)
def test_every_page_sends_an_anonymous_visitor_to_sign_in(client, db, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_deciding_needs_sign_in(client, db):
    response = client.post(EXPLORER, ROBBERY)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_the_home_page_leads_case_workers_to_their_queue_and_others_to_the_explorer(
    counsel_client, counsel, client, django_user_model
):
    from custodiet.accounts.models import Membership, Role

    response = counsel_client.get("/")
    assert (response.status_code, response["Location"]) == (302, "/cases/")
    auditor = django_user_model.objects.create_user(username="auditor")
    Membership.objects.create(user=auditor, agency=counsel.membership.agency, role=Role.AUDITOR)
    client.force_login(auditor)
    response = client.get("/")
    assert (response.status_code, response["Location"]) == (302, EXPLORER)


def test_the_health_check_answers_without_sign_in(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"].startswith("text/plain")


def test_a_post_without_a_csrf_token_is_forbidden(counsel):
    client = Client(enforce_csrf_checks=True)
    client.force_login(counsel)
    assert client.post(EXPLORER, ROBBERY).status_code == 403


def test_pages_carry_the_security_headers(counsel_client):
    responses = [counsel_client.get(EXPLORER), counsel_client.get(POLICY)]
    responses.append(Client().get("/accounts/login/"))
    for response in responses:
        assert response.status_code == 200
        assert "default-src 'self'" in response["Content-Security-Policy"]
        assert "script-src 'self'" in response["Content-Security-Policy"]
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"


def test_the_footer_shows_the_version(counsel_client, settings):
    settings.TEMPLATES = [
        {
            **settings.TEMPLATES[0],
            "OPTIONS": {
                "context_processors": [
                    *settings.TEMPLATES[0]["OPTIONS"]["context_processors"],
                    "custodiet.web.context_processors.version",
                ]
            },
        }
    ]
    assert f"Custodiet {__version__}." in counsel_client.get(EXPLORER).content.decode()


# Deciding


def test_the_blank_explorer_offers_the_form_and_the_examples(counsel_client):
    response = counsel_client.get(EXPLORER)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Nothing entered here is stored or logged" in html
    assert 'value="CO-DOR-DMV"' in html
    for example in all_examples():
        assert f"?example={example.slug}" in html
    assert 'id="decision-heading"' not in html


def test_it_refuses_ice_with_an_i200_and_says_what_the_document_is(counsel_client):
    heading, html = _decide(
        counsel_client, {**ICE_WITH_DOCUMENT, "process_text": "\n".join(I200_LINES)}
    )
    assert heading == "Refuse"
    assert "C.R.S. 24-74-103" in html
    assert "Administrative warrant, not issued by a court" in html
    assert "Inferred from the document" in html
    assert "Immigration-related" in html


def test_the_decision_names_documents_duties_and_records_in_words_not_codes(counsel_client):
    _, html = _decide(counsel_client, {**ICE_WITH_DOCUMENT, "process_text": "\n".join(I200_LINES)})
    decision = html[html.index('class="custodiet-decision') : html.index("</section>")]
    # The JSON and the table of facts, folded away, are for those who want the codes.
    shown = re.sub(r"<details.*?</details>", "", decision, flags=re.S)
    assert "Log the request" in shown
    for code in ("administrative_warrant", "log_request", "immigration_status"):
        assert code not in shown, code


def test_a_stated_kind_the_document_contradicts_is_overruled(counsel_client):
    heading, html = _decide(
        counsel_client,
        {**ICE_WITH_DOCUMENT, "process_kind": "judicial_warrant", "process_form": "I-200"},
    )
    assert heading == "Refuse"
    assert "Stated as judicial warrant; overruled by the document" in html


def test_a_denver_robbery_request_is_eligible_with_its_obligations(counsel_client):
    heading, html = _decide(counsel_client, ROBBERY)
    assert heading == "Eligible for release once the obligations are met"
    assert "Tell a supervisor" in html
    assert "Tell a supervisor before anything is released." in html
    assert "use_restriction_notice" in html
    assert "Immigration-related" not in html
    assert '"outcome": "eligible"' in unescape(html)  # the JSON, for `custodiet evaluate`


def test_it_withholds_immigration_status_whatever_the_outcome(counsel_client):
    heading, html = _decide(
        counsel_client, {**ROBBERY, "records_requested": ["address", "immigration_status"]}
    )
    assert heading.startswith("Eligible")
    assert 'Immigration status <span class="custodiet-citation">(C.R.S. 24-74-104)' in html


def test_a_decide_as_of_date_applies_the_rules_of_that_day(counsel_client):
    heading, html = _decide(counsel_client, {**ROBBERY, "as_of": "2020-08-01"})
    assert heading.startswith("Eligible")
    assert 'datetime="2020-08-01"' in html
    assert "co-guidance-criminal-investigation" in html


def test_pasted_json_is_decided_instead_of_the_fields(counsel_client):
    request = {
        "received_at": "2024-01-09",
        "requester": {"organization": "Example County Sheriff's Office", "level": "local"},
        "records_requested": ["address"],
        "purpose": "Address for the ICE hold",
    }
    # The fields describe an eligible robbery request; the JSON must win.
    heading, html = _decide(counsel_client, {**ROBBERY, "request_json": json.dumps(request)})
    assert heading == "Refuse"
    assert "Immigration-related" in html


def test_invalid_json_gets_a_clear_message_and_no_decision(counsel_client):
    heading, html = _decide(counsel_client, {"request_json": '{"received_at": "2024-01-09",'})
    assert heading == ""
    assert "Nothing was decided" in html
    assert "This is not valid JSON" in html
    assert "line 1, column" in html


def test_an_unknown_record_in_json_names_its_position(counsel_client):
    request = json.dumps(
        {
            "received_at": "2024-01-09",
            "requester": {"organization": "Denver Police Department"},
            "records_requested": ["favorite_color"],
        }
    )
    heading, html = _decide(counsel_client, {"request_json": request})
    assert heading == ""
    assert "records_requested[0]: &#x27;favorite_color&#x27; is not allowed" in html
    textarea = _page(html).controls["request_json"]
    assert textarea["aria-invalid"] == "true"
    assert "id_request_json_error" in textarea["aria-describedby"]


def test_a_missing_organization_names_the_field_and_marks_it(counsel_client):
    heading, html = _decide(counsel_client, {**ROBBERY, "requester_organization": ""})
    assert heading == ""
    assert '<a href="#id_requester_organization">requester.organization: is required</a>' in html
    field = _page(html).controls["requester_organization"]
    assert field["aria-invalid"] == "true"
    assert "usa-input--error" in field["class"]
    assert "id_requester_organization_error" in field["aria-describedby"]
    assert 'id="id_requester_organization_error"' in html
    group = html[: html.index('for="id_requester_organization"')].rsplit("<div", 1)[1]
    assert "usa-form-group--error" in group


def test_no_record_chosen_marks_the_checkbox_group(counsel_client):
    heading, html = _decide(counsel_client, {**ROBBERY, "records_requested": []})
    assert heading == ""
    assert "records_requested: name at least one record" in html
    assert 'aria-describedby="id_records_requested_error"' in html


def test_a_pdf_upload_of_an_i200_is_classified_as_an_administrative_warrant(counsel_client):
    upload = SimpleUploadedFile("warrant.pdf", _pdf(I200_LINES), content_type="application/pdf")
    heading, html = _decide(counsel_client, {**ICE_WITH_DOCUMENT, "process_file": upload})
    assert heading == "Refuse"
    assert "Administrative warrant, not issued by a court" in html
    # The text read from the file is shown in the box it replaced.
    assert "WARRANT FOR ARREST OF ALIEN" in _page(html).form_data()["process_text"][0]


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
        ("long.pdf", _pdf(["A page"], pages=51), "application/pdf", "too many pages"),
    ],
    ids=["not-pdf", "pdf-in-name-only", "too-large", "corrupt", "too-many-pages"],
)
def test_a_bad_upload_is_explained_on_its_field_and_decides_nothing(
    counsel_client, name, content, content_type, message
):
    upload = SimpleUploadedFile(name, content, content_type=content_type)
    heading, html = _decide(counsel_client, {**ICE_WITH_DOCUMENT, "process_file": upload})
    assert heading == ""
    error = re.search(r'id="id_process_file_error">(.+?)</span></span>', html, re.S)
    assert error, "the upload field shows no error"
    assert message in error.group(1)
    assert _page(html).controls["process_file"]["aria-invalid"] == "true"


# Examples


@pytest.mark.parametrize("example", all_examples(), ids=lambda example: example.slug)
def test_each_example_loads_into_the_form_and_decides_as_it_says(counsel_client, example):
    response = counsel_client.get(EXPLORER, {"example": example.slug})
    assert response.status_code == 200
    assert example.title in unescape(response.content.decode())
    heading, html = _decide(counsel_client, _page(response.content.decode()).form_data())
    assert heading == OUTCOME_HEADINGS[example.outcome], html[html.find("usa-alert") :][:2000]


def test_the_2020_example_is_refused_when_decided_under_todays_rules(counsel_client):
    page = counsel_client.get(EXPLORER, {"example": "guidance-2020-reentry-case"})
    data = _page(page.content.decode()).form_data()
    heading, html = _decide(counsel_client, {**data, "as_of": "2024-01-01"})
    assert heading == "Refuse"
    assert "co-74-103-immigration-enforcement" in html


def test_an_unknown_example_is_not_found(counsel_client):
    assert counsel_client.get(EXPLORER, {"example": "no-such-example"}).status_code == 404


def test_examples_hold_no_personal_details_of_anyone():
    for example in all_examples():
        assert "subjects" not in example.request
        assert example.request["requester"]["organization"]


# Rules in force


def test_the_policy_page_as_of_2020_shows_the_guidance_and_not_the_statute(counsel_client):
    response = counsel_client.get(POLICY, {"as_of": "2020-08-01"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "co-guidance-criminal-investigation" in html
    assert "co-guidance-civil-immigration" in html
    assert "co-74-" not in html
    assert "Governor&#x27;s guidance to executive agencies" in html


def test_the_policy_page_defaults_to_today_and_flags_unconfirmed_rules(counsel_client):
    html = counsel_client.get(POLICY).content.decode()
    assert "co-74-103-immigration-enforcement" in html
    assert "co-guidance-civil-immigration" not in html  # ended 2021-06-24
    assert "Unconfirmed: counsel to confirm" in html
    assert "immigration_purpose" in html  # the terms and their meaning
    assert "The purpose is federal immigration enforcement" in html


def test_before_the_guidance_only_the_federal_baseline_applies(counsel_client):
    html = counsel_client.get(POLICY, {"as_of": "2019-01-01"}).content.decode()
    assert "dppa-government-function" in html
    assert "co-guidance-" not in html


def test_a_bad_policy_date_is_explained_and_lists_nothing(counsel_client):
    response = counsel_client.get(POLICY, {"as_of": "2020-13-45"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_as_of_error"' in html
    assert "rule-co-" not in html


# The demo accounts


def test_demo_makes_accounts_with_fresh_passwords_that_sign_in(
    client, db, django_user_model, settings, tmp_path
):
    # The demo's keys and its Governor's office live beside the log key: here, not in the
    # project's folder.
    settings.CUSTODIET_LOG_KEY_FILE = tmp_path / "log.key"

    def run() -> dict[str, str]:
        out = StringIO()
        call_command("demo", "--requests", "0", stdout=out, stderr=StringIO())
        assert "http://127.0.0.1:8000/" in out.getvalue()
        return dict(re.findall(r"^\s+([\w-]+)\s+password (\S+)", out.getvalue(), re.M))

    first, second = run(), run()
    assert set(second) == {
        "clerk",
        "supervisor",
        "counsel",
        "privacy",
        "auditor",
        "admin",
        "attester",
        "partner-csp",
        "governor",
    }
    assert django_user_model.objects.filter(username__in=list(second)).count() == 9
    assert first["counsel"] != second["counsel"]
    stale = client.post("/accounts/login/", {"username": "counsel", "password": first["counsel"]})
    assert stale.status_code == 200  # the form again, with its error: the old password is dead
    assert "_auth_user_id" not in client.session
    response = client.post(
        "/accounts/login/", {"username": "counsel", "password": second["counsel"]}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/cases/"  # counsel starts at the work queue


@pytest.mark.parametrize("page", ["/explorer/", "/policy/"])
def test_a_partner_system_or_a_person_of_no_agency_may_not_use_the_staff_pages(
    page, client, counsel, django_user_model
):
    from custodiet.accounts.models import Membership, Role

    partner = django_user_model.objects.create_user(username="partner-system")
    Membership.objects.create(user=partner, agency=counsel.membership.agency, role=Role.PARTNER)
    client.force_login(partner)
    assert client.get(page).status_code == 403
    client.force_login(django_user_model.objects.create_user(username="no-agency"))
    assert client.get(page).status_code == 403
    client.force_login(counsel)
    assert client.get(page).status_code == 200


def test_one_request_compared_under_two_packs_side_by_side(counsel_client):
    # A magistrate judge's warrant from ICE: New York refuses it (no Article III judge) and
    # tells the person; Colorado sends it to counsel (court-issued process) and tells no one.
    request = json.loads(
        (
            __import__("pathlib").Path(__file__).resolve().parents[2]
            / "examples"
            / "request-ny.json"
        ).read_text()
    )
    heading, html = _decide(
        counsel_client, {"request_json": json.dumps(request), "compare_with": "us-ny"}
    )
    assert heading == OUTCOME_HEADINGS["legal_review"]  # the deployment's own pack: Colorado
    text = unescape(re.sub(r"<[^>]+>", " ", html))
    table = " ".join(text[text.index("The same request under two packs") :].split())
    assert "Colorado (us-co" in table and "New York (us-ny" in table
    assert "Refuse" in table and "Counsel must review" in table
    assert "N.Y. Veh. & Traf. Law 201(12)(a)" in table
    assert "by March 9, 2026" in table  # New York's three days from 6 March
    assert "Tell the person No Yes, within 3 days" in table


def test_comparing_with_an_unknown_pack_is_refused_naming_the_field(counsel_client):
    response = counsel_client.post(EXPLORER, {**ROBBERY, "compare_with": "us-zz"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "id_compare_with_error" in html
    assert "The same request under two packs" not in html
