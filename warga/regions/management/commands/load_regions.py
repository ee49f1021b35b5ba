import time

from django.core.management.base import BaseCommand, CommandError

from warga.regions.models import RegionLevel
from warga.regions.selectors import normalize_code
from warga.regions.services import regions_load


class Command(BaseCommand):
    help = "Load the Kemendagri region list (idempotent). --only loads one subtree and its ancestors."

    def add_arguments(self, parser):
        parser.add_argument("--only", help="code of a province or kabupaten/kota, e.g. 32.14")

    def handle(self, *args, only=None, **options):
        if only:
            only = normalize_code(only)
            if not only:
                raise CommandError("--only needs a region code such as 32.14")
        started = time.monotonic()
        result = regions_load(only=only)
        if only and result.total <= len(only.split(".")) - 1:
            raise CommandError(f"no region with code {only}")
        labels = dict(RegionLevel.choices)
        for level, count in sorted(result.by_level.items()):
            self.stdout.write(f"{labels[level]}: {count}")
        self.stdout.write(self.style.SUCCESS(f"{result.total} regions in {time.monotonic() - started:.1f} s"))
