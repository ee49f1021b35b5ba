from django.utils.translation import gettext_lazy as _

from warga.core.nav import NavItem, register

register(
    NavItem(
        _("Units"), "org:unit_list", "org.units.view", icon="building", section=_("Administration"), order=930
    )
)
