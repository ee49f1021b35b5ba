"""CitizenReport becomes Case: the same rows, now with a random tracking code, a kind and a
category from the fixed list (unknown words become "lainnya"), and "routed" becomes "assigned"."""

import secrets

from django.db import migrations, models

TRACKING_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
CATEGORIES = {
    "sakit",
    "kematian",
    "kelahiran",
    "listrik_padam",
    "air",
    "jalan",
    "bencana",
    "keamanan",
    "layanan_publik",
    "petugas",
    "lainnya",
}


def forwards(apps, schema_editor):
    Case = apps.get_model("reports", "Case")
    used = set()
    for case in Case._base_manager.all().order_by("pk"):
        code = ""
        while not code or code in used:
            code = "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(10))
        used.add(code)
        case.tracking_code = code
        category = (case.category or "").strip().lower().replace(" ", "_")
        case.category = category if category in CATEGORIES else "lainnya"
        if case.status == "routed":
            case.status = "assigned"
        case.save(update_fields=["tracking_code", "category", "status"])
    if schema_editor.connection.vendor == "postgresql":
        # The foreign-key checks of the rows just updated are deferred to the end of the
        # transaction; the indexes this migration creates come after this step, and PostgreSQL
        # refuses to create an index on a table with pending checks. Run them now.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
        ("org", "0001_initial"),
        ("regions", "0001_initial"),
    ]

    operations = [
        migrations.RenameModel("CitizenReport", "Case"),
        migrations.RenameField("Case", "phone", "reporter_phone"),
        migrations.AddField(
            model_name="case",
            name="tracking_code",
            field=models.CharField(default="", max_length=12, verbose_name="tracking code"),
            preserve_default=False,
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
