"""`custodiet requests import` and `custodiet requests export`, as a records custodian runs
them: every imported request is recorded, decided and ledgered, or none of the file is;
the export is the 24-74-106 request log over the agency's local dates."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from custodiet.ledger.models import Entry
from custodiet.records.models import DecisionRecord, Event, RequestRecord

from .conftest import contract_request, verify_ledger, write_jsonl

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("agency")]

# C.R.S. 24-74-106 asks for a written record of each request: when it came and how, who
# asked and for what, why and under what authority, what was decided, why, by whom, and
# when it was answered.
LOG_FIELDS = [
    "request_id",
    "date_received",
    "channel",
    "receiving_agency",
    "requester_name",
    "requester_organization",
    "requester_level",
    "records_sought",
    "purpose_stated",
    "purpose_category",
    "legal_basis_offered",
    "outcome",
    "immigration_related",
    "reportable",
    "reasons",
    "law_layer",
    "decided_by",
    "decided_at",
    "final_status",
    "decided_by_role",
    "last_decided_by",
    "released_or_refused_at",
]


def nothing_recorded() -> bool:
    return not (
        RequestRecord.objects.exists()
        or DecisionRecord.objects.exists()
        or Event.objects.exists()
        or Entry.objects.exists()
    )


def export(*args: str) -> list[dict[str, str]]:
    out = io.StringIO()
    call_command("requests", "export", *args, stdout=out, stderr=io.StringIO())
    return list(csv.DictReader(io.StringIO(out.getvalue())))


def test_import_records_each_request_with_its_decision_and_two_ledgered_events(
    tmp_path: Path,
) -> None:
    immigration = contract_request(
        3,
        requester={"organization": "U.S. Immigration and Customs Enforcement", "component": "ERO"},
        purpose="Locate subject for removal proceedings.",
        purpose_category="civil_immigration_enforcement",
        criminal_investigation=None,
    )
    path = write_jsonl(
        tmp_path / "in.jsonl", [contract_request(1), contract_request(2), immigration]
    )
    out = io.StringIO()
    call_command("requests", "import", str(path), "--user", "clerk", stdout=out)

    assert out.getvalue().startswith(f"imported 3 requests from {path}: ")
    records = {record.public_id: record for record in RequestRecord.objects.all()}
    assert sorted(records) == ["T-0001", "T-0002", "T-0003"]
    assert records["T-0001"].outcome == "eligible"
    assert records["T-0003"].outcome == "refuse"
    assert records["T-0003"].immigration_related is True
    for record in records.values():
        assert [decision.outcome for decision in record.decisions.all()] == [record.outcome]
        assert [event.kind for event in record.events.order_by("id")] == [
            "request.received",
            "request.decided",
        ]
        assert {event.actor for event in record.events.all()} == {"import:clerk"}
    assert sorted(Entry.objects.values_list("index", flat=True)) == list(range(6))
    assert not Event.objects.filter(ledger_entry__isnull=True).exists()
    assert verify_ledger().status == 0


def test_import_refuses_the_whole_file_naming_the_line_and_field_and_writes_nothing(
    tmp_path: Path,
) -> None:
    path = write_jsonl(
        tmp_path / "in.jsonl",
        [
            contract_request(1),
            contract_request(2, records_requested=["address", "favorite_color"]),
            contract_request(3),
            "{not json",
            contract_request(5, received_at="last Tuesday"),
        ],
    )
    with pytest.raises(CommandError) as error:
        call_command("requests", "import", str(path), "--user", "clerk")

    message = str(error.value)
    assert message.startswith("nothing was imported:")
    assert f"{path}, line 2: records_requested[1]: " in message
    assert f"{path}, line 4: request: not valid JSON" in message
    assert f"{path}, line 5: received_at: " in message
    assert "line 1" not in message and "line 3" not in message
    assert nothing_recorded()


def test_import_of_an_id_already_recorded_writes_nothing_from_that_file(
    tmp_path: Path, import_requests
) -> None:
    import_requests([contract_request(1)])
    path = write_jsonl(tmp_path / "again.jsonl", [contract_request(2), contract_request(1)])
    with pytest.raises(CommandError, match="already recorded: T-0001"):
        call_command("requests", "import", str(path), "--user", "clerk")

    assert list(RequestRecord.objects.values_list("public_id", flat=True)) == ["T-0001"]
    assert Event.objects.count() == Entry.objects.count() == 2
    assert verify_ledger().status == 0


def test_import_of_the_same_id_twice_in_one_file_writes_nothing(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "twice.jsonl", [contract_request(1), contract_request(1)])
    with pytest.raises(CommandError, match="appears twice"):
        call_command("requests", "import", str(path), "--user", "clerk")
    assert nothing_recorded()


def test_import_of_an_empty_or_unreadable_file_is_an_error(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n\n")
    with pytest.raises(CommandError, match="holds no requests"):
        call_command("requests", "import", str(empty), "--user", "clerk")
    with pytest.raises(CommandError, match="cannot read"):
        call_command("requests", "import", str(tmp_path / "missing.jsonl"), "--user", "clerk")
    assert nothing_recorded()


def test_export_writes_the_request_log_fields_for_each_request(import_requests) -> None:
    import_requests(
        [
            contract_request(1),
            contract_request(
                2,
                received_at="2022-03-15T09:30:00-06:00",
                channel="phone",
                requester={"organization": "Front Range Mutual Insurance", "level": "private"},
                records_requested=["address", "vehicle_registration"],
                purpose="Underwriting",
                purpose_category="agency_function",
                criminal_investigation=None,
                legal_process=[{"title": "Subpoena duces tecum", "issued_by": "District Court"}],
            ),
        ]
    )
    rows = export()

    assert list(rows[0]) == LOG_FIELDS
    first, second = rows
    assert first["request_id"] == "T-0001"
    assert first["date_received"] == "2022-03-14T10:00-06:00"
    assert first["channel"] == "email"
    assert first["receiving_agency"] == "CO-DOR-DMV"
    assert first["requester_name"] == "Det. Alex Example"
    assert first["requester_organization"] == "Denver Police Department"
    assert first["requester_level"] == "local"
    assert first["records_sought"] == "address"
    assert first["purpose_stated"] == "Armed robbery investigation"
    assert first["purpose_category"] == "criminal_investigation"
    assert first["legal_basis_offered"] == "criminal investigation DPD-1 robbery"
    assert first["outcome"] == "eligible"
    assert first["immigration_related"] == "no"
    assert "(" in first["reasons"] and ": eligible" in first["reasons"]
    assert first["decided_by"] == "policy engine"
    assert first["decided_at"]
    assert first["released_or_refused_at"] == ""
    assert second["records_sought"] == "address; vehicle_registration"
    assert second["legal_basis_offered"] == "Subpoena duces tecum"
    assert second["requester_level"] == "private"


def test_export_date_range_is_the_agencys_local_dates_both_ends_inclusive(import_requests) -> None:
    import_requests(
        [
            # 23:30 in Denver on 28 February is already 1 March in UTC: outside.
            contract_request(1, received_at="2022-02-28T23:30:00-07:00"),
            contract_request(2, received_at="2022-03-01T00:00:00-07:00"),
            contract_request(3, received_at="2022-03-15T12:00:00Z"),
            # The last minute of 31 March in Denver (daylight time) is 1 April in UTC: inside.
            contract_request(4, received_at="2022-03-31T23:59:00-06:00"),
            contract_request(5, received_at="2022-04-01T00:00:00-06:00"),
        ]
    )
    rows = export("--from", "2022-03-01", "--to", "2022-03-31")
    assert [(row["request_id"], row["date_received"]) for row in rows] == [
        ("T-0002", "2022-03-01T00:00-07:00"),
        ("T-0003", "2022-03-15T06:00-06:00"),
        ("T-0004", "2022-03-31T23:59-06:00"),
    ]
    assert [row["request_id"] for row in export("--from", "2022-03-31", "--to", "2022-03-31")] == [
        "T-0004"
    ]
    assert [row["request_id"] for row in export("--to", "2022-02-28")] == ["T-0001"]
    assert [row["request_id"] for row in export("--from", "2022-04-01")] == ["T-0005"]
    assert len(export()) == 5


def test_export_to_a_file(import_requests, tmp_path: Path) -> None:
    import_requests([contract_request(1), contract_request(2)])
    target = tmp_path / "log.csv"
    err = io.StringIO()
    call_command("requests", "export", "--out", str(target), stderr=err)
    with target.open(newline="", encoding="utf-8") as handle:
        assert [row["request_id"] for row in csv.DictReader(handle)] == ["T-0001", "T-0002"]
    assert err.getvalue().strip() == f"wrote 2 requests to {target}"


def test_export_rejects_a_range_that_ends_before_it_starts_or_a_bad_date() -> None:
    with pytest.raises(CommandError, match="before --from"):
        call_command("requests", "export", "--from", "2022-03-02", "--to", "2022-03-01")
    with pytest.raises(CommandError, match="'March 1' is not a date written as YYYY-MM-DD"):
        call_command("requests", "export", "--from", "March 1")
