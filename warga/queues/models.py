"""Office queues: the services offered at an office's desk, its counters, tickets and bookings.

Everything belongs to one `QueueOffice` (an org unit with an area: the Disdukcapil or a
kecamatan office) and is scoped by that unit's area and by the unit itself (decision 0016).
A place in a service's daily quota is held by a booking that is still valid or by a walk-in
ticket that was not skipped: the quota used is a count of those rows, taken while the
`ServiceDay` row of that service and day is locked, so two requests never take the last place
twice (both databases).
"""

from __future__ import annotations

from datetime import time

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from warga.core.scoping import ScopedManager
from warga.messaging.phones import mask_msisdn


class ServiceKind(models.TextChoices):
    KTP_RECORDING = "ktp_recording", _("KTP-el recording")
    KTP_PRINTING = "ktp_printing", _("KTP-el printing")
    KK = "kk", _("Family card (KK)")
    AKTA = "akta", _("Birth and other certificates (akta)")
    PICKUP = "pickup", _("Pick-up of documents and cards")
    CONSULTATION = "consultation", _("Consultation")
    OTHER = "other", _("Other")


class QueueOffice(models.Model):
    unit = models.OneToOneField(
        "org.Unit", on_delete=models.PROTECT, related_name="queue_office", verbose_name=_("office")
    )
    opens_at = models.TimeField(_("opens at"), default=time(8, 0))
    closes_at = models.TimeField(_("closes at"), default=time(15, 0))
    friday_closes_at = models.TimeField(_("closes on Friday at"), null=True, blank=True)
    slot_minutes = models.PositiveSmallIntegerField(_("booking slot (minutes)"), default=30)
    booking_days = models.PositiveSmallIntegerField(_("bookable days ahead"), default=14)
    is_active = models.BooleanField(_("active"), default=True)

    scope_region_field = "unit__area"
    scope_unit_field = "unit"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("queue office")
        verbose_name_plural = _("queue offices")

    def __str__(self) -> str:
        return self.unit.name


class QueueService(models.Model):
    office = models.ForeignKey(QueueOffice, on_delete=models.CASCADE, related_name="services")
    code = models.CharField(_("SMS code"), max_length=12, help_text=_("One word, e.g. KTP, KK, AKTA, AMBIL."))
    letter = models.CharField(_("ticket letter"), max_length=1)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=16, choices=ServiceKind.choices, default=ServiceKind.OTHER)
    daily_quota = models.PositiveIntegerField(
        _("daily quota"), null=True, blank=True, help_text=_("Empty: no limit. A day's own quota wins.")
    )
    # The key of a live office figure (`warga.facts.figures`, e.g. "cards.ready_for_pickup") the
    # daily quota follows; empty: the typed `daily_quota`. A day's own quota still wins.
    quota_source = models.CharField(_("quota follows"), max_length=40, blank=True)
    slot_capacity = models.PositiveSmallIntegerField(_("bookings per slot"), default=4)
    bookable = models.BooleanField(_("bookable"), default=True)
    average_minutes = models.PositiveSmallIntegerField(
        _("usual minutes per ticket"), default=10, help_text=_("Used for estimates until today has data.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(default=0)

    scope_region_field = "office__unit__area"
    scope_unit_field = "office__unit"
    objects = ScopedManager()

    class Meta:
        ordering = ["order", "letter"]
        constraints = [
            models.UniqueConstraint(fields=["office", "letter"], name="queues_service_letter_unique"),
            models.UniqueConstraint(fields=["office", "code"], name="queues_service_code_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.letter} · {self.name}"


class Counter(models.Model):
    office = models.ForeignKey(QueueOffice, on_delete=models.CASCADE, related_name="counters")
    number = models.PositiveSmallIntegerField(_("counter number"))
    name = models.CharField(_("name"), max_length=60, blank=True)
    services = models.ManyToManyField(QueueService, related_name="counters", verbose_name=_("services"))
    is_active = models.BooleanField(_("active"), default=True)

    scope_region_field = "office__unit__area"
    scope_unit_field = "office__unit"
    objects = ScopedManager()

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["office", "number"], name="queues_counter_number_unique")
        ]

    def __str__(self) -> str:
        return self.name or str(_("Counter %(n)d") % {"n": self.number})


class ServiceDay(models.Model):
    """One service on one day: its quota (when set for that day) and the last ticket number.
    Locked by every write that takes a place or a number (`services._common.service_day_lock`)."""

    service = models.ForeignKey(QueueService, on_delete=models.CASCADE, related_name="days")
    day = models.DateField()
    quota = models.PositiveIntegerField(_("quota for the day"), null=True, blank=True)
    quota_note = models.CharField(_("note"), max_length=200, blank=True)
    last_number = models.PositiveIntegerField(default=0)

    scope_region_field = "service__office__unit__area"
    scope_unit_field = "service__office__unit"
    objects = ScopedManager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["service", "day"], name="queues_service_day_unique")]

    def __str__(self) -> str:
        return f"{self.service_id} {self.day}"


class BookingStatus(models.TextChoices):
    BOOKED = "booked", _("booked")
    CHECKED_IN = "checked_in", _("checked in")
    NO_SHOW = "no_show", _("did not come")
    CANCELLED = "cancelled", _("cancelled")


class BookingChannel(models.TextChoices):
    WEB = "web", _("web")
    SMS = "sms", _("SMS")
    DESK = "desk", _("desk")


# A booking holds its place while booked (until its slot ends plus the grace) or checked in.
HOLDING_BOOKING = (BookingStatus.BOOKED, BookingStatus.CHECKED_IN)


class Booking(models.Model):
    code = models.CharField(_("booking code"), max_length=8, unique=True)
    service = models.ForeignKey(QueueService, on_delete=models.PROTECT, related_name="bookings")
    day = models.DateField(_("day"))
    slot_start = models.DateTimeField(_("time"))
    slot_end = models.DateTimeField()
    # Who: a NIK (from the form, or the register for a verified number), else the phone alone.
    nik = models.CharField(_("NIK"), max_length=16, blank=True)
    holder = models.CharField(max_length=24)  # the NIK, or "tel:" + the number: one booking per day
    phone = models.CharField(_("mobile number"), max_length=20)
    resident = models.ForeignKey(
        "registry.Resident", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    tracking_code = models.CharField(_("application tracking code"), max_length=12, blank=True)
    channel = models.CharField(max_length=8, choices=BookingChannel.choices)
    status = models.CharField(max_length=12, choices=BookingStatus.choices, default=BookingStatus.BOOKED)
    created_at = models.DateTimeField(auto_now_add=True)
    client_ref = models.CharField(max_length=64, blank=True)

    scope_region_field = "service__office__unit__area"
    scope_unit_field = "service__office__unit"
    objects = ScopedManager()

    class Meta:
        indexes = [models.Index(fields=["service", "day", "status"], name="queues_booking_day")]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "day", "holder"],
                condition=Q(status__in=["booked", "checked_in"]),
                name="queues_one_booking_per_holder",
            ),
            models.UniqueConstraint(
                fields=["client_ref"], condition=~Q(client_ref=""), name="queues_booking_client_ref"
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def masked_phone(self) -> str:
        """The number as pages that must not show it whole show it: +62812****7890."""
        return mask_msisdn(self.phone)


class TicketStatus(models.TextChoices):
    WAITING = "waiting", _("waiting")
    CALLED = "called", _("called")
    DONE = "done", _("finished")
    SKIPPED = "skipped", _("did not come")
    CANCELLED = "cancelled", _("cancelled")


class TicketSource(models.TextChoices):
    KIOSK = "kiosk", _("kiosk")
    DESK = "desk", _("desk")
    BOOKING = "booking", _("booking")


# A walk-in ticket holds its quota place unless skipped or cancelled.
HOLDING_TICKET = (TicketStatus.WAITING, TicketStatus.CALLED, TicketStatus.DONE)


class Ticket(models.Model):
    office = models.ForeignKey(QueueOffice, on_delete=models.PROTECT, related_name="tickets")
    service = models.ForeignKey(QueueService, on_delete=models.PROTECT, related_name="tickets")
    # The service it was issued for (a transfer changes `service`; the quota stays where it was taken).
    first_service = models.ForeignKey(QueueService, on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    number = models.PositiveIntegerField()
    code = models.CharField(_("ticket"), max_length=8)
    source = models.CharField(max_length=8, choices=TicketSource.choices)
    status = models.CharField(max_length=10, choices=TicketStatus.choices, default=TicketStatus.WAITING)
    booking = models.OneToOneField(
        Booking, on_delete=models.PROTECT, null=True, blank=True, related_name="ticket"
    )
    # Bookings are called at their time: they sort by their slot, walk-ins by their issue time.
    sort_at = models.DateTimeField()
    booked = models.BooleanField(default=False)
    counter = models.ForeignKey(Counter, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    target_counter = models.ForeignKey(
        Counter, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    phone = models.CharField(max_length=20, blank=True)
    resident = models.ForeignKey(
        "registry.Resident", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    tracking_code = models.CharField(_("application tracking code"), max_length=12, blank=True)
    issued_at = models.DateTimeField()
    first_called_at = models.DateTimeField(null=True, blank=True)
    called_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    calls = models.PositiveSmallIntegerField(default=0)
    transfers = models.PositiveSmallIntegerField(default=0)
    notified_ahead = models.BooleanField(default=False)
    served_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    scope_region_field = "office__unit__area"
    scope_unit_field = "office__unit"
    objects = ScopedManager()

    class Meta:
        indexes = [
            models.Index(fields=["office", "day", "status", "service", "sort_at"], name="queues_ticket_next"),
            # Call next reads the queue in order and stops at the first ticket the counter takes:
            # everybody by time, and the bookings whose time has come (`services.counters`).
            models.Index(fields=["office", "day", "status", "sort_at", "id"], name="queues_ticket_order"),
            models.Index(
                fields=["office", "day", "status", "booked", "sort_at", "id"], name="queues_ticket_due"
            ),
            models.Index(fields=["office", "day", "called_at"], name="queues_ticket_called"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["first_service", "day", "number"], name="queues_ticket_number_unique"
            ),
            # A counter serves one ticket at a time: a second call while one is held fails here,
            # whichever screen pressed it (`services.counters.counter_call_next`).
            models.UniqueConstraint(
                fields=["counter", "day"],
                condition=Q(status="called"),
                name="queues_one_called_per_counter",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class EventAction(models.TextChoices):
    ISSUE = "issue", _("issued")
    CHECK_IN = "check_in", _("checked in with a booking")
    CALL = "call", _("called")
    RECALL = "recall", _("called again")
    SKIP = "skip", _("did not come")
    TRANSFER = "transfer", _("transferred")
    FINISH = "finish", _("finished")


class TicketEvent(models.Model):
    """Every step of a ticket: issued, called, recalled, skipped, transferred, finished."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=12, choices=EventAction.choices)
    at = models.DateTimeField()
    counter = models.ForeignKey(Counter, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True)

    scope_region_field = "ticket__office__unit__area"
    scope_unit_field = "ticket__office__unit"
    objects = ScopedManager()

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.action}"
