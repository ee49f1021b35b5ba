"""The name-search index, per database: SQLite FTS5 (trigram) or PostgreSQL pg_trgm.

SQLite keeps a contentless-style FTS5 table over `registry_resident.name_key`, fed by triggers.
Django rebuilds a SQLite table (and so drops its triggers) when a later migration alters it,
so `ensure_search_index` runs after every migrate and recreates what is missing.
PostgreSQL has a GIN trigram index on the same column, and for typos a small table of the
distinct name keys (`registry_name_key`, fed by triggers) with its own trigram index: a register
of 2.6 million people holds only about a tenth as many different names, and a similarity search
over those, followed by an equality lookup of the few keys found, reads a few hundred rows
instead of rechecking tens of thousands of residents.
"""

from __future__ import annotations

from typing import Any

FTS_TABLE = "registry_resident_fts"

_SQLITE_TRIGGERS = {
    "registry_resident_fts_ai": """
        CREATE TRIGGER IF NOT EXISTS registry_resident_fts_ai AFTER INSERT ON registry_resident BEGIN
            INSERT INTO registry_resident_fts(rowid, name_key) VALUES (new.id, new.name_key);
        END""",
    "registry_resident_fts_ad": """
        CREATE TRIGGER IF NOT EXISTS registry_resident_fts_ad AFTER DELETE ON registry_resident BEGIN
            INSERT INTO registry_resident_fts(registry_resident_fts, rowid, name_key) VALUES ('delete', old.id, old.name_key);
        END""",
    "registry_resident_fts_au": """
        CREATE TRIGGER IF NOT EXISTS registry_resident_fts_au AFTER UPDATE OF name_key ON registry_resident BEGIN
            INSERT INTO registry_resident_fts(registry_resident_fts, rowid, name_key) VALUES ('delete', old.id, old.name_key);
            INSERT INTO registry_resident_fts(rowid, name_key) VALUES (new.id, new.name_key);
        END""",
}


def _sqlite_ensure(cursor: Any) -> None:
    cursor.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")
    existing = {row[0] for row in cursor.fetchall()}
    if "registry_resident" not in existing:
        return
    rebuild = FTS_TABLE not in existing
    if rebuild:
        cursor.execute(
            "CREATE VIRTUAL TABLE registry_resident_fts USING fts5("
            "name_key, content='registry_resident', content_rowid='id', tokenize='trigram')"
        )
    for name, sql in _SQLITE_TRIGGERS.items():
        if name not in existing:
            rebuild = True
            cursor.execute(sql)
    if rebuild:
        cursor.execute("INSERT INTO registry_resident_fts(registry_resident_fts) VALUES ('rebuild')")


NAME_KEY_TABLE = "registry_name_key"

_PG_NAME_KEY = [
    # Statement-level for inserts (COPY and bulk loads add each new key once per statement);
    # row-level for the rare change of a name.
    """
    CREATE OR REPLACE FUNCTION registry_name_key_add_rows() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO registry_name_key (key)
        SELECT DISTINCT name_key FROM new_rows WHERE name_key <> ''
        ON CONFLICT DO NOTHING;
        RETURN NULL;
    END $$
    """,
    """
    CREATE OR REPLACE FUNCTION registry_name_key_add_one() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.name_key <> '' THEN
            INSERT INTO registry_name_key (key) VALUES (NEW.name_key) ON CONFLICT DO NOTHING;
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'registry_name_key_ai') THEN
            CREATE TRIGGER registry_name_key_ai AFTER INSERT ON registry_resident
            REFERENCING NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION registry_name_key_add_rows();
        END IF;
        IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'registry_name_key_au') THEN
            CREATE TRIGGER registry_name_key_au AFTER UPDATE OF name_key ON registry_resident
            FOR EACH ROW WHEN (OLD.name_key IS DISTINCT FROM NEW.name_key)
            EXECUTE FUNCTION registry_name_key_add_one();
        END IF;
    END $$
    """,
]


def _postgres_ensure(cursor: Any) -> None:
    cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    cursor.execute(
        "CREATE INDEX IF NOT EXISTS resident_name_trgm ON registry_resident USING gin (name_key gin_trgm_ops)"
    )
    cursor.execute("SELECT to_regclass(%s) IS NULL", [NAME_KEY_TABLE])
    missing = cursor.fetchone()[0]
    if missing:
        cursor.execute(f"CREATE TABLE {NAME_KEY_TABLE} (key varchar(200) PRIMARY KEY)")
    for sql in _PG_NAME_KEY:
        cursor.execute(sql)
    if missing:
        cursor.execute(
            f"INSERT INTO {NAME_KEY_TABLE} (key) SELECT DISTINCT name_key FROM registry_resident "  # noqa: S608
            "WHERE name_key <> '' ON CONFLICT DO NOTHING"
        )
    cursor.execute(
        f"CREATE INDEX IF NOT EXISTS registry_name_key_trgm ON {NAME_KEY_TABLE} USING gin (key gin_trgm_ops)"
    )


def ensure_search_index(connection: Any) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            _sqlite_ensure(cursor)
        elif connection.vendor == "postgresql":
            _postgres_ensure(cursor)


def drop_search_index(connection: Any) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for name in _SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            cursor.execute("DROP TABLE IF EXISTS registry_resident_fts")
        elif connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER IF EXISTS registry_name_key_ai ON registry_resident")
            cursor.execute("DROP TRIGGER IF EXISTS registry_name_key_au ON registry_resident")
            cursor.execute("DROP FUNCTION IF EXISTS registry_name_key_add_rows()")
            cursor.execute("DROP FUNCTION IF EXISTS registry_name_key_add_one()")
            cursor.execute(f"DROP TABLE IF EXISTS {NAME_KEY_TABLE}")
            cursor.execute("DROP INDEX IF EXISTS resident_name_trgm")
