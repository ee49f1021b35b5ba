"""PostgreSQL: the staging table is UNLOGGED.

Staged rows live for the length of one import and are never the only copy of anything: the
uploaded file is kept. Without write-ahead logging a large import writes its staged rows once
instead of twice and leaves more of the buffer cache to the register tables it publishes
into. After a server crash PostgreSQL empties an unlogged table; the batches that were
running then are failed by `imports_purge_stale`, as any interrupted import is.
"""

from django.db import migrations


def set_unlogged(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE imports_stagedrow SET UNLOGGED")


def set_logged(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE imports_stagedrow SET LOGGED")


class Migration(migrations.Migration):
    dependencies = [("imports", "0001_initial")]

    operations = [migrations.RunPython(set_unlogged, set_logged, elidable=False)]
