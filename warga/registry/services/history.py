"""The trail every register change leaves: history rows with old and new values, audit rows
without personal values, and life-event records.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from django.db import models

from warga.audit.services import audit_record
from warga.core.scoping import Actor
from warga.regions.models import Region

from ..models import (
    Family,
    FamilyChange,
    LifeEvent,
    Resident,
    ResidentChange,
)
from ._common import _text


def _plain(value: Any) -> Any:
    """A value as stored in a history row: JSON-friendly and readable."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, models.Model):
        return str(value.pk)
    return str(value)


def _diff(obj: models.Model, new: dict[str, Any]) -> dict[str, list[Any]]:
    changes = {}
    for field, value in new.items():
        old = getattr(obj, field + "_id") if field in ("desa", "family") else getattr(obj, field)
        new_plain = _plain(value)
        if _plain(old) != new_plain:
            changes[field] = [_plain(old), new_plain]
    return changes


def _resident_history(
    resident: Resident,
    *,
    actor: Actor,
    action: str,
    changes: dict[str, list[Any]],
    reason: str = "",
    event: LifeEvent | None = None,
) -> None:
    ResidentChange.objects.create(
        resident=resident, actor=actor.user, action=action, reason=reason[:300], event=event, changes=changes
    )


def _family_history(
    family: Family,
    *,
    actor: Actor,
    action: str,
    changes: dict[str, list[Any]],
    reason: str = "",
    event: LifeEvent | None = None,
) -> None:
    FamilyChange.objects.create(
        family=family, actor=actor.user, action=action, reason=reason[:300], event=event, changes=changes
    )


def _apply(obj: Resident | Family, values: dict[str, Any]) -> None:
    """Save only these fields (an instance loaded earlier may be stale elsewhere) and bump the version."""
    for field, value in values.items():
        setattr(obj, field, value)
    fields = [*values, "version", "updated_at"]
    if isinstance(obj, Resident) and "full_name" in values:
        fields.append("name_key")
    obj.version = models.F("version") + 1
    obj.save(update_fields=fields)
    obj.refresh_from_db(fields=["version"])


def _audit(actor: Actor, action: str, obj: models.Model, **summary: Any) -> None:
    audit_record(actor=actor, action=f"registry.{action}", obj=obj, summary=summary)


def _new_event(
    *,
    actor: Actor,
    type: str,
    occurred_on: date,
    desa: Region,
    residents: Sequence[Resident],
    family: Family | None = None,
    place: str = "",
    reporter: str = "",
    documents: Sequence[str] = (),
    event_ref: str = "",
    details: dict[str, Any] | None = None,
) -> LifeEvent:
    event = LifeEvent.objects.create(
        type=type,
        occurred_on=occurred_on,
        place=_text(place, 200),
        reporter=_text(reporter, 120),
        documents=[_text(d, 200) for d in documents if str(d).strip()],
        event_ref=_text(event_ref, 64),
        desa=desa,
        family=family,
        details=details or {},
        actor=actor.user,
    )
    event.residents.add(*residents)  # a new event: one INSERT (set() would read the links first)
    _audit(actor, f"event.{type}", event, residents=len(residents), documents=len(event.documents))
    from ..signals import life_event_registered

    life_event_registered.send(sender=LifeEvent, event=event, actor=actor)
    return event
