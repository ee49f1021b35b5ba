"""Reads of the queue: offices, counters, the call screen's feed, wait estimates, a ticket with
the records it is for, and the statistics (plain dictionaries a dashboard can use too)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from statistics import mean, median
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core import signing
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from warga.core.errors import NotFound
from warga.core.scoping import Actor, get_scoped, scoped, unscoped

from . import capabilities as caps
from .models import (
    Booking,
    BookingStatus,
    Counter,
    QueueOffice,
    QueueService,
    Ticket,
    TicketStatus,
)

if TYPE_CHECKING:
    from .services._common import DayQuota

KIOSK_SALT = "warga.queues.kiosk"

# Indonesia's three time zones as residents name them.
TIME_ZONE_LABELS = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}


def offices_visible(actor: Actor) -> QuerySet[QueueOffice]:
    return scoped(QueueOffice.objects.select_related("unit"), actor).order_by("unit__kind", "unit__name")


def office_get(actor: Actor, pk: int) -> QueueOffice:
    return get_scoped(QueueOffice.objects.select_related("unit"), actor, pk=pk)


def counter_get(actor: Actor, pk: int) -> Counter:
    return get_scoped(Counter.objects.select_related("office", "office__unit"), actor, pk=pk)


@unscoped("public pages: the offices that take queue bookings")
def offices_public() -> list[QueueOffice]:
    return list(
        QueueOffice.objects.filter(is_active=True).select_related("unit").order_by("unit__kind", "unit__name")
    )


@unscoped("public pages: an office's queue")
def office_public(pk: int) -> QueueOffice:
    office = QueueOffice.objects.select_related("unit").filter(pk=pk, is_active=True).first()
    if office is None:
        raise NotFound(_("Not found."))
    return office


@unscoped("public pages: the services an office offers")
def services_public(office: QueueOffice, *, bookable: bool = False) -> list[QueueService]:
    qs = QueueService.objects.filter(office=office, is_active=True)
    if bookable:
        qs = qs.filter(bookable=True)
    return list(qs.order_by("order", "letter"))


def kiosk_token(office: QueueOffice) -> str:
    """The kiosk's address holds a signed office id: only the office's own kiosk issues tickets."""
    return signing.Signer(salt=KIOSK_SALT).sign(str(office.pk)).replace(":", ".")


def kiosk_office(token: str) -> QueueOffice:
    try:
        pk = int(signing.Signer(salt=KIOSK_SALT).unsign((token or "").replace(".", ":")))
    except (signing.BadSignature, ValueError):
        raise NotFound(_("Not found.")) from None
    return office_public(pk)


def time_zone_label() -> str:
    return TIME_ZONE_LABELS.get(settings.TIME_ZONE, settings.TIME_ZONE)


# --- Estimates ------------------------------------------------------------------------------------


def average_service_minutes(service: QueueService, day: date) -> float:
    """Today's mean minutes per finished ticket of the service (the last 30), else its usual time."""
    rows = list(
        Ticket.objects.filter(
            service=service, day=day, status=TicketStatus.DONE, first_called_at__isnull=False
        )
        .order_by("-finished_at")
        .values_list("first_called_at", "finished_at")[:30]
    )
    durations = [(end - start).total_seconds() / 60 for start, end in rows if end and start]
    return mean(durations) if durations else float(service.average_minutes)


@unscoped("kiosk and desk: the wait counts every ticket of the office")
def wait_estimate(ticket: Ticket) -> dict[str, Any]:
    """How many are ahead and about how long the wait is, from today's service times."""
    ahead = (
        Ticket.objects.filter(
            office_id=ticket.office_id,
            day=ticket.day,
            service_id=ticket.service_id,
            status=TicketStatus.WAITING,
        )
        .filter(Q(sort_at__lt=ticket.sort_at) | Q(sort_at=ticket.sort_at, pk__lt=ticket.pk))
        .count()
    )
    counters = (
        Counter.objects.filter(office_id=ticket.office_id, is_active=True, services=ticket.service_id).count()
        or 1
    )
    minutes = round(ahead * average_service_minutes(ticket.service, ticket.day) / counters)
    return {"ahead": ahead, "minutes": minutes}


# --- The call screen ------------------------------------------------------------------------------


@unscoped("public page: the call screen shows ticket numbers and counters, nothing personal")
def screen_feed(office_id: int) -> dict[str, Any]:
    now = timezone.now()
    today = timezone.localdate(now)
    office = QueueOffice.objects.select_related("unit").filter(pk=office_id, is_active=True).first()
    if office is None:
        raise NotFound(_("Not found."))
    counters = list(Counter.objects.filter(office=office, is_active=True).values("pk", "number", "name"))
    called = list(
        Ticket.objects.filter(office=office, day=today, called_at__isnull=False)
        .order_by("-called_at")
        .values("pk", "code", "counter_id", "called_at", "calls", "status")[: len(counters) + 8]
    )
    number_of = {c["pk"]: c["number"] for c in counters}
    current: dict[int, Any] = {}
    for t in called:
        if (
            t["status"] == TicketStatus.CALLED
            and t["counter_id"] in number_of
            and t["counter_id"] not in current
        ):
            current[t["counter_id"]] = t
    waiting = dict(
        Ticket.objects.filter(office=office, day=today, status=TicketStatus.WAITING)
        .values_list("service__letter")
        .annotate(n=Count("pk"))
        .values_list("service__letter", "n")
    )
    return {
        "office": office.unit.name,
        "generated_at": now,
        "time_zone": settings.TIME_ZONE,
        "time_zone_label": time_zone_label(),
        "refresh_seconds": 3,
        "counters": [
            {
                "number": c["number"],
                "name": c["name"],
                "ticket": current[c["pk"]]["code"] if c["pk"] in current else None,
                # A new call or a recall: the screen announces each `call_id` once.
                "call_id": f"{current[c['pk']]['pk']}-{current[c['pk']]['calls']}"
                if c["pk"] in current
                else None,
            }
            for c in counters
        ],
        "recent": [
            {"ticket": t["code"], "counter": number_of.get(t["counter_id"]), "called_at": t["called_at"]}
            for t in called[:6]
            if t["counter_id"] in number_of
        ],
        "waiting": [{"letter": letter, "count": n} for letter, n in sorted(waiting.items())],
    }


# --- An office and a counter for the officers ------------------------------------------------------


def waiting_for(counter: Counter, service_ids: list[int], day: date) -> QuerySet[Ticket]:
    """The tickets waiting on `day` for these services of the counter (or sent to it)."""
    return Ticket.objects.filter(
        office_id=counter.office_id, day=day, status=TicketStatus.WAITING, service_id__in=service_ids
    ).filter(Q(target_counter__isnull=True) | Q(target_counter=counter))


def counter_waiting(counter: Counter, service_ids: list[int]) -> int:
    return waiting_for(counter, service_ids, timezone.localdate()).count()


def office_overview(actor: Actor, office: QueueOffice) -> dict[str, Any]:
    today = timezone.localdate()
    services = list(
        QueueService.objects.filter(office=office).select_related("office").order_by("order", "letter")
    )
    counts = {
        (row["service_id"], row["status"]): row["n"]
        for row in Ticket.objects.filter(office=office, day=today)
        .values("service_id", "status")
        .annotate(n=Count("pk"))
    }
    booked = dict(
        Booking.objects.filter(service__office=office, day=today, status=BookingStatus.BOOKED)
        .values_list("service_id")
        .annotate(n=Count("pk"))
        .values_list("service_id", "n")
    )
    from .services._common import places_taken

    quotas = service_quotas(office, today, services)
    rows = []
    for s in services:
        quota = quotas[s.pk]
        rows.append(
            {
                "service": s,
                "waiting": counts.get((s.pk, TicketStatus.WAITING), 0),
                "called": counts.get((s.pk, TicketStatus.CALLED), 0),
                "done": counts.get((s.pk, TicketStatus.DONE), 0),
                "skipped": counts.get((s.pk, TicketStatus.SKIPPED), 0),
                "booked": booked.get(s.pk, 0),
                "quota": quota.value,
                "quota_source": quota.source_label,
                "quota_note": quota.note,
                "taken": places_taken(s, today, timezone.now()),
            }
        )
    counters = list(Counter.objects.filter(office=office).prefetch_related("services").order_by("number"))
    current = {
        t.counter_id: t
        for t in Ticket.objects.filter(office=office, day=today, status=TicketStatus.CALLED).select_related(
            "service"
        )
    }
    return {
        "services": rows,
        "counters": [{"counter": c, "ticket": current.get(c.pk)} for c in counters],
    }


def service_quotas(
    office: QueueOffice, day: date, services: list[QueueService] | None = None
) -> dict[int, DayQuota]:
    """Each service's quota on `day` with its source: the day's own, the live figure it follows
    (read now from the app that owns it) or the typed number."""
    from .models import ServiceDay
    from .services._common import day_quota

    if services is None:
        services = list(QueueService.objects.filter(office=office).select_related("office"))
    days = {d.service_id: d for d in ServiceDay.objects.filter(service__office=office, day=day)}
    return {s.pk: day_quota(s, day, days.get(s.pk)) for s in services}


def office_bookings(office: QueueOffice, *, limit: int = 100) -> list[Booking]:
    """Bookings of the office still to come (today's not yet checked in, and later days'), by
    their time: the list an officer cancels from."""
    at = timezone.now()
    from .services._common import grace

    return list(
        Booking.objects.filter(
            service__office=office,
            status=BookingStatus.BOOKED,
            day__gte=timezone.localdate(at),
            slot_end__gte=at - grace(),
        )
        .select_related("service")
        .order_by("slot_start", "pk")[:limit]
    )


def operates(actor: Actor, office: QueueOffice) -> bool:
    """The office's own staff who operate its counters (services: `operator_check`)."""
    return actor.can(caps.OPERATE) and actor.unit_id == office.unit_id


def bookings_visible_to(actor: Actor, office: QueueOffice) -> bool:
    """Who reads an office's bookings (codes, masked numbers): its own staff who operate the
    counters, as on the office page, and those who manage queues in their area."""
    return operates(actor, office) or actor.can(caps.MANAGE)


def office_for_bookings(actor: Actor, pk: int) -> QueueOffice:
    """The office whose bookings this officer may list and export; the bookings of another
    office are not found, as its bookings' codes are when cancelling."""
    office = office_get(actor, pk)
    if not bookings_visible_to(actor, office):
        raise NotFound(_("Not found."))
    return office


@dataclass(frozen=True)
class BookingFilters:
    day: date | None = None  # None: every day
    service_id: int | None = None
    status: str = ""
    code: str = ""  # a booking code or part of one, normalized


def bookings_list(actor: Actor, office: QueueOffice, filters: BookingFilters) -> QuerySet[Booking]:
    """The office's bookings the filters select, by their time: the bookings page, its print view
    and its exports read the same rows."""
    qs = scoped(Booking.objects.all(), actor).filter(service__office=office)
    if filters.day is not None:
        qs = qs.filter(day=filters.day)
    if filters.service_id is not None:
        qs = qs.filter(service_id=filters.service_id)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.code:
        qs = qs.filter(code__contains=filters.code)
    return qs.select_related("service").order_by("slot_start", "pk")


@dataclass
class TicketLink:
    label: str
    url: str


def ticket_links(actor: Actor, ticket: Ticket) -> list[TicketLink]:
    """What the ticket is for, in the existing apps, by id (never a NIK in a URL): the
    application by its tracking code or the resident's open applications, the resident's KTP-el
    page (recording, hand-over) and register page, as far as the officer may open them."""
    from django.urls import reverse

    links: list[TicketLink] = []
    if actor.can("applications.view"):
        from warga.applications.models import Application

        found = Application.objects.none()
        if ticket.tracking_code:
            found = Application.objects.filter(tracking_code=ticket.tracking_code)
        elif ticket.resident_id:
            found = Application.objects.filter(applicant_id=ticket.resident_id).exclude(
                status__in=["closed", "rejected", "handed_over"]
            )
        for app in found.select_related("service").order_by("-pk")[:5]:
            links.append(
                TicketLink(
                    _("Application %(code)s: %(service)s")
                    % {"code": app.tracking_code, "service": app.service.name},
                    reverse("applications:detail", args=[app.pk]),
                )
            )
    if ticket.resident_id:
        if actor.can("cards.view"):
            links.append(
                TicketLink(
                    _("KTP-el: recording and hand-over"), reverse("cards:resident", args=[ticket.resident_id])
                )
            )
        if actor.can("registry.view"):
            links.append(
                TicketLink(
                    _("Resident in the register"), reverse("registry:resident", args=[ticket.resident_id])
                )
            )
    return links


# --- Statistics ----------------------------------------------------------------------------------


def _minutes(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return (end - start).total_seconds() / 60


def _summary(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"mean": None, "median": None}
    return {"mean": round(mean(values), 1), "median": round(median(values), 1)}


MAX_STATS_DAYS = 92


def queue_stats(*, actor: Actor, office: QueueOffice, start: date, end: date) -> dict[str, Any]:
    """Waiting time (issue → first call) and service time (first call → finish) per service,
    counter and hour of issue; no-shows; tickets served per day. At most MAX_STATS_DAYS days."""
    actor.require("queues.stats")
    if end < start:
        start, end = end, start
    if (end - start).days >= MAX_STATS_DAYS:
        start = end - timedelta(days=MAX_STATS_DAYS - 1)
    rows = (
        scoped(Ticket.objects.all(), actor)
        .filter(office=office, day__gte=start, day__lte=end)
        .values_list(
            "day",
            "service_id",
            "counter_id",
            "status",
            "issued_at",
            "first_called_at",
            "finished_at",
            "booked",
        )
        .iterator(chunk_size=5000)
    )
    services = {s.pk: s for s in QueueService.objects.filter(office=office)}
    counters = {c.pk: c for c in Counter.objects.filter(office=office)}
    per_service: dict[int, dict[str, Any]] = {}
    per_counter: dict[int, dict[str, Any]] = {}
    per_hour: dict[int, dict[str, Any]] = {}
    per_day: dict[date, dict[str, int]] = {}

    def bucket(table: dict[Any, dict[str, Any]], key: Any) -> dict[str, Any]:
        return table.setdefault(key, {"issued": 0, "served": 0, "skipped": 0, "wait": [], "service": []})

    for day, service_id, counter_id, status, issued, called, finished, _booked in rows:
        wait = _minutes(issued, called)
        served = _minutes(called, finished) if status == TicketStatus.DONE else None
        hour = timezone.localtime(issued).hour
        for b in (
            bucket(per_service, service_id),
            bucket(per_hour, hour),
            *([bucket(per_counter, counter_id)] if counter_id else []),
        ):
            b["issued"] += 1
            b["served"] += status == TicketStatus.DONE
            b["skipped"] += status == TicketStatus.SKIPPED
            if wait is not None:
                b["wait"].append(wait)
            if served is not None:
                b["service"].append(served)
        d = per_day.setdefault(day, {"issued": 0, "served": 0, "skipped": 0})
        d["issued"] += 1
        d["served"] += status == TicketStatus.DONE
        d["skipped"] += status == TicketStatus.SKIPPED

    def finish(table: dict[Any, dict[str, Any]], label: Any) -> list[dict[str, Any]]:
        out = []
        for key in sorted(table, key=lambda k: (k is None, k)):
            b = table[key]
            out.append(
                {
                    "key": key,
                    "label": label(key),
                    "issued": b["issued"],
                    "served": b["served"],
                    "skipped": b["skipped"],
                    "wait": _summary(b["wait"]),
                    "service": _summary(b["service"]),
                }
            )
        return out

    booking_no_shows = (
        scoped(Booking.objects.all(), actor)
        .filter(service__office=office, day__gte=start, day__lte=end, status=BookingStatus.NO_SHOW)
        .count()
    )
    return {
        "start": start,
        "end": end,
        "per_service": finish(per_service, lambda k: str(services[k]) if k in services else "?"),
        "per_counter": finish(per_counter, lambda k: str(counters[k]) if k in counters else "?"),
        "per_hour": finish(per_hour, lambda k: f"{k:02d}.00"),
        "per_day": [{"day": d, **v} for d, v in sorted(per_day.items())],
        "booking_no_shows": booking_no_shows,
        "ticket_no_shows": sum(v["skipped"] for v in per_day.values()),
    }


def ticket_open(actor: Actor, pk: int) -> Ticket:
    return get_scoped(
        Ticket.objects.select_related("service", "office__unit", "counter", "booking"), actor, pk=pk
    )
