"""Deliveries: how issued letters went out. On PostgreSQL the database refuses UPDATE and
DELETE of them and of the rows naming their letters, as it does for the letters themselves
(0002_insert_only)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

TABLES = ["cases_delivery", "cases_delivery_letters"]


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
    dependencies = [
        ("cases", "0002_insert_only"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Delivery",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "method",
                    models.CharField(
                        choices=[("email", "Emailed"), ("mail", "Mailed"), ("hand", "Handed over")],
                        max_length=5,
                    ),
                ),
                ("to", models.TextField(blank=True)),
                ("at", models.DateTimeField(auto_now_add=True)),
                (
                    "by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "case",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="deliveries",
                        to="cases.case",
                    ),
                ),
                (
                    "letters",
                    models.ManyToManyField(related_name="deliveries", to="cases.letter"),
                ),
            ],
            options={"ordering": ["id"]},
        ),
        migrations.RunPython(forwards, backwards),
    ]
