"""The staff list as a table (`warga.core.tables`): the list page answers `?format=csv|xlsx|print`
with the accounts it shows, under the same filters. What the page shows and nothing more: no
password, second factor or login data."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from warga.core.tables import Column, Table

from .models import User


def _status(user: User) -> str:
    if not user.is_active:
        return str(_("inactive"))
    return str(_("locked")) if user.is_locked() else str(_("active"))


STAFF = Table(
    action="accounts.staff",
    title=_("Staff"),
    filename="petugas",
    object_type="accounts.user",
    columns=(
        Column(_("Username"), lambda u: u.username),
        Column(_("Name"), lambda u: u.get_full_name()),
        Column(_("Roles"), lambda u: ", ".join(str(r) for r in u.roles.all())),
        Column(_("Unit"), lambda u: u.unit.name if u.unit_id else ""),
        Column(_("Area"), lambda u: u.area.display_name if u.area_id else ""),
        Column(_("Status"), _status),
    ),
)
