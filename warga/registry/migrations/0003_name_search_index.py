"""Name search index: FTS5 trigram table + triggers on SQLite, pg_trgm GIN index on PostgreSQL."""

from django.db import migrations


def forwards(apps, schema_editor):
    from warga.registry.search_index import ensure_search_index

    ensure_search_index(schema_editor.connection)


def backwards(apps, schema_editor):
    from warga.registry.search_index import drop_search_index

    drop_search_index(schema_editor.connection)


class Migration(migrations.Migration):
    # CREATE INDEX on a populated register takes a while; nothing else in here needs a transaction.
    atomic = False

    dependencies = [("registry", "0002_events_history_phones")]

    operations = [migrations.RunPython(forwards, backwards)]
