"""The services Open311 offers: the public categories of cases, each with its attributes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from ..models import CaseCategory, CaseKind


@dataclass(frozen=True)
class Service:
    code: str
    kind: str
    category: str
    group: str
    keywords: str

    @property
    def name(self) -> str:
        if self.kind == CaseKind.ASPIRASI:
            return str(CaseKind.ASPIRASI.label)
        return str(CaseCategory(self.category).label)


# Matters of the street and of public services. Sickness, deaths, births and complaints about an
# officer are about people: they come through LAPOR, the counter or the field, not Open311.
SERVICES: dict[str, Service] = {
    s.code: s
    for s in [
        Service("jalan", CaseKind.LAPORAN, CaseCategory.JALAN, "infrastruktur", "jalan,jembatan,berlubang"),
        Service("air", CaseKind.LAPORAN, CaseCategory.AIR, "infrastruktur", "air,pdam"),
        Service(
            "listrik_padam", CaseKind.LAPORAN, CaseCategory.LISTRIK_PADAM, "infrastruktur", "listrik,pln"
        ),
        Service("bencana", CaseKind.LAPORAN, CaseCategory.BENCANA, "lingkungan", "banjir,longsor"),
        Service("keamanan", CaseKind.LAPORAN, CaseCategory.KEAMANAN, "lingkungan", "keamanan"),
        Service("layanan_publik", CaseKind.PENGADUAN, CaseCategory.LAYANAN_PUBLIK, "layanan", "pelayanan"),
        Service("lainnya", CaseKind.LAPORAN, CaseCategory.LAINNYA, "lainnya", "lainnya"),
        Service("aspirasi", CaseKind.ASPIRASI, CaseCategory.LAINNYA, "aspirasi", "usulan,aspirasi"),
    ]
}
YES_NO = ("ya", "tidak")


def service_of(kind: str, category: str) -> str | None:
    """The service code a case is listed under, or None when it is not public."""
    if kind == CaseKind.ASPIRASI:
        return "aspirasi"
    service = SERVICES.get(category)
    return service.code if service is not None and service.kind == kind else None


def attributes(desas: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """The attributes every service asks (GeoReport v2 `attributes`)."""
    return [
        {
            "variable": True,
            "code": "desa",
            "datatype": "singlevaluelist",
            "required": True,
            "datatype_description": _("The code of the desa/kelurahan where it is."),
            "order": 1,
            "description": _("Desa/kelurahan"),
            "values": [{"key": code, "name": name} for code, name in desas],
        },
        {
            "variable": True,
            "code": "anonim",
            "datatype": "singlevaluelist",
            "required": False,
            "datatype_description": _("ya: nothing of the reporter is kept."),
            "order": 2,
            "description": _("Anonymous"),
            "values": [{"key": v, "name": v} for v in YES_NO],
        },
        {
            "variable": True,
            "code": "rahasia",
            "datatype": "singlevaluelist",
            "required": False,
            "datatype_description": _("ya: only the complaint handler may see who reported; never listed."),
            "order": 3,
            "description": _("Confidential"),
            "values": [{"key": v, "name": v} for v in YES_NO],
        },
    ]
