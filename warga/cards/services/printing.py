"""Priority rules and print batches: locking a batch, recording each card printed, closing it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from warga.audit.services import audit_record
from warga.core.errors import Conflict, InvalidInput
from warga.core.scoping import Actor, get_scoped
from warga.org.models import Unit, UnitKind

from ..models import (
    BatchStatus,
    EntryKind,
    ItemResult,
    KtpCard,
    KtpStatus,
    PrintBatch,
    PrintBatchItem,
    PriorityRule,
    PriorityRuleSet,
    RuleKind,
    TransitionSource,
)
from ..priority import preview_recall, rank_queue, rules_snapshot
from ._common import _apply, _user
from .distribution import _notify_ready
from .ledger import _office_in_scope, _serial_free, _withdraw_one

MAX_BATCH = 50_000


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
def print_batch_lock(
    *, actor: Actor, office: Unit, rule_set: PriorityRuleSet, size: int, preview: str = ""
) -> PrintBatch:
    """Take the `size` highest-ranked people off the queue into an open batch, atomically.

    With the token of this officer's preview of the same queue (`preview_remember`), the places
    it showed are taken if every one of them is still free; otherwise the queue is ranked again.
    The partial unique index on open places makes a second batch holding the same person
    fail as a whole (Conflict), whoever locks first.
    """
    office = _printing_office(actor, office)
    if not isinstance(size, int) or size <= 0 or size > MAX_BATCH:
        raise InvalidInput(
            _("A batch holds from 1 to %(max)d places.") % {"max": MAX_BATCH}, code="cards.batch_size"
        )
    chosen = preview_recall(actor=actor, office=office, rule_set=rule_set, size=size, token=preview)
    as_previewed = chosen is not None
    if chosen is None:
        chosen = rank_queue(actor=actor, office=office, rule_set=rule_set, size=size).selected
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
        actor=actor,
        action="cards.batch.lock",
        obj=batch,
        summary={"size": size, "places": len(chosen), "as_previewed": as_previewed},
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
