import json

from django.db import migrations, models


def summarise_parts(apps, schema_editor):
    """The number of observations and the latest reference date of every stored part, from its
    rows (compact rows: the date is the second item)."""
    SnapshotPart = apps.get_model("reports", "SnapshotPart")
    for pk in list(SnapshotPart.objects.values_list("pk", flat=True)):
        rows = json.loads(SnapshotPart.objects.values_list("rows", flat=True).get(pk=pk))
        SnapshotPart.objects.filter(pk=pk).update(
            count=len(rows), latest=max((row[1] for row in rows), default="")
        )


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0003_snapshot_stream"),
    ]

    operations = [
        migrations.AddField(
            model_name="snapshotpart",
            name="count",
            field=models.PositiveIntegerField(default=0, verbose_name="number of observations"),
        ),
        migrations.AddField(
            model_name="snapshotpart",
            name="latest",
            field=models.CharField(blank=True, max_length=32, verbose_name="latest reference date"),
        ),
        migrations.RunPython(summarise_parts, migrations.RunPython.noop),
    ]
