from django.utils.translation import gettext_lazy as _

from warga.core.find import Found, register_finder
from warga.core.home import HomePanel, register_panel
from warga.core.nav import NavItem, register
from warga.core.portal import PortalCard, register_card
from warga.core.scoping import Actor

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


def _find(actor: Actor, text: str) -> Found | None:
    """A NIK or KK number opens the record (its page writes the read audit); a name searches."""
    from django.urls import reverse

    from warga.core.errors import NotFound

    from . import selectors

    if not actor.can(REGISTRY_VIEW):
        return None
    digits = text.replace(" ", "")
    if digits.isdigit() and len(digits) == 16:
        try:
            return Found(
                reverse("registry:resident", args=[selectors.resident_get_by_nik(actor=actor, nik=digits).pk])
            )
        except NotFound:
            pass
        try:
            return Found(
                reverse(
                    "registry:family", args=[selectors.family_get_by_kk(actor=actor, kk_number=digits).pk]
                )
            )
        except NotFound:
            return None
    if any(ch.isalpha() for ch in text) and not any(ch.isdigit() for ch in text):
        return Found(reverse("registry:search"), repost=True)  # a name; codes and numbers have digits
    return None


register_finder(_find, order=900)

register_card(PortalCard("registry/_portal_nik.html", order=20))
