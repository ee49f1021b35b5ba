"""Refusing an XLSX bomb before any parser sees it: sizes from the zip's central directory,
the row count from the sheet's declared dimension.

A 3 MB workbook can expand to gigabytes of XML, or declare millions of rows of the same cell.
The central directory lists every part's compressed and uncompressed size without reading the
parts; the first sheet's `<dimension ref="A1:F200001"/>` sits in its first bytes. Both are
declared by the file and can lie, so the readers still stop at the row limit while parsing; a
lie about sizes is caught by the zip module itself (a part that inflates beyond its declared
size fails its CRC check).
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import IO

from django.utils.translation import gettext as _

from .errors import InvalidInput

MAX_RATIO = 100
"""Real sheets compress 5–30 times; a part inflating more than 100 times is a bomb."""
RATIO_FROM_BYTES = 1024 * 1024
"""Small parts (styles, a short sheet) may compress very well; only larger ones are judged."""
SMALL_PART_BYTES = 4 * 1024 * 1024
"""The workbook's own description parts (workbook.xml and its relationships) are small."""

_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="\$?[A-Z]{1,3}\$?(\d+)(?::\$?[A-Z]{1,3}\$?(\d+))?"')


def _refuse(message: str, code: str) -> InvalidInput:
    return InvalidInput(message, code=f"workbook.{code}")


def _too_large() -> InvalidInput:
    return _refuse(
        _("The spreadsheet expands to far more data than its rows can hold; it cannot be read safely."),
        "too_large",
    )


def workbook_check(source: Path | IO[bytes], *, max_rows: int, max_uncompressed: int) -> int | None:
    """Refuse the workbook when it would inflate beyond `max_uncompressed` bytes, when any part
    inflates more than `MAX_RATIO` times, or when its first sheet declares more than `max_rows`
    data rows. Returns the declared number of data rows (None when the sheet declares none)."""
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _refuse(_("The file is damaged: it cannot be opened as a spreadsheet."), "bad_zip") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > 10_000:
            raise _too_large()
        total = 0
        for info in infos:
            total += info.file_size
            if info.file_size >= RATIO_FROM_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise _too_large()
        if total > max_uncompressed:
            raise _too_large()
        sheet = _first_sheet(archive)
        if sheet is None:
            return None
        try:
            with archive.open(sheet) as handle:
                head = handle.read(64 * 1024)
        except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError):
            raise _refuse(
                _("The file is damaged: it cannot be opened as a spreadsheet."), "bad_zip"
            ) from None
    match = _DIMENSION.search(head)
    if match is None:
        return None
    last_row = int(match.group(2) or match.group(1))
    rows = max(0, last_row - 1)
    if rows > max_rows:
        raise _refuse(
            _("The spreadsheet has %(rows)s rows; at most %(max)s per file. Split it into smaller files.")
            % {"rows": f"{rows:,}".replace(",", "."), "max": f"{max_rows:,}".replace(",", ".")},
            "too_many_rows",
        )
    return rows


def _small(archive: zipfile.ZipFile, name: str) -> bytes | None:
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    if info.file_size > SMALL_PART_BYTES:
        raise _too_large()
    try:
        return archive.read(info)
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError):
        raise _refuse(_("The file is damaged: it cannot be opened as a spreadsheet."), "bad_zip") from None


def _first_sheet(archive: zipfile.ZipFile) -> str | None:
    """The part name of the workbook's first sheet (the one the readers import)."""
    workbook = _small(archive, "xl/workbook.xml")
    rels = _small(archive, "xl/_rels/workbook.xml.rels")
    if workbook is None or rels is None:
        return None
    match = re.search(rb'<(?:\w+:)?sheet\b[^>]*?\br:id="([^"]+)"', workbook)
    if match is None:
        return None
    rel_id = re.escape(match.group(1))
    rel = re.search(rb"<Relationship\b[^>]*?\bId=\"" + rel_id + rb"\"[^>]*?/?>", rels)
    if rel is None:
        return None
    target = re.search(rb'\bTarget="([^"]+)"', rel.group(0))
    if target is None:
        return None
    name = target.group(1).decode("utf-8", "replace")
    name = name.lstrip("/") if name.startswith("/") else f"xl/{name}"
    return name if name in archive.namelist() else None
