"""A bundle sent to the Governor's office on its page: built by the agency for real
(`custodiet.reports.actions`, witnessed by a running witness, attested), uploaded over
HTTP, checked by the background job's own function, and accepted or refused with every
attempt recorded.

The job runs here in the test's process (`custodiet.jobs.launch.run`), as `custodiet job
run ID` runs it in its own: the upload only records it, and its process would be started
once the request's transaction commits.
"""

from __future__ import annotations

import gzip
import io
import tarfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from api.conftest import Api, detective_request, ice_request, make_member
from custodiet.accounts.models import ApiToken, Role
from custodiet.cases import actions
from custodiet.cases.models import Case
from custodiet.jobs.launch import run
from custodiet.jobs.models import Job, State
from custodiet.ledger import store
from custodiet.oversight.models import Receipt, Verdict
from custodiet.reports import actions as report_actions
from custodiet.reports.received import Office
from custodiet.reports.recount import Period
from ledger.witnessing import running_witness
from reports.pages import text

from .conftest import write_config

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Sent:
    archive: Path  # bundle.tar.gz, as the agency's Reports page gives it
    office: Office


@pytest.fixture
def sent(agency, django_user_model, tmp_path, settings) -> Sent:
    """The DMV's report for 2025-Q3 (a robbery request released, an ICE request refused),
    its checkpoint cosigned by the office's witness, attested; and the office that trusts
    that witness and the DMV's log key."""
    settings.CUSTODIET_LOG_KEY_FILE = tmp_path / "keys" / "log.key"
    call_command("ledger", "keygen", stdout=io.StringIO(), stderr=io.StringIO())
    supervisor = make_member(
        django_user_model, "supervisor", agency, Role.SUPERVISOR, email="supervisor@dmv.example"
    )
    clerk = make_member(django_user_model, "clerk-1", agency, Role.CLERK)
    portal = make_member(django_user_model, "dmv-portal", agency, Role.PARTNER)
    api = Api(Client(), ApiToken.issue(portal, "portal")[1])
    robbery = api.submit(detective_request(received_at="2025-07-02T09:00:00-06:00"))
    ice = api.submit(ice_request(received_at="2025-08-14T16:00:00-06:00"))
    first, second = (Case.objects.get(request__public_id=r.json()["id"]) for r in (robbery, ice))
    actions.release(actions.approve(first, by=supervisor), by=clerk)
    actions.refuse(second, by=clerk)
    log_key = store.signer().verifier.vkey
    with running_witness(tmp_path, log_key) as witness:
        call_command("ledger", "checkpoint", "--witness", witness.url, stdout=io.StringIO())
        witness_key = witness.key.verifier.vkey
    report = report_actions.build_report(
        agency, Period.parse("2025-Q3"), directory=tmp_path / "built"
    )
    attester = make_member(django_user_model, "attester-1", agency, Role.ATTESTER)
    report_actions.attest(report, by=attester, name="Example Attester", title="Attester")
    archive = report_actions.sent_archive(report)
    assert archive is not None
    config = write_config(tmp_path / "governor", witness_key, {agency.code: log_key})
    settings.CUSTODIET_OVERSIGHT_CONFIG = config
    return Sent(archive, Office.load(config))


def _upload(client: Client, content: bytes, name: str = "bundle.tar.gz"):
    upload = io.BytesIO(content)
    upload.name = name
    return client.post("/oversight/upload", {"bundle": upload})


def _check(receipt: Receipt) -> Job:
    """Run the receipt's job as its own process would."""
    assert receipt.job is not None and receipt.job.state == State.QUEUED
    return run(receipt.job.pk)


def _incoming(office: Office) -> list[Path]:
    folder = office.store.parent / "incoming"
    return [path for path in folder.iterdir() if path.suffix == ".gz"] if folder.is_dir() else []


def test_a_bundle_uploaded_is_checked_in_the_background_and_accepted(sent, governor_client):
    response = _upload(governor_client, sent.archive.read_bytes())

    receipt = Receipt.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/oversight/receipts/{receipt.pk}/"
    assert receipt.size == sent.archive.stat().st_size
    assert len(receipt.sha256) == 64 and not receipt.refused
    assert receipt.job.kind == "bundle-receive"
    assert receipt.job.args["path"] == receipt.path
    assert _incoming(sent.office) == [Path(receipt.path)]
    waiting = governor_client.get(response["Location"])
    assert "Being checked" in text(waiting)
    assert f'data-status-url="/jobs/{receipt.job.pk}/status.json"' in waiting.content.decode()

    job = _check(receipt)

    assert job.state == State.DONE, job.error
    assert job.result["accepted"] is True
    assert job.result["summary"] == "Accepted: CO-DOR-DMV's report for 2025-Q3 is kept."
    verdict = Verdict.objects.get(receipt=receipt)
    assert (verdict.agency, verdict.period, verdict.accepted) == ("CO-DOR-DMV", "2025-Q3", True)
    assert [c["name"] for c in verdict.checks] == [
        "signature",
        "witness",
        "log",
        "leaves",
        "counts",
        "record",
        "attestation",
    ]
    assert all(c["ok"] for c in verdict.checks)
    kept = Path(verdict.kept_at)
    assert kept.parent.parent == (sent.office.store / "CO-DOR-DMV").resolve()
    assert (kept / "report.json").is_file() and (kept / "entries.jsonl.gz").is_file()
    assert _incoming(sent.office) == []  # the upload itself is not kept, only the store's copy

    page = text(governor_client.get(f"/oversight/receipts/{receipt.pk}/"))
    assert "Accepted" in page and "Refused" not in page
    assert page.count("Passed") == 7
    assert "The office's witness cosigned the checkpoint after the period ended" in page
    listing = text(governor_client.get("/oversight/"))
    assert "2025-Q3" in listing
    assert "Attested by Example Attester, Attester" in listing
    assert "sent by governor" in listing


def _tampered(archive: Path, into: Path) -> Path:
    """The same bundle with the last row of its written record left out."""
    with tarfile.open(archive, "r:gz") as tar:
        members = [(m, tar.extractfile(m).read()) for m in tar]
    with tarfile.open(into, "w:gz") as tar:
        for member, content in members:
            if member.name == "record.csv":
                content = b"".join(content.splitlines(keepends=True)[:-1])
                member.size = len(content)
            tar.addfile(member, io.BytesIO(content))
    return into


def test_a_tampered_bundle_is_refused_naming_the_check_and_nothing_is_kept(
    sent, governor_client, tmp_path
):
    response = _upload(governor_client, _tampered(sent.archive, tmp_path / "t.tar.gz").read_bytes())
    receipt = Receipt.objects.get()

    job = _check(receipt)

    assert job.state == State.DONE, job.error
    assert job.result["accepted"] is False
    verdict = Verdict.objects.get(receipt=receipt)
    assert verdict.failed == ["record"]
    assert verdict.kept_at == ""
    assert not (sent.office.store / "CO-DOR-DMV").exists()
    assert _incoming(sent.office) == []
    page = text(governor_client.get(response["Location"]))
    assert "Refused: nothing was kept" in page
    assert "1 check failed (record)" in page
    assert "record.csv missing: R-" in page


def test_an_unreadable_archive_is_refused_by_its_check_with_the_reason(sent, governor_client):
    # gzip, and a tar header, but no bundle in it.
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        note = tarfile.TarInfo("notes.txt")
        note.size = 5
        tar.addfile(note, io.BytesIO(b"hello"))
    _upload(governor_client, out.getvalue())
    receipt = Receipt.objects.get()

    _check(receipt)

    verdict = Verdict.objects.get(receipt=receipt)
    assert not verdict.accepted and verdict.checks == []
    assert verdict.error == "the bundle lacks report.json, record.csv, checkpoint, entries.jsonl.gz"
    page = text(governor_client.get(f"/oversight/receipts/{receipt.pk}/"))
    assert "Refused: nothing was kept" in page
    assert "The bundle could not be checked: the bundle lacks report.json" in page


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"report.json,record.csv\n", "This file is not a gzip-compressed archive"),
        (gzip.compress(b"not a tar archive " * 40), "This file is compressed but holds no tar"),
    ],
    ids=["not-gzip", "gzip-not-tar"],
)
def test_a_file_that_is_not_a_bundle_archive_is_refused_naming_the_field(
    office, governor_client, content, problem
):
    response = _upload(governor_client, content)

    assert response.status_code == 400
    page = text(response)
    assert "Nothing was received" in page
    assert f"Report bundle (.tar.gz): {problem}" in page
    receipt = Receipt.objects.get()
    assert receipt.job is None and problem in receipt.refused
    assert receipt.size == len(content) and len(receipt.sha256) == 64
    assert _incoming(office) == []


def test_an_upload_larger_than_the_limit_is_refused_as_it_arrives(
    office, governor_client, settings
):
    settings.CUSTODIET_BUNDLE_UPLOAD_MAX_MB = 1
    content = gzip.compress(b"") + bytes(1024 * 1024)

    response = _upload(governor_client, content)

    assert response.status_code == 400
    assert (
        f"Report bundle (.tar.gz): This file ({len(content):,} bytes) is larger than the 1 MB "
        "the office takes in one upload." in text(response)
    )
    receipt = Receipt.objects.get()
    # Refused while it arrived: its bytes were never kept, so there is nothing to hash.
    assert (receipt.size, receipt.sha256, receipt.job) == (len(content), "", None)
    assert _incoming(office) == []


def test_an_upload_without_a_file_records_nothing(office, governor_client):
    response = governor_client.post("/oversight/upload", {})

    assert response.status_code == 400
    assert "Report bundle (.tar.gz): This field is required." in text(response)
    assert not Receipt.objects.exists()


def test_uploads_are_rate_limited_like_other_uploads(office, governor_client, settings):
    from custodiet.accounts.rates import Rate

    settings.CUSTODIET_UPLOAD_RATE = Rate(1, 60)
    assert _upload(governor_client, b"first").status_code == 400
    refused = _upload(governor_client, b"second")
    assert refused.status_code == 429
    assert "Retry-After" in refused
    assert Receipt.objects.count() == 1


def test_the_upload_form_needs_its_csrf_token(office, governor):
    client = Client(enforce_csrf_checks=True)
    client.force_login(governor)

    forged = _upload(client, b"anything")

    assert forged.status_code == 403
    assert b"This form has expired" in forged.content  # the CSRF failure page
    assert not Receipt.objects.exists()
    client.get("/oversight/")
    upload = io.BytesIO(b"anything")
    upload.name = "bundle.tar.gz"
    token = client.cookies["csrftoken"].value
    sent = client.post("/oversight/upload", {"bundle": upload, "csrfmiddlewaretoken": token})
    assert sent.status_code == 400  # past the check: refused for what it is, and recorded
    assert Receipt.objects.count() == 1


def test_without_an_office_the_pages_say_so_and_take_nothing(governor_client, settings):
    settings.CUSTODIET_OVERSIGHT_CONFIG = None

    page = text(governor_client.get("/oversight/"))
    assert "This deployment has no Governor's office configured" in page
    assert "Receive and check" not in page
    assert _upload(governor_client, b"anything").status_code == 409
    assert not Receipt.objects.exists()
    summary = text(governor_client.get("/oversight/summary/", {"quarter": "2025-Q3"}))
    assert "This deployment has no Governor's office configured" in summary


def test_a_job_that_stopped_leaves_the_receipt_saying_so(office, governor_client, governor):
    from custodiet.jobs import start

    job = start("bundle-receive", user=governor, agency=governor.membership.agency, args={})
    Job.objects.filter(pk=job.pk).update(state=State.FAILED, error="OSError: disk full")
    receipt = Receipt.objects.create(
        office=governor.membership.agency, uploaded_by=governor, size=10, sha256="0" * 64, job=job
    )

    page = text(governor_client.get(f"/oversight/receipts/{receipt.pk}/"))

    assert "The check stopped before it finished: nothing was kept" in page
    assert "OSError: disk full" in page
