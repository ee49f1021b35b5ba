"""Reading an uploaded file by its content, never by its name, one row at a time.

CSV: the encoding is detected (UTF-8 with or without BOM, UTF-16 with BOM, otherwise
Windows-1252, which is what Excel writes on Indonesian Windows), the delimiter is sniffed
among , ; tab and |. XLSX: a real Office Open XML zip, read with openpyxl in read-only
mode so a sheet of millions of rows streams. Anything else is refused with a message that
says what the file seems to be.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _

from warga.core.errors import InvalidInput
from warga.core.workbooks import workbook_check

from .layouts import COLUMNS, REQUIRED, map_header

SAMPLE_BYTES = 256 * 1024
XLSX_MAX_UNCOMPRESSED = 2 * 1024**3
"""A full SIAK export of a million rows inflates to about 1.2 GB of sheet XML."""
DELIMITERS = ",;\t|"


@dataclass
class FileInfo:
    file_format: str  # csv | xlsx
    encoding: str = ""
    delimiter: str = ""
    layout: str = ""
    columns: dict[str, int] = field(default_factory=dict)
    unknown_columns: list[str] = field(default_factory=list)
    rows_expected: int = 0


def _refuse(message: str, code: str) -> InvalidInput:
    return InvalidInput(message, code=f"imports.{code}")


def _kind(head: bytes) -> str:
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    if head.startswith(b"%PDF"):
        return "pdf"
    if head[:3] in (b"\xff\xd8\xff",) or head.startswith(b"\x89PNG"):
        return "image"
    return "text"


def _encoding(sample: bytes, *, complete: bool) -> str:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in sample:
        raise _refuse(_("The file is not a text (CSV) file or a spreadsheet (XLSX)."), "not_text")
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(sample, final=complete)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        sample.decode("cp1252")
    except UnicodeDecodeError:
        raise _refuse(
            _("The file's character encoding is not recognised. Save it as CSV UTF-8 and upload it again."),
            "encoding",
        ) from None
    return "cp1252"


def _delimiter(text: str) -> str:
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    if not lines:
        return ","
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=DELIMITERS).delimiter
    except csv.Error:
        counts = {d: lines[0].count(d) for d in DELIMITERS}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


def _count_lines(path: Path) -> int:
    count = 0
    last = b""
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            count += chunk.count(b"\n")
            last = chunk
    if last and not last.endswith(b"\n"):
        count += 1
    return count


def _check_header(cells: list[Any], info: FileInfo) -> None:
    columns, layout, unknown = map_header(cells)
    missing = [f for f in REQUIRED if f not in columns]
    has_desa = (
        "desa_code" in columns
        or "desa_name" in columns
        or {"no_prop", "no_kab", "no_kec", "no_kel"} <= set(columns)
    )
    if not has_desa:
        missing.append("desa_code")
    if len(columns) < 3:
        raise _refuse(
            _(
                "The first row must hold the column names (for example NIK, NO_KK, NAMA_LGKP). "
                "Download the template to see the layout."
            ),
            "no_header",
        )
    if missing:
        names = ", ".join(COLUMNS[f][0] if layout == "siak" else COLUMNS[f][1] for f in missing)
        raise _refuse(_("Required columns are missing: %(columns)s.") % {"columns": names}, "missing_columns")
    info.columns, info.layout, info.unknown_columns = columns, layout, unknown


def sniff(path: Path, *, max_rows: int) -> FileInfo:
    """Decide what the file is and check its header, before any row is read into the import."""
    size = path.stat().st_size
    if size == 0:
        raise _refuse(_("The file is empty."), "empty")
    with path.open("rb") as handle:
        sample = handle.read(SAMPLE_BYTES)
    kind = _kind(sample)
    if kind == "xls":
        raise _refuse(
            _(
                "This is an old Excel file (.xls). Save it as Excel Workbook (.xlsx) or CSV and upload it again."
            ),
            "old_excel",
        )
    if kind in ("pdf", "image"):
        raise _refuse(_("The file is not a table: upload a CSV or XLSX file."), "wrong_format")
    if kind == "zip":
        return _sniff_xlsx(path, max_rows=max_rows)
    info = FileInfo(file_format="csv", encoding=_encoding(sample, complete=size <= SAMPLE_BYTES))
    text = sample.decode(info.encoding, errors="ignore")
    info.delimiter = _delimiter(text)
    first = next(csv.reader(io.StringIO(text), delimiter=info.delimiter), [])
    _check_header(first, info)
    info.rows_expected = max(0, _count_lines(path) - 1)
    if info.rows_expected > max_rows:
        raise _refuse(_too_many(info.rows_expected, max_rows), "too_many_rows")
    if info.rows_expected == 0:
        raise _refuse(_("The file has column names but no rows of data."), "no_rows")
    return info


def xlsx_max_uncompressed() -> int:
    return int(getattr(settings, "IMPORT_XLSX_MAX_UNCOMPRESSED", XLSX_MAX_UNCOMPRESSED))


def _too_many(rows: int, max_rows: int) -> str:
    return _(
        "The file has about %(rows)s rows; one import may hold at most %(max)s. "
        "Split the file, for example one file per kecamatan."
    ) % {"rows": f"{rows:,}".replace(",", "."), "max": f"{max_rows:,}".replace(",", ".")}


def _sniff_xlsx(path: Path, *, max_rows: int) -> FileInfo:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile:
        raise _refuse(_("The file is damaged: it cannot be opened as a spreadsheet."), "bad_zip") from None
    if "xl/workbook.xml" not in names:
        raise _refuse(_("The file is a ZIP archive, not an Excel workbook (.xlsx)."), "not_xlsx")
    declared = workbook_check(path, max_rows=max_rows, max_uncompressed=xlsx_max_uncompressed())
    import openpyxl

    info = FileInfo(file_format="xlsx")
    handle = path.open("rb")  # a file object: openpyxl would judge a path by its extension
    try:
        workbook = openpyxl.load_workbook(handle, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types for a damaged workbook
        handle.close()
        raise _refuse(_("The file is damaged: it cannot be opened as a spreadsheet."), "bad_xlsx") from None
    try:
        sheet = workbook.worksheets[0]
        header = next(sheet.iter_rows(min_row=1, max_row=1, values_only=True), None)
        if header is None:
            raise _refuse(_("The file is empty."), "empty")
        _check_header(list(header), info)
        # The declared dimension only: without one, openpyxl would parse the whole sheet here.
        info.rows_expected = declared or 0
    finally:
        workbook.close()
        handle.close()
    return info


def rows(path: Path, info: FileInfo) -> Iterator[tuple[int, list[Any]]]:
    """(row number as the office sees it, cells) for every data row; row 1 is the header."""
    if info.file_format == "xlsx":
        yield from _xlsx_rows(path)
        return
    handle: IO[str] = path.open("r", encoding=info.encoding, newline="", errors="strict")
    with handle:
        reader = csv.reader(handle, delimiter=info.delimiter)
        try:
            next(reader, None)
            for number, cells in enumerate(reader, start=2):
                if cells and any(c.strip() for c in cells):
                    yield number, cells
        except UnicodeDecodeError:
            raise _refuse(
                _(
                    "Part of the file is not in the %(encoding)s encoding. Save it as CSV UTF-8 and upload it again."
                )
                % {"encoding": info.encoding.upper()},
                "encoding",
            ) from None


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list[Any]]]:
    import openpyxl

    handle = path.open("rb")
    workbook = openpyxl.load_workbook(handle, read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(min_row=2, values_only=True), start=2):
            cells = ["" if v is None else v for v in values]
            if any(str(c).strip() for c in cells):
                yield number, cells
    finally:
        workbook.close()
        handle.close()


def cell_text(value: Any) -> str:
    """A cell as text; numbers typed into Excel come back as int/float, dates as datetime."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()
