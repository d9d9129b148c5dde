"""On PostgreSQL the database refuses UPDATE and DELETE of sent-reminder records, as it
does for ledger rows (the function comes from ledger 0002): deleting one would let a
reminder go out twice."""

from django.db import migrations

TABLE = "reminders_sentreminder"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE TRIGGER {TABLE}_insert_only BEFORE UPDATE OR DELETE ON {TABLE} "
        "FOR EACH ROW EXECUTE FUNCTION custodiet_insert_only()"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_insert_only ON {TABLE}")


class Migration(migrations.Migration):
    dependencies = [("reminders", "0001_initial"), ("ledger", "0002_insert_only")]
    operations = [migrations.RunPython(forwards, backwards)]
