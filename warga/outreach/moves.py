"""Moving targets to another outreach day: one target (`target_move`) or many at once
(`targets_move_many`, after a signed preview), with the same checks for both.

A target moves only while it is waiting: not served, from an event still planned or announced,
to another event of the officer's area still to come, planned or announced, that brings the
service the target needs, held in the desa the resident lives in (the field app lists the
residents of the event's desa), without the resident already on that day's list for the same
kind, and without bringing that day above its team's people per day. Many targets move in one
transaction, each through `target_move` (its own audit row), with one audit row for the whole
operation: one refused target refuses the lot. A selection that changed between the preview
and the confirmation answers with the new preview."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from warga.audit.services import audit_record
from warga.core.errors import Conflict, InvalidInput, ServiceError
from warga.core.scoping import Actor, get_scoped, scoped

from .capabilities import OUTREACH_PLAN
from .models import EventStatus, OutreachEvent, Service, Target, TargetKind

MAX_MOVE = 500
MOVE_SALT = "warga.outreach.targets_move"
TOKEN_MAX_AGE = 2 * 60 * 60
OPEN = (EventStatus.PLANNED, EventStatus.ANNOUNCED)
# The service an event must bring for a target of each kind.
SERVICE_OF_KIND = {
    TargetKind.KTP_RECORDING: Service.KTP_RECORDING,
    TargetKind.CARD_HANDOVER: Service.CARD_HANDOVER,
    TargetKind.APPLICATION_SIGNATURE: Service.APPLICATIONS,
}


def move_destinations(*, actor: Actor, exclude: OutreachEvent | None = None) -> list[OutreachEvent]:
    """The events of the actor's area that can take targets: still to come, planned or announced."""
    qs = scoped(OutreachEvent.objects.all(), actor).filter(status__in=OPEN, date__gte=timezone.localdate())
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return list(qs.select_related("desa", "team").order_by("date", "desa__name", "id")[:200])


def people_on_list(event: OutreachEvent) -> set[int]:
    """The residents on an event's target list (a person with two targets counts once)."""
    return set(Target.objects.filter(event=event, on_list=True).values_list("resident_id", flat=True))


def _refusal(target: Target, to_event: OutreachEvent, people: set[int]) -> str:
    """Why this target cannot move to `to_event` (whose list already holds `people`), or ""."""
    source = target.event
    if target.served_at is not None:
        return _("already served")
    if source.status not in OPEN:
        return _("its outreach day is finished or cancelled")
    if to_event.pk == source.pk:
        return _("already on that day's list")
    if to_event.status not in OPEN or to_event.date < timezone.localdate():
        return _("that day is finished, cancelled or past")
    if SERVICE_OF_KIND[TargetKind(target.kind)] not in to_event.services:
        return _("that day does not bring the service this target needs")
    if target.resident.desa_id != to_event.desa_id:
        return _("the resident lives outside that day's desa")
    if Target.objects.filter(event=to_event, resident_id=target.resident_id, kind=target.kind).exists():
        return _("already on that day's list")
    if target.resident_id not in people and len(people) >= to_event.team.capacity_per_day:
        return _("that day is full: its team serves %(n)d people a day") % {
            "n": to_event.team.capacity_per_day
        }
    return ""


def _destination(actor: Actor, to_event_id: int | None, *, lock: bool = False) -> OutreachEvent:
    if not to_event_id:
        raise InvalidInput(
            _("Choose the outreach day to move the targets to."),
            code="outreach.move_destination",
            details=[{"field": "to", "message": _("Required.")}],
        )
    qs = OutreachEvent.objects.select_related("team", "desa")
    if lock:
        qs = qs.select_for_update(of=("self",))
    return get_scoped(qs, actor, pk=to_event_id)


@transaction.atomic
def target_move(*, actor: Actor, target_id: int, to_event_id: int) -> Target:
    """Move one waiting target to another outreach day (checks in the module's docstring)."""
    actor.require(OUTREACH_PLAN)
    to_event = _destination(actor, to_event_id, lock=True)
    target = get_scoped(
        Target.objects.select_for_update(of=("self",)).select_related("event", "resident"),
        actor,
        pk=target_id,
    )
    refused = _refusal(target, to_event, people_on_list(to_event))
    if refused:
        raise Conflict(
            _("This target cannot move: %(reason)s.") % {"reason": refused}, code="outreach.move_refused"
        )
    source = target.event
    moved = Target.objects.filter(pk=target.pk, event_id=source.pk, served_at__isnull=True).update(
        event=to_event
    )
    if moved != 1:
        raise Conflict(_("Someone else changed this target in the meantime."), code="outreach.target_stale")
    target.event = to_event
    audit_record(
        actor=actor,
        action="outreach.target.move",
        obj=target,
        summary={"from": source.pk, "to": to_event.pk, "kind": target.kind},
    )
    from warga.facts.services import fact_touch

    for event in (source, to_event):
        fact_touch(domain="outreach", region_code=event.desa_id, day=event.date)
    return target


@dataclass
class MoveLine:
    target: Target
    refusal: str = ""


@dataclass
class MovePlan:
    to_event: OutreachEvent
    people_before: int = 0  # residents on the destination's list now
    people_after: int = 0
    lines: list[MoveLine] = field(default_factory=list)
    unknown: int = 0

    @property
    def capacity(self) -> int:
        return self.to_event.team.capacity_per_day

    @property
    def refusals(self) -> list[str]:
        return [x.refusal for x in self.lines if x.refusal]

    @property
    def ok(self) -> bool:
        return bool(self.lines) and not self.unknown and not self.refusals

    @property
    def digest(self) -> str:
        body = f"{self.to_event.pk}:{self.to_event.status}:{self.people_before}|{self.unknown}|" + ",".join(
            f"{x.target.pk}:{x.target.event_id}:{int(x.target.served_at is not None)}" for x in self.lines
        )
        return hashlib.sha256(body.encode()).hexdigest()


def targets_move_plan(
    *, actor: Actor, event: OutreachEvent, target_ids: list[int], to_event_id: int | None, lock: bool = False
) -> MovePlan:
    """The chosen targets of `event`, each checked as `target_move` checks it, in order (a day
    filling up refuses the targets beyond its capacity); others are counted as not found."""
    actor.require(OUTREACH_PLAN)
    ids = list(dict.fromkeys(target_ids))
    if not ids:
        raise InvalidInput(_("Tick the targets to move."), code="outreach.move_empty")
    if len(ids) > MAX_MOVE:
        raise InvalidInput(
            _("At most %(max)d targets at once.") % {"max": MAX_MOVE}, code="outreach.move_too_many"
        )
    plan = MovePlan(to_event=_destination(actor, to_event_id, lock=lock))
    qs = scoped(Target.objects.filter(event=event, pk__in=ids), actor)
    if lock:
        qs = qs.select_for_update(of=("self",))
    found = list(qs.select_related("event", "resident").order_by("resident__full_name", "pk"))
    plan.unknown = len(ids) - len(found)
    people = people_on_list(plan.to_event)
    plan.people_before = len(people)
    for target in found:
        refused = _refusal(target, plan.to_event, people)
        line = MoveLine(target=target)
        if refused:
            line.refusal = f"{target.resident.full_name} ({target.get_kind_display()}): {refused}"
        else:
            people.add(target.resident_id)
        plan.lines.append(line)
    plan.people_after = len(people)
    return plan


def move_token(plan: MovePlan) -> str:
    return signing.dumps({"d": plan.digest}, salt=MOVE_SALT)


@transaction.atomic
def targets_move_many(
    *, actor: Actor, event: OutreachEvent, target_ids: list[int], to_event_id: int | None, token: str
) -> int:
    """Move every previewed target of `event` to the other day, or none. Returns how many."""
    plan = targets_move_plan(
        actor=actor, event=event, target_ids=target_ids, to_event_id=to_event_id, lock=True
    )
    try:
        signed = signing.loads(token or "", salt=MOVE_SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature as exc:
        raise Conflict(
            _("The preview is no longer valid. Preview again."), code="outreach.move_token"
        ) from exc
    if signed.get("d") != plan.digest:
        raise Conflict(
            _("These targets or that day changed since the preview. Check the new preview."),
            code="outreach.move_stale",
        )
    if not plan.ok:
        raise Conflict(
            (plan.refusals or [_("Some chosen targets were not found.")])[0], code="outreach.move_refused"
        )
    for line in plan.lines:
        try:
            target_move(actor=actor, target_id=line.target.pk, to_event_id=plan.to_event.pk)
        except ServiceError as exc:
            raise Conflict(f"{line.target.resident.full_name}: {exc}", code="outreach.move_refused") from exc
    audit_record(
        actor=actor,
        action="outreach.targets.move",
        obj=event,
        summary={"targets": len(plan.lines), "to": plan.to_event.pk},
    )
    return len(plan.lines)
