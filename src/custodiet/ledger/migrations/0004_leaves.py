"""Leaves written by the events' own transactions, apart from their positions in the log
(custodiet.ledger.sequencer). Every entry already in the log gets its leaf, in log order,
so that the rule "every event has a leaf" holds for the past too."""

import django.db.models.deletion
from django.db import migrations, models

from custodiet.ledger.insert_only import insert_only
from custodiet.merkle.rfc6962 import leaf_hash


def leaves_for_entries(apps, schema_editor):
    Entry = apps.get_model("ledger", "Entry")
    Leaf = apps.get_model("ledger", "Leaf")
    batch = []
    rows = (
        Entry.objects.order_by("index")
        .values_list("event_id", "data", "event__at")
        .iterator(chunk_size=5000)
    )
    for event_id, data, at in rows:
        data = bytes(data)
        batch.append(Leaf(event_id=event_id, data=data, hash=leaf_hash(data), staged_at=at))
        if len(batch) == 5000:
            Leaf.objects.bulk_create(batch)
            batch = []
    Leaf.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0003_cosignatures"),
        ("records", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="Leaf",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("data", models.BinaryField()),
                ("hash", models.BinaryField(max_length=32)),
                ("staged_at", models.DateTimeField()),
                (
                    "event",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="ledger_leaf",
                        to="records.event",
                    ),
                ),
            ],
        ),
        migrations.RunPython(leaves_for_entries, migrations.RunPython.noop),
        insert_only("ledger_leaf"),
    ]
