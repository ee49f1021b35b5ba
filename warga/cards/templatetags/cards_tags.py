from __future__ import annotations

from typing import Any

from django import template

from warga.cards.models import KtpStatus

register = template.Library()

BADGE = {
    "not_required": "secondary",
    "not_recorded": "danger",
    "recorded": "info",
    "prr": "primary",
    "printed": "success",
    "sent_to_kecamatan": "success",
    "handed_over": "dark",
    "duplicate": "warning",
    "enrolment_failed": "warning",
}


@register.filter
def get_item(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.inclusion_tag("cards/_status_badge.html")
def ktp_badge(status: str) -> dict[str, Any]:
    label = KtpStatus(status).label if status in KtpStatus.values else status
    return {"label": label, "color": BADGE.get(status, "secondary")}
