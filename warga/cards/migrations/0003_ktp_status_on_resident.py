"""Keep `registry_resident.ktp_status` equal to the card's status, in the database itself.

Every write of a card's status (services, the bulk status import, fixtures, raw SQL) goes
through these triggers, so the copy cannot drift; reports that count residents per desa and
KTP-el status read the register alone.
"""

from django.db import migrations

PG_FORWARD = [
    """
    CREATE OR REPLACE FUNCTION cards_ktpcard_status_copy() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            UPDATE registry_resident SET ktp_status = '' WHERE id = OLD.resident_id;
            RETURN OLD;
        END IF;
        IF TG_OP = 'UPDATE' THEN
            IF NEW.status = OLD.status AND NEW.resident_id = OLD.resident_id THEN
                RETURN NEW;
            END IF;
            IF NEW.resident_id <> OLD.resident_id THEN
                UPDATE registry_resident SET ktp_status = '' WHERE id = OLD.resident_id;
            END IF;
        END IF;
        UPDATE registry_resident SET ktp_status = NEW.status
        WHERE id = NEW.resident_id AND ktp_status IS DISTINCT FROM NEW.status;
        RETURN NEW;
    END $$
    """,
    """
    CREATE TRIGGER cards_ktpcard_status_copy
    AFTER INSERT OR UPDATE OF status, resident_id OR DELETE ON cards_ktpcard
    FOR EACH ROW EXECUTE FUNCTION cards_ktpcard_status_copy()
    """,
    """
    UPDATE registry_resident r SET ktp_status = c.status
    FROM cards_ktpcard c WHERE c.resident_id = r.id AND r.ktp_status <> c.status
    """,
]
PG_REVERSE = [
    "DROP TRIGGER IF EXISTS cards_ktpcard_status_copy ON cards_ktpcard",
    "DROP FUNCTION IF EXISTS cards_ktpcard_status_copy()",
]

SQLITE_FORWARD = [
    """
    CREATE TRIGGER cards_ktpcard_status_copy_insert AFTER INSERT ON cards_ktpcard
    BEGIN
        UPDATE registry_resident SET ktp_status = NEW.status WHERE id = NEW.resident_id;
    END
    """,
    """
    CREATE TRIGGER cards_ktpcard_status_copy_update AFTER UPDATE OF status, resident_id ON cards_ktpcard
    WHEN NEW.status <> OLD.status OR NEW.resident_id <> OLD.resident_id
    BEGIN
        UPDATE registry_resident SET ktp_status = '' WHERE id = OLD.resident_id AND OLD.resident_id <> NEW.resident_id;
        UPDATE registry_resident SET ktp_status = NEW.status WHERE id = NEW.resident_id;
    END
    """,
    """
    CREATE TRIGGER cards_ktpcard_status_copy_delete AFTER DELETE ON cards_ktpcard
    BEGIN
        UPDATE registry_resident SET ktp_status = '' WHERE id = OLD.resident_id;
    END
    """,
    """
    UPDATE registry_resident SET ktp_status = (
        SELECT c.status FROM cards_ktpcard c WHERE c.resident_id = registry_resident.id
    ) WHERE id IN (SELECT resident_id FROM cards_ktpcard)
    """,
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS cards_ktpcard_status_copy_insert",
    "DROP TRIGGER IF EXISTS cards_ktpcard_status_copy_update",
    "DROP TRIGGER IF EXISTS cards_ktpcard_status_copy_delete",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor)
        if statements is None:
            raise RuntimeError(f"no KTP-el status triggers for {schema_editor.connection.vendor}")
        for sql in statements:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("cards", "0002_default_rule_set"),
        ("registry", "0005_resident_ktp_status"),
    ]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": PG_REVERSE, "sqlite": SQLITE_REVERSE}),
        ),
    ]
