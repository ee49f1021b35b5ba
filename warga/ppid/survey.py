"""After an information request is answered (the written notice), the requester is invited to
the satisfaction survey (IKM) about the holding unit when a mobile number was given; sent after
the decision committed."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


def request_survey_invite(request_id: int) -> None:
    from warga.core.scoping import unscoped
    from warga.survey.services import survey_invite

    from .models import InformationRequest

    with unscoped("a survey invitation follows a request that was just answered"):
        request = InformationRequest.objects.select_related("holding_unit", "region").get(pk=request_id)
        if not request.phone:
            return
        with translation.override("id"):
            label = _("Public information request")
        try:
            survey_invite(
                actor=None,
                unit=request.holding_unit,
                service="ppid.request",
                service_label=label,
                source=("ppid.request", request.pk),
                phone=request.phone,
                region=request.region,
            )
        except Exception:  # the decision stands; the invitation is a courtesy
            logger.exception("survey invitation after request %s failed", request_id)


def invite_after_decision(request_id: int) -> None:
    transaction.on_commit(lambda: request_survey_invite(request_id))
