from __future__ import annotations

from django.db.models import QuerySet

from warga.core.scoping import Actor, scoped

from .models import Case


def reports_list(*, actor: Actor, status: str = "", query: str = "") -> QuerySet[Case]:
    actor.require("reports.view")
    qs = scoped(Case.objects.select_related("desa"), actor)
    if status:
        qs = qs.filter(status=status)
    if query:
        qs = qs.filter(text__icontains=query)
    return qs
