"""Reads of the fact store: a metric for an area over a period, per child region (kabupaten →
kecamatan → desa), as a trend by day, week or month, per part (service, category), and the
public indicators. Counts only: nothing here names a person."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Sum
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from warga.core.errors import InvalidInput, NotFound
from warga.core.scoping import Actor, unscoped
from warga.regions.models import Region, RegionLevel

from .capabilities import VIEW
from .metrics import Grade, Metric, OverTime, Rollup, Unit, all_metrics, metric
from .models import Boundary, Fact

MAX_DAYS = 731  # the longest period one page reads
PUBLIC_MIN_COUNT = 5  # a public cell resting on fewer persons or cases is not shown
GRAINS = ("day", "week", "month")


@dataclass
class Cell:
    value: float | None  # what is shown: a count, a percentage, days or a score
    count: int  # the persons, events or cases behind it
    numerator: int | None = None
    denominator: int | None = None
    grade: Grade | None = None  # a score read by its owner's rule (the survey's IKM and A–D)

    def display(self, unit: str) -> str:
        if self.value is None:
            return "–"
        if self.grade is not None:
            text = number_format(self.grade.value, decimal_pos=2, force_grouping=True)
            return f"{text} ({self.grade.letter})"
        if unit == Unit.COUNT:
            return number_format(int(self.value), force_grouping=True)
        if unit == Unit.SCORE:
            return number_format(round(self.value, 2), decimal_pos=2, force_grouping=True)
        text = number_format(round(self.value, 1), decimal_pos=1, force_grouping=True)
        return f"{text} %" if unit == Unit.PERCENT else text


def _median(histogram: dict[int, int]) -> float | None:
    total = sum(histogram.values())
    if not total:
        return None
    values: list[int] = []
    for days in sorted(histogram):
        values.extend([days] * histogram[days])
    return float(statistics.median(values))


def _cell(
    metric_: Metric, value: int | None, denominator: int | None, histogram: dict[int, int] | None
) -> Cell:
    if metric_.rollup == Rollup.RATIO:
        if not denominator:
            return Cell(None, 0, 0, 0)
        numerator, denominator = int(value or 0), int(denominator)
        count = denominator // int(metric_.extra.get("per_person", 1))
        grade_of = metric_.extra.get("grade")
        grade = grade_of(numerator, denominator) if grade_of is not None else None
        if grade is not None:
            return Cell(float(grade.value), count, numerator, denominator, grade)
        scale = metric_.extra.get("scale", 100)
        return Cell(scale * numerator / denominator, count, numerator, denominator)
    if metric_.rollup == Rollup.MEDIAN:
        histogram = histogram or {}
        return Cell(_median(histogram), sum(histogram.values()))
    return Cell(float(value or 0), int(value or 0))


def _merge(target: dict[int, int], histogram: dict[str, int] | None) -> None:
    for days, n in (histogram or {}).items():
        target[int(days)] = target.get(int(days), 0) + int(n)


# --------------------------------------------------------------------------- what may be asked


def metrics_for(actor: Actor) -> list[Metric]:
    if not actor.can(VIEW):
        return []
    return [m for m in all_metrics() if m.visible_to(actor)]


def metric_for(actor: Actor, key: str) -> Metric:
    found = metric(key)
    if found is None or not actor.can(VIEW) or not found.visible_to(actor):
        raise NotFound(_("There is no metric “%(key)s”.") % {"key": key[:64]})
    return found


def area_for(actor: Actor, code: str) -> Region:
    region = Region.objects.filter(
        code=code, level__in=[RegionLevel.KABUPATEN, RegionLevel.KECAMATAN, RegionLevel.DESA]
    ).first()
    if region is None or not actor.covers(region.code):
        raise NotFound(_("There is no region “%(code)s” in your area.") % {"code": code[:24]})
    return region


# Every dashboard checks its period against the days stored; they change when a day is written
# (the services forget this entry after commit), and at the latest after a few minutes.
STORED_RANGE_CACHE_KEY = "facts:stored-range"
STORED_RANGE_CACHE_SECONDS = 300


def _stored_bounds() -> tuple[date | None, date | None]:
    """The first and last day of any registered metric: two index look-ups per metric (metric,
    day lead the store's unique key) instead of a pass over the whole store."""
    firsts, lasts = [], []
    with unscoped("facts: the first and last day stored, a date range and no area's figures"):
        for key in sorted(m.key for m in all_metrics()):
            days = Fact.objects.filter(metric=key).values_list("day", flat=True)
            first = days.order_by("day").first()
            if first is not None:
                firsts.append(first)
                lasts.append(days.order_by("-day").first())
    return (min(firsts) if firsts else None), (max(d for d in lasts if d) if lasts else None)


def stored_range() -> tuple[date, date]:
    """The first and last day the store answers for (today at least, so that an empty store
    shows today's zeros rather than an error)."""
    today = timezone.localdate()
    bounds = cache.get(STORED_RANGE_CACHE_KEY)
    if bounds is None:
        bounds = _stored_bounds()
        cache.set(STORED_RANGE_CACHE_KEY, bounds, STORED_RANGE_CACHE_SECONDS)
    first, last = bounds[0] or today, bounds[1] or today
    return min(first, today), max(last, today)


def stored_range_note(day: date) -> None:
    """After facts of `day` were written: forget the stored range if it does not cover that day."""
    bounds = cache.get(STORED_RANGE_CACHE_KEY)
    if bounds is not None and (bounds[0] is None or bounds[1] is None or not bounds[0] <= day <= bounds[1]):
        cache.delete(STORED_RANGE_CACHE_KEY)


def period_check(start: date, end: date) -> None:
    """A clear refusal for a period the store cannot answer."""
    if start > end:
        raise InvalidInput(_("The start date is after the end date."), code="facts.period_reversed")
    first, last = stored_range()
    if start < first or end > last:
        raise InvalidInput(
            _("Facts are stored from %(first)s to %(last)s; choose dates in that range.")
            % {"first": first.isoformat(), "last": last.isoformat()},
            code="facts.out_of_range",
        )
    if (end - start).days >= MAX_DAYS:
        raise InvalidInput(
            _("Choose a period of at most %(days)d days.") % {"days": MAX_DAYS}, code="facts.period_too_long"
        )


def default_period(days: int = 30) -> tuple[date, date]:
    end = timezone.localdate()
    return max(end - timedelta(days=days - 1), stored_range()[0]), end


# --------------------------------------------------------------------------- tables and trends


def _facts(metric_: Metric, area: Region, start: date, end: date) -> Any:
    if metric_.over_time == OverTime.STOCK:
        start = end  # how things stood at the end of the period
    return Fact.objects.filter(metric=metric_.key, day__gte=start, day__lte=end, region__within=area.code)


def _group_key(area: Region) -> str:
    return "kecamatan_id" if area.level == RegionLevel.KABUPATEN else "region_id"


Raw = tuple[int, int, dict[int, int] | None]  # summed values, summed denominators, merged histogram


def _raw_by(metric_: Metric, qs: Any, key: str) -> dict[Any, Raw]:
    """The facts summed (or their histograms merged) per `key`: one query."""
    if metric_.rollup == Rollup.MEDIAN:
        merged: dict[Any, dict[int, int]] = {}
        for group, histogram in qs.values_list(key, "histogram").iterator():
            _merge(merged.setdefault(group, {}), histogram)
        return {group: (0, 0, h) for group, h in merged.items()}
    rows = qs.values(key).annotate(v=Sum("value"), d=Sum("denominator")).order_by()
    return {row[key]: (int(row["v"] or 0), int(row["d"] or 0), None) for row in rows}


def _combined(metric_: Metric, raws: Any) -> Cell:
    """One cell from several groups' raw sums: what a query over all of them would answer."""
    value = denominator = 0
    merged: dict[int, int] = {}
    for v, d, histogram in raws:
        value, denominator = value + v, denominator + d
        for days, n in (histogram or {}).items():
            merged[days] = merged.get(days, 0) + n
    return _cell(metric_, value, denominator, merged)


def _aggregate_by(metric_: Metric, qs: Any, key: str) -> dict[Any, Cell]:
    return {group: _combined(metric_, [raw]) for group, raw in _raw_by(metric_, qs, key).items()}


def _total(metric_: Metric, qs: Any) -> Cell:
    if metric_.rollup == Rollup.MEDIAN:
        merged: dict[int, int] = {}
        for histogram in qs.values_list("histogram", flat=True).iterator():
            _merge(merged, histogram)
        return _cell(metric_, None, None, merged)
    row = qs.aggregate(v=Sum("value"), d=Sum("denominator"))
    return _cell(metric_, row["v"], row["d"], None)


def facts_table(*, metric: Metric, area: Region, start: date, end: date) -> dict[str, Any]:
    """One row per region below `area` (kecamatan of a kabupaten, desa of a kecamatan; a desa
    itself), a row for what is kept for the area as a whole (the kabupaten's SMS, a case
    whose desa is unknown), and the total — all from one grouped query."""
    qs = _facts(metric, area, start, end)
    if area.level >= metric.level:  # kept for this area as a whole: nothing to drill into
        total = _total(metric, qs)
        row = {"region": area, "code": area.code, "name": area.display_name, "cell": total}
        return {"rows": [row], "total": total, "level": area.level, "drill": False}
    raws = _raw_by(metric, qs, _group_key(area))
    total = _combined(metric, raws.values())
    children = list(Region.objects.filter(parent=area).order_by("code"))
    rows = []
    for region in children:
        raw = raws.pop(region.code, None)
        cell = _combined(metric, [raw]) if raw is not None else _cell(metric, 0, 0, {})
        rows.append({"region": region, "code": region.code, "name": region.display_name, "cell": cell})
    if raws:  # kept for the area as a whole (no kecamatan, or the kecamatan itself)
        whole = _combined(metric, raws.values())
        if whole.count:
            rows.append({"region": None, "code": area.code, "name": _("Not by region"), "cell": whole})
    return {"rows": rows, "total": total, "level": area.level, "drill": True}


def _bucket(day: date, grain: str) -> date:
    if grain == "week":
        return day - timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    return day


def facts_series(
    *, metric: Metric, area: Region, start: date, end: date, grain: str = "day"
) -> list[dict[str, Any]]:
    """The area's value per day, week (from Monday) or month; a stock takes a period's last day."""
    if grain not in GRAINS:
        raise InvalidInput(_("Choose day, week or month."), code="facts.bad_grain")
    qs = Fact.objects.filter(metric=metric.key, day__gte=start, day__lte=end, region__within=area.code)
    per_day: dict[date, Cell] = {}
    if metric.rollup == Rollup.MEDIAN:
        histograms: dict[date, dict[int, int]] = {}
        for day, histogram in qs.values_list("day", "histogram").iterator():
            _merge(histograms.setdefault(_bucket(day, grain), {}), histogram)
        return [
            {"period": p, "cell": _cell(metric, None, None, h)} for p, h in sorted(histograms.items())
        ] or []
    sums = {
        row["day"]: (row["v"], row["d"])
        for row in qs.values("day").annotate(v=Sum("value"), d=Sum("denominator")).order_by()
    }
    buckets: dict[date, list[int]] = {}
    day = start
    while day <= end:
        value, denominator = sums.get(day, (0, 0))
        bucket = buckets.setdefault(_bucket(day, grain), [0, 0])
        if metric.over_time == OverTime.STOCK:
            bucket[0], bucket[1] = int(value or 0), int(denominator or 0)
        else:
            bucket[0] += int(value or 0)
            bucket[1] += int(denominator or 0)
        day += timedelta(days=1)
    for period, (value, denominator) in buckets.items():
        per_day[period] = _cell(metric, value, denominator, None)
    return [{"period": p, "cell": c} for p, c in sorted(per_day.items())]


def facts_parts(*, metric: Metric, area: Region, start: date, end: date) -> list[dict[str, Any]]:
    if not metric.parts:
        return []
    return _parts_from(metric, _aggregate_by(metric, _facts(metric, area, start, end), "part"))


def _parts_from(metric: Metric, cells: dict[Any, Cell]) -> list[dict[str, Any]]:
    labels = metric.part_labels() if metric.part_labels else {}
    return [
        {"part": part, "label": labels.get(part, part), "cell": cell}
        for part, cell in sorted(cells.items(), key=lambda kv: str(labels.get(kv[0], kv[0])))
    ]


def boundaries_of(regions: list[Region]) -> dict[str, Boundary]:
    return {b.region_id: b for b in Boundary.objects.filter(region_id__in=[r.code for r in regions])}


def breadcrumbs(actor: Actor, area: Region) -> list[Region]:
    codes = [c for c in area.ancestor_codes() if actor.covers(c)]
    found = {r.code: r for r in Region.objects.filter(code__in=codes, level__gte=RegionLevel.KABUPATEN)}
    return [found[c] for c in codes if c in found]


# --------------------------------------------------------------------------- public indicators


@unscoped("public indicators: the installation's aggregated figures, small cells suppressed")
def public_indicators(*, days: int = 90, today: date | None = None) -> dict[str, Any]:
    """Per public metric, the installation's value over the last `days` days and, for metrics
    kept per part (service, category), one line per part. A cell resting on fewer than
    PUBLIC_MIN_COUNT persons or cases shows no number."""
    end = today or timezone.localdate()
    start = end - timedelta(days=days - 1)
    area = Region.objects.filter(code=settings.WARGA_REGION_CODE).first()
    sections = []
    if area is not None:
        for metric_ in all_metrics():
            if not metric_.public:
                continue
            qs = _facts(metric_, area, start, end)
            if metric_.parts:  # the total from the parts' grouped query: one pass, not two
                raws = _raw_by(metric_, qs, "part")
                total = _combined(metric_, raws.values())
                parts = _parts_from(metric_, {p: _combined(metric_, [raw]) for p, raw in raws.items()})
            else:
                total, parts = _total(metric_, qs), []
            sections.append(
                {
                    "metric": metric_,
                    "graded": "grade" in metric_.extra,
                    "part_heading": metric_.extra.get("part_heading") or _("Service or category"),
                    "total": _public_cell(metric_, total),
                    "parts": [{"label": p["label"], **_public_cell(metric_, p["cell"])} for p in parts],
                }
            )
    return {"sections": sections, "start": start, "end": end, "min_count": PUBLIC_MIN_COUNT, "area": area}


def _public_cell(metric_: Metric, cell: Cell) -> dict[str, Any]:
    """What the public sees of one cell: nothing of it (no value, grade or count) when it rests
    on fewer than PUBLIC_MIN_COUNT persons or cases."""
    suppressed = cell.count < PUBLIC_MIN_COUNT
    grade = None if suppressed else cell.grade
    count_text = metric_.extra.get("count_text")
    if suppressed:
        display = ""
    elif grade is not None:  # the number alone: the page shows the grade beside it
        display = number_format(grade.value, decimal_pos=2, force_grouping=True)
    else:
        display = cell.display(metric_.unit)
    return {
        "display": display,
        "value": None if grade is None else grade.value,
        "grade": "" if grade is None else grade.letter,
        "grade_label": "" if grade is None else grade.label,
        "count": None if suppressed else cell.count,
        "count_text": "" if suppressed or count_text is None else count_text(cell.count),
        "suppressed": suppressed,
    }
