"""ANTRI <service> <date> [NIK]: a queue booking by SMS, and BATAL <code>: its cancellation from
the number it was made with; both registered with messaging's keywords.

The office is the kecamatan office of the resident the number is verified for when it offers
the service, else the Disdukcapil's, else the first other office offering it; the first booking
time with room that day is taken. The
booking is idempotent on the incoming SMS (its id is the booking's `client_ref`)."""

from __future__ import annotations

import re
from datetime import date, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from warga.core.scoping import unscoped
from warga.messaging.keywords import KeywordContext, register_keyword

_DMY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})(?:[-/.](\d{2}|\d{4}))?$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
WORDS = {"HARIINI": 0, "BESOK": 1, "LUSA": 2}


def parse_day(text: str, today: date) -> date | None:
    """12-05-2026, 12/05/2026, 12-05 (the next such day), 2026-05-12, BESOK, LUSA, HARIINI."""
    word = text.upper().replace(" ", "")
    if word in WORDS:
        return today + timedelta(days=WORDS[word])
    try:
        iso = _ISO.match(text)
        if iso:
            return date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
        dmy = _DMY.match(text)
        if dmy:
            day, month, year = int(dmy.group(1)), int(dmy.group(2)), dmy.group(3)
            if year is None:
                found = date(today.year, month, day)
                return found if found >= today else date(today.year + 1, month, day)
            full = int(year) + (2000 if len(year) == 2 else 0)
            return date(full, month, day)
    except ValueError:
        return None
    return None


def _usage() -> str:
    return _("Send ANTRI <service> <date>, e.g. ANTRI KTP 12-05-2026. Services: %(codes)s.")


def _book(ctx: KeywordContext) -> str:
    from .models import Booking, BookingChannel, QueueOffice, QueueService
    from .services import BookingInput, booking_create

    client_ref = f"sms-{ctx.incoming.pk}"
    with unscoped("SMS: a number books at its kecamatan office or the Disdukcapil"):
        existing = Booking.objects.filter(client_ref=client_ref).select_related("service").first()
        if existing is not None:
            return _reply(existing)
        residents = ctx.residents
        words = ctx.args.split()
        nik = ""
        if words and re.fullmatch(r"\d{16}", words[-1]):
            nik = words.pop()
        resident = None
        if nik:
            resident = next((r for r in residents if r.nik == nik), None)
        elif len(residents) == 1:
            resident = residents[0]
            nik = resident.nik
        # The resident's kecamatan office first, then the Disdukcapil, then every other office.
        offices = []
        if resident is not None and resident.desa_id:
            kecamatan_code = resident.desa_id.rsplit(".", 1)[0]
            offices += list(QueueOffice.objects.filter(unit__area_id=kecamatan_code, is_active=True))
        offices += list(QueueOffice.objects.filter(unit__kind="disdukcapil", is_active=True))
        offices += list(
            QueueOffice.objects.filter(is_active=True)
            .exclude(pk__in=[o.pk for o in offices])
            .order_by("unit__name")
        )
        codes = sorted(
            set(
                QueueService.objects.filter(office__in=offices, is_active=True, bookable=True).values_list(
                    "code", flat=True
                )
            )
        )
        if len(words) < 2:
            return _usage() % {"codes": ", ".join(codes) or "-"}
        wanted = words[0].upper()
        service = None
        for office in offices:
            service = QueueService.objects.filter(
                office=office, code=wanted, is_active=True, bookable=True
            ).first()
            if service is not None:
                break
        if service is None:
            return _("Unknown service %(word)s. Services: %(codes)s. Example: ANTRI KTP 12-05-2026.") % {
                "word": wanted[:20],
                "codes": ", ".join(codes) or "-",
            }
        day = parse_day(" ".join(words[1:]), timezone.localdate())
        if day is None:
            return _(
                "The date %(text)s is not clear. Write it as day-month-year, e.g. ANTRI %(code)s 12-05-2026."
            ) % {
                "text": " ".join(words[1:])[:20],
                "code": service.code,
            }
        booking = booking_create(
            actor=None,
            data=BookingInput(
                service_id=service.pk,
                day=day,
                phone=ctx.number,
                nik=nik,
                resident_id=resident.pk if resident else None,
            ),
            channel=BookingChannel.SMS,
            client_ref=client_ref,
            notify=False,  # the reply carries the code
        )
        return _reply(booking)


def _reply(booking: object) -> str:
    from .models import Booking
    from .services import booking_sms_text

    assert isinstance(booking, Booking)
    return booking_sms_text(booking)


def _cancel(ctx: KeywordContext) -> str:
    """BATAL <code>: the number the booking was made with cancels it; the reply confirms."""
    from .models import BookingChannel
    from .services import booking_cancel, booking_cancelled_text

    if not ctx.args:
        return _("Send BATAL followed by the booking code from your SMS, e.g. BATAL ACD347.")
    booking = booking_cancel(  # "ACD 347" and "acd-347" are the code too
        actor=None, code=ctx.args, phone=ctx.number, channel=BookingChannel.SMS, notify=False
    )
    return booking_cancelled_text(booking)


def register() -> None:
    register_keyword(
        "ANTRI",
        _book,
        example="ANTRI KTP 12-05-2026",
        help_text=gettext_lazy("book a place in an office's queue; you get a code to check in at the kiosk"),
        order=35,
    )
    register_keyword(
        "BATAL",
        _cancel,
        example="BATAL ACD347",
        help_text=gettext_lazy(
            "cancel your queue booking (from the number you booked with) and free its place"
        ),
        order=36,
    )
