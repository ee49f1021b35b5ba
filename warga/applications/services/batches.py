"""Bulk moves: a day of verified files to the Disdukcapil, issued documents back."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from warga.audit.services import audit_record
from warga.core.errors import Conflict, NotAllowed
from warga.core.scoping import Actor, get_scoped
from warga.org.models import Unit, UnitKind

from .. import capabilities as caps
from ..models import (
    Application,
    Batch,
    Status,
)
from .common import _actor_office, _actor_unit_kind, _now
from .transitions import application_transition

# --- Bulk actions --------------------------------------------------------------------------------


@transaction.atomic
def batch_send_verified(*, actor: Actor) -> Batch | None:
    """Send all verified files of the actor's office to the Disdukcapil as one batch."""
    actor.require(caps.SEND)
    office = _actor_office(actor)
    if office is None:
        raise NotAllowed(_("Only a kecamatan office sends files to the Disdukcapil."))
    ids = list(
        Application.objects.filter(office=office, status=Status.VERIFIED)
        .order_by("id")
        .values_list("id", flat=True)
    )
    if not ids:
        return None
    assert actor.user is not None
    batch = Batch.objects.create(
        direction=Batch.Direction.TO_DISDUKCAPIL,
        office=office,
        kecamatan_id=office.area_id,
        created_by=actor.user,
    )
    for pk in ids:
        application_transition(actor=actor, application_id=pk, action="send", batch=batch)
    Batch.objects.filter(pk=batch.pk).update(size=len(ids))
    batch.size = len(ids)
    audit_record(actor=actor, action="applications.batch.send", obj=batch, summary={"size": len(ids)})
    return batch


@transaction.atomic
def batch_dispatch_issued(*, actor: Actor) -> list[Batch]:
    """Send every issued document back to its kecamatan, one batch per office."""
    actor.require(caps.ISSUE)
    if _actor_unit_kind(actor) != UnitKind.DISDUKCAPIL:
        raise NotAllowed(_("Only the Disdukcapil can do this."))
    by_office: dict[int, list[int]] = {}
    for pk, office_id in (
        Application.objects.filter(status=Status.ISSUED)
        .order_by("office_id", "id")
        .values_list("id", "office_id")
    ):
        by_office.setdefault(office_id, []).append(pk)
    batches = []
    assert actor.user is not None
    for office_id, ids in by_office.items():
        office = Unit.objects.get(pk=office_id)
        batch = Batch.objects.create(
            direction=Batch.Direction.TO_KECAMATAN,
            office=office,
            kecamatan_id=office.area_id,
            created_by=actor.user,
            size=len(ids),
        )
        for pk in ids:
            application_transition(actor=actor, application_id=pk, action="dispatch", batch=batch)
        audit_record(actor=actor, action="applications.batch.dispatch", obj=batch, summary={"size": len(ids)})
        batches.append(batch)
    return batches


@transaction.atomic
def batch_receive(*, actor: Actor, batch_id: int) -> Batch:
    """The kecamatan confirms a batch of issued documents arrived: all become ready for collection."""
    actor.require(caps.HAND_OVER)
    batch = get_scoped(Batch.objects.select_for_update(), actor, pk=batch_id)
    if batch.direction != Batch.Direction.TO_KECAMATAN or batch.office_id != actor.unit_id:
        raise NotAllowed(_("Only the kecamatan office the batch was sent to can receive it."))
    if batch.received_at is not None:
        raise Conflict(_("This batch has already been received."), code="applications.batch_received")
    ids = list(
        Application.objects.filter(
            batch=batch, status=Status.SENT_TO_KECAMATAN, ready_at__isnull=True
        ).values_list("id", flat=True)
    )
    for pk in ids:
        application_transition(actor=actor, application_id=pk, action="receive", batch=batch)
    batch.received_at = _now()
    batch.received_by = actor.user
    batch.save(update_fields=["received_at", "received_by"])
    audit_record(actor=actor, action="applications.batch.receive", obj=batch, summary={"size": len(ids)})
    return batch
