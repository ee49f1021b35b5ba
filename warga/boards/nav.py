from django.utils.translation import gettext_lazy as _

from warga.core.nav import NavItem, register

register(
    NavItem(
        _("Village boards"), "boards:list", "boards.announce", icon="display", section=_("SMS"), order=840
    )
)
