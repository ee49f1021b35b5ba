from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from warga.core.find import register_finder
from warga.core.nav import NavItem, register
from warga.core.portal import PortalCard, register_card
from warga.core.scoping import Actor

from . import capabilities as caps

SECTION = _("Public information")

register(
    NavItem(
        _("Information requests"), "ppid:list", caps.VIEW, icon="info-circle", section=SECTION, order=850
    ),
    NavItem(_("Enter a request"), "ppid:new", caps.REGISTER, icon="plus-circle", section=SECTION, order=851),
    NavItem(
        _("Objections"),
        "ppid:objections",
        caps.OBJECTIONS,
        icon="shield-exclamation",
        section=SECTION,
        order=852,
    ),
)

# The report (laporan layanan informasi publik): counts only.
register(
    NavItem(_("Service report"), "ppid:report", caps.REPORT, icon="bar-chart", section=SECTION, order=853),
)

# The residents' portal: the request form and its tracking page.
register_card(PortalCard("ppid/_portal_card.html", order=50))

# The registers: kept by the PPID utama and pembantu, public on the portal.
register(
    NavItem(
        _("Daftar Informasi Publik"),
        "ppid:dip_list",
        caps.REGISTERS,
        icon="journal-text",
        section=SECTION,
        order=853,
    ),
    NavItem(
        _("Exempted information"),
        "ppid:exempt_list",
        caps.REGISTERS,
        icon="journal-x",
        section=SECTION,
        order=854,
    ),
)
register_card(PortalCard("ppid/_portal_registers.html", order=51))


def _find(actor: Actor, text: str) -> Any:
    """A registration number (PPID/2026/000123) opens the request, when the officer may see it."""
    from django.urls import reverse

    from warga.core.find import Found

    from .selectors import requests_visible
    from .services import number_normalize

    if not actor.can(caps.VIEW):
        return None
    number = number_normalize(text)
    if not number.startswith("PPID/"):
        return None
    found = requests_visible(actor).filter(number=number).values_list("pk", flat=True).first()
    return Found(reverse("ppid:detail", args=[found])) if found else None


register_finder(_find, order=220)
