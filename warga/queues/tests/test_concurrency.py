"""The issue's concurrency cases, with real threads and one database connection each (run on
SQLite and on PostgreSQL): 50 counters pressing "call next" at once never call one ticket twice,
one counter pressed from ten screens at once calls one ticket, and 200 bookings at once for 100
places book exactly 100 (from 50 threads, four bookings each: a shared PostgreSQL server allows
only so many clients)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connections

from warga.core.errors import Conflict
from warga.core.scoping import scope, unscoped
from warga.queues.models import Booking, BookingStatus, Ticket, TicketStatus
from warga.queues.services import (
    BookingInput,
    ServiceInput,
    booking_create,
    counter_call_next,
    counter_save,
    service_save,
    ticket_issue,
)

from .conftest import next_working_day

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("many_connections")]


def _race(n: int, work: Callable[[int], Any], *, workers: int = 50) -> list[Any]:
    """`n` calls of `work` at once from up to `workers` threads, one database connection each
    (a shared PostgreSQL server allows only so many clients); all start at one barrier."""
    workers = min(n, workers)
    barrier = threading.Barrier(workers)
    results: list[Any] = [None] * n

    def one(i: int) -> None:
        try:
            results[i] = work(i)
        except Conflict as exc:
            results[i] = exc.code
        except Exception as exc:  # pragma: no cover - shows in the assertion
            results[i] = f"error: {exc!r}"

    def run(w: int) -> None:
        try:
            barrier.wait()
            for i in range(w, n, workers):
                one(i)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(w,)) for w in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_fifty_counters_calling_at_once_never_call_a_ticket_twice(setup, cast):
    admin = cast.actor(cast.admin)
    counters = [
        counter_save(actor=admin, office_id=setup.office.pk, number=100 + i, service_ids=[setup.ktp.pk])
        for i in range(50)
    ]
    for _ in range(60):
        ticket_issue(actor=None, office=setup.office, service_id=setup.ktp.pk)
    operator = setup.operator

    def call(i: int) -> int | None:
        with scope(operator):  # a thread starts outside any scope, like a request of this officer
            ticket = counter_call_next(actor=operator, counter_id=counters[i].pk)
        return ticket.pk if ticket else None

    called = _race(50, call)
    assert all(isinstance(pk, int) for pk in called), called
    assert len(set(called)) == 50
    with unscoped("test"):
        assert Ticket.objects.filter(status=TicketStatus.CALLED).count() == 50
        assert Ticket.objects.filter(status=TicketStatus.WAITING).count() == 10
        assert set(
            Ticket.objects.filter(status=TicketStatus.CALLED).values_list("counter__number", flat=True)
        ) == {c.number for c in counters}


def test_one_counter_pressed_from_ten_screens_at_once_calls_one_ticket(setup):
    for _ in range(20):
        ticket_issue(actor=None, office=setup.office, service_id=setup.ktp.pk)
    operator = setup.operator

    def call(i: int) -> int | None:
        with scope(operator):
            ticket = counter_call_next(actor=operator, counter_id=setup.counter1.pk)
        return ticket.pk if ticket else None

    results = _race(10, call, workers=10)
    called = [r for r in results if isinstance(r, int)]
    assert len(called) == 1 and results.count("queues.busy") == 9, results
    with unscoped("test"):
        assert list(Ticket.objects.filter(status=TicketStatus.CALLED).values_list("pk", flat=True)) == called
        assert Ticket.objects.filter(status=TicketStatus.WAITING).count() == 19


def test_two_hundred_bookings_at_once_for_one_hundred_places_book_exactly_one_hundred(setup, cast):
    service = service_save(
        actor=cast.actor(cast.admin),
        office_id=setup.office.pk,
        data=ServiceInput(
            code="AMBIL",
            letter="E",
            name="Pengambilan KTP-el",
            kind="pickup",
            daily_quota=100,
            slot_capacity=100,
        ),
    )
    from django.utils import timezone

    day = next_working_day(timezone.localdate())

    def book(i: int) -> str:
        booking_create(
            actor=None,
            data=BookingInput(
                service_id=service.pk, day=day, phone=f"08129{i:07d}", nik=f"3214014107{i:06d}"
            ),
        )
        return "booked"

    results = _race(200, book)
    assert results.count("booked") == 100, results
    assert results.count("queues.full") == 100, results
    with unscoped("test"):
        assert Booking.objects.filter(service=service, status=BookingStatus.BOOKED).count() == 100
