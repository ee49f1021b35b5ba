"""PostgreSQL: the table of distinct name keys that typo searches go through (see search_index)."""

from django.db import migrations


def forwards(apps, schema_editor):
    from warga.registry.search_index import ensure_search_index

    ensure_search_index(schema_editor.connection)


class Migration(migrations.Migration):
    # Filling the table from a populated register takes a while; nothing here needs a transaction.
    atomic = False

    dependencies = [("registry", "0005_resident_ktp_status")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
