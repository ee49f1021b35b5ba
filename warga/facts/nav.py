"""The dashboards in the menu, the home panel with the area's charts, the public indicators card."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from warga.core.home import HomePanel, register_panel
from warga.core.nav import NavItem, register
from warga.core.portal import PortalCard, register_card
from warga.core.scoping import Actor

from . import capabilities as caps

SECTION = _("Statistics")

register(
    NavItem(_("Daily facts"), "facts:dashboard", caps.VIEW, icon="graph-up", section=SECTION, order=5),
    NavItem(
        _("Morning summary"), "facts:subscription", caps.SUBSCRIBE, icon="envelope", section=SECTION, order=6
    ),
)

HOME_CHARTS = 3


def _panel(request: HttpRequest, actor: Actor) -> dict[str, Any]:
    from warga.regions.models import Region

    from . import selectors

    area = Region.objects.filter(code=actor.area_code or "").first()
    charts: list[dict[str, Any]] = []
    visible = selectors.metrics_for(actor)
    chosen = [m for m in visible if m.headline] or visible
    if area is not None:
        start, end = selectors.default_period()
        for index, metric in enumerate(chosen[:HOME_CHARTS], start=1):
            table = selectors.facts_table(metric=metric, area=area, start=start, end=end)
            series = selectors.facts_series(metric=metric, area=area, start=start, end=end)
            charts.append(
                {
                    "metric": metric,
                    "id": f"home-{index}",
                    "rows": table["rows"],
                    "total": table["total"],
                    "data": {
                        "label": str(metric.label),
                        "labels": [item["period"].strftime("%d/%m") for item in series],
                        "values": [item["cell"].value for item in series],
                    },
                }
            )
    return {"area": area, "charts": charts, "can_subscribe": actor.can(caps.SUBSCRIBE)}


register_panel(HomePanel(template="facts/_home_panel.html", capability=caps.VIEW, context=_panel, order=90))
register_card(PortalCard("facts/_portal_card.html", order=90))
