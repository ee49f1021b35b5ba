"""The nine questions and their four answers, worded after the example questionnaire of
PermenPANRB No. 14 of 2017 (answer 1 = the worst, 4 = the best)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

QUESTIONS: tuple[tuple[str, Any, tuple[Any, Any, Any, Any]], ...] = (
    (
        "u1",
        _("How well do the requirements match the kind of service?"),
        (_("Not matching"), _("Matching poorly"), _("Matching"), _("Matching very well")),
    ),
    (
        "u2",
        _("How easy was the procedure of the service at this unit?"),
        (_("Not easy"), _("Not quite easy"), _("Easy"), _("Very easy")),
    ),
    (
        "u3",
        _("How fast was the service delivered?"),
        (_("Not fast"), _("Not quite fast"), _("Fast"), _("Very fast")),
    ),
    (
        "u4",
        _("How fair was the cost or fee of the service?"),
        (_("Very expensive"), _("Fairly expensive"), _("Cheap"), _("Free of charge")),
    ),
    (
        "u5",
        _("How well did the result match what the service standard promises?"),
        (_("Not matching"), _("Matching poorly"), _("Matching"), _("Matching very well")),
    ),
    (
        "u6",
        _("How competent were the staff who served you?"),
        (_("Not competent"), _("Not quite competent"), _("Competent"), _("Very competent")),
    ),
    (
        "u7",
        _("How polite and friendly were the staff?"),
        (
            _("Not polite and friendly"),
            _("Not quite polite and friendly"),
            _("Polite and friendly"),
            _("Very polite and friendly"),
        ),
    ),
    (
        "u8",
        _("How are complaints, suggestions and feedback handled?"),
        (
            _("Not at all"),
            _("There is a channel but it does not work"),
            _("Works, not fully"),
            _("Handled well"),
        ),
    ),
    (
        "u9",
        _("How good are the facilities and infrastructure?"),
        (_("Poor"), _("Adequate"), _("Good"), _("Very good")),
    ),
)
