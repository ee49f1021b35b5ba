"""The units list as a table (`warga.core.tables`): the list page answers `?format=csv|xlsx|print`
with the units it shows, under the same filters."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from warga.core.tables import Column, Table

UNITS = Table(
    action="org.units",
    title=_("Units"),
    filename="unit-kerja",
    object_type="org.unit",
    columns=(
        Column(_("Name"), lambda u: u.name),
        Column(_("Type"), lambda u: u.get_kind_display()),
        Column(_("Area"), lambda u: u.area.display_name if u.area_id else ""),
        Column(_("Head"), lambda u: u.head_name),
        Column(_("Phone"), lambda u: u.phone),
        Column(_("Email"), lambda u: u.email),
        Column(_("Active"), lambda u: u.is_active),
    ),
)
