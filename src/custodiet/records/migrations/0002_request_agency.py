"""Each request belongs to the agency whose log holds it.

Existing requests take the agency of their case, or else the agency their
`receiving_agency` names, or else the only agency there is; with several agencies, a
request that matches none stays without one and is in no agency's log.
"""

import django.db.models.deletion
from django.db import migrations, models


def owners(apps, schema_editor):
    RequestRecord = apps.get_model("records", "RequestRecord")
    Case = apps.get_model("cases", "Case")
    Agency = apps.get_model("accounts", "Agency")
    for agency in Agency.objects.all():
        cases = Case.objects.filter(agency=agency).values("request_id")
        RequestRecord.objects.filter(agency__isnull=True, pk__in=cases).update(agency=agency)
        RequestRecord.objects.filter(
            agency__isnull=True, case__isnull=True, receiving_agency=agency.code
        ).update(agency=agency)
    # Imports used to leave receiving_agency empty; with one agency, they are its own.
    agencies = list(Agency.objects.all()[:2])
    if len(agencies) == 1:
        RequestRecord.objects.filter(agency__isnull=True).update(agency=agencies[0])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("cases", "0001_initial"),
        ("records", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="requestrecord",
            name="agency",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="requests",
                to="accounts.agency",
            ),
        ),
        migrations.AddIndex(
            model_name="requestrecord",
            index=models.Index(
                fields=["agency", "received_at"], name="records_req_agency__b45337_idx"
            ),
        ),
        migrations.RunPython(owners, migrations.RunPython.noop),
    ]
