"""The SMS lists as tables (`warga.core.tables`): the broadcasts, the daily statistics and the
residents' invitations, for `?format=csv|xlsx|print`."""

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

# How an invitation came in (`Invitation.channel`).
INVITATION_CHANNELS = {"sms": _("SMS"), "desa_office": _("Desa office")}

INVITATIONS = Table(
    action="sms.invitations",
    title=_("Residents' invitations"),
    filename="undangan-warga",
    columns=(
        Column(_("Received"), lambda i: i.created_at),
        Column(_("Resident"), lambda i: i.resident.full_name),
        Column(_("Desa"), lambda i: i.desa.name),
        Column(_("RW"), lambda i: i.rw),
        Column(_("RT"), lambda i: i.rt),
        Column(_("Send to"), lambda i: i.get_scope_display()),
        Column(_("Invitation"), lambda i: i.text),
        Column(_("Channel"), lambda i: INVITATION_CHANNELS.get(i.channel, i.channel)),
        Column(_("Status"), lambda i: i.get_status_display()),
        Column(_("Reason"), lambda i: i.reason),
        Column(_("Decided"), lambda i: i.decided_at),
    ),
)
