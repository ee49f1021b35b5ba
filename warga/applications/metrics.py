"""The applications' daily facts (warga.facts): received, finished, on time and the median
working days, per kecamatan office and service, the same numbers as the statistics page."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Count, F
from django.db.models.signals import post_save
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from warga.core.workdays import WorkCalendar
from warga.facts.metrics import Rollup, Unit, day_bounds, register_metric
from warga.regions.models import RegionLevel

DOMAIN = "applications"


def _base(codes: list[str] | None) -> Any:
    from .models import Application

    qs = Application.objects.filter(is_sandbox=False)
    return qs if codes is None else qs.filter(kecamatan_id__in=codes)


def _grouped(qs: Any) -> dict[Any, int]:
    rows = qs.values("kecamatan_id", part=F("service__code")).annotate(n=Count("id")).order_by()
    return {(row["kecamatan_id"], row["part"]): row["n"] for row in rows if row["n"]}


def _received(day: date, codes: list[str] | None) -> dict[Any, int]:
    start, end = day_bounds(day)
    return _grouped(_base(codes).filter(submitted_at__gte=start, submitted_at__lt=end))


def _finished(day: date, codes: list[str] | None) -> dict[Any, int]:
    start, end = day_bounds(day)
    return _grouped(_base(codes).filter(handed_over_at__gte=start, handed_over_at__lt=end))


def _on_time(day: date, codes: list[str] | None) -> dict[Any, tuple[int, int]]:
    start, end = day_bounds(day)
    result: dict[Any, list[int]] = {}
    rows = _base(codes).filter(handed_over_at__gte=start, handed_over_at__lt=end)
    for kec, part, due in rows.values_list("kecamatan_id", "service__code", "due_on").iterator():
        cell = result.setdefault((kec, part), [0, 0])
        cell[1] += 1
        if due is None or day <= due:
            cell[0] += 1
    return {key: (cell[0], cell[1]) for key, cell in result.items()}


def _days(day: date, codes: list[str] | None) -> dict[Any, dict[int, int]]:
    """Working days from submission to ready for collection, of the files ready that day."""
    start, end = day_bounds(day)
    calendar = WorkCalendar()
    result: dict[Any, dict[int, int]] = {}
    rows = _base(codes).filter(ready_at__gte=start, ready_at__lt=end, submitted_at__isnull=False)
    for kec, part, submitted, ready in rows.values_list(
        "kecamatan_id", "service__code", "submitted_at", "ready_at"
    ).iterator():
        days = calendar.between(timezone.localdate(submitted), timezone.localdate(ready))
        histogram = result.setdefault((kec, part), {})
        histogram[days] = histogram.get(days, 0) + 1
    return result


def _service_names() -> dict[str, str]:
    from .models import Service

    return dict(Service.objects.values_list("code", "name"))


def register() -> None:
    common: dict[str, Any] = {
        "domain": DOMAIN,
        "domain_label": _("Applications"),
        "capability": "applications.stats",
        "level": RegionLevel.KECAMATAN,
        "parts": True,
        "part_labels": _service_names,
    }
    register_metric(
        key="applications.received",
        label=_("Applications received"),
        unit=Unit.COUNT,
        rollup=Rollup.SUM,
        compute=_received,
        headline=True,
        order=30,
        **common,
    )
    register_metric(
        key="applications.finished",
        label=_("Applications handed over"),
        unit=Unit.COUNT,
        rollup=Rollup.SUM,
        compute=_finished,
        order=31,
        **common,
    )
    register_metric(
        key="applications.on_time",
        label=_("Applications finished on time"),
        unit=Unit.PERCENT,
        rollup=Rollup.RATIO,
        compute=_on_time,
        public=True,
        order=32,
        **common,
    )
    register_metric(
        key="applications.days",
        label=_("Working days to finish (median)"),
        unit=Unit.DAYS,
        rollup=Rollup.MEDIAN,
        compute=_days,
        public=True,
        order=33,
        **common,
    )
    from .models import ApplicationEvent

    post_save.connect(_event_saved, sender=ApplicationEvent, dispatch_uid="facts.applications")


def _event_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    from warga.facts.services import fact_touch

    if created:
        # The step's application is in hand (its service created the event with it).
        fact_touch(domain=DOMAIN, region_code=instance.application.kecamatan_id)
