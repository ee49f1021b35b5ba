from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0007_name_key_id_index"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="resident",
            index=models.Index(fields=["name_key", "birth_date"], name="resident_name_key_birth_idx"),
        ),
        migrations.AddIndex(
            model_name="resident",
            index=models.Index(fields=["desa", "name_key"], name="resident_desa_name_idx"),
        ),
    ]
