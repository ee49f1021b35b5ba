"""The index per unit as CSV or XLSX: counts and values only, never a respondent. Unit names are
written so that a spreadsheet cannot run them as formulas."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from decimal import Decimal

from django.utils import translation
from django.utils.translation import gettext as _

from .models import ELEMENTS
from .selectors import Period, UnitIndex

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _text(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_START) else value


def headers() -> list[str]:
    return [
        _("Period"),
        _("Unit"),
        _("Respondents"),
        _("IKM (1-4)"),
        _("IKM (converted)"),
        _("Grade"),
        *[f"NRR {label}" for _name, label in ELEMENTS],
        _("Services invited"),
        _("Minimum sample (Krejcie-Morgan)"),
    ]


def rows(period: Period, units: Sequence[UnitIndex]) -> list[list[object]]:
    out: list[list[object]] = []
    for u in units:
        out.append(
            [
                period.label,
                _text(u.unit_name),
                u.index.respondents,
                u.index.value,
                u.index.converted,
                u.index.grade,
                *[e.nrr for e in u.index.elements],
                u.invited,
                u.min_sample,
            ]
        )
    return out


def as_csv(period: Period, units: Sequence[UnitIndex]) -> bytes:
    with translation.override("id"):
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(headers())
        for row in rows(period, units):
            writer.writerow(["" if v is None else str(v) for v in row])
        return ("\ufeff" + buffer.getvalue()).encode()


def as_xlsx(period: Period, units: Sequence[UnitIndex]) -> bytes:
    from openpyxl import Workbook

    with translation.override("id"):
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = "IKM"
        sheet.append(headers())
        for row in rows(period, units):
            cells: list[object] = []
            for value in row:
                cells.append(float(value) if isinstance(value, Decimal) else value)
            sheet.append(cells)
            # Text cells stay text (a unit's name is never read as a formula).
            sheet.cell(row=sheet.max_row, column=2).data_type = "s"
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()
