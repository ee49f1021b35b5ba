from __future__ import annotations

from django.db.models import QuerySet

from warga.core.scoping import Actor, get_scoped, scoped
from warga.regions.models import RegionLevel
from warga.regions.selectors import area_regions

from .models import ImportBatch
from .services import IMPORT_CAPABILITY


def batches_for(*, actor: Actor) -> QuerySet[ImportBatch]:
    actor.require(IMPORT_CAPABILITY)
    return scoped(ImportBatch.objects.select_related("created_by", "area"), actor).order_by(
        "-created_at", "-id"
    )


def batch_get(*, actor: Actor, pk: int) -> ImportBatch:
    actor.require(IMPORT_CAPABILITY)
    return get_scoped(ImportBatch.objects.select_related("created_by", "area"), actor, pk=pk)


def export_areas(*, actor: Actor) -> list[tuple[str, str]]:
    """The actor's area and every kecamatan and desa below it, for the export form."""
    regions = area_regions(actor.area_code, [level for level in RegionLevel if level <= RegionLevel.DESA])
    return [(r.code, f"{r.code} {r.display_name}") for r in regions]
