"""The audit log list as a table (`warga.core.tables`): the list page answers
`?format=csv|xlsx|print` with the entries it shows, under the same filters."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from warga.core.tables import Column, Table

ENTRIES = Table(
    action="audit.log",
    title=_("Audit log"),
    filename="log-audit",
    object_type="audit.auditlog",
    columns=(
        Column(_("Time"), lambda e: e.at),
        Column(_("Officer"), lambda e: e.actor.username if e.actor_id else ""),
        Column(_("Unit"), lambda e: e.actor_unit.name if e.actor_unit_id else ""),
        Column(_("Action"), lambda e: e.action),
        Column(_("Object"), lambda e: f"{e.object_type} {e.object_id}".strip()),
        Column(_("Address"), lambda e: e.ip or ""),
        Column(_("Channel"), lambda e: e.channel),
    ),
)
