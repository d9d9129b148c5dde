"""The reports to the Governor's office through their pages: the privacy officer builds a
quarter's report (a background job), the attester reads it in full and attests it, or
sends it with its exceptions listed, and the bundle downloaded from the page is accepted
by the recipient's own checks (contract/REPORTS.md).

The quarter is lived through the interfaces people use: requests arrive through the API
on their day, the staff release or refuse them on theirs, and the report is built after
the quarter ended. Who may do what is the matrix at the end; adding a page without its row
fails `test_every_report_page_has_its_row`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
import tarfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp import models as totp_models
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.conftest import VERIFY, Clock, code_for, sign_in
from custodiet.accounts.models import Agency, ApiToken, Role
from custodiet.cases import actions as case_actions
from custodiet.cases.models import Case
from custodiet.jobs.models import Job, State
from custodiet.ledger import store
from custodiet.ledger.models import Entry
from custodiet.merkle.cosignature import WitnessVerifier
from custodiet.merkle.note import Verifier
from custodiet.reports import actions as report_actions
from custodiet.reports import oversight, report_urls
from custodiet.reports.bundle import report_text
from custodiet.reports.bundle_files import FILES
from custodiet.reports.models import Attestation, Report
from ledger.witnessing import running_witness
from web.test_browser import (  # noqa: F401
    _assert_all_accessible,
    _csp_contexts,
    _csp_violations,
    _screenshot,
    _sign_in,
    browser,
)

from . import pages
from .conftest import DENVER, ICE_NO_PROCESS, ROBBERY, contract

pytestmark = pytest.mark.django_db

REQUESTS = "/api/v1/requests"
ATTESTER = {"name": "Example Attester", "title": "Designated attester", "read_in_full": "on"}
# A federal criminal investigator of an immigration agency: counsel reviews it, may release
# it, and a release without court-issued process is an exception to the attestation.
HSI = {
    "channel": "email",
    "receiving_agency": "CO-DOR-DMV",
    "records_requested": ["address"],
    "requester": {
        "name": "Special Agent",
        "organization": "Homeland Security Investigations",
        "component": "HSI",
        "level": "federal",
    },
    "purpose": "Human trafficking investigation",
    "purpose_category": "criminal_investigation",
    "criminal_investigation": {"case_number": "HSI-25-0042", "offense": "human trafficking"},
}


class Now:
    """The time the code reads (`django.utils.timezone.now`), moved on by the test."""

    def __init__(self, local: str) -> None:
        self.to(local)

    def to(self, local: str) -> None:
        self.at = dt.datetime.fromisoformat(local).replace(tzinfo=DENVER)

    def __call__(self) -> dt.datetime:
        return self.at.astimezone(dt.UTC)


@pytest.fixture
def frozen_now(monkeypatch) -> Now:
    """Replaces the folder's frozen May 2025: here the quarter is lived, then reported on
    the Monday after it ended."""
    now = Now("2025-10-06T09:00")
    monkeypatch.setattr(timezone, "now", now)
    return now


@pytest.fixture(autouse=True)
def log_key(settings, tmp_path: Path) -> None:
    """The agency's log key, made as the README says."""
    settings.CUSTODIET_LOG_KEY_FILE = tmp_path / "keys" / "log.key"
    call_command("ledger", "keygen", stdout=io.StringIO(), stderr=io.StringIO())


@dataclass(frozen=True)
class Quarter:
    received: list[str]  # the quarter's requests, in the order received
    exception: str | None  # the release that is an exception, if any
    later: str  # received on the first night of the next quarter


class Staff:
    """The agency's people who live the quarter, and its partner system's token."""

    def __init__(self, agency: Agency, person: Callable[..., Any]) -> None:
        self.clerk = person("desk_clerk", Role.CLERK, agency)
        self.supervisor = person("duty_supervisor", Role.SUPERVISOR, agency)
        self.counsel = person("agency_counsel", Role.COUNSEL, agency)
        self.token = ApiToken.issue(person("portal", Role.PARTNER, agency), "portal")[1]

    def submit(self, now: Now, received: str, base: dict[str, Any], **changes: Any) -> str:
        """The partner system forwards a request a few minutes after it arrived."""
        now.to(received)
        now.at += dt.timedelta(minutes=5)
        response = Client().post(
            REQUESTS,
            data=json.dumps(contract(received, base, changes)),
            content_type="application/json",
            headers={"Authorization": f"Bearer {self.token}"},
        )
        assert response.status_code == 201, response.content
        return response.json()["id"]


def _case(public_id: str) -> Case:
    return Case.objects.get(request__public_id=public_id)


def live_quarter(now: Now, agency: Agency, person, *, exception: bool) -> Quarter:
    """Q3 2025 at the DMV: a robbery request released in July, an ICE removal request
    refused in August, (with `exception`) an HSI request counsel let go out in August, one
    still waiting at 23:30 on 30 September, and one received the next night, in Q4."""
    staff = Staff(agency, person)
    robbery = staff.submit(now, "2025-07-02T09:00", ROBBERY)
    now.to("2025-07-02T11:00")
    case_actions.approve(_case(robbery), by=staff.supervisor)
    now.to("2025-07-03T10:00")
    case_actions.release(_case(robbery), by=staff.clerk)
    ice = staff.submit(now, "2025-08-14T16:00", ICE_NO_PROCESS)
    now.to("2025-08-15T09:00")
    case_actions.refuse(_case(ice), by=staff.clerk)
    received = [robbery, ice]
    excepted = None
    if exception:
        excepted = staff.submit(now, "2025-08-20T10:00", HSI)
        now.to("2025-08-21T09:00")
        case_actions.counsel_decide(
            _case(excepted), by=staff.counsel, release=True, reason="A criminal case, not removal"
        )
        now.to("2025-08-21T11:00")
        case_actions.approve(_case(excepted), by=staff.supervisor)
        now.to("2025-08-22T10:00")
        case_actions.release(_case(excepted), by=staff.clerk)
        received.append(excepted)
    received.append(staff.submit(now, "2025-09-30T23:30", ROBBERY, channel="phone"))
    later = staff.submit(now, "2025-10-01T00:30", ROBBERY)
    now.to("2025-10-06T09:00")
    return Quarter(received, excepted, later)


@pytest.fixture
def quarter(frozen_now, agency, person) -> Quarter:
    return live_quarter(frozen_now, agency, person, exception=False)


@pytest.fixture
def quarter_with_exception(frozen_now, agency, person) -> Quarter:
    return live_quarter(frozen_now, agency, person, exception=True)


@pytest.fixture
def officer(privacy_officer, signed_in) -> Client:
    return signed_in(privacy_officer)


@pytest.fixture
def attester(person, agency):
    return person("attester", Role.ATTESTER, agency)


@pytest.fixture
def attester_client(attester, signed_in) -> Client:
    return signed_in(attester)


@dataclass(frozen=True)
class Built:
    job: Job
    report: Report
    witness: WitnessVerifier  # the key of the witness that cosigned its checkpoint


def build_on_the_page(officer: Client, label: str, folder: Path, settings) -> Built:
    """The privacy officer asks for the build; the job runs as its process would run it,
    the checkpoint cosigned by the Governor's office's witness the deployment names."""
    response = officer.post(reverse("report-build"), {"period": label})
    job = Job.objects.latest("id")
    assert response.status_code == 302
    assert response["Location"] == reverse("job", args=[job.pk])
    assert (job.kind, job.state, job.args["period"]) == ("report-build", State.QUEUED, label)
    with running_witness(folder, store.signer().verifier.vkey) as governor:
        settings.CUSTODIET_WITNESS_URLS = [governor.url]
        settings.CUSTODIET_WITNESS_KEYS = [governor.key.verifier.vkey]
        call_command("job", "run", str(job.pk), stdout=io.StringIO())
    job.refresh_from_db()
    assert job.state == State.DONE, job.error
    return Built(job, Report.objects.get(pk=job.result["report"]), governor.key.verifier)


@pytest.fixture
def built(quarter, officer, tmp_path, settings) -> Built:
    return build_on_the_page(officer, "2025-Q3", tmp_path, settings)


def _attest(client: Client, report: Report, **changes: str | None):
    data = {key: value for key, value in {**ATTESTER, **changes}.items() if value is not None}
    return client.post(reverse("report-attest", args=[report.pk]), data)


def _leaves(kind: str) -> list[dict[str, Any]]:
    """The ledger's leaves of this kind, as the recipient reads them."""
    found = [json.loads(bytes(entry.data)) for entry in Entry.objects.order_by("index")]
    return [leaf for leaf in found if leaf["kind"] == kind]


def _closed(response) -> None:
    """Close a download's file. Not `response.close()`: that sends request_finished, whose
    handler closes a PostgreSQL connection held in the test's transaction."""
    for close in response._resource_closers:
        close()
    response._resource_closers.clear()


def _downloaded(response) -> bytes:
    body = b"".join(response.streaming_content)
    _closed(response)
    return body


def _received(response, folder: Path, witness: WitnessVerifier) -> dict[str, oversight.Check]:
    """The Governor's office's checks of the downloaded archive, with the agency's log key
    and the witness key it holds from before."""
    archive = folder / "received.tar.gz"
    archive.write_bytes(_downloaded(response))
    bundle = oversight.unpack(archive, folder / "received")
    log_key = Verifier.from_vkey(store.signer().verifier.vkey)
    return {c.name: c for c in oversight.verify(bundle, log_key, None, [witness])}


def _section(response, heading_id: str) -> str:
    page = pages.html(response)
    start = page.index(f'id="{heading_id}"')
    return page[start : page.index("</table>", start)]


def record_ids(response) -> list[str]:
    """The request ids of the written record's rows, in order."""
    return re.findall(r'<tr><th scope="row">(R-[^<]+)</th>', _section(response, "record-heading"))


def count_table(response, caption: str) -> dict[str, int]:
    page = pages.html(response)
    start = page.index(f"<caption>{caption}</caption>")
    table = page[start : page.index("</table>", start)]
    rows = re.findall(r'<th scope="row">([^<]+)</th><td class="text-right">(\d+)</td>', table)
    return {key: int(n) for key, n in rows}


def _exception_rows(response) -> list[list[str]]:
    table = _section(response, "exceptions-heading")
    body = table[table.index("<tbody>") :]
    return [re.findall(r"<td>([^<]*)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", body)]


# Building -------------------------------------------------------------------------------


def test_the_privacy_officer_builds_the_quarter_on_its_page(
    built, quarter, officer, attester_client
):
    report = built.report
    assert (report.period, report.requests, report.exceptions) == ("2025-Q3", 3, 0)
    assert report.witnessed
    assert report.built_by.get_username() == "privacy_officer"
    built_leaf = _leaves("report.built")[-1]
    assert built_leaf["payload"]["report"]["sha256"] == report.sha256

    page = officer.get(reverse("job", args=[built.job.pk]))
    assert page.status_code == 200
    html = pages.html(page)
    assert "<h1>Build the report for the Governor&#x27;s office</h1>" in html
    assert re.search(r'<div class="usa-alert usa-alert--success" data-job="finished">', html)
    assert "Finished" in pages.text(page)
    assert (
        f"2025-Q3: 3 reportable requests, 0 exception(s), log size {report.log_size}."
        in pages.text(page)
    )
    assert "carries no witness" not in pages.text(page)
    assert f'href="{reverse("reports")}"' in html
    status = officer.get(reverse("job-status", args=[built.job.pk])).json()
    assert (status["state"], status["finished"]) == ("done", True)

    listing = officer.get(reverse("reports"))
    assert listing.status_code == 200
    row = re.search(
        r"<tr>\s*<th scope=\"row\" data-label=\"Period\">.*?</tr>", pages.html(listing), re.S
    )
    assert row is not None
    assert f'href="{reverse("report", args=[report.pk])}">2025-Q3</a>' in row.group(0)
    assert "Waiting for the attester" in row.group(0)
    assert "Build again" in row.group(0)

    waiting = attester_client.get(reverse("reports"))
    assert "Waiting for your attestation" in pages.text(waiting)
    assert "2025-Q3 : 3 requests, 0 exceptions" in pages.text(waiting)
    assert 'name="period"' not in pages.html(waiting), "the attester builds nothing"


@pytest.mark.parametrize(
    ("label", "why"),
    [
        ("2025-Q4", "the quarter is still running"),
        ("2026-Q1", "the quarter has not begun"),
        ("2025", "the year (asked for from 2025) has not ended"),
        ("2021-Q4", "no reporting duty asks for it"),
        ("2024", "no reporting duty asks for a year before 2025"),
        ("2025-Q5", "not a period"),
        ("", "no period"),
    ],
)
def test_a_period_not_asked_for_or_not_ended_is_refused_and_starts_nothing(
    quarter, officer, label, why
):
    response = officer.post(reverse("report-build"), {"period": label})
    assert response.status_code == 403, why
    assert "is not a period the law asks for that has ended" in pages.text(response)
    assert not Job.objects.exists()
    assert not Report.objects.exists()


def test_a_second_build_while_one_waits_follows_the_same_job(quarter, officer, privacy_officer):
    first = officer.post(reverse("report-build"), {"period": "2025-Q3"})
    again = officer.post(reverse("report-build"), {"period": "2025-Q3"})
    job = Job.objects.get()
    assert first["Location"] == again["Location"] == reverse("job", args=[job.pk])
    listing = officer.get(reverse("reports"))
    assert f'<a href="{reverse("job", args=[job.pk])}">Being built</a>' in pages.html(listing)
    # Another period is another job.
    other = officer.post(reverse("report-build"), {"period": "2025-Q2"})
    assert Job.objects.count() == 2
    assert other["Location"] != first["Location"]


def test_a_build_the_witness_cannot_cosign_fails_on_its_page_and_records_nothing(
    quarter, officer, settings
):
    officer.post(reverse("report-build"), {"period": "2025-Q3"})
    job = Job.objects.get()
    entries = store.size()
    settings.CUSTODIET_WITNESS_URLS = ["http://127.0.0.1:9"]  # nothing listens there
    with pytest.raises(CommandError, match=f"job {job.pk} failed: ReportError: the witness"):
        call_command("job", "run", str(job.pk), stdout=io.StringIO())
    page = officer.get(reverse("job", args=[job.pk]))
    html = pages.html(page)
    assert re.search(r'<div class="usa-alert usa-alert--error" data-job="failed">', html)
    assert "the witness refused the checkpoint: http://127.0.0.1:9: cannot reach" in html
    assert not Report.objects.exists()
    assert store.size() == entries
    listing = officer.get(reverse("reports"))
    assert "Being built" not in pages.text(listing)
    assert re.search(r'value="2025-Q3">\s*<button[^>]*>Build<span', pages.html(listing)), (
        "it can be built again"
    )


def test_the_build_page_takes_a_post_only(quarter, officer):
    assert officer.get(reverse("report-build"), {"period": "2025-Q3"}).status_code == 405
    assert not Job.objects.exists()


# Reading and attesting ------------------------------------------------------------------


def test_the_attester_reads_the_whole_report_attests_it_and_the_office_accepts_the_bundle(
    built, quarter, attester_client, tmp_path
):
    report = built.report
    as_built = (Path(report.directory) / "report.json").read_bytes()
    assert hashlib.sha256(as_built).hexdigest() == report.sha256

    page = attester_client.get(reverse("report", args=[report.pk]))
    assert page.status_code == 200
    assert sorted(record_ids(page)) == sorted(quarter.received)
    assert quarter.later not in pages.html(page)
    assert pages.counts(page) == {"Released": 1, "Refused": 1, "Pending": 1, "Withdrawn": 0}
    assert count_table(page, "Immigration-related") == {"Yes": 1, "No": 2}
    assert count_table(page, "By channel") == {"Email": 2, "Telephone": 1}
    text = pages.text(page)
    assert "3 reportable requests received in the period" in text
    assert "Exceptions None: every release of the period was allowed" in text
    assert report.sha256 in text
    assert "not cosigned by a witness" not in text
    assert '<button class="usa-button margin-top-3" type="submit">Attest</button>' in pages.html(
        page
    )
    assert 'name="code"' not in pages.html(page), "no second factor is required here"
    assert "Download the bundle" not in text

    response = _attest(attester_client, report)
    assert response.status_code == 302
    assert response["Location"] == reverse("report", args=[report.pk])
    attestation = Attestation.objects.get(report=report)
    assert (attestation.kind, attestation.name, attestation.title) == (
        Attestation.Kind.ATTESTED,
        "Example Attester",
        "Designated attester",
    )
    (leaf,) = _leaves("report.attested")
    assert leaf["payload"]["report"] == {
        "agency": "CO-DOR-DMV",
        "period": "2025-Q3",
        "sha256": hashlib.sha256(as_built).hexdigest(),
        "log_size": report.log_size,
        "exceptions": 0,
        "statement": oversight.STATEMENT,
    }
    sent = json.loads((Path(report.directory) / "report.json").read_text())
    assert sent["attestation"]["name"] == "Example Attester"
    assert sent["attestation"]["title"] == "Designated attester"
    assert sent["attestation"]["report_sha256"] == report.sha256
    assert report_text({**sent, "attestation": None}).encode() == as_built

    after = attester_client.get(response["Location"])
    text = pages.text(after)
    assert "attested, and recorded in the ledger" in text
    assert f"“{oversight.STATEMENT}” Example Attester, Designated attester" in text
    assert 'action="/reports/' not in pages.html(after), "no second attest form"
    download = attester_client.get(reverse("report-bundle", args=[report.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/gzip"
    assert download["Content-Disposition"].endswith('filename="report-CO-DOR-DMV-2025-Q3.tar.gz"')
    checks = _received(download, tmp_path, built.witness)
    assert {name: check.ok for name, check in checks.items()} == dict.fromkeys(
        ("signature", "witness", "log", "leaves", "counts", "record", "attestation"), True
    ), {name: check.detail for name, check in checks.items()}
    assert "attested by Example Attester, Designated attester" in checks["attestation"].detail

    listing = attester_client.get(reverse("reports"))
    assert "Waiting for your attestation" not in pages.text(listing)
    assert '<span class="usa-tag bg-green">Attested</span>' in pages.html(listing)


def test_the_privacy_officer_reads_the_report_and_its_files_but_gets_no_form(built, officer):
    report = built.report
    page = officer.get(reverse("report", args=[report.pk]))
    assert page.status_code == 200
    assert len(record_ids(page)) == 3
    assert "report-attest" not in pages.html(page)
    assert 'name="read_in_full"' not in pages.html(page)
    pdf = officer.get(reverse("report-pdf", args=[report.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    assert _downloaded(pdf).startswith(b"%PDF-")
    record = officer.get(reverse("report-record", args=[report.pk]))
    assert record["Content-Disposition"].endswith('filename="record-CO-DOR-DMV-2025-Q3.xlsx"')
    assert _downloaded(record).startswith(b"PK")


def test_without_reading_it_in_full_nothing_is_recorded(built, attester_client):
    entries = store.size()
    response = _attest(attester_client, built.report, read_in_full=None)
    assert response.status_code == 200
    text = pages.text(response)
    assert "Nothing was recorded" in text
    assert (
        "I have read this report in full: its counts, its written record and its exceptions: "
        "This field is required." in text
    )
    assert 'href="#id_read_in_full"' in pages.html(response)
    assert "<title>Error ·" in pages.html(response)
    assert not Attestation.objects.exists()
    assert store.size() == entries


@pytest.mark.parametrize("field", ["name", "title"])
def test_the_attestation_names_who_attests_and_their_title(built, attester_client, field):
    entries = store.size()
    response = _attest(attester_client, built.report, **{field: "   "})
    assert response.status_code == 200
    assert "Nothing was recorded" in pages.text(response)
    assert not Attestation.objects.exists()
    assert store.size() == entries


def test_a_report_is_attested_once(built, attester_client, person, agency, signed_in):
    assert _attest(attester_client, built.report).status_code == 302
    entries = store.size()
    # The form is gone, but a second post (an old tab, a second attester) is refused.
    second = signed_in(person("second_attester", Role.ATTESTER, agency))
    response = _attest(second, built.report, name="Another Example")
    assert response.status_code == 200
    assert "2025-Q3 was attested or sent already" in pages.text(response)
    assert Attestation.objects.get().name == "Example Attester"
    assert store.size() == entries
    assert len(_leaves("report.attested")) == 1


def test_the_privacy_officer_cannot_attest(built, officer):
    entries = store.size()
    response = _attest(officer, built.report)
    assert response.status_code == 403
    assert "may not do this" in pages.text(response)
    assert not Attestation.objects.exists()
    assert store.size() == entries


def test_the_bundle_is_not_sent_before_it_is_attested(built, officer, attester_client):
    for client in (officer, attester_client):
        response = client.get(reverse("report-bundle", args=[built.report.pk]))
        assert response.status_code == 403
        assert (
            "the report is sent once its attester has attested it" in pages.text(response).lower()
        )
    assert not (Path(built.report.directory) / "bundle.tar.gz").exists()


@pytest.fixture
def totp_clock(monkeypatch) -> Clock:
    clock = Clock(1_800_000_000.0)  # the start of a 30-second step
    monkeypatch.setattr(totp_models, "time", clock)
    return clock


def test_with_two_factor_required_the_attester_gives_a_current_code(
    built, attester, password, settings, totp_clock
):
    settings.CUSTODIET_REQUIRE_2FA = True
    device = TOTPDevice.objects.create(user=attester, name="Authenticator app", confirmed=True)
    client = Client()
    assert sign_in(client, "attester", password).status_code == 302
    url = reverse("report", args=[built.report.pk])
    assert client.get(url)["Location"].startswith(VERIFY)
    signed_in_with = code_for(device, totp_clock.now)
    client.post(VERIFY, {"code": signed_in_with})

    page = client.get(url)
    assert page.status_code == 200
    assert 'name="code"' in pages.html(page)
    assert 'autocomplete="one-time-code"' in pages.html(page)
    entries = store.size()

    # The code that opened the session does not attest too: the attester types a new one.
    replayed = _attest(client, built.report, code=signed_in_with)
    assert "That code did not match" in pages.text(replayed)
    totp_clock.tick(30)
    missing = _attest(client, built.report)
    assert "A code from your authenticator app: This field is required." in pages.text(missing)
    wrong = f"{(int(code_for(device, totp_clock.now)) + 1) % 1_000_000:06d}"
    response = _attest(client, built.report, code=wrong)
    assert response.status_code == 200
    # Refused as wrong, or (django-otp's wait after the replayed code counts real seconds)
    # as too soon after a wrong one: either way, with what to do.
    said = pages.text(response)
    assert "That code did not match" in said or "Too many wrong codes: wait until" in said
    assert not Attestation.objects.exists()
    assert store.size() == entries

    # django-otp makes a person wait after a wrong code; an hour later the right one passes.
    device.refresh_from_db()
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=device.throttling_failure_timestamp - dt.timedelta(hours=1)
    )
    response = _attest(client, built.report, code=code_for(device, totp_clock.now))
    assert response.status_code == 302
    assert Attestation.objects.get().kind == Attestation.Kind.ATTESTED
    assert len(_leaves("report.attested")) == 1


def _built_with_the_command(folder: Path) -> Report:
    call_command(
        "report",
        "build",
        "--period",
        "2025-Q3",
        "--agency",
        "CO-DOR-DMV",
        "--out",
        str(folder),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    return Report.objects.latest("id")


def test_a_build_the_period_was_built_again_since_cannot_be_attested(
    quarter, attester_client, tmp_path
):
    # An old tab of the first build: the newer one may list an exception the first lacks.
    older = _built_with_the_command(tmp_path / "first")
    newer = _built_with_the_command(tmp_path / "second")
    entries = store.size()

    page = attester_client.get(reverse("report", args=[older.pk]))
    assert 'name="read_in_full"' not in pages.html(page)
    assert "2025-Q3 was built again since" in pages.text(page)
    response = _attest(attester_client, older)
    assert response.status_code == 200
    assert "2025-Q3 was built again since: attest its latest build" in pages.text(response)
    assert not Attestation.objects.exists()
    assert store.size() == entries

    assert _attest(attester_client, newer).status_code == 302
    assert Attestation.objects.get().report == newer


def test_a_report_whose_file_is_not_the_one_built_cannot_be_attested(report, attester_client):
    # What the page shows the attester is read from the folder: it must be what the
    # attestation names.
    path = Path(report.directory) / "report.json"
    content = json.loads(path.read_text(encoding="utf-8"))
    content["counts"]["requests"] += 1
    path.write_text(report_text(content), encoding="utf-8")
    entries = store.size()

    response = _attest(attester_client, report)

    assert response.status_code == 200
    assert "report.json in its folder is not the report as built" in pages.text(response)
    assert not Attestation.objects.exists()
    assert store.size() == entries


def test_the_bundle_is_not_written_again_from_a_report_json_changed_since(
    report, attester, officer
):
    report_actions.attest(report, by=attester, name="Example Attester", title="Attester")
    folder = Path(report.directory)
    (folder / "bundle.tar.gz").unlink()  # the process stopped before it was written
    content = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    content["counts"]["requests"] += 1
    (folder / "report.json").write_text(report_text(content), encoding="utf-8")

    response = officer.get(reverse("report-bundle", args=[report.pk]))

    assert response.status_code == 403
    assert "is not the report as built" in pages.text(response)
    assert not (folder / "bundle.tar.gz").exists()


def test_two_writers_of_the_sent_bundle_at_once_each_write_it_whole(report, attester, monkeypatch):
    attestation = report_actions.attest(
        report, by=attester, name="Example Attester", title="Attester"
    )
    folder = Path(report.directory)
    (folder / "bundle.tar.gz").unlink()
    real_add = tarfile.TarFile.add
    interrupted: list[str] = []

    def add(self: tarfile.TarFile, name: Any, *args: Any, **kwargs: Any) -> None:
        if not interrupted:
            # A second download writes the archive while the first is packing it.
            interrupted.append(str(name))
            report_actions.write_files(attestation)
        real_add(self, name, *args, **kwargs)

    monkeypatch.setattr(tarfile.TarFile, "add", add)
    report_actions.write_files(attestation)

    assert interrupted
    with tarfile.open(folder / "bundle.tar.gz", "r:gz") as tar:
        assert sorted(tar.getnames()) == sorted(FILES)
    assert not [p.name for p in folder.iterdir() if p.name.endswith(".partial")]


# A report with an exception ---------------------------------------------------------------


def test_a_report_with_an_exception_is_sent_with_it_listed_not_attested(
    quarter_with_exception, officer, attester_client, tmp_path, settings
):
    built = build_on_the_page(officer, "2025-Q3", tmp_path, settings)
    report = built.report
    assert (report.requests, report.exceptions) == (4, 1)
    as_built = (Path(report.directory) / "report.json").read_bytes()

    page = attester_client.get(reverse("report", args=[report.pk]))
    assert sorted(record_ids(page)) == sorted(quarter_with_exception.received)
    assert pages.counts(page)["Released"] == 2
    (row,) = _exception_rows(page)
    assert row[1:] == [
        quarter_with_exception.exception,
        "immigration-related, released without court-issued process or a recorded legal "
        "requirement",
    ]
    html = pages.html(page)
    assert '<h2 id="attest-heading">Send it with its exceptions listed</h2>' in html
    assert (
        '<button class="usa-button margin-top-3" type="submit">Send with the exceptions listed</button>'
        in html
    )
    assert "By attesting you state" not in pages.text(page)

    response = _attest(attester_client, report)
    assert response.status_code == 302
    assert Attestation.objects.get().kind == Attestation.Kind.SENT_WITH_EXCEPTIONS
    assert _leaves("report.attested") == []
    (leaf,) = _leaves("report.sent_with_exceptions")
    assert leaf["payload"]["report"]["sha256"] == hashlib.sha256(as_built).hexdigest()
    assert leaf["payload"]["report"]["exceptions"] == 1
    assert "statement" not in leaf["payload"]["report"]
    sent = json.loads((Path(report.directory) / "report.json").read_text())
    assert sent["attestation"] is None
    assert [e["request"] for e in sent["exceptions"]] == [quarter_with_exception.exception]

    after = attester_client.get(response["Location"])
    assert "sent with its exceptions listed, and recorded in the ledger" in pages.text(after)
    assert "Sent with its exceptions listed" in pages.text(after)
    checks = _received(
        attester_client.get(reverse("report-bundle", args=[report.pk])), tmp_path, built.witness
    )
    assert all(check.ok for check in checks.values()), {
        name: check.detail for name, check in checks.items()
    }
    assert checks["attestation"].detail == "not attested; 1 exception(s) listed, as the leaves show"
    listing = attester_client.get(reverse("reports"))
    assert "Sent with exceptions" in pages.text(listing)


def test_a_report_with_an_exception_cannot_be_attested_by_any_path(
    quarter_with_exception, officer, attester, tmp_path, settings
):
    report = build_on_the_page(officer, "2025-Q3", tmp_path, settings).report
    with pytest.raises(report_actions.AttestError, match="cannot be attested"):
        report_actions.attest(report, by=attester, name="Example Attester", title="Attester")
    assert not Attestation.objects.exists()


# Who may do what -------------------------------------------------------------------------

ROLES = (
    "clerk",
    "supervisor",
    "counsel",
    "privacy_officer",
    "auditor",
    "administrator",
    "attester",
    "oversight",
    "partner",
    "unaffiliated",  # signed in, member of no agency
    "anonymous",
    "other_privacy_officer",  # of another agency
    "other_attester",  # of another agency
)
LOGIN = "sign in"
DONE = "done"  # a redirect: the job started, or the report attested
# fmt: off
#                clerk sup  couns priv  audit admin attes overs partn unaff anon   o-priv o-att
READ_LIST =     (403,  403, 403,  200,  403,  403,  200,  403,  403,  403,  LOGIN, 200,   200)
BUILD =         (403,  403, 403,  DONE, 403,  403,  403,  403,  403,  403,  LOGIN, DONE,  403)
READ_REPORT =   (403,  403, 403,  200,  403,  403,  200,  403,  403,  403,  LOGIN, 404,   404)
ATTEST =        (403,  403, 403,  403,  403,  403,  DONE, 403,  403,  403,  LOGIN, 403,   404)
# fmt: on
MATRIX = {
    "reports": READ_LIST,
    "report-build": BUILD,
    "report": READ_REPORT,
    "report-attest": ATTEST,
    "report-pdf": READ_REPORT,
    "report-record": READ_REPORT,
    "report-bundle": READ_REPORT,  # once the report is attested
}
POSTS = {"report-build", "report-attest"}
DOWNLOADS = {
    "report-pdf": "application/pdf",
    "report-record": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "report-bundle": "application/gzip",
}
CASES = [
    pytest.param(name, role, expected, id=f"{name}-{role}")
    for name, answers in MATRIX.items()
    for role, expected in zip(ROLES, answers, strict=True)
]


@pytest.fixture
def client_of(agency, other_agency, person, signed_in) -> Callable[[str], Client]:
    def client(role: str) -> Client:
        if role == "anonymous":
            return Client()
        if role == "unaffiliated":
            return signed_in(person(role, None))
        if role.startswith("other_"):
            return signed_in(person(role, role.removeprefix("other_"), other_agency))
        return signed_in(person(role, role, agency))

    return client


@pytest.fixture
def report(frozen_now, agency, person, tmp_path) -> Report:
    """Q3 2025 built with the command line, one request in it, waiting for the attester."""
    staff = Staff(agency, person)
    staff.submit(frozen_now, "2025-08-14T16:00", ICE_NO_PROCESS)
    frozen_now.to("2025-10-06T09:00")
    call_command(
        "report",
        "build",
        "--period",
        "2025-Q3",
        "--agency",
        agency.code,
        "--out",
        str(tmp_path / "report"),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    return Report.objects.get()


def test_every_report_page_has_its_row():
    assert {pattern.name for pattern in report_urls.urlpatterns} == set(MATRIX)


@pytest.mark.parametrize(("name", "role", "expected"), CASES)
def test_each_role_gets_its_answer(report, client_of, person, agency, name, role, expected):
    if name == "report-bundle":
        designated = person("designated_attester", Role.ATTESTER, agency)
        report_actions.attest(report, by=designated, name="Example Attester", title="Attester")
    url = reverse(name) if name in ("reports", "report-build") else reverse(name, args=[report.pk])
    client = client_of(role)
    if name in POSTS:
        data = {"period": "2025-Q3"} if name == "report-build" else ATTESTER
        response = client.post(url, data)
    else:
        response = client.get(url)
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(f"{reverse('login')}?next=")
        return
    if expected == DONE:
        assert response.status_code == 302
        if name == "report-build":
            job = Job.objects.get()
            assert response["Location"] == reverse("job", args=[job.pk])
            assert job.agency.code == ("CO-CDPS-CSP" if role.startswith("other_") else "CO-DOR-DMV")
        else:
            assert response["Location"] == reverse("report", args=[report.pk])
            assert Attestation.objects.get(report=report).by.get_username() == role
        return
    assert response.status_code == expected
    content = b"" if response.streaming else response.content
    _closed(response)
    if expected == 403:
        assert "Not allowed" in pages.text(response)
    if expected == 404:
        assert "There is no such report among your agency" in pages.text(response)
    if expected != 200 or name == "reports":
        # Nothing of the agency's report shows to whoever may not read it.
        assert pages.PUBLIC_ID.search(content.decode()) is None
    if expected == 200 and name == "report":
        assert len(record_ids(response)) == 1
    if expected == 200 and name in DOWNLOADS:
        assert response["Content-Type"] == DOWNLOADS[name]
    if name == "reports" and role.startswith("other_"):
        assert f'href="{reverse("report", args=[report.pk])}"' not in content.decode()
    if name == "report-attest":
        assert not Attestation.objects.exists()
    if name == "report-build":
        assert not Job.objects.exists()


# In a browser ------------------------------------------------------------------------------


@pytest.fixture
def witnessed_report(live_server, transactional_db, quarter, attester, privacy_officer, tmp_path):
    """The quarter built with the command line on a checkpoint the witness cosigned, before
    the browser starts: once Playwright's event loop runs, Django refuses database calls."""
    with running_witness(tmp_path, store.signer().verifier.vkey) as governor:
        call_command("ledger", "checkpoint", "--witness", governor.url, stdout=io.StringIO())
    call_command(
        "report",
        "build",
        "--period",
        "2025-Q3",
        "--agency",
        "CO-DOR-DMV",
        "--out",
        str(tmp_path / "report"),
        stdout=io.StringIO(),
    )
    return Report.objects.get()


@pytest.fixture
def contexts(witnessed_report, live_server, browser):  # noqa: F811
    with _csp_contexts(browser, live_server.url) as pair:
        yield pair


@pytest.mark.browser
def test_the_attester_reads_and_attests_in_a_browser(contexts, witnessed_report, password):
    from playwright.sync_api import expect

    enforced, with_axe = contexts
    report_url = reverse("report", args=[witnessed_report.pk])
    page = enforced.new_page()
    blocked = _csp_violations(page)
    _sign_in(page, "attester", password, "/reports/")
    expect(page.get_by_role("heading", name="Reports to the Governor's office")).to_be_visible()
    waiting = page.get_by_role("region", name="Waiting for you")
    expect(waiting).to_contain_text("2025-Q3: 3 requests, 0 exceptions")
    _screenshot(page, "reports-attester")
    waiting.get_by_role("link", name="2025-Q3").click()
    expect(page.get_by_role("heading", name="Report for 2025-Q3")).to_be_visible()
    expect(page.get_by_role("heading", name="The written record (3 requests)")).to_be_visible()
    _screenshot(page, "report-to-attest")
    _assert_all_accessible(
        with_axe(), [("/reports/", "the reports, for the attester"), (report_url, "a report")]
    )

    page.get_by_label("Your name, as it goes on the report").fill("Example Attester")
    page.get_by_label("Your title").fill("Designated attester")
    page.get_by_role("button", name="Attest", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Nothing was recorded")
    page.get_by_role("link", name=re.compile("^I have read this report in full")).click()
    _screenshot(page, "report-attest-error")
    # USWDS draws the box on the label and moves the input off screen: people click the label.
    page.locator("label.usa-checkbox__label[for=id_read_in_full]").click()
    expect(page.get_by_label("I have read this report in full")).to_be_checked()
    page.get_by_role("button", name="Attest", exact=True).click()
    expect(page.get_by_role("heading", name="Attested", exact=True)).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("attested, and recorded in the ledger")
    expect(page.get_by_role("link", name="Download the bundle to send (.tar.gz)")).to_be_visible()
    _screenshot(page, "report-attested")
    assert not blocked, "\n".join(blocked)
    _assert_all_accessible(
        with_axe(), [(report_url, "an attested report"), ("/reports/", "the reports, attested")]
    )


@pytest.mark.browser
def test_the_privacy_officers_reports_pages_are_accessible(contexts, witnessed_report, password):
    from playwright.sync_api import expect

    enforced, with_axe = contexts
    page = enforced.new_page()
    blocked = _csp_violations(page)
    _sign_in(page, "privacy_officer", password, "/reports/")
    row = page.get_by_role("row").filter(has_text="2025-Q3")
    expect(row).to_contain_text("Waiting for the attester")
    expect(row.get_by_role("button", name="Build again the report for 2025-Q3")).to_be_visible()
    _screenshot(page, "reports-privacy-officer")
    assert not blocked, "\n".join(blocked)
    report_url = reverse("report", args=[witnessed_report.pk])
    _assert_all_accessible(
        with_axe(), [("/reports/", "the reports to build"), (report_url, "a report, read only")]
    )
