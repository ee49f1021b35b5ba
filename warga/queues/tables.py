"""An office's bookings as a table (`warga.core.tables`), for the print view and the CSV and XLSX
exports of the bookings page (`?format=csv|xlsx|print`): the columns the page shows, the phone
number masked, never a NIK."""

from __future__ import annotations

from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from warga.core.tables import Column, Table

from .models import Booking


def slot_text(booking: Booking) -> str:
    """The booking's slot in the installation's time format: "08.00–08.30"."""
    start, end = (formats.time_format(timezone.localtime(t)) for t in (booking.slot_start, booking.slot_end))
    return f"{start}–{end}"


BOOKINGS = Table(
    action="queues.bookings",
    title=_("Bookings"),
    filename="pemesanan-antrean",
    object_type="queues.booking",
    columns=(
        Column(_("Day"), lambda b: b.day),
        Column(_("Time"), slot_text),
        Column(_("Service"), lambda b: f"{b.service.letter} · {b.service.name}"),
        Column(_("Booking code"), lambda b: b.code),
        Column(_("Status"), lambda b: b.get_status_display()),
        Column(_("Mobile number"), lambda b: b.masked_phone()),
        Column(_("Application tracking code"), lambda b: b.tracking_code),
        Column(_("In the register"), lambda b: b.resident_id is not None),
        Column(_("Booked through"), lambda b: b.get_channel_display()),
    ),
)
