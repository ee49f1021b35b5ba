"""A counter's work: call next, recall, skip (no-show), transfer, finish.

Calling next is one atomic claim statement whose cost does not grow with the queue:

    UPDATE ticket SET status = 'called', counter = …
     WHERE id = COALESCE(
             (SELECT id … booked AND sort_at <= now ORDER BY sort_at, id LIMIT 1 FOR UPDATE SKIP LOCKED),
             (SELECT id … ORDER BY sort_at, id LIMIT 1 FOR UPDATE SKIP LOCKED))
       AND status = 'waiting'

Each sub-select reads an index in that order (`queues_ticket_due`, `queues_ticket_order`) and
stops at the first ticket of the counter's services (a subquery of its services too) that no
other counter is claiming: bookings whose time has come first, then everybody by time. Counters
calling at once each get another ticket, and no ticket is called twice (PostgreSQL: the row
locks; SQLite: the IMMEDIATE transaction serialises writers). A counter holds at most one called
ticket a day, a partial unique index (`queues_one_called_per_counter`): a second call while one
is held, from another screen too, fails there and is answered "finish it first"."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, connection, transaction
from django.db.models import Case, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
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


def _due(qs: QuerySet[Ticket], at: datetime) -> QuerySet[Ticket]:
    """Booked tickets whose time has come, by their time."""
    return qs.filter(booked=True, sort_at__lte=at).order_by("sort_at", "pk")


def queue_order(qs: QuerySet[Ticket], at: datetime, n: int) -> list[Ticket]:
    """The first `n` tickets of `qs` (waiting tickets) in the order they are called: bookings
    whose time has come first (by their time), then everybody by issue time (a booking not yet
    due by its time). Two reads that each stop after `n` rows of an index in that order."""
    head = list(_due(qs, at)[:n])
    if len(head) < n:
        head += list(qs.exclude(booked=True, sort_at__lte=at).order_by("sort_at", "pk")[: n - len(head)])
    return head


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


def _candidates(counter: Counter, service_id: int | None, at: datetime) -> QuerySet[Ticket]:
    """Today's waiting tickets this counter may call: of its active services (or the one asked
    for, if it serves it) and not sent to another counter."""
    served = Counter.services.through.objects.filter(counter_id=counter.pk, queueservice__is_active=True)
    if service_id is not None:
        served = served.filter(queueservice_id=service_id)
    return Ticket.objects.filter(
        office_id=counter.office_id,
        day=timezone.localdate(at),
        status=TicketStatus.WAITING,
        service_id__in=served.values("queueservice_id"),
    ).filter(Q(target_counter__isnull=True) | Q(target_counter_id=counter.pk))


def _first(qs: QuerySet[Ticket]) -> Subquery:
    """The id of the first ticket of `qs`, locked, skipping those another counter is claiming."""
    if connection.features.has_select_for_update_skip_locked:
        qs = qs.select_for_update(skip_locked=True, of=("self",))
    return Subquery(qs.values("pk")[:1])


def _claim(counter: Counter, service_id: int | None, at: datetime, actor: Actor) -> int:
    """The claim statement (see the module's docstring): 1 when a ticket was called, else 0."""
    candidates = _candidates(counter, service_id, at)
    return Ticket.objects.filter(
        pk=Coalesce(_first(_due(candidates, at)), _first(candidates.order_by("sort_at", "pk"))),
        status=TicketStatus.WAITING,
    ).update(
        status=TicketStatus.CALLED,
        counter=counter,
        target_counter=None,
        called_at=at,
        first_called_at=Case(When(first_called_at__isnull=True, then=Value(at)), default="first_called_at"),
        calls=1,
        served_by=actor.user,
    )


def _busy(counter: Counter) -> Conflict:
    held = current_ticket(counter)
    return Conflict(
        _("Finish, skip or transfer %(ticket)s first.") % {"ticket": held.code if held else "—"},
        code="queues.busy",
    )


def _nobody_for(counter: Counter, service_id: int | None) -> None:
    """Nothing was claimed: say why when it is the counter's doing (a service it does not
    serve, none at all, a ticket still held); otherwise nobody is waiting."""
    services = counter_services(counter)
    if service_id is not None and service_id not in services:
        service = QueueService.objects.filter(pk=service_id).first()
        raise InvalidInput(
            _("%(counter)s does not serve %(service)s.")
            % {"counter": counter, "service": service.name if service else service_id},
            code="queues.not_served",
        )
    if not services:
        raise InvalidInput(
            _("%(counter)s serves no service yet.") % {"counter": counter}, code="queues.no_services"
        )
    if current_ticket(counter) is not None:
        raise _busy(counter)


def counter_call_next(*, actor: Actor, counter_id: int, service_id: int | None = None) -> Ticket | None:
    """Call the next ticket for the services this counter serves (or one of them); None when
    nobody is waiting. A counter with a ticket still called must finish, skip or transfer it.
    The same few statements however long the queue: the counter, the claim, the ticket called,
    its event and audit row, and the look-ahead for the SMS. The ticket's `counter` is the
    counter as read here (with its office)."""
    counter = _counter(actor, counter_id)
    at = now()
    claiming = False
    try:
        with (
            unscoped("call next: the counter is the officer's own; the queue is its office's"),
            transaction.atomic(),
        ):
            claiming = True
            claimed = _claim(counter, service_id, at, actor)
            claiming = False
            if not claimed:
                _nobody_for(counter, service_id)
                return None
            ticket = Ticket.objects.select_related("service").get(
                counter=counter, day=timezone.localdate(at), status=TicketStatus.CALLED
            )
            ticket.counter = counter
            _event(ticket, "call", at, counter, actor)
            _notify_ahead(ticket, at)
    except IntegrityError as exc:
        if not claiming:
            raise
        # The partial unique index: this counter already holds a called ticket today.
        raise _busy(counter) from exc
    return ticket


def _notify_ahead(called: Ticket, at: datetime) -> None:
    """An SMS to the residents who gave a number once at most AHEAD tickets are before them."""
    upcoming = queue_order(
        Ticket.objects.filter(
            office_id=called.office_id,
            day=called.day,
            status=TicketStatus.WAITING,
            service_id=called.service_id,
        ).only("pk", "code", "phone", "notified_ahead", "booked", "sort_at"),
        at,
        AHEAD + 1,
    )
    for position, ticket in enumerate(upcoming):
        if ticket.phone and not ticket.notified_ahead:
            Ticket.objects.filter(pk=ticket.pk).update(notified_ahead=True)
            sms_send(
                to=ticket.phone,
                text=_("Queue number %(code)s: %(n)d tickets ahead of you. Please wait near the counters.")
                % {"code": ticket.code, "n": position},
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
