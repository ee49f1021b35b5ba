"""Assigning many cases to one unit at once (the handler's inbox): each case through the single
action that sets its unit from its state — `accept` (new, waiting for information, reopened:
verify and assign), `assign` (verified), `reassign` (assigned) — taken by `case_transition`
with the version the preview showed, so each case keeps its own checks, `CaseEvent`, audit row
and SMS. All in one transaction with one audit row for the whole operation: one refused case
refuses the lot, and the preview lists every refusal first.

The preview is signed (a digest of the unit and of each case's id, status and version): a
selection that changed between the preview and the confirmation answers with the new preview."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field

from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from warga.audit.services import audit_record
from warga.core.errors import Conflict, InvalidInput, ServiceError
from warga.core.scoping import Actor
from warga.org.models import Unit

from .. import capabilities as caps
from ..models import Case
from .transitions import case_transition
from .workflow import ACTIONS, Action, Step, refusal, visible

MAX_ASSIGN = 200
ASSIGN_SALT = "warga.reports.bulk_assign"
TOKEN_MAX_AGE = 2 * 60 * 60
# The actions of `ACTIONS` that set the unit handling a case, in the order they are tried.
ASSIGN_ACTIONS = ("accept", "assign", "reassign")


@dataclass
class AssignLine:
    case: Case
    action: Action
    refusal: str = ""


@dataclass
class AssignPlan:
    unit: Unit
    lines: list[AssignLine] = field(default_factory=list)
    unknown: int = 0  # chosen cases not found in the actor's scope

    @property
    def refusals(self) -> list[str]:
        return [line.refusal for line in self.lines if line.refusal]

    @property
    def ok(self) -> bool:
        return bool(self.lines) and not self.unknown and not self.refusals

    @property
    def digest(self) -> str:
        body = f"{self.unit.pk}|{self.unknown}|" + ",".join(
            f"{x.case.pk}:{x.case.status}:{x.case.version}" for x in self.lines
        )
        return hashlib.sha256(body.encode()).hexdigest()


def assign_action_for(case: Case) -> Action:
    """The action that sets the unit of a case in its state (`assign` when none does: its
    refusal then says why the state does not allow it)."""
    for name in ASSIGN_ACTIONS:
        if case.status in ACTIONS[name].sources:
            return ACTIONS[name]
    return ACTIONS["assign"]


def _unit(unit_id: int | None) -> Unit:
    unit = Unit.objects.filter(pk=unit_id, is_active=True).first() if unit_id else None
    if unit is None:
        raise InvalidInput(
            _("Choose the unit to assign the cases to."),
            code="reports.unit_required",
            details=[{"field": "unit", "message": _("Required.")}],
        )
    return unit


def case_assign_plan(
    *, actor: Actor, case_ids: list[int], unit_id: int | None, lock: bool = False
) -> AssignPlan:
    """The chosen cases, each with the action it would take and whether this officer may take it
    now (the single action's refusal: capability, state, guard); cases outside the officer's
    scope are counted as not found, nothing more."""
    actor.require(caps.HANDLE)
    ids = list(dict.fromkeys(case_ids))
    if not ids:
        raise InvalidInput(_("Choose the cases to assign."), code="reports.bulk_empty")
    if len(ids) > MAX_ASSIGN:
        raise InvalidInput(
            _("At most %(max)d cases at once.") % {"max": MAX_ASSIGN}, code="reports.bulk_too_many"
        )
    plan = AssignPlan(unit=_unit(unit_id))
    qs = visible(Case.objects.all(), actor).filter(pk__in=ids)
    if lock:
        qs = qs.select_for_update(of=("self",))
    found = list(qs.select_related("assigned_unit", "desa").order_by("received_at", "pk"))
    plan.unknown = len(ids) - len(found)
    now = timezone.now()
    for case in found:
        action = assign_action_for(case)
        refused = refusal(action, Step(actor=actor, case=case, now=now, unit=plan.unit))
        line = AssignLine(case=case, action=action)
        if refused is not None:
            line.refusal = _("Case %(code)s: %(reason)s") % {"code": case.tracking_code, "reason": refused}
        plan.lines.append(line)
    return plan


def assign_token(plan: AssignPlan) -> str:
    return signing.dumps({"d": plan.digest}, salt=ASSIGN_SALT)


@transaction.atomic
def cases_assign_many(*, actor: Actor, case_ids: list[int], unit_id: int | None, token: str) -> int:
    """Assign every previewed case to the unit, or none. Returns how many were assigned."""
    plan = case_assign_plan(actor=actor, case_ids=case_ids, unit_id=unit_id, lock=True)
    try:
        signed = signing.loads(token or "", salt=ASSIGN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature as exc:
        raise Conflict(
            _("The preview is no longer valid. Preview again."), code="reports.bulk_token"
        ) from exc
    if signed.get("d") != plan.digest:
        raise Conflict(
            _("These cases changed since the preview. Check the new preview."), code="reports.bulk_stale"
        )
    if not plan.ok:
        raise Conflict(
            (plan.refusals or [_("Some chosen cases were not found.")])[0], code="reports.bulk_refused"
        )
    done: Counter[str] = Counter()
    for line in plan.lines:
        try:
            case_transition(
                actor=actor,
                case_id=line.case.pk,
                action=line.action.name,
                unit_id=plan.unit.pk,
                expected_version=line.case.version,
            )
        except ServiceError as exc:
            raise Conflict(
                _("Case %(code)s: %(reason)s") % {"code": line.case.tracking_code, "reason": exc},
                code="reports.bulk_refused",
            ) from exc
        done[line.action.name] += 1
    audit_record(
        actor=actor,
        action="reports.case.bulk_assign",
        object_type="reports.case",
        object_id="",
        summary={"cases": len(plan.lines), "unit": plan.unit.pk, "actions": dict(done)},
    )
    return len(plan.lines)
