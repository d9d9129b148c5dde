"""On PostgreSQL the database refuses UPDATE and DELETE of directory changes, as it does
for ledger rows."""

from django.db import migrations

from custodiet.ledger.insert_only import insert_only


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_initial"), ("ledger", "0002_insert_only")]
    operations = [insert_only("directory_directorychange")]
