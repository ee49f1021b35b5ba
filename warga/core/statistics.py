"""Planner statistics kept by the application, not left to autovacuum.

A bulk change (an import, a generated register, a duplicate scan, a restore) rewrites whole
tables in minutes. Until the planner's statistics of those tables are refreshed, PostgreSQL
guesses their sizes and distributions and may pick a plan that reads every row (the name-key
search without statistics: ~400 ms instead of ~40 ms). Autovacuum may be slow to notice, or off,
and a restored backup carries no statistics at all. So the code that made the change refreshes
them (`tables_analyze`) after it commits, and a periodic check (`statistics_refresh`) analyses
any table whose statistics are missing or stale.

On PostgreSQL the same code also VACUUMs what it bulk-loaded (`vacuum=True`, outside a
transaction): until a table has been vacuumed once, none of its pages is marked all-visible, so
every count or lookup answered from an index still reads each row's page (no index-only scan) —
the Disdukcapil's queue pages were 30–50 % slower on a freshly loaded register. The periodic
check vacuums any table that received many rows or left many dead ones since its last vacuum.

SQLite keeps its statistics in `sqlite_stat1` the same way; its ANALYZE is bounded by
`analysis_limit` so that it stays quick on a large register (it has no visibility map to set).
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
# A table is vacuumed by the periodic check when this share of its rows was inserted, or left
# dead, since its last vacuum (and at least STALE_MIN_ROWS rows): what autovacuum would do with
# its default scale factors, for servers where it is off or behind.
VACUUM_FRACTION = 0.2
SQLITE_ANALYSIS_LIMIT = 1000


def _tables(models: Iterable[Any]) -> list[str]:
    names: list[str] = []
    for model in models:
        table = model if isinstance(model, str) else model._meta.db_table
        if table not in names:
            names.append(table)
    return names


def can_vacuum() -> bool:
    """VACUUM runs on PostgreSQL and never inside a transaction block."""
    return connection.vendor == "postgresql" and not connection.in_atomic_block


def tables_analyze(*models: Any, vacuum: bool = False) -> list[str]:
    """Refresh the statistics of these models' (or table names') tables now. Runs in its own
    statement per table; call it after the bulk change has committed. With `vacuum`, on
    PostgreSQL and outside a transaction, `VACUUM (ANALYZE)`: the statistics, and the bulk-loaded
    pages marked all-visible (inside a transaction, ANALYZE alone; the periodic check vacuums)."""
    existing = set(connection.introspection.table_names())
    tables = [t for t in _tables(models) if t in existing]  # some exist on one database only
    if not tables:
        return []
    quote = connection.ops.quote_name
    command = "VACUUM (ANALYZE)" if vacuum and can_vacuum() else "ANALYZE"
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"PRAGMA analysis_limit = {SQLITE_ANALYSIS_LIMIT}")
        for table in tables:
            cursor.execute(f"{command} {quote(table)}")
    logger.info("statistics refreshed for %s table(s) (%s)", len(tables), command)
    return tables


def _tables_where(condition: str, params: list[int | float]) -> list[str]:
    """This schema's tables (PostgreSQL's cumulative statistics) that meet `condition`, a constant
    of this module over `pg_stat_user_tables`' columns; empty on SQLite."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_stat_user_tables "  # noqa: S608 - `condition` is a constant of this module
            f"WHERE schemaname = current_schema() AND ({condition}) ORDER BY relname",
            params,
        )
        return [row[0] for row in cursor.fetchall()]


def unvacuumed_tables() -> list[str]:
    """Tables (PostgreSQL) with many rows inserted, or left dead, since their last vacuum."""
    return _tables_where(
        "GREATEST(n_ins_since_vacuum, n_dead_tup) >= GREATEST(%s, n_live_tup * %s)",
        [STALE_MIN_ROWS, VACUUM_FRACTION],
    )


def stale_tables() -> list[str]:
    """Tables of this database whose statistics are missing or stale (PostgreSQL); on SQLite
    the tables `PRAGMA optimize` would analyse are not listed, so this is empty there."""
    return _tables_where(
        "n_live_tup + n_mod_since_analyze > 0 AND ((last_analyze IS NULL AND last_autoanalyze IS NULL)"
        " OR n_mod_since_analyze >= GREATEST(%s, n_live_tup * %s))",
        [STALE_MIN_ROWS, STALE_FRACTION],
    )


def statistics_refresh() -> list[str]:
    """Vacuum (PostgreSQL, outside a transaction) every table with many new or dead rows since
    its last vacuum, and analyse every other table whose statistics are missing or stale (the
    periodic check, and after a restore). Returns the tables vacuumed or analysed."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA analysis_limit = {SQLITE_ANALYSIS_LIMIT}")
            cursor.execute("PRAGMA optimize")
        return []
    vacuumed = tables_analyze(*unvacuumed_tables(), vacuum=True) if can_vacuum() else []
    return vacuumed + tables_analyze(*[t for t in stale_tables() if t not in vacuumed])
