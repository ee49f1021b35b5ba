"""Printable PDFs: the receipt (tanda terima) and the issued documents, each with a QR code.

The receipt's QR opens the public tracking page; an issued document's QR opens the public
verification page with the document number and its signed token.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import segno
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from fpdf import FPDF

from warga.registry.models import Family, Resident

from .models import Application, DocumentType
from .selectors import document_token

MONTHS = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
]


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


def _site() -> str:
    return str(getattr(settings, "SITE_URL", "http://127.0.0.1:8000")).rstrip("/")


def tracking_url(code: str) -> str:
    return _site() + reverse("applications:track_detail", args=[code])


def verification_url(number: str) -> str:
    return _site() + reverse("applications:verify_detail", args=[number, document_token(number)])


def _qr(pdf: FPDF, url: str, x: float, y: float, size: float) -> None:
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=6, border=2)
    buffer.seek(0)
    pdf.image(buffer, x=x, y=y, w=size, h=size)


def _installation() -> str:
    from warga.regions.selectors import installation_region

    region = installation_region()
    return region.name.upper() if region else ""


class _Doc(FPDF):
    training = False

    def header(self) -> None:
        self.set_font("Helvetica", "B", 11)
        self.cell(0, 6, _t(f"PEMERINTAH {_installation()}"), align="C", new_x="LMARGIN", new_y="NEXT")
        self.set_font("Helvetica", "", 10)
        self.cell(
            0, 5, _t("DINAS KEPENDUDUKAN DAN PENCATATAN SIPIL"), align="C", new_x="LMARGIN", new_y="NEXT"
        )
        self.line(self.l_margin, self.get_y() + 1, self.w - self.r_margin, self.get_y() + 1)
        self.ln(4)
        if self.training:
            self.set_text_color(200, 0, 0)
            self.set_font("Helvetica", "B", 12)
            self.cell(0, 7, _t("LATIHAN - DOKUMEN TIDAK SAH"), align="C", new_x="LMARGIN", new_y="NEXT")
            self.set_text_color(0, 0, 0)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", "I", 8)
        self.cell(0, 5, _t("Layanan administrasi kependudukan tidak dipungut biaya (gratis)."), align="C")


def _row(pdf: FPDF, label: str, value: Any, width: float = 55) -> None:
    pdf.set_font("Helvetica", "", 10)
    pdf.cell(width, 6, _t(label))
    pdf.cell(4, 6, ":")
    pdf.set_font("Helvetica", "B", 10)
    pdf.multi_cell(0, 6, _t(value), new_x="LMARGIN", new_y="NEXT")


def receipt_pdf(application: Application) -> bytes:
    pdf = _Doc(format=(148, 210))
    pdf.training = application.is_sandbox
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 13)
    pdf.cell(0, 8, _t("TANDA TERIMA PERMOHONAN"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    _row(pdf, "Kode pelacakan", application.tracking_code, 40)
    _row(pdf, "Layanan", application.service.name, 40)
    _row(pdf, "Kantor", application.office.name, 40)
    _row(pdf, "Nama pemohon", application.applicant_name, 40)
    received = timezone.localtime(application.submitted_at or application.created_at)
    _row(pdf, "Diterima", f"{_date(received.date())} {received:%H:%M}", 40)
    _row(pdf, "Perkiraan selesai", _date(application.due_on), 40)
    pdf.ln(2)
    pdf.set_font("Helvetica", "B", 10)
    pdf.cell(0, 6, _t("Dokumen persyaratan"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    present = set(
        application.attachments.filter(replaced_at__isnull=True).values_list("requirement", flat=True)
    )
    for req in application.service.requirements.all():
        mark = "[v]" if req.code in present else "[ ]"
        suffix = "" if req.mandatory else " (jika ada)"
        pdf.multi_cell(0, 5, _t(f"{mark} {req.label}{suffix}"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    y = pdf.get_y()
    url = tracking_url(application.tracking_code)
    _qr(pdf, url, pdf.l_margin, y, 32)
    pdf.set_xy(pdf.l_margin + 36, y + 4)
    pdf.set_font("Helvetica", "", 9)
    pdf.multi_cell(
        0,
        5,
        _t(
            "Pindai kode QR atau buka alamat di bawah untuk melihat status permohonan. "
            f"Bisa juga lewat SMS: CEK {application.tracking_code}.\n{url}"
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_y(y + 36)
    pdf.set_font("Helvetica", "B", 10)
    pdf.cell(0, 6, _t("GRATIS - tidak dipungut biaya apa pun."), align="C", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _member_rows(family: Family) -> list[Resident]:
    return list(family.members.filter(life_status="alive").order_by("birth_date"))


def document_pdf(application: Application) -> bytes:
    """The issued document's print layout (on the pre-printed security paper at the office)."""
    number = application.document_number or ""
    pdf = _Doc(format="A4")
    pdf.training = application.is_sandbox
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    doc_type = application.service.document_type
    data = application.data
    titles: dict[str, str] = {
        DocumentType.KK: "KARTU KELUARGA",
        DocumentType.AKTA_KELAHIRAN: "KUTIPAN AKTA KELAHIRAN",
        DocumentType.AKTA_KEMATIAN: "KUTIPAN AKTA KEMATIAN",
        DocumentType.SURAT_PINDAH: "SURAT KETERANGAN PINDAH WNI",
        DocumentType.KTP_EL: "TANDA BUKTI PENERBITAN KTP-EL",
    }
    pdf.set_font("Helvetica", "B", 15)
    pdf.cell(0, 9, _t(titles.get(doc_type, "DOKUMEN")), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    pdf.cell(0, 6, _t(f"Nomor: {number}"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    if doc_type == DocumentType.AKTA_KELAHIRAN:
        mother = Resident.objects.filter(nik=data.get("mother_nik")).first()
        father = (
            Resident.objects.filter(nik=data.get("father_nik")).first() if data.get("father_nik") else None
        )
        birth = date.fromisoformat(data["birth_date"])
        pdf.set_font("Helvetica", "", 11)
        pdf.multi_cell(
            0,
            7,
            _t(
                f"Berdasarkan kutipan ini dinyatakan bahwa di {data.get('birth_place', '')} pada tanggal {_date(birth)} "
                f"telah lahir {data.get('child_name', '')}, {'laki-laki' if data.get('child_sex') == 'M' else 'perempuan'}, "
                f"anak dari ayah {father.full_name if father else '-'} dan ibu {mother.full_name if mother else '-'}."
            ),
            new_x="LMARGIN",
            new_y="NEXT",
        )
    elif doc_type == DocumentType.AKTA_KEMATIAN:
        deceased = Resident.objects.filter(nik=data.get("deceased_nik")).first()
        pdf.set_font("Helvetica", "", 11)
        pdf.multi_cell(
            0,
            7,
            _t(
                f"Berdasarkan kutipan ini dinyatakan bahwa di {data.get('death_place', '')} pada tanggal "
                f"{_date(date.fromisoformat(data['died_on']))} telah meninggal dunia "
                f"{deceased.full_name if deceased else '-'}, NIK {deceased.nik if deceased else '-'}, "
                f"lahir di {deceased.birth_place if deceased else '-'} pada tanggal {_date(deceased.birth_date) if deceased else '-'}."
            ),
            new_x="LMARGIN",
            new_y="NEXT",
        )
    elif doc_type == DocumentType.KK:
        family = _family_for(application)
        if family is not None:
            _row(pdf, "Nomor KK", family.kk_number, 40)
            _row(pdf, "Alamat", f"{family.address} RT {family.rt or '-'} / RW {family.rw or '-'}", 40)
            _row(pdf, "Desa/kelurahan", family.desa.name, 40)
            pdf.ln(2)
            widths = [8, 36, 58, 10, 46, 32]
            pdf.set_font("Helvetica", "B", 8)
            for w, head in zip(
                widths, ["No", "NIK", "Nama lengkap", "JK", "Tempat, tgl lahir", "Hubungan"], strict=True
            ):
                pdf.cell(w, 6, head, border=1)
            pdf.ln()
            pdf.set_font("Helvetica", "", 8)
            for i, person in enumerate(_member_rows(family), start=1):
                cells = [
                    str(i),
                    person.nik,
                    person.full_name[:34],
                    "L" if person.sex == "M" else "P",
                    f"{person.birth_place[:14]}, {person.birth_date:%d-%m-%Y}",
                    person.get_relationship_display()[:20],
                ]
                for w, value in zip(widths, cells, strict=True):
                    pdf.cell(w, 6, _t(value), border=1)
                pdf.ln()
    else:
        _row(pdf, "Nama", application.applicant_name, 40)
        _row(pdf, "NIK", application.applicant_nik, 40)
        if doc_type == DocumentType.SURAT_PINDAH:
            _row(pdf, "Alamat tujuan", data.get("destination", ""), 40)
            _row(pdf, "Jumlah yang pindah", len(data.get("mover_niks", [])), 40)
    pdf.ln(6)
    _row(pdf, "Diterbitkan", f"{_installation()}, {_date(application.document_issued_on)}", 40)
    y = max(pdf.get_y() + 4, 200)
    url = verification_url(number)
    _qr(pdf, url, pdf.l_margin, y, 38)
    pdf.set_xy(pdf.l_margin + 42, y + 4)
    pdf.set_font("Helvetica", "", 9)
    pdf.multi_cell(
        0,
        5,
        _t(
            "Keaslian dokumen ini dapat diperiksa dengan memindai kode QR atau membuka alamat berikut:\n"
            f"{url}\nNomor dokumen: {number}\nKode verifikasi: {document_token(number)}\n"
            "Dokumen ini diterbitkan secara elektronik dan tidak dipungut biaya."
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    return bytes(pdf.output())


def _family_for(application: Application) -> Family | None:
    result = application.effect_result or {}
    if result.get("family_id"):
        return Family.objects.filter(pk=result["family_id"]).select_related("desa").first()
    if application.family_id:
        return Family.objects.filter(pk=application.family_id).select_related("desa").first()
    if application.applicant_id:
        resident = Resident.objects.filter(pk=application.applicant_id).select_related("family__desa").first()
        return resident.family if resident else None
    return None
