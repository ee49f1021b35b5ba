"""Tasks a case asks of an office: a reported death or birth, once accepted, is a task for the
desa office (or, without one, the Disdukcapil) to register the life event in the register.

The register is never changed by a report: the task opens the register's own life-event form
(`registry:death`, `registry:birth`) with the task's reference prefilled as the event's reference
number. When that form registers the event, the register announces it
(`registry.signals.life_event_registered`) and `task_link_life_event` links the task to the event
— the task keeps the event (`CaseTask.life_event`), the event carries the task's reference
(`LifeEvent.event_ref`) — and the case gets a `CaseEvent`.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from warga.audit.services import audit_record
from warga.core.errors import NotFound
from warga.core.scoping import Actor, get_scoped, unscoped
from warga.org.models import Unit, UnitKind

from .. import capabilities as caps
from ..models import Case, CaseCategory, CaseEvent, CaseTask, CaseTaskKind, CaseTaskStatus

logger = logging.getLogger(__name__)

TASK_OF_CATEGORY = {
    CaseCategory.KEMATIAN: CaseTaskKind.REGISTER_DEATH,
    CaseCategory.KELAHIRAN: CaseTaskKind.REGISTER_BIRTH,
}
EVENT_OF_TASK = {CaseTaskKind.REGISTER_DEATH: "death", CaseTaskKind.REGISTER_BIRTH: "birth"}
# The steps by which the handler accepts a case as true.
ACCEPTING = ("accept", "verify", "assign")
REFERENCE_PREFIX = "LAPOR-"
REFERENCE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"


def _reference() -> str:
    return REFERENCE_PREFIX + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(10))


def _task_unit(case: Case) -> Unit | None:
    with unscoped("the office in charge of the case's desa, wherever the handler sits"):
        if case.desa_id:
            unit = Unit.objects.filter(
                kind=UnitKind.DESA_OFFICE, area_id=case.desa_id, is_active=True
            ).first()
            if unit is not None:
                return unit
        return Unit.objects.filter(kind=UnitKind.DISDUKCAPIL, is_active=True).order_by("pk").first()


def tasks_after_step(action: str, case: Case, actor: Actor) -> CaseTask | None:
    """Called by `transitions.perform` after each step, in its transaction: the acceptance of a
    reported death or birth (with its desa known) makes its task, once."""
    kind = TASK_OF_CATEGORY.get(case.category)  # type: ignore[call-overload]
    if action not in ACCEPTING or kind is None or case.desa_id is None:
        return None
    with unscoped("a case's task is made wherever the case lies"):
        if CaseTask.objects.filter(case=case, kind=kind).exists():
            return None
        unit = _task_unit(case)
        if unit is None:
            logger.info("case %s: no office to register its life event", case.pk)
            return None
        try:
            with transaction.atomic():
                task = CaseTask.objects.create(
                    case=case, kind=kind, region_id=case.desa_id, unit=unit, reference=_reference()
                )
        except IntegrityError:  # made by a concurrent step
            return None
        CaseEvent.objects.create(
            case=case,
            action="task",
            from_status=case.status,
            to_status=case.status,
            actor=actor.user,
            actor_unit_id=actor.unit_id,
            unit=unit,
            note=_("task for %(unit)s: %(task)s (%(ref)s)")
            % {"unit": unit.name, "task": task.get_kind_display(), "ref": task.reference},
        )
    audit_record(
        actor=actor if actor.is_authenticated else None,
        action="reports.case_task.create",
        obj=task,
        summary={"case": case.pk, "kind": kind, "unit": unit.pk},
    )
    return task


def task_open(*, actor: Actor, pk: int) -> CaseTask:
    """One task for the office in charge (the desa office, the Disdukcapil, within their area)."""
    actor.require(caps.TASKS)
    qs = CaseTask.objects.select_related("case", "case__desa", "unit", "life_event")
    return get_scoped(qs, actor, pk=pk)


def task_link_life_event(*, event: Any, actor: Actor) -> CaseTask | None:
    """The register registered `event`: when it carries the reference of an open task of the
    same kind in the same desa, registered by an officer whose area covers it, the task is done
    and linked to it, and its case gets an event. Anything else leaves both as they are (the
    register's registration stands on its own)."""
    reference = (getattr(event, "event_ref", "") or "").strip().upper()
    if not reference.startswith(REFERENCE_PREFIX):
        return None
    with unscoped("a life event names its task by reference; the desa and the officer are checked next"):
        task = CaseTask.objects.select_for_update().filter(reference=reference).first()
        if (
            task is None
            or task.status != CaseTaskStatus.OPEN
            or EVENT_OF_TASK.get(task.kind) != event.type  # type: ignore[call-overload]
            or task.region_id != event.desa_id
            or not actor.is_authenticated
            or not actor.covers(task.region_id)
            or not actor.can(caps.TASKS)
        ):
            logger.info("life event %s: reference names no open task it may close", event.pk)
            return None
        now = timezone.now()
        CaseTask.objects.filter(pk=task.pk).update(
            status=CaseTaskStatus.DONE, life_event=event, done_at=now, done_by=actor.user
        )
        task.refresh_from_db()
        case = Case.objects.get(pk=task.case_id)
        CaseEvent.objects.create(
            case=case,
            action="life_event",
            from_status=case.status,
            to_status=case.status,
            actor=actor.user,
            actor_unit_id=actor.unit_id,
            at=now,
            note=_("%(event)s registered in the register (%(ref)s)")
            % {"event": event.get_type_display(), "ref": task.reference},
        )
    audit_record(
        actor=actor,
        action="reports.case_task.done",
        obj=task,
        summary={"case": task.case_id, "life_event": event.pk},
    )
    return task


@transaction.atomic
def task_cancel(*, actor: Actor, pk: int, reason: str) -> CaseTask:
    """The office found nothing to register (a false report, registered elsewhere already)."""
    from .intake import text_clean

    task = task_open(actor=actor, pk=pk)
    note = text_clean(reason, field="reason", limit=500)
    if task.status != CaseTaskStatus.OPEN:
        raise NotFound(_("Not found."))
    with unscoped("the task's own row and its case's history"):
        CaseTask.objects.filter(pk=task.pk, status=CaseTaskStatus.OPEN).update(
            status=CaseTaskStatus.CANCELLED, done_at=timezone.now(), done_by=actor.user
        )
        CaseEvent.objects.create(
            case=task.case,
            action="task_cancel",
            from_status=task.case.status,
            to_status=task.case.status,
            actor=actor.user,
            actor_unit_id=actor.unit_id,
            note=note,
        )
    audit_record(actor=actor, action="reports.case_task.cancel", obj=task, summary={"case": task.case_id})
    task.refresh_from_db()
    return task
