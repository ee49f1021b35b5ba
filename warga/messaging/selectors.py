from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from warga.core.scoping import Actor, get_scoped, scoped

from .models import Broadcast, BroadcastKind, IncomingSms, Invitation, SmsMessage, SmsStatus
from .quiet import quiet_hours_end, quiet_hours_label


def simulator_messages(*, phone: str | None = None, limit: int = 200) -> QuerySet[SmsMessage]:
    qs = SmsMessage.objects.order_by("-created_at", "-id")
    if phone:
        qs = qs.filter(to=phone)
    return qs[:limit]


def simulator_phones(limit: int = 100) -> list[str]:
    sent = SmsMessage.objects.order_by("to").values_list("to", flat=True).distinct()[:limit]
    received = IncomingSms.objects.order_by("sender").values_list("sender", flat=True).distinct()[:limit]
    return sorted({*sent, *received})[:limit]


def simulator_conversation(*, phone: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
    """What phones sent to Warga and what Warga sent them, newest first, as a phone shows it."""
    outgoing: list[dict[str, Any]] = [
        {
            "incoming": False,
            "number": sms.to,
            "at": sms.created_at,
            "text": sms.text,
            "label": sms.get_purpose_display(),
            "status": sms.get_status_display(),
        }
        for sms in simulator_messages(phone=phone, limit=limit)
    ]
    received = IncomingSms.objects.order_by("-received_at", "-id")
    if phone:
        received = received.filter(sender=phone)
    incoming: list[dict[str, Any]] = [
        {
            "incoming": True,
            "number": sms.sender,
            "at": sms.received_at,
            "text": sms.text,
            "label": sms.keyword,
            "status": sms.get_status_display(),
        }
        for sms in received[:limit]
    ]
    return sorted(outgoing + incoming, key=lambda m: m["at"], reverse=True)[:limit]


def broadcasts_list(*, actor: Actor, status: str = "", kind: str = "") -> QuerySet[Broadcast]:
    actor.require("sms.stats")
    qs = scoped(Broadcast.objects.select_related("area", "created_by", "decided_by"), actor)
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def broadcast_get(*, actor: Actor, broadcast_id: int) -> Broadcast:
    actor.require("sms.stats")
    return get_scoped(
        Broadcast.objects.select_related("area", "created_by", "decided_by"), actor, pk=broadcast_id
    )


def _counts(qs: QuerySet[SmsMessage]) -> dict[str, int]:
    counts = {s.value: 0 for s in SmsStatus}
    for row in qs.values("status").annotate(n=Count("id")).order_by():
        counts[row["status"]] = row["n"]
    return counts


def broadcast_stats(broadcast: Broadcast) -> dict[str, Any]:
    """Where a broadcast's messages are now: counts by status, progress and delivery rate."""
    counts = _counts(broadcast.messages.all())
    total = sum(counts.values())
    handed = total - counts[SmsStatus.QUEUED] - counts[SmsStatus.SENDING]
    final_known = counts[SmsStatus.DELIVERED] + counts[SmsStatus.FAILED] + counts[SmsStatus.EXPIRED]
    waiting = counts[SmsStatus.QUEUED] > 0 or (total == 0 and broadcast.status == "approved")
    return {
        "counts": counts,
        "total": total,
        # Broadcasts wait for morning: say so, and when sending starts, rather than "0 %".
        "held_until": quiet_hours_end() if waiting else None,
        "quiet_hours": quiet_hours_label(),
        "handed_over": handed,
        "progress": round(100 * handed / total) if total else (100 if broadcast.status == "done" else 0),
        "delivery_rate": round(100 * counts[SmsStatus.DELIVERED] / final_known, 1) if final_known else None,
    }


def _region_wide(actor: Actor) -> bool:
    from django.conf import settings

    code = actor.area_code or ""
    return bool(code) and settings.WARGA_REGION_CODE.startswith(code)


def daily_stats(*, actor: Actor, days: int = 30, today: date | None = None) -> list[dict[str, Any]]:
    """Messages per day and status (region-wide officers: every message; others: the
    broadcasts and invitations of their area)."""
    actor.require("sms.stats")
    days = max(1, min(int(days), 366))
    today = today or timezone.localdate()
    start = today - timedelta(days=days - 1)
    since = timezone.make_aware(datetime.combine(start, time.min))  # an indexable range, not a cast
    qs = SmsMessage.objects.filter(created_at__gte=since)
    if not _region_wide(actor):
        qs = qs.filter(broadcast__in=scoped(Broadcast.objects.all(), actor))
    rows = (
        qs.annotate(day=TruncDate("created_at"))
        .values("day", "status")
        .annotate(n=Count("id"), parts=Sum("segments"))
        .order_by()
    )
    table: dict[date, dict[str, Any]] = {}
    for row in rows:
        entry = table.setdefault(
            row["day"], {"day": row["day"], "segments": 0, **{s.value: 0 for s in SmsStatus}}
        )
        entry[row["status"]] += row["n"]
        entry["segments"] += row["parts"] or 0
    result = []
    for i in range(days):
        day = today - timedelta(days=i)
        entry = table.get(day) or {"day": day, "segments": 0, **{s.value: 0 for s in SmsStatus}}
        entry["total"] = sum(entry[s.value] for s in SmsStatus)
        result.append(entry)
    return result


def invitations_list(*, actor: Actor, status: str = "") -> QuerySet[Invitation]:
    actor.require("sms.invitations_moderate")
    qs = scoped(Invitation.objects.select_related("resident", "desa", "broadcast"), actor)
    if status:
        qs = qs.filter(status=status)
    return qs


def invitation_get(*, actor: Actor, invitation_id: int) -> Invitation:
    actor.require("sms.invitations_moderate")
    return get_scoped(
        Invitation.objects.select_related("resident", "desa", "broadcast"), actor, pk=invitation_id
    )


__all__ = ["BroadcastKind"]


# --- the queue's health (/healthz, the SMS statistics page) ----------------------------------


@dataclass(frozen=True)
class QueueHealth:
    healthy: bool
    oldest_wait_seconds: int | None  # the message next in line, counted from when it became due
    dispatcher: str  # the lease holder (host:pid), "" if none ever held it
    dispatcher_live: bool
    heartbeat_at: datetime | None
    reason: str  # translated


def sms_queue_health(*, now: datetime | None = None) -> QueueHealth:
    """Is SMS going out? Unhealthy when a due message (quiet hours and retry back-off already
    taken into account) has waited longer than SMS_HEALTH_MAX_WAIT_SECONDS and no dispatcher
    holds a live lease. A backlog drained at the configured rate by a live dispatcher is healthy.
    Two indexed queries: the head of the queue and the lease row."""
    from django.conf import settings
    from django.utils.translation import gettext as _

    from .dispatcher import lease_current
    from .services.claiming import _due

    now = now or timezone.now()
    head = (
        SmsMessage.objects.filter(_due(now))
        .order_by("priority", "id")
        .values("created_at", "not_before")
        .first()
    )
    wait: int | None = None
    if head is not None:
        since = max(head["created_at"], head["not_before"] or head["created_at"])
        wait = max(0, int((now - since).total_seconds()))
    lease = lease_current()
    live = bool(lease and lease.token and lease.expires_at and lease.expires_at > now)
    limit = int(getattr(settings, "SMS_HEALTH_MAX_WAIT_SECONDS", 120))
    stalled = wait is not None and wait > limit and not live
    if stalled:
        reason = _(
            "SMS sending has stopped: messages have been waiting for %(minutes)d minutes and no SMS "
            "dispatcher is running. Start it (manage.py serve starts it; or manage.py sms_dispatcher)."
        ) % {"minutes": max(1, (wait or 0) // 60)}
    elif live and wait is not None:
        reason = _("The SMS dispatcher is running and sending the waiting messages at the allowed rate.")
    elif live:
        reason = _("The SMS dispatcher is running; no message is waiting.")
    elif wait is not None:
        reason = _("No SMS dispatcher is running; messages are waiting.")
    else:
        reason = _("No SMS dispatcher is running; no message is waiting.")
    return QueueHealth(
        healthy=not stalled,
        oldest_wait_seconds=wait,
        dispatcher=lease.holder if lease else "",
        dispatcher_live=live,
        heartbeat_at=lease.heartbeat_at if lease else None,
        reason=reason,
    )
