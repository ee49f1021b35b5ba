"""Fill the duplicate review queue from the demo residents (the registry demo plants a few)."""

from __future__ import annotations

from warga.regions.models import Region

from .services import duplicates_scan


def seed(region: Region, *, size: str, seed: int) -> str:
    result = duplicates_scan(area_code=region.code)
    return f"{result.created} new pairs in the duplicate review queue"
