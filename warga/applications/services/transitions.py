"""Moving a file through the workflow: every change of status, and the applicant's signature,
is an action of `workflow.ACTIONS` executed by `perform`.

Every step is one conditional UPDATE (`WHERE status = … AND version = …`), so two officers can
never both move the same file; a Disdukcapil verifier takes a file with `WHERE assigned_to IS
NULL`. Approval applies the registry change in the same transaction.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from warga.audit.services import audit_record
from warga.core.errors import Conflict, InvalidInput, NotAllowed, NotFound, ServiceError
from warga.core.scoping import ANONYMOUS, Actor, get_scoped, unscoped
from warga.core.workdays import WorkCalendar

from ..models import STAGE_OF_STATUS, Application, Batch, Channel, Status
from .common import _event, _now, _trim, tracking_code_normalize
from .documents import _require_documents, _store_attachment
from .notices import notify
from .workflow import ACTIONS, SIGN_ACTIONS, Action, Step, refusal, stale_message

_INPUT_MESSAGES: dict[str, tuple[Callable[[], str], str]] = {
    "reason": (
        lambda: _("Give the reason, so that the next person knows what to correct."),
        "applications.reason_required",
    ),
    "handed_to": (lambda: _("Say to whom the document was handed over."), "applications.handed_to_required"),
}


def _check_inputs(action: Action, step: Step) -> None:
    given = {"reason": step.reason, "handed_to": step.handed_to}
    for name in action.inputs:
        if not given[name]:
            message, code = _INPUT_MESSAGES[name]
            raise InvalidInput(message(), code=code, details=[{"field": name, "message": _("Required.")}])


def _stage_due(action: Action, application: Application, step: Step) -> dict[str, Any]:
    """The stage clock: restarted when the file enters another stage, stopped outside them."""
    assert action.target is not None
    new_stage = STAGE_OF_STATUS.get(action.target)
    if new_stage is None:
        return {"stage_due_on": None}
    if new_stage == application.stage:
        return {}
    service = application.service
    days = {
        "kecamatan": service.target_days_kecamatan,
        "disdukcapil": service.target_days_disdukcapil,
        "return": service.target_days_return,
    }[new_stage]
    return {"stage_due_on": WorkCalendar().add(timezone.localdate(step.now), days)}


def _write(action: Action, step: Step) -> dict[str, Any]:
    """The one conditional UPDATE of the step; raises the action's refusal if the file moved.
    Returns the values written."""
    application = step.application
    where: dict[str, Any] = {"pk": application.pk, **(action.condition(step) if action.condition else {})}
    values: dict[str, Any] = {"updated_at": step.now, **action.update(step)}
    if action.target is None:
        where["status__in"] = action.sources
    else:
        where.update(status=application.status, version=application.version)
        values.update(status=action.target, version=F("version") + 1, **_stage_due(action, application, step))
    if Application.objects.filter(**where).update(**values) != 1:
        raise action.lost(application)
    return values


def _written(application: Application, values: dict[str, Any]) -> None:
    """The file as a version-checked UPDATE left it: the version read, one more, with `values`
    written (what re-reading the row would give, without the read)."""
    for name, value in values.items():
        if name == "version":
            application.version += 1
        else:
            setattr(application, name, value)


def perform(action: Action, step: Step, *, expected_version: int | None = None) -> Application:
    """Take `action` on the step's file: guards, input, the UPDATE, history, audit, SMS."""
    application, actor = step.application, step.actor
    refused = refusal(action, application, actor)
    if refused is not None:
        raise refused
    if expected_version is not None and expected_version != application.version:
        raise Conflict(stale_message(), code="applications.stale")
    _check_inputs(action, step)
    if action.needs_documents:
        _require_documents(application)
    values = _write(action, step)
    from_status = application.status
    if action.target is not None:
        # The UPDATE matched the status and version read, and every step but a signature moves
        # the version: the row is the one read with these values, so it is not read again. (A
        # signature recorded in between is in the row, not in this answer; the next read shows it.)
        _written(application, values)
    else:
        # A signature keeps the status and the version, so another signature or a step may have
        # changed the row since it was read: one read brings the row and the relations the answer
        # shows (refresh_from_db alone would drop the cached ones).
        with unscoped("the file this step has just moved, by its id (its scope was checked above)"):
            related = Application.objects.select_related(
                "service", "office", "assigned_to", "signature_witness"
            )
            application.refresh_from_db(from_queryset=related)
    if action.after is not None:
        action.after(step)
    _event(
        application,
        actor=actor,
        action=action.event or action.name,
        from_status=from_status,
        to_status=action.target or application.status,
        reason=step.reason,
        batch=step.batch,
        at=step.now,
    )
    summary = (
        action.summary(step, from_status)
        if action.summary
        else {"from": from_status, "to": action.target, "version": application.version}
    )
    audit_record(
        actor=actor,
        action=f"applications.application.{action.audit or action.name}",
        obj=application,
        summary=summary,
    )
    if action.notice is not None:
        notify(application, action.notice or action.name)
    return application


@transaction.atomic
def application_transition(
    *,
    actor: Actor,
    application_id: int,
    action: str,
    reason: str = "",
    expected_version: int | None = None,
    handed_to: str = "",
    proof: str = "",
    batch: Batch | None = None,
) -> Application:
    """Move one file one step (or record the signature). Impossible steps raise Conflict (409)
    with the reason; a step this actor may not take raises NotAllowed (403). The file returned
    is as this step left it, with its service, office, assignee and witness loaded."""
    spec = ACTIONS.get(action)
    if spec is None or spec.capability is None:
        raise InvalidInput(_("Unknown action."), code="applications.action_unknown")
    if not spec.allowed(actor):
        actor.require(spec.capability)
    application = get_scoped(
        Application.objects.select_related("service", "office", "assigned_to", "signature_witness"),
        actor,
        pk=application_id,
    )
    step = Step(
        actor=actor,
        application=application,
        now=_now(),
        reason=(reason or "").strip(),
        handed_to=(handed_to or "").strip(),
        proof=proof,
        batch=batch,
    )
    return perform(spec, step, expected_version=expected_version)


def application_signature_record(*, actor: Actor, application: Application, where: str) -> Application:
    """Record that the applicant signed the paper form in front of the acting officer.

    At the counter (`where="counter"`) the officer of the handling office records it; in the field
    (`where="outreach"`) an outreach officer does. A file already signed or finished is refused
    (409); the write is one conditional UPDATE, so two officers recording at once sign it once.
    """
    action = SIGN_ACTIONS.get(where)  # type: ignore[call-overload]
    if action is None:
        raise InvalidInput(
            _("Say where the signature was collected: at the counter or in the field."),
            code="applications.signature_place_invalid",
        )
    return application_transition(actor=actor, application_id=application.pk, action=action)


@transaction.atomic
def application_lodge_online(*, application_id: int) -> Application:
    """The public form's last step: the draft it just built, with its scans, is submitted."""
    application = (
        Application.objects.select_related("service", "office").select_for_update().get(pk=application_id)
    )
    return perform(ACTIONS["lodge_online"], Step(actor=ANONYMOUS, application=application, now=_now()))


@transaction.atomic
def application_resubmit_online(
    *, tracking_code: str, applicant_nik: str, documents: dict[str, bytes], note: str = ""
) -> Application:
    """An online applicant whose file came back ("returned to the applicant") sends the corrected
    scans and resubmits, from the tracking page. The tracking code (sent to the applicant's phone)
    and the applicant's NIK must both match; the history keeps the return and the resubmission,
    and replaced scans are kept, marked replaced. All or nothing."""
    code = tracking_code_normalize(tracking_code)
    application = (
        Application.objects.select_related("service", "office")
        .select_for_update()
        .filter(tracking_code=code)
        .exclude(status=Status.DRAFT)
        .first()
    )
    if application is None or application.channel != Channel.ONLINE:
        raise NotFound(_("Not found."))
    given = "".join(ch for ch in (applicant_nik or "") if ch.isdigit())
    if not hmac.compare_digest(given.encode(), (application.applicant_nik or "").encode()):
        raise NotAllowed(
            _("The NIK does not match this application's applicant."), code="applications.nik_mismatch"
        )
    action = ACTIONS["resubmit_online"]
    refused = refusal(action, application, ANONYMOUS)
    if refused is not None:
        raise refused
    note = _trim(" ".join((note or "").split()))
    if not documents and not note:
        raise InvalidInput(
            _("Attach the corrected documents or explain what you corrected."),
            code="applications.resubmit_empty",
        )
    labels = {r.code: r.display_label for r in application.service.requirements.all()}
    for requirement, content in documents.items():
        try:
            _store_attachment(
                application=application, requirement=requirement, content=content, actor=ANONYMOUS
            )
        except ServiceError as exc:
            raise type(exc)(
                f"{labels.get(requirement, requirement)}: {exc}", code=exc.code, details=exc.details
            ) from exc
    step = Step(actor=ANONYMOUS, application=application, now=_now(), reason=note, documents=tuple(documents))
    return perform(action, step)
