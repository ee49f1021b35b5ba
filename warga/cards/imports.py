"""Reading the national system's status exports: CSV or XLSX with NIK, status and date.

The file type is decided by content (an XLSX is a ZIP archive), never by its name. Column
headers are matched loosely (English or Indonesian), statuses by code or the usual labels.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.utils.translation import gettext as _

from .models import KtpStatus

MAX_ROWS = 200_000
NIK_RE = re.compile(r"^\d{16}$")

HEADERS = {
    "nik": "nik",
    "no nik": "nik",
    "nomor induk kependudukan": "nik",
    "status": "status",
    "status ktp": "status",
    "status ktp-el": "status",
    "keterangan": "status",
    "date": "date",
    "tanggal": "date",
    "tgl": "date",
    "tanggal status": "date",
    "tgl status": "date",
}

STATUS_WORDS = {
    "recorded": KtpStatus.RECORDED,
    "rekam": KtpStatus.RECORDED,
    "sudah rekam": KtpStatus.RECORDED,
    "perekaman": KtpStatus.RECORDED,
    "prr": KtpStatus.PRR,
    "print ready record": KtpStatus.PRR,
    "print-ready": KtpStatus.PRR,
    "siap cetak": KtpStatus.PRR,
    "printed": KtpStatus.PRINTED,
    "cetak": KtpStatus.PRINTED,
    "sudah cetak": KtpStatus.PRINTED,
    "duplicate": KtpStatus.DUPLICATE,
    "duplikat": KtpStatus.DUPLICATE,
    "ganda": KtpStatus.DUPLICATE,
    "duplicate record": KtpStatus.DUPLICATE,
    "enrolment_failed": KtpStatus.ENROLMENT_FAILED,
    "enrolment failure": KtpStatus.ENROLMENT_FAILED,
    "enrollment failure": KtpStatus.ENROLMENT_FAILED,
    "failure": KtpStatus.ENROLMENT_FAILED,
    "gagal rekam": KtpStatus.ENROLMENT_FAILED,
    "gagal": KtpStatus.ENROLMENT_FAILED,
}

DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%Y/%m/%d", "%d.%m.%Y")


@dataclass(frozen=True)
class ImportRow:
    line: int
    nik: str
    status: str
    day: date


def _parse_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    if " " in text:
        text = text.split(" ", 1)[0]
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _cell_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value if value is not None else "").strip()


def _table(content: bytes) -> list[list[Any]]:
    if content[:4] == b"PK\x03\x04":
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:  # a broken or disguised archive
            raise ValueError(_("The spreadsheet cannot be read.")) from exc
        sheet = book.worksheets[0]
        table = [list(row) for row in sheet.iter_rows(values_only=True)]
        book.close()
        return table
    if b"\x00" in content[:4096]:
        raise ValueError(_("The file is neither CSV text nor an XLSX spreadsheet."))
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("latin-1")
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def parse_status_file(filename: str, content: bytes) -> tuple[list[ImportRow], list[dict[str, Any]]]:
    """Rows that parse, and one error per row that does not (row numbers as in the file)."""
    try:
        table = _table(content)
    except ValueError as exc:
        return [], [{"row": 0, "code": "unreadable", "message": str(exc)}]
    table = [r for r in table if any(_cell_text(c) for c in r)]
    if not table:
        return [], []
    header = [HEADERS.get(_cell_text(c).lower()) for c in table[0]]
    missing = [name for name in ("nik", "status", "date") if name not in header]
    if missing:
        return [], [
            {
                "row": 1,
                "code": "header",
                "message": _("The first row must name the columns NIK, status and date (missing: %(cols)s).")
                % {"cols": ", ".join(missing)},
            }
        ]
    if len(table) - 1 > MAX_ROWS:
        return [], [
            {"row": 0, "code": "too_many", "message": _("At most %(max)d rows per file.") % {"max": MAX_ROWS}}
        ]
    col = {name: header.index(name) for name in ("nik", "status", "date")}
    rows: list[ImportRow] = []
    errors: list[dict[str, Any]] = []
    for line, raw in enumerate(table[1:], start=2):
        cells = [*raw, *([None] * (len(header) - len(raw)))]
        nik = re.sub(r"\s", "", _cell_text(cells[col["nik"]])).lstrip("'")
        word = _cell_text(cells[col["status"]]).lower().replace("_", " ").strip()
        status = STATUS_WORDS.get(word) or STATUS_WORDS.get(word.replace(" ", "_"))
        day = _parse_date(cells[col["date"]])
        if not NIK_RE.match(nik):
            errors.append(
                {
                    "row": line,
                    "code": "bad_nik",
                    "message": _("Row %(row)d: the NIK must be 16 digits.") % {"row": line},
                }
            )
        elif status is None:
            errors.append(
                {
                    "row": line,
                    "code": "bad_status",
                    "message": _("Row %(row)d: unknown status “%(status)s”.")
                    % {"row": line, "status": _cell_text(cells[col["status"]])[:40]},
                }
            )
        elif day is None:
            errors.append(
                {
                    "row": line,
                    "code": "bad_date",
                    "message": _("Row %(row)d: the date is not a valid date (use YYYY-MM-DD).")
                    % {"row": line},
                }
            )
        else:
            rows.append(ImportRow(line=line, nik=nik, status=str(status), day=day))
    return rows, errors
