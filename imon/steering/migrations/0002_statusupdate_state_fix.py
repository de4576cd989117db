"""Before 0003 adds the measure's constraints to status updates: fix the rows that would break them.

Forms, the spreadsheet import and the model validators have refused such values all along, so rows
like these can only come from direct writes. What is right for each:

- yellow or red light without a reason: the light is the warning and stays; the reason becomes
  "(ohne Begründung)", so that readers see that none was given (data is German, like every reason);
- progress above 100: not a progress; emptied, so that the default of the status counts (the
  documented rule for a missing figure) instead of a guess such as 100;
- negative staff, cost or funding: not a figure; emptied.

Every fix is recorded in the history of the status update (old → new, without a user) and raises its
version, so that a form opened before the fix reports the change instead of overwriting it.
"""

from django.db import migrations
from django.db.models import F, Q

NO_REASON = "(ohne Begründung)"


def _text(value):
    return "" if value is None else str(value)


def fix_status_updates(apps, schema_editor):
    StatusUpdate = apps.get_model("steering", "StatusUpdate")
    Change = apps.get_model("steering", "Change")
    broken = StatusUpdate.objects.filter(
        Q(traffic_light__in=["yellow", "red"], traffic_light_reason="")
        | Q(progress__gt=100)
        | Q(staff__lt=0)
        | Q(cost__lt=0)
        | Q(funding__lt=0)
    ).select_related("cycle")
    changes = []
    for update in broken:
        fixed = {}
        if update.traffic_light in ("yellow", "red") and update.traffic_light_reason == "":
            fixed["traffic_light_reason"] = NO_REASON
        if update.progress is not None and update.progress > 100:
            fixed["progress"] = None
        for name in ("staff", "cost", "funding"):
            if getattr(update, name) is not None and getattr(update, name) < 0:
                fixed[name] = None
        key = f"{update.cycle.key}/{update.measure_key}"
        changes += [
            Change(
                cycle=update.cycle,
                object_type="status_update",
                object_key=key,
                action="changed",
                field=name,
                old=_text(getattr(update, name)),
                new=_text(value),
            )
            for name, value in fixed.items()
        ]
        StatusUpdate.objects.filter(pk=update.pk).update(**fixed, version=F("version") + 1)
    Change.objects.bulk_create(changes)


class Migration(migrations.Migration):
    dependencies = [
        ("steering", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(fix_status_updates, migrations.RunPython.noop),
    ]
