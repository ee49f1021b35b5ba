"""Writes of the fact store: the nightly rebuild of a day, the refresh of a few regions after
the services' events, boundaries and the morning-summary subscriptions."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from warga.audit.services import audit_record
from warga.core.errors import InvalidInput
from warga.core.scoping import Actor, unscoped
from warga.regions.models import Region, RegionLevel

from .capabilities import REBUILD, SUBSCRIBE
from .metrics import Metric, Rollup, all_metrics, code_at_level, metrics_of
from .models import Boundary, Fact, Subscription
from .selectors import stored_range_note

__all__ = [
    "boundaries_load",
    "fact_touch",
    "facts_rebuild_day",
    "facts_refresh",
    "subscription_set",
]


def _kecamatan_of(code: str) -> str | None:
    return code_at_level(code, RegionLevel.KECAMATAN) if code.count(".") >= 2 else None


def _rows(metric_: Metric, day: date, result: Mapping[Any, Any]) -> list[Fact]:
    rows = []
    for key, raw in result.items():
        code, part = key if isinstance(key, tuple) else (key, "")
        fact = Fact(metric=metric_.key, region_id=code, kecamatan_id=_kecamatan_of(code), day=day, part=part)
        if metric_.rollup == Rollup.RATIO:
            numerator, denominator = raw
            if not denominator:
                continue
            fact.value, fact.denominator = int(numerator), int(denominator)
        elif metric_.rollup == Rollup.MEDIAN:
            histogram = {str(int(k)): int(v) for k, v in dict(raw).items() if v}
            if not histogram:
                continue
            fact.value = sum(histogram.values())
            fact.histogram = histogram
        else:
            if not raw:
                continue
            fact.value = int(raw)
        rows.append(fact)
    return rows


def _check_day(day: date) -> None:
    if day > timezone.localdate():
        raise InvalidInput(
            _("Facts cannot be built for a day that has not come yet."), code="facts.future_day"
        )


def _hold_day(domains: Iterable[str], day: date) -> None:
    """Inside a transaction: wait until no other transaction is replacing these domains' facts
    of `day`, and keep them until this one ends. Two refreshes of a desa at once (two field
    batches, the task consumer's threads) would otherwise both delete, then both insert the same
    keys, and the later would also write figures read before the earlier committed. PostgreSQL:
    transaction-scoped advisory locks, taken in one order; SQLite's write transactions are one at
    a time already (IMMEDIATE)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for domain in sorted(set(domains)):
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtext(%s))", [f"facts:{domain}:{day.isoformat()}"]
            )


def facts_rebuild_day(*, day: date, actor: Actor | None = None, keys: Iterable[str] | None = None) -> int:
    """Recompute one day of every metric (or of `keys`) from the source records and replace that
    day's rows in one transaction: all of them or, when anything fails, none. Returns the rows."""
    if actor is not None:
        actor.require(REBUILD)
    _check_day(day)
    chosen = all_metrics()
    if keys is not None:
        wanted = set(keys)
        unknown = wanted - {m.key for m in chosen}
        if unknown:
            raise InvalidInput(
                _("Unknown metric: %(keys)s.") % {"keys": ", ".join(sorted(unknown))},
                code="facts.unknown_metric",
            )
        chosen = [m for m in chosen if m.key in wanted]
    with unscoped("facts: the nightly rebuild reads and writes every area's day"):
        # Compute everything first (reads), then replace in one short transaction.
        rows: list[Fact] = []
        for metric_ in chosen:
            rows.extend(_rows(metric_, day, metric_.compute(day, None)))
        with transaction.atomic():
            _hold_day((m.domain for m in chosen), day)
            Fact.objects.filter(day=day, metric__in=[m.key for m in chosen]).delete()
            Fact.objects.bulk_create(rows, batch_size=5000)
            transaction.on_commit(lambda: stored_range_note(day))
            if actor is not None:
                audit_record(
                    actor=actor,
                    action="facts.rebuild",
                    obj=None,
                    summary={"day": day.isoformat(), "metrics": len(chosen), "rows": len(rows)},
                )
    return len(rows)


def facts_refresh(*, domain: str, day: date, region_codes: Iterable[str]) -> int:
    """Recompute `domain`'s metrics of `day` for a few regions (the ones an event touched) and
    put them in place in one transaction. Correct whatever happened before: it recomputes,
    never adds."""
    _check_day(day)
    codes = set(region_codes)
    with unscoped("facts: an event's regions, recomputed from their source"), transaction.atomic():
        # The domain's day held first, then every metric computed and its rows replaced: one
        # DELETE and one INSERT for the domain, whatever the number of its metrics, with figures
        # read after any other refresh of the day committed.
        _hold_day([domain], day)
        rows: list[Fact] = []
        replaced = Q(pk__in=[])
        for metric_ in metrics_of(domain):
            targets = sorted({code_at_level(code, metric_.level) for code in codes})
            rows.extend(_rows(metric_, day, metric_.compute(day, targets)))
            replaced |= Q(metric=metric_.key, region_id__in=targets)
        Fact.objects.filter(replaced, day=day).delete()
        Fact.objects.bulk_create(rows)
        transaction.on_commit(lambda: stored_range_note(day))
    return len(rows)


_pending = threading.local()
logger = logging.getLogger(__name__)


def _flush() -> None:
    queue: set[tuple[str, date, str]] = getattr(_pending, "items", set())
    _pending.items = set()
    grouped: dict[tuple[str, date], set[str]] = {}
    for domain, day, code in queue:
        grouped.setdefault((domain, day), set()).add(code)
    from .tasks import facts_refresh_task

    for (domain, day), codes in sorted(grouped.items()):
        try:
            # A task, not this request: a field batch or a desk's transition answers without
            # waiting for the statistics it changed. A region already waiting for its refresh
            # is not queued again: a team's batches from one desa make one refresh every few
            # seconds, not one each.
            if _tasks_run_at_once():  # tests and one-process set-ups
                facts_refresh_task(domain, day.isoformat(), sorted(codes))
                continue
            markers = {code: refresh_marker(domain, day, code) for code in codes}
            marked = cache.get_many(list(markers.values()))
            waiting = [code for code in sorted(codes) if markers[code] not in marked]
            if not waiting:
                continue
            facts_refresh_task.schedule((domain, day.isoformat(), waiting), delay=REFRESH_GATHER_SECONDS)
            # Marked only once queued: a process stopped between the two leaves a queued refresh
            # without its marker (the next event queues one more), never a marker that holds
            # back refreshes nobody queued. Two requests at once may both queue one: a refresh
            # is idempotent. The task starts REFRESH_GATHER_SECONDS later, long after this.
            cache.set_many({markers[code]: 1 for code in waiting}, REFRESH_MARKER_SECONDS)
        except Exception:  # the event is committed; tonight's rebuild repairs the facts
            logger.exception("facts: refresh of %s %s failed", domain, day)


def _tasks_run_at_once() -> bool:
    from huey.contrib.djhuey import HUEY

    return bool(HUEY.immediate)


#: How long a region's refresh waits for more events of the same region before it runs.
REFRESH_GATHER_SECONDS = 10
#: A marker outlives its refresh's start only if the task was lost or the consumer is far behind:
#: then the region's next event after this long queues a refresh again.
REFRESH_MARKER_SECONDS = 120


def refresh_marker(domain: str, day: date, code: str) -> str:
    """Cache key saying that a refresh of this region's day is queued and has not started: set by
    whoever queued it, just after queueing, removed by the task as it starts, so an event after
    that start queues another. Expires by itself after REFRESH_MARKER_SECONDS (a lost task)."""
    return f"facts:queued:{domain}:{day.isoformat()}:{code}"


def fact_touch(*, domain: str, region_code: str | None, day: date | None = None) -> None:
    """An event of `domain` happened in `region_code`: once the transaction commits, a task
    recomputes that region's facts of `day` (default today), each region once per transaction. A
    rolled-back transaction (or savepoint) takes its refresh with it."""
    if not region_code or not metrics_of(domain):
        return
    on = day or timezone.localdate()
    if on > timezone.localdate():
        return
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        _pending.items = {(domain, on, region_code)}
        _flush()
        return
    # One flush per transaction: registered again when the earlier one was rolled back.
    if not any(entry[1] is _flush for entry in connection.run_on_commit):
        _pending.items = set()
        transaction.on_commit(_flush)
    _pending.items.add((domain, on, region_code))


# --------------------------------------------------------------------------- boundaries

BOUNDARY_MAX_BYTES = 20 * 1024 * 1024
BOUNDARY_MAX_POINTS = 400  # per ring once simplified: enough for a map of a kabupaten


def _ring_points(ring: Any) -> list[list[float]]:
    if not isinstance(ring, list) or len(ring) < 4:
        raise ValueError("ring")
    points = []
    for point in ring:
        if not isinstance(point, list | tuple) or len(point) < 2:
            raise ValueError("point")
        lon, lat = float(point[0]), float(point[1])
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise ValueError("point")
        points.append([round(lon, 5), round(lat, 5)])
    step = max(1, len(points) // BOUNDARY_MAX_POINTS)
    kept = points[::step]
    if kept[-1] != points[-1]:
        kept.append(points[-1])
    return kept


def _outer_rings(geometry: Any) -> list[list[list[float]]]:
    if not isinstance(geometry, dict):
        raise ValueError("geometry")
    kind, coordinates = geometry.get("type"), geometry.get("coordinates")
    if kind == "Polygon" and isinstance(coordinates, list) and coordinates:
        return [_ring_points(coordinates[0])]
    if kind == "MultiPolygon" and isinstance(coordinates, list) and coordinates:
        return [_ring_points(polygon[0]) for polygon in coordinates if isinstance(polygon, list) and polygon]
    raise ValueError("geometry")


def _feature_code(properties: dict[str, Any]) -> str:
    for name in ("code", "kode", "kode_wilayah", "kdepum", "KDEPUM", "region_code"):
        value = properties.get(name)
        if value:
            text = str(value).strip()
            if "." not in text and text.isdigit() and len(text) in (4, 6, 10):
                # Plain codes (3214, 321401, 3214012001) get their dots back.
                text = ".".join(p for p in (text[:2], text[2:4], text[4:6], text[6:]) if p)
            return text
    return ""


def boundaries_load(*, data: bytes, actor: Actor | None = None) -> int:
    """Load a GeoJSON FeatureCollection of region outlines, each feature naming its Kemendagri
    code in `properties.code` (or `kode`, `kode_wilayah`, `kdepum`). Everything is checked first
    (size, JSON, geometry, every code a known region); then all are stored in one transaction,
    replacing earlier outlines of the same regions. Returns how many were stored."""
    if actor is not None:
        actor.require(REBUILD)
    if len(data) > BOUNDARY_MAX_BYTES:
        raise InvalidInput(
            _("The file is larger than %(mb)d MB.") % {"mb": BOUNDARY_MAX_BYTES // (1024 * 1024)},
            code="facts.boundaries_too_large",
        )
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise InvalidInput(
            _("The file is not GeoJSON (UTF-8 JSON)."), code="facts.boundaries_not_json"
        ) from None
    features = document.get("features") if isinstance(document, dict) else None
    if document.get("type") != "FeatureCollection" or not isinstance(features, list) or not features:
        raise InvalidInput(
            _("The file is not a GeoJSON FeatureCollection with features."),
            code="facts.boundaries_not_collection",
        )
    problems: list[dict[str, Any]] = []
    parsed: dict[str, list[list[list[float]]]] = {}
    for number, feature in enumerate(features, start=1):
        properties = feature.get("properties") if isinstance(feature, dict) else None
        code = _feature_code(properties if isinstance(properties, dict) else {})
        try:
            rings = _outer_rings(feature.get("geometry") if isinstance(feature, dict) else None)
        except (ValueError, TypeError):
            problems.append({"feature": number, "code": "geometry", "message": _("Not a polygon.")})
            continue
        if not code:
            problems.append({"feature": number, "code": "no_code", "message": _("No region code.")})
            continue
        parsed[code] = parsed.get(code, []) + rings
    known = set(
        Region.objects.filter(code__in=list(parsed), level__lte=RegionLevel.DESA).values_list(
            "code", flat=True
        )
    )
    for code in sorted(set(parsed) - known):
        problems.append({"region": code, "code": "unknown_region", "message": _("Unknown region code.")})
    if problems:
        raise InvalidInput(
            _("The file was not loaded: %(n)d features have problems.") % {"n": len(problems)},
            code="facts.boundaries_invalid",
            details=problems[:50],
        )
    with transaction.atomic():
        for code, rings in parsed.items():
            lons = [p[0] for ring in rings for p in ring]
            lats = [p[1] for ring in rings for p in ring]
            Boundary.objects.update_or_create(
                region_id=code,
                defaults={
                    "rings": rings,
                    "min_lon": min(lons),
                    "max_lon": max(lons),
                    "min_lat": min(lats),
                    "max_lat": max(lats),
                },
            )
    return len(parsed)


# --------------------------------------------------------------------------- subscriptions


@transaction.atomic
def subscription_set(*, actor: Actor, by_sms: bool, by_email: bool) -> Subscription:
    actor.require(SUBSCRIBE)
    assert actor.user is not None
    if by_sms and not actor.user.phone:
        raise InvalidInput(
            _("Your account has no phone number: ask the administrator to add one."), code="facts.no_phone"
        )
    if by_email and not actor.user.email:
        raise InvalidInput(
            _("Your account has no e-mail address: ask the administrator to add one."), code="facts.no_email"
        )
    subscription, _created = Subscription.objects.update_or_create(
        user=actor.user, defaults={"by_sms": by_sms, "by_email": by_email}
    )
    audit_record(
        actor=actor,
        action="facts.subscription.set",
        obj=subscription,
        summary={"sms": by_sms, "email": by_email},
    )
    return subscription
