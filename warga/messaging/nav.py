from django.utils.translation import gettext_lazy as _

from warga.core.nav import NavItem, register

register(NavItem(_("SMS simulator"), "messaging:simulator", "sms.simulator", icon="phone", section=_("SMS"), order=900))
