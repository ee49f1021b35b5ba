"""Creating the standard units of an installation: the Disdukcapil, one office per kecamatan
and desa/kelurahan, the usual OPDs and external bodies."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext

from warga.audit.services import audit_record
from warga.core.errors import NotFound
from warga.core.scoping import Actor
from warga.regions.models import Region, RegionLevel

from .models import Unit, UnitKind

STANDARD_OPDS = [
    ("dinkes", "Dinas Kesehatan", UnitKind.OPD, "sakit,kesehatan,puskesmas,demam,wabah"),
    ("dppkb", "Dinas Pengendalian Penduduk dan Keluarga Berencana", UnitKind.OPD, "kb,keluarga berencana"),
    ("diskominfo", "Dinas Komunikasi dan Informatika", UnitKind.OPD, "informasi,internet,ppid"),
    ("dinsos", "Dinas Sosial", UnitKind.OPD, "bansos,sosial,miskin,meninggal"),
    ("dpupr", "Dinas Pekerjaan Umum dan Penataan Ruang", UnitKind.OPD, "jalan,jembatan,banjir,longsor"),
    ("pln", "PT PLN (Persero) UP3", UnitKind.EXTERNAL, "listrik,padam,pln"),
    ("pdam", "Perumda Air Minum", UnitKind.EXTERNAL, "air,pdam"),
    ("polres", "Kepolisian Resor", UnitKind.EXTERNAL, "kriminal,pencurian,kecelakaan"),
    ("call112", "Call Center 112", UnitKind.EXTERNAL, "darurat,kebakaran,112"),
    # The bodies the 112 centre dispatches to (their topics name no case category on purpose:
    # cases reach them by a dispatch, not by the routing rules).
    ("damkar", "Dinas Pemadam Kebakaran dan Penyelamatan", UnitKind.OPD, "damkar,pemadam"),
    ("bpbd", "Badan Penanggulangan Bencana Daerah", UnitKind.OPD, "bpbd,evakuasi"),
    ("rsud", "RSUD (ambulans)", UnitKind.OPD, "rsud,ambulans"),
]


@transaction.atomic
def units_create_standard(*, region: Region) -> int:
    """Idempotent: existing units (by code) are left as the administrator edited them."""
    created = 0
    existing = {unit.code: unit for unit in Unit.objects.all()}

    def ensure(code: str, **fields: object) -> Unit:
        nonlocal created
        if code in existing:
            return existing[code]
        unit = Unit.objects.create(code=code, **fields)
        existing[code] = unit
        created += 1
        return unit

    dukcapil = ensure(
        "disdukcapil",
        name=f"Dinas Kependudukan dan Pencatatan Sipil {region.name}",
        kind=UnitKind.DISDUKCAPIL,
        area=region,
    )
    for code, name, kind, topics in STANDARD_OPDS:
        ensure(code, name=name, kind=kind, area=region, topics=topics)
    kecamatans = Region.objects.filter(code__within=region.code, level=RegionLevel.KECAMATAN)
    desas: dict[str, list[Region]] = {}
    for desa in Region.objects.filter(code__within=region.code, level=RegionLevel.DESA).order_by("code"):
        desas.setdefault(desa.parent_id or "", []).append(desa)
    for kec in kecamatans:
        kec_unit = ensure(
            f"kec-{kec.code_plain}",
            name=f"Kecamatan {kec.name}",
            kind=UnitKind.KECAMATAN_OFFICE,
            area=kec,
            parent=dukcapil,
        )
        for desa in desas.get(kec.code, []):
            ensure(
                f"desa-{desa.code_plain}",
                name=f"{desa.display_name}",
                kind=UnitKind.DESA_OFFICE,
                area=desa,
                parent=kec_unit,
            )
    return created


UNIT_EDITABLE = ("name", "phone", "email", "address", "head_name", "topics", "is_active")


@transaction.atomic
def unit_update(*, actor: Actor, unit_id: int, changes: dict[str, object]) -> Unit:
    actor.require("org.units.manage")
    unit = Unit.objects.select_for_update().filter(pk=unit_id).first()
    if unit is None:
        raise NotFound(gettext("Not found."))
    changed = [f for f in UNIT_EDITABLE if f in changes and getattr(unit, f) != changes[f]]
    for field in changed:
        setattr(unit, field, changes[field])
    unit.full_clean()
    unit.save()
    audit_record(actor=actor, action="org.unit.updated", obj=unit, summary={"fields": changed})
    return unit
