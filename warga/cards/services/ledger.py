"""The blank-card ledger: requests, allocations, transfers and stock counts, per office.

Blank withdrawals lock the office's StockAccount row (PostgreSQL: SELECT … FOR UPDATE; SQLite:
the IMMEDIATE transaction already serialises writers) before checking the balance.
"""

from __future__ import annotations

import uuid
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from warga.audit.services import audit_record
from warga.core.errors import Conflict, InvalidInput
from warga.core.scoping import Actor, get_scoped, unscoped
from warga.org.models import Unit, UnitKind
from warga.registry.models import Resident

from ..models import (
    BlankRequest,
    EntryKind,
    KtpCard,
    StockAccount,
    StockEntry,
)
from ..selectors import stock_balance
from ._common import _user

MAX_MOVEMENT = 1_000_000


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
