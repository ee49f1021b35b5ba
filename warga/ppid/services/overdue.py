"""Escalating overdue requests (each working morning, `warga/periodic.py`).

Level 1: the written notice is past due: the PPID utama is told by SMS and the request shows
escalated. Level 2: still overdue `SECOND_LEVEL_DAYS` working days later: the atasan PPID is told.
Each step is a `RequestEvent` and an audit row; nothing happens on a day off."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from warga.audit.services import audit_record
from warga.core.permissions import Role
from warga.core.workdays import WorkCalendar

from ..models import InformationRequest, RequestEvent, RequestStatus
from .notices import sms_to

SECOND_LEVEL_DAYS = 2


def _tell(role: str, request: InformationRequest) -> None:
    from warga.accounts.models import User

    phones = (
        User.objects.filter(is_active=True, roles__role=role)
        .exclude(phone="")
        .values_list("phone", flat=True)
        .distinct()
    )
    with translation.override("id"):
        text = _("Information request %(number)s held by %(unit)s is past its notice date (%(date)s).") % {
            "number": request.number,
            "unit": request.holding_unit.name,
            "date": request.due_on.strftime("%d-%m-%Y"),
        }
    for phone in phones:
        sms_to(phone, text)


@transaction.atomic
def requests_escalate_overdue(*, today: date | None = None) -> int:
    """Escalate each overdue open request one level (at most once per run). Run unscoped."""
    today = today or timezone.localdate()
    calendar = WorkCalendar()
    if not calendar.is_working_day(today):
        return 0
    now = timezone.now()
    count = 0
    candidates = InformationRequest.objects.filter(
        status=RequestStatus.RECEIVED, due_on__lt=today, escalation_level__lt=2
    ).select_related("holding_unit")
    for request in candidates.order_by("pk"):
        if request.escalation_level == 1:
            since = timezone.localdate(request.escalated_at) if request.escalated_at else today
            if calendar.between(since, today) < SECOND_LEVEL_DAYS:
                continue
        level = request.escalation_level + 1
        updated = InformationRequest.objects.filter(pk=request.pk, version=request.version).update(
            escalation_level=level, escalated_at=now, version=F("version") + 1
        )
        if updated != 1:
            continue
        RequestEvent.objects.create(
            request=request,
            action="escalate",
            from_status=request.status,
            to_status=request.status,
            at=now,
            note=_("overdue since %(date)s: escalated to the %(whom)s")
            % {
                "date": request.due_on.isoformat(),
                "whom": _("PPID utama") if level == 1 else _("atasan PPID"),
            },
        )
        audit_record(actor=None, action="ppid.request.escalate", obj=request, summary={"level": level})
        _tell(Role.PPID_OFFICER if level == 1 else Role.PPID_ATASAN, request)
        count += 1
    return count
