from django.utils.translation import gettext_lazy as _

from warga.core.home import HomePanel, register_panel
from warga.core.nav import NavItem, register

from .capabilities import REGISTRY_EVENTS, REGISTRY_STATS, REGISTRY_VIEW


def _panel_context(request, actor):  # type: ignore[no-untyped-def]
    from .views import home_panel_context

    return home_panel_context(request, actor)


register(
    NavItem(_("Residents"), "registry:search", REGISTRY_VIEW, icon="people", section=_("Register"), order=10),
    NavItem(
        _("Move in"),
        "registry:move_in",
        REGISTRY_EVENTS,
        icon="box-arrow-in-right",
        section=_("Register"),
        order=12,
    ),
    NavItem(
        _("Phone drive"), "registry:drive", REGISTRY_STATS, icon="phone", section=_("Register"), order=14
    ),
    NavItem(
        _("Population statistics"),
        "registry:stats",
        REGISTRY_STATS,
        icon="bar-chart",
        section=_("Register"),
        order=16,
    ),
)
register_panel(
    HomePanel(
        template="registry/_home_panel.html", capability=REGISTRY_VIEW, context=_panel_context, order=10
    )
)
