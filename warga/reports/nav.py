from django.utils.translation import gettext_lazy as _

from warga.core.nav import NavItem, register

register(
    NavItem(
        _("Citizen reports"), "reports:list", "reports.view", icon="megaphone", section=_("SMS"), order=830
    )
)
