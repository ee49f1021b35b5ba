"""The time to answer in working days, stored with the written notice (for the annual report),
filled in for the notices already given with the same working-day calendar."""

from django.db import migrations, models


def fill(apps, schema_editor):
    from warga.core.workdays import WorkCalendar

    InformationRequest = apps.get_model("ppid", "InformationRequest")
    calendar = WorkCalendar()
    decided = (
        InformationRequest._base_manager.exclude(decided_on=None)
        .filter(answer_days=None)
        .values_list("pk", "received_on", "decided_on")
    )
    for pk, received_on, decided_on in decided.iterator():
        InformationRequest._base_manager.filter(pk=pk).update(
            answer_days=calendar.between(received_on, decided_on)
        )
    if schema_editor.connection.vendor == "postgresql":
        # The indexes below are created in the same transaction: no trigger event may be pending.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("ppid", "0002_registers"),
    ]

    operations = [
        migrations.AddField(
            model_name="informationrequest",
            name="answer_days",
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="informationrequest",
            index=models.Index(
                fields=["-escalation_level", "status", "due_on", "-id"], name="ppid_list_order"
            ),
        ),
        migrations.AddIndex(
            model_name="informationrequest",
            index=models.Index(
                fields=["status", "due_on", "region", "holding_unit"], name="ppid_status_counts"
            ),
        ),
    ]
