from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from warga.core.find import register_finder
from warga.core.nav import NavItem, register
from warga.core.portal import PortalCard, register_card
from warga.core.scoping import Actor

from . import capabilities as caps

SECTION = _("Cases")

register(
    NavItem(_("Cases"), "reports:list", caps.VIEW, icon="megaphone", section=SECTION, order=830),
    NavItem(
        _("Cases of my unit"), "reports:unit_inbox", caps.RESPOND, icon="inbox", section=SECTION, order=831
    ),
    NavItem(
        _("Cases: oversight"),
        "reports:oversee",
        caps.OVERSEE,
        icon="exclamation-triangle",
        section=SECTION,
        order=832,
    ),
    NavItem(
        _("File a case at the counter"),
        "reports:counter_file",
        caps.CREATE,
        icon="pencil-square",
        section=SECTION,
        order=836,
    ),
    NavItem(
        _("112 desk"),
        "reports:emergency_desk",
        caps.EMERGENCY_DESK,
        icon="telephone",
        section=SECTION,
        order=829,
    ),
    NavItem(
        _("Open emergencies"),
        "reports:emergency_open",
        caps.EMERGENCY_VIEW,
        icon="broadcast",
        section=SECTION,
        order=834,
    ),
    NavItem(
        _("Deaths and births to register"),
        "reports:tasks",
        caps.TASKS,
        icon="journal-check",
        section=SECTION,
        order=835,
    ),
    NavItem(
        _("Routing rules"),
        "reports:routing",
        caps.ROUTING_MANAGE,
        icon="signpost-split",
        section=SECTION,
        order=833,
    ),
)

# The residents' portal: the public report form and its tracking page.
register_card(PortalCard("reports/_portal_report.html", order=40))


def _find(actor: Actor, text: str) -> Any:
    """A case's tracking code opens the case, when the officer may see it."""
    from django.urls import reverse

    from warga.core.find import Found

    from .selectors import cases_visible
    from .services.intake import TRACKING_ALPHABET, TRACKING_LENGTH

    if not (actor.can(caps.VIEW) or actor.can(caps.OVERSEE) or actor.can(caps.RESPOND)):
        return None
    code = "".join(ch for ch in text.upper() if ch.isalnum())
    if len(code) != TRACKING_LENGTH or any(ch not in TRACKING_ALPHABET for ch in code):
        return None
    found = cases_visible(actor).filter(tracking_code=code).values_list("pk", flat=True).first()
    return Found(reverse("reports:case", args=[found])) if found else None


register_finder(_find, order=210)
