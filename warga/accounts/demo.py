"""Demo accounts, one per role, placed in the first kecamatan and desa of the installation.

Each app may add demo data through a `demo.py` module with `seed(region, *, size, seed)`,
called in app order by the `demo_setup` command.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet

from warga.accounts.models import User
from warga.accounts.services import staff_create
from warga.core.permissions import Role
from warga.org.models import Unit, UnitKind
from warga.regions.models import Region, RegionLevel

DEMO_PASSWORD = "warga-demo-2026"  # noqa: S105 - printed for demos, never used in production


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    where: str


def _first(regions: QuerySet[Region]) -> Region:
    """The first region by code: the demo places everyone in the first kecamatan/desa."""
    return regions.order_by("code")[0]


@transaction.atomic
def demo_users_create(*, region: Region) -> list[DemoLogin]:
    kec = _first(Region.objects.filter(code__within=region.code, level=RegionLevel.KECAMATAN))
    other_kec = Region.objects.filter(code__within=region.code, level=RegionLevel.KECAMATAN).order_by("code")[
        1
    ]
    desa = _first(Region.objects.filter(parent=kec, level=RegionLevel.DESA))
    dukcapil = Unit.objects.get(code="disdukcapil")
    kec_unit = Unit.objects.get(kind=UnitKind.KECAMATAN_OFFICE, area=kec)
    other_kec_unit = Unit.objects.get(kind=UnitKind.KECAMATAN_OFFICE, area=other_kec)
    desa_unit = Unit.objects.get(kind=UnitKind.DESA_OFFICE, area=desa)
    plan = [
        ("admin", "Admin Sistem", [Role.SYSTEM_ADMIN], Unit.objects.get(code="diskominfo"), region),
        ("kadis", "Kepala Disdukcapil", [Role.DISDUKCAPIL_HEAD], dukcapil, region),
        ("verifikator", "Verifikator Disdukcapil", [Role.DISDUKCAPIL_VERIFIER], dukcapil, region),
        ("cetak", "Operator Cetak", [Role.PRINTING_OPERATOR], dukcapil, region),
        ("loket", "Petugas Loket Kecamatan", [Role.KECAMATAN_COUNTER], kec_unit, kec),
        ("verkec", "Verifikator Kecamatan", [Role.KECAMATAN_VERIFIER], kec_unit, kec),
        (
            "loket2",
            "Petugas Loket Kecamatan Lain",
            [Role.KECAMATAN_COUNTER, Role.KECAMATAN_VERIFIER],
            other_kec_unit,
            other_kec,
        ),
        ("desa", "Operator Desa", [Role.DESA_OPERATOR], desa_unit, desa),
        ("jemput", "Petugas Jemput Bola", [Role.OUTREACH_OFFICER], dukcapil, region),
        ("ppid", "PPID Utama", [Role.PPID_OFFICER], Unit.objects.get(code="diskominfo"), region),
        ("ppidkec", "PPID Pembantu Kecamatan", [Role.PPID_PEMBANTU], kec_unit, kec),
        (
            "ppiddinkes",
            "PPID Pembantu Dinas Kesehatan",
            [Role.PPID_PEMBANTU],
            Unit.objects.get(code="dinkes"),
            region,
        ),
        ("atasanppid", "Atasan PPID (Sekretaris Daerah)", [Role.PPID_ATASAN], None, region),
        (
            "pengaduan",
            "Petugas Pengaduan",
            [Role.COMPLAINT_HANDLER],
            Unit.objects.get(code="diskominfo"),
            region,
        ),
        (
            "operator112",
            "Petugas Call Center 112",
            [Role.CALL_TAKER],
            Unit.objects.get(code="call112"),
            region,
        ),
        ("dinkes", "Staf Dinas Kesehatan", [Role.AGENCY_STAFF], Unit.objects.get(code="dinkes"), region),
        ("kadinkes", "Kepala Dinas Kesehatan", [Role.AGENCY_HEAD], Unit.objects.get(code="dinkes"), region),
        ("bupati", "Bupati (pemantau)", [Role.REGIONAL_VIEWER], None, region),
    ]
    logins = []
    for username, name, roles, unit, area in plan:
        if not User.objects.filter(username=username).exists():
            staff_create(
                actor=None,
                username=username,
                password=DEMO_PASSWORD,
                full_name=name,
                roles=[r.value for r in roles],
                unit_id=unit.pk if unit else None,
                area_code=area.code,
            )
        logins.append(DemoLogin(username, ", ".join(str(r.label) for r in roles), area.display_name))
    return logins
