# The unique index in its own migration (transaction), after 0002 settled any duplicates.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("queues", "0002_quota_source_call_order"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="ticket",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "called")),
                fields=("counter", "day"),
                name="queues_one_called_per_counter",
            ),
        ),
    ]
