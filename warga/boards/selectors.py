from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from warga.core.errors import NotFound
from warga.core.scoping import Actor, scoped, unscoped
from warga.regions.models import Region, RegionLevel
from warga.regions.selectors import area_regions

from .models import Announcement, AnnouncementSource, AnnouncementStatus


def board_desa(code: str) -> Region:
    desa = (
        Region.objects.filter(code=(code or "").strip(), level=RegionLevel.DESA)
        .select_related("parent")
        .first()
    )
    if desa is None:
        raise NotFound("Not found.", code="board.desa")
    return desa


def board_kecamatans() -> QuerySet[Region]:
    """The installation's kecamatan, for residents picking their desa's board."""
    return area_regions(settings.WARGA_REGION_CODE, [RegionLevel.KECAMATAN])


def board_desas_of(kecamatan: Region) -> QuerySet[Region]:
    return area_regions(kecamatan.code, [RegionLevel.DESA])


# Indonesia's three time zones as residents name them.
TIME_ZONE_LABELS = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}


def time_zone_label() -> str:
    return TIME_ZONE_LABELS.get(settings.TIME_ZONE, settings.TIME_ZONE)


@unscoped("public page: a desa board shows its approved announcements")
def board_feed(*, desa_code: str) -> dict[str, Any]:
    """What a village board shows now. Public: announcements are public by nature."""
    desa = board_desa(desa_code)
    now = timezone.now()
    items = (
        Announcement.objects.filter(
            desa=desa, status=AnnouncementStatus.APPROVED, starts_at__lte=now, ends_at__gt=now
        )
        .order_by("-priority", "starts_at", "id")
        .values("id", "text", "source", "priority", "starts_at", "ends_at")[:50]
    )
    return {
        "desa": {
            "code": desa.code,
            "name": desa.display_name,
            "kecamatan": desa.parent.name if desa.parent else "",
        },
        "generated_at": now,
        # The board shows the installation's clock, not the TV's (a fresh TV often runs on UTC).
        "time_zone": settings.TIME_ZONE,
        "time_zone_label": time_zone_label(),
        "refresh_seconds": 60,
        "announcements": [{**a, "source_label": str(AnnouncementSource(a["source"]).label)} for a in items],
    }


def announcements_list(*, actor: Actor, status: str = "") -> QuerySet[Announcement]:
    actor.require("boards.announce")
    qs = scoped(Announcement.objects.select_related("desa", "created_by"), actor)
    if status:
        qs = qs.filter(status=status)
    return qs


def board_desas(*, actor: Actor) -> QuerySet[Region]:
    return area_regions(actor.area_code, [RegionLevel.DESA])


def board_areas(*, actor: Actor) -> QuerySet[Region]:
    """Areas an officer may post to at once: their kecamatan(s) and desas."""
    return area_regions(actor.area_code, [RegionLevel.KECAMATAN, RegionLevel.DESA])
