"""Database-level guard: TRUNCATE of the audit table is refused on PostgreSQL.

Row triggers do not fire on TRUNCATE, so 0002 alone let the whole log be emptied in one
statement. Only a superuser may still truncate (a superuser can disable any trigger anyway;
Django's test runner empties tables that way). The application's own role must be neither a
superuser nor the table's owner, or it could drop this trigger: see README, "Database roles",
and the deploy check `audit.W001`. SQLite has no TRUNCATE: nothing to do there.
"""

from django.db import migrations

PG_UP = """
CREATE OR REPLACE FUNCTION audit_auditlog_no_truncate() RETURNS trigger AS $$
BEGIN
  IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    RETURN NULL;
  END IF;
  RAISE EXCEPTION 'audit log is append-only: TRUNCATE refused';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_auditlog_no_truncate BEFORE TRUNCATE ON audit_auditlog
  FOR EACH STATEMENT EXECUTE FUNCTION audit_auditlog_no_truncate();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS audit_auditlog_no_truncate ON audit_auditlog;
DROP FUNCTION IF EXISTS audit_auditlog_no_truncate();
"""


def up(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_UP)


def down(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_DOWN)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_triggers")]
    operations = [migrations.RunPython(up, down)]
