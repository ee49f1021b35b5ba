"""manage.py load_boundaries FILE.geojson: region outlines for the dashboards' maps."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from warga.core.errors import ServiceError
from warga.core.scoping import unscoped


class Command(BaseCommand):
    help = "Load kecamatan and desa outlines (GeoJSON, each feature with its Kemendagri code)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        from warga.facts.services import BOUNDARY_MAX_BYTES, boundaries_load

        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        if path.stat().st_size > BOUNDARY_MAX_BYTES:
            raise CommandError(f"{path}: larger than {BOUNDARY_MAX_BYTES // (1024 * 1024)} MB")
        try:
            with unscoped("command: outlines are reference data of every area"):
                loaded = boundaries_load(data=path.read_bytes())
        except ServiceError as error:
            lines = [str(error)]
            for problem in error.details or []:
                lines.append(f"  {problem}")
            raise CommandError("\n".join(lines)) from error
        self.stdout.write(f"{loaded} outlines loaded")
