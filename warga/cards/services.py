"""Writes for KTP-el cards: status transitions, recording, national-system imports, the
blank-card ledger, print batches, SUKET and distribution.

Every service checks its capability, loads what it changes through scoping, runs in one
transaction with its audit row, and raises ServiceError subclasses with translated messages.
Blank withdrawals lock the office's StockAccount row (PostgreSQL: SELECT … FOR UPDATE; SQLite:
the IMMEDIATE transaction already serialises writers) before checking the balance.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from warga.accounts.models import User
from warga.audit.services import audit_record
from warga.core.errors import Conflict, InvalidInput, NotAllowed, NotFound, ServiceError
from warga.core.scoping import Actor, code_within, get_scoped, rescoped, scoped, unscoped
from warga.core.tasks import enqueue_on_commit
from warga.org.models import Unit, UnitKind
from warga.registry.models import LifeStatus, Resident

from .imports import ImportRow, ImportTooSlow, parse_status_file, precheck
from .models import (
    TRANSITIONS,
    UNRECORDED,
    BatchStatus,
    BlankRequest,
    Delivery,
    EntryKind,
    Handover,
    ItemResult,
    KtpCard,
    KtpStatus,
    KtpTransition,
    PlaceKind,
    PrintBatch,
    PrintBatchItem,
    PriorityRule,
    PriorityRuleSet,
    ProofKind,
    RecordingEvent,
    RuleKind,
    StatusImport,
    StockAccount,
    StockEntry,
    Suket,
    SuketStatus,
    TransitionSource,
)
from .priority import rank_queue, rules_snapshot
from .selectors import stock_balance

MAX_BATCH = 50_000
MAX_MOVEMENT = 1_000_000


def _user(actor: Actor) -> User:
    """The officer behind an action: every write here is done by a signed-in officer."""
    if actor.user is None:
        raise NotAllowed(_("You do not have permission for this action."))
    return actor.user


def _status_label(status: str) -> str:
    if status == UNRECORDED:
        return str(KtpStatus.NOT_RECORDED.label)
    return str(KtpStatus(status).label)


def _check_transition(current: str, target: str) -> None:
    if target not in TRANSITIONS.get(current, frozenset()):
        raise Conflict(
            _("A KTP-el cannot go from “%(from)s” to “%(to)s”.")
            % {"from": _status_label(current), "to": _status_label(target)},
            code="cards.impossible_transition",
        )


# The card's date field stamped by each status.
STAMPS: dict[str, str] = {
    KtpStatus.RECORDED: "recorded_at",
    KtpStatus.PRR: "prr_at",
    KtpStatus.PRINTED: "printed_at",
    KtpStatus.SENT_TO_KECAMATAN: "sent_at",
    KtpStatus.HANDED_OVER: "handed_over_at",
}
# A new card for someone who held one is a reprint: the old card's trail is reset.
REPRINT_RESET: dict[str, Any] = {
    "is_reprint": True,
    "card_serial": None,
    "printed_at": None,
    "sent_at": None,
    "handed_over_at": None,
    "pickup_office": None,
    "ready_at": None,
    "printed_by_office": None,
}


def _apply(
    *,
    resident: Resident,
    card: KtpCard | None,
    target: str,
    at: datetime,
    actor: Actor | None,
    source: str,
    place_unit: Unit | None = None,
    outreach_event_id: int | None = None,
    note: str = "",
    status_import: StatusImport | None = None,
    **card_fields: Any,
) -> KtpCard:
    """Move one card to `target` (row created on the first recording) and log the transition."""
    current = card.status if card else UNRECORDED
    _check_transition(current, target)
    stamp = STAMPS.get(target)
    if card is None:
        card = KtpCard(resident=resident, status=target, status_at=at, **card_fields)
        if stamp:
            setattr(card, stamp, at)
        card.save()
    else:
        if current == KtpStatus.HANDED_OVER:
            card_fields = {**REPRINT_RESET, **card_fields}
        fields = {"status": target, "status_at": at, **card_fields}
        if stamp:
            fields[stamp] = at
        updated = KtpCard.objects.filter(pk=card.pk, version=card.version).update(
            version=card.version + 1, **fields
        )
        if updated != 1:
            raise Conflict(
                _("This card was changed by someone else. Reload and try again."), code="cards.stale"
            )
        card.refresh_from_db()
    KtpTransition.objects.create(
        card=card,
        from_status=current,
        to_status=target,
        occurred_at=at,
        place_unit=place_unit,
        outreach_event_id=outreach_event_id,
        actor=actor.user if actor and actor.user else None,
        source=source,
        status_import=status_import,
        note=note[:200],
    )
    return card


def _locked_card(resident: Resident) -> KtpCard | None:
    return KtpCard.objects.select_for_update().filter(resident=resident).first()


def _when(at: datetime) -> datetime:
    """An aware moment, not in the future (device clocks may run a few minutes ahead)."""
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    if at > timezone.now() + timedelta(minutes=5):
        raise InvalidInput(_("The date cannot be in the future."), code="cards.future_date")
    if at.year < 2000:
        raise InvalidInput(_("The date is too far in the past."), code="cards.past_date")
    return at


# --- Recording and status --------------------------------------------------------------------


@transaction.atomic
def ktp_recording_record(
    *,
    actor: Actor,
    resident: Resident,
    recorded_at: datetime,
    place_unit: Unit | None,
    device_set: str,
    outreach_event_id: int | None = None,
    client_ref: str = "",
) -> RecordingEvent:
    """Record that a resident's KTP-el recording took place (office, kecamatan or field).

    Offline devices resend: a known `client_ref` returns the recording made the first time.
    """
    actor.require("cards.record")
    client_ref = (client_ref or "").strip()[:64]
    if client_ref:
        with unscoped("resend: a client reference names one recording, wherever it was made"):
            existing = RecordingEvent.objects.filter(client_ref=client_ref).first()
        if existing is not None:
            if existing.resident_id != resident.pk:
                raise Conflict(
                    _("This reference was already used for another recording."), code="cards.client_ref"
                )
            return existing
    resident = rescoped(resident, actor)
    device_set = (device_set or "").strip()
    if not device_set:
        raise InvalidInput(_("Enter the recording device set."), code="cards.device_set")
    recorded_at = _when(recorded_at)
    if outreach_event_id is not None and not 0 < outreach_event_id < 2**31:
        raise InvalidInput(_("Unknown outreach event."), code="cards.outreach_event")
    if resident.life_status != LifeStatus.ALIVE:
        raise InvalidInput(_("Only living residents of this area can be recorded."), code="cards.not_alive")
    if resident.age_on(timezone.localtime(recorded_at).date()) < 16 and not resident.ever_married:
        raise InvalidInput(
            _("KTP-el recording starts at 16 years of age (or at marriage)."), code="cards.too_young"
        )
    if place_unit is not None:
        if place_unit.kind == UnitKind.DISDUKCAPIL:
            place_kind = PlaceKind.OFFICE
        elif place_unit.kind == UnitKind.KECAMATAN_OFFICE:
            place_kind = PlaceKind.KECAMATAN
        else:
            place_kind = PlaceKind.FIELD
        if outreach_event_id:
            place_kind = PlaceKind.FIELD
    elif outreach_event_id:
        place_kind = PlaceKind.FIELD
    else:
        raise InvalidInput(
            _("Say where the recording took place (office or outreach event)."), code="cards.place"
        )
    card = _locked_card(resident)
    _apply(
        resident=resident,
        card=card,
        target=KtpStatus.RECORDED,
        at=recorded_at,
        actor=actor,
        source=TransitionSource.RECORDING,
        place_unit=place_unit,
        outreach_event_id=outreach_event_id,
        note=device_set,
    )
    try:
        # No savepoint of its own: on a duplicate reference this whole service rolls back.
        event = RecordingEvent.objects.create(
            resident=resident,
            recorded_at=recorded_at,
            place_kind=place_kind,
            place_unit=place_unit,
            outreach_event_id=outreach_event_id,
            device_set=device_set[:40],
            officer=_user(actor),
            client_ref=client_ref,
        )
    except IntegrityError as exc:
        raise Conflict(_("This recording was already saved."), code="cards.client_ref") from exc
    audit_record(
        actor=actor,
        action="cards.recording.create",
        obj=event,
        summary={"place": place_kind, "outreach_event": outreach_event_id},
    )
    return event


CENTRE_OUTCOMES = (KtpStatus.PRR, KtpStatus.DUPLICATE, KtpStatus.ENROLMENT_FAILED)


@transaction.atomic
def ktp_status_update(
    *, actor: Actor, resident: Resident, status: str, occurred_at: datetime, note: str = ""
) -> KtpCard:
    """Enter the national centre's outcome for one resident (PRR, duplicate, enrolment failure)."""
    actor.require("cards.status_update")
    if status not in CENTRE_OUTCOMES:
        raise InvalidInput(_("Choose print-ready, duplicate found or enrolment failed."), code="cards.status")
    resident = get_scoped(Resident.objects.all(), actor, pk=resident.pk)
    occurred_at = _when(occurred_at)
    card = _locked_card(resident)
    card = _apply(
        resident=resident,
        card=card,
        target=status,
        at=occurred_at,
        actor=actor,
        source=TransitionSource.MANUAL,
        note=note,
    )
    audit_record(actor=actor, action="cards.status.update", obj=card, summary={"status": status})
    return card


# --- National-system import --------------------------------------------------------------------

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
        from .tasks import ktp_status_import_task

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
    from .tasks import ktp_status_import_task

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


# --- Blank-card ledger ---------------------------------------------------------------------------


def _office_in_scope(actor: Actor, office: Unit) -> Unit:
    office = get_scoped(Unit.objects.all(), actor, pk=office.pk)
    if office.kind not in (UnitKind.DISDUKCAPIL, UnitKind.KECAMATAN_OFFICE):
        raise InvalidInput(
            _("Only the Disdukcapil and kecamatan offices hold blank cards."), code="cards.office"
        )
    return office


def stock_account_for(office: Unit) -> StockAccount:
    account, _created = StockAccount.objects.get_or_create(office=office)
    return account


def _lock(account: StockAccount) -> StockAccount:
    """Lock the office's stock row: concurrent withdrawals from one office queue here."""
    return StockAccount.objects.select_for_update().get(pk=account.pk)


def _positive(quantity: int, label: str) -> int:
    if not isinstance(quantity, int) or quantity <= 0 or quantity > MAX_MOVEMENT:
        raise InvalidInput(
            _("%(field)s must be a whole number above zero.") % {"field": label}, code="cards.quantity"
        )
    return quantity


def _empty_stock(office: Unit) -> Conflict:
    return Conflict(
        _("Out of blank cards (stok blanko habis) at %(office)s: nothing was consumed.")
        % {"office": office.name},
        code="cards.stock_empty",
    )


@transaction.atomic
def blank_request_create(
    *, actor: Actor, office: Unit, quantity_asked: int, asked_on: date, reference: str, note: str = ""
) -> BlankRequest:
    actor.require("cards.stock_manage")
    office = _office_in_scope(actor, office)
    _positive(quantity_asked, _("Quantity asked"))
    if not reference.strip():
        raise InvalidInput(_("Enter the letter number of the request."), code="cards.reference")
    request = BlankRequest.objects.create(
        account=stock_account_for(office),
        reference=reference.strip()[:80],
        quantity_asked=quantity_asked,
        asked_on=asked_on,
        note=note[:200],
        actor=_user(actor),
    )
    audit_record(actor=actor, action="cards.stock.request", obj=request, summary={"asked": quantity_asked})
    return request


def _serial_range_size(serial_from: str, serial_to: str) -> int | None:
    if serial_from.isdigit() and serial_to.isdigit() and len(serial_from) == len(serial_to):
        return int(serial_to) - int(serial_from) + 1
    return None


@transaction.atomic
def blank_allocation_receive(
    *,
    actor: Actor,
    office: Unit,
    quantity: int,
    received_on: date,
    serial_from: str,
    serial_to: str,
    request: BlankRequest | None = None,
) -> StockEntry:
    """Blanks arrived from the ministry: quantity, date and serial range."""
    actor.require("cards.stock_manage")
    office = _office_in_scope(actor, office)
    _positive(quantity, _("Quantity received"))
    serial_from, serial_to = serial_from.strip(), serial_to.strip()
    if not serial_from or not serial_to:
        raise InvalidInput(_("Enter the first and last serial of the blanks received."), code="cards.serials")
    size = _serial_range_size(serial_from, serial_to)
    if size is not None and size != quantity:
        raise InvalidInput(
            _("The serial range holds %(size)d cards but the quantity is %(quantity)d.")
            % {"size": size, "quantity": quantity},
            code="cards.serials",
        )
    account = _lock(stock_account_for(office))
    if request is not None and request.account_id != account.pk:
        raise InvalidInput(_("That request belongs to another office."), code="cards.request")
    entry = StockEntry.objects.create(
        account=account,
        kind=EntryKind.ALLOCATION,
        quantity=quantity,
        occurred_on=received_on,
        request=request,
        serial_from=serial_from[:32],
        serial_to=serial_to[:32],
        actor=_user(actor),
    )
    audit_record(actor=actor, action="cards.stock.allocation", obj=entry, summary={"quantity": quantity})
    return entry


@transaction.atomic
def blank_transfer(
    *, actor: Actor, from_office: Unit, to_office: Unit, quantity: int, transferred_on: date, note: str = ""
) -> tuple[StockEntry, StockEntry]:
    """Move blanks to another office: one entry out and one in, in the same transaction."""
    actor.require("cards.stock_manage")
    from_office = _office_in_scope(actor, from_office)
    to_office = _office_in_scope(actor, to_office)
    _positive(quantity, _("Quantity"))
    if from_office.pk == to_office.pk:
        raise InvalidInput(_("Choose two different offices."), code="cards.transfer_same")
    source, target = stock_account_for(from_office), stock_account_for(to_office)
    # Lock in id order so two opposite transfers cannot deadlock.
    for acc in sorted([source, target], key=lambda a: a.pk):
        _lock(acc)
    balance = stock_balance(source)
    if quantity > balance:
        raise Conflict(
            _("%(office)s holds only %(balance)d blanks; it cannot transfer %(quantity)d.")
            % {"office": from_office.name, "balance": balance, "quantity": quantity},
            code="cards.stock_insufficient",
        )
    ref = uuid.uuid4()
    out = StockEntry.objects.create(
        account=source,
        kind=EntryKind.TRANSFER_OUT,
        quantity=-quantity,
        occurred_on=transferred_on,
        transfer_id=ref,
        counterpart=target,
        reason=note[:200],
        actor=_user(actor),
    )
    into = StockEntry.objects.create(
        account=target,
        kind=EntryKind.TRANSFER_IN,
        quantity=quantity,
        occurred_on=transferred_on,
        transfer_id=ref,
        counterpart=source,
        reason=note[:200],
        actor=_user(actor),
    )
    audit_record(
        actor=actor,
        action="cards.stock.transfer",
        obj=out,
        summary={"quantity": quantity, "to": to_office.code},
    )
    return out, into


@transaction.atomic
def stock_count_record(
    *, actor: Actor, office: Unit, counted: int, counted_on: date, note: str = ""
) -> StockEntry:
    """A physical count: the difference from the ledger balance is booked as one entry."""
    actor.require("cards.stock_manage")
    office = _office_in_scope(actor, office)
    if not isinstance(counted, int) or counted < 0 or counted > MAX_MOVEMENT:
        raise InvalidInput(_("A stock count cannot be negative."), code="cards.count_negative")
    account = _lock(stock_account_for(office))
    difference = counted - stock_balance(account)
    entry = StockEntry.objects.create(
        account=account,
        kind=EntryKind.COUNT,
        quantity=difference,
        counted=counted,
        occurred_on=counted_on,
        reason=note[:200],
        actor=_user(actor),
    )
    audit_record(
        actor=actor,
        action="cards.stock.count",
        obj=entry,
        summary={"counted": counted, "difference": difference},
    )
    return entry


def _serial_free(card_serial: str) -> str:
    card_serial = (card_serial or "").strip()
    with unscoped("card serials: a blank's serial is used once, in any office"):
        used = bool(card_serial) and (
            StockEntry.objects.filter(card_serial=card_serial).exists()
            or KtpCard.objects.filter(card_serial=card_serial).exists()
        )
    if used:
        raise Conflict(
            _("Card serial %(serial)s has already been used.") % {"serial": card_serial},
            code="cards.serial_used",
        )
    return card_serial


def _withdraw_one(
    *, actor: Actor, office: Unit, kind: str, card_serial: str, resident: Resident | None, reason: str = ""
) -> StockEntry:
    """Take one blank from an office's stock, or refuse when there is none."""
    account = _lock(stock_account_for(office))
    if stock_balance(account) < 1:
        raise _empty_stock(office)
    try:
        with transaction.atomic():
            return StockEntry.objects.create(
                account=account,
                kind=kind,
                quantity=-1,
                occurred_on=timezone.localdate(),
                card_serial=card_serial or None,
                resident=resident,
                reason=reason[:200],
                actor=_user(actor),
            )
    except IntegrityError as exc:
        raise Conflict(
            _("Card serial %(serial)s has already been used.") % {"serial": card_serial},
            code="cards.serial_used",
        ) from exc


# --- Priority rules and print batches ------------------------------------------------------------


@transaction.atomic
def rule_set_save(
    *,
    actor: Actor,
    name: str,
    rules: Sequence[dict[str, Any]],
    description: str = "",
    rule_set: PriorityRuleSet | None = None,
    make_default: bool = False,
) -> PriorityRuleSet:
    """Create or replace a rule set. `rules`: ordered dicts {kind, weight, on_date}."""
    actor.require("cards.rules")
    name = (name or "").strip()
    if not name:
        raise InvalidInput(_("Give the rule set a name."), code="cards.rules_name")
    if not rules:
        raise InvalidInput(_("Choose at least one rule."), code="cards.rules_empty")
    kinds = [r["kind"] for r in rules]
    if len(set(kinds)) != len(kinds) or any(k not in RuleKind.values for k in kinds):
        raise InvalidInput(_("Each rule can be used once."), code="cards.rules_kind")
    for r in rules:
        if not isinstance(r.get("weight"), int) or not 0 <= r["weight"] <= 1000:
            raise InvalidInput(_("Weights are whole numbers from 0 to 1000."), code="cards.rules_weight")
        if r["kind"] == RuleKind.VOTER and not r.get("on_date"):
            raise InvalidInput(_("The voter rule needs the election date."), code="cards.rules_date")
    if rule_set is None:
        rule_set = PriorityRuleSet.objects.create(
            name=name[:80], description=description[:300], created_by=actor.user
        )
    else:
        rule_set.name, rule_set.description = name[:80], description[:300]
        rule_set.save(update_fields=["name", "description"])
        rule_set.rules.all().delete()
    for position, r in enumerate(rules, start=1):
        PriorityRule.objects.create(
            rule_set=rule_set,
            position=position,
            kind=r["kind"],
            weight=r["weight"],
            on_date=r.get("on_date") if r["kind"] == RuleKind.VOTER else None,
        )
    if make_default:
        PriorityRuleSet.objects.filter(is_default=True).exclude(pk=rule_set.pk).update(is_default=False)
        rule_set.is_default = True
        rule_set.save(update_fields=["is_default"])
    audit_record(actor=actor, action="cards.rules.save", obj=rule_set, summary={"rules": kinds})
    return rule_set


def _printing_office(actor: Actor, office: Unit) -> Unit:
    actor.require("cards.print")
    return _office_in_scope(actor, office)


@transaction.atomic
def print_batch_lock(*, actor: Actor, office: Unit, rule_set: PriorityRuleSet, size: int) -> PrintBatch:
    """Take the `size` highest-ranked people off the queue into an open batch, atomically.

    The partial unique index on open places makes a second batch holding the same person
    fail as a whole (Conflict), whoever locks first.
    """
    office = _printing_office(actor, office)
    if not isinstance(size, int) or size <= 0 or size > MAX_BATCH:
        raise InvalidInput(
            _("A batch holds from 1 to %(max)d places.") % {"max": MAX_BATCH}, code="cards.batch_size"
        )
    result = rank_queue(actor=actor, office=office, rule_set=rule_set, size=size)
    chosen = result.selected
    if not chosen:
        raise InvalidInput(_("Nobody is waiting to be printed in this area."), code="cards.queue_empty")
    batch = PrintBatch.objects.create(
        office=office,
        rule_set=rule_set,
        size_asked=size,
        rules_snapshot=rules_snapshot(rule_set),
        created_by=_user(actor),
    )
    try:
        with transaction.atomic():
            _insert_places(batch, chosen)
    except IntegrityError as exc:
        raise Conflict(
            _("Some of these people were just put in another batch. Preview the queue again."),
            code="cards.batch_conflict",
        ) from exc
    audit_record(
        actor=actor, action="cards.batch.lock", obj=batch, summary={"size": size, "places": len(chosen)}
    )
    return batch


def _insert_places(batch: PrintBatch, chosen: Sequence[Any]) -> None:
    """Write a batch's places: COPY on PostgreSQL (15,000 rows with their reasons in well under a
    second), bulk INSERT elsewhere."""
    if connection.vendor != "postgresql":
        PrintBatchItem.objects.bulk_create(
            [
                PrintBatchItem(
                    batch=batch,
                    card_id=e.card_id,
                    rank=e.rank,
                    score=e.score,
                    reasons=e.reasons,
                    kecamatan_code=e.kecamatan,
                )
                for e in chosen
            ],
            batch_size=2000,
        )
        return
    import psycopg

    table = PrintBatchItem._meta.db_table
    columns = "batch_id, card_id, rank, score, reasons, kecamatan_code, result, is_open, card_serial, reason"
    try:
        with connection.cursor() as cursor:
            raw = cursor.cursor  # the psycopg cursor, inside the same transaction
            with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for e in chosen:
                    copy.write_row(
                        (
                            batch.pk,
                            e.card_id,
                            e.rank,
                            e.score,
                            json.dumps(e.reasons),
                            e.kecamatan,
                            ItemResult.PENDING,
                            True,
                            "",
                            "",
                        )
                    )
    except psycopg.errors.UniqueViolation as exc:
        raise IntegrityError(str(exc)) from exc


def _claim_item(item_id: int, result: str, actor: Actor, card_serial: str, reason: str) -> int:
    return PrintBatchItem.objects.filter(pk=item_id, result=ItemResult.PENDING, is_open=True).update(
        result=result,
        card_serial=card_serial,
        reason=reason[:200],
        done_at=timezone.now(),
        done_by=actor.user,
        is_open=False,
    )


@transaction.atomic
def print_item_record(
    *, actor: Actor, item: PrintBatchItem, result: str, card_serial: str = "", reason: str = ""
) -> PrintBatchItem:
    """Record one card's print result. Printed or spoiled, it takes one blank from the office.

    Out of stock: Conflict "stok blanko habis" and nothing changes (the item stays pending).
    A spoiled print puts the person back in the queue.
    """
    actor.require("cards.print")
    item = get_scoped(
        PrintBatchItem.objects.select_related("batch__office", "card__resident"), actor, pk=item.pk
    )
    batch = item.batch
    get_scoped(PrintBatch.objects.all(), actor, pk=batch.pk)
    if batch.status != BatchStatus.OPEN:
        raise Conflict(_("This batch is closed."), code="cards.batch_closed")
    if result not in (ItemResult.PRINTED, ItemResult.SPOILED):
        raise InvalidInput(_("Choose printed or spoiled."), code="cards.print_result")
    card_serial = (card_serial or "").strip()[:32]
    reason = (reason or "").strip()
    if result == ItemResult.PRINTED and not card_serial:
        raise InvalidInput(_("Enter the serial of the printed card."), code="cards.serial_missing")
    if result == ItemResult.SPOILED and not reason:
        raise InvalidInput(_("Say why the print was spoiled."), code="cards.reason_missing")
    card_serial = _serial_free(card_serial)
    if _claim_item(item.pk, result, actor, card_serial, reason) != 1:
        raise Conflict(_("The result for this card was already recorded."), code="cards.item_done")
    office = batch.office
    resident = item.card.resident
    kind = EntryKind.CONSUMPTION if result == ItemResult.PRINTED else EntryKind.SPOILED
    _withdraw_one(
        actor=actor, office=office, kind=kind, card_serial=card_serial, resident=resident, reason=reason
    )
    if result == ItemResult.PRINTED:
        card = KtpCard.objects.select_for_update().get(pk=item.card_id)
        fields: dict[str, Any] = {"card_serial": card_serial, "printed_by_office": office}
        now = timezone.now()
        if office.kind == UnitKind.KECAMATAN_OFFICE:
            fields.update(pickup_office=office, ready_at=now)
        card = _apply(
            resident=resident,
            card=card,
            target=KtpStatus.PRINTED,
            at=now,
            actor=actor,
            source=TransitionSource.PRINT,
            place_unit=office,
            **fields,
        )
        if office.kind == UnitKind.KECAMATAN_OFFICE:
            _notify_ready(card=card, office=office)
    audit_record(actor=actor, action=f"cards.print.{result}", obj=item, summary={"batch": batch.pk})
    item.refresh_from_db()
    return item


@transaction.atomic
def print_batch_close(*, actor: Actor, batch: PrintBatch) -> int:
    """Close a batch; places not printed go back to the queue. Returns how many were released."""
    actor.require("cards.print")
    batch = get_scoped(PrintBatch.objects.select_for_update(), actor, pk=batch.pk)
    if batch.status != BatchStatus.OPEN:
        raise Conflict(_("This batch is closed."), code="cards.batch_closed")
    released = PrintBatchItem.objects.filter(batch=batch, result=ItemResult.PENDING).update(
        result=ItemResult.RELEASED, is_open=False, done_at=timezone.now(), done_by=actor.user
    )
    batch.status = BatchStatus.CLOSED
    batch.closed_at = timezone.now()
    batch.save(update_fields=["status", "closed_at"])
    audit_record(actor=actor, action="cards.batch.close", obj=batch, summary={"released": released})
    return released


# --- Distribution ---------------------------------------------------------------------------------


def _notify_ready(*, card: KtpCard, office: Unit) -> None:
    """SMS to the resident's verified phones: the card can be collected at this office."""
    from warga.messaging.services import sms_send

    phones = card.resident.phones.filter(
        verified_at__isnull=False, opted_out_at__isnull=True, failed_permanently_at__isnull=True
    ).values_list("number", flat=True)
    if not phones:
        return
    with translation.override(settings.LANGUAGE_CODE):
        text = _(
            "Your KTP-el is ready. Collect it at %(office)s during office hours; bring your KK or this SMS."
        ) % {"office": office.name}
    for number in set(phones):
        try:
            sms_send(to=number, text=text, purpose="notice")
        except InvalidInput:
            continue


@transaction.atomic
def delivery_send(*, actor: Actor, from_office: Unit, to_office: Unit, cards: Sequence[KtpCard]) -> Delivery:
    """Send printed cards to the kecamatan office where their holders live."""
    actor.require("cards.distribute")
    from_office = get_scoped(Unit.objects.all(), actor, pk=from_office.pk)
    target = Unit.objects.filter(pk=to_office.pk, kind=UnitKind.KECAMATAN_OFFICE).first()
    if target is None:
        raise InvalidInput(_("Cards are sent to a kecamatan office."), code="cards.delivery_target")
    to_office = target
    if not cards:
        raise InvalidInput(_("Choose the cards to send."), code="cards.delivery_empty")
    ids = [c.pk for c in cards]
    locked = list(
        scoped(KtpCard.objects.select_for_update().filter(pk__in=ids), actor).select_related("resident")
    )
    if len(locked) != len(set(ids)):
        raise NotFound(_("Not found."))
    now = timezone.now()
    for card in locked:
        if card.status != KtpStatus.PRINTED or card.pickup_office_id is not None:
            raise Conflict(
                _("Only printed cards not yet at a pick-up office can be sent."), code="cards.delivery_status"
            )
        if card.resident.desa_id == to_office.area_id or not code_within(
            card.resident.desa_id, to_office.area_id
        ):
            raise InvalidInput(
                _("A card can only go to the kecamatan where its holder lives."), code="cards.delivery_area"
            )
    delivery = Delivery.objects.create(
        from_office=from_office, to_office=to_office, sent_at=now, sent_by=_user(actor)
    )
    for card in locked:
        _apply(
            resident=card.resident,
            card=card,
            target=KtpStatus.SENT_TO_KECAMATAN,
            at=now,
            actor=actor,
            source=TransitionSource.DISTRIBUTION,
            place_unit=from_office,
            pickup_office=to_office,
        )
    delivery.cards.set(locked)
    audit_record(actor=actor, action="cards.delivery.send", obj=delivery, summary={"cards": len(locked)})
    return delivery


@transaction.atomic
def delivery_receive(*, actor: Actor, delivery: Delivery) -> Delivery:
    """The kecamatan office confirms the cards arrived; their holders get an SMS."""
    actor.require("cards.distribute")
    delivery = get_scoped(Delivery.objects.select_for_update(), actor, pk=delivery.pk)
    if actor.unit_id != delivery.to_office_id:
        raise NotAllowed(
            _("Only the receiving kecamatan office confirms a delivery."), code="cards.delivery_office"
        )
    if delivery.received_at is not None:
        raise Conflict(_("This delivery was already received."), code="cards.delivery_received")
    now = timezone.now()
    delivery.received_at, delivery.received_by = now, actor.user
    delivery.save(update_fields=["received_at", "received_by"])
    cards = list(delivery.cards.select_related("resident"))
    KtpCard.objects.filter(pk__in=[c.pk for c in cards]).update(ready_at=now)
    for card in cards:
        _notify_ready(card=card, office=delivery.to_office)
    audit_record(actor=actor, action="cards.delivery.receive", obj=delivery, summary={"cards": len(cards)})
    return delivery


@transaction.atomic
def card_hand_over(
    *,
    actor: Actor,
    card: KtpCard,
    recipient_name: str,
    proof_kind: str,
    proof_note: str,
    recipient_is_resident: bool = True,
) -> Handover:
    """Hand a card to its holder (or a family member) with proof; any open SUKET is closed."""
    actor.require("cards.distribute")
    card = get_scoped(KtpCard.objects.select_for_update().select_related("resident"), actor, pk=card.pk)
    recipient_name, proof_note = (recipient_name or "").strip(), (proof_note or "").strip()
    if not recipient_name:
        raise InvalidInput(_("Enter the name of the person who received the card."), code="cards.recipient")
    if proof_kind not in ProofKind.values or not proof_note:
        raise InvalidInput(
            _("Record the proof of hand-over (ID, photo or signature note)."), code="cards.proof"
        )
    if card.ready_at is None or card.status not in (KtpStatus.PRINTED, KtpStatus.SENT_TO_KECAMATAN):
        raise Conflict(_("This card is not waiting for pick-up."), code="cards.not_ready")
    office = card.pickup_office
    if office is None or (actor.unit_id != office.pk and not actor.covers(office.area_id)):
        raise NotAllowed(
            _("The card is handed over by the office that holds it."), code="cards.handover_office"
        )
    now = timezone.now()
    card = _apply(
        resident=card.resident,
        card=card,
        target=KtpStatus.HANDED_OVER,
        at=now,
        actor=actor,
        source=TransitionSource.DISTRIBUTION,
        place_unit=office,
    )
    handover = Handover.objects.create(
        card=card,
        office=office,
        recipient_name=recipient_name[:120],
        recipient_is_resident=recipient_is_resident,
        proof_kind=proof_kind,
        proof_note=proof_note[:200],
        handed_at=now,
        officer=_user(actor),
    )
    closed = Suket.objects.filter(resident=card.resident, status=SuketStatus.VALID).update(
        status=SuketStatus.CLOSED, closed_at=now, close_reason="card_handed_over"
    )
    # A hand-over target in a coming outreach day is served (imported here: outreach imports cards).
    from warga.outreach.models import TargetKind
    from warga.outreach.services import targets_mark_served_elsewhere

    targets_mark_served_elsewhere(
        resident_id=card.resident_id, kind=TargetKind.CARD_HANDOVER, by=_user(actor)
    )
    audit_record(
        actor=actor,
        action="cards.handover",
        obj=handover,
        summary={"proof": proof_kind, "suket_closed": closed},
    )
    return handover


# --- SUKET -----------------------------------------------------------------------------------------


@transaction.atomic
def suket_issue(*, actor: Actor, resident: Resident, office: Unit, valid_days: int | None = None) -> Suket:
    """A SUKET for a resident whose KTP-el is recorded but not yet printed."""
    actor.require("cards.suket")
    resident = get_scoped(Resident.objects.select_for_update(), actor, pk=resident.pk)
    office = get_scoped(Unit.objects.all(), actor, pk=office.pk)
    card = KtpCard.objects.filter(resident=resident).first()
    if card is None or card.status not in (KtpStatus.RECORDED, KtpStatus.PRR):
        raise Conflict(
            _("A SUKET is issued only while a recorded KTP-el waits to be printed."),
            code="cards.suket_status",
        )
    if Suket.objects.filter(
        resident=resident, status=SuketStatus.VALID, valid_until__gte=timezone.localdate()
    ).exists():
        raise Conflict(_("This resident already holds a valid SUKET."), code="cards.suket_exists")
    Suket.objects.filter(resident=resident, status=SuketStatus.VALID).update(
        status=SuketStatus.CLOSED, closed_at=timezone.now(), close_reason="expired_replaced"
    )
    days = valid_days or int(getattr(settings, "CARDS_SUKET_VALID_DAYS", 180))
    if days <= 0 or days > 366:
        raise InvalidInput(_("A SUKET is valid for 1 to 366 days."), code="cards.suket_days")
    today = timezone.localdate()
    suket = Suket.objects.create(
        number=f"tmp-{uuid.uuid4().hex}",
        resident=resident,
        office=office,
        issued_on=today,
        valid_until=today + timedelta(days=days),
        issued_by=_user(actor),
    )
    suket.number = f"SKT/{today.year}/{suket.pk:07d}"
    suket.save(update_fields=["number"])
    audit_record(actor=actor, action="cards.suket.issue", obj=suket, summary={"days": days})
    return suket


REVOKE_REASON_MIN = 5


@transaction.atomic
def suket_revoke(*, actor: Actor, suket: Suket, reason: str) -> Suket:
    """Withdraw a SUKET that must no longer stand in for the KTP-el (issued in error, the paper
    lost or misused). Only a SUKET still marked valid can be revoked; the public check then says
    it is not valid. The reason stays with the SUKET; the audit row holds no free text."""
    actor.require("cards.suket")
    suket = get_scoped(Suket.objects.select_for_update(of=("self",)), actor, pk=suket.pk)
    if suket.status != SuketStatus.VALID:
        raise Conflict(
            _("Only a valid SUKET can be revoked; SUKET %(number)s is already “%(status)s”.")
            % {"number": suket.number, "status": suket.get_status_display()},
            code="cards.suket_not_valid",
        )
    reason = " ".join((reason or "").split())
    if len(reason) < REVOKE_REASON_MIN:
        raise InvalidInput(
            _("Give the reason for revoking the SUKET (at least %(n)d characters).")
            % {"n": REVOKE_REASON_MIN},
            code="cards.suket_reason",
        )
    now = timezone.now()
    expired = suket.valid_until < timezone.localdate()
    updated = Suket.objects.filter(pk=suket.pk, status=SuketStatus.VALID).update(
        status=SuketStatus.REVOKED, closed_at=now, close_reason=reason[:200]
    )
    if updated != 1:  # pragma: no cover - the row is locked above
        raise Conflict(_("This SUKET was changed by someone else. Reload and try again."), code="cards.stale")
    suket.refresh_from_db()
    audit_record(
        actor=actor,
        action="cards.suket.revoke",
        obj=suket,
        summary={"from": SuketStatus.VALID.value, "to": SuketStatus.REVOKED.value, "expired": expired},
    )
    return suket
