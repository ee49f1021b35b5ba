from django.utils.translation import gettext_lazy as _

from warga.core.nav import NavItem, register

register(
    NavItem(
        _("SMS simulator"), "messaging:simulator", "sms.simulator", icon="phone", section=_("SMS"), order=900
    ),
    NavItem(
        _("SMS broadcasts"),
        "messaging:broadcasts",
        "sms.stats",
        icon="broadcast",
        section=_("SMS"),
        order=810,
    ),
    NavItem(
        _("SMS statistics"), "messaging:stats", "sms.stats", icon="bar-chart", section=_("SMS"), order=815
    ),
    NavItem(
        _("Invitations (hajat)"),
        "messaging:invitations",
        "sms.invitations_moderate",
        icon="envelope-paper",
        section=_("SMS"),
        order=820,
    ),
)
