"""SUKET as a printable PDF with a verification QR, and the signed token behind the QR.

The QR holds a URL with a token signed by Django (`django.core.signing`): anyone can check a
SUKET on the public verification page, which shows only what is needed to trust the paper.
"""

from __future__ import annotations

import io

import segno
from django.core import signing
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from fpdf import FPDF

from warga.core.scoping import unscoped

from .models import Suket, SuketStatus

SALT = "warga.cards.suket"


def suket_token(suket: Suket) -> str:
    return signing.dumps({"s": suket.pk, "n": suket.number}, salt=SALT, compress=True)


@unscoped("public page: a SUKET check names the SUKET by its signed token")
def suket_from_token(token: str) -> Suket | None:
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("s"), int):
        return None
    return (
        Suket.objects.select_related("resident__desa", "office")
        .filter(pk=int(data["s"]), number=str(data.get("n")))
        .first()
    )


def masked_name(name: str) -> str:
    """'Budi Santoso' → 'B*** S***': enough to match the paper, not to learn a name."""
    return " ".join(part[0] + "***" for part in name.split() if part)


def _latin1(text: str) -> str:
    return text.encode("latin-1", "replace").decode("latin-1")


def suket_pdf(suket: Suket, *, verify_url: str, language: str = "id") -> bytes:
    resident = suket.resident
    with translation.override(language):
        pdf = FPDF(format=(148, 210))
        pdf.set_auto_page_break(auto=True, margin=12)
        pdf.add_page()
        pdf.set_font("Helvetica", "B", 12)
        pdf.multi_cell(0, 6, _latin1(suket.office.name.upper()), align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
        pdf.set_font("Helvetica", "B", 13)
        pdf.multi_cell(
            0,
            7,
            _latin1(_("CERTIFICATE OF KTP-EL RECORDING (SUKET)")),
            align="C",
            new_x="LMARGIN",
            new_y="NEXT",
        )
        pdf.set_font("Helvetica", "", 10)
        pdf.cell(
            0,
            6,
            _latin1(_("Number: %(number)s") % {"number": suket.number}),
            align="C",
            new_x="LMARGIN",
            new_y="NEXT",
        )
        if suket.status == SuketStatus.REVOKED:
            # A revoked SUKET can still be printed for the file, never mistaken for a valid one.
            pdf.set_font("Helvetica", "B", 12)
            pdf.set_text_color(200, 0, 0)
            revoked = _("REVOKED - NOT VALID")
            if suket.closed_at:
                revoked = _("REVOKED ON %(date)s - NOT VALID") % {
                    "date": formats.date_format(timezone.localtime(suket.closed_at).date(), "d-m-Y")
                }
            pdf.multi_cell(0, 7, _latin1(revoked), align="C", new_x="LMARGIN", new_y="NEXT")
            pdf.set_text_color(0, 0, 0)
            pdf.set_font("Helvetica", "", 10)
        pdf.ln(3)
        pdf.multi_cell(
            0,
            5,
            _latin1(
                _(
                    "This certifies that the resident below has recorded the KTP-el. While the card is being "
                    "printed, this certificate stands in for the KTP-el."
                )
            ),
        )
        pdf.ln(2)
        rows = [
            (_("NIK"), resident.nik),
            (_("Name"), resident.full_name),
            (
                _("Place/date of birth"),
                f"{resident.birth_place}, {formats.date_format(resident.birth_date, 'd-m-Y')}",
            ),
            (
                _("Address"),
                f"{resident.address} RT {resident.rt or '-'} RW {resident.rw or '-'}, {resident.desa.name}",
            ),
            (_("Issued on"), formats.date_format(suket.issued_on, "d-m-Y")),
            (_("Valid until"), formats.date_format(suket.valid_until, "d-m-Y")),
        ]
        for label, value in rows:
            pdf.set_font("Helvetica", "B", 10)
            pdf.cell(40, 6, _latin1(label))
            pdf.set_font("Helvetica", "", 10)
            pdf.multi_cell(0, 6, _latin1(": " + value), new_x="LMARGIN", new_y="NEXT")
        qr = segno.make(verify_url, error="m")
        buf = io.BytesIO()
        qr.save(buf, kind="png", scale=4, border=2)
        buf.seek(0)
        pdf.ln(3)
        y = pdf.get_y()
        pdf.image(buf, x=pdf.l_margin, y=y, w=32, h=32)
        pdf.set_xy(pdf.l_margin + 36, y)
        pdf.set_font("Helvetica", "", 8)
        pdf.multi_cell(
            0, 4, _latin1(_("Scan the code to check that this certificate is genuine and still valid."))
        )
        return bytes(pdf.output())
