"""A counter's work: call next, recall, skip (no-show), transfer, finish. Calling is an atomic
claim: the next waiting ticket is taken with a conditional UPDATE (on PostgreSQL the candidate
row is first locked with SKIP LOCKED, so counters calling at once each get another ticket)."""

from __future__ import annotations

from datetime import date, datetime

from django.db import connection, transaction
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from warga.audit.services import audit_record
from warga.core.errors import Conflict, InvalidInput
from warga.core.scoping import Actor, get_scoped, unscoped
from warga.messaging.services import sms_send

from ..models import Booking, BookingStatus, Counter, QueueService, Ticket, TicketEvent, TicketStatus
from ._common import counter_services, now, operator_check

AHEAD = 5  # the resident gets an SMS when this many tickets are ahead


def _counter(actor: Actor, counter_id: int) -> Counter:
    counter = get_scoped(Counter.objects.select_related("office", "office__unit"), actor, pk=counter_id)
    operator_check(actor, counter.office)
    if not counter.is_active:
        raise Conflict(_("This counter is closed."), code="queues.counter_closed")
    return counter


def queue_order(qs: QuerySet[Ticket], at: datetime) -> QuerySet[Ticket]:
    """Bookings whose time has come first (by their time), then everybody by issue time."""
    return qs.annotate(
        due=Case(
            When(booked=True, sort_at__lte=at, then=Value(0)), default=Value(1), output_field=IntegerField()
        )
    ).order_by("due", "sort_at", "pk")


def waiting_for(counter: Counter, service_ids: list[int], day: date) -> QuerySet[Ticket]:
    return Ticket.objects.filter(
        office_id=counter.office_id, day=day, status=TicketStatus.WAITING, service_id__in=service_ids
    ).filter(Q(target_counter__isnull=True) | Q(target_counter=counter))


def current_ticket(counter: Counter) -> Ticket | None:
    return (
        Ticket.objects.select_related("service")
        .filter(counter=counter, status=TicketStatus.CALLED, day=timezone.localdate())
        .order_by("-called_at")
        .first()
    )


def _event(ticket: Ticket, action: str, at: datetime, counter: Counter, actor: Actor, note: str = "") -> None:
    TicketEvent.objects.create(
        ticket=ticket, action=action, at=at, counter=counter, actor=actor.user, note=note
    )
    audit_record(
        actor=actor, action=f"queues.ticket.{action}", obj=ticket, summary={"counter": counter.number}
    )


def counter_call_next(*, actor: Actor, counter_id: int, service_id: int | None = None) -> Ticket | None:
    """Call the next ticket for the services this counter serves (or one of them); None when
    nobody is waiting. A counter with a ticket still called must finish, skip or transfer it."""
    counter = _counter(actor, counter_id)
    services = counter_services(counter)
    if service_id is not None:
        if service_id not in services:
            service = QueueService.objects.filter(pk=service_id).first()
            raise InvalidInput(
                _("%(counter)s does not serve %(service)s.")
                % {"counter": counter, "service": service.name if service else service_id},
                code="queues.not_served",
            )
        services = [service_id]
    if not services:
        raise InvalidInput(
            _("%(counter)s serves no service yet.") % {"counter": counter}, code="queues.no_services"
        )
    with transaction.atomic():
        held = current_ticket(counter)
        if held is not None:
            raise Conflict(
                _("Finish, skip or transfer %(ticket)s first.") % {"ticket": held.code}, code="queues.busy"
            )
        at = now()
        candidates = queue_order(waiting_for(counter, services, timezone.localdate(at)), at)
        ticket = None
        skip_locked = connection.features.has_select_for_update_skip_locked
        for _attempt in range(20):
            if skip_locked:
                pk = (
                    candidates.select_for_update(skip_locked=True, of=("self",))
                    .values_list("pk", flat=True)
                    .first()
                )
            else:
                pk = candidates.values_list("pk", flat=True).first()
            if pk is None:
                return None
            claimed = Ticket.objects.filter(pk=pk, status=TicketStatus.WAITING).update(
                status=TicketStatus.CALLED,
                counter=counter,
                target_counter=None,
                called_at=at,
                first_called_at=Case(
                    When(first_called_at__isnull=True, then=Value(at)), default="first_called_at"
                ),
                calls=1,
                served_by=actor.user,
            )
            if claimed:
                ticket = Ticket.objects.select_related("service").get(pk=pk)
                break
        if ticket is None:
            raise Conflict(_("The queue is busy; please call again."), code="queues.retry")
        _event(ticket, "call", at, counter, actor)
        _notify_ahead(ticket, at)
    return ticket


def _notify_ahead(called: Ticket, at: datetime) -> None:
    """An SMS to the residents who gave a number once at most AHEAD tickets are before them."""
    upcoming = list(
        queue_order(
            Ticket.objects.filter(
                office_id=called.office_id,
                day=called.day,
                status=TicketStatus.WAITING,
                service_id=called.service_id,
            ),
            at,
        ).values_list("pk", "code", "phone", "notified_ahead")[: AHEAD + 1]
    )
    for position, (pk, code, phone, notified) in enumerate(upcoming):
        if phone and not notified:
            Ticket.objects.filter(pk=pk).update(notified_ahead=True)
            sms_send(
                to=phone,
                text=_("Queue number %(code)s: %(n)d tickets ahead of you. Please wait near the counters.")
                % {"code": code, "n": position},
                purpose="notice",
            )


def _held(counter: Counter) -> Ticket:
    ticket = current_ticket(counter)
    if ticket is None:
        raise Conflict(_("No ticket is called at this counter."), code="queues.idle")
    return ticket


@transaction.atomic
def counter_recall(*, actor: Actor, counter_id: int) -> Ticket:
    counter = _counter(actor, counter_id)
    ticket = _held(counter)
    at = now()
    Ticket.objects.filter(pk=ticket.pk).update(called_at=at, calls=ticket.calls + 1)
    _event(ticket, "recall", at, counter, actor)
    ticket.refresh_from_db()
    return ticket


@transaction.atomic
def counter_skip(*, actor: Actor, counter_id: int) -> Ticket:
    """The resident did not come: the ticket is skipped and its quota place freed."""
    counter = _counter(actor, counter_id)
    ticket = _held(counter)
    at = now()
    Ticket.objects.filter(pk=ticket.pk, status=TicketStatus.CALLED).update(
        status=TicketStatus.SKIPPED, finished_at=at
    )
    if ticket.booking_id:
        with unscoped("a skipped ticket frees its booking's place"):
            Booking.objects.filter(pk=ticket.booking_id).update(status=BookingStatus.NO_SHOW)
    _event(ticket, "skip", at, counter, actor)
    ticket.refresh_from_db()
    return ticket


@transaction.atomic
def counter_finish(*, actor: Actor, counter_id: int) -> Ticket:
    counter = _counter(actor, counter_id)
    ticket = _held(counter)
    at = now()
    Ticket.objects.filter(pk=ticket.pk, status=TicketStatus.CALLED).update(
        status=TicketStatus.DONE, finished_at=at
    )
    _event(ticket, "finish", at, counter, actor)
    ticket.refresh_from_db()
    return ticket


@transaction.atomic
def counter_transfer(
    *,
    actor: Actor,
    counter_id: int,
    to_counter_id: int | None = None,
    to_service_id: int | None = None,
    note: str = "",
) -> Ticket:
    """Send the called ticket to another counter and/or service of the same office: it waits
    again, keeping its place in the order."""
    counter = _counter(actor, counter_id)
    ticket = _held(counter)
    if to_counter_id is None and to_service_id is None:
        raise InvalidInput(_("Choose a counter or a service to transfer to."), code="queues.transfer_target")
    service = ticket.service
    if to_service_id is not None:
        found = QueueService.objects.filter(
            pk=to_service_id, office_id=counter.office_id, is_active=True
        ).first()
        if found is None:
            raise InvalidInput(_("This office does not offer that service."), code="queues.service")
        service = found
    target = None
    if to_counter_id is not None:
        target = Counter.objects.filter(pk=to_counter_id, office_id=counter.office_id, is_active=True).first()
        if target is None or target.pk == counter.pk:
            raise InvalidInput(
                _("Choose another open counter of this office."), code="queues.transfer_counter"
            )
        if not target.services.filter(pk=service.pk).exists():
            raise InvalidInput(
                _("%(counter)s does not serve %(service)s.") % {"counter": target, "service": service.name},
                code="queues.not_served",
            )
    at = now()
    Ticket.objects.filter(pk=ticket.pk, status=TicketStatus.CALLED).update(
        status=TicketStatus.WAITING,
        counter=None,
        service=service,
        target_counter=target,
        transfers=ticket.transfers + 1,
    )
    _event(ticket, "transfer", at, counter, actor, note=(note or "")[:200])
    ticket.refresh_from_db()
    return ticket
