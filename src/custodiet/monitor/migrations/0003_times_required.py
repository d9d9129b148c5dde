"""Every flagged access has a time: the scan refuses a row whose time cannot be read."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("monitor", "0002_insert_only")]
    operations = [
        migrations.AlterField(model_name="finding", name="first_at", field=models.DateTimeField()),
        migrations.AlterField(model_name="finding", name="last_at", field=models.DateTimeField()),
        migrations.AlterField(
            model_name="flaggedaccess", name="occurred_at", field=models.DateTimeField()
        ),
    ]
