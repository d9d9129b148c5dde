"""Background jobs: who may follow one, how it runs (`custodiet job run ID`, as the
launched process does), and how its page tells a job that failed or whose process died.

Jobs here are of kind "ledger-verify" on an empty ledger unless a test says otherwise;
the ledger's own tests (tests/ledger/test_ledger_page.py) start them from the ledger page
and run one in a process of its own. Adding a job URL without its row fails
`test_every_job_url_has_its_row`.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import time
from html import unescape
from types import SimpleNamespace
from typing import Any

import dj_database_url
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from custodiet import jobs
from custodiet.accounts.models import Membership, Role
from custodiet.jobs import launch, urls
from custodiet.jobs.kinds import KINDS
from custodiet.jobs.launch import JobError, Run
from custodiet.jobs.models import Job, State
from matrix import LOGIN, ROLES

pytestmark = pytest.mark.django_db

# A job of kind "ledger-verify" of the agency the roles belong to; the outsider is the
# privacy officer of another agency, who may follow ledger jobs, only not this one.
# fmt: off
#          clerk sup  couns priv audit admin partn unaff anon   outsider
FOLLOW = (404,  404, 404,  200, 200,  200,  404,  403,  LOGIN, 404)
# fmt: on
MATRIX = {"job": FOLLOW, "job-status": FOLLOW}
CASES = [
    pytest.param(name, role, expected, id=f"{name}-{role}")
    for name, answers in MATRIX.items()
    for role, expected in zip(ROLES, answers, strict=True)
]


def text(response) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def without_token(response) -> str:
    """The page, but for its CSRF token (masked anew in every answer)."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def shown(response, part: str) -> bool:
    """Whether the job page's part (data-job="...") is shown, not hidden until needed."""
    tag = re.search(rf'<[^>]*data-job="{part}"[^>]*>', response.content.decode())
    assert tag is not None, part
    return " hidden" not in tag.group(0)


@pytest.fixture
def starter(person, agency):
    """Who started the job: an auditor of the agency (the clients of `client_of` are others)."""
    return person("ledger_auditor", Role.AUDITOR, agency)


@pytest.fixture
def job(starter, agency) -> Job:
    return jobs.start("ledger-verify", user=starter, agency=agency, args={"next_url": "/ledger/"})


def run_job(job: Job) -> Job:
    call_command("job", "run", str(job.pk), stdout=io.StringIO())
    job.refresh_from_db()
    return job


# Who may follow a job --------------------------------------------------------------------


def test_every_job_url_has_its_row():
    assert {pattern.name for pattern in urls.urlpatterns} == set(MATRIX)


@pytest.mark.parametrize(("name", "role", "expected"), CASES)
def test_each_role_gets_its_answer(client_of, job, name, role, expected):
    response = client_of(role).get(reverse(name, args=[job.pk]))
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(f"{reverse('login')}?next=")
        return
    assert response.status_code == expected
    if expected == 200:
        assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("role", [role for role in Role.values if role != Role.PARTNER])
def test_a_job_is_followed_by_the_roles_its_kind_names(person, signed_in, agency, kind, role):
    job = Job.objects.create(kind=kind, agency=agency, args={})
    may = getattr(Membership(role=role), KINDS[kind].capability)

    response = signed_in(person(role, role, agency)).get(reverse("job", args=[job.pk]))

    assert response.status_code == (200 if may else 404)


def test_another_agencys_job_looks_like_no_job_at_all(client_of, person, other_agency, signed_in):
    stranger = person("their_auditor", Role.AUDITOR, other_agency)
    theirs = jobs.start("ledger-verify", user=stranger, agency=other_agency)
    run_job(theirs)
    mine = client_of(Role.AUDITOR)

    answers = [
        mine.get(reverse(name, args=[number]))
        for name in ("job", "job-status")
        for number in (theirs.pk, theirs.pk + 1000)
    ]

    assert [answer.status_code for answer in answers] == [404] * 4
    assert without_token(answers[0]) == without_token(answers[1])
    assert without_token(answers[2]) == without_token(answers[3])
    assert b"their_auditor" not in answers[0].content


def test_a_job_a_command_ran_has_no_page_for_anyone(client_of):
    job = jobs.launch.record("ledger-verify", args={})
    run_job(job)

    for role in ("privacy_officer", "auditor", "administrator", "outsider"):
        assert client_of(role).get(reverse("job", args=[job.pk])).status_code == 404


# How a job runs ---------------------------------------------------------------------------


def test_a_job_runs_once_and_its_page_shows_what_it_found(client_of, job):
    reader = client_of(Role.PRIVACY_OFFICER)
    assert text(reader.get(reverse("job", args=[job.pk]))).count("State: Waiting to start") == 1

    run_job(job)

    assert job.state == State.DONE
    assert job.started_at <= job.finished_at
    response = reader.get(reverse("job", args=[job.pk]))
    assert "State: Finished" in text(response)
    assert "The ledger verifies: 0 entries and 0 checkpoints match" in text(response)
    assert shown(response, "finished") and not shown(response, "failed")
    assert not shown(response, "stalled")
    assert '<a class="usa-button usa-button--outline" href="/ledger/">Back</a>' in (
        response.content.decode()
    )
    status = reader.get(reverse("job-status", args=[job.pk])).json()
    assert (status["state"], status["finished"], status["error"]) == ("done", True, "")
    with pytest.raises(CommandError, match=f"job {job.pk} is finished, not waiting to start"):
        run_job(job)


def test_running_a_job_that_does_not_exist_says_so():
    with pytest.raises(CommandError, match="no job 4242"):
        call_command("job", "run", "4242")


def test_a_job_whose_function_raises_ends_failed_with_the_error_shown(client_of, job, monkeypatch):
    def broken(run: Run) -> dict[str, Any]:
        run.progress(3, 10, "Entries checked")
        raise ValueError("the tree could not be read back")

    monkeypatch.setattr("custodiet.ledger.jobs.verify", broken)

    with pytest.raises(CommandError, match="failed: ValueError: the tree could not be read back"):
        run_job(job)

    job.refresh_from_db()
    assert (job.state, job.error) == (State.FAILED, "ValueError: the tree could not be read back")
    assert job.finished_at is not None
    response = client_of(Role.AUDITOR).get(reverse("job", args=[job.pk]))
    assert "State: Failed" in text(response)
    assert shown(response, "failed") and not shown(response, "finished")
    assert "It failed ValueError: the tree could not be read back" in text(response)
    status = client_of(Role.PRIVACY_OFFICER).get(reverse("job-status", args=[job.pk])).json()
    assert status["state"] == "failed"
    assert status["error"] == "ValueError: the tree could not be read back"


def test_a_job_whose_process_is_told_to_exit_still_ends_failed(job, monkeypatch):
    def exits(run: Run) -> dict[str, Any]:
        raise SystemExit(3)

    monkeypatch.setattr("custodiet.ledger.jobs.verify", exits)

    with pytest.raises(SystemExit):
        launch.run(job.pk)

    job.refresh_from_db()
    assert (job.state, job.error) == (State.FAILED, "SystemExit: 3")


def test_a_job_whose_result_is_not_json_fails_rather_than_stay_running(job, monkeypatch):
    monkeypatch.setattr("custodiet.ledger.jobs.verify", lambda run: {"when": dt.date(2026, 1, 2)})

    with pytest.raises(CommandError, match="TypeError"):
        run_job(job)

    job.refresh_from_db()
    assert job.state == State.FAILED
    assert job.result is None


def test_a_job_of_a_kind_no_longer_known_fails_naming_it(agency):
    job = Job.objects.create(kind="ledger-rebuild", agency=agency, args={})

    with pytest.raises(CommandError, match="no job of kind 'ledger-rebuild' is known any more"):
        run_job(job)

    job.refresh_from_db()
    assert job.state == State.FAILED


def test_a_kind_not_listed_cannot_be_started(starter, agency):
    with pytest.raises(JobError, match="no job of kind 'ledger-rebuild'"):
        jobs.start("ledger-rebuild", user=starter, agency=agency)
    assert not Job.objects.exists()


def test_progress_is_written_at_most_twice_a_second_but_the_last_step_always(job, monkeypatch):
    heard = []
    seen = []

    def counts(run: Run) -> dict[str, Any]:
        for done in range(1, 101):
            run.progress(done, 100, "Steps")
            seen.append(Job.objects.get(pk=run.job.pk).done)
        return {"summary": "counted"}

    monkeypatch.setattr("custodiet.ledger.jobs.verify", counts)

    launch.run(job.pk, echo=lambda done, total, label: heard.append(done))

    assert heard == list(range(1, 101))
    # The first report is written, then nothing within half a second, then the last.
    assert seen[0] == 1
    assert len(set(seen)) < 10
    assert seen[-1] == 100
    job.refresh_from_db()
    assert (job.done, job.total, job.percent, job.label) == (100, 100, 100, "Steps")


def test_job_list_shows_a_commands_job_without_an_agency(job, agency):
    run_job(job)
    command = run_job(jobs.launch.record("ledger-verify", args={}))

    out = io.StringIO()
    call_command("job", "list", stdout=out)

    lines = out.getvalue().splitlines()
    assert re.match(rf"\s*{command.pk}\s+ledger-verify\s+-\s+done\s", lines[0])
    assert re.match(rf"\s*{job.pk}\s+ledger-verify\s+{agency.code}\s+done\s", lines[1])


# A job whose process died ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "silent_for", "stalled"),
    [
        (State.RUNNING, dt.timedelta(minutes=3), True),
        (State.RUNNING, dt.timedelta(seconds=30), False),
        # Never started: its process was never launched, or died before it began.
        (State.QUEUED, dt.timedelta(minutes=3), True),
        (State.DONE, dt.timedelta(days=3), False),
    ],
)
def test_a_job_silent_for_too_long_shows_the_warning(client_of, job, state, silent_for, stalled):
    then = timezone.now() - silent_for
    Job.objects.filter(pk=job.pk).update(
        state=state, created_at=then, heartbeat_at=then if state != State.QUEUED else None
    )
    privacy_officer = client_of(Role.PRIVACY_OFFICER)

    response = privacy_officer.get(reverse("job", args=[job.pk]))

    assert shown(response, "stalled") is stalled
    assert privacy_officer.get(reverse("job-status", args=[job.pk])).json()["stalled"] is stalled
    assert (jobs.running("ledger-verify") == job) is (not stalled and state == State.RUNNING)


# Launching the process ------------------------------------------------------------------


def test_a_job_that_cannot_be_launched_fails_at_once_saying_why(job):
    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        pytest.skip("only a database in memory is out of other processes' reach")

    launch.launch(job)

    job.refresh_from_db()
    assert job.state == State.FAILED
    assert job.error.startswith("It could not be started: the database is in this process's memory")


def test_the_database_url_given_to_the_process_names_the_same_database(monkeypatch):
    wanted = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "test_custodiet",
        "USER": "custodiet",
        "PASSWORD": "p@ss:w/rd",
        "HOST": "/run/postgresql",
        "PORT": "5433",
        "OPTIONS": {"sslmode": "require", "connect_timeout": 10},
    }
    monkeypatch.setattr(
        launch, "connection", SimpleNamespace(vendor="postgresql", settings_dict=wanted)
    )

    parsed = dj_database_url.parse(launch.database_url())

    assert {key: str(parsed[key]) for key in ("NAME", "USER", "PASSWORD", "HOST", "PORT")} == {
        key: wanted[key] for key in ("NAME", "USER", "PASSWORD", "HOST", "PORT")
    }
    assert {key: str(value) for key, value in parsed["OPTIONS"].items()} == {
        "sslmode": "require",
        "connect_timeout": "10",
    }


@pytest.mark.django_db(transaction=True)
def test_a_running_job_says_it_is_alive_between_its_progress_reports(person, agency, monkeypatch):
    monkeypatch.setattr(launch, "ALIVE_EVERY", 0.05)

    def quiet(run: Run) -> dict[str, Any]:
        # A long step that reports no progress: the heartbeat moves on all the same.
        first = Job.objects.get(pk=run.job.pk).heartbeat_at
        deadline = time.monotonic() + 10
        while Job.objects.get(pk=run.job.pk).heartbeat_at == first:
            assert time.monotonic() < deadline, "no heartbeat in 10 s"
            time.sleep(0.02)
        return {"summary": "alive"}

    monkeypatch.setattr("custodiet.ledger.jobs.verify", quiet)
    job = launch.record("ledger-verify", user=None, agency=agency, args={})

    assert launch.run(job.pk).result == {"summary": "alive"}
    assert json.dumps(Job.objects.get(pk=job.pk).result) == '{"summary": "alive"}'
