"""Writing the audit log. Call inside the same transaction as the change it records."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import models

from warga.core.context import current
from warga.core.scoping import Actor

from .models import AuditLog


def audit_record(
    *,
    actor: Actor | None,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    summary: dict[str, Any] | None = None,
) -> AuditLog:
    ctx = current()
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    user = actor.user if actor and actor.user else None
    return AuditLog.objects.create(
        actor=user,
        actor_unit_id=actor.unit_id if actor else None,
        ip=ctx.ip,
        channel=ctx.channel,
        device_id=ctx.device_id or "",
        request_id=ctx.request_id,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        summary=summary or {},
    )


def audit_record_many(
    *, actor: Actor | None, entries: Sequence[tuple[str, models.Model, dict[str, Any]]]
) -> list[AuditLog]:
    """Several rows of one actor in bulk INSERTs (a batch of field records, a print day): each
    entry is (action, object, summary), written exactly as `audit_record` would write it one by
    one, so each object keeps its own history without a round trip per row. Rows are only ever
    added, so the append-only triggers are untouched."""
    if not entries:
        return []
    ctx = current()
    user = actor.user if actor and actor.user else None
    rows = [
        AuditLog(
            actor=user,
            actor_unit_id=actor.unit_id if actor else None,
            ip=ctx.ip,
            channel=ctx.channel,
            device_id=ctx.device_id or "",
            request_id=ctx.request_id,
            action=action,
            object_type=obj._meta.label_lower,
            object_id=str(obj.pk),
            summary=summary or {},
        )
        for action, obj, summary in entries
    ]
    return AuditLog.objects.bulk_create(rows, batch_size=2000)


def audit_read(*, actor: Actor, obj: models.Model, purpose: str = "view") -> AuditLog:
    """Record that an officer opened someone's personal data."""
    return audit_record(actor=actor, action=f"{obj._meta.label_lower}.{purpose}", obj=obj)
