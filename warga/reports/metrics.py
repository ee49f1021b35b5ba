"""Cases' daily facts (warga.facts): received per category, answered on time and the working
days to answer, per desa (cases whose desa is unknown stay at the kabupaten)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Count, F
from django.db.models.signals import post_save
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from warga.core.workdays import WorkCalendar
from warga.facts.metrics import Rollup, Unit, counts, day_bounds, register_metric

DOMAIN = "reports"

# Which units' topics see which category's counts (org.Unit.topics: Dinkes has "sakit,kesehatan").
CATEGORY_TOPICS: dict[str, tuple[str, ...]] = {
    "sakit": ("sakit", "kesehatan"),
    "kematian": ("kesehatan", "meninggal", "kematian"),
    "kelahiran": ("kesehatan", "kelahiran"),
    "listrik_padam": ("listrik", "padam"),
    "air": ("air",),
    "jalan": ("jalan", "jembatan"),
    "bencana": ("bencana", "bpbd", "longsor", "banjir"),
    "keamanan": ("kriminal", "keamanan"),
}


def _received(category: str | None) -> Any:
    def compute(day: date, codes: list[str] | None) -> dict[Any, int]:
        from .models import Case

        start, end = day_bounds(day)
        qs = Case.objects.filter(received_at__gte=start, received_at__lt=end)
        if category:
            qs = qs.filter(category=category)
        if codes is not None:
            qs = qs.filter(region_id__in=codes)
        return counts(qs.values(code=F("region_id")).annotate(n=Count("id")).order_by())

    return compute


def _answered(day: date, codes: list[str] | None) -> Any:
    from .models import Case

    start, end = day_bounds(day)
    qs = Case.objects.filter(answered_at__gte=start, answered_at__lt=end)
    if codes is not None:
        qs = qs.filter(region_id__in=codes)
    return qs.values_list("region_id", "category", "received_at", "answered_at", "answer_due_on").iterator()


def _on_time(day: date, codes: list[str] | None) -> dict[Any, tuple[int, int]]:
    result: dict[Any, list[int]] = {}
    for region, category, _received_at, _answered_at, due in _answered(day, codes):
        cell = result.setdefault((region, category), [0, 0])
        cell[1] += 1
        if due is None or day <= due:
            cell[0] += 1
    return {key: (a, b) for key, (a, b) in result.items()}


def _days(day: date, codes: list[str] | None) -> dict[Any, dict[int, int]]:
    calendar = WorkCalendar()
    result: dict[Any, dict[int, int]] = {}
    for region, category, received_at, answered_at, _due in _answered(day, codes):
        days = calendar.between(timezone.localdate(received_at), timezone.localdate(answered_at))
        histogram = result.setdefault((region, category), {})
        histogram[days] = histogram.get(days, 0) + 1
    return result


def _category_names() -> dict[str, str]:
    from .models import CaseCategory

    return {str(value): str(label) for value, label in CaseCategory.choices}


def register() -> None:
    from .models import CaseCategory, CaseEvent

    common: dict[str, Any] = {
        "domain": DOMAIN,
        "domain_label": _("Reports and complaints"),
        "capability": "reports.oversee",
    }
    register_metric(
        key="cases.received",
        label=_("Reports and complaints received"),
        unit=Unit.COUNT,
        rollup=Rollup.SUM,
        compute=_received(None),
        headline=True,
        order=60,
        **common,
    )
    for order, (value, label) in enumerate(CaseCategory.choices, start=61):
        register_metric(
            key=f"cases.received.{value}",
            label=format_lazy("{}: {}", _("Reports received"), label),
            unit=Unit.COUNT,
            rollup=Rollup.SUM,
            compute=_received(value),
            topics=CATEGORY_TOPICS.get(value, ()),
            order=order,
            **common,
        )
    register_metric(
        key="cases.on_time",
        label=_("Reports and complaints answered on time"),
        unit=Unit.PERCENT,
        rollup=Rollup.RATIO,
        compute=_on_time,
        parts=True,
        part_labels=_category_names,
        public=True,
        order=75,
        **common,
    )
    register_metric(
        key="cases.answer_days",
        label=_("Working days to answer a report (median)"),
        unit=Unit.DAYS,
        rollup=Rollup.MEDIAN,
        compute=_days,
        parts=True,
        part_labels=_category_names,
        order=76,
        **common,
    )
    post_save.connect(_event_saved, sender=CaseEvent, dispatch_uid="facts.reports")


def _event_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    from warga.facts.services import fact_touch

    if created:
        fact_touch(domain=DOMAIN, region_code=instance.case.region_id)
