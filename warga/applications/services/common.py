"""Small helpers shared by the application services."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from django.utils import timezone, translation

from warga.core.scoping import Actor, unscoped
from warga.org.models import Unit, UnitKind

from ..models import (
    Application,
    ApplicationEvent,
    Batch,
    OfficeMode,
    OfficeRollout,
)
from .workflow import side_refusal, stale_message

TRACKING_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"  # no 0/O, 1/I/L, 2/Z, 5/S, 8/B
TRACKING_LENGTH = 10


def tracking_code_new() -> str:
    return "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_LENGTH))


def tracking_code_normalize(raw: str) -> str:
    return "".join(ch for ch in (raw or "").upper() if ch.isalnum())[:20]


def office_mode(office: Unit) -> str:
    with unscoped("office mode: how any office works is organisation data"):
        rollout = OfficeRollout.objects.filter(unit=office).only("mode").first()
    return rollout.mode if rollout else OfficeMode.ONLINE


def _actor_unit_kind(actor: Actor) -> str | None:
    if not actor.unit_id:
        return None
    return Unit.objects.filter(pk=actor.unit_id).values_list("kind", flat=True).first()


def _actor_office(actor: Actor) -> Unit | None:
    if actor.unit_id is None:
        return None
    return Unit.objects.filter(pk=actor.unit_id, kind=UnitKind.KECAMATAN_OFFICE).first()


def _now() -> datetime:
    return timezone.now()


def _sms(application: Application, text: str) -> None:
    """Notify the applicant (never from the training sandbox, never without a number)."""
    from warga.messaging.services import sms_send

    if application.is_sandbox or not application.phone:
        return
    sms_send(to=application.phone, text=text, purpose="notice")


def _indonesian(func: Any, *args: Any) -> str:
    with translation.override("id"):
        return str(func(*args))


def _trim(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _stale_message() -> str:
    return stale_message()


def _require_unit(actor: Actor, application: Application, side: str) -> None:
    refused = side_refusal(actor, application, side)
    if refused is not None:
        raise refused


def _event(
    application: Application,
    *,
    actor: Actor,
    action: str,
    from_status: str,
    to_status: str,
    reason: str = "",
    batch: Batch | None = None,
    at: datetime | None = None,
) -> ApplicationEvent:
    return ApplicationEvent.objects.create(
        application=application,
        action=action,
        from_status=from_status,
        to_status=to_status,
        actor=actor.user,
        actor_unit_id=actor.unit_id,
        at=at or _now(),
        reason=reason,
        batch=batch,
    )
