"""Navigation: each app lists its pages in its own nav.py with the capability they need."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise

from warga.core.permissions import Role, grant

from .scoping import Actor


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    capability: str | None  # None: every signed-in officer
    icon: str = "circle"
    section: str | Promise = ""
    order: int = 100


_ITEMS: list[NavItem] = []


def register(*items: NavItem) -> None:
    _ITEMS.extend(items)


def items_for(actor: Actor) -> list[dict[str, str]]:
    visible = []
    for item in sorted(_ITEMS, key=lambda i: (i.order, str(i.label))):
        if item.capability and not actor.can(item.capability):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        visible.append(
            {"label": str(item.label), "url": url, "icon": item.icon, "section": str(item.section)}
        )
    return visible


SMS_SIMULATOR = grant("sms.simulator", Role.SYSTEM_ADMIN, description="See the development SMS simulator")
