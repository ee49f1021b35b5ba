"""Demo: the Kota Tasikmalaya story in the first kecamatan. A resident asks the kecamatan for
health data, its PPID pembantu forwards it to Dinkes, Dinkes answers with a document; a legal
body's letter answered at the kecamatan; a refused request with an objection waiting for the
atasan; an open request on the clock."""

from __future__ import annotations

from warga.accounts.models import User
from warga.core.scoping import Actor
from warga.org.models import Unit
from warga.regions.models import Region

from .models import InformationRequest
from .services import (
    Decision,
    RequestInput,
    document_attach,
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
    if InformationRequest.objects.exists():
        return "information requests already present"
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
    return "4 information requests, 1 objection"
