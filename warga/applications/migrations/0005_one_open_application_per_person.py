"""One open application of a service per person, enforced by a partial unique index.

The services that may be under way several times for one applicant are marked; existing open
files of the other services become exclusive, except later duplicates already in the database
(they stay as they are, so the index can be built; they leave it when they finish).
"""

from django.conf import settings
from django.db import migrations, models

SEVERAL = ["akta-lahir", "akta-mati", "kk-tambah", "kk-kurang"]
FINISHED = ["handed_over", "closed", "rejected"]


def mark(apps, schema_editor):
    Service = apps.get_model("applications", "Service")
    Application = apps.get_model("applications", "Application")
    Service.objects.filter(code__in=SEVERAL).update(allow_several=True)
    seen = set()
    keep = []
    open_files = (
        Application.objects.filter(is_sandbox=False, service__allow_several=False)
        .exclude(status__in=FINISHED)
        .order_by("created_at", "id")
        .values_list("id", "service_id", "applicant_nik")
    )
    for pk, service_id, nik in open_files.iterator():
        if (service_id, nik) not in seen:
            seen.add((service_id, nik))
            keep.append(pk)
    for start in range(0, len(keep), 1000):
        Application.objects.filter(pk__in=keep[start : start + 1000]).update(is_exclusive=True)


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0004_active_queue_index"),
        ("org", "0001_initial"),
        ("regions", "0001_initial"),
        ("registry", "0007_name_key_id_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="application",
            name="is_exclusive",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="service",
            name="allow_several",
            field=models.BooleanField(
                default=False,
                help_text="Allow a person to have more than one open application of this service at a time.",
                verbose_name="several open applications per person",
            ),
        ),
        migrations.RunPython(mark, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="application",
            constraint=models.UniqueConstraint(
                condition=models.Q(
                    ("is_exclusive", True),
                    (
                        "status__in",
                        [
                            "draft",
                            "submitted",
                            "verified",
                            "returned_to_applicant",
                            "sent",
                            "in_review",
                            "approved",
                            "returned_to_kecamatan",
                            "issued",
                            "sent_to_kecamatan",
                        ],
                    ),
                ),
                fields=("service", "applicant_nik"),
                name="unique_open_application",
            ),
        ),
    ]
