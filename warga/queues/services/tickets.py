"""Tickets: issued at the kiosk or the desk (a walk-in takes a place in today's quota), or
made at check-in from a booking (its place is already held)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from warga.audit.services import audit_record
from warga.core.errors import Conflict, InvalidInput
from warga.core.scoping import Actor, get_scoped, unscoped
from warga.messaging.phones import normalize_msisdn

from ..models import (
    Booking,
    BookingStatus,
    QueueOffice,
    QueueService,
    ServiceDay,
    Ticket,
    TicketEvent,
    TicketSource,
)
from ._common import (
    day_check,
    grace,
    now,
    office_hours,
    operator_check,
    places_taken,
    quota_of,
    service_day_lock,
    show_day,
)
from .bookings import booking_code_normalize


def _problem(field: str, code: str, message: str) -> InvalidInput:
    return InvalidInput(message, code=code, details=[{"field": field, "code": code, "message": message}])


def _open_now(office: QueueOffice, at: datetime) -> None:
    day = timezone.localdate(at)
    day_check(office, day)
    _opens, closes = office_hours(office, day)
    if at >= closes:
        raise _problem(
            "service", "queues.closed_now", _("The office has closed for today. Please come back tomorrow.")
        )


def _number(service: QueueService, service_day: ServiceDay) -> tuple[int, str]:
    number = service_day.last_number + 1
    ServiceDay.objects.filter(pk=service_day.pk).update(last_number=number)
    return number, f"{service.letter}-{number:03d}"


def ticket_issue(
    *,
    actor: Actor | None,
    office: QueueOffice,
    service_id: int,
    source: str = TicketSource.KIOSK,
    phone: str = "",
    tracking_code: str = "",
) -> Ticket:
    """A walk-in ticket for today (kiosk: `actor=None`; desk: an officer of the office). Refused
    on a closed day, after closing time and when today's quota of the service is used up."""
    if actor is not None:
        operator_check(actor, office)
    if phone:
        try:
            phone = normalize_msisdn(phone)
        except InvalidInput as exc:
            raise _problem("phone", "queues.phone", str(exc.message)) from exc
    with unscoped("kiosk and desk: the office's quota counts every ticket of the day"), transaction.atomic():
        service = (
            QueueService.objects.select_related("office")
            .filter(pk=service_id, office=office, is_active=True)
            .first()
        )
        if service is None:
            raise _problem("service", "queues.service", _("This office does not offer that service."))
        at = now()
        _open_now(office, at)
        day = timezone.localdate(at)
        service_day = service_day_lock(service, day)
        quota = quota_of(service, service_day)
        if quota is not None and places_taken(service, day, at) >= quota:
            raise Conflict(
                _("Today's quota for %(service)s is used up. Please come back on the next working day.")
                % {"service": service.name},
                code="queues.full",
            )
        number, code = _number(service, service_day)
        ticket = Ticket.objects.create(
            office=office,
            service=service,
            first_service=service,
            day=day,
            number=number,
            code=code,
            source=source,
            sort_at=at,
            phone=phone,
            tracking_code=(tracking_code or "").strip().upper()[:12],
            issued_at=at,
        )
        TicketEvent.objects.create(ticket=ticket, action="issue", at=at, actor=actor.user if actor else None)
        audit_record(
            actor=actor,
            action="queues.ticket.issue",
            obj=ticket,
            summary={"service": service.code, "source": source},
        )
    return ticket


def booking_check_in(*, office: QueueOffice, code: str) -> Ticket:
    """The resident's booking code at the kiosk: today's ticket for it (the same ticket again if
    it was already checked in)."""
    text = booking_code_normalize(code)
    if not text:
        raise _problem("code", "queues.code", _("Type the booking code from your SMS."))
    with unscoped("kiosk: a booking is found by its code"), transaction.atomic():
        booking = Booking.objects.select_related("service", "service__office").filter(code=text).first()
        if booking is None:
            raise _problem(
                "code",
                "queues.unknown_code",
                _("No booking has the code %(code)s. Check the code in your SMS.") % {"code": text},
            )
        existing = Ticket.objects.filter(booking=booking).first()
        if existing is not None:
            return existing
        if booking.service.office_id != office.pk:
            raise _problem(
                "code",
                "queues.other_office",
                _("This booking is for %(office)s.") % {"office": booking.service.office.unit.name},
            )
        at = now()
        day = timezone.localdate(at)
        if booking.day != day:
            raise _problem(
                "code", "queues.other_day", _("This booking is for %(day)s.") % {"day": show_day(booking.day)}
            )
        if booking.status != BookingStatus.BOOKED or booking.slot_end < at - grace():
            raise Conflict(
                _("This booking has expired: its time has passed. Please take a new ticket."),
                code="queues.expired",
            )
        service = booking.service
        service_day = service_day_lock(service, day)
        claimed = Booking.objects.filter(pk=booking.pk, status=BookingStatus.BOOKED).update(
            status=BookingStatus.CHECKED_IN
        )
        if not claimed:
            raise Conflict(_("This booking was just checked in."), code="queues.checked_in")
        number, ticket_code = _number(service, service_day)
        ticket = Ticket.objects.create(
            office=office,
            service=service,
            first_service=service,
            day=day,
            number=number,
            code=ticket_code,
            source=TicketSource.BOOKING,
            booking=booking,
            booked=True,
            sort_at=booking.slot_start,
            phone=booking.phone,
            resident_id=booking.resident_id,
            tracking_code=booking.tracking_code,
            issued_at=at,
        )
        TicketEvent.objects.create(ticket=ticket, action="check_in", at=at)
        audit_record(
            actor=None, action="queues.booking.check_in", obj=ticket, summary={"service": service.code}
        )
    return ticket


def ticket_for_kiosk(office: QueueOffice, ticket_id: int) -> Ticket:
    """A ticket of today at this office, for its printed slip (nothing personal on it)."""
    from warga.core.errors import NotFound

    with unscoped("kiosk: the slip of a ticket just issued"):
        ticket = (
            Ticket.objects.select_related("service", "office__unit")
            .filter(pk=ticket_id, office=office, day=timezone.localdate())
            .first()
        )
    if ticket is None:
        raise NotFound(_("Not found."))
    return ticket


def desk_ticket_issue(
    *, actor: Actor, office_id: int, service_id: int, phone: str = "", tracking_code: str = ""
) -> Ticket:
    office = get_scoped(QueueOffice.objects.select_related("unit"), actor, pk=office_id)
    return ticket_issue(
        actor=actor,
        office=office,
        service_id=service_id,
        source=TicketSource.DESK,
        phone=phone,
        tracking_code=tracking_code,
    )
