"""PostgreSQL only: a BRIN index on the outbox's created_at for the daily statistics, and
room in each page for in-place (HOT) status updates.

Rows arrive in created_at order, so a BRIN index answers "messages of these days" almost as
well as a B-tree while costing next to nothing when a broadcast writes a million rows. SQLite
(the embedded set-up, small volumes) gets no index.
"""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS sms_created_brin ON messaging_smsmessage USING brin (created_at)"
        )
        # queued → sending → sent → delivered rewrites each row three times; no updated column is
        # indexed (except leaving the partial queue index), so with free space on the page
        # PostgreSQL updates in place instead of touching every index.
        schema_editor.execute("ALTER TABLE messaging_smsmessage SET (fillfactor = 80)")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS sms_created_brin")
        schema_editor.execute("ALTER TABLE messaging_smsmessage RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("messaging", "0002_sms_center")]
    operations = [migrations.RunPython(create, drop)]
