"""Importing card statuses from the national system's export, queued and resumable."""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from warga.audit.services import audit_record
from warga.core.errors import InvalidInput, ServiceError
from warga.core.scoping import Actor, scoped
from warga.core.tasks import enqueue_on_commit
from warga.registry.models import Resident

from ..imports import ImportRow, ImportTooSlow, parse_status_file, precheck
from ..models import (
    TRANSITIONS,
    UNRECORDED,
    KtpCard,
    KtpStatus,
    KtpTransition,
    StatusImport,
    TransitionSource,
)
from ._common import REPRINT_RESET, STAMPS, _status_label, _user

# Order along the chain, to apply several rows of one resident in a sensible order on one date.
CHAIN = [
    KtpStatus.RECORDED,
    KtpStatus.DUPLICATE,
    KtpStatus.ENROLMENT_FAILED,
    KtpStatus.PRR,
    KtpStatus.PRINTED,
]
MAX_IMPORT_BYTES = 20 * 1024 * 1024


def ktp_status_import(*, actor: Actor, filename: str, content: bytes) -> StatusImport:
    """Apply a national-system export (CSV or XLSX: NIK, status, date) as a whole, or not at all.

    Rows already applied (same status and date in the card's log, or the card already at that
    status) change nothing, so importing a file twice is harmless. Any unknown NIK, bad row or
    impossible transition rejects the whole file: the rejection and its error list are kept.
    """
    actor.require("cards.status_update")
    digest = hashlib.sha256(content).hexdigest()
    if len(content) > MAX_IMPORT_BYTES:
        raise InvalidInput(
            _("The file is larger than 20 MB. Split it into smaller files."), code="cards.import_size"
        )
    rows, errors = parse_status_file(filename, content)
    if not rows and not errors:
        raise InvalidInput(_("The file has no rows."), code="cards.import_empty")
    area = actor.area_code or settings.WARGA_REGION_CODE
    result: StatusImport | None = None
    try:
        with transaction.atomic():
            result = StatusImport.objects.create(
                filename=filename[:200],
                sha256=digest,
                state=StatusImport.State.APPLIED,
                rows=len(rows),
                actor=_user(actor),
                area_id=area,
            )
            changed, unchanged, row_errors = _import_rows(actor=actor, rows=rows, status_import=result)
            errors.extend(row_errors)
            if errors:
                raise _Rejected()
            result.changed, result.unchanged = changed, unchanged
            result.save(update_fields=["changed", "unchanged"])
            audit_record(
                actor=actor,
                action="cards.status.import",
                obj=result,
                summary={"rows": len(rows), "changed": changed, "unchanged": unchanged},
            )
            return result
    except _Rejected:
        pass
    errors.sort(key=lambda e: e["row"])
    with transaction.atomic():
        rejected = StatusImport.objects.create(
            filename=filename[:200],
            sha256=digest,
            state=StatusImport.State.REJECTED,
            rows=len(rows) + 0,
            errors=[{"row": e["row"], "message": e["message"]} for e in errors[:1000]],
            actor=_user(actor),
            area_id=area,
        )
        audit_record(
            actor=actor,
            action="cards.status.import_rejected",
            obj=rejected,
            summary={"rows": len(rows), "errors": len(errors)},
        )
    raise InvalidInput(
        _("The file was not applied: %(n)d rows have errors. Correct them and upload the whole file again.")
        % {"n": len({e["row"] for e in errors})},
        code="cards.import_rejected",
        details={"import_id": rejected.pk, "errors": errors[:1000]},
    )


class _Rejected(Exception):
    pass


logger = logging.getLogger(__name__)

IMPORT_TIME_LIMIT = 120
"""Seconds the task worker may spend reading one status file (CARDS_IMPORT_TIME_LIMIT)."""


def ktp_status_import_queue(*, actor: Actor, filename: str, content: bytes) -> StatusImport:
    """Accept a status file for the task worker, after the checks that need no parsing (size,
    a workbook's declared sizes and rows): the page and the API show it waiting, then its result."""
    actor.require("cards.status_update")
    if len(content) > MAX_IMPORT_BYTES:
        raise InvalidInput(
            _("The file is larger than 20 MB. Split it into smaller files."), code="cards.import_size"
        )
    if not content.strip():
        raise InvalidInput(_("The file has no rows."), code="cards.import_empty")
    precheck(content)
    with transaction.atomic():
        queued = StatusImport(
            filename=filename[:200],
            sha256=hashlib.sha256(content).hexdigest(),
            state=StatusImport.State.PENDING,
            actor=_user(actor),
            area_id=actor.area_code or settings.WARGA_REGION_CODE,
        )
        queued.file.save(f"{uuid.uuid4().hex}.bin", ContentFile(content), save=False)
        queued.save()
        audit_record(
            actor=actor, action="cards.status.import_queued", obj=queued, summary={"bytes": len(content)}
        )
        from ..tasks import ktp_status_import_task

        enqueue_on_commit(ktp_status_import_task, queued.pk)
    return queued


def ktp_status_import_run(*, import_id: int) -> None:
    """The task: claim a waiting file, read it within the time limit, apply it whole or reject it."""
    if not StatusImport.objects.filter(pk=import_id, state=StatusImport.State.PENDING).update(
        state=StatusImport.State.PROCESSING, claimed_at=timezone.now()
    ):
        return  # another worker has it, or it is done
    queued = StatusImport.objects.select_related("actor").get(pk=import_id)
    actor = Actor.for_user(queued.actor)
    limit = int(getattr(settings, "CARDS_IMPORT_TIME_LIMIT", IMPORT_TIME_LIMIT))
    try:
        with queued.file.open("rb") as handle:
            content = handle.read()
        rows, errors = parse_status_file(queued.filename, content, deadline=time.monotonic() + limit)
        if not rows and not errors:
            errors = [{"row": 0, "message": str(_("The file has no rows."))}]
        if not errors:
            try:
                with transaction.atomic():
                    changed, unchanged, row_errors = _import_rows(
                        actor=actor, rows=rows, status_import=queued
                    )
                    if row_errors:
                        errors = row_errors
                        raise _Rejected()
                    queued.state = StatusImport.State.APPLIED
                    queued.rows, queued.changed, queued.unchanged = len(rows), changed, unchanged
                    queued.save(update_fields=["state", "rows", "changed", "unchanged"])
                    audit_record(
                        actor=actor,
                        action="cards.status.import",
                        obj=queued,
                        summary={"rows": len(rows), "changed": changed, "unchanged": unchanged},
                    )
            except _Rejected:
                pass
        if errors:
            _reject(queued, actor, rows=len(rows), errors=errors)
    except ImportTooSlow:
        message = _("Reading the file took longer than %(s)d seconds. Split it into smaller files.") % {
            "s": limit
        }
        _reject(queued, actor, rows=0, errors=[{"row": 0, "message": message}])
    except ServiceError as exc:
        _reject(queued, actor, rows=0, errors=[{"row": 0, "message": str(exc.message)}])
    finally:
        if queued.file:
            queued.file.delete(save=False)
            StatusImport.objects.filter(pk=queued.pk).update(file="")


def ktp_status_imports_resume(*, now: datetime | None = None) -> dict[str, int]:
    """Nothing waits for good after a crash: a file still waiting after two minutes is queued
    again (its task was lost with the queue), and a claim older than the time limit plus ten
    minutes, whose file was never read to the end, belonged to a dead worker — it waits again.
    The apply is one transaction, so a dead worker left nothing half-applied; the conditional
    updates make a second resume, or a late original task, find nothing to take."""
    from ..tasks import ktp_status_import_task

    now = now or timezone.now()
    limit = int(getattr(settings, "CARDS_IMPORT_TIME_LIMIT", IMPORT_TIME_LIMIT))
    stale = now - timedelta(seconds=limit + 600)
    dead = StatusImport.objects.filter(state=StatusImport.State.PROCESSING, claimed_at__lt=stale).exclude(
        file=""
    )
    reclaimed = [
        pk
        for pk, claimed_at in dead.values_list("pk", "claimed_at")
        if StatusImport.objects.filter(
            pk=pk, state=StatusImport.State.PROCESSING, claimed_at=claimed_at
        ).update(state=StatusImport.State.PENDING, claimed_at=None)
    ]
    waiting = StatusImport.objects.filter(
        state=StatusImport.State.PENDING, created_at__lt=now - timedelta(minutes=2)
    ).exclude(pk__in=reclaimed)
    queued = [*reclaimed, *waiting.values_list("pk", flat=True)]
    for pk in queued:
        ktp_status_import_task(pk)
    if queued:
        logger.warning(
            "status imports resumed: %s reclaimed from a dead worker, %s queued again",
            len(reclaimed),
            len(queued) - len(reclaimed),
        )
    return {"reclaimed": len(reclaimed), "queued": len(queued)}


def _reject(queued: StatusImport, actor: Actor, *, rows: int, errors: list[dict[str, Any]]) -> None:
    errors.sort(key=lambda e: e["row"])
    with transaction.atomic():
        queued.state = StatusImport.State.REJECTED
        queued.rows = rows
        queued.errors = [{"row": e["row"], "message": e["message"]} for e in errors[:1000]]
        queued.save(update_fields=["state", "rows", "errors"])
        audit_record(
            actor=actor,
            action="cards.status.import_rejected",
            obj=queued,
            summary={"rows": rows, "errors": len(errors)},
        )


def _import_rows(
    *, actor: Actor, rows: list[ImportRow], status_import: StatusImport
) -> tuple[int, int, list[dict[str, Any]]]:
    errors: list[dict[str, Any]] = []
    residents: dict[str, Resident] = {}
    nik_list = sorted({r.nik for r in rows})
    for i in range(0, len(nik_list), 5000):
        chunk = nik_list[i : i + 5000]
        for res in scoped(Resident.objects.filter(nik__in=chunk), actor).only("id", "nik", "desa_id"):
            residents[res.nik] = res
    by_pk = {r.pk: r for r in residents.values()}
    ids = sorted(by_pk)
    cards: dict[int, KtpCard | None] = {}
    seen: set[tuple[int, str, date]] = set()
    for i in range(0, len(ids), 5000):
        chunk_ids = ids[i : i + 5000]
        for existing in KtpCard.objects.select_for_update().filter(resident_id__in=chunk_ids):
            cards[existing.resident_id] = existing
        for resident_id, to_status, at in KtpTransition.objects.filter(
            card__resident_id__in=chunk_ids
        ).values_list("card__resident_id", "to_status", "occurred_at"):
            seen.add((resident_id, to_status, timezone.localtime(at).date()))
    now = timezone.now()
    today = timezone.localdate()
    by_resident: dict[int, list[ImportRow]] = {}
    for row in rows:
        found = residents.get(row.nik)
        if found is None:
            errors.append(
                {
                    "row": row.line,
                    "nik": row.nik,
                    "code": "unknown_nik",
                    "message": _("Row %(row)d: NIK %(nik)s is not in the register of your area.")
                    % {"row": row.line, "nik": row.nik},
                }
            )
            continue
        if row.day > today:
            errors.append(
                {
                    "row": row.line,
                    "nik": row.nik,
                    "code": "future_date",
                    "message": _("Row %(row)d: the date is in the future.") % {"row": row.line},
                }
            )
            continue
        by_resident.setdefault(found.pk, []).append(row)
    changed = unchanged = 0
    touched: dict[int, KtpCard] = {}
    log: list[tuple[int, str, str, datetime]] = []
    for resident_id, res_rows in by_resident.items():
        res_rows.sort(key=lambda r: (r.day, CHAIN.index(KtpStatus(r.status)), r.line))
        card = cards.get(resident_id)
        for row in res_rows:
            current = card.status if card else UNRECORDED
            if (resident_id, row.status, row.day) in seen or current == row.status:
                unchanged += 1
                continue
            if row.status not in TRANSITIONS.get(current, frozenset()):
                errors.append(
                    {
                        "row": row.line,
                        "nik": row.nik,
                        "code": "impossible_transition",
                        "message": _("Row %(row)d: a KTP-el cannot go from “%(from)s” to “%(to)s”.")
                        % {"row": row.line, "from": _status_label(current), "to": _status_label(row.status)},
                    }
                )
                break
            seen.add((resident_id, row.status, row.day))
            at = min(
                timezone.make_aware(datetime.combine(row.day, datetime.min.time().replace(hour=12))), now
            )
            if card is not None and card.status_at and card.status_at > at:
                # A date-only export row for the day of the last change: history stays in order.
                at = card.status_at
            card = _advance(card, resident_id, row.status, at)
            touched[resident_id] = card
            log.append((resident_id, current, row.status, at))
            changed += 1
    if errors:
        return changed, unchanged, errors
    # Written in bulk: a national export holds tens of thousands of rows.
    new_cards = [c for c in touched.values() if c.pk is None]
    KtpCard.objects.bulk_create(new_cards, batch_size=2000)
    if any(c.pk is None for c in new_cards):  # databases that return no ids from a bulk insert
        new_ids: dict[int, int] = dict(
            KtpCard.objects.filter(resident_id__in=[c.resident_id for c in new_cards]).values_list(
                "resident_id", "id"
            )
        )
        for c in new_cards:
            c.pk = new_ids[c.resident_id]
    KtpCard.objects.bulk_update(
        [c for c in touched.values() if c not in new_cards],
        list(dict.fromkeys(["status", "status_at", "version", *STAMPS.values(), *REPRINT_RESET])),
        batch_size=2000,
    )
    user = _user(actor)
    KtpTransition.objects.bulk_create(
        [
            KtpTransition(
                card_id=touched[rid].pk,
                from_status=old,
                to_status=new,
                occurred_at=at,
                actor=user,
                source=TransitionSource.IMPORT,
                status_import=status_import,
            )
            for rid, old, new, at in log
        ],
        batch_size=2000,
    )
    return changed, unchanged, errors


def _advance(card: KtpCard | None, resident_id: int, target: str, at: datetime) -> KtpCard:
    """The card moved to `target` in memory (saved later in bulk by the import)."""
    if card is None:
        card = KtpCard(resident_id=resident_id, status=target, status_at=at)
    else:
        if card.status == KtpStatus.HANDED_OVER:
            for name, value in REPRINT_RESET.items():
                setattr(
                    card,
                    name if name != "pickup_office" and name != "printed_by_office" else f"{name}_id",
                    value,
                )
        card.status, card.status_at = target, at
        if card.pk is not None:
            card.version += 1
    stamp = STAMPS.get(target)
    if stamp:
        setattr(card, stamp, at)
    return card
