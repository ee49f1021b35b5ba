"""Demo: the default routing rules and a few cases in the first kecamatan, in several states."""

from __future__ import annotations

from warga.accounts.models import User
from warga.core.scoping import Actor
from warga.regions.models import Region, RegionLevel

from .models import Case
from .services import case_file, case_transition, routing_rules_seed

CASES = [
    ("laporan", "Warga demam tinggi tiga hari di RT 02, mohon dicek puskesmas.", "accept"),
    ("laporan", "Listrik padam sejak pagi di RW 03.", ""),
    ("pengaduan", "Antrean pelayanan di kantor desa sangat lama.", ""),
    ("laporan", "Jalan berlubang dekat sekolah dasar.", "accept"),
    ("aspirasi", "Mohon dibangun taman bermain anak di dekat balai desa.", ""),
]


def _photo() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (320, 240), (200, 120, 60)).save(out, "JPEG")
    return out.getvalue()


def seed(region: Region, *, size: str, seed: int) -> str:
    rules = routing_rules_seed()
    if Case.objects.filter(channel="web").exists():
        return f"{rules} routing rules; cases already present"
    kecamatan = (
        Region.objects.filter(code__within=region.code, level=RegionLevel.KECAMATAN).order_by("code").first()
    )
    if kecamatan is None:
        return f"{rules} routing rules"
    desa = Region.objects.filter(parent=kecamatan, level=RegionLevel.DESA).order_by("code").first()
    handler_user = User.objects.filter(username="pengaduan").first()
    handler = Actor.for_user(handler_user) if handler_user else None
    for index, (kind, text, action) in enumerate(CASES):
        case = case_file(
            photos=[_photo()] if index == 0 else [],
            actor=None,
            text=text,
            channel="web",
            kind=kind,
            desa=desa,
            phone=f"0812000090{index:02d}",
            name="Warga Demo",
            confidential=kind == "pengaduan",
            client_ref=f"demo-{index}",
        )
        if action and handler is not None and case.status == "new":
            case_transition(actor=handler, case_id=case.pk, action=action)
    return f"{rules} routing rules, {len(CASES)} cases"
