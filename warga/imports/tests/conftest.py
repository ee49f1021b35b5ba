from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from warga.imports.export import HEADERS, household_rows
from warga.regions.models import Region, RegionLevel
from warga.registry.synthetic import PopulationGenerator, plan_desa


def synthetic_rows(kecamatan: str, people: int, seed: int = 1) -> list[list[str]]:
    desa = list(
        Region.objects.filter(parent_id=kecamatan, level=RegionLevel.DESA)
        .order_by("code")
        .values_list("code", flat=True)
    )[:3]
    generator = PopulationGenerator(
        plan_desa(desa, people=people, seed=seed),
        seed=seed,
        today=date(2026, 1, 15),
        kabupaten_name="Purwakarta",
    )
    return list(household_rows(generator))


def to_csv(rows: list[list[str]], *, header: list[str] | None = None, delimiter: str = ",") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header or HEADERS)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


@pytest.fixture
def rows(cast) -> list[list[str]]:
    return synthetic_rows(cast.kecamatan.code, 60)
