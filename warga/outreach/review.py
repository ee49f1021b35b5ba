"""Review of the records a revoked phone handed over before it wiped itself.

Accepting applies the record exactly as a normal sync would have: the same handler, the officer
who captured it as actor, the phone's id in the request context, the time the server received it,
and the ledger row that makes the phone's record idempotent. Rejecting keeps the reason.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from warga.accounts.models import User
from warga.audit.services import audit_record
from warga.core.context import bound
from warga.core.errors import Conflict, InvalidInput
from warga.core.permissions import capabilities_of
from warga.core.scoping import Actor, get_scoped, unscoped

from .capabilities import OUTREACH_REVIEW
from .models import Device, QuarantinedRecord, ReviewStatus, SyncRecord, SyncStatus
from .sync import RecordIn, RetryLater, _device_context, _sync_one


def _officer_actor(user: User) -> Actor:
    """The officer as they were when they captured the record (a revoked phone often belongs to an
    officer who has since left: their account may be inactive, the record still happened)."""
    roles = frozenset(user.role_codes())
    return Actor(
        user=user,
        roles=roles,
        area_code=user.area_id,
        unit_id=user.unit_id,
        capabilities=capabilities_of(roles),
    )


def _pending(actor: Actor, record_id: int) -> QuarantinedRecord:
    actor.require(OUTREACH_REVIEW)
    held = get_scoped(
        QuarantinedRecord.objects.select_for_update(of=("self",)).select_related(
            "device", "assignment__event__desa"
        ),
        actor,
        pk=record_id,
    )
    if held.status != ReviewStatus.PENDING:
        raise Conflict(_("This record was already decided."), code="already_decided")
    return held


@transaction.atomic
def quarantined_accept(*, actor: Actor, record_id: int) -> QuarantinedRecord:
    """Apply a held record through the normal sync path; nothing changes if it cannot be applied."""
    from .records import HANDLERS

    held = _pending(actor, record_id)
    with unscoped("review: a held record in the supervisor's area names its phone and ledger row"):
        device = Device.objects.select_for_update(of=("self",)).select_related("user").get(pk=held.device_id)
        earlier = SyncRecord.objects.filter(device=device, client_id=held.client_id).first()
    officer = _officer_actor(device.user)
    rec = RecordIn(str(held.client_id), held.kind, held.captured_at_text, held.body, held.mac)
    known = {str(held.client_id): earlier} if earlier is not None else {}
    try:
        with bound(_device_context(device)):
            answer = _sync_one(
                officer, device, held.assignment, rec, held.received_at, 0, HANDLERS, known, replace=earlier
            )
    except RetryLater:
        raise Conflict(
            _("A photo of this record never arrived from the phone; the record cannot be applied."),
            code="photo_missing",
        ) from None
    if answer["status"] not in (SyncStatus.ACCEPTED, SyncStatus.CLOSED):
        # Roll back the ledger row too: the record stays in review for a rejection with a reason.
        raise Conflict(
            _("The record cannot be applied: %(reason)s") % {"reason": answer["message"]},
            code="cannot_apply",
            details={"code": answer["code"]},
        )
    held.status = ReviewStatus.ACCEPTED
    held.decided_by = actor.user
    held.decided_at = timezone.now()
    held.result = answer
    held.save(update_fields=["status", "decided_by", "decided_at", "result"])
    audit_record(
        actor=actor,
        action="outreach.quarantine.accept",
        obj=held,
        summary={"kind": held.kind, "result": answer["status"], "code": answer["code"]},
    )
    return held


@transaction.atomic
def quarantined_reject(*, actor: Actor, record_id: int, reason: str) -> QuarantinedRecord:
    reason = (reason or "").strip()
    if len(reason) < 3:
        raise InvalidInput(_("Say why the record is rejected."), code="reason_required")
    held = _pending(actor, record_id)
    held.status = ReviewStatus.REJECTED
    held.decided_by = actor.user
    held.decided_at = timezone.now()
    held.reason = reason[:300]
    held.save(update_fields=["status", "decided_by", "decided_at", "reason"])
    audit_record(actor=actor, action="outreach.quarantine.reject", obj=held, summary={"kind": held.kind})
    return held


def quarantined_subjects(records: list[QuarantinedRecord]) -> dict[int, str]:
    """Whom each held record is about (the resident's name), so the supervisor knows what they
    decide; read in one query. Records without a resident (citizen reports) have none."""
    import json

    from warga.registry.models import Resident

    wanted: dict[int, int] = {}
    niks: dict[int, str] = {}
    for held in records:
        try:
            body = json.loads(held.body)
        except ValueError:
            continue
        if isinstance(body, dict) and isinstance(body.get("resident"), int):
            wanted[held.pk] = body["resident"]
        elif isinstance(body, dict) and isinstance(body.get("applicant_nik"), str):
            niks[held.pk] = body["applicant_nik"]
    with unscoped("review: whom a held record of the supervisor's area names, who may have moved since"):
        names = dict(Resident.objects.filter(pk__in=set(wanted.values())).values_list("pk", "full_name"))
        by_nik = dict(Resident.objects.filter(nik__in=set(niks.values())).values_list("nik", "full_name"))
    subjects = {pk: names.get(rid, "") for pk, rid in wanted.items()}
    subjects.update({pk: by_nik.get(nik, "") for pk, nik in niks.items()})
    return subjects
