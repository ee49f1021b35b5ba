"""The imports list as a table (`warga.core.tables`): the import page answers
`?format=csv|xlsx|print` with the batches its list shows (the officer's area)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from warga.core.tables import Column, Table

BATCHES = Table(
    action="imports.batches",
    title=_("Recent imports"),
    filename="impor-penduduk",
    object_type="imports.importbatch",
    columns=(
        Column("#", lambda b: b.pk),
        Column(_("File"), lambda b: b.file_name),
        Column(_("Status"), lambda b: b.get_status_display()),
        Column(_("Rows"), lambda b: b.rows_read or b.rows_expected),
        Column(_("Uploaded"), lambda b: b.created_at),
        Column(_("Uploaded by"), lambda b: b.created_by.get_full_name() or b.created_by.username),
    ),
)
