from __future__ import annotations

from datetime import date

from django.db.models import QuerySet

from warga.core.scoping import Actor

from .models import AuditLog


def audit_search(
    *,
    actor: Actor,
    action: str = "",
    username: str = "",
    object_type: str = "",
    object_id: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[AuditLog]:
    actor.require("audit.view")
    qs = AuditLog.objects.select_related("actor", "actor_unit")
    if action:
        qs = qs.filter(action__startswith=action)
    if username:
        qs = qs.filter(actor__username=username)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    if date_from:
        qs = qs.filter(at__date__gte=date_from)
    if date_to:
        qs = qs.filter(at__date__lte=date_to)
    return qs.order_by("-at", "-id")
