"""Checking scans by their content, never by their name, and refusing oversize uploads early.

A file is accepted when its first bytes say PDF, JPEG or PNG *and* the matching library can
open it (pypdf for PDF, `warga.core.images` for images: pixel budget checked from the header
before decoding). Images are reduced to at most 2000 px on the
long side, re-encoded as JPEG (quality 85) and so lose their EXIF data (location, device).
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.utils.translation import gettext as _

from warga.core.errors import InvalidInput
from warga.core.images import image_reduce

MAX_IMAGE_SIDE = 2000
JPEG_QUALITY = 85


def max_bytes() -> int:
    return int(getattr(settings, "UPLOAD_MAX_BYTES", 10 * 1024 * 1024))


def max_pages() -> int:
    return int(getattr(settings, "UPLOAD_MAX_PAGES", 20))


def too_large_error() -> InvalidInput:
    return InvalidInput(
        _("The file is too large: at most %(mb)d MB per document.")
        % {"mb": max(1, max_bytes() // (1024 * 1024))},
        code="applications.file_too_large",
    )


@dataclass(frozen=True)
class CheckedFile:
    content: bytes
    content_type: str
    extension: str
    pages: int
    sha256: str


def sniff(head: bytes) -> str | None:
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    return None


def read_limited(stream: IO[bytes], *, declared_size: int | None = None) -> bytes:
    """Read at most the limit (+1 byte to notice more); refuse before reading if the size is known."""
    limit = max_bytes()
    if declared_size is not None and declared_size > limit:
        raise too_large_error()
    chunks, total = [], 0
    while True:
        chunk = stream.read(min(1024 * 1024, limit + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            raise too_large_error()
    return b"".join(chunks)


def check_file(raw: bytes) -> CheckedFile:
    """Accept a PDF, JPEG or PNG by content; return what to store (images re-encoded)."""
    if len(raw) > max_bytes():
        raise too_large_error()
    if not raw:
        raise InvalidInput(_("The file is empty."), code="applications.file_empty")
    kind = sniff(raw[:16])
    if kind is None:
        raise InvalidInput(
            _("This file is not a PDF, JPEG or PNG document (its content was checked, not its name)."),
            code="applications.file_type",
        )
    if kind == "application/pdf":
        pages = _check_pdf(raw)
        return CheckedFile(raw, kind, "pdf", pages, hashlib.sha256(raw).hexdigest())
    content = _reduce_image(raw)
    return CheckedFile(content, "image/jpeg", "jpg", 1, hashlib.sha256(content).hexdigest())


def _check_pdf(raw: bytes) -> int:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted:
            raise InvalidInput(
                _("The PDF is password-protected; please scan or save it without a password."),
                code="applications.file_encrypted",
            )
        pages = len(reader.pages)
    except InvalidInput:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, RecursionError) as exc:
        raise InvalidInput(
            _("The PDF file is damaged and cannot be opened."), code="applications.file_damaged"
        ) from exc
    if pages < 1:
        raise InvalidInput(_("The PDF file has no pages."), code="applications.file_damaged")
    if pages > max_pages():
        raise InvalidInput(
            _("The PDF has %(n)d pages; at most %(max)d pages per document.")
            % {"n": pages, "max": max_pages()},
            code="applications.file_pages",
        )
    return pages


def _reduce_image(raw: bytes) -> bytes:
    image = image_reduce(raw, max_side=MAX_IMAGE_SIDE, formats=("JPEG", "PNG"))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()


class LimitedUploadHandler(FileUploadHandler):
    """Stops a multipart upload as soon as the request or one file passes the limit.

    Put first in `request.upload_handlers` before the body is read (views check the
    Content-Length header before that): a 200 MB scan is refused after at most the limit, not
    after 200 MB on disk.
    """

    def __init__(self, request: Any = None) -> None:
        super().__init__(request)
        self.limit = max_bytes()
        self.received = 0

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        self.received = 0
        super().new_file(*args, **kwargs)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:
            self._flag()
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None

    def _flag(self) -> None:
        if self.request is not None:
            self.request.upload_too_large = True  # type: ignore[attr-defined]


def request_too_large(request: Any, *, documents: int = 1) -> bool:
    """Content-Length larger than the documents a form may carry (plus room for the fields)."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > max_bytes() * documents + 256 * 1024
