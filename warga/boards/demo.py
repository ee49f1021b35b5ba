"""Demo: a few announcements on the boards of the demo user's desa and kecamatan."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from warga.accounts.models import User
from warga.core.scoping import Actor
from warga.regions.models import Region, RegionLevel

from .models import Announcement
from .services import announcement_create

TEXTS = [
    ("kadis", 8, "Perekaman KTP-el keliling: Selasa pukul 08.00–14.00 di kantor desa. Bawa fotokopi KK."),
    ("verkec", 5, "Pelayanan akta kelahiran gratis di kantor kecamatan setiap hari kerja."),
    ("desa", 3, "Kerja bakti membersihkan saluran air, Minggu pagi pukul 07.00. Kumpul di balai desa."),
]


def seed(region: Region, *, size: str, seed: int) -> str:
    if Announcement.objects.exists():
        return "announcements already present"
    now = timezone.now()
    created = 0
    for username, priority, text in TEXTS:
        user = User.objects.filter(username=username).first()
        if user is None or not user.area_id:
            continue
        actor = Actor.for_user(user)
        area = Region.objects.get(code=user.area_id)
        desas = Region.objects.filter(code__within=area.code, level=RegionLevel.DESA).order_by("code")
        codes = list(desas.values_list("code", flat=True)[: 5 if size == "small" else 50])
        if codes:
            created += len(
                announcement_create(
                    actor=actor,
                    desa_codes=codes,
                    text=text,
                    starts_at=now - timedelta(hours=1),
                    ends_at=now + timedelta(days=14),
                    priority=priority,
                )
            )
    return f"{created} board announcements"
