"""Outreach daily facts (warga.facts): people served against the targets of the day's events."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from warga.facts.metrics import Rollup, Unit, register_metric

DOMAIN = "outreach"


def _served(day: date, codes: list[str] | None) -> dict[Any, tuple[int, int]]:
    from .models import Target

    qs = Target.objects.filter(event__date=day)
    if codes is not None:
        qs = qs.filter(event__desa_id__in=codes)
    rows = (
        qs.values("event__desa_id")
        .annotate(n=Count("id"), served=Count("id", filter=Q(served_at__isnull=False)))
        .order_by()
    )
    return {row["event__desa_id"]: (row["served"], row["n"]) for row in rows if row["n"]}


def register() -> None:
    register_metric(
        key="outreach.served",
        label=_("Outreach: served of targeted"),
        domain=DOMAIN,
        domain_label=_("Outreach"),
        unit=Unit.PERCENT,
        rollup=Rollup.RATIO,
        compute=_served,
        capability="outreach.stats",
        order=50,
    )
