"""`custodiet demo` loads a working agency once, through the real actions, and can run again;
its dates are counted from the day it is loaded, so its queue looks the same on any day."""

from __future__ import annotations

import datetime as dt
import types
import zoneinfo
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from custodiet import witness
from custodiet.cases import demo as cases_demo
from custodiet.cases.models import Case, State
from custodiet.ledger import store
from custodiet.ledger.models import Checkpoint
from custodiet.merkle import cosignature
from custodiet.monitor.models import Scan
from custodiet.partners import registry
from custodiet.partners.models import Partner
from custodiet.records.models import RequestRecord
from custodiet.reports import demo as reports_demo
from custodiet.reports.models import Attestation, Report

DENVER = zoneinfo.ZoneInfo("America/Denver")


@pytest.fixture
def demo_settings(settings, tmp_path):
    settings.CUSTODIET_LOG_KEY_FILE = tmp_path / "log.key"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return settings


def freeze(monkeypatch: pytest.MonkeyPatch, day: dt.date) -> None:
    """Now is `day` for the demo and for its Governor's witness, which cosigns by its own
    clock (and would cosign before a quarter of the future ended)."""
    now = dt.datetime.combine(day, dt.time(10, 30), tzinfo=DENVER)
    monkeypatch.setattr(timezone, "now", lambda: now.astimezone(dt.UTC))
    clock = types.SimpleNamespace(time=now.timestamp)
    monkeypatch.setattr(witness, "time", clock)
    monkeypatch.setattr(cosignature, "time", clock)


def demo(requests: int) -> str:
    out = StringIO()
    call_command("demo", "--requests", str(requests), stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.mark.django_db
def test_the_demo_loads_partners_and_requests_once_and_the_ledger_verifies(
    demo_settings, monkeypatch
):
    freeze(monkeypatch, dt.date(2027, 5, 20))
    out = demo(45)
    assert RequestRecord.objects.count() == Case.objects.count() == 45
    # Three third parties with their certifications, and two police partners that query
    # the database in the demo's access logs: Denver renews every January (2024 to 2027),
    # the State Patrol signed for 2024 and 2025 only.
    assert Partner.objects.count() == 5
    signed = {
        partner.name: len(partner.certifications.all())
        for partner in Partner.objects.prefetch_related("certifications")
    }
    assert signed["Denver Police Department"] == 4
    assert signed["Colorado State Patrol"] == 2
    scan = Scan.objects.get()
    assert scan.by_category["immigration_agency"] > 0
    # The one officer's burst of 400 queries in a morning, and their other queries that day.
    burst = scan.findings.get(category="volume_anomaly")
    assert burst.user_id == "DPD007" and burst.accesses >= 400
    assert {case.state for case in Case.objects.all()} > {"to_refuse"}
    assert "Partner API token (shown once): cus_" in out
    # The last four quarters ended: built, the first three attested and accepted, the
    # latest waiting for the attester.
    quarters = ["2026-Q2", "2026-Q3", "2026-Q4", "2027-Q1"]
    assert sorted(Report.objects.values_list("period", flat=True)) == quarters
    assert sorted(Attestation.objects.values_list("report__period", flat=True)) == quarters[:3]
    assert "accepted the reports for 2026-Q2, 2026-Q3, 2026-Q4;" in out
    assert "summary: jbc-2026-Q4.xlsx" in out
    assert "The report for 2027-Q1 waits for attester" in out
    governor = demo_settings.CUSTODIET_LOG_KEY_FILE.parent / "governor"
    assert (governor / "quarters.env").read_text().split() == [
        "QUARTER=2026-Q4",
        "PREVIOUS_QUARTER=2026-Q3",
        "WAITING_QUARTER=2027-Q1",
    ]
    checkpoints = Checkpoint.objects.count()

    again = demo(45)
    assert RequestRecord.objects.count() == 45
    assert Scan.objects.count() == 1
    assert "Partner API token" not in again
    result = store.verify(verifier=store.signer().verifier)
    assert result.ok, result.problem
    assert result.checkpoints == checkpoints  # nothing new to sign on the second run
    assert Report.objects.count() == 4


@pytest.mark.parametrize(
    ("today", "reported"),
    [(dt.date(2027, 2, 9), "2026-Q3"), (dt.date(2031, 9, 30), "2031-Q1")],
)
@pytest.mark.django_db
def test_the_demo_looks_current_on_any_day_it_is_loaded(
    today, reported, demo_settings, monkeypatch
):
    freeze(monkeypatch, today)
    demo(80)
    cases = list(Case.objects.select_related("request"))
    received = sorted(timezone.localdate(case.request.received_at) for case in cases)
    # Five years of requests, up to yesterday.
    assert today - dt.timedelta(days=5 * 365) <= received[0] < today - dt.timedelta(days=3 * 365)
    assert received[-1] == today - dt.timedelta(days=1)

    # The latest forty are still being worked on: open, or refused with the letter not
    # yet gone out.
    undelivered = [c for c in cases if not c.is_open and not c.deliveries.exists()]
    assert len(undelivered) == cases_demo.UNDELIVERED
    assert all((today - timezone.localdate(c.request.received_at)).days <= 10 for c in undelivered)
    still_open = [case for case in cases if case.is_open]
    assert len(still_open) == 40 - cases_demo.UNDELIVERED
    # The open cases are the recent ones: none overdue by more than a few days, some due
    # within days, some a few days late.
    late = [(today - case.due_on).days for case in still_open]
    assert max(late) <= 7
    assert any(-5 < days <= 0 for days in late)
    assert any(days > 0 for days in late)
    # The older ones were answered, released or refused.
    answered = {case.state for case in cases if not case.is_open}
    assert answered == {State.RELEASED, State.REFUSED}
    assert len(cases) - len(still_open) - len(undelivered) == 40
    assert all(c.request.payload["requester"]["address"] for c in cases)
    # More than one kind of work waits in the queue.
    assert len({case.state for case in still_open}) >= 3

    standings = {row.standing for row in registry.rows(Partner.objects.all(), today)}
    assert {registry.CURRENT, registry.EXPIRING, registry.LAPSED} <= standings
    assert reports_demo.quarters(today)[-2] == reported
    assert Attestation.objects.filter(report__period=reported).exists()


@pytest.mark.django_db
def test_the_demo_under_another_states_pack_stops_before_loading_anything(settings):
    # The demo's agency, partners and reports are Colorado's: under New York's law they
    # would half load and fail at the reports, so it says so first and loads nothing.
    from django.core.management.base import CommandError

    settings.CUSTODIET_POLICY_PACK = "us-ny"
    with pytest.raises(CommandError, match=r"The demo is Colorado.s.*CUSTODIET_POLICY_PACK"):
        call_command("demo", requests=5, stdout=StringIO(), stderr=StringIO())
    assert not RequestRecord.objects.exists()
