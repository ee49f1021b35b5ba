from django.utils.translation import gettext_lazy as _

from warga.core.nav import NavItem, register

register(
    NavItem(
        _("Staff"),
        "accounts:staff_list",
        "accounts.manage",
        icon="people",
        section=_("Administration"),
        order=940,
    )
)
