from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext_lazy as _

from warga.core.find import register_finder
from warga.core.nav import NavItem, register
from warga.core.portal import PortalCard, register_card
from warga.core.scoping import Actor

from . import capabilities as caps

SECTION = _("Applications")

register(
    NavItem(
        _("Queues and counters"), "queues:offices", caps.OPERATE, icon="people", section=SECTION, order=870
    ),
    NavItem(_("Queue statistics"), "queues:stats", caps.STATS, icon="bar-chart", section=SECTION, order=871),
)

# The residents' portal: book a place in an office's queue.
register_card(PortalCard("queues/_portal_card.html", order=60))

_TICKET = re.compile(r"^([A-Za-z])\s*-?\s*(\d{1,4})$")


def _find(actor: Actor, text: str) -> Any:
    """A ticket number of today (A-017, a017) opens that ticket at the officer's own office."""
    from django.urls import reverse
    from django.utils import timezone

    from warga.core.find import Found

    from .models import Ticket

    if not actor.can(caps.OPERATE) or not actor.unit_id:
        return None
    match = _TICKET.match(text.strip())
    if not match:
        return None
    found = (
        Ticket.objects.filter(
            office__unit_id=actor.unit_id,
            day=timezone.localdate(),
            code=f"{match.group(1).upper()}-{int(match.group(2)):03d}",
        )
        .values_list("pk", flat=True)
        .first()
    )
    return Found(reverse("queues:ticket", args=[found])) if found else None


register_finder(_find, order=230)
