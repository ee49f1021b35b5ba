"""Every bad input of the issue is refused with a clear message and changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from warga.cards.models import (
    EntryKind,
    ItemResult,
    KtpCard,
    KtpStatus,
    KtpTransition,
    PrintBatchItem,
    RecordingEvent,
    StockEntry,
)
from warga.cards.priority import default_rule_set
from warga.cards.selectors import stock_balance
from warga.cards.services import (
    blank_allocation_receive,
    blank_transfer,
    ktp_recording_record,
    ktp_status_update,
    print_batch_close,
    print_batch_lock,
    print_item_record,
    stock_account_for,
    stock_count_record,
)
from warga.core.errors import Conflict, InvalidInput, NotFound


def _snapshot() -> tuple[int, int, int, int]:
    return (
        StockEntry.objects.count(),
        KtpCard.objects.count(),
        KtpTransition.objects.count(),
        PrintBatchItem.objects.filter(result=ItemResult.PENDING).count(),
    )


def test_printing_without_stock_is_refused_and_consumes_nothing(cast, make_resident, dukcapil_office):
    make_resident(status=KtpStatus.PRR)
    printer = cast.actor(cast.printer)
    batch = print_batch_lock(actor=printer, office=dukcapil_office, rule_set=default_rule_set(), size=1)
    item = batch.items.get()
    before = _snapshot()
    with pytest.raises(Conflict) as exc:
        print_item_record(actor=printer, item=item, result=ItemResult.PRINTED, card_serial="S-1")
    assert exc.value.code == "cards.stock_empty"
    assert "stok blanko habis" in str(exc.value).lower()
    assert _snapshot() == before
    item.refresh_from_db()
    assert item.result == ItemResult.PENDING and item.is_open
    assert KtpCard.objects.get().status == KtpStatus.PRR


def test_card_serial_used_twice_is_refused(cast, make_resident, stock, dukcapil_office):
    make_resident(status=KtpStatus.PRR)
    make_resident(status=KtpStatus.PRR)
    stock(5)
    printer = cast.actor(cast.printer)
    batch = print_batch_lock(actor=printer, office=dukcapil_office, rule_set=default_rule_set(), size=2)
    first, second = batch.items.order_by("rank")
    print_item_record(actor=printer, item=first, result=ItemResult.PRINTED, card_serial="DUP-1")
    before = _snapshot()
    with pytest.raises(Conflict) as exc:
        print_item_record(actor=printer, item=second, result=ItemResult.PRINTED, card_serial="DUP-1")
    assert exc.value.code == "cards.serial_used" and "DUP-1" in str(exc.value)
    assert _snapshot() == before
    assert stock_balance(stock_account_for(dukcapil_office)) == 4


def test_transfer_of_more_than_the_office_holds_is_refused(cast, stock, dukcapil_office, kec_office):
    stock(10)
    before = _snapshot()
    with pytest.raises(Conflict) as exc:
        blank_transfer(
            actor=cast.actor(cast.head),
            from_office=dukcapil_office,
            to_office=kec_office,
            quantity=11,
            transferred_on=timezone.localdate(),
        )
    assert exc.value.code == "cards.stock_insufficient" and "10" in str(exc.value)
    assert _snapshot() == before
    out, into = blank_transfer(
        actor=cast.actor(cast.head),
        from_office=dukcapil_office,
        to_office=kec_office,
        quantity=10,
        transferred_on=timezone.localdate(),
    )
    assert out.transfer_id == into.transfer_id and out.quantity == -10 and into.quantity == 10
    assert stock_balance(stock_account_for(dukcapil_office)) == 0
    assert stock_balance(stock_account_for(kec_office)) == 10


def test_negative_stock_count_is_refused_and_a_count_books_the_difference(cast, stock, dukcapil_office):
    stock(10)
    head = cast.actor(cast.head)
    before = _snapshot()
    with pytest.raises(InvalidInput) as exc:
        stock_count_record(actor=head, office=dukcapil_office, counted=-1, counted_on=timezone.localdate())
    assert exc.value.code == "cards.count_negative"
    assert _snapshot() == before
    entry = stock_count_record(actor=head, office=dukcapil_office, counted=7, counted_on=timezone.localdate())
    assert entry.kind == EntryKind.COUNT and entry.quantity == -3 and entry.counted == 7
    assert stock_balance(stock_account_for(dukcapil_office)) == 7


def test_allocation_serial_range_must_match_quantity(cast, dukcapil_office):
    with pytest.raises(InvalidInput) as exc:
        blank_allocation_receive(
            actor=cast.actor(cast.head),
            office=dukcapil_office,
            quantity=10,
            received_on=timezone.localdate(),
            serial_from="0001",
            serial_to="0005",
        )
    assert exc.value.code == "cards.serials"
    assert StockEntry.objects.count() == 0


def test_printed_before_recorded_is_refused(cast, make_resident, stock, dukcapil_office):
    resident = make_resident()
    with pytest.raises(Conflict) as exc:
        ktp_status_update(
            actor=cast.actor(cast.dukcapil),
            resident=resident,
            status=KtpStatus.PRR,
            occurred_at=timezone.now(),
        )
    assert exc.value.code == "cards.impossible_transition"
    assert not KtpCard.objects.exists()


def test_recording_refuses_future_dates_children_and_other_areas(cast, make_resident, kec_office):
    officer = cast.actor(cast.kec_officer)
    adult = make_resident()
    child = make_resident(age=12)
    outside = make_resident(desa=cast.other_desa)
    with pytest.raises(InvalidInput):
        ktp_recording_record(
            actor=officer,
            resident=adult,
            recorded_at=timezone.now() + timedelta(days=1),
            place_unit=kec_office,
            device_set="A",
        )
    with pytest.raises(InvalidInput) as exc:
        ktp_recording_record(
            actor=officer, resident=child, recorded_at=timezone.now(), place_unit=kec_office, device_set="A"
        )
    assert exc.value.code == "cards.too_young"
    with pytest.raises(NotFound):
        ktp_recording_record(
            actor=officer, resident=outside, recorded_at=timezone.now(), place_unit=kec_office, device_set="A"
        )
    with pytest.raises(InvalidInput):
        ktp_recording_record(
            actor=officer, resident=adult, recorded_at=timezone.now(), place_unit=None, device_set="A"
        )
    assert not RecordingEvent.objects.exists() and not KtpCard.objects.exists()


def test_recording_twice_with_same_client_ref_is_one_recording(cast, make_resident):
    officer = cast.actor(cast.outreach)
    resident = make_resident()
    first = ktp_recording_record(
        actor=officer,
        resident=resident,
        recorded_at=timezone.now(),
        place_unit=None,
        device_set="MOBILE-3",
        outreach_event_id=7,
        client_ref="dev-1:42",
    )
    again = ktp_recording_record(
        actor=officer,
        resident=resident,
        recorded_at=timezone.now(),
        place_unit=None,
        device_set="MOBILE-3",
        outreach_event_id=7,
        client_ref="dev-1:42",
    )
    assert first.pk == again.pk and first.place_kind == "field"
    transition = KtpTransition.objects.get()
    assert transition.outreach_event_id == 7 and transition.actor == cast.outreach
    with pytest.raises(Conflict):
        ktp_recording_record(
            actor=officer,
            resident=resident,
            recorded_at=timezone.now(),
            place_unit=None,
            device_set="MOBILE-3",
            outreach_event_id=7,
        )


def test_a_resident_cannot_be_in_two_open_batches(cast, make_resident, stock, dukcapil_office):
    make_resident(status=KtpStatus.PRR)
    printer = cast.actor(cast.printer)
    print_batch_lock(actor=printer, office=dukcapil_office, rule_set=default_rule_set(), size=5)
    with pytest.raises(InvalidInput) as exc:
        print_batch_lock(actor=printer, office=dukcapil_office, rule_set=default_rule_set(), size=5)
    assert exc.value.code == "cards.queue_empty"


def test_spoiled_print_consumes_a_blank_and_returns_the_person_to_the_queue(
    cast, make_resident, stock, dukcapil_office
):
    make_resident(status=KtpStatus.PRR)
    stock(3)
    printer = cast.actor(cast.printer)
    batch = print_batch_lock(actor=printer, office=dukcapil_office, rule_set=default_rule_set(), size=1)
    item = batch.items.get()
    with pytest.raises(InvalidInput):
        print_item_record(actor=printer, item=item, result=ItemResult.SPOILED)  # no reason
    print_item_record(actor=printer, item=item, result=ItemResult.SPOILED, reason="Tinta luntur")
    entry = StockEntry.objects.get(kind=EntryKind.SPOILED)
    assert entry.quantity == -1 and entry.reason == "Tinta luntur"
    assert KtpCard.objects.get().status == KtpStatus.PRR
    again = print_batch_lock(actor=printer, office=dukcapil_office, rule_set=default_rule_set(), size=1)
    assert again.items.get().card_id == item.card_id
    with pytest.raises(Conflict):
        print_item_record(actor=printer, item=item, result=ItemResult.PRINTED, card_serial="X")


def test_closing_a_batch_releases_unprinted_places(cast, make_resident, stock, dukcapil_office):
    for _ in range(3):
        make_resident(status=KtpStatus.PRR)
    stock(1)
    printer = cast.actor(cast.printer)
    batch = print_batch_lock(actor=printer, office=dukcapil_office, rule_set=default_rule_set(), size=3)
    first = batch.items.order_by("rank").first()
    print_item_record(actor=printer, item=first, result=ItemResult.PRINTED, card_serial="R-1")
    assert print_batch_close(actor=printer, batch=batch) == 2
    with pytest.raises(Conflict):
        print_batch_close(actor=printer, batch=batch)
    again = print_batch_lock(actor=printer, office=dukcapil_office, rule_set=default_rule_set(), size=5)
    assert again.items.count() == 2
