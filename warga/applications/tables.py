"""The application lists as tables: the queue and the statistics, for `?format=csv|xlsx|print`
(`warga.core.tables`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from warga.core.tables import Column, Table

QUEUE = Table(
    action="applications.queue",
    title=_("Applications"),
    filename="permohonan",
    columns=(
        Column(_("Code"), lambda a: a.tracking_code),
        Column(_("Service"), lambda a: a.service.display_name),
        Column(_("Applicant"), lambda a: a.applicant_name),
        Column(_("Office"), lambda a: a.office.name),
        Column(_("Status"), lambda a: a.get_status_display()),
        Column(_("Assigned to"), lambda a: a.assigned_to.username if a.assigned_to else ""),
        Column(_("Due"), lambda a: a.stage_due_on),
        Column(_("Overdue"), lambda a: bool(a.is_overdue)),
    ),
)

STATS = Table(
    action="applications.stats",
    title=_("Application statistics"),
    filename="statistik-permohonan",
    columns=(
        Column(_("Office"), lambda r: r["office"]),
        Column(_("Service"), lambda r: r["service"]),
        Column(_("Received"), lambda r: r["received"]),
        Column(_("Completed"), lambda r: r["completed"]),
        Column(_("Overdue"), lambda r: r["overdue"]),
    ),
)
