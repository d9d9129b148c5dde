"""On PostgreSQL the database itself refuses UPDATE and DELETE of ledger rows and events.

Row triggers, so a mistaken query or a compromised application account cannot rewrite
history; TRUNCATE is left to privileges (the application's role should not hold it; see
the README). SQLite has no roles, and its tests flush tables with DELETE, so there the
insert-only rule rests on the code and on `custodiet ledger verify`.
"""

from django.db import migrations

TABLES = [
    "ledger_entry",
    "ledger_node",
    "ledger_checkpoint",
    "records_event",
    "records_decisionrecord",
]

FUNCTION = """
CREATE OR REPLACE FUNCTION custodiet_insert_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'custodiet: % on % refused: ledger rows are insert-only', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION, params=None)  # its % are PL/pgSQL's, not parameters
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_insert_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION custodiet_insert_only()"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_insert_only ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS custodiet_insert_only()")


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial"), ("records", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
