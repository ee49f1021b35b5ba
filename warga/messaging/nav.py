from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from warga.core.nav import NavItem, register
from warga.core.portal import PortalCard, register_card

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


def _portal_context(request: HttpRequest) -> dict[str, Any]:
    from .keywords import keyword_guide

    return {"keywords": keyword_guide(), "sms_number": getattr(settings, "SMS_CENTER_NUMBER", "")}


# The residents' portal: the SMS keywords registered with a help text, and where to send them.
register_card(PortalCard("messaging/_portal_sms.html", order=70, context=_portal_context))
