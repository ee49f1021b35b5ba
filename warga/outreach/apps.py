from typing import Any

from django.apps import AppConfig


def _card_handed_over(sender: Any, *, resident_id: int, by: Any, **kwargs: Any) -> None:
    """A card handed over at the office serves the hand-over targets of coming field days."""
    from .models import TargetKind
    from .services import targets_mark_served_elsewhere

    targets_mark_served_elsewhere(resident_id=resident_id, kind=TargetKind.CARD_HANDOVER, by=by)


class OutreachConfig(AppConfig):
    name = "warga.outreach"

    def ready(self) -> None:
        from . import metrics

        metrics.register()  # the daily facts it owns (warga.facts)
        from warga.cards.signals import card_handed_over

        card_handed_over.connect(_card_handed_over, dispatch_uid="outreach.card_handed_over")
