"""Writes to the region table: the Kemendagri list loader and RT/RW creation."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from .models import Region, RegionKind, RegionLevel

DATA_DIR = Path(__file__).resolve().parent / "data"
BATCH = 5000


@dataclass(frozen=True)
class LoadResult:
    by_level: dict[int, int]

    @property
    def total(self) -> int:
        return sum(self.by_level.values())


def _kind(code: str, name: str) -> tuple[int, str]:
    parts = code.split(".")
    if len(parts) == 1:
        return RegionLevel.PROVINSI, RegionKind.PROVINSI
    if len(parts) == 2:
        return RegionLevel.KABUPATEN, RegionKind.KOTA if name.startswith("Kota ") else RegionKind.KABUPATEN
    if len(parts) == 3:
        return RegionLevel.KECAMATAN, RegionKind.KECAMATAN
    first = parts[3][0]
    kind = {"1": RegionKind.KELURAHAN, "3": RegionKind.DESA_ADAT}.get(first, RegionKind.DESA)
    return RegionLevel.DESA, kind


def _rows(only: str | None, data_dir: Path) -> Iterator[Region]:
    population: dict[str, tuple[int, int, int]] = {}
    with open(data_dir / "penduduk.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            population[row["kode"]] = (int(row["pria"]), int(row["wanita"]), int(row["total"]))
    wanted_ancestors = set(Region(code=only).ancestor_codes()) if only else set()
    with open(data_dir / "wilayah.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            code, name = row["kode"].strip(), row["nama"].strip()
            if only and not (code in wanted_ancestors or code == only or code.startswith(only + ".")):
                continue
            level, kind = _kind(code, name)
            male, female, total = population.get(code, (None, None, None))
            yield Region(
                code=code,
                code_plain=code.replace(".", ""),
                name=name,
                level=level,
                kind=kind,
                parent_id=code.rsplit(".", 1)[0] if "." in code else None,
                population_male=male,
                population_female=female,
                population_total=total,
            )


def regions_load(*, only: str | None = None, data_dir: Path = DATA_DIR) -> LoadResult:
    """Insert or update the shipped region list; running it twice changes nothing.

    One transaction: a failed load leaves the previous list in place.
    """
    counts: dict[int, int] = {}
    batch: list[Region] = []
    fields = [
        "code_plain",
        "name",
        "level",
        "kind",
        "parent",
        "population_male",
        "population_female",
        "population_total",
    ]

    def flush() -> None:
        Region.objects.bulk_create(batch, update_conflicts=True, unique_fields=["code"], update_fields=fields)
        batch.clear()

    with transaction.atomic():
        for region in _rows(only, data_dir):
            counts[region.level] = counts.get(region.level, 0) + 1
            batch.append(region)
            if len(batch) >= BATCH:
                flush()
        if batch:
            flush()
    return LoadResult(by_level=counts)


def region_get_or_create_rt(*, desa: Region, rw: int, rt: int | None = None) -> Region:
    """RW and RT are created as data arrives (imports, registrations)."""
    if desa.level != RegionLevel.DESA:
        raise ValueError("RT/RW belong to a desa or kelurahan")
    rw_code = f"{desa.code}.{rw:03d}"
    rw_region, _ = Region.objects.get_or_create(
        code=rw_code,
        defaults={
            "code_plain": rw_code.replace(".", ""),
            "name": f"RW {rw:03d}",
            "level": RegionLevel.RW,
            "kind": RegionKind.RW,
            "parent": desa,
        },
    )
    if rt is None:
        return rw_region
    rt_code = f"{rw_code}.{rt:03d}"
    rt_region, _ = Region.objects.get_or_create(
        code=rt_code,
        defaults={
            "code_plain": rt_code.replace(".", ""),
            "name": f"RT {rt:03d}/RW {rw:03d}",
            "level": RegionLevel.RT,
            "kind": RegionKind.RT,
            "parent": rw_region,
        },
    )
    return rt_region
