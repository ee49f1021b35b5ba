"""The handling of an information request as one table.

Each action names the states it leaves from, the state it leads to (None: the status stays), the
capability it needs and on which side (the PPID utama anywhere, or the unit holding the request),
the inputs it needs, its guard and its update. `transitions.request_transition` executes these
actions and nothing else; `selectors.available_actions` offers the ones `refusal` lets through,
so the buttons, the API and what the service accepts agree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from warga.core.errors import Conflict, NotAllowed, ServiceError
from warga.core.scoping import Actor, scoped
from warga.core.workdays import WorkCalendar
from warga.org.models import Unit

from .. import capabilities as caps
from ..models import (
    EXTENSION_DAYS,
    GIVING,
    ExemptionGround,
    InformationRequest,
    Outcome,
    RequestStatus,
)

MANAGER = "manager"  # the PPID utama (ppid.manage), any request of the installation
HOLDER = "holder"  # an officer of the unit holding the request (or the PPID utama)


@dataclass(frozen=True)
class Decision:
    """What a written notice says."""

    outcome: str = ""
    exemption_ground: str = ""
    consequence_test: str = ""
    other_body: str = ""
    copy_cost: int = 0
    # The entry of the exempted-information register the refusal cites (optional), and its ground.
    exemption_entry_id: int | None = None
    exemption_entry_ground: str = ""


@dataclass(frozen=True)
class Step:
    actor: Actor
    request: InformationRequest
    now: datetime
    note: str = ""
    unit: Unit | None = None
    decision: Decision = Decision()


Guard = Callable[[Step], ServiceError | None]
Update = Callable[[Step], dict[str, Any]]


def _no_guard(step: Step) -> ServiceError | None:
    return None


@dataclass(frozen=True)
class Action:
    name: str
    sources: tuple[str, ...]
    target: str | None
    capability: str
    side: str
    label: Any
    inputs: tuple[str, ...] = ()  # "note", "unit", "decision"
    guard: Guard = _no_guard
    update: Callable[[Step], dict[str, Any]] = lambda step: {}
    danger: bool = False
    notify: bool = True  # SMS the requester


# --- Guards ---------------------------------------------------------------------------------------


def _another_unit(step: Step) -> ServiceError | None:
    if step.unit is not None and step.unit.pk == step.request.holding_unit_id:
        return Conflict(
            _("The request is already held by %(unit)s.") % {"unit": step.unit.name},
            code="ppid.same_unit",
            details=[{"field": "unit", "message": _("Choose another unit.")}],
        )
    return None


def _not_extended(step: Step) -> ServiceError | None:
    if step.request.extended_at is not None:
        return Conflict(
            _(
                "The time to answer was already extended once (to %(date)s); the law allows one extension only."
            )
            % {"date": step.request.due_on.isoformat()},
            code="ppid.already_extended",
        )
    return None


def _gives_information(step: Step) -> ServiceError | None:
    if step.request.outcome not in GIVING:
        return Conflict(
            _("Only information that was granted can be delivered."), code="ppid.nothing_to_deliver"
        )
    return None


def decision_problems(decision: Decision) -> list[dict[str, str]]:
    """What a written notice lacks for its outcome (field, message)."""
    problems = []
    if decision.outcome not in Outcome.values:
        return [{"field": "outcome", "message": _("Choose the decision.")}]
    if decision.outcome in (Outcome.REFUSED, Outcome.PARTLY):
        if decision.exemption_ground not in ExemptionGround.values:
            problems.append(
                {"field": "exemption_ground", "message": _("Name the exemption ground (art. 17).")}
            )
        if not decision.consequence_test:
            problems.append(
                {"field": "consequence_test", "message": _("Give the reference of the consequence test.")}
            )
        if decision.exemption_entry_id and decision.exemption_entry_ground != decision.exemption_ground:
            problems.append(
                {
                    "field": "exemption_entry",
                    "message": _("This register entry is exempted on another ground of art. 17."),
                }
            )
    if decision.outcome == Outcome.ELSEWHERE and not decision.other_body:
        problems.append({"field": "other_body", "message": _("Name the public body that holds it.")})
    if not 0 <= decision.copy_cost <= 100_000_000:
        problems.append({"field": "copy_cost", "message": _("Not a valid amount.")})
    return problems


# --- Updates -------------------------------------------------------------------------------------


def _move(step: Step) -> dict[str, Any]:
    assert step.unit is not None
    return {"holding_unit_id": step.unit.pk}


def _extend(step: Step) -> dict[str, Any]:
    due = WorkCalendar().add(step.request.due_on, EXTENSION_DAYS)
    return {
        "extended_at": step.now,
        "extension_reason": step.note,
        "due_on": due,
        "escalation_level": 0,
        "escalated_at": None,
    }


def _decide(step: Step) -> dict[str, Any]:
    d = step.decision
    refused = d.outcome in (Outcome.REFUSED, Outcome.PARTLY)
    return {
        "outcome": d.outcome,
        "exemption_ground": d.exemption_ground if refused else "",
        "consequence_test": d.consequence_test if refused else "",
        "exemption_entry_id": d.exemption_entry_id if refused else None,
        "other_body": d.other_body if d.outcome == Outcome.ELSEWHERE else "",
        "copy_cost": d.copy_cost if d.outcome in GIVING else 0,
        "decision_note": step.note,
        "decided_at": step.now,
        "decided_on": timezone.localdate(step.now),
        "answer_days": WorkCalendar().between(step.request.received_on, timezone.localdate(step.now)),
    }


def _deliver(step: Step) -> dict[str, Any]:
    return {"delivered_at": step.now}


RECEIVED = (RequestStatus.RECEIVED,)

ACTIONS: dict[str, Action] = {
    a.name: a
    for a in [
        Action(
            "assign",
            RECEIVED,
            None,
            caps.MANAGE,
            MANAGER,
            gettext_lazy("Assign to a unit"),
            inputs=("unit",),
            guard=_another_unit,
            update=_move,
        ),
        Action(
            "forward",
            RECEIVED,
            None,
            caps.HANDLE,
            HOLDER,
            gettext_lazy("Forward to the unit holding the information"),
            inputs=("unit", "note"),
            guard=_another_unit,
            update=_move,
        ),
        Action(
            "extend",
            RECEIVED,
            None,
            caps.HANDLE,
            HOLDER,
            gettext_lazy("Extend by 7 working days"),
            inputs=("note",),
            guard=_not_extended,
            update=_extend,
        ),
        Action(
            "decide",
            RECEIVED,
            RequestStatus.ANSWERED,
            caps.HANDLE,
            HOLDER,
            gettext_lazy("Give the written notice"),
            inputs=("decision",),
            update=_decide,
        ),
        Action(
            "deliver",
            (RequestStatus.ANSWERED,),
            RequestStatus.DELIVERED,
            caps.HANDLE,
            HOLDER,
            gettext_lazy("Mark the information delivered"),
            guard=_gives_information,
            update=_deliver,
            notify=False,
        ),
    ]
}


def sees_all(actor: Actor) -> bool:
    """The PPID utama and the atasan see every request of the installation; a pembantu only
    those its unit holds."""
    return actor.can(caps.MANAGE) or actor.can(caps.OBJECTIONS)


def visible(qs: QuerySet[InformationRequest], actor: Actor) -> QuerySet[InformationRequest]:
    qs = scoped(qs, actor)
    if sees_all(actor):
        return qs
    return qs.filter(holding_unit_id=actor.unit_id) if actor.unit_id else qs.none()


def side_refusal(actor: Actor, request: InformationRequest, side: str) -> ServiceError | None:
    if side == HOLDER and not actor.can(caps.MANAGE) and actor.unit_id != request.holding_unit_id:
        return NotAllowed(
            _("Only an officer of the unit holding this request can do this."), code="ppid.not_your_unit"
        )
    return None


def refusal(action: Action, step: Step) -> ServiceError | None:
    """Why the step's actor cannot take `action` on this request now, or None: who (capability
    and side), then the state, then the action's guard. Inputs are checked when it is taken."""
    request, actor = step.request, step.actor
    if not actor.can(action.capability):
        return NotAllowed(_("You do not have permission for this action."))
    side = side_refusal(actor, request, action.side)
    if side is not None:
        return side
    if request.status not in action.sources:
        return Conflict(
            _("Cannot %(action)s: the request is now “%(status)s”.")
            % {"action": str(action.label).lower(), "status": request.get_status_display()},
            code="ppid.transition_impossible",
            details={"status": request.status},
        )
    return action.guard(step)
