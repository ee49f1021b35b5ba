"""Entry points for code that loads residents in bulk (imports, synthetic registers).

Inserts through SQL keep the name index up to date by themselves (SQLite triggers, the
PostgreSQL GIN index). A loader that bypassed the triggers, or a database restored without
them, calls `search_index_rebuild_if_needed()` afterwards.
"""

from __future__ import annotations

from django.db import connection

from .search_index import FTS_TABLE, ensure_search_index


def search_index_rebuild_if_needed() -> None:
    """Recreate a missing index or trigger (and then rebuild the whole index)."""
    ensure_search_index(connection)


def search_index_rebuild() -> None:
    """Rebuild the SQLite name index from the resident table (PostgreSQL's index needs nothing)."""
    ensure_search_index(connection)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")  # noqa: S608 - constant
