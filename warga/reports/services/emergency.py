"""The 112 desk: a call becomes an emergency case (`case_file`, channel "call112"), the bodies are
sent to it (`EmergencyDispatch`), the time of each of their steps is logged with who logged it, and
a prank or repeated call is marked (`case_transition`: mark_prank, mark_duplicate; the end of the
emergency: emergency_close). Each write is one transaction with its `CaseEvent` and audit row."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from warga.audit.services import audit_record
from warga.core.errors import Conflict, InvalidInput, NotFound
from warga.core.scoping import Actor, get_scoped
from warga.org.models import Unit
from warga.regions.models import Region

from .. import capabilities as caps
from ..models import (
    CATEGORY_OF_EMERGENCY,
    Case,
    CaseChannel,
    CaseEvent,
    CaseKind,
    DispatchStage,
    EmergencyCall,
    EmergencyDispatch,
    EmergencyKind,
)
from .intake import case_file, text_clean
from .transitions import case_transition
from .workflow import visible

MAX_ADDRESS = 300
MAX_UNITS = 8
# How far back a call-taker may say a call was received or a step happened (a radio message
# logged a little later); a time in the future is refused.
BACKDATE_LIMIT = timedelta(hours=6)
CLOCK_SKEW = timedelta(minutes=1)


def _moment(
    value: datetime | None, *, now: datetime, field: str, not_before: datetime | None = None
) -> datetime:
    if value is None:
        return now
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value > now + CLOCK_SKEW or value < now - BACKDATE_LIMIT:
        raise InvalidInput(
            _("The time must be within the last %(h)d hours and not in the future.")
            % {"h": BACKDATE_LIMIT.seconds // 3600},
            code="reports.emergency_time",
            details=[{"field": field, "message": _("Invalid time.")}],
        )
    if not_before is not None and value < not_before:
        raise InvalidInput(
            _("This step cannot come before the body was sent."),
            code="reports.emergency_order",
            details=[{"field": field, "message": _("Invalid time.")}],
        )
    return min(value, now)


def _units(unit_ids: Sequence[int]) -> list[Unit]:
    wanted = list(dict.fromkeys(int(u) for u in unit_ids if u))
    if len(wanted) > MAX_UNITS:
        raise InvalidInput(
            _("At most %(n)d bodies at once.") % {"n": MAX_UNITS},
            code="reports.dispatch_many",
            details=[{"field": "units", "message": _("Too many.")}],
        )
    units = list(Unit.objects.filter(pk__in=wanted, is_active=True))
    if len(units) != len(wanted):
        raise InvalidInput(
            _("Unknown unit."),
            code="reports.unit",
            details=[{"field": "units", "message": _("Unknown unit.")}],
        )
    return sorted(units, key=lambda u: wanted.index(u.pk))


def _emergency(actor: Actor, case_id: int, *, lock: bool = True) -> Case:
    qs = Case.objects.select_for_update() if lock else Case.objects.all()
    case = get_scoped(visible(qs.filter(kind=CaseKind.DARURAT), actor), actor, pk=case_id)
    return case


@transaction.atomic
def emergency_call_record(
    *,
    actor: Actor,
    kind: str,
    text: str,
    address: str,
    caller_phone: str = "",
    desa: Region | None = None,
    latitude: object = None,
    longitude: object = None,
    unit_ids: Sequence[int] = (),
    received_at: datetime | None = None,
    client_ref: str = "",
) -> Case:
    """Record a 112 call as an emergency case and send the bodies chosen, in one transaction.

    The case goes through `case_file` (checks, routing to the 112 centre, history, audit); the
    caller's number is its reporter's phone (shown only to those who may see reporters). A repeated
    `client_ref` (a double submit) returns the first case and sends nobody twice."""
    actor.require(caps.EMERGENCY_DESK)
    if kind not in EmergencyKind.values:
        raise InvalidInput(
            _("Choose the kind of emergency."),
            code="reports.emergency_kind",
            details=[{"field": "kind", "message": _("Required.")}],
        )
    address = text_clean(address, limit=MAX_ADDRESS, field="address").replace("\n", " ")
    now = timezone.now()
    received = _moment(received_at, now=now, field="received_at")
    units = _units(unit_ids)
    if client_ref:
        existing = (
            EmergencyCall.objects.filter(case__client_ref=client_ref[:64]).select_related("case").first()
        )
        if existing is not None:
            return existing.case
    case = case_file(
        actor=actor,
        text=text,
        channel=CaseChannel.CALL112,
        kind=CaseKind.DARURAT,
        category=CATEGORY_OF_EMERGENCY[kind],
        desa=desa,
        phone=caller_phone,
        latitude=latitude,
        longitude=longitude,
        client_ref=client_ref,
    )
    if received < case.received_at:  # the call was answered before the form was sent
        Case.objects.filter(pk=case.pk).update(received_at=received)
        case.received_at = received
    EmergencyCall.objects.create(
        case=case, kind=kind, address=address, received_at=received, taken_by=actor.user
    )
    audit_record(
        actor=actor,
        action="reports.emergency.call",
        obj=case,
        summary={"kind": kind, "desa": desa.code if desa else "", "units": [u.pk for u in units]},
    )
    if units:
        _dispatch(actor, case, units, now=now)
    return case


def _dispatch(actor: Actor, case: Case, units: list[Unit], *, now: datetime) -> list[EmergencyDispatch]:
    already = set(EmergencyDispatch.objects.filter(case=case).values_list("unit_id", flat=True))
    made = []
    for unit in units:
        if unit.pk in already:
            continue
        made.append(
            EmergencyDispatch.objects.create(
                case=case, unit=unit, dispatched_at=now, dispatched_by=actor.user
            )
        )
        CaseEvent.objects.create(
            case=case,
            action="dispatch",
            from_status=case.status,
            to_status=case.status,
            actor=actor.user,
            actor_unit_id=actor.unit_id,
            unit=unit,
            at=now,
            note=unit.name,
        )
    if made:
        audit_record(
            actor=actor,
            action="reports.emergency.dispatch",
            obj=case,
            summary={"units": [d.unit_id for d in made]},
        )
    return made


@transaction.atomic
def emergency_dispatch(*, actor: Actor, case_id: int, unit_ids: Sequence[int]) -> list[EmergencyDispatch]:
    """Send more bodies to an open emergency (a body already sent is not sent twice)."""
    actor.require(caps.EMERGENCY_DESK)
    case = _emergency(actor, case_id)
    if case.is_finished:
        raise Conflict(_("This emergency is over."), code="reports.emergency_finished")
    units = _units(unit_ids)
    if not units:
        raise InvalidInput(
            _("Choose the body to send."),
            code="reports.units_required",
            details=[{"field": "units", "message": _("Required.")}],
        )
    return _dispatch(actor, case, units, now=timezone.now())


STAGE_FIELDS = {
    DispatchStage.ACKNOWLEDGED: ("acknowledged_at", "acknowledged_by"),
    DispatchStage.ON_SCENE: ("on_scene_at", "on_scene_by"),
    DispatchStage.CLOSED: ("closed_at", "closed_by"),
}


@transaction.atomic
def emergency_time_log(
    *, actor: Actor, dispatch_id: int, stage: str, at: datetime | None = None
) -> EmergencyDispatch:
    """Log when a body acknowledged, reached the scene or finished (now, or a time given: not in
    the future, not before it was sent). Each step once; finishing also needs no later step."""
    actor.require(caps.EMERGENCY_DESK)
    if stage not in STAGE_FIELDS:
        raise InvalidInput(_("Unknown step."), code="reports.stage", details=[{"field": "stage"}])
    found = (
        EmergencyDispatch.objects.select_for_update()
        .select_related("case", "unit")
        .filter(pk=dispatch_id, case__kind=CaseKind.DARURAT)
        .first()
    )
    if found is None:
        raise NotFound(_("Not found."))
    case = _emergency(actor, found.case_id, lock=False)  # within the desk's area
    at_field, by_field = STAGE_FIELDS[stage]  # type: ignore[index]
    if getattr(found, at_field) is not None:
        raise Conflict(_("This step was already logged."), code="reports.stage_logged")
    if found.closed_at is not None:
        raise Conflict(_("This body has finished."), code="reports.dispatch_closed")
    now = timezone.now()
    moment = _moment(at, now=now, field="at", not_before=found.dispatched_at)
    setattr(found, at_field, moment)
    setattr(found, by_field, actor.user)
    found.save(update_fields=[at_field, by_field])
    CaseEvent.objects.create(
        case=case,
        action=f"dispatch_{stage}",
        from_status=case.status,
        to_status=case.status,
        actor=actor.user,
        actor_unit_id=actor.unit_id,
        unit=found.unit,
        at=moment,
        note=found.unit.name,
    )
    audit_record(
        actor=actor,
        action=f"reports.emergency.{stage}",
        obj=case,
        summary={"dispatch": found.pk, "unit": found.unit_id, "at": moment.isoformat()},
    )
    return found


@transaction.atomic
def emergency_mark_prank(*, actor: Actor, case_id: int, note: str = "") -> Case:
    """A prank call: the case is rejected (no SMS to the caller) and counted apart."""
    actor.require(caps.EMERGENCY_DESK)
    case = case_transition(actor=actor, case_id=case_id, action="mark_prank", note=note)
    EmergencyCall.objects.filter(case=case).update(prank=True, marked_by=actor.user, marked_at=timezone.now())
    return case


@transaction.atomic
def emergency_mark_duplicate(*, actor: Actor, case_id: int, original_code: str, note: str = "") -> Case:
    """A repeated call about an emergency already recorded: joined to it (merged)."""
    actor.require(caps.EMERGENCY_DESK)
    case = case_transition(
        actor=actor, case_id=case_id, action="mark_duplicate", target_code=original_code, note=note
    )
    EmergencyCall.objects.filter(case=case).update(
        duplicate_of_id=case.merged_into_id, marked_by=actor.user, marked_at=timezone.now()
    )
    return case


def emergency_close(*, actor: Actor, case_id: int, note: str = "") -> Case:
    """The emergency is over (every body sent has finished)."""
    actor.require(caps.EMERGENCY_DESK)
    return case_transition(actor=actor, case_id=case_id, action="emergency_close", note=note)
