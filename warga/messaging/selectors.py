from __future__ import annotations

from django.db.models import QuerySet

from .models import SmsMessage


def simulator_messages(*, phone: str | None = None, limit: int = 200) -> QuerySet[SmsMessage]:
    qs = SmsMessage.objects.order_by("-created_at", "-id")
    if phone:
        qs = qs.filter(to=phone)
    return qs[:limit]


def simulator_phones(limit: int = 100) -> list[str]:
    return list(
        SmsMessage.objects.order_by("to").values_list("to", flat=True).distinct()[:limit]
    )
