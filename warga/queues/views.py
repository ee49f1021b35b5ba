"""Pages of the office queue. Public: booking (front door), the kiosk (by its signed address),
the call screen and its feed. Officers: offices, the desk, a counter, a ticket, the set-up and
the statistics. Thin: forms parse, services decide."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from warga.core.errors import NotFound, ServiceError
from warga.core.forms import StyledForm
from warga.core.middleware import client_ip
from warga.core.pages import service_errors
from warga.core.pagination import paginate
from warga.core.permissions import page_actor, public, requires
from warga.core.ratelimit import over_limit
from warga.core.scoping import unscoped
from warga.core.tables import Filter, export_format, form_filters, table_response
from warga.facts.figures import office_figures

from . import capabilities as caps
from . import selectors, services, tables
from .models import Booking, BookingChannel, BookingStatus, Counter, QueueService, ServiceKind, Ticket
from .services._common import slots_of

# --- helpers ------------------------------------------------------------------------------------------


def _limited(request: HttpRequest, bucket: str) -> bool:
    defaults = {"book": (10, 3600), "checkin": (30, 600), "cancel": (10, 3600)}
    limit, window = getattr(settings, "QUEUES_RATE_LIMITS", {}).get(bucket, defaults[bucket])
    return over_limit(f"queues:rl:{bucket}:{client_ip(request) or 'unknown'}", limit=limit, window=window)


def _onto(form: forms.Form, exc: ServiceError) -> None:
    details = exc.details if isinstance(exc.details, list) else []
    placed = False
    for detail in details:
        if isinstance(detail, dict) and detail.get("field") in form.fields:
            form.add_error(detail["field"], str(detail.get("message", exc.message)))
            placed = True
    if not placed:
        form.add_error(None, str(exc.message))


def _htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


# --- Public: booking ------------------------------------------------------------------------------


@public
def public_offices_view(request: HttpRequest) -> HttpResponse:
    return render(request, "queues/public_offices.html", {"offices": selectors.offices_public()})


class BookingForm(StyledForm):
    service = forms.TypedChoiceField(label=gettext_lazy("Service"), coerce=int)
    day = forms.DateField(label=gettext_lazy("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    slot = forms.ChoiceField(label=gettext_lazy("Time"))
    nik = forms.CharField(
        label=gettext_lazy("NIK"), max_length=20, widget=forms.TextInput(attrs={"inputmode": "numeric"})
    )
    phone = forms.CharField(
        label=gettext_lazy("Mobile number"),
        max_length=20,
        help_text=gettext_lazy("The booking code comes by SMS."),
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    tracking_code = forms.CharField(
        label=gettext_lazy("Application tracking code (if you have one)"), max_length=12, required=False
    )

    def __init__(self, *args: Any, office: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["service"]).choices = [
            (s.pk, f"{s.letter} · {s.name}") for s in selectors.services_public(office, bookable=True)
        ]
        # The times of an ordinary day; a shorter Friday is checked by the service.
        reference = timezone.localdate()
        while reference.weekday() >= 4:
            reference += timedelta(days=1)
        cast(forms.ChoiceField, self.fields["slot"]).choices = [
            (timezone.localtime(start).strftime("%H:%M"), timezone.localtime(start).strftime("%H.%M"))
            for start, _end in slots_of(office, reference)
        ]


def _slot_start(day: date, hhmm: str) -> datetime:
    hour, minute = (int(x) for x in hhmm.split(":"))
    return timezone.make_aware(datetime.combine(day, datetime.min.time()).replace(hour=hour, minute=minute))


@public
def public_book_view(request: HttpRequest, office_id: int) -> HttpResponse:
    """Book a place in an office's queue (front door): CSRF-protected POST, rate limited per
    address, nothing personal in the URL; the code is shown and sent by SMS."""
    office = selectors.office_public(office_id)
    form = BookingForm(request.POST or None, office=office)
    status = 200
    if request.method == "POST":
        status = 422
        if _limited(request, "book"):
            form.add_error(None, _("Too many bookings from this connection. Please try again later."))
            status = 429
        elif form.is_valid():
            d = form.cleaned_data
            try:
                booking = services.booking_create(
                    actor=None,
                    data=services.BookingInput(
                        service_id=d["service"],
                        day=d["day"],
                        slot_start=_slot_start(d["day"], d["slot"]),
                        nik=d["nik"],
                        phone=d["phone"],
                        tracking_code=d["tracking_code"],
                    ),
                )
            except ServiceError as exc:
                _onto(form, exc)
                status = exc.status
            else:
                request.session["queues_booked"] = booking.pk
                return redirect("queues:booked")
    return render(request, "queues/public_book.html", {"form": form, "office": office}, status=status)


@public(ok=302)
def public_booked_view(request: HttpRequest) -> HttpResponse:
    pk = request.session.get("queues_booked")
    booking = None
    if isinstance(pk, int):
        with unscoped("public page: the booking this browser just made"):
            booking = Booking.objects.select_related("service", "service__office__unit").filter(pk=pk).first()
    if booking is None:
        return redirect("queues:public")
    return render(request, "queues/public_booked.html", {"booking": booking})


class CancelForm(StyledForm):
    code = forms.CharField(
        label=gettext_lazy("Booking code"),
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    phone = forms.CharField(
        label=gettext_lazy("Mobile number the booking was made with"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )


@public
def public_cancel_view(request: HttpRequest) -> HttpResponse:
    """A resident cancels a booking with its code and the mobile number it was made with (POST,
    CSRF-protected, rate limited per address): the place is free again, an SMS confirms it."""
    form = CancelForm(request.POST or None)
    status = 200
    cancelled = None
    if request.method == "POST":
        status = 422
        if _limited(request, "cancel"):
            form.add_error(None, _("Too many attempts from this connection. Please try again later."))
            status = 429
        elif form.is_valid():
            with service_errors(request, form=form) as outcome:
                cancelled = services.booking_cancel(
                    actor=None, code=form.cleaned_data["code"], phone=form.cleaned_data["phone"]
                )
            status = outcome.error.status if outcome.error else 200
    if cancelled is not None:
        form = CancelForm()
    return render(request, "queues/public_cancel.html", {"form": form, "cancelled": cancelled}, status=status)


# --- Public: the kiosk ------------------------------------------------------------------------------


class CheckInForm(StyledForm):
    code = forms.CharField(
        label=gettext_lazy("Booking code"),
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )


@public
def kiosk_view(request: HttpRequest, token: str) -> HttpResponse:
    """The touch kiosk of an office (its address is signed): a ticket per service, or the
    booking code for a booked visit. The slip prints on a 58 mm printer."""
    office = selectors.kiosk_office(token)
    form = CheckInForm(request.POST if request.POST.get("action") == "checkin" else None)
    error = None
    status = 200
    if request.method == "POST":
        status = 422
        try:
            if request.POST.get("action") == "checkin":
                if _limited(request, "checkin"):
                    raise ServiceError(
                        _("Too many attempts. Please ask the officer at the desk."), status=429
                    )
                if not form.is_valid():
                    raise ServiceError(_("Type the booking code from your SMS."), status=422)
                ticket = services.booking_check_in(office=office, code=form.cleaned_data["code"])
            else:
                try:
                    service_id = int(request.POST.get("service", ""))
                except ValueError:
                    raise ServiceError(_("Choose a service."), status=422) from None
                ticket = services.ticket_issue(actor=None, office=office, service_id=service_id)
        except ServiceError as exc:
            error = str(exc.message)
            status = exc.status
        else:
            return redirect("queues:kiosk_ticket", token=token, ticket_id=ticket.pk)
    return render(
        request,
        "queues/kiosk.html",
        {
            "office": office,
            "services": selectors.services_public(office),
            "form": form,
            "error": error,
            "token": token,
        },
        status=status,
    )


@public
def kiosk_ticket_view(request: HttpRequest, token: str, ticket_id: int) -> HttpResponse:
    office = selectors.kiosk_office(token)
    ticket = services.ticket_for_kiosk(office, ticket_id)
    return render(
        request,
        "queues/kiosk_ticket.html",
        {"office": office, "ticket": ticket, "estimate": selectors.wait_estimate(ticket), "token": token},
    )


# --- Public: the call screen ---------------------------------------------------------------------


@public
def screen_view(request: HttpRequest, office_id: int) -> HttpResponse:
    """The TV at the office: the ticket called at each counter, the last calls, a chime and the
    spoken call (id-ID voice when the browser has one). Full screen, no login."""
    feed = selectors.screen_feed(office_id)
    response = render(request, "queues/screen.html", {"feed": feed, "office_id": office_id})
    response["Cache-Control"] = "no-cache"
    return response


@public
def screen_feed_view(request: HttpRequest, office_id: int) -> JsonResponse:
    try:
        feed = selectors.screen_feed(office_id)
    except NotFound:
        return JsonResponse({"code": "not_found", "message": _("Not found."), "details": None}, status=404)
    response = JsonResponse(feed, encoder=DjangoJSONEncoder)
    response["Cache-Control"] = "no-cache"
    return response


# --- Officers: offices and the desk -------------------------------------------------------------


@requires(caps.OPERATE, caps.MANAGE, caps.STATS)
def offices_view(request: HttpRequest) -> HttpResponse:
    actor = page_actor(request)
    return render(
        request,
        "queues/offices.html",
        {"offices": list(selectors.offices_visible(actor)), "can_manage": actor.can(caps.MANAGE)},
    )


class DeskForm(StyledForm):
    service = forms.TypedChoiceField(label=gettext_lazy("Service"), coerce=int)
    phone = forms.CharField(
        label=gettext_lazy("Mobile number (SMS when five are ahead)"), max_length=20, required=False
    )
    tracking_code = forms.CharField(
        label=gettext_lazy("Application tracking code"), max_length=12, required=False
    )

    def __init__(self, *args: Any, office: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["service"]).choices = [
            (s.pk, str(s)) for s in QueueService.objects.filter(office=office, is_active=True)
        ]


@requires(caps.OPERATE, caps.MANAGE, caps.STATS)
def office_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = page_actor(request)
    office = selectors.office_get(actor, pk)
    context = {
        "office": office,
        "overview": selectors.office_overview(actor, office),
        "desk_form": DeskForm(office=office),
        "can_operate": selectors.operates(actor, office),
        "can_manage": actor.can(caps.MANAGE),
        "can_see_bookings": selectors.bookings_visible_to(actor, office),
        "kiosk_token": selectors.kiosk_token(office) if actor.can(caps.MANAGE) else None,
    }
    if _htmx(request):
        return render(request, "queues/_office_panel.html", context)
    # The office's own staff cancel bookings (a resident who calls or comes to the desk).
    context["bookings"] = selectors.office_bookings(office) if context["can_operate"] else []
    context["cancel_form"] = OfficeCancelForm()
    return render(request, "queues/office.html", context)


class OfficeCancelForm(StyledForm):
    code = forms.CharField(
        label=gettext_lazy("Booking code"),
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )


@requires(caps.OPERATE)
@require_POST
def booking_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    """An officer of the office cancels one of its bookings by its code; the holder gets an SMS."""
    actor = page_actor(request)
    office = selectors.office_get(actor, pk)
    form = OfficeCancelForm(request.POST)
    if form.is_valid():
        with service_errors(request):
            booking = services.booking_cancel(
                actor=actor, code=form.cleaned_data["code"], channel=BookingChannel.DESK
            )
            messages.success(
                request,
                _("Booking %(code)s is cancelled; the holder gets an SMS.") % {"code": booking.code},
            )
    else:
        messages.error(request, _("Type the booking code."))
    return redirect("queues:office", pk=office.pk)


class BookingFilterForm(StyledForm):
    day = forms.DateField(
        label=gettext_lazy("Day"),
        required=False,
        help_text=gettext_lazy("Empty: every day."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    service = forms.TypedChoiceField(
        label=gettext_lazy("Service"), required=False, coerce=int, empty_value=None
    )
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False)
    code = forms.CharField(
        label=gettext_lazy("Booking code"),
        required=False,
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )

    def __init__(self, *args: Any, office: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        every = [("", _("all"))]
        cast(forms.ChoiceField, self.fields["service"]).choices = every + [
            (s.pk, str(s)) for s in QueueService.objects.filter(office=office)
        ]
        cast(forms.ChoiceField, self.fields["status"]).choices = every + list(BookingStatus.choices)

    def filters(self) -> selectors.BookingFilters:
        d = self.cleaned_data
        return selectors.BookingFilters(
            day=d["day"],
            service_id=d["service"],
            status=d["status"],
            code=services.booking_code_normalize(d["code"]),
        )


BOOKINGS_PER_PAGE = 50


@requires(caps.OPERATE, caps.MANAGE)
def office_bookings_view(request: HttpRequest, pk: int) -> HttpResponseBase:
    """An office's bookings of a day (today unless another day or every day is chosen), by
    service, status and (part of) a code; paginated, printed or exported as CSV or XLSX
    (`?format=`, `core.tables`: exactly the rows the filters select, one audit row naming the
    office and the filters, the searched code by name only). For the office's own staff who
    operate the counters and those who manage queues; another office's officer finds nothing."""
    actor = page_actor(request)
    office = selectors.office_for_bookings(actor, pk)
    data = request.GET.copy()
    data.pop("page", None)
    data.pop("format", None)
    if "day" not in data:  # the page as it opens: today's bookings
        data["day"] = timezone.localdate().isoformat()
    form = BookingFilterForm(data, office=office)
    if form.is_valid():
        status = 200
        rows = selectors.bookings_list(actor, office, form.filters())
        shown = [
            Filter("office", _("Office"), office.unit.name, value=str(office.pk)),
            *form_filters(form, private=("code",)),
        ]
        table = replace(tables.BOOKINGS, filename=f"pemesanan-{slugify(office.unit.name)}"[:60])
        answer = table_response(request, table, rows, filters=shown)
        if answer is not None:
            return answer
    else:  # the page says which filter is wrong and lists nothing; nothing is exported
        status = 400
        rows = Booking.objects.none()
        if export_format(request):
            messages.error(request, _("Check the filters of the export."))
    page = paginate(request, rows, per_page=BOOKINGS_PER_PAGE)
    return render(
        request,
        "queues/bookings.html",
        {
            "office": office,
            "form": form,
            "page": page,
            "count": page.paginator.count,
            "can_operate": selectors.operates(actor, office),
        },
        status=status,
    )


@requires(caps.OPERATE)
@require_POST
def desk_issue_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = page_actor(request)
    office = selectors.office_get(actor, pk)
    form = DeskForm(request.POST, office=office)
    if form.is_valid():
        d = form.cleaned_data
        with service_errors(request):
            ticket = services.desk_ticket_issue(
                actor=actor,
                office_id=office.pk,
                service_id=d["service"],
                phone=d["phone"],
                tracking_code=d["tracking_code"],
            )
            estimate = selectors.wait_estimate(ticket)
            messages.success(
                request,
                _("Ticket %(code)s issued: %(ahead)d ahead, about %(minutes)d minutes.")
                % {"code": ticket.code, **estimate},
            )
    else:
        messages.error(request, _("Choose a service."))
    return redirect("queues:office", pk=office.pk)


# --- Officers: a counter --------------------------------------------------------------------------


class TransferForm(StyledForm):
    to_counter = forms.TypedChoiceField(
        label=gettext_lazy("To counter"), coerce=int, required=False, empty_value=None
    )
    to_service = forms.TypedChoiceField(
        label=gettext_lazy("To service"), coerce=int, required=False, empty_value=None
    )
    note = forms.CharField(label=gettext_lazy("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, counter: Counter, **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["to_counter"]).choices = [("", "—")] + [
            (c.pk, str(c))
            for c in Counter.objects.filter(office_id=counter.office_id, is_active=True).exclude(
                pk=counter.pk
            )
        ]
        cast(forms.ChoiceField, self.fields["to_service"]).choices = [("", "—")] + [
            (s.pk, str(s)) for s in QueueService.objects.filter(office_id=counter.office_id, is_active=True)
        ]


def _current_context(
    request: HttpRequest, counter: Counter, ticket: Ticket | None, *, fragment: bool
) -> dict[str, Any]:
    """The current ticket's part of the counter page: the ticket, what it is for, the buttons."""
    actor = page_actor(request)
    return {
        "counter": counter,
        "ticket": ticket,
        "links": selectors.ticket_links(actor, ticket) if ticket else [],
        # The call button's choice of service (shown when the counter is free).
        "call_services": [] if ticket else list(counter.services.filter(is_active=True)),
        "can_operate": actor.unit_id == counter.office.unit_id,
        "fragment": fragment,
    }


def _status_context(counter: Counter) -> dict[str, Any]:
    """The part that refreshes on its own: who waits for this counter and what it serves."""
    served = list(counter.services.filter(is_active=True))
    return {
        "counter": counter,
        "served": served,
        "waiting": selectors.counter_waiting(counter, [s.pk for s in served]),
    }


@requires(caps.OPERATE)
def counter_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The counter's page; its htmx poll gets the waiting count and the services only."""
    counter = selectors.counter_get(page_actor(request), pk)
    if _htmx(request):
        context = _status_context(counter)
        ticket = services.current_ticket(counter)
        shown = f"{ticket.pk}-{ticket.calls}" if ticket else ""
        if request.GET.get("shown", "") != shown:  # changed elsewhere: the current part comes along
            context.update(_current_context(request, counter, ticket, fragment=False), current_changed=True)
        return render(request, "queues/_counter_status.html", context)
    context = {
        **_status_context(counter),
        **_current_context(request, counter, services.current_ticket(counter), fragment=False),
        "transfer_form": TransferForm(counter=counter),
    }
    return render(request, "queues/counter.html", context)


@requires(caps.OPERATE)
@require_POST
def counter_act_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Call next, recall, skip, transfer, finish. With htmx only the current ticket's part comes
    back (the waiting count refreshes by its own poll): calling next stays a fixed, small number
    of queries whatever the length of the queue. Without htmx, the page again."""
    actor = page_actor(request)
    action = request.POST.get("action", "")
    ticket: Ticket | None = None
    known = False  # `ticket` is the counter's ticket after the action (no need to read it again)
    if action == "call":
        # The hot path: the service reads the counter (in scope, the officer's own) and hands
        # it back on the ticket it called.
        service_id = request.POST.get("service") or None
        with service_errors(request):
            ticket = services.counter_call_next(
                actor=actor,
                counter_id=pk,
                service_id=int(service_id) if service_id and service_id.isdigit() else None,
            )
            known = True
            if ticket is None:
                messages.info(request, _("Nobody is waiting for this counter."))
            else:
                messages.success(request, _("Calling %(code)s.") % {"code": ticket.code})
        if not _htmx(request):
            return redirect("queues:counter", pk=pk)
        if ticket is not None and ticket.counter is not None:
            counter = ticket.counter
        else:
            counter = selectors.counter_get(actor, pk)
            if not known:
                ticket = services.current_ticket(counter)
        return render(
            request, "queues/_counter_current.html", _current_context(request, counter, ticket, fragment=True)
        )
    counter = selectors.counter_get(actor, pk)
    with service_errors(request):
        if action == "recall":
            ticket = services.counter_recall(actor=actor, counter_id=counter.pk)
            known = True
            messages.success(request, _("Calling %(code)s again.") % {"code": ticket.code})
        elif action == "skip":
            done = services.counter_skip(actor=actor, counter_id=counter.pk)
            known = True
            messages.success(request, _("%(code)s did not come: skipped.") % {"code": done.code})
        elif action == "finish":
            done = services.counter_finish(actor=actor, counter_id=counter.pk)
            known = True
            messages.success(request, _("%(code)s finished.") % {"code": done.code})
        elif action == "transfer":
            form = TransferForm(request.POST, counter=counter)
            if not form.is_valid():
                raise ServiceError(_("Choose a counter or a service to transfer to."))
            d = form.cleaned_data
            done = services.counter_transfer(
                actor=actor,
                counter_id=counter.pk,
                to_counter_id=d["to_counter"],
                to_service_id=d["to_service"],
                note=d["note"],
            )
            known = True
            messages.success(request, _("%(code)s transferred.") % {"code": done.code})
        else:
            raise ServiceError(_("Unknown action."))
    if not _htmx(request):
        return redirect("queues:counter", pk=counter.pk)
    if not known:  # refused: show the counter as it is
        ticket = services.current_ticket(counter)
    return render(
        request, "queues/_counter_current.html", _current_context(request, counter, ticket, fragment=True)
    )


@requires(caps.OPERATE)
def ticket_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = page_actor(request)
    ticket = selectors.ticket_open(actor, pk)
    return render(
        request,
        "queues/ticket.html",
        {
            "ticket": ticket,
            "events": list(ticket.events.select_related("counter", "actor")),
            "links": selectors.ticket_links(actor, ticket),
        },
    )


# --- Officers: set-up ------------------------------------------------------------------------------


class OfficeForm(StyledForm):
    unit = forms.TypedChoiceField(label=gettext_lazy("Office"), coerce=int)
    opens_at = forms.TimeField(label=gettext_lazy("Opens at"), widget=forms.TimeInput(attrs={"type": "time"}))
    closes_at = forms.TimeField(
        label=gettext_lazy("Closes at"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    friday_closes_at = forms.TimeField(
        label=gettext_lazy("Closes on Friday at"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
    )
    slot_minutes = forms.IntegerField(
        label=gettext_lazy("Booking slot (minutes)"), min_value=5, max_value=240
    )
    booking_days = forms.IntegerField(label=gettext_lazy("Bookable days ahead"), min_value=0, max_value=90)


class ServiceForm(StyledForm):
    code = forms.CharField(label=gettext_lazy("SMS code"), max_length=12)
    letter = forms.CharField(label=gettext_lazy("Ticket letter"), max_length=1)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=ServiceKind.choices)
    daily_quota = forms.IntegerField(
        label=gettext_lazy("Daily quota (empty: no limit)"), min_value=0, required=False
    )
    quota_source = forms.ChoiceField(
        label=gettext_lazy("The daily quota follows"),
        required=False,
        help_text=gettext_lazy(
            "A live figure is read at every booking and ticket; the typed quota applies when the "
            "figure cannot be read. A day's own quota wins over both."
        ),
    )
    slot_capacity = forms.IntegerField(
        label=gettext_lazy("Bookings per slot"), min_value=1, max_value=500, initial=4
    )
    average_minutes = forms.IntegerField(
        label=gettext_lazy("Usual minutes per ticket"), min_value=1, max_value=240, initial=10
    )
    bookable = forms.BooleanField(label=gettext_lazy("Bookable"), required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["quota_source"]).choices = [
            ("", _("The typed daily quota")),
            *((f.key, str(f.label)) for f in office_figures()),
        ]


class CounterForm(StyledForm):
    number = forms.IntegerField(label=gettext_lazy("Counter number"), min_value=1, max_value=999)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=60, required=False)
    services = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Services served"), coerce=int, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, office: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["services"]).choices = [
            (s.pk, str(s)) for s in QueueService.objects.filter(office=office)
        ]


class QuotaForm(StyledForm):
    service = forms.TypedChoiceField(label=gettext_lazy("Service"), coerce=int)
    day = forms.DateField(label=gettext_lazy("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    quota = forms.IntegerField(label=gettext_lazy("Quota (empty: the usual)"), min_value=0, required=False)
    note = forms.CharField(
        label=gettext_lazy("Note, e.g. blanks allotted today"), max_length=200, required=False
    )

    def __init__(self, *args: Any, office: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["service"]).choices = [
            (s.pk, str(s)) for s in QueueService.objects.filter(office=office)
        ]


def _unit_choices(actor: Any) -> list[tuple[int, str]]:
    from warga.core.scoping import scoped
    from warga.org.models import Unit

    from .services.setup import OFFICE_KINDS

    return [(u.pk, u.name) for u in scoped(Unit.objects.filter(kind__in=OFFICE_KINDS, is_active=True), actor)]


@requires(caps.MANAGE)
def office_new_view(request: HttpRequest) -> HttpResponse:
    actor = page_actor(request)
    form = OfficeForm(
        request.POST or None,
        initial={"opens_at": "08:00", "closes_at": "15:00", "slot_minutes": 30, "booking_days": 14},
    )
    cast(forms.ChoiceField, form.fields["unit"]).choices = _unit_choices(actor)
    if request.method == "POST" and form.is_valid():
        with service_errors(request, form=form):
            office = services.office_setup(
                actor=actor,
                unit_id=form.cleaned_data["unit"],
                **{
                    k: form.cleaned_data[k]
                    for k in ("opens_at", "closes_at", "friday_closes_at", "slot_minutes", "booking_days")
                },
            )
            messages.success(request, _("The queue of %(office)s is set up.") % {"office": office})
            return redirect("queues:manage", pk=office.pk)
    return render(request, "queues/office_new.html", {"form": form})


def _services_with_quota(office: Any) -> list[dict[str, Any]]:
    """The office's services with today's quota and where it comes from (the typed number, the
    day's own or the live figure it follows, read now)."""
    listed = list(QueueService.objects.filter(office=office).select_related("office"))
    quotas = selectors.service_quotas(office, timezone.localdate(), listed)
    return [
        {
            "service": s,
            "source": services.quota_source_label(s.quota_source),
            "today": quotas[s.pk],
        }
        for s in listed
    ]


@requires(caps.MANAGE)
def office_manage_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = page_actor(request)
    office = selectors.office_get(actor, pk)
    which = request.POST.get("form", "") if request.method == "POST" else ""
    office_form = OfficeForm(
        request.POST if which == "office" else None,
        initial={
            "unit": office.unit_id,
            "opens_at": office.opens_at,
            "closes_at": office.closes_at,
            "friday_closes_at": office.friday_closes_at,
            "slot_minutes": office.slot_minutes,
            "booking_days": office.booking_days,
        },
    )
    cast(forms.ChoiceField, office_form.fields["unit"]).choices = [(office.unit_id, office.unit.name)]
    service_form = ServiceForm(request.POST if which == "service" else None)
    counter_form = CounterForm(request.POST if which == "counter" else None, office=office)
    quota_form = QuotaForm(
        request.POST if which == "quota" else None, office=office, initial={"day": timezone.localdate()}
    )
    done = None
    if which == "office" and office_form.is_valid():
        with service_errors(request, form=office_form):
            d = office_form.cleaned_data
            services.office_setup(
                actor=actor,
                unit_id=office.unit_id,
                **{
                    k: d[k]
                    for k in ("opens_at", "closes_at", "friday_closes_at", "slot_minutes", "booking_days")
                },
            )
            done = _("Opening hours saved.")
    elif which == "service" and service_form.is_valid():
        with service_errors(request, form=service_form):
            d = service_form.cleaned_data
            services.service_save(actor=actor, office_id=office.pk, data=services.ServiceInput(**d))
            done = _("Service saved.")
    elif which == "counter" and counter_form.is_valid():
        with service_errors(request, form=counter_form):
            d = counter_form.cleaned_data
            services.counter_save(
                actor=actor,
                office_id=office.pk,
                number=d["number"],
                name=d["name"],
                service_ids=d["services"],
            )
            done = _("Counter saved.")
    elif which == "quota" and quota_form.is_valid():
        with service_errors(request, form=quota_form):
            d = quota_form.cleaned_data
            services.quota_set(
                actor=actor, service_id=d["service"], day=d["day"], quota=d["quota"], note=d["note"]
            )
            done = _("Quota saved.")
    if done:
        messages.success(request, done)
        return redirect("queues:manage", pk=office.pk)
    return render(
        request,
        "queues/manage.html",
        {
            "office": office,
            "office_form": office_form,
            "service_form": service_form,
            "counter_form": counter_form,
            "quota_form": quota_form,
            "services": _services_with_quota(office),
            "counters": list(Counter.objects.filter(office=office).prefetch_related("services")),
            "kiosk_token": selectors.kiosk_token(office),
        },
    )


# --- Statistics ----------------------------------------------------------------------------------


class StatsForm(forms.Form):
    office = forms.TypedChoiceField(coerce=int, required=False)
    start = forms.DateField(required=False)
    end = forms.DateField(required=False)


@requires(caps.STATS)
def stats_view(request: HttpRequest) -> HttpResponse:
    actor = page_actor(request)
    offices = list(selectors.offices_visible(actor))
    form = StatsForm(request.GET or None)
    cast(forms.ChoiceField, form.fields["office"]).choices = [(o.pk, str(o)) for o in offices]
    today = timezone.localdate()
    office, start, end = (offices[0] if offices else None), today - timedelta(days=6), today
    if form.is_valid():
        d = form.cleaned_data
        office = next((o for o in offices if o.pk == d["office"]), office)
        start, end = d["start"] or start, d["end"] or end
    stats = selectors.queue_stats(actor=actor, office=office, start=start, end=end) if office else None
    return render(
        request,
        "queues/stats.html",
        {"offices": offices, "office": office, "stats": stats, "start": start, "end": end},
    )
