"""Full scan of the register for residents probably registered twice (or run it as a task)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from warga.core.scoping import unscoped
from warga.dedupe.services import duplicates_scan


class Command(BaseCommand):
    help = "Scan the register (or one area) for probable duplicates and add them to the review queue."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--area", help="region code to limit the scan to, e.g. 32.03.01")
        parser.add_argument("--queue", action="store_true", help="run in the background task queue instead")

    def handle(self, *args: Any, area: str | None, queue: bool, **options: Any) -> None:
        with unscoped("command: duplicates across every area"):
            if queue:
                from warga.dedupe.tasks import dedupe_scan_task

                dedupe_scan_task(area)
                self.stdout.write("scan queued")
                return
            started = time.monotonic()

            def progress(stage: str, count: int) -> None:
                self.stdout.write(f"{stage:<10} {count:>10,} residents  {time.monotonic() - started:6.0f} s")

            result = duplicates_scan(area_code=area, progress=progress)
            self.stdout.write(
                self.style.SUCCESS(
                    f"{result.compared:,} pairs compared, {result.created:,} new candidates in {time.monotonic() - started:.1f} s"
                )
            )
