"""What the queue's services share: the clock, office hours on the working-day calendar, the
lock on a service's day and the count of quota places taken."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import holidays
from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from holidays.constants import GOVERNMENT, PUBLIC

from warga.core.errors import InvalidInput, NotAllowed
from warga.core.scoping import Actor
from warga.core.workdays import WorkCalendar
from warga.facts.figures import office_figure, office_figure_value

from ..models import (
    HOLDING_TICKET,
    Booking,
    BookingStatus,
    Counter,
    QueueOffice,
    QueueService,
    ServiceDay,
    Ticket,
)


def now() -> datetime:
    return timezone.now()


def grace() -> timedelta:
    """How long after its slot a booking still holds its place (then the slot is free again)."""
    return timedelta(minutes=int(getattr(settings, "QUEUES_BOOKING_GRACE_MINUTES", 30)))


def show_day(day: date) -> str:
    return date_format(day, "DATE_FORMAT")


def _holiday_name(day: date) -> str | None:
    names = holidays.country_holidays("ID", categories=(PUBLIC, GOVERNMENT), years=day.year, language="id")
    name = names.get(day)
    return str(name) if name else None


def day_check(office: QueueOffice, day: date, *, field: str = "day") -> None:
    """The office serves on `day`: a working day of the calendar (no weekend, public holiday,
    cuti bersama or closure day)."""
    if WorkCalendar().is_working_day(day) and office.is_active:
        return
    holiday = _holiday_name(day)
    if holiday:
        message = _("%(day)s is a public holiday (%(name)s): the office is closed.") % {
            "day": show_day(day),
            "name": holiday,
        }
        code = "queues.holiday"
    else:
        message = _("The office is closed on %(day)s.") % {"day": show_day(day)}
        code = "queues.closed_day"
    raise InvalidInput(message, code=code, details=[{"field": field, "code": code, "message": message}])


def closing_time(office: QueueOffice, day: date) -> time:
    if day.weekday() == 4 and office.friday_closes_at:
        return office.friday_closes_at
    return office.closes_at


def office_hours(office: QueueOffice, day: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    opens = timezone.make_aware(datetime.combine(day, office.opens_at), tz)
    closes = timezone.make_aware(datetime.combine(day, closing_time(office, day)), tz)
    return opens, closes


def slots_of(office: QueueOffice, day: date) -> list[tuple[datetime, datetime]]:
    """The booking slots of a day: office hours cut in `slot_minutes`."""
    opens, closes = office_hours(office, day)
    step = timedelta(minutes=max(5, office.slot_minutes))
    slots = []
    start = opens
    while start + step <= closes:
        slots.append((start, start + step))
        start += step
    return slots


def operator_check(actor: Actor, office: QueueOffice) -> None:
    """Counters are operated by the office's own staff."""
    actor.require("queues.operate")
    if actor.unit_id != office.unit_id:
        raise NotAllowed(_("You operate only the counters of your own office."), code="queues.other_office")


def service_day_lock(service: QueueService, day: date) -> ServiceDay:
    """The row of this service and day, locked until the transaction ends: every write that
    takes a quota place or a ticket number goes through it (PostgreSQL: SELECT … FOR UPDATE;
    SQLite: the IMMEDIATE transaction already holds the database's write lock)."""
    ServiceDay.objects.get_or_create(service=service, day=day)
    qs = ServiceDay.objects.filter(service=service, day=day)
    if connection.features.has_select_for_update:
        qs = qs.select_for_update()
    return qs.get()


# Where a day's quota comes from besides a live office figure (`warga.facts.figures` keys).
QUOTA_DAY = "day"  # the day's own quota, set by a manager (wins over everything)
QUOTA_TYPED = ""  # the service's typed daily quota


@dataclass(frozen=True)
class DayQuota:
    """A service's quota on a day and where it comes from."""

    value: int | None  # None: no limit
    source: str  # QUOTA_DAY, QUOTA_TYPED or the key of the office figure it follows
    note: str = ""

    @property
    def source_label(self) -> str:
        if self.source == QUOTA_DAY:
            return _("set for the day")
        if self.source == QUOTA_TYPED:
            return _("typed number")
        figure = office_figure(self.source)
        return str(figure.label) if figure else self.source


def quota_source_label(key: str) -> str:
    """How the service form and pages name a quota source."""
    if not key:
        return _("Typed number")
    figure = office_figure(key)
    return (
        str(figure.label) if figure else _("Unknown source %(key)s (the typed number applies)") % {"key": key}
    )


def day_quota(service: QueueService, day: date, service_day: ServiceDay | None = None) -> DayQuota:
    """The quota of `service` on `day`: the day's own quota when a manager set one, else the live
    office figure the service follows (read now from the app that owns it: cards ready for
    pick-up, blanks allotted that day), else the typed daily quota. A figure no installed app
    provides any more falls back to the typed quota. `service.office` is read (select it)."""
    if service_day is not None and service_day.quota is not None:
        return DayQuota(service_day.quota, QUOTA_DAY, service_day.quota_note)
    if service.quota_source:
        value = office_figure_value(service.quota_source, service.office.unit_id, day)
        if value is not None:
            return DayQuota(value, service.quota_source)
    return DayQuota(service.daily_quota, QUOTA_TYPED)


def quota_of(service: QueueService, service_day: ServiceDay) -> int | None:
    return day_quota(service, service_day.day, service_day).value


def holding_bookings(service: QueueService, day: date, at: datetime) -> Q:
    """Bookings that hold a place: checked in, or booked and not yet past their slot's grace."""
    return Q(service=service, day=day) & (
        Q(status=BookingStatus.CHECKED_IN) | Q(status=BookingStatus.BOOKED, slot_end__gte=at - grace())
    )


def places_taken(service: QueueService, day: date, at: datetime) -> int:
    bookings = Booking.objects.filter(holding_bookings(service, day, at)).count()
    walk_ins = Ticket.objects.filter(
        first_service=service, day=day, booking__isnull=True, status__in=HOLDING_TICKET
    ).count()
    return bookings + walk_ins


def counter_services(counter: Counter) -> list[int]:
    return list(counter.services.filter(is_active=True).values_list("pk", flat=True))
