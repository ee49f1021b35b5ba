"""The application workflow as one table.

Each action names the states it leaves from, the state it leads to, the capability it needs and
where (the application's kecamatan office, the Disdukcapil, anywhere in the actor's area, or the
applicant themself), its guard and its update. `transitions.perform` executes these actions and
nothing else; `selectors.available_actions` offers the ones `refusal` lets through, so the
buttons a page shows and what the service accepts come from the same rules.

A guard returns None or the refusal (a `ServiceError` carrying the translated reason and its
code); an update returns the fields the conditional UPDATE writes besides status and version.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from warga.core.errors import Conflict, NotAllowed, ServiceError
from warga.core.scoping import Actor
from warga.org.models import UnitKind

from .. import capabilities as caps
from ..effects import effect_apply, effect_describe, effect_recheck
from ..models import (
    FINISHED_STATUSES,
    OPEN_STATUSES,
    Application,
    Batch,
    DocumentCounter,
    DocumentType,
    SignaturePlace,
    Status,
)

KECAMATAN = "kecamatan"  # the application's kecamatan office
DISDUKCAPIL = "disdukcapil"  # a Disdukcapil unit
ANYWHERE = "anywhere"  # any unit, within the actor's area
APPLICANT = "applicant"  # the online applicant, proven by the tracking code (and the NIK)

# Statuses from which a signature can still be recorded (any but finished files).
SIGNABLE = tuple(s for s in OPEN_STATUSES if s not in FINISHED_STATUSES)


@dataclass(frozen=True)
class Step:
    """One request to take an action: who, on which file, with what input."""

    actor: Actor
    application: Application
    now: datetime
    reason: str = ""
    handed_to: str = ""
    proof: str = ""
    batch: Batch | None = None
    documents: tuple[str, ...] = ()  # checklist items replaced by an online resubmission


Guard = Callable[[Actor, Application], ServiceError | None]
Update = Callable[[Step], dict[str, Any]]


def _no_guard(actor: Actor, application: Application) -> ServiceError | None:
    return None


def _no_update(step: Step) -> dict[str, Any]:
    return {}


def stale_message() -> str:
    return _("Someone else changed this application in the meantime. Reload it and try again.")


def _stale(application: Application) -> ServiceError:
    return Conflict(stale_message(), code="applications.stale")


def impossible(application: Application, action: Action) -> ServiceError:
    """The refusal for a file that is not in one of the action's source states."""
    if action.name == "claim" and application.status == Status.IN_REVIEW:
        return Conflict(
            _("Another verifier has just taken this file for review."),
            code="applications.already_claimed",
            details={"status": application.status},
        )
    if action.name == "approve" and application.status in (
        Status.APPROVED,
        Status.ISSUED,
        Status.SENT_TO_KECAMATAN,
        Status.HANDED_OVER,
        Status.CLOSED,
    ):
        message = _("This application is already approved; it cannot be approved again.")
    else:
        message = _("Cannot %(action)s: the application is now “%(status)s”.") % {
            "action": action.label,
            "status": application.get_status_display(),
        }
    return Conflict(
        message, code="applications.transition_impossible", details={"status": application.status}
    )


@dataclass(frozen=True)
class Action:
    name: str
    sources: tuple[str, ...]
    target: str | None  # None: the status stays (the signature)
    capability: str | None  # None: only the applicant (side APPLICANT)
    side: str
    label: Any
    guard: Guard = _no_guard
    update: Update = _no_update
    inputs: tuple[str, ...] = ()  # what the request must carry: "reason", "handed_to"
    needs_documents: bool = False
    danger: bool = False
    also: str | None = None  # a second capability that allows the step (the head releasing a claim)
    condition: Callable[[Step], dict[str, Any]] | None = None  # more WHERE for the UPDATE
    after: Callable[[Step], None] | None = None  # in the same transaction, after the UPDATE
    wrong_state: Callable[[Application, Action], ServiceError] = impossible
    lost: Callable[[Application], ServiceError] = _stale  # the UPDATE found the file changed
    event: str = ""  # the history's name for it, when not `name`
    audit: str = ""  # the audit action's last part, when not `name`
    summary: Callable[[Step, str], dict[str, Any]] | None = None
    notice: str | None = ""  # which SMS `notices.notify` sends ("" → `name`, None → none)

    @property
    def reason_required(self) -> bool:
        return "reason" in self.inputs

    def allowed(self, actor: Actor) -> bool:
        if self.capability is None:
            return not actor.is_authenticated
        return actor.can(self.capability) or bool(self.also and actor.can(self.also))


# --- Guards -------------------------------------------------------------------------------------


def _decider(actor: Actor, application: Application) -> ServiceError | None:
    if application.assigned_to_id != actor.id:
        return Conflict(
            _("Another verifier is reviewing this file. Only the verifier who took it can decide."),
            code="applications.assigned_elsewhere",
        )
    return None


def _decider_or_head(actor: Actor, application: Application) -> ServiceError | None:
    return None if actor.can(caps.OVERSEE) else _decider(actor, application)


def _not_received(actor: Actor, application: Application) -> ServiceError | None:
    if application.ready_at is not None:
        return Conflict(
            _("This document has already been received at the kecamatan."),
            code="applications.already_received",
        )
    return None


def _received(actor: Actor, application: Application) -> ServiceError | None:
    if application.ready_at is None:
        return Conflict(
            _("The document has not been received at the kecamatan yet."), code="applications.not_received"
        )
    return None


def _online(actor: Actor, application: Application) -> ServiceError | None:
    return None if application.channel == "online" else _stale(application)


def signature_refusal(application: Application, action: Action | None = None) -> ServiceError:
    if application.signed_at is not None:
        return Conflict(
            _("The applicant has already signed this application (%(date)s).")
            % {"date": timezone.localtime(application.signed_at).strftime("%d-%m-%Y %H:%M")},
            code="applications.already_signed",
        )
    return Conflict(
        _("The application is %(status)s; a signature can no longer be recorded.")
        % {"status": application.get_status_display().lower()},
        code="applications.signature_closed",
        details={"status": application.status},
    )


def _unsigned(actor: Actor, application: Application) -> ServiceError | None:
    return None if application.signed_at is None else signature_refusal(application)


def _signature_lost(application: Application) -> ServiceError:
    application.refresh_from_db()
    return signature_refusal(application)


def _not_returned(application: Application, action: Action) -> ServiceError:
    return Conflict(
        _("This application is %(status)s: there is nothing to send again.")
        % {"status": application.get_status_display().lower()},
        code="applications.not_returned",
    )


def _claim_lost(application: Application) -> ServiceError:
    current = Application.objects.filter(pk=application.pk).values_list("status", flat=True).first()
    if current == Status.IN_REVIEW:
        return Conflict(
            _("Another verifier has just taken this file for review."), code="applications.already_claimed"
        )
    return _stale(application)


# --- Updates ------------------------------------------------------------------------------------


def next_document_number(application: Application, day: date) -> str:
    prefixes: dict[str, str] = {
        DocumentType.KTP_EL: "KTP",
        DocumentType.KK: "KK",
        DocumentType.AKTA_KELAHIRAN: "AL",
        DocumentType.AKTA_KEMATIAN: "AM",
        DocumentType.SURAT_PINDAH: "SKPWNI",
    }
    doc_type = application.service.document_type
    counter, _created = DocumentCounter.objects.get_or_create(document_type=doc_type, year=day.year)
    counter = DocumentCounter.objects.select_for_update().get(pk=counter.pk)
    counter.last += 1
    counter.save(update_fields=["last"])
    region = application.kecamatan_id.replace(".", "")[:4]
    number = f"{region}-{prefixes.get(doc_type, 'DOC')}-{day:%Y%m%d}-{counter.last:05d}"
    return f"LATIHAN-{number}" if application.is_sandbox else number


def _decided(step: Step) -> dict[str, Any]:
    return {"assigned_to": None, "decided_at": step.now}


def _decided_with_reason(step: Step) -> dict[str, Any]:
    return {**_decided(step), "return_reason": step.reason}


def _issued(step: Step) -> dict[str, Any]:
    today = timezone.localdate(step.now)
    return {
        "document_number": next_document_number(step.application, today),
        "document_issued_on": today,
        "issued_at": step.now,
    }


def _handed_over(step: Step) -> dict[str, Any]:
    return {
        "handed_to": step.handed_to[:120],
        "handover_proof": (step.proof or "").strip()[:200],
        "handed_over_at": step.now,
    }


def _signed(place: str) -> Update:
    def update(step: Step) -> dict[str, Any]:
        return {"signed_at": step.now, "signature_witness": step.actor.user, "signature_place": place}

    return update


def _signature_summary(place: str) -> Callable[[Step, str], dict[str, Any]]:
    def summary(step: Step, from_status: str) -> dict[str, Any]:
        return {"where": place, "status": step.application.status}

    return summary


def _apply_effect(step: Step) -> None:
    """Approval applies the registry change in the same transaction (simulated in training)."""
    application = step.application
    if application.is_sandbox:
        result = {"simulated": True, "description": effect_describe(application)}
    else:
        subjects = effect_recheck(application)
        result = effect_apply(actor=step.actor, application=application, subjects=subjects)
    Application.objects.filter(pk=application.pk).update(effect_result=result)
    application.effect_result = result


_RETURN = ("reason",)
_SIGN = gettext_lazy("Signature received")

ACTIONS: dict[str, Action] = {
    a.name: a
    for a in [
        Action(
            "lodge",
            (Status.DRAFT,),
            Status.SUBMITTED,
            caps.SUBMIT,
            KECAMATAN,
            gettext_lazy("submit"),
            needs_documents=True,
        ),
        Action(
            "lodge_online",
            (Status.DRAFT,),
            Status.SUBMITTED,
            None,
            APPLICANT,
            gettext_lazy("submit"),
            guard=_online,
            needs_documents=True,
            event="submit",
            audit="lodge",
            summary=lambda step, from_status: {"channel": "online"},
            notice="lodge",
        ),
        Action(
            "verify",
            (Status.SUBMITTED, Status.RETURNED_TO_KECAMATAN),
            Status.VERIFIED,
            caps.VERIFY,
            KECAMATAN,
            gettext_lazy("verify"),
            update=lambda step: {"verified_at": step.now, "return_reason": ""},
            needs_documents=True,
        ),
        Action(
            "return_to_applicant",
            (Status.SUBMITTED, Status.VERIFIED, Status.RETURNED_TO_KECAMATAN),
            Status.RETURNED_TO_APPLICANT,
            caps.VERIFY,
            KECAMATAN,
            gettext_lazy("return to the applicant"),
            update=lambda step: {"return_reason": step.reason},
            inputs=_RETURN,
            danger=True,
        ),
        Action(
            "resubmit",
            (Status.RETURNED_TO_APPLICANT,),
            Status.SUBMITTED,
            caps.SUBMIT,
            KECAMATAN,
            gettext_lazy("resubmit"),
            needs_documents=True,
        ),
        Action(
            "resubmit_online",
            (Status.RETURNED_TO_APPLICANT,),
            Status.SUBMITTED,
            None,
            APPLICANT,
            gettext_lazy("resubmit"),
            guard=_online,
            needs_documents=True,
            wrong_state=_not_returned,
            event="resubmit",
            audit="resubmit",
            summary=lambda step, from_status: {"channel": "online", "documents": sorted(step.documents)},
            notice="resubmit",
        ),
        Action(
            "send",
            (Status.VERIFIED,),
            Status.SENT,
            caps.SEND,
            KECAMATAN,
            gettext_lazy("send to the Disdukcapil"),
            update=lambda step: {"sent_at": step.now, "batch": step.batch},
        ),
        Action(
            "claim",
            (Status.SENT,),
            Status.IN_REVIEW,
            caps.REVIEW,
            DISDUKCAPIL,
            gettext_lazy("take for review"),
            update=lambda step: {"assigned_to": step.actor.user},
            condition=lambda step: {"assigned_to__isnull": True},
            lost=_claim_lost,
        ),
        Action(
            "release",
            (Status.IN_REVIEW,),
            Status.SENT,
            caps.REVIEW,
            DISDUKCAPIL,
            gettext_lazy("release"),
            guard=_decider_or_head,
            update=lambda step: {"assigned_to": None},
            also=caps.OVERSEE,
        ),
        Action(
            "approve",
            (Status.IN_REVIEW,),
            Status.APPROVED,
            caps.REVIEW,
            DISDUKCAPIL,
            gettext_lazy("approve"),
            guard=_decider,
            update=_decided,
            after=_apply_effect,
        ),
        Action(
            "return_to_kecamatan",
            (Status.IN_REVIEW,),
            Status.RETURNED_TO_KECAMATAN,
            caps.REVIEW,
            DISDUKCAPIL,
            gettext_lazy("return to the kecamatan"),
            guard=_decider,
            update=_decided_with_reason,
            inputs=_RETURN,
            danger=True,
        ),
        Action(
            "reject",
            (Status.IN_REVIEW,),
            Status.REJECTED,
            caps.REVIEW,
            DISDUKCAPIL,
            gettext_lazy("reject"),
            guard=_decider,
            update=_decided_with_reason,
            inputs=_RETURN,
            danger=True,
        ),
        Action(
            "issue",
            (Status.APPROVED,),
            Status.ISSUED,
            caps.ISSUE,
            DISDUKCAPIL,
            gettext_lazy("issue the document"),
            update=_issued,
        ),
        Action(
            "dispatch",
            (Status.ISSUED,),
            Status.SENT_TO_KECAMATAN,
            caps.ISSUE,
            DISDUKCAPIL,
            gettext_lazy("send to the kecamatan"),
            update=lambda step: {"batch": step.batch},
        ),
        Action(
            "receive",
            (Status.SENT_TO_KECAMATAN,),
            Status.SENT_TO_KECAMATAN,
            caps.HAND_OVER,
            KECAMATAN,
            gettext_lazy("receive at the kecamatan"),
            guard=_not_received,
            update=lambda step: {"ready_at": step.now},
            condition=lambda step: {"ready_at__isnull": True},
        ),
        Action(
            "hand_over",
            (Status.SENT_TO_KECAMATAN,),
            Status.HANDED_OVER,
            caps.HAND_OVER,
            KECAMATAN,
            gettext_lazy("hand over"),
            guard=_received,
            update=_handed_over,
            inputs=("handed_to",),
        ),
        Action(
            "close", (Status.HANDED_OVER,), Status.CLOSED, caps.HAND_OVER, KECAMATAN, gettext_lazy("close")
        ),
        Action(
            "sign_at_counter",
            SIGNABLE,
            None,
            caps.SUBMIT,
            KECAMATAN,
            _SIGN,
            guard=_unsigned,
            update=_signed(SignaturePlace.COUNTER),
            condition=lambda step: {"signed_at__isnull": True},
            wrong_state=signature_refusal,
            lost=_signature_lost,
            event="sign",
            audit="sign",
            summary=_signature_summary(SignaturePlace.COUNTER),
            notice=None,
        ),
        Action(
            "sign_in_field",
            SIGNABLE,
            None,
            caps.SUBMIT_OUTREACH,
            ANYWHERE,
            _SIGN,
            guard=_unsigned,
            update=_signed(SignaturePlace.OUTREACH),
            condition=lambda step: {"signed_at__isnull": True},
            wrong_state=signature_refusal,
            lost=_signature_lost,
            event="sign",
            audit="sign",
            summary=_signature_summary(SignaturePlace.OUTREACH),
            notice=None,
        ),
    ]
}

SIGN_ACTIONS = {SignaturePlace.COUNTER: "sign_at_counter", SignaturePlace.OUTREACH: "sign_in_field"}


def _is_disdukcapil(actor: Actor) -> bool:
    unit = actor.unit
    return unit is not None and unit.kind == UnitKind.DISDUKCAPIL


def side_refusal(actor: Actor, application: Application, side: str) -> ServiceError | None:
    if side == KECAMATAN and actor.unit_id != application.office_id:
        return NotAllowed(_("Only the kecamatan office handling this application can do this."))
    if side == DISDUKCAPIL and not _is_disdukcapil(actor):
        return NotAllowed(_("Only the Disdukcapil can do this."))
    return None


def refusal(action: Action, application: Application, actor: Actor) -> ServiceError | None:
    """Why `actor` cannot take `action` on this file now, or None: who (capability and side),
    then the state, then the action's own guard. The request's input (a reason, scans) is
    checked when the action is taken."""
    if not action.allowed(actor):
        if action.capability is None:
            return NotAllowed(_("You do not have permission for this action."))
        try:
            actor.require(action.capability)
        except NotAllowed as exc:
            return exc
    side = side_refusal(actor, application, action.side)
    if side is not None:
        return side
    if application.status not in action.sources:
        return action.wrong_state(application, action)
    return action.guard(actor, application)
