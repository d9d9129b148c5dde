"""Ledger rows, events and decisions are insert-only: on PostgreSQL the database itself
refuses to update or delete them, whether through the ORM or raw SQL."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, models, transaction

from custodiet.ledger.models import Checkpoint, Entry, Node
from custodiet.records.models import DecisionRecord, Event

from .conftest import POSTGRES, contract_request, verify_ledger

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not POSTGRES,
        reason="SQLite has no insert-only triggers: there the rule rests on the code and "
        "on `custodiet ledger verify` (see the tampering tests)",
    ),
]

# A change to one column of every row, for each protected model.
CHANGES: dict[type[models.Model], dict[str, object]] = {
    Entry: {"data": b"rewritten"},
    Node: {"hash": bytes(32)},
    Checkpoint: {"root": bytes(32)},
    Event: {"actor": "someone else"},
    DecisionRecord: {"outcome": "eligible"},
}
# For each protected table: a column to rewrite and its primary key.
COLUMNS = {
    "ledger_entry": ("data", '"index"'),
    "ledger_node": ("hash", "id"),
    "ledger_checkpoint": ("note", "id"),
    "records_event": ("payload", "id"),
    "records_decisionrecord": ("outcome", "id"),
}


@pytest.fixture
def ledger(log_key: str, import_requests) -> None:
    import_requests([contract_request(1), contract_request(2)])
    call_command("ledger", "checkpoint", stdout=io.StringIO())


def refused(action: Callable[[], object]) -> str:
    """Run `action` in a savepoint, so the refusal does not abort the test's transaction."""
    with pytest.raises(DatabaseError) as error, transaction.atomic():
        action()
    return str(error.value)


def raw(statement: str) -> Callable[[], None]:
    def run() -> None:
        with connection.cursor() as cursor:
            cursor.execute(statement)

    return run


@pytest.mark.parametrize("model", list(CHANGES), ids=lambda model: model.__name__)
def test_postgresql_refuses_an_orm_update(ledger: None, model: type[models.Model]) -> None:
    message = refused(lambda: model.objects.all().update(**CHANGES[model]))
    assert f"UPDATE on {model._meta.db_table} refused: ledger rows are insert-only" in message


@pytest.mark.parametrize("model", [Entry, Node, Checkpoint], ids=lambda model: model.__name__)
def test_postgresql_refuses_an_orm_delete(ledger: None, model: type[models.Model]) -> None:
    message = refused(lambda: model.objects.all().delete())
    assert f"DELETE on {model._meta.db_table} refused: ledger rows are insert-only" in message


@pytest.mark.parametrize("table", list(COLUMNS))
def test_postgresql_refuses_a_raw_sql_update(ledger: None, table: str) -> None:
    column, _ = COLUMNS[table]
    message = refused(raw(f"UPDATE {table} SET {column} = {column}"))
    assert f"UPDATE on {table} refused: ledger rows are insert-only" in message


@pytest.mark.parametrize("table", list(COLUMNS))
def test_postgresql_refuses_a_raw_sql_delete(ledger: None, table: str) -> None:
    # For events the ORM would stop first (entries PROTECT them); raw SQL meets the trigger.
    _, key = COLUMNS[table]
    message = refused(raw(f"DELETE FROM {table} WHERE {key} = (SELECT max({key}) FROM {table})"))
    assert f"DELETE on {table} refused: ledger rows are insert-only" in message


def test_after_every_refused_change_the_ledger_still_verifies(ledger: None) -> None:
    for model, change in CHANGES.items():
        refused(lambda model=model, change=change: model.objects.all().update(**change))
        refused(raw(f"DELETE FROM {model._meta.db_table}"))
    assert verify_ledger().status == 0
    assert Entry.objects.count() == Event.objects.count() == 4
