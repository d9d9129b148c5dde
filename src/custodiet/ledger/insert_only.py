"""A migration operation that makes tables insert-only on PostgreSQL.

It attaches `custodiet_insert_only()` (created by ledger migration 0002) to each table as a
BEFORE UPDATE OR DELETE trigger, so the database itself refuses to change or remove a row.
SQLite has no such function; there the guarantee rests on the code having no such path.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations


def insert_only(*tables: str) -> migrations.RunPython:
    def forwards(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        for table in tables:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_insert_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION custodiet_insert_only()"
            )

    def backwards(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        for table in tables:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_insert_only ON {table}")

    return migrations.RunPython(forwards, backwards)
