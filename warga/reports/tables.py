"""The cases inbox as a table (`warga.core.tables`): the handler's inbox, the oversight view and
a unit's inbox answer `?format=csv|xlsx|print` with the rows they show.

Not the SP4N-LAPOR! export (`services/export.py`): that one is a hand-over file for the national
system (fixed Indonesian headers, every step's time and the answer, the complaint handler only);
this one is the officer's list as the page shows it, for whoever may open the page."""

from __future__ import annotations

from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from warga.core.tables import Column, Table

INBOX = Table(
    action="reports.inbox",
    title=_("Cases"),
    filename="kasus",
    columns=(
        Column(_("Code"), lambda c: c.tracking_code),
        Column(_("Received"), lambda c: c.received_at),
        Column(_("Kind"), lambda c: c.get_kind_display()),
        Column(_("Category"), lambda c: c.get_category_display()),
        Column(_("Desa"), lambda c: c.desa.name if c.desa else ""),
        Column(_("Report"), lambda c: Truncator(c.text).chars(120)),
        Column(_("Unit"), lambda c: c.assigned_unit.name if c.assigned_unit else ""),
        Column(_("Status"), lambda c: c.get_status_display()),
        Column(_("Escalation"), lambda c: c.escalation_level),
        Column(_("Due"), lambda c: c.due_on()),
        Column(_("Overdue"), lambda c: c.is_overdue()),
    ),
)
