"""The outreach lists as tables (`warga.core.tables`): the events with their results, and one
event's targets."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from warga.core.tables import Column, Table

EVENTS = Table(
    action="outreach.events",
    title=_("Outreach (jemput bola)"),
    filename="jemput-bola",
    columns=(
        Column(_("Date"), lambda e: e.date),
        Column(_("Place"), lambda e: e.desa.display_name + (f", {e.dusun}" if e.dusun else "")),
        Column(_("Meeting point"), lambda e: e.meeting_point),
        Column(_("Team"), lambda e: e.team.name),
        Column(_("Services"), lambda e: ", ".join(str(s) for s in e.service_labels())),
        Column(_("Status"), lambda e: e.get_status_display()),
        Column(_("Targeted"), lambda e: e.n_targets),
        Column(_("Served"), lambda e: e.n_served),
        Column(_("Outside the list"), lambda e: e.n_outside),
    ),
)

TARGETS = Table(
    action="outreach.event.targets",
    title=_("Targets"),
    filename="sasaran-jemput-bola",
    columns=(
        Column(_("Resident"), lambda t: t.resident.full_name),
        Column(_("RT/RW"), lambda t: f"{t.resident.rt or '-'}/{t.resident.rw or '-'}"),
        Column(_("Kind"), lambda t: t.get_kind_display()),
        Column(_("On the target list"), lambda t: t.on_list),
        Column(_("Served"), lambda t: t.served_at),
    ),
)
