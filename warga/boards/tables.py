"""The announcements of the village boards as a table (`warga.core.tables`), for
`?format=csv|xlsx|print`: what each desa board shows or showed, for the record and the
moderation meeting."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from warga.core.tables import Column, Table

ANNOUNCEMENTS = Table(
    action="boards.announcements",
    title=_("Village boards"),
    filename="papan-desa",
    columns=(
        Column(_("Desa"), lambda a: a.desa.display_name),
        Column(_("From"), lambda a: a.get_source_display()),
        Column(_("Text"), lambda a: a.text),
        Column(_("Shown from"), lambda a: a.starts_at),
        Column(_("Shown until"), lambda a: a.ends_at),
        Column(_("Priority"), lambda a: a.priority),
        Column(_("Status"), lambda a: a.get_status_display()),
        Column(_("Reason"), lambda a: a.reason),
    ),
)
