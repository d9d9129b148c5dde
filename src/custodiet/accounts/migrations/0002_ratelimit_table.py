"""The table the rate limits count in (settings.CACHES["ratelimit"]), made by `migrate` so
that a deployment needs no separate `createcachetable` step."""

from django.core.management import call_command
from django.db import migrations


def create(apps, schema_editor):
    call_command("createcachetable", "--database", schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
