"""Demo: the Kota Tasikmalaya story in the first kecamatan. A resident asks the kecamatan for
health data, its PPID pembantu forwards it to Dinkes, Dinkes answers with a document; a legal
body's letter answered at the kecamatan; a refused request with an objection waiting for the
atasan; an open request on the clock."""

from __future__ import annotations

from typing import Any

from warga.accounts.models import User
from warga.core.scoping import Actor
from warga.org.models import Unit
from warga.regions.models import Region

from .models import ExemptInformation, InformationRequest, PublicInformation
from .services import (
    Decision,
    ExemptionInput,
    InformationInput,
    RequestInput,
    document_attach,
    exemption_save,
    information_document_attach,
    information_save,
    objection_file,
    request_file,
    request_transition,
)


def _pdf(text: str) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", "", 12)
    pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())


def _actor(username: str) -> Actor | None:
    user = User.objects.filter(username=username).first()
    return Actor.for_user(user) if user else None


def _nik(kecamatan: Region, serial: int) -> str:
    return kecamatan.code.replace(".", "") + f"1203{85 + serial % 10:02d}{serial:04d}"


def seed(region: Region, *, size: str, seed: int) -> str:
    registers = _seed_registers()
    if InformationRequest.objects.exists():
        return f"information requests already present; {registers}"
    utama, kec_officer, dinkes = _actor("ppid"), _actor("ppidkec"), _actor("ppiddinkes")
    if utama is None or kec_officer is None or dinkes is None or kec_officer.unit_id is None:
        return "no PPID officers"
    kecamatan = Region.objects.get(code=kec_officer.area_code)
    kec_unit = kec_officer.unit_id
    base = RequestInput(
        name="Siti Rahmawati",
        nik=_nik(kecamatan, 1),
        address="Jl. Merdeka No. 5",
        phone="081200007001",
        email="siti@example.org",
        purpose="Penelitian skripsi tentang gizi anak.",
        unit_id=kec_unit,
    )
    # 1. Health data asked of the kecamatan, forwarded to Dinkes, answered there.
    health = request_file(
        actor=None,
        channel="web",
        data=RequestInput(**{**base.__dict__, "information": "Data balita gizi buruk per desa tahun 2025."}),
    )
    dinkes_unit = Unit.objects.get(code="dinkes")
    request_transition(
        actor=kec_officer,
        request_id=health.pk,
        action="forward",
        unit_id=dinkes_unit.pk,
        note="Data gizi dikuasai Dinas Kesehatan.",
    )
    document_attach(
        actor=dinkes,
        request_id=health.pk,
        name="Rekap gizi balita 2025",
        content=_pdf("Rekap gizi balita 2025"),
    )
    request_transition(
        actor=dinkes, request_id=health.pk, action="decide", decision=Decision(outcome="granted")
    )
    # 2. A legal body's letter, answered at the kecamatan with a document.
    letter = request_file(
        actor=kec_officer,
        channel="letter",
        data=RequestInput(
            requester_kind="legal_body",
            name="Yayasan Transparansi Priangan",
            legal_papers=_pdf("Akta pendirian yayasan"),
            address="Jl. Sutisna Senjaya 12",
            phone="081200007002",
            information="Daftar kegiatan kecamatan tahun 2025 dan anggarannya.",
            purpose="Pemantauan anggaran publik.",
            delivery="collect",
        ),
    )
    document_attach(
        actor=kec_officer, request_id=letter.pk, name="Daftar kegiatan 2025", content=_pdf("Kegiatan 2025")
    )
    request_transition(
        actor=kec_officer,
        request_id=letter.pk,
        action="decide",
        decision=Decision(outcome="granted", copy_cost=5000),
    )
    # 3. Refused (personal secrets), and the requester objects.
    refused = request_file(
        actor=None,
        channel="web",
        data=RequestInput(
            **{
                **base.__dict__,
                "unit_id": None,
                "phone": "081200007003",
                "information": "Data pribadi penerima bansos di RT 02.",
            }
        ),
    )
    request_transition(
        actor=utama,
        request_id=refused.pk,
        action="decide",
        decision=Decision(outcome="refused", exemption_ground="h", consequence_test="UK-PPID/2026/004"),
        note="Memuat data pribadi.",
    )
    objection_file(
        number=refused.number, contact="081200007003", ground="refused", reason="Saya hanya minta jumlahnya."
    )
    InformationRequest.objects.filter(pk=refused.pk).update(
        exemption_entry=ExemptInformation.objects.filter(ground="h").order_by("pk").first()
    )
    # 4. Open, on the clock at the kecamatan.
    request_file(
        actor=None,
        channel="web",
        data=RequestInput(
            **{
                **base.__dict__,
                "phone": "081200007004",
                "information": "Jadwal pelayanan KTP-el di kecamatan.",
            }
        ),
    )
    return f"4 information requests, 1 objection; {registers}"


# (unit actor, category, title, summary, format, retention, period, months ago published, document?)
DIP = [
    ("ppid", "berkala", "Profil Dinas Komunikasi dan Informatika", "Struktur organisasi, tugas dan fungsi, "
     "alamat serta profil pejabat.", "both", "selama berlaku", "2026", 2, True),
    ("ppid", "berkala", "Laporan Layanan Informasi Publik tahun 2025", "Jumlah permohonan, waktu "
     "layanan, permohonan yang ditolak dan alasannya.", "soft", "10 tahun", "Januari–Desember 2025", 3, True),
    ("ppid", "berkala", "Rencana Kerja dan Anggaran Diskominfo 2024", "Program, kegiatan dan anggaran.",
     "soft", "10 tahun", "2024", 20, True),
    ("ppid", "serta_merta", "Peringatan dini cuaca ekstrem dan jalur evakuasi", "Informasi yang "
     "mengancam hajat hidup orang banyak: peringatan BMKG dan titik kumpul.", "soft", "1 tahun",
     "musim hujan 2025/2026", 1, True),
    ("ppid", "setiap_saat", "Daftar Informasi Publik", "Daftar ini, dalam bentuk yang dapat diunduh.",
     "soft", "selama berlaku", "2026", 1, False),
    ("ppidkec", "berkala", "Jadwal pelayanan administrasi kependudukan di kecamatan", "Hari dan jam "
     "layanan KTP-el, KK dan akta di kantor kecamatan.", "both", "1 tahun", "Semester I 2026", 1, True),
    ("ppidkec", "berkala", "Realisasi Dana Kelurahan", "Realisasi anggaran kegiatan kelurahan per "
     "triwulan.", "soft", "5 tahun", "Triwulan IV 2025", 4, False),
    ("ppidkec", "serta_merta", "Pemadaman air dan distribusi air bersih", "Lokasi dan jadwal tangki air "
     "bersih saat gangguan PDAM.", "soft", "1 tahun", "Februari 2026", 0, False),
    ("ppidkec", "setiap_saat", "Daftar kegiatan kecamatan 2025", "Kegiatan dan anggarannya.", "hard",
     "5 tahun", "2025", 5, False),
    ("ppiddinkes", "berkala", "Profil Kesehatan Kota 2025", "Angka kesehatan ibu dan anak, gizi, "
     "penyakit menular.", "soft", "10 tahun", "2025", 2, True),
    ("ppiddinkes", "serta_merta", "Kejadian luar biasa demam berdarah", "Wilayah terdampak, gejala dan "
     "fasilitas rujukan.", "soft", "2 tahun", "Januari 2026", 1, True),
    ("ppiddinkes", "setiap_saat", "Daftar puskesmas dan jam layanan", "Alamat, telepon dan jam "
     "layanan setiap puskesmas.", "both", "selama berlaku", "2026", 2, False),
]  # fmt: skip


def _months_ago(months: int) -> Any:
    from django.utils import timezone

    from .services.registers import _months_before

    return _months_before(timezone.localdate(), months)


def _seed_registers() -> str:
    """A handful of DIP entries per category for Diskominfo, the first kecamatan and Dinkes, and
    two exempted entries (one at the kecamatan, one at Dinkes)."""
    if PublicInformation.objects.exists():
        return "registers already present"
    actors = {name: _actor(name) for name in ("ppid", "ppidkec", "ppiddinkes")}
    if any(a is None for a in actors.values()):
        return "no PPID officers for the registers"
    for who, category, title, summary, fmt, retention, period, months, with_document in DIP:
        actor = actors[who]
        assert actor is not None
        entry = information_save(
            actor=actor,
            data=InformationInput(
                category=category,
                title=title,
                summary=summary,
                format=fmt,
                retention=retention,
                period=period,
                published_on=_months_ago(months),
            ),
        )
        if with_document:
            document = information_document_attach(
                actor=actor, entry_id=entry.pk, name=title[:120], content=_pdf(title)
            )
            moment = timezone_at(_months_ago(months))
            document.__class__.objects.filter(pk=document.pk).update(created_at=moment)
    kec, dinkes = actors["ppidkec"], actors["ppiddinkes"]
    assert kec is not None and dinkes is not None
    exemption_save(
        actor=kec,
        data=ExemptionInput(
            ground="h",
            title="Data pribadi penerima bantuan sosial per RT",
            test_reference="UK-PPID/2026/004",
            tested_on=_months_ago(2),
            consequence="Membuka nama, NIK dan keadaan ekonomi keluarga penerima: rahasia pribadi "
            "(Pasal 17 huruf h). Jumlah penerima per desa tetap terbuka.",
            period="selama penerima masih hidup",
        ),
    )
    exemption_save(
        actor=dinkes,
        data=ExemptionInput(
            ground="b",
            title="Harga perkiraan sendiri pengadaan alat kesehatan sebelum tender selesai",
            test_reference="UK-PPID/2026/007",
            tested_on=_months_ago(1),
            consequence="Membukanya sebelum tender selesai merugikan persaingan usaha yang sehat "
            "(Pasal 17 huruf b).",
            period="sampai kontrak ditandatangani",
            exempt_until=_months_ago(-6),
        ),
    )
    return f"{len(DIP)} DIP entries, 2 exempted entries"


def timezone_at(day: Any) -> Any:
    from datetime import datetime, time

    from django.utils import timezone

    return timezone.make_aware(datetime.combine(day, time(9, 0)))
