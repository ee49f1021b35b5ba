"""Escalating overdue cases (run each working morning by `warga/periodic.py`).

Level 1: the case is past its due date (verification by the handler, or the unit's answer): the
head of the assigned unit is told by SMS and the unit's inbox shows it escalated. Level 2: still
overdue `SECOND_LEVEL_DAYS` working days after level 1: it is highlighted in the regional
secretary's view (`reports.oversee`). Each step is a `CaseEvent` and an audit row."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from warga.audit.services import audit_record
from warga.core.errors import InvalidInput
from warga.core.permissions import Role
from warga.core.workdays import WorkCalendar

from ..models import HANDLER_STATUSES, Case, CaseEvent, CaseStatus

SECOND_LEVEL_DAYS = 2


def overdue_q(today: date) -> Q:
    return Q(status__in=HANDLER_STATUSES, verify_due_on__lt=today) | Q(
        status=CaseStatus.ASSIGNED, answer_due_on__lt=today
    )


def _tell_unit_head(case: Case) -> None:
    from warga.accounts.models import User
    from warga.messaging.services import sms_send

    if case.assigned_unit_id is None:
        return
    heads = (
        User.objects.filter(
            unit_id=case.assigned_unit_id,
            is_active=True,
            roles__role__in=[Role.AGENCY_HEAD, Role.DISDUKCAPIL_HEAD],
        )
        .exclude(phone="")
        .values_list("phone", flat=True)
        .distinct()
    )
    with translation.override("id"):
        text = _(
            "Report %(code)s assigned to your unit is past its answer date. Please answer it in Warga."
        ) % {"code": case.tracking_code}
    for phone in heads:
        try:
            sms_send(to=phone, text=text, purpose="notice")
        except InvalidInput:
            continue


@transaction.atomic
def cases_escalate_overdue(*, today: date | None = None) -> int:
    """Escalate every overdue case one level (at most once per run). Run unscoped (a periodic
    task over every area). Nothing happens on a day that is not a working day."""
    today = today or timezone.localdate()
    calendar = WorkCalendar()
    if not calendar.is_working_day(today):
        return 0
    now = timezone.now()
    count = 0
    candidates = Case.objects.filter(overdue_q(today), escalation_level__lt=2).select_related("assigned_unit")
    for case in candidates.order_by("pk"):
        if case.escalation_level == 1:
            since = timezone.localdate(case.escalated_at) if case.escalated_at else today
            if calendar.between(since, today) < SECOND_LEVEL_DAYS:
                continue
        level = case.escalation_level + 1
        updated = Case.objects.filter(pk=case.pk, version=case.version).update(
            escalation_level=level, escalated_at=now, version=F("version") + 1
        )
        if updated != 1:
            continue
        CaseEvent.objects.create(
            case=case,
            action="escalate",
            from_status=case.status,
            to_status=case.status,
            at=now,
            unit_id=case.assigned_unit_id,
            note=_("overdue since %(date)s: escalated to level %(level)d")
            % {"date": (case.due_on() or today).isoformat(), "level": level},
        )
        audit_record(actor=None, action="reports.case.escalate", obj=case, summary={"level": level})
        if level == 1:
            _tell_unit_head(case)
        count += 1
    return count
