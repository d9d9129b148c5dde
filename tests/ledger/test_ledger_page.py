"""The ledger page (`/ledger/`) over HTTP: who may read it and who may start a
verification, what it shows of the log and its checkpoints (and of no one's personal
data), and the last verification, whoever ran it.

The button starts a background job. In a test's transaction the job's process is never
launched (it starts when the transaction commits), so the tests run the job as that
process would, with `custodiet job run ID`; one test, on a database other processes can
reach, lets the process start for real. Adding a URL to the ledger without its row fails
`test_every_ledger_url_has_its_row`.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import itertools
import re
import time
from html import unescape
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from custodiet.accounts.models import Role
from custodiet.jobs.models import Job, State
from custodiet.ledger import store, urls
from custodiet.ledger.models import Checkpoint
from matrix import DONE, LOGIN, ROLES

from .conftest import contract_request, write_jsonl
from .test_tampering import entry_data, event_of, sql
from .witnessing import running_witness

pytestmark = pytest.mark.django_db

# fmt: off
#            clerk sup  couns priv  audit admin partn unaff anon   outsider
READ =      (403,  403, 403,  200,  200,  200,  403,  403,  LOGIN, 200)
VERIFY =    (403,  403, 403,  DONE, DONE, 403,  403,  403,  LOGIN, DONE)
# fmt: on
MATRIX = {"ledger": ("get", READ), "ledger-verify": ("post", VERIFY)}
CASES = [
    pytest.param(name, role, expected, id=f"{name}-{role}")
    for name, (_, answers) in MATRIX.items()
    for role, expected in zip(ROLES, answers, strict=True)
]
# What the requests of the ledger fixture say about people: none of it may reach the page.
PERSONAL = ("Pat Resident", "1990-02-03", "Det. Alex Example", "Armed robbery", "DPD-1")


def text(response) -> str:
    """The page's words, without its markup, punctuation against the word before it."""
    words = " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())
    return re.sub(r" ([,.;:)])", r"\1", words.replace("( ", "("))


@pytest.fixture
def import_requests(tmp_path: Path, agency, other_agency):
    """Import requests into the first agency's log; the other agency (whose people the
    role matrix signs in too) shares the deployment's ledger."""
    files = itertools.count()

    def run(numbers: range) -> None:
        path = write_jsonl(
            tmp_path / f"import-{next(files)}.jsonl", [contract_request(n) for n in numbers]
        )
        arguments = ["import", str(path), "--user", "clerk", "--agency", agency.code]
        call_command("requests", *arguments, stdout=io.StringIO())

    return run


@pytest.fixture
def ledger(log_key: str, import_requests) -> str:
    """Twenty entries (ten requests, each received and decided), checkpoints at sizes 10
    and 20; returns the verifier key."""
    import_requests(range(1, 6))
    call_command("ledger", "checkpoint", stdout=io.StringIO())
    import_requests(range(6, 11))
    call_command("ledger", "checkpoint", stdout=io.StringIO())
    return log_key


def press_verify(client: Client) -> Job:
    """Press the button; the job it started, run as its own process would run it."""
    response = client.post(reverse("ledger-verify"))
    assert response.status_code == 302
    job = Job.objects.get(pk=int(response["Location"].strip("/").split("/")[-1]))
    assert response["Location"] == reverse("job", args=[job.pk])
    call_command("job", "run", str(job.pk), stdout=io.StringIO())
    job.refresh_from_db()
    return job


# Who may do what --------------------------------------------------------------------------


def test_every_ledger_url_has_its_row():
    assert {pattern.name for pattern in urls.urlpatterns} == set(MATRIX)


@pytest.mark.parametrize(("name", "role", "expected"), CASES)
def test_each_role_gets_its_answer(client_of, name, role, expected):
    method, _ = MATRIX[name]
    response = getattr(client_of(role), method)(reverse(name))
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(f"{reverse('login')}?next=")
    elif expected == DONE:
        assert response.status_code == 302
        job = Job.objects.get()
        assert response["Location"] == reverse("job", args=[job.pk])
        assert (job.kind, job.state, job.started_by.username) == ("ledger-verify", "queued", role)
    else:
        assert response.status_code == expected
        assert ("Not allowed" in text(response)) is (expected == 403)
    if expected != DONE:
        assert not Job.objects.exists()


# The roles of the reports to the Governor's office, not yet columns of tests/matrix.py.
REPORT_ROLES = (Role.ATTESTER, Role.OVERSIGHT)


def test_every_role_has_its_answer():
    assert set(Role.values) <= {*ROLES, *REPORT_ROLES}


@pytest.mark.parametrize("role", REPORT_ROLES)
def test_the_roles_of_the_reports_neither_read_the_ledger_nor_verify_it(client_of, role):
    client = client_of(role)

    assert client.get(reverse("ledger")).status_code == 403
    assert client.post(reverse("ledger-verify")).status_code == 403
    assert not Job.objects.exists()


def test_the_button_is_a_post_only(client_of):
    response = client_of(Role.AUDITOR).get(reverse("ledger-verify"))

    assert response.status_code == 405
    assert not Job.objects.exists()


@pytest.mark.parametrize(
    ("role", "link", "button"),
    [
        (Role.PRIVACY_OFFICER, True, True),
        (Role.AUDITOR, True, True),
        (Role.ADMINISTRATOR, True, False),
        (Role.CLERK, False, False),
        (Role.SUPERVISOR, False, False),
        (Role.COUNSEL, False, False),
    ],
)
def test_the_navigation_links_the_ledger_and_the_button_shows_for_those_who_may_press_it(
    client_of, role, link, button
):
    client = client_of(role)
    explorer = client.get("/explorer/").content.decode()
    assert ('href="/ledger/"' in explorer) is link
    if link:
        page = client.get("/ledger/").content.decode()
        assert ("Verify the ledger now" in page) is button


# What the page shows -----------------------------------------------------------------------


def test_the_page_shows_the_log_its_key_and_its_checkpoints_newest_first(client_of, ledger):
    response = client_of(Role.AUDITOR).get("/ledger/")

    assert response.status_code == 200
    words = text(response)
    assert "Origin custodiet.invalid/ledger Entries 20" in words
    assert "Latest checkpoint Of 20 entries, signed" in words
    assert f'value="{ledger}"' in response.content.decode()
    page = response.content.decode()
    assert re.findall(r'<tr id="checkpoint-(\d+)">', page) == ["20", "10"]
    for checkpoint in Checkpoint.objects.all():
        assert base64.b64encode(bytes(checkpoint.root)).decode() in page
        # The signed note, exactly, to copy.
        assert f"<code>{checkpoint.note}</code>" in unescape(page)
    assert "Checkpoints 1 to 2 of 2, newest first" in words


def test_a_checkpoint_shows_its_witnesses_cosignatures(client_of, ledger, tmp_path):
    with running_witness(tmp_path, ledger) as witness:
        head = Checkpoint.objects.get(size=20)
        store.witness(head, witness.url, [witness.key.verifier])

    page = client_of(Role.AUDITOR).get("/ledger/").content.decode()

    row = page[page.index('<tr id="checkpoint-20">') : page.index('<tr id="checkpoint-10">')]
    assert "<code>witness.governor.example/oversight</code>, received" in row
    cosigned = store.cosigned_note(Checkpoint.objects.get(size=20))
    assert cosigned != head.note
    assert f"<code>{cosigned}</code>" in unescape(row)
    later = page[page.index('<tr id="checkpoint-10">') :]
    assert "witness.governor.example" not in later.split("</tr>")[0]


def test_entries_since_the_latest_checkpoint_are_counted(client_of, ledger, import_requests):
    import_requests(range(11, 12))

    words = text(client_of(Role.AUDITOR).get("/ledger/"))

    assert "Entries 22" in words
    assert "the 2 entries appended since then will be in the next one" in words


def test_the_checkpoints_come_twenty_to_a_page(client_of):
    for size in range(1, 26):
        Checkpoint.objects.create(size=size, root=bytes([size]) * 32, note=f"log\n{size}\n")
    client = client_of(Role.AUDITOR)

    first = client.get("/ledger/").content.decode()
    second = client.get("/ledger/", {"page": "2"}).content.decode()

    assert re.findall(r'<tr id="checkpoint-(\d+)">', first) == [str(n) for n in range(25, 5, -1)]
    assert re.findall(r'<tr id="checkpoint-(\d+)">', second) == [str(n) for n in range(5, 0, -1)]
    assert 'aria-label="Pages of checkpoints"' in first


def test_the_page_shows_no_ones_personal_data_nor_any_entry(client_of, ledger):
    press_verify(client_of(Role.PRIVACY_OFFICER))

    page = client_of(Role.AUDITOR).get("/ledger/").content.decode()

    for personal in PERSONAL:
        assert personal not in page
    for index in (0, 7, 19):
        assert base64.b64encode(entry_data(index)).decode()[:24] not in page


def test_without_a_signing_key_the_page_says_so_and_names_the_origin_from_a_checkpoint(
    client_of, ledger, settings, tmp_path
):
    settings.CUSTODIET_LOG_KEY_FILE = tmp_path / "absent.key"

    response = client_of(Role.AUDITOR).get("/ledger/")

    assert "This server holds no signing key" in text(response)
    assert "Origin custodiet.invalid/ledger" in text(response)
    assert 'id="verifier-key"' not in response.content.decode()


# The last verification ---------------------------------------------------------------------


def test_a_ledger_never_verified_says_so(client_of, ledger):
    words = text(client_of(Role.AUDITOR).get("/ledger/"))

    assert "Never verified" in words
    assert "Verified Every one" not in words


def test_the_button_runs_the_verification_and_the_page_shows_it(client_of, ledger):
    auditor = client_of(Role.AUDITOR)

    job = press_verify(auditor)

    assert job.state == State.DONE
    assert job.result["ok"] is True
    job_page = text(auditor.get(reverse("job", args=[job.pk])))
    assert "State: Finished" in job_page
    assert "The ledger verifies: 20 entries and 2 checkpoints match." in job_page
    assert 'href="/ledger/"' in auditor.get(reverse("job", args=[job.pk])).content.decode()
    words = text(auditor.get("/ledger/"))
    assert (
        "Verified Every one of the 20 entries matches its event, and the 2 checkpoints match "
        "the entries and carry the log's signature." in words
    )
    assert "started by auditor (its page)" in words
    assert "Entries checked 20 Checkpoints checked 2 Signatures checked Yes" in words
    assert "Never verified" not in words
    assert "more than 7 days old" not in words


def test_a_tampered_ledger_is_not_verified_and_the_page_names_the_entry(client_of, ledger):
    data = bytearray(entry_data(7))
    data[40] ^= 0x01
    sql('UPDATE ledger_entry SET data = %s WHERE "index" = %s', [bytes(data), 7])

    auditor = client_of(Role.AUDITOR)

    job = press_verify(auditor)

    assert job.state == State.DONE
    assert (job.result["ok"], job.result["entry"]) == (False, 7)
    words = text(client_of(Role.PRIVACY_OFFICER).get("/ledger/"))
    assert f"NOT verified Entry 7 does not match event #{event_of(7)}" in words
    assert "tell the privacy officer" in words
    job_page = text(auditor.get(reverse("job", args=[job.pk])))
    assert "The ledger does NOT verify: entry 7 does not match event" in job_page


def test_a_stored_hash_changed_is_named_with_its_entry(client_of, ledger):
    sql('UPDATE ledger_node SET hash = %s WHERE level = 2 AND "index" = 1', [bytes(32)])
    auditor = client_of(Role.AUDITOR)

    press_verify(auditor)

    words = text(auditor.get("/ledger/"))
    assert (
        "NOT verified Entry 7: the stored hash at level 2, position 1 does not match the entries"
        in words
    )


def test_a_checkpoint_problem_names_the_entry_where_it_was_found(client_of, ledger):
    sql("UPDATE ledger_checkpoint SET root = %s WHERE size = 10", [bytes(32)])
    auditor = client_of(Role.AUDITOR)

    press_verify(auditor)

    words = text(auditor.get("/ledger/"))
    assert "NOT verified At entry 9: checkpoint at size 10: its root does not match" in words


def test_the_command_line_verification_is_the_last_one_the_page_shows(client_of, ledger):
    out = io.StringIO()
    call_command("ledger", "verify", stdout=out, stderr=io.StringIO())
    assert out.getvalue().strip() == "ledger verified: 20 entries, 2 checkpoints"

    job = Job.objects.get()
    assert (job.kind, job.state, job.agency, job.started_by) == (
        "ledger-verify",
        "done",
        None,
        None,
    )
    words = text(client_of(Role.AUDITOR).get("/ledger/"))
    assert "by custodiet ledger verify on the server" in words
    assert "Entries checked 20" in words
    # A command's job belongs to no agency: it has no page.
    assert client_of(Role.PRIVACY_OFFICER).get(reverse("job", args=[job.pk])).status_code == 404


def test_another_agencys_verification_shows_its_result_but_not_who_ran_it(
    client_of, ledger, person, other_agency, signed_in
):
    stranger = person("their_auditor", Role.AUDITOR, other_agency)
    theirs = press_verify(signed_in(stranger))

    response = client_of(Role.AUDITOR).get("/ledger/")

    words = text(response)
    assert "Verified Every one of the 20 entries" in words
    assert "started at another agency of this deployment" in words
    assert "their_auditor" not in response.content.decode()
    assert reverse("job", args=[theirs.pk]) not in response.content.decode()


def test_a_verification_older_than_a_week_asks_for_another(client_of, ledger):
    auditor = client_of(Role.AUDITOR)
    job = press_verify(auditor)
    Job.objects.filter(pk=job.pk).update(finished_at=timezone.now() - dt.timedelta(days=8))

    words = text(auditor.get("/ledger/"))

    assert "Verified" in words
    assert "The last verification that finished is more than 7 days old: run one now." in words


def test_a_verification_that_could_not_finish_shows_why_and_the_last_result_before_it(
    client_of, ledger, monkeypatch
):
    auditor = client_of(Role.AUDITOR)
    press_verify(auditor)

    def lost(run):
        raise store.LedgerError("the ledger lacks node(s) [NodeId(level=0, index=3)]")

    monkeypatch.setattr("custodiet.ledger.jobs.verify", lost)
    response = auditor.post(reverse("ledger-verify"))
    job = Job.objects.get(pk=int(response["Location"].strip("/").split("/")[-1]))
    with pytest.raises(Exception, match="failed: LedgerError: the ledger lacks node"):
        call_command("job", "run", str(job.pk), stdout=io.StringIO())

    words = text(auditor.get("/ledger/"))
    assert "The last verification could not finish" in words
    assert "LedgerError: the ledger lacks node(s)" in words
    assert "Verified Every one of the 20 entries" in words


# One verification at a time ----------------------------------------------------------------


def test_a_second_press_while_one_runs_leads_to_it_and_starts_none(client_of, ledger):
    auditor = client_of(Role.AUDITOR)
    first = auditor.post(reverse("ledger-verify"))
    job = Job.objects.get()
    Job.objects.filter(pk=job.pk).update(state=State.RUNNING, heartbeat_at=timezone.now())

    again = client_of(Role.PRIVACY_OFFICER).post(reverse("ledger-verify"))

    assert again["Location"] == first["Location"] == reverse("job", args=[job.pk])
    assert Job.objects.count() == 1
    words = text(auditor.get("/ledger/"))
    assert "A verification is running now, started by auditor: follow it" in words
    assert "Verify the ledger now" not in words


def test_while_another_agency_verifies_the_button_starts_none_and_says_so(
    client_of, ledger, person, other_agency, signed_in
):
    signed_in(person("their_auditor", Role.AUDITOR, other_agency)).post(reverse("ledger-verify"))
    theirs = Job.objects.get()

    response = client_of(Role.AUDITOR).post(reverse("ledger-verify"), follow=True)

    assert Job.objects.count() == 1
    words = text(response)
    assert "A verification started elsewhere is running now" in words
    assert "started at another agency of this deployment" in words
    assert reverse("job", args=[theirs.pk]) not in response.content.decode()


def test_a_verification_whose_process_died_does_not_hold_up_the_next(client_of, ledger):
    auditor = client_of(Role.AUDITOR)
    auditor.post(reverse("ledger-verify"))
    Job.objects.update(state=State.RUNNING, heartbeat_at=timezone.now() - dt.timedelta(minutes=10))

    job = press_verify(auditor)

    assert Job.objects.count() == 2
    assert job.state == State.DONE


# The job's process, for real ---------------------------------------------------------------


def _reachable_by_other_processes() -> bool:
    return connection.vendor == "postgresql" or not connection.is_in_memory_db()


@pytest.mark.django_db(transaction=True)
def test_the_button_launches_a_process_that_verifies_the_ledger(
    client_of, ledger, monkeypatch, settings
):
    if not _reachable_by_other_processes():
        pytest.skip(
            "the SQLite test database is in this process's memory, where no job process can "
            "reach it; the test runs on PostgreSQL or a SQLite file"
        )
    # The job's process reads its settings from the environment, as on a server.
    monkeypatch.setenv("CUSTODIET_LOG_KEY_FILE", str(settings.CUSTODIET_LOG_KEY_FILE))
    auditor = client_of(Role.AUDITOR)

    response = auditor.post(reverse("ledger-verify"))

    job = Job.objects.get()
    assert response["Location"] == reverse("job", args=[job.pk])
    deadline = time.monotonic() + 60
    while not job.finished and time.monotonic() < deadline:
        time.sleep(0.2)
        job.refresh_from_db()
    assert job.state == State.DONE, job.error or f"still {job.state} after 60 s"
    assert job.result["summary"] == "The ledger verifies: 20 entries and 2 checkpoints match."
    assert (job.done, job.total) == (20, 20)
    assert "Verified Every one of the 20 entries" in text(auditor.get("/ledger/"))
