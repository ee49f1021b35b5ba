"""The name-search index, per database: SQLite FTS5 (trigram) or PostgreSQL pg_trgm.

SQLite keeps a contentless-style FTS5 table over `registry_resident.name_key`, fed by triggers.
Django rebuilds a SQLite table (and so drops its triggers) when a later migration alters it,
so `ensure_search_index` runs after every migrate and recreates what is missing.
PostgreSQL needs only a GIN trigram index on the same column.
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


def _postgres_ensure(cursor: Any) -> None:
    cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    cursor.execute(
        "CREATE INDEX IF NOT EXISTS resident_name_trgm ON registry_resident USING gin (name_key gin_trgm_ops)"
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
            cursor.execute("DROP INDEX IF EXISTS resident_name_trgm")
