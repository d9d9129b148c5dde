"""`custodiet scan --import`: one Scan, its findings, every flagged row with its original
record, and the ledger event, all in one transaction, or nothing."""

from __future__ import annotations

import collections

import pytest
from django.db import DatabaseError, connection, transaction

from custodiet.ledger.models import Entry
from custodiet.monitor.models import Finding, FlaggedAccess, Scan
from custodiet.records.models import Event
from custodiet.scanner.rules import CATEGORIES, load_rules

from . import logs
from .conftest import NOW, custodiet_scan
from .test_malformed import bad_timestamp, counts

pytestmark = pytest.mark.usefixtures("frozen_now")


def switch_groups() -> set[tuple[str, str, str]]:
    """(category, ORI column, sending ORI) of each flag of the switch log: a finding's key.

    A finding is an agency's, identified by the ORIs the log gives it; only a volume
    anomaly belongs to one user, and the switch log has none.
    """
    groups = set()
    for (_, ori, _, message), categories in logs.SWITCH:
        sender = message.split(".")[1]
        for category in categories | {logs.UNCERTIFIED}:
            groups.add((category, ori.upper(), sender))
    return groups


def test_import_stores_the_scan_its_findings_and_every_flagged_row(
    tmp_path, agency, privacy_officer
):
    log = tmp_path / "switch.csv"
    # The agency's registry is read: none of the three agencies in the log has certified.
    expected = logs.switch_log(log, uncertified=True)
    ran = custodiet_scan(log, "--import", "--agency", agency.code, "--summary")
    assert ran.code == 0, ran.stderr
    assert f"for {agency.name}" in ran.stderr

    scan = Scan.objects.get()
    assert scan.agency == agency
    assert scan.imported_at == NOW
    assert scan.rows == len(logs.SWITCH)
    assert scan.flags == len(expected)
    assert scan.certification_checked
    assert scan.by_category == dict.fromkeys(CATEGORIES, 0) | collections.Counter(
        category for _, category in expected
    )
    assert scan.files[0]["name"] == "switch.csv"
    assert scan.files[0]["layout"] == "switch"
    assert scan.files[0]["rows"] == len(logs.SWITCH)
    assert len(scan.files[0]["sha256"]) == 64
    # CO0010000 sent one message under its own ORI and one under ICE's.
    assert {
        "label": "CO0010000 (not in the agency directory)",
        "ori": "CO0010000",
        "name": "",
        "accesses": 1,
    } in scan.unknown_agencies

    flagged = FlaggedAccess.objects.filter(finding__scan=scan).select_related("finding")
    assert {(row.source_line, row.finding.category) for row in flagged} == expected
    assert len(flagged) == len(expected)
    header, records = logs.originals(log)
    assert header == list(logs.SWITCH_HEADER)
    for row in flagged:
        assert row.columns == records[row.source_line]
        assert [name for name, _ in row.record] == list(records[row.source_line])
        assert row.source_file == "switch.csv"
        assert row.occurred_at is not None
        assert row.why


def test_findings_group_the_flags_by_category_rule_agency_and_user(
    tmp_path, agency, privacy_officer
):
    log = tmp_path / "switch.csv"
    logs.switch_log(log, uncertified=True)
    assert custodiet_scan(log, "--import", "--agency", agency.code).code == 0
    rules = load_rules()
    findings = list(Finding.objects.filter(scan=Scan.objects.get()).prefetch_related("rows"))
    assert len(findings) == len(switch_groups())
    keys = [(f.category, f.rule, f.agency, f.user_id) for f in findings]
    assert len(keys) == len(set(keys))
    for finding in findings:
        rows = list(finding.rows.all())
        assert finding.accesses == len(rows)
        assert finding.rule == rules.by_category(finding.category).id
        assert finding.user_id == ""
        senders = {(r.columns["ori"].upper(), r.columns["message"].split(".")[1]) for r in rows}
        assert len(senders) == 1
        assert finding.first_at == min(row.occurred_at for row in rows)
        assert finding.last_at == max(row.occurred_at for row in rows)
    lesc = [f for f in findings if f.category == logs.AGENCY]
    assert sorted((f.agency, f.agency_directory_id, f.accesses) for f in lesc) == [
        ("Law Enforcement Support Center (CO0010000)", "US-DHS-ICE-LESC", 1),
        ("Law Enforcement Support Center (VTICE0900)", "US-DHS-ICE-LESC", 3),
    ]


def test_the_import_is_recorded_in_the_ledger(tmp_path, agency, privacy_officer):
    log = tmp_path / "switch.csv"
    expected = logs.switch_log(log, uncertified=True)
    assert custodiet_scan(log, "--import", "--agency", agency.code).code == 0
    scan = Scan.objects.get()
    event = Event.objects.get(kind="monitor.scan_imported")
    assert event.request is None
    assert event.at == scan.imported_at
    assert event.actor.startswith("command line")
    assert event.payload["scan"] == scan.pk
    assert event.payload["agency"] == agency.code
    assert event.payload["flags"] == len(expected)
    assert event.payload["rows"] == len(logs.SWITCH)
    assert event.payload["files"] == scan.files
    assert Entry.objects.filter(event=event).exists()


def test_the_only_agency_set_up_is_the_default(tmp_path, agency, privacy_officer):
    log = tmp_path / "switch.csv"
    logs.switch_log(log)
    assert custodiet_scan(log, "--import").code == 0
    assert Scan.objects.get().agency == agency


@pytest.mark.django_db
def test_import_needs_an_agency_and_refuses_one_that_does_not_exist(tmp_path):
    log = tmp_path / "switch.csv"
    logs.switch_log(log)
    ran = custodiet_scan(log, "--import")
    assert ran.code == 2
    assert "--agency" in ran.stderr
    ran = custodiet_scan(log, "--import", "--agency", "XX-NOWHERE")
    assert ran.code == 2
    assert "XX-NOWHERE" in ran.stderr
    assert Scan.objects.count() == 0


def test_a_failing_import_after_a_good_one_changes_nothing(tmp_path, agency, privacy_officer):
    log = tmp_path / "switch.csv"
    logs.switch_log(log)
    assert custodiet_scan(log, "--import", "--agency", agency.code).code == 0
    before = counts()
    bad = tmp_path / "bad.csv"
    bad_timestamp(bad)
    for _ in range(2):
        assert custodiet_scan(bad, "--import", "--agency", agency.code).code == 2
        assert counts() == before
    assert before[0] == 1


def test_an_import_that_fails_half_way_leaves_nothing(
    tmp_path, agency, privacy_officer, monkeypatch
):
    log = tmp_path / "switch.csv"
    logs.switch_log(log, uncertified=True)
    before = counts()
    entries = Entry.objects.count()

    def fail(*args, **kwargs):
        raise DatabaseError("the disk is full")

    monkeypatch.setattr(FlaggedAccess.objects, "bulk_create", fail)
    with pytest.raises(DatabaseError):
        custodiet_scan(log, "--import", "--agency", agency.code)
    assert counts() == before
    assert Entry.objects.count() == entries


def test_a_file_imported_once_is_not_imported_again(tmp_path, agency):
    log = tmp_path / "switch.csv"
    logs.switch_log(log)
    assert custodiet_scan(log, "--import", "--agency", agency.code, "--summary").code == 0
    out = tmp_path / "again.csv"
    again = custodiet_scan(log, "--import", "--agency", agency.code, "--out", out)
    assert again.code == 1
    assert not out.exists()  # refused before anything was written
    assert "switch.csv was imported already, as scan" in again.stderr
    assert Scan.objects.count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no insert-only triggers")
def test_postgresql_refuses_to_rewrite_an_imported_scan(tmp_path, agency):
    log = tmp_path / "switch.csv"
    logs.switch_log(log)
    assert custodiet_scan(log, "--import", "--agency", agency.code, "--summary").code == 0
    for model in (Scan, Finding, FlaggedAccess):
        table = model._meta.db_table
        for sql in (f"UPDATE {table} SET id = id", f"DELETE FROM {table}"):
            with (
                pytest.raises(DatabaseError, match="insert-only"),
                transaction.atomic(),
                connection.cursor() as cursor,
            ):
                cursor.execute(sql)
    assert Scan.objects.count() == 1


def test_the_repeated_autumn_hour_keeps_both_instants(tmp_path, agency):
    # 1:30 in Denver happens twice on 2 November 2025: first at -06:00, then at -07:00.
    log = tmp_path / "canonical.csv"
    log.write_text(
        "occurred_at,ori,user_id,reason\n"
        "2025-11-02T01:30:00-06:00,CO0160200,dpd-1,inv\n"
        "2025-11-02T01:30:00-07:00,CO0160200,dpd-1,inv\n"
    )
    assert custodiet_scan(log, "--import", "--agency", agency.code, "--summary").code == 0
    times = sorted(
        FlaggedAccess.objects.filter(finding__category="no_articulable_purpose").values_list(
            "occurred_at", flat=True
        )
    )
    assert [t.isoformat() for t in times] == [
        "2025-11-02T07:30:00+00:00",
        "2025-11-02T08:30:00+00:00",
    ]
