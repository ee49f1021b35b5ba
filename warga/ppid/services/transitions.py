"""Moving a request: every step is an action of `workflow.ACTIONS` executed by `perform`, one
conditional UPDATE (`WHERE status = … AND version = …`), one `RequestEvent`, one audit row, and
the requester's SMS (written to the outbox in the same transaction, sent after commit)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from warga.audit.services import audit_record
from warga.core.errors import Conflict, InvalidInput
from warga.core.scoping import Actor, get_scoped, unscoped
from warga.org.models import Unit

from ..models import InformationRequest, Outcome, RequestEvent
from ._common import text_clean
from .intake import REQUEST_UNIT_KINDS
from .notices import notify_step
from .registers import exemption_for_refusal
from .workflow import ACTIONS, Action, Decision, Step, decision_problems, refusal, visible


def _check_inputs(action: Action, step: Step) -> None:
    problems = []
    if "unit" in action.inputs and step.unit is None:
        problems.append({"field": "unit", "message": _("Choose the unit.")})
    if "note" in action.inputs and not step.note:
        problems.append({"field": "note", "message": _("Write the note or the reason.")})
    if "decision" in action.inputs:
        problems += decision_problems(step.decision)
    if problems:
        raise InvalidInput(problems[0]["message"], code="ppid.input_required", details=problems)


def _stale() -> Conflict:
    return Conflict(
        _("Someone else changed this request in the meantime. Reload it and try again."), code="ppid.stale"
    )


def perform(action: Action, step: Step, *, expected_version: int | None = None) -> InformationRequest:
    request, actor = step.request, step.actor
    refused = refusal(action, step)
    if refused is not None:
        raise refused
    if expected_version is not None and expected_version != request.version:
        raise _stale()
    _check_inputs(action, step)
    values: dict[str, Any] = {"updated_at": step.now, "version": F("version") + 1, **action.update(step)}
    if action.target is not None:
        values["status"] = action.target
    with unscoped("the request was fetched within the actor's scope; forwarding leaves the unit's scope"):
        changed = InformationRequest.objects.filter(
            pk=request.pk, status=request.status, version=request.version
        ).update(**values)
    if changed != 1:
        raise _stale()
    from_status = request.status
    request.refresh_from_db()
    RequestEvent.objects.create(
        request=request,
        action=action.name,
        from_status=from_status,
        to_status=request.status,
        actor=actor.user,
        actor_unit_id=actor.unit_id,
        unit_id=request.holding_unit_id if action.name in ("assign", "forward") else None,
        at=step.now,
        note=step.note,
    )
    audit_record(
        actor=actor,
        action=f"ppid.request.{action.name}",
        obj=request,
        summary={"from": from_status, "to": request.status, "version": request.version},
    )
    if action.notify:
        notify_step(request, action.name)
    if action.name == "decide":
        from ..survey import invite_after_decision

        invite_after_decision(request.pk)  # the satisfaction survey, after commit
    return request


def _unit(unit_id: int | None) -> Unit | None:
    if not unit_id:
        return None
    unit = Unit.objects.filter(pk=unit_id, kind__in=REQUEST_UNIT_KINDS, is_active=True).first()
    if unit is None:
        raise InvalidInput(
            _("Unknown unit."), code="ppid.unit", details=[{"field": "unit", "message": _("Unknown unit.")}]
        )
    return unit


@transaction.atomic
def request_transition(
    *,
    actor: Actor,
    request_id: int,
    action: str,
    note: str = "",
    unit_id: int | None = None,
    decision: Decision | None = None,
    expected_version: int | None = None,
) -> InformationRequest:
    """Take one step on a request as the PPID utama or the holding unit's pembantu. Impossible
    steps raise Conflict (409); a step this actor may not take NotAllowed (403); a request this
    actor cannot see NotFound (404)."""
    spec = ACTIONS.get(action)
    if spec is None:
        raise InvalidInput(_("Unknown action."), code="ppid.action_unknown")
    actor.require(spec.capability)
    request = get_scoped(visible(InformationRequest.objects.select_for_update(), actor), actor, pk=request_id)
    decision = _with_register_entry(decision or Decision())
    step = Step(
        actor=actor,
        request=request,
        now=timezone.now(),
        note=text_clean(note, field="note", required=False),
        unit=_unit(unit_id),
        decision=Decision(
            outcome=decision.outcome,
            exemption_ground=decision.exemption_ground,
            consequence_test=text_clean(
                decision.consequence_test, field="consequence_test", limit=200, required=False
            ),
            other_body=text_clean(decision.other_body, field="other_body", limit=200, required=False),
            copy_cost=decision.copy_cost,
            exemption_entry_id=decision.exemption_entry_id,
            exemption_entry_ground=decision.exemption_entry_ground,
        ),
    )
    return perform(spec, step, expected_version=expected_version)


def _with_register_entry(decision: Decision) -> Decision:
    """A refusal citing an entry of the exempted-information register: the entry's ground and
    consequence test fill what the officer left empty (a reference written by hand still works
    without an entry)."""
    if not decision.exemption_entry_id or decision.outcome not in (Outcome.REFUSED, Outcome.PARTLY):
        return replace(decision, exemption_entry_id=None, exemption_entry_ground="")
    entry = exemption_for_refusal(decision.exemption_entry_id)
    return replace(
        decision,
        exemption_ground=decision.exemption_ground or entry.ground,
        consequence_test=decision.consequence_test or entry.test_reference,
        exemption_entry_ground=entry.ground,
    )
