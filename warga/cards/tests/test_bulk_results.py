"""A print day's results in one step: all printed but the spoiled serials, scanned serials, the
printer's log; the preview's counts, the confirm, and every refusal leaving everything as it was."""

from __future__ import annotations

import io
import time

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import translation

from warga.audit.models import AuditLog
from warga.cards.models import (
    EntryKind,
    ItemResult,
    KtpCard,
    KtpStatus,
    KtpTransition,
    PrintBatchItem,
    StockEntry,
)
from warga.cards.selectors import stock_balance
from warga.cards.services import (
    PrintInput,
    print_item_record,
    print_results_plan,
    print_results_record,
    print_results_token,
    stock_account_for,
)
from warga.core.errors import Conflict
from warga.core.permissions import Role

FIRST = "5000000001"


def _serial(k: int) -> str:
    return str(int(FIRST) + k).zfill(len(FIRST))


def _record(cast, batch, data):
    printer = cast.actor(cast.printer)
    plan = print_results_plan(actor=printer, batch=batch, data=data)
    assert plan.ok, (plan.refusals, plan.unknown)
    return print_results_record(actor=printer, batch=batch, data=data, token=print_results_token(plan))


def _snapshot(batch, office):
    return (
        list(PrintBatchItem.objects.filter(batch=batch).order_by("pk").values_list("result", "card_serial")),
        StockEntry.objects.count(),
        KtpTransition.objects.count(),
        sorted(KtpCard.objects.values_list("status", flat=True)),
        stock_balance(stock_account_for(office)),
        AuditLog.objects.filter(action__startswith="cards.print").count(),
    )


# --- Services ----------------------------------------------------------------------------------------


def test_all_printed_but_the_spoiled_serials(cast, make_batch, dukcapil_office):
    batch = make_batch(10)
    data = PrintInput(mode="run", first_serial=FIRST, spoiled=[_serial(2), _serial(7)], reason="Pita macet")
    plan = _record(cast, batch, data)
    assert (plan.printed, plan.spoiled, plan.unknown, plan.already) == (8, 2, [], 0)
    items = list(batch.items.order_by("rank"))
    assert [i.result for i in items].count(ItemResult.PRINTED) == 8
    assert items[2].result == ItemResult.SPOILED and items[2].card_serial == _serial(2)
    assert items[3].card_serial == _serial(3) and items[3].card.status == KtpStatus.PRINTED
    assert items[3].card.card_serial == _serial(3) and items[3].card.printed_by_office == dukcapil_office
    assert items[2].card.status == KtpStatus.PRR  # back in the queue, as with the single action
    assert not PrintBatchItem.objects.filter(batch=batch, is_open=True).exists()
    kinds = StockEntry.objects.filter(account__office=dukcapil_office).values_list("kind", flat=True)
    assert sorted(k for k in kinds if k != EntryKind.ALLOCATION).count(EntryKind.CONSUMPTION) == 8
    assert StockEntry.objects.filter(kind=EntryKind.SPOILED, reason="Pita macet").count() == 2
    assert stock_balance(stock_account_for(dukcapil_office)) == 0
    assert KtpTransition.objects.filter(to_status=KtpStatus.PRINTED, source="print").count() == 8
    # The audit: each place's own row (its history, as the single action writes) + one for the day.
    assert AuditLog.objects.filter(action="cards.print.printed").count() == 8
    assert AuditLog.objects.filter(action="cards.print.spoiled").count() == 2
    bulk = AuditLog.objects.get(action="cards.print.bulk")
    assert bulk.summary == {"mode": "run", "printed": 8, "spoiled": 2, "already": 0, "waiting": 0}


def test_scanned_serials_and_already_recorded_places(cast, make_batch):
    batch = make_batch(6)
    first = batch.items.order_by("rank").first()
    print_item_record(actor=cast.actor(cast.printer), item=first, result="printed", card_serial="SINGLE-1")
    scans = ["SC-1", "SC-2", "SC-3", "SC-4"]
    data = PrintInput(mode="scan", scanned=scans, spoiled=["SC-2"], reason="Foto buram")
    plan = print_results_plan(actor=cast.actor(cast.printer), batch=batch, data=data)
    assert (plan.printed, plan.spoiled, plan.already, plan.waiting_after) == (3, 1, 1, 1)
    _record(cast, batch, data)
    results = list(batch.items.order_by("rank").values_list("result", "card_serial"))
    assert results == [
        ("printed", "SINGLE-1"),
        ("printed", "SC-1"),
        ("spoiled", "SC-2"),
        ("printed", "SC-3"),
        ("printed", "SC-4"),
        ("pending", ""),
    ]


def test_the_printers_log(cast, make_batch):
    batch = make_batch(4)
    items = list(batch.items.order_by("rank").select_related("card__resident"))
    from warga.cards.imports import LogRow

    rows = [
        LogRow(2, "LOG-1", items[0].card.resident.nik, "printed"),
        LogRow(3, "LOG-2", str(items[1].card_id), "rusak", "Chip gagal"),
        LogRow(4, "LOG-3", items[3].card.resident.nik, "cetak"),
    ]
    plan = _record(cast, batch, PrintInput(mode="log", rows=rows))
    assert (plan.printed, plan.spoiled) == (2, 1)
    assert list(batch.items.order_by("rank").values_list("result", "card_serial", "reason")) == [
        ("printed", "LOG-1", ""),
        ("spoiled", "LOG-2", "Chip gagal"),
        ("pending", "", ""),
        ("printed", "LOG-3", ""),
    ]
    # The same log again: everything already recorded, nothing to do, nothing changes.
    again = print_results_plan(
        actor=cast.actor(cast.printer), batch=batch, data=PrintInput(mode="log", rows=rows)
    )
    assert again.already == 3 and not again.lines and not again.ok


@pytest.mark.parametrize(
    ("case", "expect"),
    [
        ("unknown_spoiled", "unknown"),
        ("used_serial", "already been used"),
        ("twice", "twice"),
        ("no_reason", "spoiled"),
        ("no_stock", "blanks"),
        ("bad_format", "not a valid serial"),
        ("too_many_scans", "unknown"),
        ("state", "cannot go from"),
    ],
)
def test_refusals_change_nothing(cast, make_batch, dukcapil_office, case, expect):
    batch = make_batch(5, blanks=4 if case == "no_stock" else 5)
    data = PrintInput(mode="run", first_serial=FIRST, reason="Rusak")
    if case == "unknown_spoiled":
        data.spoiled = ["9999999999"]
    elif case == "used_serial":
        other = make_batch(1)
        print_item_record(
            actor=cast.actor(cast.printer), item=other.items.get(), result="printed", card_serial=_serial(3)
        )
    elif case == "twice":
        data = PrintInput(mode="scan", scanned=["A-1", "A-2", "A-1"])
    elif case == "no_reason":
        data.spoiled, data.reason = [_serial(1)], ""
    elif case == "bad_format":
        data = PrintInput(mode="scan", scanned=["A 1", "X" * 40])
    elif case == "too_many_scans":
        data = PrintInput(mode="scan", scanned=[f"S-{k}" for k in range(6)])
    elif case == "state":
        card = batch.items.order_by("rank").first().card
        KtpCard.objects.filter(pk=card.pk).update(status=KtpStatus.DUPLICATE)
    printer = cast.actor(cast.printer)
    with translation.override("en"):
        plan = print_results_plan(actor=printer, batch=batch, data=data)
    assert not plan.ok
    if expect == "unknown":
        assert plan.unknown
    else:
        assert any(expect in str(r).lower() or expect in str(r) for r in plan.refusals), plan.refusals
    before = _snapshot(batch, dukcapil_office)
    with pytest.raises(Exception):  # noqa: B017 - refused as InvalidInput (or Conflict)
        print_results_record(actor=printer, batch=batch, data=data, token=print_results_token(plan))
    assert _snapshot(batch, dukcapil_office) == before


def test_a_stale_preview_is_refused(cast, make_batch, dukcapil_office):
    batch = make_batch(5)
    printer = cast.actor(cast.printer)
    data = PrintInput(mode="run", first_serial=FIRST)
    token = print_results_token(print_results_plan(actor=printer, batch=batch, data=data))
    # Someone records one card on the batch page in between.
    print_item_record(
        actor=printer, item=batch.items.order_by("rank").first(), result="printed", card_serial="X-1"
    )
    before = _snapshot(batch, dukcapil_office)
    with pytest.raises(Conflict) as refused:
        print_results_record(actor=printer, batch=batch, data=data, token=token)
    assert refused.value.code == "cards.bulk_stale"
    with pytest.raises(Conflict) as forged:
        print_results_record(actor=printer, batch=batch, data=data, token="forged")
    assert forged.value.code == "cards.bulk_token"
    assert _snapshot(batch, dukcapil_office) == before


@pytest.mark.slow
def test_a_print_day_of_15000_cards_in_one_transaction(cast, make_batch, dukcapil_office):
    batch = make_batch(15_000)
    spoiled = [_serial(k) for k in (10, 5000, 14_999)]
    data = PrintInput(mode="run", first_serial=FIRST, spoiled=spoiled, reason="Pita putus")
    started = time.monotonic()
    plan = _record(cast, batch, data)
    took = time.monotonic() - started
    print(f"\n15,000 results on {connection.vendor}: {took:.1f} s")
    assert (plan.printed, plan.spoiled) == (14_997, 3)
    assert KtpCard.objects.filter(status=KtpStatus.PRINTED).count() == 14_997
    assert stock_balance(stock_account_for(dukcapil_office)) == 0
    assert took < 120  # a shared, loaded test machine; about a sixth of this on an idle one


# --- Pages ---------------------------------------------------------------------------------------------


def _page(batch):
    return reverse("cards:batch_results", args=[batch.pk])


def test_preview_then_confirm_through_the_page(cast, client_for, make_batch, dukcapil_office):
    batch = make_batch(6)
    client = client_for(cast.printer)
    assert client.get(_page(batch)).status_code == 200
    form = {"mode": "run", "first_serial": FIRST, "spoiled": f"{_serial(4)}\n", "reason": "Tinta habis"}
    preview = client.post(_page(batch), form)
    body = preview.content.decode()
    assert preview.status_code == 200
    assert 'data-count="printed">5<' in body and 'data-count="spoiled">1<' in body
    assert not StockEntry.objects.exclude(kind=EntryKind.ALLOCATION).exists()  # a preview writes nothing
    token = preview.context["token"]
    assert token
    done = client.post(_page(batch), {**form, "step": "confirm", "token": token}, follow=True)
    assert "Hasil tersimpan: 5 tercetak, 1 rusak." in done.content.decode()
    assert batch.items.filter(result=ItemResult.PRINTED).count() == 5
    # The same confirm again (a double click): the batch changed, 409, nothing more.
    again = client.post(_page(batch), {**form, "step": "confirm", "token": token})
    assert again.status_code == 409
    assert StockEntry.objects.exclude(kind=EntryKind.ALLOCATION).count() == 6


def test_printers_log_upload_csv_and_xlsx(cast, client_for, make_batch):
    batch = make_batch(3)
    items = list(batch.items.order_by("rank").select_related("card__resident"))
    client = client_for(cast.printer)
    csv_text = f"serial;NIK;status\nL-1;{items[0].card.resident.nik};printed\nL-2;{items[1].card.resident.nik};spoiled\n"
    upload = io.BytesIO(csv_text.encode())
    upload.name = "log.csv"
    preview = client.post(_page(batch), {"mode": "log", "log": upload, "reason": "Kartu tergores"})
    assert preview.context["plan"].printed == 1 and preview.context["plan"].spoiled == 1
    rows = preview.context["log_rows"]
    assert items[0].card.resident.nik not in preview.request.get("PATH_INFO", "")
    done = client.post(
        _page(batch),
        {
            "mode": "log",
            "log_rows": rows,
            "reason": "Kartu tergores",
            "step": "confirm",
            "token": preview.context["token"],
        },
    )
    assert done.status_code == 302
    assert batch.items.get(pk=items[1].pk).result == ItemResult.SPOILED

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Nomor seri", "ID kartu", "Hasil"])
    sheet.append(["L-3", items[2].card_id, "cetak"])
    content = io.BytesIO()
    book.save(content)
    content.seek(0)
    content.name = "log.xlsx"
    preview = client.post(_page(batch), {"mode": "log", "log": content})
    assert preview.context["plan"].printed == 1 and preview.context["plan"].already == 0


def test_bad_log_files_are_refused(cast, client_for, make_batch):
    batch = make_batch(2)
    client = client_for(cast.printer)
    for name, content in [
        ("bomb.xlsx", b"PK\x03\x04" + b"\x00" * 100),
        ("binary.csv", b"\x00\x01\x02" * 10),
        ("noheader.csv", b"a,b,c\n1,2,3\n"),
    ]:
        upload = io.BytesIO(content)
        upload.name = name
        response = client.post(_page(batch), {"mode": "log", "log": upload})
        assert response.status_code == 200 and response.context["plan"] is None
        assert response.context["form"].errors["log"]
    assert not batch.items.exclude(result=ItemResult.PENDING).exists()


def test_who_may_record_a_batch(cast, client_for, make_batch):
    batch = make_batch(2)
    url = _page(batch)
    assert client_for(None).get(url).status_code == 302
    assert client_for(cast.kec_officer).get(url).status_code == 403
    from warga.accounts.services import staff_create
    from warga.org.models import Unit, UnitKind

    other_printer = staff_create(
        actor=None,
        username="other_printer",
        password="Sandi-Rahasia-123!",
        full_name="Other Printer",
        roles=[Role.PRINTING_OPERATOR],
        unit_id=Unit.objects.get(kind=UnitKind.KECAMATAN_OFFICE, area=cast.other_kecamatan).pk,
        area_code=cast.other_kecamatan.code,
    )
    other = client_for(other_printer)
    assert other.get(url).status_code == 404  # another kecamatan's batch is not found
    assert other.post(url, {"mode": "run", "first_serial": FIRST}).status_code == 404
    assert not batch.items.exclude(result=ItemResult.PENDING).exists()
