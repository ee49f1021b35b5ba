"""Every uploaded image goes through here: its size is read from the header and refused above a
pixel budget before a single pixel is decoded.

A 20 KB PNG can declare 13000 × 13000 pixels and cost a gigabyte to decode. Pillow only warns
about such a file below twice its limit, so `MAX_IMAGE_PIXELS` is set to our budget and the
warning is made an error (`install`, called once at start-up); the explicit check in
`image_open` refuses before `load()` in any case. JPEGs are decoded at a reduced scale
(`draft`), so a large phone photo costs memory for the size it is reduced to, not its full size.
"""

from __future__ import annotations

import io
import warnings
from typing import IO, TYPE_CHECKING

from django.conf import settings
from django.utils.translation import gettext as _

from .errors import InvalidInput

if TYPE_CHECKING:
    from PIL.Image import Image

FORMATS = ("JPEG", "PNG", "WEBP")

DEFAULT_MAX_PIXELS = 50_000_000
"""A 50-megapixel phone photo; JPEGs of that size decode at a reduced scale."""
DEFAULT_MAX_DECODED_PIXELS = 16_000_000
"""Formats without reduced decoding (PNG, WebP) are decoded whole: at most 16 MP (64 MB RGBA),
four times an A4 page scanned at 300 dpi."""


def max_pixels() -> int:
    return int(getattr(settings, "IMAGE_MAX_PIXELS", DEFAULT_MAX_PIXELS))


def max_decoded_pixels() -> int:
    return min(max_pixels(), int(getattr(settings, "IMAGE_MAX_DECODED_PIXELS", DEFAULT_MAX_DECODED_PIXELS)))


def install() -> None:
    """Pillow's own guard at our budget, its warning an error (for any caller that skips ours)."""
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = max_pixels()
    warnings.simplefilter("error", Image.DecompressionBombWarning)


def too_many_pixels_error(budget: int | None = None) -> InvalidInput:
    megapixels = max(1, (budget or max_pixels()) // 1_000_000)
    return InvalidInput(
        _(
            "The image has too many pixels (at most %(mp)d megapixels). "
            "Take the photo at a lower resolution or scan at 300 dpi at most."
        )
        % {"mp": megapixels},
        code="image_too_large",
    )


def damaged_error() -> InvalidInput:
    return InvalidInput(_("The image file is damaged and cannot be opened."), code="image_damaged")


def image_open(data: bytes | IO[bytes], *, formats: tuple[str, ...] = FORMATS) -> Image:
    """Open an image reading only its header: the format must be one of `formats` and the pixel
    count within the budget for how it will be decoded. Nothing is decoded yet."""
    from PIL import Image, UnidentifiedImageError

    stream = io.BytesIO(data) if isinstance(data, bytes) else data
    try:
        image = Image.open(stream, formats=list(formats))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_many_pixels_error() from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise damaged_error() from exc
    width, height = image.size
    if width < 1 or height < 1:
        image.close()
        raise damaged_error()
    budget = max_pixels() if image.format == "JPEG" else max_decoded_pixels()
    if width * height > budget:
        image.close()
        raise too_many_pixels_error(budget)
    return image


def image_reduce(data: bytes, *, max_side: int, formats: tuple[str, ...] = FORMATS) -> Image:
    """The image decoded and reduced to at most `max_side` px on its long side, turned upright
    (EXIF orientation), in RGB or greyscale. Memory stays bounded by the budget and `max_side`."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    with image_open(data, formats=formats) as probe:
        try:
            probe.verify()
        except (OSError, SyntaxError, ValueError) as exc:
            raise damaged_error() from exc
    image = image_open(data, formats=formats)
    try:
        if image.format == "JPEG":
            # Decode at 1/2, 1/4 or 1/8 scale, no smaller than asked: memory for the result only.
            image.draft(None, (max_side, max_side))
        image.load()
        upright: Image.Image = ImageOps.exif_transpose(image) or image
        if upright.mode not in ("RGB", "L"):
            upright = upright.convert("RGB")
        upright.thumbnail((max_side, max_side))
        return upright
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        image.close()
        raise too_many_pixels_error() from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        image.close()
        raise damaged_error() from exc
