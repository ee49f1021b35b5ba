from django.utils.translation import gettext_lazy as _

from warga.core.nav import NavItem, register
from warga.core.portal import PortalCard, register_card

register(
    NavItem(
        _("Citizen reports"), "reports:list", "reports.view", icon="megaphone", section=_("SMS"), order=830
    )
)

# The residents' portal: the public report form and its tracking page.
register_card(PortalCard("reports/_portal_report.html", order=40))
