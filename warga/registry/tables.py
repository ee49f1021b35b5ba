"""A residents search's results as a table (`warga.core.tables`), for the export buttons under
the results (`/registry/export/`: the search is posted with them, so no name or NIK sits in a
URL). The columns are what the results list shows, nothing more."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from warga.core.tables import Column, Table

RESIDENTS = Table(
    action="registry.residents",
    title=_("Residents"),
    filename="penduduk",
    object_type="registry.resident",
    columns=(
        Column(_("NIK"), lambda r: r.nik),
        Column(_("Full name"), lambda r: r.full_name),
        Column(_("Sex"), lambda r: r.get_sex_display()),
        Column(_("Date of birth"), lambda r: r.birth_date),
        Column(_("Desa/kelurahan"), lambda r: r.desa.display_name),
        Column(_("RW"), lambda r: r.rw),
        Column(_("RT"), lambda r: r.rt),
        Column(_("KK number"), lambda r: r.family.kk_number if r.family_id else ""),
        Column(_("Status"), lambda r: r.get_life_status_display()),
    ),
)
