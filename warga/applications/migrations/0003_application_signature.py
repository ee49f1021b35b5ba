"""The applicant's signature on the paper form: when, witnessed by whom, where.

Applications taken at the counter or by an outreach officer were signed in front of that
officer, so the existing ones are marked signed at their submission (or creation) time; online
ones stay unsigned. The index on unsigned files is created after that, so it starts small.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import F
from django.db.models.functions import Coalesce


def mark_witnessed_signed(apps, schema_editor):
    Application = apps.get_model("applications", "Application")
    Application.objects.filter(channel__in=["counter", "outreach"], signed_at__isnull=True).update(
        signed_at=Coalesce(F("submitted_at"), F("created_at")),
        signature_witness=F("created_by"),
        signature_place=F("channel"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0002_default_services"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="application",
            name="signature_place",
            field=models.CharField(
                blank=True,
                choices=[("counter", "Kecamatan counter"), ("outreach", "Outreach (jemput bola)")],
                max_length=10,
                verbose_name="signed at",
            ),
        ),
        migrations.AddField(
            model_name="application",
            name="signature_witness",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="signature witnessed by",
            ),
        ),
        migrations.AddField(
            model_name="application",
            name="signed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="signed by the applicant"),
        ),
        migrations.RunPython(mark_witnessed_signed, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="application",
            index=models.Index(
                condition=models.Q(("signed_at__isnull", True)), fields=["applicant"], name="app_unsigned_idx"
            ),
        ),
    ]
