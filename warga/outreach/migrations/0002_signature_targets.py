"""Targets of applications waiting for the applicant's signature, and the field app's `signature`
record. Choices only: nothing changes in the database."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("outreach", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="syncrecord",
            name="kind",
            field=models.CharField(
                choices=[
                    ("ktp_recording", "KTP-el recording"),
                    ("application", "Application"),
                    ("correction", "Correction of resident data"),
                    ("report", "Citizen report"),
                    ("signature", "Applicant's signature on an application"),
                ],
                max_length=16,
                verbose_name="kind",
            ),
        ),
        migrations.AlterField(
            model_name="target",
            name="kind",
            field=models.CharField(
                choices=[
                    ("ktp_recording", "KTP-el not yet recorded"),
                    ("card_handover", "Card to hand over"),
                    ("app_signature", "Application waiting for the applicant's signature"),
                ],
                max_length=16,
                verbose_name="kind",
            ),
        ),
    ]
