"""Live office figures: a number an office has right now (or on a given day), computed by the app
that owns it, for another app to follow without importing it.

    register_office_figure(
        key="cards.ready_for_pickup",
        label=_("Cards ready for pick-up at this office"),
        compute=cards_ready_for_pickup,  # (unit_id, day) -> int
    )

The queues app lets an office's daily quota of a service follow one of these ("card pick-up:
only as many as cards ready"); the cards app registers its figures in its `metrics.py`. Unlike
the daily facts (`metrics.py`, per region and day, kept by the nightly rebuild), a figure is
computed when it is read, from the owner's records as they stand, for one office (an
`org.Unit`): it must stay a few indexed queries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

FigureCompute = Callable[[int, date], int]


@dataclass(frozen=True)
class OfficeFigure:
    key: str
    label: Any  # a lazy translation: "Cards ready for pick-up at this office"
    compute: FigureCompute
    description: Any = ""  # how it is counted, shown where the figure is chosen
    order: int = 100


_FIGURES: dict[str, OfficeFigure] = {}


def register_office_figure(
    *, key: str, label: Any, compute: FigureCompute, description: Any = "", order: int = 100
) -> OfficeFigure:
    """Register (or replace, by key) a live figure of an office."""
    if not key or " " in key:
        raise ValueError("a figure's key is one word, e.g. cards.ready_for_pickup")
    figure = OfficeFigure(key=key, label=label, compute=compute, description=description, order=order)
    _FIGURES[key] = figure
    return figure


def unregister_office_figure(key: str) -> None:
    _FIGURES.pop(key, None)


def office_figure(key: str) -> OfficeFigure | None:
    return _FIGURES.get(key)


def office_figures() -> list[OfficeFigure]:
    return sorted(_FIGURES.values(), key=lambda f: (f.order, f.key))


def office_figure_value(key: str, unit_id: int, day: date) -> int | None:
    """The figure for that office and day (never below zero); None when no app provides `key`."""
    figure = _FIGURES.get(key)
    if figure is None:
        return None
    return max(0, int(figure.compute(unit_id, day)))
