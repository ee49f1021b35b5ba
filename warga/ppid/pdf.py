"""Printable PDFs of the information service (fpdf2, like the applications' receipts): the receipt
(tanda bukti penerimaan permohonan informasi) and the written notice (pemberitahuan tertulis).
Documents of the requester: in Indonesian, as the regulation's forms are."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from fpdf import FPDF

from .models import AccessMode, InformationRequest, Outcome

MONTHS = [
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
]  # fmt: skip

OUTCOMES = {
    Outcome.GRANTED: "Informasi dapat diberikan seluruhnya",
    Outcome.PARTLY: "Informasi dapat diberikan sebagian",
    Outcome.REFUSED: "Permohonan ditolak: informasi yang dikecualikan",
    Outcome.NOT_HELD: "Informasi tidak dikuasai oleh badan publik ini",
    Outcome.NOT_DOCUMENTED: "Informasi belum didokumentasikan",
    Outcome.ELSEWHERE: "Informasi dikuasai oleh badan publik lain",
}


def _t(text: Any) -> str:
    """The PDF core fonts speak Latin-1: replace the few typographic characters we use."""
    value = str(text if text is not None else "")
    for a, b in (("—", "-"), ("–", "-"), ("…", "..."), ("“", '"'), ("”", '"'), ("’", "'"), ("→", "->")):
        value = value.replace(a, b)
    return value.encode("latin-1", "replace").decode("latin-1")


def _date(value: date | None) -> str:
    if value is None:
        return "-"
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def _installation() -> str:
    from warga.regions.selectors import installation_region

    region = installation_region()
    return region.name.upper() if region else ""


def tracking_url() -> str:
    return str(getattr(settings, "SITE_URL", "http://127.0.0.1:8000")).rstrip("/") + reverse("ppid:track")


class _Doc(FPDF):
    def header(self) -> None:
        self.set_font("Helvetica", "B", 11)
        self.cell(0, 6, _t(f"PEMERINTAH {_installation()}"), align="C", new_x="LMARGIN", new_y="NEXT")
        self.set_font("Helvetica", "", 10)
        self.cell(
            0,
            5,
            _t("PEJABAT PENGELOLA INFORMASI DAN DOKUMENTASI (PPID)"),
            align="C",
            new_x="LMARGIN",
            new_y="NEXT",
        )
        self.line(self.l_margin, self.get_y() + 1, self.w - self.r_margin, self.get_y() + 1)
        self.ln(4)


def _row(pdf: FPDF, label: str, value: Any, width: float = 50) -> None:
    pdf.set_font("Helvetica", "", 10)
    pdf.cell(width, 6, _t(label))
    pdf.cell(4, 6, ":")
    pdf.set_font("Helvetica", "B", 10)
    pdf.multi_cell(0, 6, _t(value), new_x="LMARGIN", new_y="NEXT")


def _requester(pdf: FPDF, request: InformationRequest) -> None:
    _row(pdf, "Nomor pendaftaran", request.number)
    _row(pdf, "Nama pemohon", request.requester_name)
    if request.requester_nik:
        _row(pdf, "NIK", request.requester_nik)
    else:
        _row(pdf, "Badan hukum", "ya (akta/pengesahan terlampir)")
    _row(pdf, "Alamat", request.address)
    _row(pdf, "Telepon / e-mail", " / ".join(x for x in (request.phone, request.email) if x) or "-")


def receipt_pdf(request: InformationRequest) -> bytes:
    pdf = _Doc(format="A4")
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 13)
    pdf.cell(
        0,
        8,
        _t("TANDA BUKTI PENERIMAAN PERMOHONAN INFORMASI PUBLIK"),
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(2)
    _requester(pdf, request)
    _row(pdf, "Rincian informasi", request.information)
    _row(pdf, "Tujuan penggunaan", request.purpose)
    how = "melihat/membaca" if request.access_mode == AccessMode.SEE else "mendapatkan salinan"
    _row(
        pdf, "Cara memperoleh", f"{how}; {request.get_copy_form_display()}; {request.get_delivery_display()}"
    )
    received = timezone.localtime(request.received_at)
    _row(pdf, "Diterima", f"{_date(received.date())} {received:%H:%M} ({request.get_channel_display()})")
    _row(pdf, "Diterima oleh", request.receiving_unit.name)
    _row(pdf, "Pemberitahuan tertulis paling lambat", _date(request.due_on))
    pdf.ln(3)
    pdf.set_font("Helvetica", "", 9)
    pdf.multi_cell(
        0,
        5,
        _t(
            "Sesuai Pasal 22 UU No. 14 Tahun 2008, pemberitahuan tertulis diberikan paling lambat 10 hari kerja "
            "sejak permohonan diterima dan dapat diperpanjang satu kali paling lambat 7 hari kerja dengan alasan "
            f"tertulis. Lacak permohonan dengan nomor pendaftaran di {tracking_url()} atau SMS: INFO {request.number}."
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    return bytes(pdf.output())


def notice_pdf(request: InformationRequest) -> bytes:
    pdf = _Doc(format="A4")
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 13)
    pdf.cell(0, 8, _t("PEMBERITAHUAN TERTULIS"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    _requester(pdf, request)
    _row(pdf, "Rincian informasi", request.information)
    _row(pdf, "Diterima", _date(request.received_on))
    _row(pdf, "Diputuskan", _date(request.decided_on))
    _row(pdf, "Keputusan", OUTCOMES.get(request.outcome, "-"))  # type: ignore[call-overload]
    if request.exemption_ground:
        _row(pdf, "Dasar pengecualian", f"Pasal 17 huruf {request.exemption_ground} UU 14/2008")
        _row(pdf, "Uji konsekuensi", request.consequence_test)
        if request.exemption_entry is not None:
            _row(pdf, "Daftar informasi dikecualikan", request.exemption_entry.title)
    if request.other_body:
        _row(pdf, "Badan publik yang menguasai", request.other_body)
    if request.outcome in (Outcome.GRANTED, Outcome.PARTLY):
        _row(pdf, "Bentuk", f"{request.get_access_mode_display()}; {request.get_copy_form_display()}")
        _row(pdf, "Cara penyampaian", request.get_delivery_display())
        _row(pdf, "Biaya penyalinan", f"Rp {request.copy_cost:,}".replace(",", "."))
    if request.decision_note:
        _row(pdf, "Keterangan", request.decision_note)
    _row(pdf, "Unit yang menguasai", request.holding_unit.name)
    pdf.ln(3)
    pdf.set_font("Helvetica", "", 9)
    pdf.multi_cell(
        0,
        5,
        _t(
            "Apabila tidak puas, pemohon dapat mengajukan keberatan kepada atasan PPID paling lambat 30 hari kerja "
            f"setelah pemberitahuan ini (Pasal 35-36 UU 14/2008), di {tracking_url()} dengan nomor pendaftaran."
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    return bytes(pdf.output())
