"""The handling of a case as one table.

Each action names the states it leaves from, the state it leads to (None: the status stays), the
capability it needs and on which side (the complaint handler, the assigned unit, or the reporter
proven by the tracking code and their phone), the inputs it needs, its guard and its update.
`transitions.case_transition` executes these actions and nothing else; `selectors.available_actions`
offers the ones `refusal` lets through, so the buttons and what the service accepts agree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from warga.core.errors import Conflict, NotAllowed, ServiceError
from warga.core.scoping import Actor, scoped
from warga.core.workdays import WorkCalendar
from warga.org.models import Unit

from .. import capabilities as caps
from ..models import Case, CaseKind, CaseStatus

HANDLER = "handler"  # the complaint handler (reports.handle), anywhere in their area
UNIT = "unit"  # an officer of the unit the case is assigned to (reports.respond)
REPORTER = "reporter"  # the reporter, proven by the tracking code and the phone they gave
# An external body without accounts (PLN, PDAM, the police…) acting through the link sent for one
# case (`links.py`): an actor with no user, the unit the case is assigned to and this role only.
LINK_ROLE = "reports.external_link"
REOPEN_DAYS = 10  # calendar days after closing
ANSWER_DAYS = 5  # working days after assignment


@dataclass(frozen=True)
class Step:
    """One request to take an action: who, on which case, with what input."""

    actor: Actor
    case: Case
    now: datetime
    note: str = ""
    unit: Unit | None = None
    target: Case | None = None  # the case a merge joins this one to
    rating: int | None = None


Guard = Callable[[Step], ServiceError | None]
Update = Callable[[Step], dict[str, Any]]


def _no_guard(step: Step) -> ServiceError | None:
    return None


def _no_update(step: Step) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Action:
    name: str
    sources: tuple[str, ...]
    target: str | None
    capability: str | None  # None: the reporter (side REPORTER)
    side: str
    label: Any
    inputs: tuple[str, ...] = ()  # "note", "unit", "target", "rating"
    guard: Guard = _no_guard
    update: Update = _no_update
    danger: bool = False
    notify: bool = True  # SMS the reporter about the new status
    link: bool = False  # also taken by the assigned external body through its link
    extra: dict[str, Any] = field(default_factory=dict)

    def allowed(self, actor: Actor) -> bool:
        if is_link_actor(actor):
            return self.link
        if self.capability is None:
            return not actor.is_authenticated
        return actor.can(self.capability)


def link_actor(unit_id: int) -> Actor:
    """Who acts through an external body's link: no user, that unit, nothing else."""
    return Actor(user=None, roles=frozenset({LINK_ROLE}), unit_id=unit_id)


def is_link_actor(actor: Actor) -> bool:
    return actor.user is None and LINK_ROLE in actor.roles


# Categories of reports shown on the public list once moderated, unless the handler says not:
# things the neighbours see anyway. Deaths, births and sickness concern a person; complaints,
# aspirations and emergencies stay off unless the handler publishes them.
PUBLIC_CATEGORIES = ("listrik_padam", "air", "jalan", "bencana", "keamanan", "lainnya")


def public_by_default(case: Case) -> bool:
    return not case.confidential and case.kind == "laporan" and case.category in PUBLIC_CATEGORIES


def _publication(case: Case) -> dict[str, Any]:
    """At the first moderation (accept or verify): on the public list by default for the
    categories above, with the original text as the public summary. A handler who set the
    publication earlier keeps their choice."""
    if case.verified_at is not None or case.public_text:
        return {}
    return {"public": public_by_default(case), "public_text": case.text}


def answer_due(now: datetime) -> Any:
    return WorkCalendar().add(timezone.localdate(now), ANSWER_DAYS)


# --- Guards ---------------------------------------------------------------------------------------


def _unit_needed(step: Step) -> ServiceError | None:
    if step.unit is None and step.case.routed_unit_id is None:
        return Conflict(
            _("No unit is in charge of this case by the routing rules: choose the unit."),
            code="reports.unit_required",
            details=[{"field": "unit", "message": _("Required.")}],
        )
    return None


def _merge_target(step: Step) -> ServiceError | None:
    target = step.target
    if target is None:
        return None  # the input check says it is missing
    if target.pk == step.case.pk:
        return Conflict(_("A case cannot be merged into itself."), code="reports.merge_self")
    if target.status in (CaseStatus.MERGED, CaseStatus.REJECTED):
        return Conflict(
            _("Case %(code)s is %(status)s; merge into the case it was merged into or another open case.")
            % {"code": target.tracking_code, "status": target.get_status_display()},
            code="reports.merge_target_closed",
        )
    return None


def _reporter_phone(step: Step) -> ServiceError | None:
    if step.case.anonymous or not step.case.reporter_phone:
        return Conflict(_("The reporter left no phone number: nobody can be asked."), code="reports.no_phone")
    return None


def _within_reopen(step: Step) -> ServiceError | None:
    closed = step.case.closed_at
    if closed is None or step.now > closed + timedelta(days=REOPEN_DAYS):
        return Conflict(
            _("A case can be reopened within %(n)d days after it was closed.") % {"n": REOPEN_DAYS},
            code="reports.reopen_late",
        )
    return None


def _not_rated(step: Step) -> ServiceError | None:
    if step.case.rating is not None:
        return Conflict(_("This case was already rated."), code="reports.already_rated")
    return None


def _not_acknowledged(step: Step) -> ServiceError | None:
    if step.case.acknowledged_at is not None:
        return Conflict(_("The unit already acknowledged this case."), code="reports.already_acknowledged")
    return None


def _emergency_only(step: Step) -> ServiceError | None:
    if step.case.kind != CaseKind.DARURAT:
        return Conflict(_("Only an emergency is handled at the 112 desk."), code="reports.not_emergency")
    return None


def _dispatches_closed(step: Step) -> ServiceError | None:
    refused = _emergency_only(step)
    if refused is not None:
        return refused
    if step.case.dispatches.filter(closed_at__isnull=True).exists():
        return Conflict(
            _("A body sent to this emergency has not finished: log its end first."),
            code="reports.dispatch_open",
        )
    return None


def _duplicate_target(step: Step) -> ServiceError | None:
    refused = _emergency_only(step) or _merge_target(step)
    if refused is not None:
        return refused
    if step.target is not None and step.target.kind != CaseKind.DARURAT:
        return Conflict(
            _("A duplicate call is joined to the emergency it repeats."),
            code="reports.duplicate_not_emergency",
        )
    return None


# --- Updates -------------------------------------------------------------------------------------


def _assign(step: Step) -> dict[str, Any]:
    unit_id = step.unit.pk if step.unit is not None else step.case.routed_unit_id
    values: dict[str, Any] = {
        "assigned_unit_id": unit_id,
        "assigned_at": step.now,
        "acknowledged_at": None,
        "answer_due_on": answer_due(step.now),
        "escalation_level": 0,
        "escalated_at": None,
    }
    if step.case.verified_at is None:
        values["verified_at"] = step.now
        values.update(_publication(step.case))
    return values


def _note_as_reason(step: Step) -> dict[str, Any]:
    return {"reason": step.note[:500]}


def _merge(step: Step) -> dict[str, Any]:
    assert step.target is not None
    return {"merged_into_id": step.target.pk, "reason": step.note[:500], "closed_at": step.now}


def _verify(step: Step) -> dict[str, Any]:
    return {"verified_at": step.now, **_publication(step.case)}


def _answer(step: Step) -> dict[str, Any]:
    return {"answer": step.note, "answered_at": step.now, "answer_due_on": None}


def _hand_back(step: Step) -> dict[str, Any]:
    return {
        "assigned_unit_id": None,
        # The rules pointed at the unit that says it is not theirs: the handler chooses anew.
        "routed_unit_id": None,
        "reason": step.note[:500],
        "acknowledged_at": None,
        "answer_due_on": None,
        "escalation_level": 0,
        "escalated_at": None,
        # The verification clock starts again: the handler reassigns within 3 working days.
        "verify_due_on": WorkCalendar().add(timezone.localdate(step.now), 3),
    }


def _close(step: Step) -> dict[str, Any]:
    return {"closed_at": step.now, "escalation_level": 0}


def _reopen(step: Step) -> dict[str, Any]:
    return {
        "reason": step.note[:500],
        "closed_at": None,
        "verify_due_on": WorkCalendar().add(timezone.localdate(step.now), 3),
    }


def _restart_verification(step: Step) -> dict[str, Any]:
    return {"verify_due_on": WorkCalendar().add(timezone.localdate(step.now), 3)}


def _rate(step: Step) -> dict[str, Any]:
    return {"rating": step.rating, "rating_comment": step.note[:500]}


def _acknowledge(step: Step) -> dict[str, Any]:
    return {"acknowledged_at": step.now}


def _prank(step: Step) -> dict[str, Any]:
    return {"reason": (step.note or _("prank call"))[:500], "closed_at": step.now, "answer_due_on": None}


def _emergency_done(step: Step) -> dict[str, Any]:
    values: dict[str, Any] = {"closed_at": step.now, "answer_due_on": None, "escalation_level": 0}
    if step.note:
        values["answer"] = step.note
        values["answered_at"] = step.now
    return values


WAITING = (CaseStatus.NEW, CaseStatus.NEED_INFO, CaseStatus.REOPENED)

ACTIONS: dict[str, Action] = {
    a.name: a
    for a in [
        Action(
            "accept",
            WAITING,
            CaseStatus.ASSIGNED,
            caps.HANDLE,
            HANDLER,
            gettext_lazy("Verify and assign"),
            guard=_unit_needed,
            update=_assign,
        ),
        Action(
            "verify",
            WAITING,
            CaseStatus.VERIFIED,
            caps.HANDLE,
            HANDLER,
            gettext_lazy("Verify (assign later)"),
            update=_verify,
            notify=False,
        ),
        Action(
            "assign",
            (CaseStatus.VERIFIED,),
            CaseStatus.ASSIGNED,
            caps.HANDLE,
            HANDLER,
            gettext_lazy("Assign to a unit"),
            guard=_unit_needed,
            update=_assign,
        ),
        Action(
            "reassign",
            (CaseStatus.ASSIGNED,),
            CaseStatus.ASSIGNED,
            caps.HANDLE,
            HANDLER,
            gettext_lazy("Assign to another unit"),
            inputs=("unit",),
            update=_assign,
        ),
        Action(
            "ask_info",
            (CaseStatus.NEW, CaseStatus.REOPENED),
            CaseStatus.NEED_INFO,
            caps.HANDLE,
            HANDLER,
            gettext_lazy("Ask the reporter for more information"),
            inputs=("note",),
            guard=_reporter_phone,
            update=_note_as_reason,
        ),
        Action(
            "merge",
            (*WAITING, CaseStatus.VERIFIED),
            CaseStatus.MERGED,
            caps.HANDLE,
            HANDLER,
            gettext_lazy("Merge into another case"),
            inputs=("target",),
            guard=_merge_target,
            update=_merge,
        ),
        Action(
            "reject",
            (*WAITING, CaseStatus.VERIFIED),
            CaseStatus.REJECTED,
            caps.HANDLE,
            HANDLER,
            gettext_lazy("Reject"),
            inputs=("note",),
            update=_note_as_reason,
            danger=True,
        ),
        Action(
            "acknowledge",
            (CaseStatus.ASSIGNED,),
            None,
            caps.RESPOND,
            UNIT,
            gettext_lazy("Acknowledge"),
            guard=_not_acknowledged,
            update=_acknowledge,
            notify=False,
            link=True,
        ),
        Action(
            "answer",
            (CaseStatus.ASSIGNED,),
            CaseStatus.ANSWERED,
            caps.RESPOND,
            UNIT,
            gettext_lazy("Answer"),
            inputs=("note",),
            update=_answer,
            link=True,
        ),
        Action(
            "hand_back",
            (CaseStatus.ASSIGNED,),
            CaseStatus.VERIFIED,
            caps.RESPOND,
            UNIT,
            gettext_lazy("Hand back (not ours)"),
            inputs=("note",),
            update=_hand_back,
            danger=True,
            notify=False,
            link=True,
        ),
        Action(
            "close",
            (CaseStatus.ANSWERED,),
            CaseStatus.CLOSED,
            caps.HANDLE,
            HANDLER,
            gettext_lazy("Close"),
            update=_close,
            link=True,
        ),
        Action(
            "reopen",
            (CaseStatus.CLOSED,),
            CaseStatus.REOPENED,
            None,
            REPORTER,
            gettext_lazy("Reopen"),
            inputs=("note",),
            guard=_within_reopen,
            update=_reopen,
        ),
        Action(
            "add_info",
            (CaseStatus.NEED_INFO,),
            CaseStatus.NEW,
            None,
            REPORTER,
            gettext_lazy("Send more information"),
            inputs=("note",),
            update=_restart_verification,
            notify=False,
        ),
        Action(
            "rate",
            (CaseStatus.CLOSED,),
            None,
            None,
            REPORTER,
            gettext_lazy("Rate"),
            inputs=("rating",),
            guard=_not_rated,
            update=_rate,
            notify=False,
        ),
        # The 112 desk (emergencies only): a prank call, a repeated call, the emergency is over.
        Action(
            "mark_prank",
            (*WAITING, CaseStatus.VERIFIED, CaseStatus.ASSIGNED),
            CaseStatus.REJECTED,
            caps.EMERGENCY_DESK,
            HANDLER,
            gettext_lazy("Prank call"),
            guard=_emergency_only,
            update=_prank,
            danger=True,
            notify=False,
        ),
        Action(
            "mark_duplicate",
            (*WAITING, CaseStatus.VERIFIED, CaseStatus.ASSIGNED),
            CaseStatus.MERGED,
            caps.EMERGENCY_DESK,
            HANDLER,
            gettext_lazy("Duplicate of another call"),
            inputs=("target",),
            guard=_duplicate_target,
            update=_merge,
            notify=False,
        ),
        Action(
            "emergency_close",
            (*WAITING, CaseStatus.VERIFIED, CaseStatus.ASSIGNED),
            CaseStatus.CLOSED,
            caps.EMERGENCY_DESK,
            HANDLER,
            gettext_lazy("Emergency over"),
            guard=_dispatches_closed,
            update=_emergency_done,
            notify=False,
        ),
    ]
}


def sees_area(actor: Actor) -> bool:
    """Area offices, the complaint handler and the overseer see every case of their area; an
    officer who only responds (an OPD, an external body) sees the cases assigned to their unit."""
    return actor.can(caps.VIEW) or actor.can(caps.OVERSEE)


def visible(qs: QuerySet[Case], actor: Actor) -> QuerySet[Case]:
    qs = scoped(qs, actor)
    if sees_area(actor):
        return qs
    mine = Q(assigned_unit_id=actor.unit_id) if actor.unit_id else Q(pk__in=[])
    if actor.can(caps.EMERGENCY_DESK):  # the 112 desk: every emergency of its area
        mine |= Q(kind=CaseKind.DARURAT)
    return qs.filter(mine)


def side_refusal(actor: Actor, case: Case, side: str) -> ServiceError | None:
    if is_link_actor(actor):  # a link acts for its unit, on a case assigned to that unit only
        if actor.unit_id is None or case.assigned_unit_id != actor.unit_id:
            return NotAllowed(_("This link no longer works."), code="reports.link_invalid")
        return None
    if side == UNIT and (actor.unit_id is None or case.assigned_unit_id != actor.unit_id):
        return NotAllowed(
            _("Only an officer of the unit this case is assigned to can do this."),
            code="reports.not_your_unit",
        )
    return None


def refusal(action: Action, step: Step) -> ServiceError | None:
    """Why the step's actor cannot take `action` on this case now, or None: who (capability and
    side), then the state, then the action's guard. Inputs are checked when it is taken."""
    case, actor = step.case, step.actor
    if not action.allowed(actor):
        if action.capability is None:
            return NotAllowed(_("You do not have permission for this action."))
        try:
            actor.require(action.capability)
        except NotAllowed as exc:
            return exc
    side = side_refusal(actor, case, action.side)
    if side is not None:
        return side
    if case.status not in action.sources:
        return Conflict(
            _("Cannot %(action)s: the case is now “%(status)s”.")
            % {"action": str(action.label).lower(), "status": case.get_status_display()},
            code="reports.transition_impossible",
            details={"status": case.status},
        )
    return action.guard(step)
