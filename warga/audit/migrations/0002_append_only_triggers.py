"""Database-level guard: the audit table refuses UPDATE (and DELETE on PostgreSQL).

SQLite keeps DELETE possible because Django's test runner empties tables with DELETE;
the application refuses deletes in the model and queryset on every database.
"""

from django.db import migrations

PG_UP = """
CREATE OR REPLACE FUNCTION audit_auditlog_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'audit log is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_auditlog_no_update BEFORE UPDATE OR DELETE ON audit_auditlog
  FOR EACH ROW EXECUTE FUNCTION audit_auditlog_append_only();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS audit_auditlog_no_update ON audit_auditlog;
DROP FUNCTION IF EXISTS audit_auditlog_append_only();
"""
SQLITE_UP = """
CREATE TRIGGER audit_auditlog_no_update BEFORE UPDATE ON audit_auditlog
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS audit_auditlog_no_update;"


def up(apps, schema_editor):
    sql = PG_UP if schema_editor.connection.vendor == "postgresql" else SQLITE_UP
    schema_editor.execute(sql)


def down(apps, schema_editor):
    sql = PG_DOWN if schema_editor.connection.vendor == "postgresql" else SQLITE_DOWN
    schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(up, down)]
