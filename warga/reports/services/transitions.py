"""Moving a case: every change of status is an action of `workflow.ACTIONS` executed by
`perform`, one conditional UPDATE (`WHERE status = … AND version = …`), one `CaseEvent`, one
audit row, and the reporter's SMS after commit. `case_transition` is the service every page,
API operation and other app uses; the reporter's own steps go through `case_reporter_act`."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from warga.audit.services import audit_record
from warga.core.errors import Conflict, InvalidInput, NotFound
from warga.core.scoping import ANONYMOUS, Actor, get_scoped, unscoped
from warga.org.models import Unit

from ..models import Case, CaseEvent
from .intake import text_clean, tracking_code_normalize
from .links import links_after_step
from .notices import notify_status
from .workflow import ACTIONS, REPORTER, Action, Step, refusal, visible

_INPUTS: dict[str, tuple[Callable[[], str], str]] = {
    "note": (lambda: _("Write the reason, question or answer."), "reports.note_required"),
    "unit": (lambda: _("Choose the unit."), "reports.unit_required"),
    "target": (lambda: _("Give the code of the case to merge into."), "reports.target_required"),
    "rating": (lambda: _("Give a rating from 1 to 5."), "reports.rating_required"),
}


def _check_inputs(action: Action, step: Step) -> None:
    given = {"note": step.note, "unit": step.unit, "target": step.target, "rating": step.rating}
    for name in action.inputs:
        if not given[name]:
            message, code = _INPUTS[name]
            raise InvalidInput(message(), code=code, details=[{"field": name, "message": _("Required.")}])
    if step.rating is not None and not 1 <= step.rating <= 5:
        message, code = _INPUTS["rating"]
        raise InvalidInput(message(), code=code, details=[{"field": "rating", "message": message()}])


def _stale() -> Conflict:
    return Conflict(
        _("Someone else changed this case in the meantime. Reload it and try again."), code="reports.stale"
    )


def perform(action: Action, step: Step, *, expected_version: int | None = None) -> Case:
    """Take `action` on the step's case: guard, inputs, the UPDATE, history, audit, SMS."""
    case, actor = step.case, step.actor
    refused = refusal(action, step)
    if refused is not None:
        raise refused
    if expected_version is not None and expected_version != case.version:
        raise _stale()
    _check_inputs(action, step)
    values: dict[str, Any] = {"updated_at": step.now, "version": F("version") + 1, **action.update(step)}
    if action.target is not None:
        values["status"] = action.target
    with unscoped("the case was fetched within the actor's scope; a hand-back leaves the unit's scope"):
        changed = Case.objects.filter(pk=case.pk, status=case.status, version=case.version).update(**values)
    if changed != 1:
        raise _stale()
    from_status = case.status
    case.refresh_from_db()
    CaseEvent.objects.create(
        case=case,
        action=action.name,
        from_status=from_status,
        to_status=case.status,
        actor=actor.user,
        actor_unit_id=actor.unit_id,
        unit_id=case.assigned_unit_id if action.name in ("accept", "assign", "reassign") else None,
        at=step.now,
        note=step.note if action.name != "rate" else f"{step.rating}/5 {step.note}".strip(),
    )
    audit_record(
        # A link's actor has no user but names its unit: the row says which body acted.
        actor=actor if actor.is_authenticated or actor.unit_id else None,
        action=f"reports.case.{action.name}",
        obj=case,
        summary={"from": from_status, "to": case.status, "version": case.version},
    )
    links_after_step(action.name, case, step.now, actor)
    after_step(action.name, case, actor)
    if action.notify and case.status != from_status:
        notify_status(case)
    return case


def after_step(action: str, case: Case, actor: Actor) -> None:
    """What other parts of the app do when a case moved (in the same transaction)."""
    from .tasks import tasks_after_step

    tasks_after_step(action, case, actor)
    if action == "close":
        from ..survey import invite_after_close

        invite_after_close(case.pk)  # the satisfaction survey, after commit


def _unit(unit_id: int | None) -> Unit | None:
    if not unit_id:
        return None
    unit = Unit.objects.filter(pk=unit_id, is_active=True).first()
    if unit is None:
        raise InvalidInput(
            _("Unknown unit."),
            code="reports.unit",
            details=[{"field": "unit", "message": _("Unknown unit.")}],
        )
    return unit


def _target(code: str) -> Case | None:
    code = tracking_code_normalize(code)
    if not code:
        return None
    with unscoped("a merge names its target by code; the handler's own scope is checked next"):
        found = Case.objects.filter(tracking_code=code).first()
    if found is None:
        raise _no_target()
    return found


def _no_target() -> InvalidInput:
    """The same answer for a code nobody has and for a case outside the handler's area."""
    return InvalidInput(
        _("No case has this code."),
        code="reports.target_unknown",
        details=[{"field": "target", "message": _("No case has this code.")}],
    )


@transaction.atomic
def case_transition(
    *,
    actor: Actor,
    case_id: int,
    action: str,
    note: str = "",
    unit_id: int | None = None,
    target_code: str = "",
    expected_version: int | None = None,
) -> Case:
    """Move one case one step as a complaint handler or a unit officer. Impossible steps raise
    Conflict (409); a step this actor may not take raises NotAllowed (403); a case outside the
    actor's scope NotFound (404)."""
    spec = ACTIONS.get(action)
    if spec is None or spec.capability is None:
        raise InvalidInput(_("Unknown action."), code="reports.action_unknown")
    if not spec.allowed(actor):
        actor.require(spec.capability)
    case = get_scoped(visible(Case.objects.select_for_update(), actor), actor, pk=case_id)
    target = _target(target_code) if "target" in spec.inputs else None
    if target is not None:
        try:
            target = get_scoped(visible(Case.objects.all(), actor), actor, pk=target.pk)
        except NotFound:
            raise _no_target() from None
    clean_note = text_clean(note, field="note") if (note or "").strip() else ""
    step = Step(
        actor=actor,
        case=case,
        now=timezone.now(),
        note=clean_note,
        unit=_unit(unit_id),
        target=target,
    )
    return perform(spec, step, expected_version=expected_version)


def _reporter_case(tracking_code: str, phone: str) -> Case:
    """The case of this code when `phone` is the reporter's (NotFound otherwise: the answer
    tells nothing about whether the code exists)."""
    from warga.messaging.phones import normalize_msisdn

    code = tracking_code_normalize(tracking_code)
    try:
        number = normalize_msisdn(phone)
    except InvalidInput:
        number = ""
    with unscoped("public tracking page: the reporter proves the case by its code and phone"):
        case = Case.objects.select_for_update().filter(tracking_code=code).first()
    if (
        case is None
        or not number
        or case.anonymous
        or not case.reporter_phone
        or not hmac.compare_digest(number.encode(), case.reporter_phone.encode())
    ):
        raise NotFound(_("No report matches this code and phone number."), code="reports.reporter_mismatch")
    return case


@transaction.atomic
def case_reporter_act(
    *, tracking_code: str, phone: str, action: str, note: str = "", rating: int | None = None
) -> Case:
    """The reporter's own steps on the public tracking page: reopen within 10 days of closing,
    rate 1–5 once closed, send the information asked for. Proof: the code and the same phone."""
    spec = ACTIONS.get(action)
    if spec is None or spec.side != REPORTER:
        raise InvalidInput(_("Unknown action."), code="reports.action_unknown")
    case = _reporter_case(tracking_code, phone)
    clean_note = text_clean(note, field="note", limit=500) if (note or "").strip() else ""
    step = Step(actor=ANONYMOUS, case=case, now=timezone.now(), note=clean_note, rating=rating)
    with unscoped("public tracking page: the reporter's own case"):
        return perform(spec, step)
