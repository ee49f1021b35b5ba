"""Reads of the region table. Regions are public facts: no scoping needed here."""

from __future__ import annotations

from collections.abc import Collection

from django.conf import settings
from django.db.models import Q, QuerySet

from .models import Region, RegionLevel


def normalize_code(code: str) -> str | None:
    """Accept a code with or without dots ("32.14.01" or "321401") and return the dotted form."""
    code = code.strip()
    if "." in code:
        return code
    if not code.isdigit():
        return None
    widths = [2, 2, 2, 4, 3, 3]
    parts, pos = [], 0
    for width in widths:
        if pos >= len(code):
            break
        parts.append(code[pos : pos + width])
        pos += width
    if pos != len(code) or any(not p for p in parts):
        return None
    return ".".join(parts)


def region_get(code: str) -> Region | None:
    dotted = normalize_code(code)
    if dotted is None:
        return None
    return Region.objects.filter(code=dotted).select_related("parent").first()


def region_children(region: Region) -> QuerySet[Region]:
    return Region.objects.filter(parent=region).order_by("code")


def installation_region() -> Region | None:
    """The kabupaten/kota (or province) this installation serves."""
    return Region.objects.filter(code=settings.WARGA_REGION_CODE).first()


def kecamatan_of(code: str) -> str | None:
    parts = code.split(".")
    return ".".join(parts[:3]) if len(parts) >= 3 else None


def kecamatan_lookup(plain6: str) -> str | None:
    """For the NIK check: six digits of a NIK → dotted kecamatan code, if that kecamatan exists."""
    code = f"{plain6[0:2]}.{plain6[2:4]}.{plain6[4:6]}"
    exists = Region.objects.filter(code=code, level=RegionLevel.KECAMATAN).exists()
    return code if exists else None


def regions_in(area: Region, *, level: int) -> QuerySet[Region]:
    return Region.objects.filter(code__within=area.code, level=level).order_by("code")


def area_regions(
    area_code: str | None, levels: Collection[int], *, include_area: bool = False
) -> QuerySet[Region]:
    """The regions of an area (an officer's `actor.area_code`) at these levels, in code order:
    the choices of every form that picks a kecamatan or desa within an officer's area.
    `include_area` adds the area's own region whatever its level (it sorts first). No area,
    no choices."""
    if not area_code:
        return Region.objects.none()
    condition = Q(level__in=list(levels))
    if include_area:
        condition |= Q(code=area_code)
    return Region.objects.filter(condition, code__within=area_code).order_by("code")
