"""After a KTP-el is handed over, the resident is invited to the satisfaction survey (IKM) on a
number verified for them that takes messages; sent after the hand-over committed."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


def handover_survey_invite(handover_id: int) -> None:
    from warga.core.scoping import unscoped
    from warga.survey.services import survey_invite

    from .models import Handover

    with unscoped("a survey invitation follows a hand-over that was just recorded"):
        handover = Handover.objects.select_related("card__resident__desa", "office").get(pk=handover_id)
        resident = handover.card.resident
        phone = (
            resident.phones.filter(
                verified_at__isnull=False, opted_out_at__isnull=True, failed_permanently_at__isnull=True
            )
            .order_by("pk")
            .values_list("number", flat=True)
            .first()
        )
        if not phone:
            return
        with translation.override("id"):
            label = _("KTP-el hand-over")
        try:
            survey_invite(
                actor=None,
                unit=handover.office,
                service="cards.handover",
                service_label=label,
                source=("cards.handover", handover.pk),
                phone=phone,
                region=resident.desa,
            )
        except Exception:  # the hand-over stands; the invitation is a courtesy
            logger.exception("survey invitation after hand-over %s failed", handover_id)


def on_card_handed_over(sender: Any, *, handover: Any, **kwargs: Any) -> None:
    pk = handover.pk
    transaction.on_commit(lambda: handover_survey_invite(pk))
