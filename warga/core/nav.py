"""Navigation: each app lists its pages in its own nav.py with the capability they need."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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


def groups_for(actor: Actor, path: str = "") -> list[dict[str, Any]]:
    """The visible items grouped by section, sections in the order of their first item.

    One item is marked current: the one whose address is the longest prefix of `path`, so a
    detail page highlights the list it belongs to and its section.
    """
    items = items_for(actor)
    current = max(
        (item["url"] for item in items if item["url"] != "/" and path.startswith(item["url"])),
        key=len,
        default=None,
    )
    groups: dict[str, dict[str, Any]] = {}
    for item in items:
        entry: dict[str, Any] = {**item, "current": item["url"] == current}
        group = groups.setdefault(
            item["section"], {"label": item["section"], "icon": item["icon"], "items": [], "current": False}
        )
        group["items"].append(entry)
        group["current"] = group["current"] or entry["current"]
    return list(groups.values())


SMS_SIMULATOR = grant("sms.simulator", Role.SYSTEM_ADMIN, description="See the development SMS simulator")
