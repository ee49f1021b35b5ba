"""An office's queue set-up: the office itself, its services (with their ticket letter and
daily quota), its counters (with the services each serves) and a day's own quota."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from warga.audit.services import audit_record
from warga.core.errors import Conflict, InvalidInput
from warga.core.scoping import Actor, get_scoped
from warga.facts.figures import office_figure
from warga.org.models import Unit, UnitKind

from ..models import Counter, QueueOffice, QueueService, ServiceDay

OFFICE_KINDS = (UnitKind.DISDUKCAPIL, UnitKind.KECAMATAN_OFFICE)


def _problem(field: str, code: str, message: str) -> InvalidInput:
    return InvalidInput(message, code=code, details=[{"field": field, "code": code, "message": message}])


@transaction.atomic
def office_setup(
    *,
    actor: Actor,
    unit_id: int,
    opens_at: time,
    closes_at: time,
    friday_closes_at: time | None = None,
    slot_minutes: int = 30,
    booking_days: int = 14,
) -> QueueOffice:
    """Create or update the queue of an office (the Disdukcapil or a kecamatan office)."""
    actor.require("queues.manage")
    unit = get_scoped(Unit.objects.filter(kind__in=OFFICE_KINDS, is_active=True), actor, pk=unit_id)
    if closes_at <= opens_at or (friday_closes_at is not None and friday_closes_at <= opens_at):
        raise _problem("closes_at", "queues.hours", _("The office must close after it opens."))
    if not 5 <= slot_minutes <= 240:
        raise _problem("slot_minutes", "queues.slot_minutes", _("A booking slot lasts 5 to 240 minutes."))
    if not 0 <= booking_days <= 90:
        raise _problem("booking_days", "queues.booking_days", _("Bookings open at most 90 days ahead."))
    office, created = QueueOffice.objects.update_or_create(
        unit=unit,
        defaults={
            "opens_at": opens_at,
            "closes_at": closes_at,
            "friday_closes_at": friday_closes_at,
            "slot_minutes": slot_minutes,
            "booking_days": booking_days,
            "is_active": True,
        },
    )
    audit_record(actor=actor, action="queues.office.setup", obj=office, summary={"created": created})
    return office


@dataclass(frozen=True)
class ServiceInput:
    code: str
    letter: str
    name: str
    kind: str
    daily_quota: int | None = None
    quota_source: str = ""  # a live office figure's key (`warga.facts.figures`); "": the typed quota
    slot_capacity: int = 4
    bookable: bool = True
    average_minutes: int = 10
    is_active: bool = True


def service_save(
    *, actor: Actor, office_id: int, data: ServiceInput, service_id: int | None = None
) -> QueueService:
    """Add a service to the office, or change one: the one given by `service_id`, else the
    office's service with the same ticket letter. Its daily quota is typed or follows a live
    office figure (`quota_source`: cards ready for pick-up, blanks allotted today, …)."""
    actor.require("queues.manage")
    office = get_scoped(QueueOffice.objects.all(), actor, pk=office_id)
    code = "".join(data.code.split()).upper()
    letter = data.letter.strip().upper()
    if not code.isalnum() or len(code) > 12:
        raise _problem("code", "queues.code", _("The SMS code is one word of letters and digits."))
    if len(letter) != 1 or not ("A" <= letter <= "Z"):
        raise _problem("letter", "queues.letter", _("The ticket letter is one letter A–Z."))
    if not data.name.strip():
        raise _problem("name", "queues.name", _("Give the service a name."))
    quota_source = (data.quota_source or "").strip()
    if quota_source and office_figure(quota_source) is None:
        raise _problem("quota_source", "queues.quota_source", _("Choose a quota source from the list."))
    if service_id is None:
        service_id = (
            QueueService.objects.filter(office=office, letter=letter).values_list("pk", flat=True).first()
        )
    fields = {
        "code": code,
        "letter": letter,
        "name": data.name.strip()[:120],
        "kind": data.kind,
        "daily_quota": data.daily_quota,
        "quota_source": quota_source,
        "slot_capacity": max(1, data.slot_capacity),
        "bookable": data.bookable,
        "average_minutes": max(1, data.average_minutes),
        "is_active": data.is_active,
    }
    try:
        with transaction.atomic():
            if service_id is None:
                service = QueueService.objects.create(office=office, order=office.services.count(), **fields)
            else:
                service = get_scoped(QueueService.objects.all(), actor, pk=service_id, office=office)
                for name, value in fields.items():
                    setattr(service, name, value)
                service.save()
            audit_record(
                actor=actor,
                action="queues.service.save",
                obj=service,
                summary={"fields": sorted(fields), "quota_source": quota_source or "typed"},
            )
    except IntegrityError as exc:
        raise Conflict(
            _("Another service of this office already has the letter %(letter)s or the code %(code)s.")
            % {"letter": letter, "code": code},
            code="queues.service_taken",
        ) from exc
    return service


def counter_save(
    *,
    actor: Actor,
    office_id: int,
    number: int,
    name: str = "",
    service_ids: list[int],
    is_active: bool = True,
) -> Counter:
    """Create or update counter `number` of the office with the services it serves."""
    actor.require("queues.manage")
    office = get_scoped(QueueOffice.objects.all(), actor, pk=office_id)
    if not 1 <= number <= 999:
        raise _problem("number", "queues.counter_number", _("A counter number is 1 to 999."))
    services = list(QueueService.objects.filter(office=office, pk__in=service_ids))
    if len(services) != len(set(service_ids)):
        raise _problem("services", "queues.service", _("This office does not offer that service."))
    with transaction.atomic():
        counter, created = Counter.objects.update_or_create(
            office=office, number=number, defaults={"name": (name or "").strip()[:60], "is_active": is_active}
        )
        counter.services.set(services)
        audit_record(
            actor=actor,
            action="queues.counter.save",
            obj=counter,
            summary={"created": created, "services": sorted(s.code for s in services)},
        )
    return counter


@transaction.atomic
def quota_set(*, actor: Actor, service_id: int, day: date, quota: int | None, note: str = "") -> ServiceDay:
    """A day's own quota for a service ("card pick-up: as many as cards ready"); None: the
    service's usual quota."""
    actor.require("queues.manage")
    service = get_scoped(QueueService.objects.all(), actor, pk=service_id)
    if quota is not None and quota < 0:
        raise _problem("quota", "queues.quota", _("A quota cannot be negative."))
    service_day, _created = ServiceDay.objects.get_or_create(service=service, day=day)
    service_day.quota = quota
    service_day.quota_note = (note or "").strip()[:200]
    service_day.save(update_fields=["quota", "quota_note"])
    audit_record(
        actor=actor,
        action="queues.quota.set",
        obj=service_day,
        summary={"service": service.code, "day": day.isoformat(), "quota": quota},
    )
    return service_day
