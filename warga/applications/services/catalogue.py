"""The service catalogue, each office's rollout mode and the paper batches of manual offices."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from warga.audit.services import audit_record
from warga.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from warga.core.scoping import Actor, get_scoped
from warga.org.models import Unit, UnitKind

from .. import capabilities as caps
from ..catalogue import schema_errors
from ..models import (
    Channel,
    OfficeMode,
    OfficeRollout,
    PaperBatch,
    RequiredDocument,
    Service,
)
from .common import _actor_office, _actor_unit_kind, _stale_message, office_mode

# --- Catalogue, rollout, paper batches -------------------------------------------------------------

SERVICE_EDITABLE = (
    "allow_several",
    "name",
    "name_en",
    "description",
    "form_schema",
    "channels",
    "target_days_kecamatan",
    "target_days_disdukcapil",
    "target_days_return",
    "target_days_total",
    "is_active",
    "order",
)


@transaction.atomic
def service_update(
    *, actor: Actor, code: str, changes: dict[str, Any], requirements: list[dict] | None = None
) -> Service:
    """The administrator edits a service: fields, checklist (code, label, mandatory), targets."""
    actor.require(caps.CATALOGUE)
    service = Service.objects.select_for_update().filter(code=code).first()
    if service is None:
        raise NotFound(_("Not found."))
    unknown = set(changes) - set(SERVICE_EDITABLE)
    if unknown:
        raise InvalidInput(_("These fields cannot be changed: %(f)s.") % {"f": ", ".join(sorted(unknown))})
    if "form_schema" in changes:
        problems = schema_errors(changes["form_schema"])
        if problems:
            raise InvalidInput(" ".join(problems), code="applications.schema_invalid", details=problems)
    if "channels" in changes:
        channels = changes["channels"]
        if not isinstance(channels, list) or not set(channels) <= set(Channel.values):
            raise InvalidInput(_("Channels must be chosen from: %(c)s.") % {"c": ", ".join(Channel.values)})
    for key in (
        "target_days_kecamatan",
        "target_days_disdukcapil",
        "target_days_return",
        "target_days_total",
    ):
        value = changes.get(key, getattr(service, key))
        if not isinstance(value, int) or not 1 <= value <= 60:
            raise InvalidInput(
                _("Target times are whole working days from 1 to 60."), code="applications.target_invalid"
            )
    for key, value in changes.items():
        setattr(service, key, value)
    stage_sum = service.target_days_kecamatan + service.target_days_disdukcapil + service.target_days_return
    if service.target_days_total < stage_sum:
        raise InvalidInput(
            _("The end-to-end target (%(total)d) is shorter than the stages together (%(sum)d).")
            % {"total": service.target_days_total, "sum": stage_sum},
            code="applications.target_invalid",
        )
    service.save()
    if requirements is not None:
        seen = set()
        for i, item in enumerate(requirements, start=1):
            code_ = str(item.get("code", "")).strip()
            if not code_ or not str(item.get("label", "")).strip() or code_ in seen:
                raise InvalidInput(
                    _("Each checklist item needs a unique code and a label."),
                    code="applications.requirement_invalid",
                )
            seen.add(code_)
            RequiredDocument.objects.update_or_create(
                service=service,
                code=code_,
                defaults={
                    "label": str(item["label"]).strip()[:160],
                    "label_en": str(item.get("label_en", "")).strip()[:160],
                    "mandatory": bool(item.get("mandatory", True)),
                    "order": i * 10,
                },
            )
        service.requirements.exclude(code__in=seen).delete()
    audit_record(
        actor=actor,
        action="applications.service.update",
        obj=service,
        summary={"fields": sorted(changes), "requirements": requirements is not None},
    )
    return service


@transaction.atomic
def rollout_set(*, actor: Actor, office_id: int, mode: str, head_id: int | None = None) -> OfficeRollout:
    actor.require(caps.ROLLOUT)
    office = get_scoped(Unit.objects.filter(kind=UnitKind.KECAMATAN_OFFICE), actor, pk=office_id)
    if mode not in OfficeMode.values:
        raise InvalidInput(_("Choose online, training or manual."), code="applications.mode_invalid")
    if head_id is not None and not office.staff.filter(pk=head_id, is_active=True).exists():
        raise InvalidInput(
            _("The head must be an active staff member of this office."), code="applications.head_invalid"
        )
    rollout, _created = OfficeRollout.objects.get_or_create(unit=office)
    old = rollout.mode
    rollout.mode = mode
    rollout.head_id = head_id
    rollout.updated_by = actor.user
    rollout.save()
    audit_record(
        actor=actor, action="applications.rollout.set", obj=rollout, summary={"from": old, "to": mode}
    )
    return rollout


def _paper_office(actor: Actor, office_id: int | None) -> Unit:
    if office_id is None:
        office = _actor_office(actor)
        if office is None:
            raise InvalidInput(_("Choose the kecamatan office."), code="applications.office_missing")
        return office
    return get_scoped(Unit.objects.filter(kind=UnitKind.KECAMATAN_OFFICE), actor, pk=office_id)


def _check_paper_dates(batch: PaperBatch) -> None:
    today = timezone.localdate()
    dates = [d for d in (batch.sent_on, batch.received_on, batch.returned_on) if d]
    if any(d > today for d in dates):
        raise InvalidInput(_("Dates cannot be in the future."), code="applications.date_in_future")
    if batch.received_on and batch.received_on < batch.sent_on:
        raise InvalidInput(_("A batch cannot arrive before it was sent."), code="applications.dates_order")
    if batch.returned_on and batch.returned_on < (batch.received_on or batch.sent_on):
        raise InvalidInput(_("A batch cannot come back before it arrived."), code="applications.dates_order")
    if batch.files_count < 1 or (
        batch.returned_count is not None and batch.returned_count > batch.files_count
    ):
        raise InvalidInput(
            _("The number of files must be at least 1 and no fewer than the documents returned."),
            code="applications.count_invalid",
        )


@transaction.atomic
def paper_batch_record(
    *,
    actor: Actor,
    files_count: int,
    sent_on: date,
    office_id: int | None = None,
    service_code: str | None = None,
    note: str = "",
) -> PaperBatch:
    """A manual office records a bundle of paper files sent to the Disdukcapil."""
    actor.require(caps.PAPER)
    office = _paper_office(actor, office_id)
    if _actor_unit_kind(actor) != UnitKind.DISDUKCAPIL and actor.unit_id != office.pk:
        raise NotAllowed(
            _("Only the kecamatan office itself or the Disdukcapil can record its paper batches.")
        )
    if office_mode(office) != OfficeMode.MANUAL:
        raise InvalidInput(
            _("%(office)s works online; its files are counted automatically.") % {"office": office.name},
            code="applications.office_not_manual",
        )
    service = None
    if service_code:
        service = Service.objects.filter(code=service_code).first()
        if service is None:
            raise InvalidInput(_("Unknown or inactive service."), code="applications.service_unknown")
    batch = PaperBatch(
        office=office,
        kecamatan_id=office.area_id,
        service=service,
        files_count=files_count,
        sent_on=sent_on,
        note=note[:200],
        created_by=actor.user,
    )
    _check_paper_dates(batch)
    batch.save()
    audit_record(
        actor=actor, action="applications.paper_batch.record", obj=batch, summary={"files": files_count}
    )
    return batch


@transaction.atomic
def paper_batch_update(
    *,
    actor: Actor,
    batch_id: int,
    expected_version: int,
    received_on: date | None = None,
    returned_on: date | None = None,
    returned_count: int | None = None,
) -> PaperBatch:
    actor.require(caps.PAPER)
    batch = get_scoped(PaperBatch.objects.select_for_update(), actor, pk=batch_id)
    if _actor_unit_kind(actor) != UnitKind.DISDUKCAPIL and actor.unit_id != batch.office_id:
        raise NotAllowed(
            _("Only the kecamatan office itself or the Disdukcapil can record its paper batches.")
        )
    if batch.version != expected_version:
        raise Conflict(_stale_message(), code="applications.stale")
    if received_on is not None:
        batch.received_on = received_on
    if returned_on is not None:
        batch.returned_on = returned_on
    if returned_count is not None:
        batch.returned_count = returned_count
    _check_paper_dates(batch)
    batch.version += 1
    batch.save()
    audit_record(
        actor=actor, action="applications.paper_batch.update", obj=batch, summary={"version": batch.version}
    )
    return batch
