"""The metric registry: each app that owns a number registers it here, with how it is computed
from the app's records for one day and how it rolls up over regions and time.

    register_metric(
        key="cards.recorded",
        label=_("KTP-el recorded"),
        domain="cards",
        domain_label=_("KTP-el"),
        unit=Unit.COUNT,
        rollup=Rollup.SUM,
        compute=recorded_on,  # (day, region codes or None) -> {code: value}
        capability="cards.stats",
    )

`compute(day, codes)` answers for the regions `codes` at the metric's level (None: every
region) with `{code: value}`, or `{(code, part): value}` for a metric with `parts`. A value is
an int (sum), a `(numerator, denominator)` pair (ratio) or a `{days: count}` histogram
(median). Regions it leaves out have nothing that day. Domain apps register theirs in their
own `metrics.py`, imported by their `AppConfig.ready()`; facts never imports them. The register
and the SMS centre sit below facts, so facts registers their metrics (`builtin.py`).

`extra` tunes how a ratio is read, so that an app's own rule stays in that app:
- `scale`: the value shown is scale × numerator / denominator (default 100, a percentage);
- `per_person`: how many denominator units one person or case adds (default 1): the count
  behind a cell, and so the public suppression, is denominator // per_person;
- `grade`: `(numerator, denominator) -> Grade | None`, the owning app's exact value and grade
  (the survey's IKM and its A–D): shown instead of the scaled value;
- `count_text`: `(n) -> str`, how the public page names the count ("12 respondents");
- `part_heading`: the heading of the public page's column of parts ("Unit").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from warga.regions.models import RegionLevel


class Rollup:
    SUM = "sum"
    RATIO = "ratio"
    MEDIAN = "median"


class OverTime:
    FLOW = "flow"  # what happened that day: a week is the sum of its days
    STOCK = "stock"  # how things stood at the end of the day: a week is its last day


class Unit:
    COUNT = "count"
    PERCENT = "percent"
    DAYS = "days"
    SCORE = "score"


Compute = Callable[[date, list[str] | None], Mapping[Any, Any]]


@dataclass(frozen=True)
class Grade:
    """A ratio read by its owner's rule (`extra["grade"]`): the exact value and its grade."""

    value: Decimal
    letter: str
    label: str


@dataclass(frozen=True)
class Metric:
    key: str
    label: Any  # a lazy translation
    domain: str
    domain_label: Any
    unit: str
    rollup: str
    compute: Compute
    over_time: str = OverTime.FLOW
    level: int = RegionLevel.DESA
    capability: str = "facts.view"
    topics: tuple[str, ...] = ()
    public: bool = False  # shown on the public indicators page (small cells suppressed)
    parts: bool = False
    part_labels: Callable[[], dict[str, str]] | None = None
    headline: bool = False  # charted on the home panel
    order: int = 100
    description: Any = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def visible_to(self, actor: Any) -> bool:
        if actor.can(self.capability):
            return True
        unit = getattr(actor, "unit", None)
        if unit is None or not self.topics:
            return False
        return bool(set(self.topics) & set(unit.topic_list()))


_METRICS: dict[str, Metric] = {}


def register_metric(**kwargs: Any) -> Metric:
    """Register (or replace, by key) a metric. Returns it."""
    metric = Metric(**kwargs)
    if metric.rollup not in (Rollup.SUM, Rollup.RATIO, Rollup.MEDIAN):
        raise ValueError(f"unknown rollup {metric.rollup!r}")
    if metric.over_time not in (OverTime.FLOW, OverTime.STOCK):
        raise ValueError(f"unknown over_time {metric.over_time!r}")
    if metric.level not in (RegionLevel.KABUPATEN, RegionLevel.KECAMATAN, RegionLevel.DESA):
        raise ValueError("a metric is kept per desa, kecamatan or kabupaten")
    _METRICS[metric.key] = metric
    return metric


def unregister_metric(key: str) -> None:
    _METRICS.pop(key, None)


def metric(key: str) -> Metric | None:
    return _METRICS.get(key)


def all_metrics() -> list[Metric]:
    return sorted(_METRICS.values(), key=lambda m: (m.order, m.key))


def metrics_of(domain: str) -> list[Metric]:
    return [m for m in all_metrics() if m.domain == domain]


def code_at_level(code: str, level: int) -> str:
    """The code of the region at `level` containing `code` (a shorter code stays as it is)."""
    parts = code.split(".")
    return ".".join(parts[:level]) if len(parts) >= level else code


def histogram_add(histogram: dict[int, int], values: Iterable[int]) -> dict[int, int]:
    for value in values:
        histogram[int(value)] = histogram.get(int(value), 0) + 1
    return histogram


def day_bounds(day: date) -> tuple[Any, Any]:
    """The start of `day` and of the next day, in the installation's time zone."""
    from datetime import datetime, timedelta

    from django.utils import timezone

    start = timezone.make_aware(datetime.combine(day, datetime.min.time()))
    return start, timezone.make_aware(datetime.combine(day + timedelta(days=1), datetime.min.time()))


def counts(rows: Iterable[Mapping[str, Any]], key: str = "code", value: str = "n") -> dict[Any, int]:
    """{row[key]: row[value]} of a `values(...).annotate(n=Count(...))` query."""
    return {row[key]: int(row[value]) for row in rows if row[value]}
