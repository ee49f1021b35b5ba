"""Reading the national system's status exports: CSV or XLSX with NIK, status and date.

Sizes and row counts are checked before parsing (`precheck`, in the request); the parse runs in
the task worker with a deadline. The file type is decided by content (an XLSX is a ZIP archive), never by its name. Column
headers are matched loosely (English or Indonesian), statuses by code or the usual labels.
"""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.utils.translation import gettext as _

from warga.core.errors import InvalidInput
from warga.core.workbooks import workbook_check

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


class ImportTooSlow(Exception):
    """Reading the file took longer than its time limit."""


XLSX_MAX_UNCOMPRESSED = 100 * 1024 * 1024
"""200 000 rows of three columns inflate to about 40 MB of sheet XML."""


def precheck(content: bytes) -> None:
    """What can be judged without parsing: the workbook's declared sizes and rows, a CSV's lines.

    Runs in the web request; the parse itself runs in the task worker."""
    if content[:4] == b"PK\x03\x04":
        workbook_check(io.BytesIO(content), max_rows=MAX_ROWS, max_uncompressed=XLSX_MAX_UNCOMPRESSED)
    elif content.count(b"\n") > MAX_ROWS + 1:
        raise InvalidInput(_too_many(), code="cards.import_rows")


def _too_many() -> str:
    return _("At most %(max)d rows per file.") % {"max": MAX_ROWS}


def _rows_within(rows: Iterable[list[Any]], deadline: float | None) -> list[list[Any]]:
    """At most the header and MAX_ROWS data rows (one more to notice), within the deadline."""
    table: list[list[Any]] = []
    for row in rows:
        table.append(row)
        if len(table) > MAX_ROWS + 1:
            break
        if deadline is not None and len(table) % 1000 == 0 and time.monotonic() > deadline:
            raise ImportTooSlow
    return table


def _table(content: bytes, deadline: float | None = None) -> list[list[Any]]:
    if content[:4] == b"PK\x03\x04":
        from openpyxl import load_workbook

        try:
            precheck(content)
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except InvalidInput as exc:
            raise ValueError(str(exc)) from exc
        except Exception as exc:  # a broken or disguised archive
            raise ValueError(_("The spreadsheet cannot be read.")) from exc
        try:
            sheet = book.worksheets[0]
            return _rows_within((list(row) for row in sheet.iter_rows(values_only=True)), deadline)
        except ImportTooSlow:
            raise
        except Exception as exc:
            raise ValueError(_("The spreadsheet cannot be read.")) from exc
        finally:
            book.close()
    if b"\x00" in content[:4096]:
        raise ValueError(_("The file is neither CSV text nor an XLSX spreadsheet."))
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("latin-1")
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    return _rows_within(csv.reader(io.StringIO(text), delimiter=delimiter), deadline)


def parse_status_file(
    filename: str, content: bytes, *, deadline: float | None = None
) -> tuple[list[ImportRow], list[dict[str, Any]]]:
    """Rows that parse, and one error per row that does not (row numbers as in the file).

    `deadline` (a `time.monotonic()` value): past it, reading stops with `ImportTooSlow`."""
    try:
        table = _table(content, deadline)
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
        return [], [{"row": 0, "code": "too_many", "message": _too_many()}]
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


# --- The printer's log of a print day ------------------------------------------------------------

PRINT_LOG_MAX_BYTES = 5 * 1024 * 1024
PRINT_LOG_MAX_ROWS = 50_000
PRINT_LOG_HEADERS = {
    "serial": "serial",
    "card serial": "serial",
    "no seri": "serial",
    "nomor seri": "serial",
    "seri": "serial",
    "nik": "ref",
    "card id": "ref",
    "card": "ref",
    "id kartu": "ref",
    "status": "status",
    "result": "status",
    "hasil": "status",
    "reason": "reason",
    "alasan": "reason",
    "keterangan": "reason",
}


@dataclass(frozen=True)
class LogRow:
    """One row of a printer's log: its line number in the file, serial, NIK or card id, status."""

    line: int
    serial: str
    ref: str
    status: str
    reason: str = ""


def parse_print_log(content: bytes) -> tuple[list[LogRow], list[str]]:
    """The rows of a printer's log (CSV or XLSX, type by content): serial, NIK or card id, status,
    optionally a reason. Returns the rows and the problems of the file itself (empty when it reads)."""
    if len(content) > PRINT_LOG_MAX_BYTES:
        return [], [_("The file is larger than %(mb)d MB.") % {"mb": PRINT_LOG_MAX_BYTES // (1024 * 1024)}]
    try:
        if content[:4] == b"PK\x03\x04":
            workbook_check(
                io.BytesIO(content), max_rows=PRINT_LOG_MAX_ROWS + 1, max_uncompressed=XLSX_MAX_UNCOMPRESSED
            )
        table = _table(content)
    except (InvalidInput, ValueError) as exc:
        return [], [str(exc)]
    table = [r for r in table if any(_cell_text(c) for c in r)]
    if not table:
        return [], [_("The printer's log holds no rows.")]
    header = [PRINT_LOG_HEADERS.get(_cell_text(c).lower()) for c in table[0]]
    missing = [name for name in ("serial", "ref", "status") if name not in header]
    if missing:
        return [], [_("The first row must name the columns serial, NIK (or card id) and status.")]
    if len(table) - 1 > PRINT_LOG_MAX_ROWS:
        return [], [_("At most %(max)d rows per file.") % {"max": PRINT_LOG_MAX_ROWS}]
    col = {name: header.index(name) for name in ("serial", "ref", "status", "reason") if name in header}
    rows = []
    for line, raw in enumerate(table[1:], start=2):
        cells = [*raw, *([None] * (len(header) - len(raw)))]
        rows.append(
            LogRow(
                line=line,
                serial=_cell_text(cells[col["serial"]]).lstrip("'"),
                ref=re.sub(r"\s", "", _cell_text(cells[col["ref"]])).lstrip("'"),
                status=_cell_text(cells[col["status"]]),
                reason=_cell_text(cells[col["reason"]])[:200] if "reason" in col else "",
            )
        )
    return rows, []
