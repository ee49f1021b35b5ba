"""Shared helpers of the PPID services: text as stored, files checked by content, numbers."""

from __future__ import annotations

import hashlib
import io
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from warga.core.errors import InvalidInput
from warga.core.images import image_reduce

MAX_TEXT = 4000
MAX_IMAGE_SIDE = 2000


def invalid(field: str, message: str, code: str) -> InvalidInput:
    return InvalidInput(message, code=code, details=[{"field": field, "message": message}])


def text_clean(raw: object, *, field: str, limit: int = MAX_TEXT, required: bool = True) -> str:
    """The text as stored: control characters (NUL included) dropped, line breaks kept, spaces
    folded; empty (when required) or over `limit` characters is refused."""
    kept = []
    for ch in str(raw or ""):
        if ch in "\n\t":
            kept.append(" " if ch == "\t" else ch)
        elif unicodedata.category(ch) in ("Cc", "Cs", "Cf") and ch != "\u200d":
            continue
        else:
            kept.append(ch)
    lines = [" ".join(line.split()) for line in "".join(kept).split("\n")]
    text = "\n".join(line for line in lines if line).strip()
    if not text and required:
        raise invalid(field, _("Required."), "ppid.required")
    if len(text) > limit:
        raise invalid(field, _("Too long (at most %(n)d characters).") % {"n": limit}, "ppid.too_long")
    return text


def max_file_bytes() -> int:
    return int(getattr(settings, "PPID_MAX_FILE_BYTES", 10 * 1024 * 1024))


def max_pdf_pages() -> int:
    return int(getattr(settings, "PPID_MAX_PDF_PAGES", 200))


@dataclass(frozen=True)
class CheckedFile:
    content: bytes
    content_type: str
    extension: str
    sha256: str


def file_too_large(field: str) -> InvalidInput:
    return invalid(
        field,
        _("The file is too large: at most %(mb)d MB.") % {"mb": max(1, max_file_bytes() // (1024 * 1024))},
        "ppid.file_too_large",
    )


def file_check(raw: bytes, *, field: str = "file") -> CheckedFile:
    """A PDF, JPEG or PNG accepted by its content (never its name or declared type); images are
    decoded within the pixel budget, reduced and re-encoded as JPEG (no EXIF)."""
    if len(raw) > max_file_bytes():
        raise file_too_large(field)
    if not raw:
        raise invalid(field, _("The file is empty."), "ppid.file_empty")
    if raw.startswith(b"%PDF-"):
        _pdf_check(raw, field)
        return CheckedFile(raw, "application/pdf", "pdf", hashlib.sha256(raw).hexdigest())
    if raw.startswith(b"\xff\xd8\xff") or raw.startswith(b"\x89PNG\r\n\x1a\n"):
        try:
            image = image_reduce(raw, max_side=MAX_IMAGE_SIDE, formats=("JPEG", "PNG"))
        except InvalidInput as exc:
            raise invalid(field, str(exc.message), exc.code) from exc
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=85, optimize=True)
        content = out.getvalue()
        return CheckedFile(content, "image/jpeg", "jpg", hashlib.sha256(content).hexdigest())
    raise invalid(
        field,
        _("This file is not a PDF, JPEG or PNG document (its content was checked, not its name)."),
        "ppid.file_type",
    )


def _pdf_check(raw: bytes, field: str) -> None:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted:
            raise invalid(field, _("The PDF is password-protected."), "ppid.file_encrypted")
        pages = len(reader.pages)
    except InvalidInput:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, RecursionError) as exc:
        raise invalid(field, _("The PDF file is damaged and cannot be opened."), "ppid.file_damaged") from exc
    if pages < 1 or pages > max_pdf_pages():
        raise invalid(
            field, _("The PDF must have 1 to %(n)d pages.") % {"n": max_pdf_pages()}, "ppid.file_pages"
        )


NUMBER_PREFIX = "PPID"


def number_format(year: int, serial: int) -> str:
    return f"{NUMBER_PREFIX}/{year}/{serial:06d}"


def number_normalize(raw: object) -> str:
    """`ppid 2026 123`, `PPID/2026/000123` and `PPID-2026-123` all name PPID/2026/000123; anything
    else is returned cleaned (it matches nothing)."""
    text = str(raw or "").strip().upper()[:40]
    parts = [p for p in "".join(ch if ch.isalnum() else " " for ch in text).split() if p]
    if len(parts) == 3 and parts[0] == NUMBER_PREFIX and parts[1].isdigit() and parts[2].isdigit():
        year, serial = int(parts[1]), int(parts[2])
        if 2000 <= year <= 2999 and 0 < serial < 10**6:
            return number_format(year, serial)
    return text
