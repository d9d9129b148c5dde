"""What the office was sent and what it found cannot be rewritten: on PostgreSQL the
database refuses to update or delete a receipt or a verdict, whatever the query."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from custodiet.oversight.models import Receipt, Verdict

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite has no insert-only triggers: there the rule rests on the code",
    ),
]


@pytest.fixture
def verdict(governor) -> Verdict:
    receipt = Receipt.objects.create(
        office=governor.membership.agency, uploaded_by=governor, size=3, sha256="0" * 64
    )
    return Verdict.objects.create(receipt=receipt, agency="CO-DOR-DMV", accepted=False)


@pytest.mark.parametrize(
    ("model", "change"),
    [(Receipt, {"sha256": "1" * 64}), (Verdict, {"accepted": True})],
    ids=["receipt", "verdict"],
)
def test_postgresql_refuses_to_rewrite_or_delete_them(verdict, model, change):
    table = model._meta.db_table
    for action, word in (
        (lambda: model.objects.all().update(**change), "UPDATE"),
        (lambda: connection.cursor().execute(f"DELETE FROM {table}"), "DELETE"),
    ):
        with pytest.raises(DatabaseError, match=f"{word} on {table} refused"), transaction.atomic():
            action()
