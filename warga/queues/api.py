"""The queue API: the call screen's feed (public), a counter's call-next and finish, and an
office's statistics."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema

from warga.accounts.auth import actor_of
from warga.core.api_schema import errors
from warga.core.permissions import public, requires

from . import selectors, services

router = Router(tags=["queues"])
PREFIX = "/queues"


class ScreenCounterOut(Schema):
    number: int
    name: str
    ticket: str | None
    call_id: str | None


class ScreenRecentOut(Schema):
    ticket: str
    counter: int | None
    called_at: datetime


class ScreenWaitingOut(Schema):
    letter: str
    count: int


class ScreenOut(Schema):
    office: str
    generated_at: datetime
    time_zone: str
    time_zone_label: str
    refresh_seconds: int
    counters: list[ScreenCounterOut]
    recent: list[ScreenRecentOut]
    waiting: list[ScreenWaitingOut]


class TicketOut(Schema):
    id: int
    code: str
    status: str
    service: str
    counter: int | None = None
    issued_at: datetime
    called_at: datetime | None = None

    @staticmethod
    def resolve_service(obj: object) -> str:
        return str(getattr(obj, "service", ""))

    @staticmethod
    def resolve_counter(obj: object) -> int | None:
        counter = getattr(obj, "counter", None)
        return counter.number if counter is not None else None


class CallOut(Schema):
    ticket: TicketOut | None


class CallIn(Schema):
    service_id: int | None = None


class StatsRowOut(Schema):
    key: int | None
    label: str
    issued: int
    served: int
    skipped: int
    wait: dict[str, float | None]
    service: dict[str, float | None]


class StatsDayOut(Schema):
    day: date
    issued: int
    served: int
    skipped: int


class StatsOut(Schema):
    start: date
    end: date
    per_service: list[StatsRowOut]
    per_counter: list[StatsRowOut]
    per_hour: list[StatsRowOut]
    per_day: list[StatsDayOut]
    booking_no_shows: int
    ticket_no_shows: int


@router.get(
    "/screens/{queue_office_id}",
    auth=None,
    response={200: ScreenOut, **errors(404)},
    summary="What an office's call screen shows now",
)
@public
def screen(request: HttpRequest, queue_office_id: int):  # type: ignore[no-untyped-def]
    return selectors.screen_feed(queue_office_id)


@router.post(
    "/counters/{counter_id}/call-next",
    response={200: CallOut, **errors(401, 403, 404, 409)},
    summary="Call the next ticket at a counter (none when nobody waits)",
)
@requires("queues.operate")
def call_next(request: HttpRequest, counter_id: int, payload: CallIn):  # type: ignore[no-untyped-def]
    ticket = services.counter_call_next(
        actor=actor_of(request), counter_id=counter_id, service_id=payload.service_id
    )
    return {"ticket": ticket}


@router.post(
    "/counters/{counter_id}/finish",
    response={200: TicketOut, **errors(401, 403, 404, 409)},
    summary="Finish the ticket called at a counter",
)
@requires("queues.operate")
def finish(request: HttpRequest, counter_id: int):  # type: ignore[no-untyped-def]
    return services.counter_finish(actor=actor_of(request), counter_id=counter_id)


@router.get(
    "/offices/{queue_office_id}/stats",
    response={200: StatsOut, **errors(401, 403, 404)},
    summary="Waiting and service times, no-shows and tickets served per day",
)
@requires("queues.stats")
def stats(request: HttpRequest, queue_office_id: int, start: date | None = None, end: date | None = None):  # type: ignore[no-untyped-def]
    actor = actor_of(request)
    office = selectors.office_get(actor, queue_office_id)
    end = end or timezone.localdate()
    start = start or end - timedelta(days=6)
    return selectors.queue_stats(actor=actor, office=office, start=start, end=end)
