"""`manage.py refresh_statistics`: analyse every table whose planner statistics are missing or
stale, and on PostgreSQL vacuum every table with many rows inserted or left dead since its last
vacuum. Run it after restoring a backup (a restore carries no statistics and no visibility map);
the periodic check runs the same every hour."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from warga.core.statistics import statistics_refresh, tables_analyze


class Command(BaseCommand):
    help = "Refresh the database's planner statistics where they are missing or stale (after a restore)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--all",
            action="store_true",
            help="analyse (on PostgreSQL: vacuum and analyse) every table, stale or not",
        )

    def handle(self, *args: Any, all: bool, **options: Any) -> None:
        if all:
            from django.db import connection

            tables = tables_analyze(*connection.introspection.table_names(), vacuum=True)
        else:
            tables = statistics_refresh()
        self.stdout.write(f"statistics refreshed: {len(tables)} table(s)")
