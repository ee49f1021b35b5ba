"""Reads of cases.

Who sees which case: holders of `reports.view` (area offices, the complaint handler) and
`reports.oversee` see the cases of their area; a unit officer who holds only `reports.respond`
(an OPD, an external body) sees the cases assigned to their unit. A reporter's identity is shown
only when the case is not anonymous, and, when it is confidential, only to the complaint handler.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from warga.audit.services import audit_read
from warga.core.errors import InvalidInput, NotFound
from warga.core.scoping import Actor, get_scoped, unscoped

from . import capabilities as caps
from .models import OPEN_STATUSES, Case, CaseEvent, CasePhoto, CaseStatus, RoutingRule
from .services.intake import tracking_code_normalize
from .services.overdue import overdue_q
from .services.workflow import ACTIONS, Step, refusal, sees_area, visible


def cases_visible(actor: Actor) -> QuerySet[Case]:
    """Every case this actor may open (see the module's docstring)."""
    if not (sees_area(actor) or actor.can(caps.RESPOND)):
        actor.require(caps.VIEW)
    return visible(Case.objects.select_related("desa", "assigned_unit", "routed_unit"), actor)


ALL_STATUSES = "all"  # the status filter's value for every case, closed ones included


@dataclass(frozen=True)
class CaseFilters:
    status: str = ""
    kind: str = ""
    category: str = ""
    unit_id: int | None = None
    desa_code: str = ""
    overdue: bool = False
    code: str = ""
    query: str = ""
    mine: bool = False  # only the cases assigned to the actor's unit


def cases_list(*, actor: Actor, filters: CaseFilters | None = None) -> QuerySet[Case]:
    """The inbox: filtered, overdue first, then the newest."""
    f = filters or CaseFilters()
    qs = cases_visible(actor)
    if f.mine:
        qs = qs.filter(assigned_unit_id=actor.unit_id) if actor.unit_id else qs.none()
    if f.status == ALL_STATUSES:
        pass
    elif f.status:
        qs = qs.filter(status=f.status)
    elif not f.code:  # the inbox: the open cases; a code finds a case whatever its status
        qs = qs.filter(status__in=OPEN_STATUSES)
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.category:
        qs = qs.filter(category=f.category)
    if f.unit_id:
        qs = qs.filter(assigned_unit_id=f.unit_id)
    if f.desa_code:
        from warga.regions.lookups import CODE_RE

        if not CODE_RE.match(f.desa_code):
            raise InvalidInput(gettext("Not a region code."), code="reports.desa_filter")
        qs = qs.filter(region__within=f.desa_code)
    if f.overdue:
        qs = qs.filter(overdue_q(timezone.localdate()))
    if f.code:
        qs = qs.filter(tracking_code=tracking_code_normalize(f.code))
    if f.query:
        qs = qs.filter(text__icontains=f.query)
    return qs.order_by("-escalation_level", "-received_at", "-id")


def cases_overdue_first(qs: QuerySet[Case]) -> QuerySet[Case]:
    """Escalated first, then the overdue ones, then the rest (the oversight view)."""
    from django.db.models import Case as When_
    from django.db.models import IntegerField, Value, When

    overdue = When_(
        When(overdue_q(timezone.localdate()), then=Value(1)), default=Value(0), output_field=IntegerField()
    )
    return qs.annotate(overdue_now=overdue).order_by(
        "-escalation_level", "-overdue_now", "-received_at", "-id"
    )


def reports_list(*, actor: Actor, status: str = "", query: str = "") -> QuerySet[Case]:
    """The former list of citizen reports (the API's plain list)."""
    return cases_list(actor=actor, filters=CaseFilters(status=status, query=query))


def case_counts(*, actor: Actor, mine: bool = False) -> dict[str, int]:
    """Open cases by status, and how many are overdue, for the inbox's header."""
    qs = cases_list(actor=actor, filters=CaseFilters(mine=mine)).order_by()  # the open ones
    # One pass over the open cases: each status, the overdue ones and the total (the inbox's
    # page count when no filter is set).
    counts: dict[str, int] = qs.aggregate(
        **{str(status): Count("status", filter=Q(status=status)) for status in OPEN_STATUSES},
        overdue=Count("status", filter=overdue_q(timezone.localdate())),
        total=Count("status"),
    )
    return counts


def case_open(*, actor: Actor, pk: int) -> Case:
    """One case for its page or the API; the read is audited (it may show who reported)."""
    case = get_scoped(cases_visible(actor), actor, pk=pk)
    audit_read(actor=actor, obj=case, purpose="view")
    return case


def reporter_visible(case: Case, actor: Actor) -> bool:
    """May this actor see who reported? Never for an anonymous case; for a confidential one only
    the complaint handler; otherwise those who act on it: the complaint handler, the area's
    offices and the unit it is assigned to. The overseer (`reports.oversee` alone) follows the
    handling, not the people: no identity."""
    if case.anonymous:
        return False
    if case.confidential:
        return actor.can(caps.HANDLE)
    if actor.can(caps.HANDLE) or actor.can(caps.VIEW):
        return True
    return actor.unit_id is not None and case.assigned_unit_id == actor.unit_id


def case_events(case: Case) -> QuerySet[CaseEvent]:
    return case.events.select_related("actor", "actor_unit", "unit")


def case_photos(case: Case) -> list[CasePhoto]:
    return list(case.photos.all())


def case_photo_open(*, actor: Actor, case_id: int, photo_id: int) -> CasePhoto:
    case = get_scoped(cases_visible(actor), actor, pk=case_id)
    photo = CasePhoto.objects.filter(case=case, pk=photo_id).first()
    if photo is None:
        raise NotFound(gettext("Not found."))
    return photo


@dataclass(frozen=True)
class OfferedAction:
    name: str
    label: str
    inputs: tuple[str, ...]
    danger: bool


def available_actions(case: Case, actor: Actor) -> list[OfferedAction]:
    """The actions `case_transition` would accept from `actor` on this case now (same table,
    same guards), in the table's order. Inputs are asked when taken."""
    if not actor.is_authenticated:
        return []
    step = Step(actor=actor, case=case, now=timezone.now())
    offered = []
    for action in ACTIONS.values():
        if action.capability is None:
            continue
        refused = refusal(action, step)
        # A missing unit or merge target is an input the form asks for, not a reason to hide it.
        if refused is None or getattr(refused, "code", "") == "reports.unit_required":
            offered.append(OfferedAction(action.name, str(action.label), action.inputs, action.danger))
    return offered


@dataclass(frozen=True)
class PublicStatus:
    """What the public tracking page shows: no name, no phone, no text of others."""

    tracking_code: str
    kind: str
    category: str
    status: str
    status_code: str
    received_at: Any
    unit: str
    answer: str
    answered_at: Any
    closed_at: Any
    can_reopen: bool
    can_rate: bool
    can_add_info: bool
    question: str
    rating: int | None
    has_phone: bool


@unscoped("public tracking page: a case found by its tracking code")
def case_public_status(code: str) -> PublicStatus | None:
    case = (
        Case.objects.select_related("assigned_unit")
        .filter(tracking_code=tracking_code_normalize(code))
        .first()
    )
    if case is None:
        return None
    now = timezone.now()
    reopen = ACTIONS["reopen"]
    step = Step(actor=_public(), case=case, now=now)
    return PublicStatus(
        tracking_code=case.tracking_code,
        kind=case.get_kind_display(),
        category=case.get_category_display(),
        status=case.get_status_display(),
        status_code=case.status,
        received_at=case.received_at,
        unit=case.assigned_unit.name if case.assigned_unit else "",
        answer=case.answer if case.status in (CaseStatus.ANSWERED, CaseStatus.CLOSED) else "",
        answered_at=case.answered_at,
        closed_at=case.closed_at,
        can_reopen=refusal(reopen, step) is None,
        can_rate=refusal(ACTIONS["rate"], step) is None,
        can_add_info=case.status == CaseStatus.NEED_INFO,
        question=case.reason if case.status == CaseStatus.NEED_INFO else "",
        rating=case.rating,
        has_phone=bool(case.reporter_phone) and not case.anonymous,
    )


def _public() -> Actor:
    from warga.core.scoping import ANONYMOUS

    return ANONYMOUS


def routing_rules_list(*, actor: Actor) -> QuerySet[RoutingRule]:
    actor.require(caps.ROUTING_MANAGE)
    return RoutingRule.objects.select_related("unit", "area").order_by(
        "category", "kind", "area_id", "-priority"
    )


def routing_rule_get(*, actor: Actor, pk: int) -> RoutingRule:
    actor.require(caps.ROUTING_MANAGE)
    rule = RoutingRule.objects.filter(pk=pk).first()
    if rule is None:
        raise NotFound(gettext("Not found."))
    return rule


def is_overdue(case: Case, today: date | None = None) -> bool:
    return case.is_overdue(today)
