"""Bookings: a resident takes a place in a service's quota for a slot of a day (web, SMS or
desk), gets a code by SMS and checks in with it at the kiosk. A place is taken under the lock
of the service's day; one booking per NIK (or phone) per service and day is also held by a
partial unique index, so neither a retry nor a race books twice."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _

from warga.audit.services import audit_record
from warga.core.errors import Conflict, InvalidInput
from warga.core.scoping import Actor, unscoped
from warga.messaging.phones import normalize_msisdn
from warga.messaging.services import sms_send
from warga.registry.rules import RuleError, nik_shape

from ..models import Booking, BookingChannel, BookingStatus, QueueService
from ._common import (
    day_check,
    grace,
    holding_bookings,
    now,
    places_taken,
    quota_of,
    service_day_lock,
    show_day,
    slots_of,
)

CODE_ALPHABET = "ACDEFGHJKLMNPQRTUVWXY34679"  # no 0/O, 1/I, 2/Z, 5/S, 8/B
CODE_LENGTH = 6


def booking_code_normalize(text: str) -> str:
    return "".join((text or "").split()).upper().replace("-", "")[:16]


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


@dataclass(frozen=True)
class BookingInput:
    service_id: int
    day: date
    phone: str
    slot_start: datetime | None = None  # None: the first slot with room (SMS)
    nik: str = ""
    tracking_code: str = ""
    resident_id: int | None = None  # already known (a verified number's resident)


def _problem(field: str, code: str, message: str) -> InvalidInput:
    return InvalidInput(message, code=code, details=[{"field": field, "code": code, "message": message}])


def _service(service_id: int) -> QueueService:
    service = (
        QueueService.objects.select_related("office", "office__unit")
        .filter(pk=service_id, is_active=True, office__is_active=True)
        .first()
    )
    if service is None or not service.bookable:
        raise _problem("service", "queues.service", _("This service cannot be booked."))
    return service


def _resident_by_nik(nik: str) -> int | None:
    from warga.registry.models import Resident

    return Resident.objects.filter(nik=nik, died_on__isnull=True).values_list("pk", flat=True).first()


def booking_create(
    *,
    actor: Actor | None,
    data: BookingInput,
    channel: str = BookingChannel.WEB,
    client_ref: str = "",
    notify: bool = True,
) -> Booking:
    """Book a place: everything is checked first, then the place is taken under the lock of the
    service's day. Public callers pass `actor=None`. Raises InvalidInput (closed day, holiday,
    past slot, bad phone or NIK), Conflict (full, already booked)."""
    with unscoped("booking: quota places and the one-booking rule span every resident"):
        if client_ref:
            existing = Booking.objects.filter(client_ref=client_ref).first()
            if existing is not None:
                return existing
        try:
            return _create(actor=actor, data=data, channel=channel, client_ref=client_ref, notify=notify)
        except IntegrityError as exc:  # the partial unique index: the same holder, concurrently
            if client_ref:
                existing = Booking.objects.filter(client_ref=client_ref).first()
                if existing is not None:
                    return existing
            raise Conflict(
                _("You already have a booking for this service on that day."), code="queues.already_booked"
            ) from exc


def _validate(data: BookingInput, service: QueueService) -> tuple[str, str]:
    try:
        phone = normalize_msisdn(data.phone)
    except InvalidInput as exc:
        raise _problem("phone", "queues.phone", str(exc.message)) from exc
    nik = ""
    if data.nik:
        try:
            nik = nik_shape(data.nik)
        except RuleError as exc:
            raise _problem("nik", "queues.nik", exc.message) from exc
    today = timezone.localdate()
    if data.day < today:
        raise _problem("day", "queues.past_day", _("That day has passed. Choose today or a later day."))
    last = today + timedelta(days=service.office.booking_days)
    if data.day > last:
        raise _problem(
            "day",
            "queues.too_far",
            _("Bookings are open up to %(day)s.") % {"day": show_day(last)},
        )
    day_check(service.office, data.day)
    return phone, nik


@transaction.atomic
def _create(
    *, actor: Actor | None, data: BookingInput, channel: str, client_ref: str, notify: bool
) -> Booking:
    service = _service(data.service_id)
    phone, nik = _validate(data, service)
    slots = slots_of(service.office, data.day)
    at = now()
    if data.slot_start is not None:
        chosen = [s for s in slots if s[0] == data.slot_start]
        if not chosen:
            raise _problem("slot", "queues.slot", _("The office takes no bookings at that time."))
        if chosen[0][0] < at:
            raise _problem(
                "slot", "queues.past_slot", _("That time has already passed. Choose a later time.")
            )
        candidates = chosen
    else:
        candidates = [s for s in slots if s[0] >= at]
        if not candidates:
            raise _problem(
                "day",
                "queues.day_over",
                _("No booking time is left on %(day)s.") % {"day": show_day(data.day)},
            )
    holder = nik or f"tel:{phone}"
    service_day = service_day_lock(service, data.day)
    if Booking.objects.filter(holding_bookings(service, data.day, at), holder=holder).exists():
        raise Conflict(
            _("You already have a booking for this service on that day."), code="queues.already_booked"
        )
    quota = quota_of(service, service_day)
    if quota is not None and places_taken(service, data.day, at) >= quota:
        raise Conflict(
            _("%(service)s is fully booked on %(day)s. Choose another day.")
            % {"service": service.name, "day": show_day(data.day)},
            code="queues.full",
        )
    slot = None
    for start, end in candidates:
        taken = Booking.objects.filter(holding_bookings(service, data.day, at), slot_start=start).count()
        if taken < service.slot_capacity:
            slot = (start, end)
            break
    if slot is None:
        raise Conflict(
            _("That time is fully booked. Choose another time.")
            if data.slot_start is not None
            else _("%(service)s is fully booked on %(day)s. Choose another day.")
            % {"service": service.name, "day": show_day(data.day)},
            code="queues.slot_full",
        )
    resident_id = data.resident_id or (_resident_by_nik(nik) if nik else None)
    for _attempt in range(5):
        code = _new_code()
        if not Booking.objects.filter(code=code).exists():
            break
    booking = Booking.objects.create(
        code=code,
        service=service,
        day=data.day,
        slot_start=slot[0],
        slot_end=slot[1],
        nik=nik,
        holder=holder,
        phone=phone,
        resident_id=resident_id,
        tracking_code=(data.tracking_code or "").strip().upper()[:12],
        channel=channel,
        client_ref=client_ref,
    )
    audit_record(
        actor=actor,
        action="queues.booking.create",
        obj=booking,
        summary={"service": service.code, "day": data.day.isoformat(), "channel": channel},
    )
    if notify:
        sms_send(to=phone, text=booking_sms_text(booking), purpose="notice", actor=actor)
    return booking


def _described(booking: Booking) -> dict[str, str]:
    return {
        "code": booking.code,
        "service": booking.service.name,
        "office": booking.service.office.unit.name,
        "day": show_day(booking.day),
        "time": time_format(timezone.localtime(booking.slot_start).time(), "H.i"),
    }


def booking_sms_text(booking: Booking) -> str:
    return _(
        "Booking %(code)s: %(service)s at %(office)s on %(day)s at %(time)s. "
        "Enter the code at the kiosk when you arrive. To cancel, send BATAL %(code)s."
    ) % _described(booking)


def booking_cancelled_text(booking: Booking) -> str:
    return _(
        "Booking %(code)s (%(service)s at %(office)s, %(day)s at %(time)s) is cancelled. "
        "Its place is free for others."
    ) % _described(booking)


def _cancel_refusal(booking: Booking, at: datetime) -> Conflict | None:
    """Why this booking can no longer be cancelled, if it cannot."""
    if booking.status == BookingStatus.CANCELLED:
        return Conflict(
            _("Booking %(code)s is already cancelled.") % {"code": booking.code},
            code="queues.already_cancelled",
        )
    if booking.status == BookingStatus.CHECKED_IN:
        return Conflict(
            _(
                "Booking %(code)s is already checked in: the ticket is in the queue. Tell the officer at the counter."
            )
            % {"code": booking.code},
            code="queues.checked_in",
        )
    if booking.status == BookingStatus.NO_SHOW or booking.slot_end < at - grace():
        return Conflict(
            _("The time of booking %(code)s has passed: there is nothing left to cancel.")
            % {"code": booking.code},
            code="queues.cancel_past",
        )
    return None


def booking_cancel(
    *,
    actor: Actor | None,
    code: str,
    phone: str = "",
    channel: str = BookingChannel.WEB,
    notify: bool = True,
) -> Booking:
    """Cancel a booking and free its place in the slot and the day's quota. A resident gives the
    code and the mobile number the booking was made with (`actor=None`: the web form; an SMS
    comes from that number); an officer (`actor`) cancels a booking of their own office by its
    code. The booking stays, cancelled, with its audit row; the holder gets an SMS (`notify`;
    an SMS cancellation is answered by the reply instead). Raises InvalidInput (no code, unknown
    code, wrong number) or Conflict (already cancelled, already checked in, its time passed)."""
    text = booking_code_normalize(code)
    if not text:
        raise _problem("code", "queues.code", _("Type the booking code from your SMS."))
    unknown = _problem(
        "code",
        "queues.unknown_code",
        _("No booking has the code %(code)s. Check the code in your SMS.") % {"code": text},
    )
    with unscoped("cancelling: a booking is found by its code"), transaction.atomic():
        booking = (
            Booking.objects.select_related("service", "service__office", "service__office__unit")
            .filter(code=text)
            .first()
        )
        if booking is None:
            raise unknown
        if actor is not None:
            actor.require("queues.operate")
            if actor.unit_id != booking.service.office.unit_id:
                raise unknown  # another office's booking: not on this officer's list
        else:
            try:
                number = normalize_msisdn(phone)
            except InvalidInput as exc:
                raise _problem("phone", "queues.phone", str(exc.message)) from exc
            if number != booking.phone:
                message = (
                    _("Booking %(code)s was made with another mobile number: send BATAL from that number.")
                    if channel == BookingChannel.SMS
                    else _(
                        "Booking %(code)s was made with another mobile number: give the number it was made with."
                    )
                )
                raise _problem("phone", "queues.wrong_phone", message % {"code": text})
        at = now()
        refusal = _cancel_refusal(booking, at)
        if refusal is not None:
            raise refusal
        cancelled = Booking.objects.filter(pk=booking.pk, status=BookingStatus.BOOKED).update(
            status=BookingStatus.CANCELLED
        )
        if not cancelled:  # checked in (or cancelled) at this very moment
            booking.refresh_from_db(fields=["status"])
            raise _cancel_refusal(booking, at) or Conflict(_("Please try again."), code="queues.retry")
        booking.status = BookingStatus.CANCELLED
        audit_record(
            actor=actor,
            action="queues.booking.cancel",
            obj=booking,
            summary={"service": booking.service.code, "day": booking.day.isoformat(), "channel": channel},
        )
        if notify:
            sms_send(to=booking.phone, text=booking_cancelled_text(booking), purpose="notice", actor=actor)
    return booking


def bookings_expire(*, at: datetime | None = None) -> int:
    """Bookings not checked in by the end of their slot plus the grace become no-shows (their
    place was already free for others; this records it for the statistics)."""
    at = at or now()
    with unscoped("periodic: no-shows of every office"):
        return Booking.objects.filter(status=BookingStatus.BOOKED, slot_end__lt=at - grace()).update(
            status=BookingStatus.NO_SHOW
        )
