"""On PostgreSQL the database refuses UPDATE and DELETE of restriction notices, their
acknowledgments and certifications, as it does for ledger rows (the function comes from
ledger 0002)."""

from django.db import migrations

TABLES = ["partners_notice", "partners_acknowledgment", "partners_certification"]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
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


class Migration(migrations.Migration):
    dependencies = [("partners", "0001_initial"), ("ledger", "0002_insert_only")]
    operations = [migrations.RunPython(forwards, backwards)]
