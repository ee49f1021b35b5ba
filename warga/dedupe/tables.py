"""The duplicate candidates list as a table (`warga.core.tables`): the queue page answers
`?format=csv|xlsx|print` with the pairs it shows (the verifier's area, the status chosen).
What the queue shows and nothing more: the two names, dates of birth and desa, the source and the
score; no NIK (that is on the pair's own page, read one by one and audited there)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from warga.core.tables import Column, Table

CANDIDATES = Table(
    action="dedupe.candidates",
    title=_("Possible duplicates"),
    filename="kemungkinan-ganda",
    object_type="dedupe.duplicatecandidate",
    columns=(
        Column(_("Score (%)"), lambda c: round(c.score * 100)),
        Column(_("First record"), lambda c: c.resident_a.full_name),
        Column(_("Second record"), lambda c: c.resident_b.full_name),
        Column(_("Date of birth (first)"), lambda c: c.resident_a.birth_date),
        Column(_("Date of birth (second)"), lambda c: c.resident_b.birth_date),
        Column(_("Desa/kelurahan (first)"), lambda c: c.resident_a.desa.display_name),
        Column(_("Desa/kelurahan (second)"), lambda c: c.resident_b.desa.display_name),
        Column(_("Source"), lambda c: c.get_source_display()),
        Column(_("Status"), lambda c: c.get_status_display()),
    ),
)
