"""Writes for outreach planning, field devices and assignments. Sync lives in `sync.py`."""

from __future__ import annotations

import gzip
import json
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from warga.accounts.models import User, role_rows
from warga.audit.services import audit_record
from warga.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from warga.core.scoping import Actor, code_within, get_scoped, scoped, unscoped
from warga.regions.models import Region, RegionLevel

from .capabilities import OUTREACH_DEVICES, OUTREACH_FIELD, OUTREACH_PLAN, OUTREACH_VIEW
from .models import (
    Assignment,
    Device,
    EquipmentSet,
    EventStatus,
    MovedResidentNotice,
    OutreachEvent,
    Service,
    Target,
    TargetKind,
    Team,
    Vehicle,
    VehicleKind,
)
from .selectors import field_officers, unsigned_applications, unsigned_applications_of

ASSIGNMENT_DAYS_AFTER_EVENT = 3


def _assignment_days() -> int:
    return int(getattr(settings, "OUTREACH_ASSIGNMENT_DAYS", ASSIGNMENT_DAYS_AFTER_EVENT))


# --- Teams -----------------------------------------------------------------------------------
@transaction.atomic
def team_create(
    *,
    actor: Actor,
    name: str,
    area: Region,
    members: Sequence[User],
    capacity_per_day: int,
    vehicles: Sequence[tuple[str, str]] = (),
    equipment: Sequence[tuple[str, str]] = (),
) -> Team:
    actor.require(OUTREACH_PLAN)
    if not actor.covers(area.code):
        raise NotFound(_("Not found."))
    if not name.strip():
        raise InvalidInput(_("Give the team a name."))
    if capacity_per_day < 1:
        raise InvalidInput(_("A team serves at least one person a day."))
    allowed = set(field_officers(actor=actor).values_list("pk", flat=True))
    if not members:
        raise InvalidInput(_("A team needs at least one member."))
    for member in members:
        if member.pk not in allowed:
            raise InvalidInput(
                _("%(name)s cannot join an outreach team here.")
                % {"name": member.get_full_name() or member.username}
            )
    kinds = {k for k, _label in VehicleKind.choices}
    for kind, _label in vehicles:
        if kind not in kinds:
            raise InvalidInput(_("Unknown vehicle kind."))
    team = Team.objects.create(
        name=name.strip(), area=area, unit_id=actor.unit_id, capacity_per_day=capacity_per_day
    )
    team.members.set(members)
    Vehicle.objects.bulk_create(
        [Vehicle(team=team, kind=k, label=label.strip()) for k, label in vehicles if label]
    )
    EquipmentSet.objects.bulk_create(
        [
            EquipmentSet(team=team, code=code.strip(), description=desc.strip())
            for code, desc in equipment
            if code
        ]
    )
    audit_record(
        actor=actor,
        action="outreach.team.create",
        obj=team,
        summary={"members": len(members), "vehicles": len(vehicles), "equipment": len(equipment)},
    )
    return team


# --- Events and targets ----------------------------------------------------------------------
@transaction.atomic
def event_create(
    *,
    actor: Actor,
    team: Team,
    day: date,
    desa: Region,
    meeting_point: str,
    services: Sequence[str],
    dusun: str = "",
) -> OutreachEvent:
    actor.require(OUTREACH_PLAN)
    team = get_scoped(Team.objects.all(), actor, pk=team.pk)
    if desa.level != RegionLevel.DESA or not actor.covers(desa.code):
        raise NotFound(_("Not found."))
    if not code_within(desa.code, team.area_id):
        raise InvalidInput(_("This desa is outside the team's area."))
    if day < timezone.localdate():
        raise InvalidInput(_("An outreach day cannot be in the past."))
    valid = {code for code, _label in Service.choices}
    services = [s for s in dict.fromkeys(services) if s]
    if not services or any(s not in valid for s in services):
        raise InvalidInput(_("Choose at least one service the team brings."))
    if not meeting_point.strip():
        raise InvalidInput(_("Give a meeting point residents can find."))
    with unscoped("a team is in one place a day, in whichever area"):
        busy = (
            OutreachEvent.objects.filter(team=team, date=day).exclude(status=EventStatus.CANCELLED).exists()
        )
    if busy:
        raise Conflict(_("This team already has an outreach day on that date."))
    event = OutreachEvent.objects.create(
        team=team,
        date=day,
        desa=desa,
        dusun=dusun.strip(),
        meeting_point=meeting_point.strip(),
        services=services,
        created_by=actor.user,
    )
    audit_record(actor=actor, action="outreach.event.create", obj=event, summary={"services": services})
    return event


def _event_residents(event: OutreachEvent) -> Any:
    """The living residents of the event's desa (and dusun, when it names one)."""
    from warga.registry.models import LifeStatus, Resident

    qs = Resident.objects.filter(desa=event.desa, life_status=LifeStatus.ALIVE)
    if event.dusun:
        qs = qs.filter(address__icontains=event.dusun)
    return qs


def _target_residents(event: OutreachEvent, statuses: Sequence[str]) -> Any:
    from warga.cards.selectors import filter_residents_by_ktp_status

    return filter_residents_by_ktp_status(_event_residents(event), statuses, on=event.date)


def _signature_residents(event: OutreachEvent) -> Any:
    return _event_residents(event).filter(
        pk__in=unsigned_applications().filter(applicant__isnull=False).values("applicant_id")
    )


TARGET_STATUSES: dict[str, tuple[str, list[str]]] = {
    Service.KTP_RECORDING: (TargetKind.KTP_RECORDING, ["not_recorded"]),
    Service.CARD_HANDOVER: (TargetKind.CARD_HANDOVER, ["printed", "sent_to_kecamatan"]),
}


def _wanted_targets(event: OutreachEvent) -> dict[str, Any]:
    """For each target kind the event's services call for, the residents it should reach."""
    wanted: dict[str, Any] = {}
    for service, (kind, statuses) in TARGET_STATUSES.items():
        if service in event.services:
            wanted[kind] = _target_residents(event, statuses)
    if Service.APPLICATIONS in event.services:
        wanted[TargetKind.APPLICATION_SIGNATURE] = _signature_residents(event)
    return wanted


@transaction.atomic
def event_targets_build(*, actor: Actor, event: OutreachEvent) -> dict[str, int]:
    """(Re)build the target list from the register; targets already served are kept, unserved
    ones nobody needs any more are removed."""
    actor.require(OUTREACH_PLAN)
    event = get_scoped(OutreachEvent.objects.select_for_update(), actor, pk=event.pk)
    if event.status in (EventStatus.DONE, EventStatus.CANCELLED):
        raise Conflict(_("The targets of a finished or cancelled event cannot change."))
    counts: dict[str, int] = {}
    for kind, residents in _wanted_targets(event).items():
        wanted = set(residents.values_list("pk", flat=True))
        existing = dict(Target.objects.filter(event=event, kind=kind).values_list("resident_id", "served_at"))
        stale = [rid for rid, served in existing.items() if rid not in wanted and served is None]
        Target.objects.filter(event=event, kind=kind, resident_id__in=wanted, on_list=False).update(
            on_list=True
        )
        Target.objects.filter(event=event, kind=kind, resident_id__in=stale).delete()
        Target.objects.bulk_create(
            [Target(event=event, resident_id=rid, kind=kind) for rid in wanted - set(existing)],
            batch_size=1000,
        )
        counts[kind] = Target.objects.filter(event=event, kind=kind, on_list=True).count()
    event.targets_built_at = timezone.now()
    event.save(update_fields=["targets_built_at"])
    audit_record(actor=actor, action="outreach.event.targets", obj=event, summary=counts)
    return counts


@transaction.atomic
def event_announce(*, actor: Actor, event: OutreachEvent, text: str) -> bool:
    """SMS broadcast to the event's target groups (approved by a supervisor before it goes out)
    and the desa's running-text board until the end of the day. Returns whether an SMS broadcast
    was prepared (none when nobody targeted has a verified number with consent)."""
    from warga.boards.services import announcement_create
    from warga.messaging.services import broadcast_create

    actor.require(OUTREACH_PLAN)
    event = get_scoped(OutreachEvent.objects.select_for_update().select_related("desa"), actor, pk=event.pk)
    if event.status != EventStatus.PLANNED:
        raise Conflict(_("Only a planned event can be announced."))
    text = " ".join(text.split())
    if not text:
        raise InvalidInput(_("Write the announcement text."))
    statuses = [s for service, (_k, sts) in TARGET_STATUSES.items() if service in event.services for s in sts]
    sms = False
    if statuses:
        try:
            with transaction.atomic():
                broadcast_create(
                    actor=actor,
                    text=text,
                    area_code=event.desa_id,
                    segment={"ktp_statuses": statuses},
                    name=_("Outreach %(date)s %(desa)s")
                    % {"date": event.date.isoformat(), "desa": event.desa.name},
                )
            sms = True
        except InvalidInput as exc:
            if exc.code != "broadcast.empty":
                raise
    tz = timezone.get_current_timezone()
    announcement_create(
        actor=actor,
        desa_codes=[event.desa_id],
        text=text,
        starts_at=timezone.now(),
        ends_at=datetime.combine(event.date, time(23, 59), tzinfo=tz),
        priority=1,
    )
    event.status = EventStatus.ANNOUNCED
    event.announced_at = timezone.now()
    event.save(update_fields=["status", "announced_at"])
    audit_record(actor=actor, action="outreach.event.announce", obj=event, summary={"sms": sms})
    return sms


@transaction.atomic
def event_close(*, actor: Actor, event: OutreachEvent, cancelled: bool = False) -> OutreachEvent:
    actor.require(OUTREACH_PLAN)
    event = get_scoped(OutreachEvent.objects.select_for_update(), actor, pk=event.pk)
    if event.status in (EventStatus.DONE, EventStatus.CANCELLED):
        raise Conflict(_("This event is already closed."))
    event.status = EventStatus.CANCELLED if cancelled else EventStatus.DONE
    event.save(update_fields=["status"])
    audit_record(actor=actor, action=f"outreach.event.{event.status}", obj=event)
    return event


def target_mark_served(*, event: OutreachEvent, resident_id: int, kind: str, by: User | None) -> None:
    """Called inside a sync transaction when a field record served a resident at the event. One
    of its targets is marked served; a resident not on the list is kept as served outside it
    (`on_list=False`), so the event's results count them apart."""
    marked = Target.objects.filter(
        event=event, resident_id=resident_id, kind=kind, served_at__isnull=True
    ).update(served_at=timezone.now(), served_by=by)
    if not marked:
        _target, created = Target.objects.get_or_create(
            event=event,
            resident_id=resident_id,
            kind=kind,
            defaults={"on_list": False, "served_at": timezone.now(), "served_by": by},
        )
        marked = int(created)
    if marked:
        from warga.facts.services import fact_touch

        fact_touch(domain="outreach", region_code=event.desa_id, day=event.date)


def targets_mark_served_many(
    *, event: OutreachEvent, resident_ids: list[int], kind: str, by: User | None
) -> None:
    """`target_mark_served` for several residents of one event in three statements (a batch of
    field records): their open targets are marked served, and those with no target of this kind
    at the event get one outside the list."""
    if not resident_ids:
        return
    now = timezone.now()
    Target.objects.filter(
        event=event, resident_id__in=resident_ids, kind=kind, served_at__isnull=True
    ).update(served_at=now, served_by=by)
    have = set(
        Target.objects.filter(event=event, resident_id__in=resident_ids, kind=kind).values_list(
            "resident_id", flat=True
        )
    )
    Target.objects.bulk_create(
        [
            Target(event=event, resident_id=rid, kind=kind, on_list=False, served_at=now, served_by=by)
            for rid in dict.fromkeys(resident_ids)
            if rid not in have
        ]
    )


def targets_mark_served_elsewhere(*, resident_id: int, kind: str, by: User | None) -> int:
    """Another app served a resident outside the field app (a card handed over at the office): the
    matching targets of events still to come or under way count as served. Runs in the caller's
    transaction; returns how many targets were marked."""
    return Target.objects.filter(
        resident_id=resident_id,
        kind=kind,
        served_at__isnull=True,
        event__status__in=[EventStatus.PLANNED, EventStatus.ANNOUNCED],
    ).update(served_at=timezone.now(), served_by=by)


# --- Devices -----------------------------------------------------------------------------------
@transaction.atomic
def device_register(*, actor: Actor, label: str) -> tuple[Device, str]:
    """Register a phone to the logged-in officer. Returns the device and its token (shown once)."""
    actor.require(OUTREACH_FIELD)
    if actor.user is None:
        raise NotAllowed(_("You do not have permission for this action."))
    label = label.strip()[:80]
    if not label:
        raise InvalidInput(_("Give this phone a name (for example its brand and colour)."))
    token = Device.new_token()
    device = Device.objects.create(user=actor.user, label=label, token_hash=Device.hash_token(token))
    audit_record(actor=actor, action="outreach.device.register", obj=device)
    return device, token


@transaction.atomic
def device_revoke(*, actor: Actor, device: Device) -> Device:
    """Stop a device's sync; the app wipes its local data the next time it reaches the server."""
    if not (actor.can(OUTREACH_DEVICES) or (actor.user is not None and device.user_id == actor.user.pk)):
        raise NotAllowed(_("You do not have permission for this action."))
    if actor.user is not None and device.user_id != actor.user.pk:
        device = get_scoped(Device.objects.select_for_update(), actor, pk=device.pk)
    if device.revoked_at:
        raise Conflict(_("This device is already revoked."))
    device.revoked_at = timezone.now()
    device.revoked_by = actor.user
    device.save(update_fields=["revoked_at", "revoked_by"])
    audit_record(actor=actor, action="outreach.device.revoke", obj=device)
    return device


def device_authenticate(token: str) -> Device | None:
    """The device behind a token, revoked or not (the caller tells a revoked app to wipe)."""
    if not token.startswith(Device.TOKEN_PREFIX):
        return None
    with unscoped("device authentication: the token names the device before any officer is known"):
        # One statement for the device, its officer and the officer's roles (a row per role): a
        # phone authenticates on every request, three per batch it syncs.
        rows = list(
            Device.objects.select_related("user")
            .filter(token_hash=Device.hash_token(token))
            .annotate(**role_rows("user__"))
        )
        if not rows or not rows[0].user.is_active:
            return None
        device = rows[0]
        device.user.roles_from_rows(rows)
        now = timezone.now()
        if not device.last_seen_at or (now - device.last_seen_at).total_seconds() > 60:
            Device.objects.filter(pk=device.pk).update(last_seen_at=now)
    return device


@transaction.atomic
def device_wipe_confirm(*, device: Device) -> None:
    Device.objects.filter(pk=device.pk, wipe_confirmed_at__isnull=True).update(
        wipe_confirmed_at=timezone.now()
    )


# --- Assignments -------------------------------------------------------------------------------
ASSIGNMENT_FIELDS = ["id", "nik", "name", "birth", "sex", "rw", "rt", "address", "version", "targets"]


def _assignment_payload(assignment: Assignment, actor: Actor) -> dict[str, Any]:
    from warga.registry.models import LifeStatus, Resident

    event = assignment.event
    kinds = {k: i for i, k in enumerate(TargetKind.values)}
    target_bits: dict[int, int] = {}
    for rid, kind in Target.objects.filter(event=event, on_list=True).values_list("resident_id", "kind"):
        target_bits[rid] = target_bits.get(rid, 0) | (1 << kinds[kind])
    rows = []
    residents = scoped(Resident.objects.filter(desa=event.desa, life_status=LifeStatus.ALIVE), actor)
    for r in residents.order_by("full_name").values_list(
        "id", "nik", "full_name", "birth_date", "sex", "rw", "rt", "address", "version"
    ):
        rid, nik, name, birth, sex, rw, rt, address, version = r
        rows.append(
            [rid, nik, name, birth.isoformat(), sex, rw, rt, address, version, target_bits.get(rid, 0)]
        )
    return {
        "v": 1,
        "assignment": str(assignment.public_id),
        "expires_at": assignment.expires_at.isoformat(),
        "event": {
            "id": event.pk,
            "date": event.date.isoformat(),
            "desa": event.desa_id,
            "desa_name": event.desa.display_name,
            "dusun": event.dusun,
            "meeting_point": event.meeting_point,
            "services": event.services,
            "team": event.team.name,
            "equipment": list(event.team.equipment.values_list("code", flat=True)),
        },
        "target_kinds": TargetKind.values,
        "fields": ASSIGNMENT_FIELDS,
        "residents": rows,
        "signatures": _assignment_signatures(event, actor),
        "reference": _reference_lists(),
    }


def _assignment_signatures(event: OutreachEvent, actor: Actor) -> dict[str, list[list[str]]]:
    """Per resident id (as text: a JSON key), the applications whose form they should sign, as
    [tracking code, service name], so the officer brings the right form. Only the targets' ones."""
    targeted = Target.objects.filter(event=event, kind=TargetKind.APPLICATION_SIGNATURE, on_list=True).values(
        "resident_id"
    )
    return {
        str(rid): [list(pair) for pair in pairs]
        for rid, pairs in unsigned_applications_of(actor=actor, resident_ids=targeted).items()
    }


def _reference_lists() -> dict[str, Any]:
    from .records import reference_lists

    return reference_lists()


@transaction.atomic
def assignment_issue(*, actor: Actor, device: Device, event: OutreachEvent) -> tuple[Assignment, bytes]:
    """Give a device an event's data for offline work. Returns the assignment and its gzip JSON."""
    actor.require(OUTREACH_FIELD)
    if device.is_revoked or actor.user is None or device.user_id != actor.user.pk:
        raise NotAllowed(_("This device may not download assignments."))
    event = get_scoped(OutreachEvent.objects.select_related("desa", "team"), actor, pk=event.pk)
    if event.status == EventStatus.CANCELLED:
        raise Conflict(_("This outreach day was cancelled."))
    if not event.team.members.filter(pk=actor.user.pk).exists():
        raise NotAllowed(_("You are not a member of this event's team."))
    tz = timezone.get_current_timezone()
    expires = datetime.combine(event.date + timedelta(days=_assignment_days()), time(23, 59), tzinfo=tz)
    if expires <= timezone.now():
        raise Conflict(_("This outreach day is over; its assignment can no longer be downloaded."))
    assignment = Assignment.objects.create(event=event, device=device, expires_at=expires)
    payload = _assignment_payload(assignment, actor)
    body = gzip.compress(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode(), 6)
    assignment.residents_count = len(payload["residents"])
    assignment.size_bytes = len(body)
    assignment.resident_ids = [row[0] for row in payload["residents"]]
    assignment.save(update_fields=["residents_count", "size_bytes", "resident_ids"])
    audit_record(
        actor=actor,
        action="outreach.assignment.download",
        obj=assignment,
        summary={"event": event.pk, "residents": assignment.residents_count, "device": str(device.public_id)},
    )
    return assignment, body


@transaction.atomic
def assignment_extend(*, actor: Actor, assignment: Assignment, days: int) -> Assignment:
    """Let a late sync through: the records captured on the day are still wanted."""
    actor.require(OUTREACH_DEVICES)
    assignment = get_scoped(Assignment.objects.select_for_update(), actor, pk=assignment.pk)
    if not 1 <= days <= 14:
        raise InvalidInput(_("Extend by 1 to 14 days."))
    base = max(assignment.expires_at, timezone.now())
    assignment.expires_at = base + timedelta(days=days)
    assignment.save(update_fields=["expires_at"])
    audit_record(actor=actor, action="outreach.assignment.extend", obj=assignment, summary={"days": days})
    return assignment


@transaction.atomic
def moved_notice_mark_seen(*, actor: Actor, notice_id: int) -> MovedResidentNotice:
    """The receiving office saw that a field record was applied to one of its residents."""
    actor.require(OUTREACH_VIEW)
    notice = get_scoped(MovedResidentNotice.objects.select_for_update(of=("self",)), actor, pk=notice_id)
    if notice.seen_at is None:
        notice.seen_at = timezone.now()
        notice.seen_by = actor.user
        notice.save(update_fields=["seen_at", "seen_by"])
        audit_record(actor=actor, action="outreach.moved_resident.seen", obj=notice)
    return notice
