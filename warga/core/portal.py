"""The residents' portal: what a visitor who is not signed in finds at `/`.

Each app adds the cards of the public services it owns (in its `nav.py`, as it adds home panels):

    register_card(PortalCard("applications/_portal_track.html", order=10))

A card is a small template (a heading, one or two sentences, a link or a form that POSTs); its
optional `context` reads what it shows. Cards are shown in `order`; an app that has nothing
public yet registers nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest


@dataclass(frozen=True)
class PortalCard:
    template: str
    order: int = 100
    context: Callable[[HttpRequest], dict[str, Any]] | None = None


_CARDS: list[PortalCard] = []


def register_card(card: PortalCard) -> None:
    if all(existing.template != card.template for existing in _CARDS):
        _CARDS.append(card)


def cards_for(request: HttpRequest) -> list[dict[str, Any]]:
    result = []
    for card in sorted(_CARDS, key=lambda c: c.order):
        extra = card.context(request) if card.context else {}
        result.append({"template": card.template, **extra})
    return result
