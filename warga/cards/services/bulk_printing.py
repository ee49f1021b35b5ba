"""A print day's results in one step: a whole batch recorded as printed or spoiled.

Three ways to say what happened, one plan and one write:

- `run`: the blanks went through the printer in serial order from a first serial, one per waiting
  place in rank order; the serials listed as spoiled were spoiled (their people go back to the
  queue), every other place was printed with its blank's serial;
- `scan`: the serials scanned off the printed stack, in the printer's order (the batch's rank
  order), one per waiting place; those also listed as spoiled were spoiled;
- `log`: the printer's log, one row per card: serial, NIK or card id, printed or spoiled.

`print_results_plan` reads only: it applies the rules of the single action
(`print_item_record`: batch open, a serial for every printed card, a reason for spoiled ones,
serial format, serial never used in the installation, a blank in stock for every card, the card's
status allowing "printed") to every line and returns the counts and every refusal. The preview
page shows it with a signed token of the plan (`print_results_token`). `print_results_record`
plans again under the batch's and the office stock's locks, refuses when the plan differs from
the token's (the batch changed in between: 409) or has any refusal, and writes everything in one
transaction: the places, one ledger row per blank, the cards and their transitions, one audit row
per place (the card's history, as the single action writes it) and one for the whole operation.
All or nothing: 15,000 places take a few seconds on SQLite and PostgreSQL.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core import signing
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from warga.audit.services import audit_record, audit_record_many
from warga.core.errors import Conflict, InvalidInput
from warga.core.scoping import Actor, get_scoped, scoped, unscoped
from warga.org.models import UnitKind

from ..imports import LogRow as LogRow
from ..models import (
    TRANSITIONS,
    BatchStatus,
    EntryKind,
    ItemResult,
    KtpCard,
    KtpStatus,
    KtpTransition,
    PrintBatch,
    PrintBatchItem,
    StockEntry,
    TransitionSource,
)
from ..selectors import stock_balance
from ._common import _status_label, _user
from .distribution import _notify_ready
from .ledger import _empty_stock, _lock, stock_account_for
from .printing import MAX_BATCH

MODE_RUN, MODE_SCAN, MODE_LOG = "run", "scan", "log"
MODES = (MODE_RUN, MODE_SCAN, MODE_LOG)
SERIAL_MAX = 32
PREVIEW_SALT = "warga.cards.bulk_print"
TOKEN_MAX_AGE = 2 * 60 * 60  # a preview stays valid for two hours
CHUNK = 2000
SHOWN = 50  # refusals and unknown lines listed on the preview

PRINTED_WORDS = {"printed", "print", "cetak", "tercetak", "sudah cetak", "ok"}
SPOILED_WORDS = {"spoiled", "spoilt", "rusak", "gagal", "gagal cetak", "reject", "rejected"}


@dataclass
class PrintInput:
    """What the officer gave: the way (`mode`) and its fields."""

    mode: str
    first_serial: str = ""
    count: int | None = None
    spoiled: list[str] = field(default_factory=list)
    scanned: list[str] = field(default_factory=list)
    rows: list[LogRow] = field(default_factory=list)
    reason: str = ""


@dataclass(frozen=True)
class PrintLine:
    item_id: int
    rank: int
    card_id: int
    resident_id: int
    result: str
    serial: str
    reason: str


@dataclass
class PrintPlan:
    batch: PrintBatch
    mode: str
    lines: list[PrintLine]
    already: int  # places already recorded, left as they are
    unknown: list[str]  # input that names no waiting place: serials outside the run, extra scans…
    refusals: list[str]  # what the single action would refuse
    waiting_after: int
    balance: int

    @property
    def printed(self) -> int:
        return sum(1 for line in self.lines if line.result == ItemResult.PRINTED)

    @property
    def spoiled(self) -> int:
        return sum(1 for line in self.lines if line.result == ItemResult.SPOILED)

    @property
    def ok(self) -> bool:
        return bool(self.lines) and not self.unknown and not self.refusals

    @property
    def digest(self) -> str:
        body = json.dumps(
            [
                self.batch.pk,
                self.mode,
                [[x.item_id, x.result, x.serial, x.reason] for x in self.lines],
                self.already,
                self.unknown,
                len(self.refusals),
            ]
        )
        return hashlib.sha256(body.encode()).hexdigest()


def split_serials(text: str) -> list[str]:
    """Serials typed or scanned: one per line (commas and semicolons also separate), blanks dropped."""
    return [s.strip() for s in (text or "").replace(",", "\n").replace(";", "\n").splitlines() if s.strip()]


def serial_problem(serial: str) -> str | None:
    """The single action's serial rules for one serial: present, at most 32 characters, no spaces."""
    if not serial:
        return _("Enter the serial of the printed card.")
    if len(serial) > SERIAL_MAX or any(c.isspace() for c in serial):
        return _("Card serial %(serial)s is not a valid serial (at most 32 characters, no spaces).") % {
            "serial": serial[:40]
        }
    return None


def result_of(word: str) -> str | None:
    word = (word or "").strip().lower().replace("_", " ")
    if word in PRINTED_WORDS:
        return ItemResult.PRINTED
    if word in SPOILED_WORDS:
        return ItemResult.SPOILED
    return None


# --- Planning -------------------------------------------------------------------------------------


@dataclass
class _Place:
    item_id: int
    rank: int
    card_id: int
    resident_id: int
    result: str
    serial: str
    nik: str


def _places(actor: Actor, batch: PrintBatch, with_nik: bool) -> list[_Place]:
    fields = ["pk", "rank", "card_id", "card__resident_id", "result", "card_serial"]
    if with_nik:
        fields.append("card__resident__nik")
    rows = (
        scoped(PrintBatchItem.objects.filter(batch=batch), actor).order_by("rank", "pk").values_list(*fields)
    )
    return [_Place(*(row if with_nik else (*row, ""))) for row in rows]


def _line(place: _Place, result: str, serial: str, reason: str) -> PrintLine:
    return PrintLine(place.item_id, place.rank, place.card_id, place.resident_id, result, serial, reason)


def _run_lines(data: PrintInput, pending: list[_Place], plan: PrintPlan, reason: str) -> None:
    first = data.first_serial.strip()
    if not first.isdigit() or len(first) > SERIAL_MAX:
        plan.refusals.append(_("The first serial must be digits only (at most 32)."))
        return
    count = len(pending) if data.count is None else data.count
    if count < 1 or count > len(pending):
        plan.refusals.append(
            _("The batch has %(n)d waiting places; the number of blanks used must be from 1 to %(n)d.")
            % {"n": len(pending)}
        )
        return
    start, width = int(first), len(first)
    serials = [str(start + k).zfill(width) for k in range(count)]
    if len(serials[-1]) > SERIAL_MAX:
        plan.refusals.append(serial_problem(serials[-1]) or "")
        return
    in_run = set(serials)
    spoiled = set(data.spoiled)
    plan.unknown.extend(s for s in dict.fromkeys(data.spoiled) if s not in in_run)
    for place, serial in zip(pending, serials, strict=False):
        if serial in spoiled:
            plan.lines.append(_line(place, ItemResult.SPOILED, serial, reason))
        else:
            plan.lines.append(_line(place, ItemResult.PRINTED, serial, ""))


def _scan_lines(data: PrintInput, pending: list[_Place], plan: PrintPlan, reason: str) -> None:
    scanned = data.scanned
    if not scanned:
        plan.refusals.append(_("Scan the serials of the printed cards."))
        return
    plan.unknown.extend(scanned[len(pending) :])
    in_scan = set(scanned)
    spoiled = set(data.spoiled)
    plan.unknown.extend(s for s in dict.fromkeys(data.spoiled) if s not in in_scan)
    for place, serial in zip(pending, scanned, strict=False):
        if serial in spoiled:
            plan.lines.append(_line(place, ItemResult.SPOILED, serial, reason))
        else:
            plan.lines.append(_line(place, ItemResult.PRINTED, serial, ""))


def _log_lines(data: PrintInput, places: list[_Place], plan: PrintPlan, reason: str) -> None:
    if not data.rows:
        plan.refusals.append(_("The printer's log holds no rows."))
        return
    by_nik = {p.nik: p for p in places}
    by_card = {str(p.card_id): p for p in places}
    seen: set[int] = set()
    chosen: list[PrintLine] = []
    for row in data.rows:
        ref = row.ref.strip().lstrip("'")
        place = by_nik.get(ref) if len(ref) == 16 else by_card.get(ref)
        result = result_of(row.status)
        if place is None:
            plan.unknown.append(
                _("Row %(row)d: no place of this batch has this NIK or card id.") % {"row": row.line}
            )
            continue
        if result is None:
            plan.refusals.append(_("Row %(row)d: the status must be printed or spoiled.") % {"row": row.line})
            continue
        if place.item_id in seen:
            plan.refusals.append(_("Row %(row)d: this card is in the log twice.") % {"row": row.line})
            continue
        seen.add(place.item_id)
        if place.result != ItemResult.PENDING:
            if place.result == result and place.serial == row.serial:
                plan.already += 1
            else:
                plan.refusals.append(
                    _("Row %(row)d: the result for this card was already recorded otherwise.")
                    % {"row": row.line}
                )
            continue
        chosen.append(_line(place, result, row.serial, (row.reason or reason) if result != "printed" else ""))
    plan.lines.extend(sorted(chosen, key=lambda x: (x.rank, x.item_id)))


def _used_serials(serials: list[str]) -> set[str]:
    used: set[str] = set()
    with unscoped("card serials: a blank's serial is used once, in any office"):
        for k in range(0, len(serials), CHUNK):
            chunk = serials[k : k + CHUNK]
            used.update(
                s
                for s in StockEntry.objects.filter(card_serial__in=chunk).values_list(
                    "card_serial", flat=True
                )
                if s
            )
            used.update(
                s
                for s in KtpCard.objects.filter(card_serial__in=chunk).values_list("card_serial", flat=True)
                if s
            )
    return used


def _card_statuses(card_ids: list[int]) -> dict[int, str]:
    statuses: dict[int, str] = {}
    with unscoped("the cards of places the officer's batch already holds"):
        for k in range(0, len(card_ids), CHUNK):
            statuses.update(
                KtpCard.objects.filter(pk__in=card_ids[k : k + CHUNK]).values_list("pk", "status")
            )
    return statuses


def _check_lines(plan: PrintPlan) -> None:
    """The single action's rules, for every line at once."""
    refusals = plan.refusals
    lines = plan.lines
    if any(x.result == ItemResult.SPOILED and not x.reason for x in lines):
        refusals.append(_("Say why the print was spoiled."))
    serials = [x.serial for x in lines if x.serial]
    for x in lines:
        if x.result == ItemResult.PRINTED or x.serial:
            problem = serial_problem(x.serial)
            if problem:
                refusals.append(problem)
    twice = [s for s, n in Counter(serials).items() if n > 1]
    refusals.extend(_("Card serial %(serial)s is given twice.") % {"serial": s} for s in twice)
    for serial in sorted(_used_serials([s for s in set(serials) if len(s) <= SERIAL_MAX])):
        refusals.append(_("Card serial %(serial)s has already been used.") % {"serial": serial})
    statuses = _card_statuses([x.card_id for x in lines if x.result == ItemResult.PRINTED])
    for x in lines:
        current = statuses.get(x.card_id)
        if x.result == ItemResult.PRINTED and KtpStatus.PRINTED not in TRANSITIONS.get(current or "", ()):
            refusals.append(
                _("Place #%(rank)d: a KTP-el cannot go from “%(from)s” to “%(to)s”.")
                % {
                    "rank": x.rank,
                    "from": _status_label(current or ""),
                    "to": _status_label(KtpStatus.PRINTED),
                }
            )
    if len(lines) > plan.balance:
        refusals.append(
            _("%(office)s holds %(balance)d blanks; these results need %(n)d.")
            % {"office": plan.batch.office.name, "balance": plan.balance, "n": len(lines)}
        )


def print_results_plan(*, actor: Actor, batch: PrintBatch, data: PrintInput) -> PrintPlan:
    """What recording `data` would change in the batch, and every refusal (reads only)."""
    actor.require("cards.print")
    batch = get_scoped(PrintBatch.objects.select_related("office"), actor, pk=batch.pk)
    if batch.status != BatchStatus.OPEN:
        raise Conflict(_("This batch is closed."), code="cards.batch_closed")
    if data.mode not in MODES:
        raise InvalidInput(_("Choose how to enter the results."), code="cards.bulk_mode")
    if max(len(data.spoiled), len(data.scanned), len(data.rows)) > MAX_BATCH:
        raise InvalidInput(
            _("At most %(max)d lines at once.") % {"max": MAX_BATCH}, code="cards.bulk_too_many"
        )
    places = _places(actor, batch, with_nik=data.mode == MODE_LOG)
    pending = [p for p in places if p.result == ItemResult.PENDING]
    reason = (data.reason or "").strip()[:200]
    plan = PrintPlan(
        batch=batch,
        mode=data.mode,
        lines=[],
        already=len(places) - len(pending) if data.mode != MODE_LOG else 0,
        unknown=[],
        refusals=[],
        waiting_after=0,
        balance=stock_balance(stock_account_for(batch.office)),
    )
    if data.mode == MODE_RUN:
        _run_lines(data, pending, plan, reason)
    elif data.mode == MODE_SCAN:
        _scan_lines(data, pending, plan, reason)
    else:
        _log_lines(data, places, plan, reason)
    _check_lines(plan)
    plan.waiting_after = len(pending) - len(plan.lines)
    return plan


def print_results_token(plan: PrintPlan) -> str:
    """A signed token of the previewed plan, carried by the confirm form."""
    return signing.dumps({"b": plan.batch.pk, "d": plan.digest}, salt=PREVIEW_SALT, compress=True)


def _stale() -> Conflict:
    return Conflict(
        _(
            "The batch changed since the preview (someone recorded results in between). Check the new preview."
        ),
        code="cards.bulk_stale",
    )


# --- Recording --------------------------------------------------------------------------------------


def _chunks(values: list[Any]) -> Iterable[list[Any]]:
    for k in range(0, len(values), CHUNK):
        yield values[k : k + CHUNK]


def _claim(plan: PrintPlan, actor: Actor, now: Any) -> None:
    """Take every place like the single action does (only a waiting place), or none."""
    for result in (ItemResult.PRINTED, ItemResult.SPOILED):
        ids = [x.item_id for x in plan.lines if x.result == result]
        claimed = 0
        for chunk in _chunks(ids):
            claimed += PrintBatchItem.objects.filter(
                pk__in=chunk, result=ItemResult.PENDING, is_open=True
            ).update(result=result, done_at=now, done_by=actor.user, is_open=False)
        if claimed != len(ids):
            raise _stale()
    table = PrintBatchItem._meta.db_table
    _update_many(
        f"UPDATE {table} SET card_serial = %s, reason = %s WHERE id = %s",  # noqa: S608 - model table name
        [(x.serial, x.reason[:200], x.item_id) for x in plan.lines],
    )


def _update_many(sql: str, rows: list[tuple[Any, ...]]) -> int:
    """One parameterised UPDATE per row, sent as one executemany (Django's bulk_update builds a
    CASE per field and row, minutes for 15,000 rows). The rows were checked in scope before."""
    done = 0
    with connection.cursor() as cursor:
        for chunk in _chunks(rows):
            cursor.executemany(sql, chunk)
            done += max(cursor.rowcount, 0)
    return done


def _book_blanks(plan: PrintPlan, actor: Actor) -> None:
    account = _lock(stock_account_for(plan.batch.office))
    if stock_balance(account) < len(plan.lines):
        raise _empty_stock(plan.batch.office)
    user, today = _user(actor), timezone.localdate()
    try:
        with transaction.atomic():
            StockEntry.objects.bulk_create(
                [
                    StockEntry(
                        account=account,
                        kind=EntryKind.CONSUMPTION if x.result == ItemResult.PRINTED else EntryKind.SPOILED,
                        quantity=-1,
                        occurred_on=today,
                        card_serial=x.serial or None,
                        resident_id=x.resident_id,
                        reason=x.reason[:200],
                        actor=user,
                    )
                    for x in plan.lines
                ],
                batch_size=1000,
            )
    except IntegrityError as exc:
        raise Conflict(
            _("A card serial of these results has just been used elsewhere. Preview again."),
            code="cards.serial_used",
        ) from exc


def _print_cards(plan: PrintPlan, actor: Actor, now: Any) -> list[KtpCard]:
    office = plan.batch.office
    at_kecamatan = office.kind == UnitKind.KECAMATAN_OFFICE
    serial_of = {x.card_id: x.serial for x in plan.lines if x.result == ItemResult.PRINTED}
    cards: list[KtpCard] = []
    for chunk in _chunks(list(serial_of)):
        cards.extend(scoped(KtpCard.objects.select_for_update().filter(pk__in=chunk), actor))
    if len(cards) != len(serial_of):
        raise _stale()
    transitions = []
    for card in cards:
        if KtpStatus.PRINTED not in TRANSITIONS.get(card.status, ()):
            raise _stale()
        transitions.append(
            KtpTransition(
                card_id=card.pk,
                from_status=card.status,
                to_status=KtpStatus.PRINTED,
                occurred_at=now,
                place_unit=office,
                actor=actor.user,
                source=TransitionSource.PRINT,
            )
        )
    at = connection.ops.adapt_datetimefield_value(now)
    table = KtpCard._meta.db_table
    pickup = ", pickup_office_id = %s, ready_at = %s" if at_kecamatan else ""
    extra: tuple[Any, ...] = (office.pk, at) if at_kecamatan else ()
    sql = (
        f"UPDATE {table} SET status = %s, status_at = %s, printed_at = %s, card_serial = %s,"  # noqa: S608
        f" printed_by_office_id = %s, version = version + 1{pickup} WHERE id = %s AND version = %s"
    )
    updated = _update_many(
        sql,
        [
            (KtpStatus.PRINTED.value, at, at, serial_of[c.pk], office.pk, *extra, c.pk, c.version)
            for c in cards
        ],
    )
    if updated != len(cards):
        raise _stale()
    KtpTransition.objects.bulk_create(transitions, batch_size=1000)
    return cards


@transaction.atomic
def print_results_record(*, actor: Actor, batch: PrintBatch, data: PrintInput, token: str) -> PrintPlan:
    """Record the previewed results of a batch, all or nothing (see the module's docstring)."""
    actor.require("cards.print")
    locked = get_scoped(PrintBatch.objects.select_for_update(), actor, pk=batch.pk)
    _lock(stock_account_for(locked.office))  # no withdrawal from this office until we commit
    try:
        signed = signing.loads(token or "", salt=PREVIEW_SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature as exc:
        raise Conflict(
            _("The preview is no longer valid. Preview the results again."), code="cards.bulk_token"
        ) from exc
    plan = print_results_plan(actor=actor, batch=locked, data=data)
    if signed.get("b") != locked.pk or signed.get("d") != plan.digest:
        raise _stale()
    if not plan.ok:
        raise InvalidInput(
            plan.refusals[0] if plan.refusals else _("Nothing to record."), code="cards.bulk_refused"
        )
    now = timezone.now()
    _claim(plan, actor, now)
    _book_blanks(plan, actor)
    cards = _print_cards(plan, actor, now)
    items = {x.item_id: x for x in plan.lines}
    for result in (ItemResult.PRINTED, ItemResult.SPOILED):
        audit_record_many(
            actor=actor,
            entries=[
                (f"cards.print.{result}", PrintBatchItem(pk=i), {"batch": locked.pk, "bulk": plan.mode})
                for i, x in items.items()
                if x.result == result
            ],
        )
    audit_record(
        actor=actor,
        action="cards.print.bulk",
        obj=locked,
        summary={
            "mode": plan.mode,
            "printed": plan.printed,
            "spoiled": plan.spoiled,
            "already": plan.already,
            "waiting": plan.waiting_after,
        },
    )
    if locked.office.kind == UnitKind.KECAMATAN_OFFICE:
        for card in KtpCard.objects.filter(pk__in=[c.pk for c in cards]).select_related("resident"):
            _notify_ready(card=card, office=locked.office)
    return plan
