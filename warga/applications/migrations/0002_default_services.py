"""Ship the default service catalogue (the administrator edits it afterwards)."""

from django.db import migrations


def create_defaults(apps, schema_editor):
    from warga.applications.catalogue import ALL_CHANNELS, DEFAULT_SERVICES

    Service = apps.get_model("applications", "Service")
    RequiredDocument = apps.get_model("applications", "RequiredDocument")
    for order, spec in enumerate(DEFAULT_SERVICES, start=1):
        if Service.objects.filter(code=spec["code"]).exists():
            continue
        kec, dis, ret, total = spec["targets"]
        service = Service.objects.create(
            code=spec["code"],
            name=spec["name"],
            name_en=spec["name_en"],
            category=spec["category"],
            form_schema=spec["schema"],
            channels=list(ALL_CHANNELS),
            applicant_rule=str(spec["applicant_rule"]),
            effect=str(spec["effect"]),
            document_type=str(spec["document_type"]),
            target_days_kecamatan=kec,
            target_days_disdukcapil=dis,
            target_days_return=ret,
            target_days_total=total,
            order=order * 10,
        )
        for doc_order, (code, label, label_en, mandatory) in enumerate(spec["docs"], start=1):
            RequiredDocument.objects.create(
                service=service,
                code=code,
                label=label,
                label_en=label_en,
                mandatory=mandatory,
                order=doc_order * 10,
            )


class Migration(migrations.Migration):
    dependencies = [("applications", "0001_initial")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
