"""Home page panels: each app adds the work queues its roles need (see nav.py for pages)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from .scoping import Actor


@dataclass(frozen=True)
class HomePanel:
    template: str
    capability: str | None
    context: Callable[[HttpRequest, Actor], dict[str, Any]]
    order: int = 100


_PANELS: list[HomePanel] = []


def register_panel(panel: HomePanel) -> None:
    _PANELS.append(panel)


def panels_for(request: HttpRequest, actor: Actor) -> list[dict[str, Any]]:
    result = []
    for panel in sorted(_PANELS, key=lambda p: p.order):
        if panel.capability and not actor.can(panel.capability):
            continue
        result.append({"template": panel.template, **panel.context(request, actor)})
    return result
