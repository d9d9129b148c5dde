"""On PostgreSQL the database itself refuses UPDATE and DELETE of the office's receipts and
verdicts, as it does the ledger's rows (ledger migration 0002 makes the function)."""

from django.db import migrations

from custodiet.ledger.insert_only import insert_only


class Migration(migrations.Migration):
    dependencies = [("oversight", "0001_initial"), ("ledger", "0002_insert_only")]
    operations = [insert_only("oversight_receipt", "oversight_verdict")]
