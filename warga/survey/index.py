"""The index of PermenPANRB No. 14 of 2017 (Pedoman Penyusunan Survei Kepuasan Masyarakat).

- NRR per element (nilai rata-rata per unsur) = the sum of its scores / the number of respondents;
- the nine elements weigh the same: 1/9 each (the regulation writes the weight as 0,111);
- IKM (nilai indeks) = Σ NRR × 1/9, between 1 and 4;
- converted IKM (nilai konversi) = IKM × 25, between 25 and 100, rounded to two decimals;
- mutu pelayanan by the converted value: 25,00–64,99 D (tidak baik), 65,00–76,60 C (kurang baik),
  76,61–88,30 B (baik), 88,31–100,00 A (sangat baik).

The exact weight 1/9 is used, not the rounded 0,111: with 0,111 a unit rated 4 on every element by
everybody would score 99,90 instead of the 100,00 that closes the regulation's top interval.
The sums and counts come from the database (`selectors`); this module only does the arithmetic,
exactly (fractions), rounding once at the end.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

ELEMENT_COUNT = 9
WEIGHT = Fraction(1, ELEMENT_COUNT)
CONVERSION = 25
# Upper bounds (inclusive) of the converted value per grade, from the bottom.
GRADES: tuple[tuple[Decimal, str, Promise], ...] = (
    (Decimal("64.99"), "D", _("not good")),
    (Decimal("76.60"), "C", _("less than good")),
    (Decimal("88.30"), "B", _("good")),
    (Decimal("100.00"), "A", _("very good")),
)
# Public figures hide cells with fewer respondents than this.
MIN_PUBLIC_RESPONDENTS = 5


def _two(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def _three(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.001"), ROUND_HALF_UP)


def grade_of(converted: Decimal) -> tuple[str, str]:
    """The grade letter and its label for a converted value (two decimals)."""
    for upper, letter, label in GRADES:
        if converted <= upper:
            return letter, str(label)
    return GRADES[-1][1], str(GRADES[-1][2])


@dataclass(frozen=True)
class Element:
    name: str
    nrr: Decimal  # 1–4, three decimals
    converted: Decimal  # NRR × 25, two decimals
    grade: str


@dataclass(frozen=True)
class Index:
    respondents: int
    value: Decimal | None  # IKM 1–4, three decimals (None without respondents)
    converted: Decimal | None  # 25–100, two decimals
    grade: str
    grade_label: str
    elements: tuple[Element, ...]


def index_from_sums(sums: Sequence[int], respondents: int) -> Index:
    """The index from the nine sums of scores and the number of respondents."""
    from .models import ELEMENT_FIELDS

    if len(sums) != ELEMENT_COUNT:
        raise ValueError("nine sums expected")
    if respondents <= 0:
        return Index(0, None, None, "", "", ())
    nrr = [Fraction(int(total), respondents) for total in sums]
    elements = []
    for name, value in zip(ELEMENT_FIELDS, nrr, strict=True):
        converted = _two(value * CONVERSION)
        elements.append(Element(name, _three(value), converted, grade_of(converted)[0]))
    ikm = sum((value * WEIGHT for value in nrr), Fraction(0))
    converted = _two(ikm * CONVERSION)
    letter, label = grade_of(converted)
    return Index(respondents, _three(ikm), converted, letter, label, tuple(elements))


def converted_from_total(total: int, respondents: int) -> Decimal | None:
    """The converted IKM from the sum of all nine elements' scores and the respondents: Σ NRR / 9
    = Σ scores / (9 × respondents) exactly, so this equals `index_from_sums(...).converted` for
    the same answers (it lets the daily facts, which keep only that sum, roll up exactly)."""
    if respondents <= 0:
        return None
    return _two(Fraction(int(total), ELEMENT_COUNT * respondents) * CONVERSION)


def krejcie_morgan(population: int) -> int:
    """The minimum sample the regulation's guidance cites (Krejcie and Morgan, 1970):
    s = χ²·N·P(1−P) / (d²(N−1) + χ²·P(1−P)), χ² = 3.841, P = 0.5, d = 0.05."""
    if population <= 0:
        return 0
    chi, p, d = 3.841, 0.5, 0.05
    return math.ceil(chi * population * p * (1 - p) / (d * d * (population - 1) + chi * p * (1 - p)))
