"""The search box in the menu: one field that finds a record by its number, whatever app owns it.

Each app registers a finder (a resident by NIK, a family by KK number, an application by its
tracking code, a case by its code…). A finder gets the officer and the text typed and answers
where to go, or None. The first answer wins; the register's name search is the last resort.
Nothing typed here goes into a URL: the box POSTs, and a name search is handed on with a 307,
which keeps the method and the body.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .scoping import Actor


@dataclass(frozen=True)
class Found:
    url: str
    repost: bool = False  # hand the POST on (a search page) instead of a plain redirect


Finder = Callable[[Actor, str], Found | None]
_FINDERS: list[tuple[int, Finder]] = []


def register_finder(finder: Finder, *, order: int = 100) -> None:
    _FINDERS.append((order, finder))
    _FINDERS.sort(key=lambda entry: entry[0])


def find(actor: Actor, text: str) -> Found | None:
    text = " ".join((text or "").split())[:120]
    if not text:
        return None
    for _order, finder in _FINDERS:
        found = finder(actor, text)
        if found is not None:
            return found
    return None
