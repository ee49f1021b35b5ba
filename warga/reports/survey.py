"""After a case is closed, its reporter (not anonymous, with a phone) is invited to the
satisfaction survey (IKM) about the unit that handled it; sent after the closing committed."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


def case_survey_invite(case_id: int) -> None:
    from warga.core.scoping import unscoped
    from warga.survey.services import survey_invite

    from .models import Case

    with unscoped("a survey invitation follows a case that was just closed"):
        case = Case.objects.select_related("assigned_unit", "region").get(pk=case_id)
        if case.anonymous or not case.reporter_phone or case.assigned_unit is None:
            return
        with translation.override("id"):
            label = _("Handling of a report or complaint")
        try:
            survey_invite(
                actor=None,
                unit=case.assigned_unit,
                service="reports.case",
                service_label=label,
                source=("reports.case", case.pk),
                phone=case.reporter_phone,
                region=case.region,
            )
        except Exception:  # the case stays closed; the invitation is a courtesy
            logger.exception("survey invitation after case %s failed", case_id)


def invite_after_close(case_id: int) -> None:
    transaction.on_commit(lambda: case_survey_invite(case_id))
