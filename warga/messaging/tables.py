"""The SMS lists as tables (`warga.core.tables`): the broadcasts and the daily statistics, for
`?format=csv|xlsx|print`."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from warga.core.tables import Column, Table

BROADCASTS = Table(
    action="sms.broadcasts",
    title=_("SMS broadcasts"),
    filename="siaran-sms",
    columns=(
        Column(_("Name"), lambda b: b.name),
        Column(_("Kind"), lambda b: b.get_kind_display()),
        Column(_("Area"), lambda b: b.area.display_name),
        Column(_("Recipients"), lambda b: b.recipients_estimate),
        Column(_("Status"), lambda b: b.get_status_display()),
        Column(_("Created"), lambda b: b.created_at),
        Column(_("Send at"), lambda b: b.scheduled_for),
    ),
)

STATS = Table(
    action="sms.stats",
    title=_("SMS statistics"),
    filename="statistik-sms",
    columns=(
        Column(_("Day"), lambda r: r["day"]),
        Column(_("Messages"), lambda r: r["total"]),
        Column(_("SMS parts"), lambda r: r["segments"]),
        Column(_("Delivered"), lambda r: r["delivered"]),
        Column(_("Sent, no report yet"), lambda r: r["sent"]),
        Column(_("Failed"), lambda r: r["failed"]),
        Column(_("Expired"), lambda r: r["expired"]),
        Column(_("Waiting"), lambda r: r["queued"] + r["sending"]),
        Column(_("Cancelled"), lambda r: r["cancelled"]),
    ),
)
