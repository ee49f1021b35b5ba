from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from warga.core.nav import NavItem, register
from warga.core.portal import PortalCard, register_card

register(
    NavItem(
        _("Village boards"), "boards:list", "boards.announce", icon="display", section=_("SMS"), order=840
    )
)


def _portal_context(request: HttpRequest) -> dict[str, Any]:
    from .selectors import board_kecamatans

    return {"kecamatans": list(board_kecamatans())}


# The residents' portal: today's announcements of a desa's board.
register_card(PortalCard("boards/_portal_board.html", order=60, context=_portal_context))
