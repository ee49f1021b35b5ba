"""Reads of the 112 desk: the open emergencies with their elapsed times, one emergency with its
dispatches, the bodies one can send, and the response times per kind of emergency."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from warga.core.errors import InvalidInput
from warga.core.scoping import Actor, get_scoped
from warga.org.models import Unit, UnitKind

from . import capabilities as caps
from .models import (
    OPEN_STATUSES,
    Case,
    CaseKind,
    CaseStatus,
    EmergencyCall,
    EmergencyDispatch,
    EmergencyKind,
)
from .services.workflow import visible

# The bodies offered first on the desk (then any other active unit may be chosen).
DISPATCH_CODES = ("damkar", "polres", "bpbd", "rsud", "dinkes", "pln", "pdam", "dpupr", "dinsos")
MAX_STATS_DAYS = 366


def _need(actor: Actor) -> None:
    if not (actor.can(caps.EMERGENCY_VIEW) or actor.can(caps.EMERGENCY_DESK)):
        actor.require(caps.EMERGENCY_VIEW)


def emergencies_visible(actor: Actor) -> QuerySet[Case]:
    """Every emergency of the actor's area (the desk, the complaint handler, the overseer)."""
    _need(actor)
    qs = Case.objects.filter(kind=CaseKind.DARURAT).select_related("desa", "emergency_call")
    if actor.can(caps.EMERGENCY_DESK):
        return visible(qs, actor)
    from warga.core.scoping import scoped

    return scoped(qs, actor)


def emergencies_open(actor: Actor, *, limit: int = 200) -> list[Case]:
    """The open emergencies, the oldest call first, with their dispatches."""
    dispatches = Prefetch(
        "dispatches",
        queryset=EmergencyDispatch.objects.select_related("unit").order_by("dispatched_at", "pk"),
    )
    qs = (
        emergencies_visible(actor)
        .filter(status__in=OPEN_STATUSES)
        .prefetch_related(dispatches)
        .order_by("received_at", "pk")
    )
    return list(qs[:limit])


def emergency_get(*, actor: Actor, pk: int) -> Case:
    return get_scoped(emergencies_visible(actor), actor, pk=pk)


def emergency_call(case: Case) -> EmergencyCall | None:
    return EmergencyCall.objects.filter(case=case).select_related("duplicate_of", "taken_by").first()


def emergency_dispatches(case: Case) -> list[EmergencyDispatch]:
    return list(
        EmergencyDispatch.objects.filter(case=case)
        .select_related("unit", "dispatched_by", "acknowledged_by", "on_scene_by", "closed_by")
        .order_by("dispatched_at", "pk")
    )


def dispatch_units() -> list[Unit]:
    """The bodies the desk sends: the usual emergency services first, then the other OPDs and
    external bodies (area offices are not dispatched)."""
    units = list(
        Unit.objects.filter(is_active=True, kind__in=[UnitKind.OPD, UnitKind.EXTERNAL])
        .exclude(code="call112")
        .order_by("name")
    )
    order = {code: i for i, code in enumerate(DISPATCH_CODES)}
    return sorted(units, key=lambda u: (order.get(u.code, len(order)), u.name))


def elapsed_minutes(since: datetime, now: datetime | None = None) -> int:
    return max(0, int(((now or timezone.now()) - since).total_seconds() // 60))


# --- Response times ----------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float | None:
    """The p-th percentile (nearest rank, like the benchmarks): None without values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class KindStats:
    kind: str
    label: str
    calls: int
    pranks: int
    duplicates: int
    to_dispatch_median: float | None  # minutes, received → first body sent
    to_dispatch_p90: float | None
    to_scene_median: float | None  # minutes, body sent → on scene (each body)
    to_scene_p90: float | None


def stats_period(start: date | None, end: date | None) -> tuple[date, date]:
    today = timezone.localdate()
    end = end or today
    start = start or end - timedelta(days=29)
    if start > end:
        raise InvalidInput(gettext("The start is after the end."), code="reports.period")
    if (end - start).days >= MAX_STATS_DAYS:
        raise InvalidInput(
            gettext("The period is at most %(n)d days.") % {"n": MAX_STATS_DAYS}, code="reports.period"
        )
    return start, end


def emergency_stats(*, actor: Actor, start: date | None = None, end: date | None = None) -> list[KindStats]:
    """Median and 90th percentile of received → dispatched (the first body) and dispatched → on
    scene (each body) per kind, for calls received in the period (local dates, both included).
    Prank and duplicate calls are counted but left out of the times."""
    start, end = stats_period(start, end)
    tz = timezone.get_current_timezone()
    since = datetime.combine(start, time.min, tzinfo=tz)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz)
    calls = (
        EmergencyCall.objects.filter(case__in=emergencies_visible(actor).order_by())
        .filter(received_at__gte=since, received_at__lt=until)
        .values_list("case_id", "kind", "received_at", "prank", "duplicate_of_id", "case__status")
    )
    rows: dict[int, tuple[str, datetime, bool]] = {}
    counts: dict[str, list[int]] = {k: [0, 0, 0] for k in EmergencyKind.values}
    for case_id, kind, received, prank, duplicate_of, status in calls.iterator():
        counts[kind][0] += 1
        if prank:
            counts[kind][1] += 1
        elif duplicate_of or status == CaseStatus.MERGED:
            counts[kind][2] += 1
        else:
            rows[case_id] = (kind, received, True)
    to_dispatch: dict[str, list[float]] = {k: [] for k in EmergencyKind.values}
    to_scene: dict[str, list[float]] = {k: [] for k in EmergencyKind.values}
    first: dict[int, datetime] = {}
    dispatches = EmergencyDispatch.objects.filter(case_id__in=list(rows)).values_list(
        "case_id", "dispatched_at", "on_scene_at"
    )
    for case_id, dispatched, on_scene in dispatches.iterator():
        kind = rows[case_id][0]
        if case_id not in first or dispatched < first[case_id]:
            first[case_id] = dispatched
        if on_scene is not None:
            to_scene[kind].append((on_scene - dispatched).total_seconds() / 60)
    for case_id, dispatched in first.items():
        kind, received, _ = rows[case_id]
        to_dispatch[kind].append(max(0.0, (dispatched - received).total_seconds() / 60))
    return [
        KindStats(
            kind=kind,
            label=str(EmergencyKind(kind).label),
            calls=counts[kind][0],
            pranks=counts[kind][1],
            duplicates=counts[kind][2],
            to_dispatch_median=percentile(to_dispatch[kind], 50),
            to_dispatch_p90=percentile(to_dispatch[kind], 90),
            to_scene_median=percentile(to_scene[kind], 50),
            to_scene_p90=percentile(to_scene[kind], 90),
        )
        for kind in EmergencyKind.values
    ]


def open_row(case: Case, now: datetime) -> dict[str, Any]:
    """One line of the live list: elapsed minutes since the call and per body."""
    call = getattr(case, "emergency_call", None)
    received = call.received_at if call is not None else case.received_at
    bodies = []
    for dispatch in case.dispatches.all():
        step = (
            "closed"
            if dispatch.closed_at
            else "on_scene"
            if dispatch.on_scene_at
            else "acknowledged"
            if dispatch.acknowledged_at
            else "dispatched"
        )
        bodies.append(
            {
                "unit": dispatch.unit.name,
                "step": step,
                "minutes": elapsed_minutes(dispatch.dispatched_at, now),
            }
        )
    return {"case": case, "call": call, "minutes": elapsed_minutes(received, now), "bodies": bodies}


def dispatch_of(*, case_id: int, dispatch_id: int) -> bool:
    """Does this dispatch belong to this emergency (the case was opened within scope first)?"""
    return EmergencyDispatch.objects.filter(pk=dispatch_id, case_id=case_id).exists()
