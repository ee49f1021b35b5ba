"""The officers' list of information requests as a table (`warga.core.tables`), for
`?format=csv|xlsx|print`: the rows the page shows, nothing of the requester."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from warga.core.tables import Column, Table

REQUESTS = Table(
    action="ppid.requests",
    title=_("Information requests"),
    filename="permohonan-informasi",
    columns=(
        Column(_("Number"), lambda r: r.number),
        Column(_("Received"), lambda r: r.received_on),
        Column(_("Received by"), lambda r: r.receiving_unit.name),
        Column(_("Held by"), lambda r: r.holding_unit.name),
        Column(_("Status"), lambda r: r.get_status_display()),
        Column(_("Decision"), lambda r: r.get_outcome_display() if r.outcome else ""),
        Column(_("Escalation"), lambda r: r.escalation_level),
        Column(_("Notice due"), lambda r: r.due_on),
        Column(_("Extended"), lambda r: r.extended_at is not None),
        Column(_("Overdue"), lambda r: r.is_overdue()),
    ),
)
