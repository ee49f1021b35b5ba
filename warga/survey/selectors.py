"""Reads of the satisfaction survey: the index per unit and period, computed from database
aggregates (count and the nine sums per unit), and `ikm_for` for the public indicators."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from warga.core.scoping import Actor, scoped, unscoped
from warga.org.models import Unit

from .index import MIN_PUBLIC_RESPONDENTS, Index, index_from_sums, krejcie_morgan
from .models import ELEMENT_FIELDS, Invitation, Response

PERIOD_KINDS = ("month", "quarter", "semester", "year")
_MONTHS_IN = {"month": 1, "quarter": 3, "semester": 6, "year": 12}


@dataclass(frozen=True)
class Period:
    kind: str
    year: int
    number: int  # month 1–12, quarter 1–4, semester 1–2; 1 for a year
    start: date
    end: date  # exclusive

    @property
    def label(self) -> str:
        if self.kind == "month":
            from django.utils.dateformat import format as date_format

            return date_format(self.start, "F Y")
        if self.kind == "quarter":
            return _("Quarter %(n)d %(year)d") % {"n": self.number, "year": self.year}
        if self.kind == "semester":
            return _("Semester %(n)d %(year)d") % {"n": self.number, "year": self.year}
        return str(self.year)


def period_make(kind: str, year: int, number: int = 1) -> Period:
    """A calendar period; ValueError for one that does not exist."""
    if kind not in PERIOD_KINDS:
        raise ValueError("unknown period kind")
    months = _MONTHS_IN[kind]
    if not 1 <= number <= 12 // months or not 2000 <= year <= 2100:
        raise ValueError("no such period")
    first_month = (number - 1) * months + 1
    start = date(year, first_month, 1)
    end_month = first_month + months
    end = date(year + (end_month - 1) // 12, (end_month - 1) % 12 + 1, 1)
    return Period(kind, year, number, start, end)


def period_current(kind: str, today: date | None = None) -> Period:
    today = today or timezone.localdate()
    number = (today.month - 1) // _MONTHS_IN[kind] + 1
    return period_make(kind, today.year, number)


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return datetime.combine(start, time.min, tz), datetime.combine(end, time.min, tz)


_SUMS: dict[str, Any] = {f"s_{name}": Sum(name) for name in ELEMENT_FIELDS}


def _index(row: Any) -> Index:
    return index_from_sums([row[f"s_{name}"] or 0 for name in ELEMENT_FIELDS], row["respondents"] or 0)


@dataclass(frozen=True)
class UnitIndex:
    unit_id: int
    unit_name: str
    index: Index
    invited: int  # invitations made in the period: the population served through Warga
    min_sample: int  # Krejcie–Morgan for that population


def ikm_by_unit(*, actor: Actor, start: date, end: date) -> list[UnitIndex]:
    """The index of each unit with answers between `start` and `end` (exclusive), within the
    actor's scope: one grouped query of counts and sums, one of invitations."""
    lo, hi = _bounds(start, end)
    rows = list(
        scoped(Response.objects.filter(answered_at__gte=lo, answered_at__lt=hi), actor)
        .values("unit_id")
        .annotate(respondents=Count("pk"), **_SUMS)
        .order_by("unit_id")
    )
    invited = dict(
        scoped(Invitation.objects.filter(created_at__gte=lo, created_at__lt=hi), actor)
        .values("unit_id")
        .annotate(n=Count("pk"))
        .values_list("unit_id", "n")
    )
    names = dict(Unit.objects.filter(pk__in=[r["unit_id"] for r in rows]).values_list("pk", "name"))
    result = [
        UnitIndex(
            unit_id=row["unit_id"],
            unit_name=names.get(row["unit_id"], ""),
            index=_index(row),
            invited=invited.get(row["unit_id"], 0),
            min_sample=krejcie_morgan(invited.get(row["unit_id"], 0)),
        )
        for row in rows
    ]
    return sorted(result, key=lambda u: u.unit_name)


def ikm_total(*, actor: Actor, start: date, end: date, unit_id: int | None = None) -> Index:
    """All units of the actor's scope together (or one of them)."""
    lo, hi = _bounds(start, end)
    qs: QuerySet[Response] = scoped(Response.objects.filter(answered_at__gte=lo, answered_at__lt=hi), actor)
    if unit_id:
        qs = qs.filter(unit_id=unit_id)
    return _index(qs.aggregate(respondents=Count("pk"), **_SUMS))


@dataclass(frozen=True)
class PublicIkm:
    value: float | None  # converted IKM, 25–100; None when suppressed or without respondents
    grade: str
    respondents: int | None  # None when suppressed
    suppressed: bool


@unscoped("public indicators: aggregated counts of an area or a unit, small cells suppressed")
def ikm_for(unit: Unit | None, region_code: str, start: date, end: date) -> PublicIkm:
    """The index of a unit (or of every unit) within a region between `start` and `end`
    (exclusive), for public indicators: fewer than five respondents → suppressed (no value,
    no grade, no count)."""
    lo, hi = _bounds(start, end)
    qs = Response.objects.filter(answered_at__gte=lo, answered_at__lt=hi)
    if region_code:
        qs = qs.filter(region__within=region_code)
    if unit is not None:
        qs = qs.filter(unit=unit)
    index = _index(qs.aggregate(respondents=Count("pk"), **_SUMS))
    if index.respondents < MIN_PUBLIC_RESPONDENTS:
        return PublicIkm(value=None, grade="", respondents=None, suppressed=True)
    return PublicIkm(
        value=float(index.converted) if index.converted is not None else None,
        grade=index.grade,
        respondents=index.respondents,
        suppressed=False,
    )


def units_with_answers(*, actor: Actor) -> list[tuple[int, str]]:
    ids = scoped(Response.objects.all(), actor).values("unit_id").distinct()
    return list(Unit.objects.filter(pk__in=ids).order_by("name").values_list("pk", "name"))


def answered_counts(*, actor: Actor, start: date, end: date) -> dict[str, int]:
    lo, hi = _bounds(start, end)
    return scoped(Invitation.objects.filter(created_at__gte=lo, created_at__lt=hi), actor).aggregate(
        invited=Count("pk"), answered=Count("pk", filter=Q(answered_at__isnull=False))
    )
