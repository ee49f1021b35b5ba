"""Planner statistics kept by the application, not left to autovacuum.

A bulk change (an import, a generated register, a duplicate scan, a restore) rewrites whole
tables in minutes. Until the planner's statistics of those tables are refreshed, PostgreSQL
guesses their sizes and distributions and may pick a plan that reads every row (the name-key
search without statistics: ~400 ms instead of ~40 ms). Autovacuum may be slow to notice, or off,
and a restored backup carries no statistics at all. So the code that made the change refreshes
them (`tables_analyze`) after it commits, and a periodic check (`statistics_refresh`) analyses
any table whose statistics are missing or stale.

SQLite keeps its statistics in `sqlite_stat1` the same way; its ANALYZE is bounded by
`analysis_limit` so that it stays quick on a large register.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.db import connection

logger = logging.getLogger(__name__)

# A table is analysed again when this share of its rows changed since its last analysis (and at
# least STALE_MIN_ROWS rows), or when it has never been analysed.
STALE_FRACTION = 0.1
STALE_MIN_ROWS = 1000
SQLITE_ANALYSIS_LIMIT = 1000


def _tables(models: Iterable[Any]) -> list[str]:
    names: list[str] = []
    for model in models:
        table = model if isinstance(model, str) else model._meta.db_table
        if table not in names:
            names.append(table)
    return names


def tables_analyze(*models: Any) -> list[str]:
    """Refresh the statistics of these models' (or table names') tables now. Runs in its own
    statement per table; call it after the bulk change has committed."""
    existing = set(connection.introspection.table_names())
    tables = [t for t in _tables(models) if t in existing]  # some exist on one database only
    if not tables:
        return []
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"PRAGMA analysis_limit = {SQLITE_ANALYSIS_LIMIT}")
        for table in tables:
            cursor.execute(f"ANALYZE {quote(table)}")
    logger.info("statistics refreshed for %s table(s)", len(tables))
    return tables


def stale_tables() -> list[str]:
    """Tables of this database whose statistics are missing or stale (PostgreSQL); on SQLite
    the tables `PRAGMA optimize` would analyse are not listed, so this is empty there."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT relname FROM pg_stat_user_tables
            WHERE schemaname = current_schema()
              AND n_live_tup + n_mod_since_analyze > 0
              AND (
                (last_analyze IS NULL AND last_autoanalyze IS NULL)
                OR n_mod_since_analyze >= GREATEST(%s, n_live_tup * %s)
              )
            ORDER BY relname
            """,
            [STALE_MIN_ROWS, STALE_FRACTION],
        )
        return [row[0] for row in cursor.fetchall()]


def statistics_refresh() -> list[str]:
    """Analyse every table whose statistics are missing or stale (the periodic check, and after
    a restore). Returns the tables analysed."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA analysis_limit = {SQLITE_ANALYSIS_LIMIT}")
            cursor.execute("PRAGMA optimize")
        return []
    return tables_analyze(*stale_tables())
