"""Information requests' daily facts (warga.facts): received, and answered within the legal
time (the written notice by its due date), for the installation."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Count, F
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _

from warga.facts.metrics import Rollup, Unit, counts, register_metric
from warga.regions.models import RegionLevel

DOMAIN = "ppid"


def _received(day: date, codes: list[str] | None) -> dict[Any, int]:
    from .models import InformationRequest

    qs = InformationRequest.objects.filter(received_on=day)
    if codes is not None:
        qs = qs.filter(region_id__in=codes)
    return counts(qs.values(code=F("region_id")).annotate(n=Count("id")).order_by())


def _on_time(day: date, codes: list[str] | None) -> dict[Any, tuple[int, int]]:
    from .models import InformationRequest

    qs = InformationRequest.objects.filter(decided_on=day)
    if codes is not None:
        qs = qs.filter(region_id__in=codes)
    result: dict[Any, list[int]] = {}
    for region, due in qs.values_list("region_id", "due_on").iterator():
        cell = result.setdefault(region, [0, 0])
        cell[1] += 1
        if day <= due:
            cell[0] += 1
    return {key: (a, b) for key, (a, b) in result.items()}


def register() -> None:
    from .models import RequestEvent

    common: dict[str, Any] = {
        "domain": DOMAIN,
        "domain_label": _("Information requests"),
        "capability": "ppid.view",
        "level": RegionLevel.KABUPATEN,
    }
    register_metric(
        key="ppid.received",
        label=_("Information requests received"),
        unit=Unit.COUNT,
        rollup=Rollup.SUM,
        compute=_received,
        order=90,
        **common,
    )
    register_metric(
        key="ppid.on_time",
        label=_("Information requests answered on time"),
        unit=Unit.PERCENT,
        rollup=Rollup.RATIO,
        compute=_on_time,
        public=True,
        order=91,
        **common,
    )
    post_save.connect(_event_saved, sender=RequestEvent, dispatch_uid="facts.ppid")


def _event_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    from warga.facts.services import fact_touch

    if created:
        fact_touch(domain=DOMAIN, region_code=instance.request.region_id)
