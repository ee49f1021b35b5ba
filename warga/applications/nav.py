from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from warga.core.find import register_finder
from warga.core.home import HomePanel, register_panel
from warga.core.nav import NavItem, register
from warga.core.portal import PortalCard, register_card
from warga.core.scoping import Actor

from . import capabilities as caps

SECTION = _("Applications")

register(
    NavItem(_("Applications"), "applications:queue", caps.VIEW, icon="inboxes", section=SECTION, order=200),
    NavItem(
        _("New application"), "applications:new", caps.SUBMIT, icon="plus-square", section=SECTION, order=201
    ),
    NavItem(
        _("Application statistics"),
        "applications:stats",
        caps.STATS,
        icon="bar-chart",
        section=SECTION,
        order=205,
    ),
    NavItem(_("Paper batches"), "applications:paper", caps.PAPER, icon="archive", section=SECTION, order=206),
    NavItem(
        _("Office rollout"),
        "applications:rollout",
        caps.ROLLOUT,
        icon="diagram-3",
        section=SECTION,
        order=207,
    ),
    NavItem(
        _("Service catalogue"),
        "applications:services",
        caps.CATALOGUE,
        icon="card-checklist",
        section=SECTION,
        order=208,
    ),
)


def _queue_panel(request: HttpRequest, actor: Actor) -> dict[str, Any]:
    from .selectors import applications_queue, overdue_for

    queue = applications_queue(actor=actor)
    return {
        "queue_count": queue.count(),
        "queue_top": list(queue[:5]),
        "overdue": overdue_for(actor=actor),
    }


register_panel(HomePanel("applications/_home_panel.html", caps.VIEW, _queue_panel, order=20))

# The residents' portal at `/`: tracking, the online form, checking an issued document.
register_card(PortalCard("applications/_portal_track.html", order=10))
register_card(PortalCard("applications/_portal_apply.html", order=30))
register_card(PortalCard("applications/_portal_verify.html", order=50))


def _find(actor: Actor, text: str) -> Any:
    """An application's tracking code (as printed on the receipt) opens the file, in the officer's area."""
    from django.urls import reverse

    from warga.core.find import Found

    from .selectors import applications_visible
    from .services import TRACKING_ALPHABET, TRACKING_LENGTH

    if not actor.can(caps.VIEW):
        return None
    code = "".join(ch for ch in text.upper() if ch.isalnum())
    if len(code) != TRACKING_LENGTH or any(ch not in TRACKING_ALPHABET for ch in code):
        return None
    found = applications_visible(actor).filter(tracking_code=code).values_list("pk", flat=True).first()
    return Found(reverse("applications:detail", args=[found])) if found else None


register_finder(_find, order=200)
