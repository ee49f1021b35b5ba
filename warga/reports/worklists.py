"""Reads of the work cases make for offices: the tasks of reported deaths and births."""

from __future__ import annotations

from django.db.models import QuerySet

from warga.core.scoping import Actor, scoped

from . import capabilities as caps
from .models import CaseTask, CaseTaskStatus


def tasks_list(*, actor: Actor, status: str = CaseTaskStatus.OPEN) -> QuerySet[CaseTask]:
    """The tasks of the actor's area (a desa operator: their desa; the Disdukcapil: all), open
    ones first, the oldest first."""
    actor.require(caps.TASKS)
    qs = scoped(CaseTask.objects.select_related("case", "case__desa", "unit", "life_event"), actor)
    if status in CaseTaskStatus.values:
        qs = qs.filter(status=status)
    return qs.order_by("status", "created_at", "pk")
