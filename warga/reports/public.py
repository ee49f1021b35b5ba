"""Reads for people without an account: the public list and map of cases (`/lapor/daftar/`) and
what an external body's link shows. Nothing here returns a reporter's name or phone unless the
case is neither anonymous nor confidential and the reader is the body the case is assigned to.

On the public list: cases the handler moderated (`verified_at` set) and published (`public`),
never a confidential one, never a merged or rejected one; each with its moderated summary
(`public_text`), desa, category, status and the time it took to answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from warga.core.errors import InvalidInput
from warga.core.scoping import unscoped

from .models import Case, CaseLink, CaseStatus
from .services.workflow import ACTIONS, Step, link_actor, refusal

PUBLIC_STATUSES = (
    CaseStatus.VERIFIED,
    CaseStatus.ASSIGNED,
    CaseStatus.ANSWERED,
    CaseStatus.CLOSED,
    CaseStatus.REOPENED,
)


@dataclass(frozen=True)
class PublicFilters:
    desa_code: str = ""
    category: str = ""
    status: str = ""


@dataclass(frozen=True)
class PublicCase:
    """One row of the public list: nothing of the reporter."""

    pk: int
    kind: str
    category: str
    category_code: str
    status: str
    status_code: str
    desa: str
    text: str
    received_at: datetime
    answered_at: datetime | None
    time_to_answer: timedelta | None
    answer_time: str  # "2 days 3 hours", empty when not answered
    unit: str
    latitude: Decimal | None
    longitude: Decimal | None


@unscoped("the public list: moderated, published cases of the whole installation")
def cases_public(filters: PublicFilters | None = None) -> QuerySet[Case]:
    f = filters or PublicFilters()
    qs = Case.objects.filter(
        public=True, confidential=False, verified_at__isnull=False, status__in=PUBLIC_STATUSES
    ).select_related("desa", "assigned_unit")
    if f.desa_code:
        from warga.regions.lookups import CODE_RE

        if not CODE_RE.match(f.desa_code):
            raise InvalidInput(gettext("Not a region code."), code="reports.desa_filter")
        qs = qs.filter(region__within=f.desa_code)
    if f.category:
        qs = qs.filter(category=f.category)
    if f.status:
        qs = qs.filter(status=f.status)
    return qs.order_by("-received_at", "-pk")


def duration_text(delta: timedelta) -> str:
    hours = max(0, int(delta.total_seconds() // 3600))
    days, hours = divmod(hours, 24)
    if days:
        return ngettext("%(n)d day", "%(n)d days", days) % {"n": days} + (
            " " + ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours} if hours else ""
        )
    if hours:
        return ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}
    return gettext("less than an hour")


def public_row(case: Case) -> PublicCase:
    answered = case.answered_at
    return PublicCase(
        pk=case.pk,
        kind=case.get_kind_display(),
        category=case.get_category_display(),
        category_code=case.category,
        status=case.get_status_display(),
        status_code=case.status,
        desa=case.desa.display_name if case.desa else "",
        text=case.public_text,
        received_at=case.received_at,
        answered_at=answered,
        time_to_answer=(answered - case.received_at) if answered else None,
        answer_time=duration_text(answered - case.received_at) if answered else "",
        unit=case.assigned_unit.name if case.assigned_unit else "",
        latitude=case.latitude,
        longitude=case.longitude,
    )


def public_rows(cases: Any) -> list[PublicCase]:
    with unscoped("the public list: rows already chosen by `cases_public`"):
        return [public_row(c) for c in cases]


# --- An external body's link ---------------------------------------------------------------------


@dataclass(frozen=True)
class LinkView:
    """What the page of an external body's link shows."""

    tracking_code: str
    kind: str
    category: str
    status: str
    desa: str
    text: str
    received_at: datetime
    answer_due_on: Any
    acknowledged_at: datetime | None
    answer: str
    latitude: Decimal | None
    longitude: Decimal | None
    reporter_name: str  # empty when anonymous or confidential
    reporter_phone: str
    unit: str
    actions: tuple[str, ...]
    expires_at: datetime
    photo_ids: tuple[int, ...] = ()


def link_view(link: CaseLink) -> LinkView:
    case = link.case
    shown = not case.anonymous and not case.confidential
    step = Step(actor=link_actor(link.unit_id), case=case, now=timezone.now())
    actions = tuple(name for name, action in ACTIONS.items() if action.link and refusal(action, step) is None)
    return LinkView(
        tracking_code=case.tracking_code,
        kind=case.get_kind_display(),
        category=case.get_category_display(),
        status=case.get_status_display(),
        desa=case.desa.display_name if case.desa else "",
        text=case.text,
        received_at=case.received_at,
        answer_due_on=case.answer_due_on,
        acknowledged_at=case.acknowledged_at,
        answer=case.answer,
        latitude=case.latitude,
        longitude=case.longitude,
        reporter_name=case.reporter_name if shown else "",
        reporter_phone=case.reporter_phone if shown else "",
        unit=link.unit.name,
        actions=actions,
        expires_at=link.expires_at,
        photo_ids=tuple(case.photos.order_by("pk").values_list("pk", flat=True)),
    )
