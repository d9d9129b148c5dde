"""`custodiet demo` loads a working agency once, through the real actions, and can run again."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from custodiet.cases.models import Case
from custodiet.ledger import store
from custodiet.ledger.models import Checkpoint
from custodiet.monitor.models import Scan
from custodiet.partners.models import Certification, Partner
from custodiet.records.models import RequestRecord
from custodiet.reports.models import Attestation, Report


@pytest.mark.django_db
def test_the_demo_loads_partners_and_requests_once_and_the_ledger_verifies(tmp_path, settings):
    settings.CUSTODIET_LOG_KEY_FILE = tmp_path / "log.key"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    out = StringIO()
    call_command("demo", "--requests", "45", stdout=out, stderr=StringIO())
    assert RequestRecord.objects.count() == Case.objects.count() == 45
    # Two third parties with their certifications, and two police partners that query
    # the database in the demo's access logs.
    assert Partner.objects.count() == 4
    assert Certification.objects.count() == 10
    scan = Scan.objects.get()
    assert scan.by_category["immigration_agency"] > 0
    # The one officer's burst of 400 queries in a morning, and their other queries that day.
    burst = scan.findings.get(category="volume_anomaly")
    assert burst.user_id == "DPD007" and burst.accesses >= 400
    assert {case.state for case in Case.objects.all()} > {"to_refuse"}
    assert "Partner API token (shown once): cus_" in out.getvalue()
    # The 2025 quarters: built, the first three attested and accepted, the last waiting.
    assert sorted(Report.objects.values_list("period", flat=True)) == [
        "2025-Q1",
        "2025-Q2",
        "2025-Q3",
        "2025-Q4",
    ]
    assert sorted(Attestation.objects.values_list("report__period", flat=True)) == [
        "2025-Q1",
        "2025-Q2",
        "2025-Q3",
    ]
    signed = Checkpoint.objects.count()

    again = StringIO()
    call_command("demo", "--requests", "45", stdout=again, stderr=StringIO())
    assert RequestRecord.objects.count() == 45
    assert Scan.objects.count() == 1
    assert "Partner API token" not in again.getvalue()
    result = store.verify(verifier=store.signer().verifier)
    assert result.ok, result.problem
    assert result.checkpoints == signed  # nothing new to sign on the second run
    assert Report.objects.count() == 4
