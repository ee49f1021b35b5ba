"""Charts as PNG images for the morning e-mail, drawn with Pillow (already a dependency):
plain bars with their labels, readable in any mail program."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFont

WIDTH, ROW, PAD, LABEL = 640, 22, 10, 200


def bar_chart_png(title: str, rows: list[tuple[str, float, str]]) -> bytes:
    """`rows`: (label, value, shown text). Horizontal bars scaled to the largest value."""
    height = PAD * 3 + ROW * (len(rows) + 1)
    image = Image.new("RGB", (WIDTH, height), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default()
    draw.text((PAD, PAD), title[:90], fill="#212529", font=font)
    top = max((value for _label, value, _text in rows), default=0) or 1
    for index, (label, value, text) in enumerate(rows):
        y = PAD * 2 + ROW * (index + 1)
        draw.text((PAD, y + 4), label[:32], fill="#212529", font=font)
        length = int((WIDTH - LABEL - 80) * max(value, 0) / top)
        draw.rectangle((LABEL, y + 2, LABEL + max(length, 1), y + ROW - 4), fill="#3182bd")
        draw.text((LABEL + length + 6, y + 4), text, fill="#212529", font=font)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
