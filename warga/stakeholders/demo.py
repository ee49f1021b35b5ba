"""Demo: about twenty stakeholders of Diskominfo, Dinkes and the first kecamatan office, across
kinds, most with SMS consent (a signed form or the minutes of a meeting), some without."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from warga.accounts.models import User
from warga.core.scoping import Actor
from warga.org.models import Unit
from warga.regions.models import Region, RegionLevel

from .models import Stakeholder
from .services import StakeholderInput, stakeholder_create

# (unit code or "kec", kind, name, organisation, position, topics, consent)
PEOPLE = [
    ("diskominfo", "media", "Rina Marlina", "Radar Tasik", "Redaktur", ["information"], True),
    ("diskominfo", "media", "Asep Saepudin", "Radio Siaran Publik Daerah", "Penyiar", ["information"], True),
    (
        "diskominfo",
        "ngo",
        "Dewi Kartika",
        "Forum Transparansi Anggaran",
        "Koordinator",
        ["information"],
        True,
    ),
    ("diskominfo", "community_leader", "H. Ujang Sobandi", "", "Tokoh masyarakat", ["security"], False),
    ("diskominfo", "business", "Budi Santoso", "Asosiasi Warnet dan Internet", "Ketua", ["economy"], True),
    (
        "diskominfo",
        "karang_taruna",
        "Fajar Nugraha",
        "Karang Taruna Kota",
        "Ketua",
        ["youth", "information"],
        True,
    ),
    (
        "dinkes",
        "pkk",
        "Ibu Euis Komariah",
        "TP PKK Kecamatan",
        "Ketua Pokja IV",
        ["health", "women_children"],
        True,
    ),
    (
        "dinkes",
        "religious_leader",
        "KH. Abdul Halim",
        "Pondok Pesantren Al-Falah",
        "Pimpinan",
        ["health", "religion"],
        True,
    ),
    (
        "dinkes",
        "ngo",
        "Sri Wahyuni",
        "Yayasan Kesehatan Ibu dan Anak",
        "Direktur",
        ["health", "women_children"],
        True,
    ),
    ("dinkes", "business", "Hendra Wijaya", "Apotek Sehat Bersama", "Pemilik", ["health", "economy"], False),
    (
        "dinkes",
        "organisation",
        "Nanang Kosim",
        "Kader Posyandu Melati",
        "Koordinator kader",
        ["health"],
        True,
    ),
    (
        "dinkes",
        "media",
        "Lilis Suryani",
        "Tasik Today",
        "Wartawan kesehatan",
        ["health", "information"],
        False,
    ),
    (
        "dinkes",
        "community_leader",
        "Ustadzah Neneng",
        "Majelis Taklim Al-Hidayah",
        "Ketua",
        ["health", "religion"],
        True,
    ),
    ("kec", "rw_head", "Dedi Mulyadi", "", "Ketua RW 03", ["population", "security"], True),
    ("kec", "rt_head", "Cecep Supriatna", "", "Ketua RT 02/RW 03", ["population"], True),
    ("kec", "bpd", "Agus Salim", "BPD Desa", "Ketua BPD", ["infrastructure"], True),
    ("kec", "lpm", "Yayan Sopyan", "LPM Desa", "Ketua LPM", ["infrastructure", "economy"], True),
    (
        "kec",
        "village_body",
        "Rohmat Hidayat",
        "Linmas Desa",
        "Kepala satuan",
        ["disaster", "security"],
        False,
    ),
    (
        "kec",
        "religious_leader",
        "Pdt. Yohanes Simanjuntak",
        "GKP Jemaat",
        "Pendeta",
        ["religion", "social"],
        True,
    ),
    (
        "kec",
        "organisation",
        "Tatang Sutisna",
        "Kelompok Tani Mekar",
        "Ketua",
        ["economy", "environment"],
        True,
    ),
]


def _actor(username: str) -> Actor | None:
    user = User.objects.filter(username=username).first()
    return Actor.for_user(user) if user else None


def seed(region: Region, *, size: str, seed: int) -> str:
    if Stakeholder.objects.exists():
        return "stakeholders already present"
    keeper, kec_officer = _actor("ppid"), _actor("loket")
    if keeper is None or kec_officer is None or kec_officer.area_code is None:
        return "no officers to keep the register"
    desas = list(
        Region.objects.filter(code__within=kec_officer.area_code, level=RegionLevel.DESA).order_by("code")[:4]
    )
    if not desas:
        return "no desa"
    units = {u.code: u.pk for u in Unit.objects.filter(code__in=("diskominfo", "dinkes"))}
    today = timezone.localdate()
    for n, (unit, kind, name, org, position, topics, consent) in enumerate(PEOPLE):
        actor = kec_officer if unit == "kec" else keeper
        stakeholder_create(
            actor=actor,
            data=StakeholderInput(
                kind=kind,
                name=name,
                organisation=org,
                position=position,
                topics=topics,
                region=desas[n % len(desas)].code if unit == "kec" or n % 3 else region.code,
                unit_id=kec_officer.unit_id if unit == "kec" else units.get(unit),
                phone=f"08127{7000 + n:04d}01",
                email=f"pemangku{n + 1}@example.org" if n % 2 else "",
                sms_consent=consent,
                consent_on=today - timedelta(days=30 + n) if consent else None,
                consent_channel=("form" if n % 2 else "meeting") if consent else "",
                consent_evidence="Formulir persetujuan bertanda tangan" if consent else "",
            ),
        )
    return f"{len(PEOPLE)} stakeholders"
