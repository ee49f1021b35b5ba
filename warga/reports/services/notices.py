"""SMS to the reporter: at receipt (with the code) and at each change of status. Only when a
phone is known and the reporter is not anonymous; never anyone else's personal data."""

from __future__ import annotations

import logging

from django.utils import translation
from django.utils.translation import gettext as _

from warga.core.errors import InvalidInput

from ..models import Case, CaseStatus

logger = logging.getLogger(__name__)


def _send(case: Case, text: str) -> None:
    from warga.messaging.services import sms_send

    if case.anonymous or not case.reporter_phone:
        return
    try:
        sms_send(to=case.reporter_phone, text=text, purpose="notice")
    except InvalidInput:  # a number SMS cannot reach: the case stands without its notice
        logger.info("case %s: reporter's number refused by the SMS centre", case.pk)


def received_text(case: Case) -> str:
    with translation.override("id"):
        return _(
            "Your report was received with code %(code)s. Follow it at the LAPOR page with this code."
        ) % {"code": case.tracking_code}


def notify_received(case: Case) -> None:
    # An SMS report is answered by the keyword's reply, which carries the code already.
    if case.channel == "sms":
        return
    _send(case, received_text(case))


def _status_text(case: Case) -> str | None:
    code = case.tracking_code
    messages = {
        CaseStatus.ASSIGNED: _("Report %(code)s was verified and passed to %(unit)s."),
        CaseStatus.ANSWERED: _(
            "Report %(code)s was answered. See the answer on the LAPOR page with your code."
        ),
        CaseStatus.CLOSED: _("Report %(code)s is closed. You may rate it or reopen it within 10 days."),
        CaseStatus.REJECTED: _("Report %(code)s was not accepted: %(reason)s"),
        CaseStatus.NEED_INFO: _("Report %(code)s needs more information: %(reason)s"),
        CaseStatus.MERGED: _("Report %(code)s was joined with report %(other)s on the same matter."),
        CaseStatus.REOPENED: _("Report %(code)s was reopened."),
    }
    template = messages.get(case.status)  # type: ignore[call-overload]
    if template is None:
        return None
    unit = case.assigned_unit.name if case.assigned_unit_id and case.assigned_unit else ""
    other = case.merged_into.tracking_code if case.merged_into_id and case.merged_into else ""
    return str(template) % {"code": code, "unit": unit, "reason": case.reason[:200], "other": other}


def notify_status(case: Case) -> None:
    with translation.override("id"):
        text = _status_text(case)
    if text:
        _send(case, text)
