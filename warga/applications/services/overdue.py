"""Daily notices to unit heads about files past their stage target."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from warga.core.errors import InvalidInput
from warga.core.scoping import Actor
from warga.core.workdays import WorkCalendar
from warga.org.models import Unit, UnitKind

from .. import capabilities as caps
from ..models import (
    ACTIVE_STATUSES,
    STAGE_OF_STATUS,
    Application,
    OfficeRollout,
    OverdueNotice,
)
from .common import _indonesian

# --- Overdue notices -------------------------------------------------------------------------------


def _overdue_heads(unit: Unit) -> list[str]:
    from warga.accounts.models import User

    phones = []
    rollout = OfficeRollout.objects.filter(unit=unit).select_related("head").first()
    if rollout and rollout.head and rollout.head.is_active and rollout.head.phone:
        phones.append(rollout.head.phone)
    for user in User.objects.filter(unit=unit, is_active=True).exclude(phone=""):
        if Actor.for_user(user).can(caps.OVERSEE) and user.phone not in phones:
            phones.append(user.phone)
    return phones


@transaction.atomic
def applications_notify_overdue(*, today: date | None = None) -> int:
    """Tell each unit's head, once a day, how many of its files are past their stage target.

    Only on working days: nobody is texted about the queue on a holiday or a cuti bersama day."""
    today = today or timezone.localdate()
    if not WorkCalendar().is_working_day(today):
        return 0
    base = Application.objects.filter(is_sandbox=False, status__in=ACTIVE_STATUSES, stage_due_on__lt=today)
    counts: dict[int, int] = {}
    kec_statuses = [s for s in ACTIVE_STATUSES if STAGE_OF_STATUS[s] in ("kecamatan", "return")]
    for office_id in base.filter(status__in=kec_statuses).values_list("office_id", flat=True):
        counts[office_id] = counts.get(office_id, 0) + 1
    disdukcapil = Unit.objects.filter(kind=UnitKind.DISDUKCAPIL, is_active=True).first()
    if disdukcapil is not None:
        n = base.filter(
            status__in=[s for s in ACTIVE_STATUSES if STAGE_OF_STATUS[s] == "disdukcapil"]
        ).count()
        if n:
            counts[disdukcapil.pk] = n
    notified = 0
    for unit in Unit.objects.filter(pk__in=counts):
        _notice, created = OverdueNotice.objects.get_or_create(
            unit=unit, day=today, defaults={"count": counts[unit.pk]}
        )
        if not created:
            continue
        from warga.messaging.services import sms_send

        text = _indonesian(
            lambda unit=unit: (
                _(
                    "Warga: %(n)d application files at %(unit)s are past their target date. Please check the work queue."
                )
                % {"n": counts[unit.pk], "unit": unit.name}
            )
        )
        for phone in _overdue_heads(unit):
            try:
                sms_send(to=phone, text=text, purpose="notice")
            except InvalidInput:
                continue  # a badly typed staff phone must not stop the other notices
        notified += 1
    return notified
