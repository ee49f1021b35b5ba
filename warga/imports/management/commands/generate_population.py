"""Fill a region with a synthetic population (demos and benchmarks): see warga.registry.synthetic."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from warga.core.scoping import unscoped
from warga.regions.models import Region
from warga.registry.services import register_analyze
from warga.registry.synthetic import populate


class Command(BaseCommand):
    help = "Generate synthetic residents and families below a region (kabupaten or kecamatan). Idempotent per kecamatan."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--region", required=True, action="append", help="region code, e.g. 32.03 (repeatable)"
        )
        parser.add_argument("--people", type=int, required=True, help="number of residents")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--duplicates",
            type=float,
            default=0.0,
            help="share of households followed by a planted duplicate",
        )
        parser.add_argument(
            "--phones", type=float, default=0.35, help="share of adults with a verified phone number"
        )
        parser.add_argument("--batch", type=int, default=20_000)
        parser.add_argument("--planted-out", help="write the planted duplicate NIK pairs to this CSV file")

    def handle(
        self,
        *args: Any,
        region: list[str],
        people: int,
        seed: int,
        duplicates: float,
        phones: float,
        batch: int,
        planted_out: str | None,
        **options: Any,
    ) -> None:
        with unscoped("command: generating a demo population for the regions given"):
            for code in region:
                if not Region.objects.filter(code=code).exists():
                    raise CommandError(
                        f"unknown region {code}; load the regions first (manage.py load_regions)"
                    )
            started = time.monotonic()
            tty = sys.stdout.isatty()

            def progress(done: int, total: int) -> None:
                rate = done / max(time.monotonic() - started, 1e-6)
                line = f"{done:>10,} / {total:,} residents  {100 * done / max(total, 1):5.1f}%  {rate:,.0f}/s"
                self.stdout.write(("\r" + line) if tty else line, ending="" if tty else "\n")
                self.stdout.flush()

            result = populate(
                area_codes=region,
                people=people,
                seed=seed,
                duplicate_rate=duplicates,
                phone_rate=phones,
                progress=progress,
                batch_size=batch,
            )
            if tty:
                self.stdout.write("")
            if planted_out:
                with Path(planted_out).open("w") as out:
                    out.write("original_nik,duplicate_nik,errors\n")
                    for original, dup in result.duplicates:
                        out.write(f"{original},{dup},{result.duplicate_kinds.get(dup, '')}\n")
            register_analyze()  # the planner must see the new register before anyone searches it
            if result.skipped:
                self.stdout.write(f"skipped (already populated): {', '.join(result.skipped)}")
            self.stdout.write(
                self.style.SUCCESS(
                    f"{result.residents:,} residents in {result.families:,} families, {result.phones:,} phones, "
                    f"{len(result.duplicates)} planted duplicates in {time.monotonic() - started:.1f} s"
                )
            )
