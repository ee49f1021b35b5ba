"""A map of regions coloured by a metric, drawn as inline SVG on the server from the loaded
outlines (no map library, no tiles, nothing fetched from elsewhere)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Five steps from light to dark (ColorBrewer "Blues"), and grey for no value.
PALETTE = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
NO_VALUE = "#e9ecef"
WIDTH = 600.0


def _classes(values: list[float]) -> list[float]:
    """Upper bounds of five classes by quantile of the values present."""
    ordered = sorted(values)
    if not ordered:
        return []
    return [ordered[min(len(ordered) - 1, math.ceil(len(ordered) * q / 5) - 1)] for q in range(1, 6)]


def colour_of(value: float | None, bounds: list[float]) -> str:
    if value is None or not bounds:
        return NO_VALUE
    for colour, bound in zip(PALETTE, bounds, strict=False):
        if value <= bound:
            return colour
    return PALETTE[-1]


def render_map(
    rows: list[dict[str, Any]],
    boundaries: dict[str, Any],
    *,
    unit: str,
    link: Callable[[str], str] | None,
    label: str,
) -> SafeString | None:
    """SVG for the rows whose region has an outline; None when none has one."""
    drawn = [row for row in rows if row["code"] in boundaries]
    if not drawn:
        return None
    shapes = [boundaries[row["code"]] for row in drawn]
    min_lon = min(b.min_lon for b in shapes)
    max_lon = max(b.max_lon for b in shapes)
    min_lat = min(b.min_lat for b in shapes)
    max_lat = max(b.max_lat for b in shapes)
    squeeze = math.cos(math.radians((min_lat + max_lat) / 2))
    span_x = max((max_lon - min_lon) * squeeze, 1e-9)
    span_y = max(max_lat - min_lat, 1e-9)
    scale = WIDTH / span_x
    height = span_y * scale
    values = [row["cell"].value for row in drawn if row["cell"].value is not None]
    bounds = _classes(values)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH:.0f} {height:.0f}" '
        f'class="facts-map w-100 h-auto" role="img" aria-label="{escape(label)}">'
    ]
    for row, shape in zip(drawn, shapes, strict=True):
        path = []
        for ring in shape.rings:
            points = [
                f"{(lon - min_lon) * squeeze * scale:.1f},{(max_lat - lat) * scale:.1f}" for lon, lat in ring
            ]
            path.append("M" + "L".join(points) + "Z")
        title = f"{row['name']}: {row['cell'].display(unit)}"
        shape_svg = (
            f'<path d="{"".join(path)}" fill="{colour_of(row["cell"].value, bounds)}" '
            f'stroke="#495057" stroke-width="0.6"><title>{escape(title)}</title></path>'
        )
        if link is not None and row.get("region") is not None:
            shape_svg = f'<a href="{escape(link(row["code"]))}">{shape_svg}</a>'
        parts.append(shape_svg)
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every text part is escaped above)


def legend(rows: list[dict[str, Any]], unit: str) -> list[dict[str, str]]:
    from .selectors import Cell

    values = [row["cell"].value for row in rows if row["cell"].value is not None]
    bounds = _classes(values)
    return [{"colour": c, "upto": Cell(b, 0).display(unit)} for c, b in zip(PALETTE, bounds, strict=False)]
