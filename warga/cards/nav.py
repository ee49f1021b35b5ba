"""Card pages in the menu, and home panels for printing operators and kecamatan officers."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from warga.core.home import HomePanel, register_panel
from warga.core.nav import NavItem, register
from warga.core.scoping import Actor

SECTION = _("KTP-el")

register(
    NavItem(_("KTP-el"), "cards:dashboard", "cards.stats", icon="person-vcard", section=SECTION, order=300),
    NavItem(
        _("Recording targets"), "cards:targets", "cards.view", icon="bullseye", section=SECTION, order=301
    ),
    NavItem(_("Blank stock"), "cards:stock", "cards.stock_view", icon="box-seam", section=SECTION, order=302),
    NavItem(_("Print queue"), "cards:queue", "cards.print", icon="printer", section=SECTION, order=303),
    NavItem(
        _("Card distribution"),
        "cards:distribution",
        "cards.distribute",
        icon="truck",
        section=SECTION,
        order=304,
    ),
)


def _printing_panel(request: HttpRequest, actor: Actor) -> dict[str, Any]:
    from . import selectors as sel
    from .models import BatchStatus, KtpStatus
    from .services import stock_account_for

    stock = None
    unit = actor.unit
    if unit is not None and unit.kind in ("disdukcapil", "kecamatan"):
        stock = sel.stock_overview(sel.stock_accounts(actor=actor).filter(pk=stock_account_for(unit).pk))[0]
    counts = sel.status_counts(actor=actor)
    return {
        "prr": counts.get(KtpStatus.PRR, 0),
        "stock": stock,
        "open_batches": sel.print_batches(actor=actor).filter(status=BatchStatus.OPEN)[:5],
    }


def _kecamatan_panel(request: HttpRequest, actor: Actor) -> dict[str, Any]:
    from django.conf import settings

    from . import selectors as sel

    days = int(getattr(settings, "CARDS_UNCOLLECTED_DAYS", 30))
    waiting = sel.cards_awaiting_pickup(actor=actor)
    incoming = sel.deliveries(actor=actor).filter(received_at__isnull=True, to_office_id=actor.unit_id)
    counts = waiting.aggregate(
        n=Count("id"),
        old=Count("id", filter=Q(pk__in=sel.cards_uncollected(actor=actor, days=days).values("pk"))),
    )
    return {"waiting": counts["n"], "uncollected": counts["old"], "days": days, "incoming": incoming[:5]}


register_panel(
    HomePanel(
        template="cards/panel_printing.html", capability="cards.print", context=_printing_panel, order=30
    )
)
register_panel(
    HomePanel(
        template="cards/panel_kecamatan.html",
        capability="cards.distribute",
        context=_kecamatan_panel,
        order=31,
    )
)
