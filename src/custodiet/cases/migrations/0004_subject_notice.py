"""Notices to the person whose records were asked for (`notify_subject`), and what met
them. On PostgreSQL the database refuses UPDATE and DELETE of both, as for the letters."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from custodiet.ledger.insert_only import insert_only


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0003_delivery"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="SubjectNotice",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("position", models.PositiveSmallIntegerField()),
                ("subject", models.CharField(blank=True, max_length=300)),
                ("due_on", models.DateField(db_index=True)),
                ("citation", models.CharField(max_length=300)),
                ("period", models.CharField(max_length=40)),
                ("exception", models.TextField(blank=True)),
                ("before_release", models.BooleanField(default=False)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "case",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="subject_notices",
                        to="cases.case",
                    ),
                ),
            ],
            options={
                "ordering": ["id"],
            },
        ),
        migrations.CreateModel(
            name="NoticeAction",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[("sent", "Sent"), ("excused", "Excused by counsel")], max_length=8
                    ),
                ),
                (
                    "method",
                    models.CharField(
                        blank=True,
                        choices=[("email", "Emailed"), ("mail", "Mailed"), ("hand", "Handed over")],
                        max_length=5,
                    ),
                ),
                ("to", models.TextField(blank=True)),
                ("letter_en", models.BinaryField(null=True)),
                ("letter_es", models.BinaryField(null=True)),
                ("sha256", models.JSONField(default=list)),
                ("reason", models.TextField(blank=True)),
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
                    "notice",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="actions",
                        to="cases.subjectnotice",
                    ),
                ),
            ],
            options={
                "ordering": ["id"],
            },
        ),
        migrations.AddConstraint(
            model_name="subjectnotice",
            constraint=models.UniqueConstraint(
                fields=("case", "position"), name="one_notice_per_subject"
            ),
        ),
        migrations.AddConstraint(
            model_name="noticeaction",
            constraint=models.UniqueConstraint(fields=("notice",), name="notice_met_once"),
        ),
        insert_only("cases_subjectnotice", "cases_noticeaction"),
    ]
