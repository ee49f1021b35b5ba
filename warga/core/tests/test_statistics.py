"""Planner statistics are refreshed by the application after bulk changes and by the periodic
check, without relying on autovacuum."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from warga.core.statistics import stale_tables, statistics_refresh, tables_analyze, unvacuumed_tables
from warga.registry.models import Resident
from warga.registry.services import register_analyze

pytestmark = pytest.mark.django_db


def _analysed(table: str) -> bool:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # -1 until the table's first ANALYZE (PostgreSQL 14+); catalog rows are transactional.
            cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
            return cursor.fetchone()[0] >= 0
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if not cursor.fetchone()[0]:
            return False
        cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = %s", [table])
        return cursor.fetchone()[0] > 0


def test_register_analyze_refreshes_the_register_tables(cast):
    from warga.registry.synthetic import populate

    populate(area_codes=[cast.kecamatan.code], people=30, seed=11)
    table = Resident._meta.db_table
    analysed = register_analyze()
    assert table in analysed
    assert _analysed(table)
    if connection.vendor == "postgresql":
        assert "registry_name_key" in analysed  # the name-key index table exists on PostgreSQL only
        assert _analysed("registry_name_key")
    else:
        assert "registry_name_key" not in analysed


def test_tables_analyze_skips_tables_this_database_does_not_have():
    assert tables_analyze("no_such_table_here") == []


def test_the_command_analyses_every_table_when_asked():
    before = len(connection.introspection.table_names())  # SQLite adds sqlite_stat1 on the way
    out = StringIO()
    call_command("refresh_statistics", "--all", stdout=out)
    assert "statistics refreshed:" in out.getvalue()
    count = int(out.getvalue().split(":")[1].split()[0])
    assert count == before


def _flushed() -> None:
    """This backend's cumulative statistics sent, and the next read not from an old snapshot."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="cumulative statistics are PostgreSQL's")
def test_the_periodic_check_analyses_a_table_never_analysed():
    """A table filled by a bulk change and never analysed (autovacuum off for it, as after a
    restore on a server where it is off) is found stale and analysed by the periodic check."""
    table = "warga_test_never_analysed"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {table} (id integer) WITH (autovacuum_enabled = false)")
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {table} SELECT generate_series(1, 5000)")
        _flushed()
        assert table in stale_tables()
        assert table in statistics_refresh()
        _flushed()
        assert table not in stale_tables()
        assert _analysed(table)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {table}")


def _all_visible_pages(table: str) -> tuple[int, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT relallvisible, relpages FROM pg_class WHERE oid = %s::regclass", [table])
        visible, pages = cursor.fetchone()
    return visible, pages


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the visibility map is PostgreSQL's")
def test_the_periodic_check_vacuums_a_bulk_loaded_table():
    """Rows bulk-loaded into a table autovacuum never visits leave its pages not all-visible (no
    index-only scan): the periodic check vacuums it, and then leaves it alone."""
    table = "warga_test_never_vacuumed"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {table} (id integer PRIMARY KEY) WITH (autovacuum_enabled = false)")
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {table} SELECT generate_series(1, 20000)")
        _flushed()
        assert table in unvacuumed_tables()
        assert _all_visible_pages(table)[0] == 0
        assert table in statistics_refresh()
        visible, pages = _all_visible_pages(table)
        assert pages > 0 and visible == pages
        assert _analysed(table)
        _flushed()
        assert table not in unvacuumed_tables()
        assert table not in stale_tables()
        # Rows deleted (dead) past the threshold make it due again.
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} WHERE id <= 10000")  # noqa: S608 (a constant name)
        _flushed()
        assert table in unvacuumed_tables()
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {table}")


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the visibility map is PostgreSQL's")
def test_register_analyze_after_a_bulk_change_vacuums_the_register(cast):
    from warga.registry.synthetic import populate

    populate(area_codes=[cast.kecamatan.code], people=300, seed=12)
    table = Resident._meta.db_table
    assert table in register_analyze()
    visible, pages = _all_visible_pages(table)
    assert pages > 0 and visible == pages


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="VACUUM is PostgreSQL's here")
def test_inside_a_transaction_the_vacuum_falls_back_to_analyze():
    """VACUUM cannot run in a transaction block: a caller inside one still gets its statistics."""
    table = Resident._meta.db_table
    assert tables_analyze(Resident, vacuum=True) == [table]
    assert _analysed(table)


@pytest.mark.skipif("connection.vendor != 'sqlite'", reason="SQLite's own check")
def test_the_periodic_check_on_sqlite_runs_optimize():
    assert statistics_refresh() == []
    assert stale_tables() == []
