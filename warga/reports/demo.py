"""Demo: the default routing rules, a few cases in the first kecamatan, and reports and
complaints in other kecamatan in further states (asked for more information, rejected, answered
and closed), all through the real services. Running it again adds nothing."""

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
    calls = _emergency(desa) if desa is not None else 0
    spread = _elsewhere(region, handler)
    return f"{rules} routing rules, {len(CASES) + spread} cases, {calls} 112 call"


# Cases in the other kecamatan: (kecamatan index, kind, text, the handler's steps)
ELSEWHERE = [
    (1, "laporan", "Saluran irigasi tersumbat sampah di dekat sawah warga.", ["accept"]),
    (1, "pengaduan", "Petugas desa meminta biaya untuk surat pengantar KK.", ["ask_info"]),
    (2, "laporan", "Lampu penerangan jalan mati di jalan utama desa.", ["accept"]),
    (2, "aspirasi", "Mohon pelatihan usaha kecil untuk ibu-ibu PKK.", ["reject"]),
    (3, "laporan", "Banyak nyamuk dan genangan air setelah hujan di RT 04.", ["accept", "answer", "close"]),
    (3, "pengaduan", "Pelayanan puskesmas tutup sebelum jam kerja selesai.", []),
    (4, "laporan", "Pohon tumbang menutup jalan desa.", ["accept"]),
]
NOTES = {
    "ask_info": "Mohon sebutkan nama desa dan waktu kejadian.",
    "reject": "Usulan diteruskan ke musyawarah perencanaan pembangunan desa.",
    "answer": "Petugas puskesmas sudah melakukan fogging dan pembersihan genangan.",
}


def _elsewhere(region: Region, handler: Actor | None) -> int:
    from warga.core.errors import ServiceError

    kecamatan = list(
        Region.objects.filter(code__within=region.code, level=RegionLevel.KECAMATAN).order_by("code")
    )
    made = 0
    for index, (which, kind, text, steps) in enumerate(ELSEWHERE):
        ref = f"demo-area-{index}"
        if which >= len(kecamatan) or Case.objects.filter(client_ref=ref).exists():
            continue
        desa = Region.objects.filter(parent=kecamatan[which], level=RegionLevel.DESA).order_by("code").first()
        if desa is None:
            continue
        case = case_file(
            actor=None,
            text=text,
            channel="web",
            kind=kind,
            desa=desa,
            phone=f"0812000091{index:02d}",
            name="Warga Demo",
            confidential=kind == "pengaduan",
            client_ref=ref,
        )
        made += 1
        for action in steps:
            actor = handler
            if action == "answer":
                # The unit the case was routed to answers it.
                unit_id = case.assigned_unit_id
                responder = (
                    User.objects.filter(unit_id=unit_id, is_active=True).order_by("pk").first()
                    if unit_id
                    else None
                )
                actor = Actor.for_user(responder) if responder else None
            if actor is None:
                break
            try:
                case = case_transition(
                    actor=actor, case_id=case.pk, action=action, note=NOTES.get(action, "")
                )
            except ServiceError:
                break
    return made


def _emergency(desa: Region) -> int:
    """A 112 call in the first desa: the fire brigade and the ambulance sent, one acknowledged."""
    from warga.org.models import Unit

    from .models import EmergencyDispatch
    from .services.emergency import emergency_call_record, emergency_time_log

    taker_user = User.objects.filter(username="operator112").first()
    units = list(Unit.objects.filter(code__in=["damkar", "rsud"]).values_list("pk", flat=True))
    if taker_user is None or not units:
        return 0
    taker = Actor.for_user(taker_user)
    case = emergency_call_record(
        actor=taker,
        kind="kebakaran",
        text="Dapur rumah warga terbakar, satu orang sesak napas.",
        address="Gang Melati dekat mushala, RT 02/RW 01",
        caller_phone="081200009099",
        desa=desa,
        unit_ids=units,
        client_ref="demo-112-0",
    )
    first = EmergencyDispatch.objects.filter(case=case).order_by("pk").first()
    if first is not None and first.acknowledged_at is None:
        emergency_time_log(actor=taker, dispatch_id=first.pk, stage="acknowledged")
    return 1
