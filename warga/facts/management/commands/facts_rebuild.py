"""manage.py facts_rebuild [--from DAY] [--to DAY] [--metric KEY …]: rebuild days from source."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from warga.core.errors import ServiceError


class Command(BaseCommand):
    help = "Recompute the facts of one day or of a range of days from the source records."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--from", dest="start", type=date.fromisoformat)
        parser.add_argument("--to", dest="end", type=date.fromisoformat)
        parser.add_argument("--metric", action="append", dest="metrics")

    def handle(self, *args: Any, **options: Any) -> None:
        from warga.facts.services import facts_rebuild_day

        end = options["end"] or timezone.localdate()
        start = options["start"] or end
        if start > end:
            raise CommandError("--from is after --to")
        day = start
        while day <= end:
            try:
                rows = facts_rebuild_day(day=day, keys=options["metrics"])
            except ServiceError as error:
                raise CommandError(str(error)) from error
            self.stdout.write(f"{day}: {rows} facts")
            day += timedelta(days=1)
