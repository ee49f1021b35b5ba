"""The blank-card ledger, the print batches and one batch's places as CSV, XLSX and print, with
the page's filters and scope."""

from __future__ import annotations

import pytest

from warga.cards.models import KtpStatus
from warga.cards.priority import default_rule_set
from warga.cards.services import print_batch_lock, print_item_record
from warga.core.tests.tables_helpers import csv_rows, export_audits, xlsx_rows

pytestmark = pytest.mark.django_db


def test_stock_ledger_exports_follow_scope_and_access(
    cast, client_for, stock, dukcapil_office, kec_office, other_kec_office
):
    stock(20)
    stock(4, office=kec_office)
    stock(3, office=other_kec_office)
    head = client_for(cast.head)
    rows = csv_rows(head.get("/cards/stock/?format=csv"))
    assert rows[0] == ["Tanggal", "Kantor", "Jenis", "Jumlah", "Rincian", "Petugas"]
    assert sorted(int(r[3]) for r in rows[1:]) == [3, 4, 20] and rows[1][2] == "Alokasi diterima"
    assert len(xlsx_rows(head.get("/cards/stock/?format=xlsx"))) == 4

    ledger = f"/cards/stock/office/{dukcapil_office.pk}/"
    rows = csv_rows(head.get(f"{ledger}?format=csv"))
    assert [r[3] for r in rows[1:]] == ["20"] and rows[1][1] == dukcapil_office.name
    page = head.get(f"{ledger}?format=print").content.decode()
    assert f"Kantor: {dukcapil_office.name}" in page and "Buku stok blanko" in page
    assert "Dinas Kependudukan" in page  # the officer's unit
    audits = export_audits("cards.stock.entries.export")
    assert [(a["format"], a["rows"]) for a in audits] == [("csv", 3), ("xlsx", 3), ("csv", 1), ("print", 1)]
    assert audits[2]["filters"] == {"office": str(dukcapil_office.pk)}

    kec = csv_rows(client_for(cast.kec_officer).get("/cards/stock/?format=csv"))
    assert [(r[1], r[3]) for r in kec[1:]] == [(kec_office.name, "4")]
    outsider = client_for(cast.outsider)
    assert [r[3] for r in csv_rows(outsider.get("/cards/stock/?format=csv"))[1:]] == ["3"]
    assert outsider.get(f"/cards/stock/office/{kec_office.pk}/?format=csv").status_code == 404
    assert client_for(cast.desa_operator).get("/cards/stock/?format=csv").status_code == 403


def test_batches_and_a_batch_export(cast, client_for, stock, dukcapil_office, make_resident):
    stock(5)
    first = make_resident(status=KtpStatus.PRR, days_waiting=30, name="Siti Rahmawati")
    make_resident(status=KtpStatus.PRR, days_waiting=10, name="Budi Santoso")
    printer_actor = cast.actor(cast.printer)
    batch = print_batch_lock(actor=printer_actor, office=dukcapil_office, rule_set=default_rule_set(), size=5)
    item = batch.items.get(card__resident=first)
    print_item_record(actor=printer_actor, item=item, result="printed", card_serial="KTP0000001")
    printer = client_for(cast.printer)

    rows = csv_rows(printer.get("/cards/batches/?format=csv"))
    assert rows[0][:3] == ["#", "Tanggal", "Kantor"] and rows[1][0] == str(batch.pk)
    assert rows[1][4:8] == ["2", "1", "0", "1"]
    assert len(xlsx_rows(printer.get("/cards/batches/?format=xlsx"))) == 2

    url = f"/cards/batches/{batch.pk}/"
    rows = csv_rows(printer.get(f"{url}?show=all&format=csv"))
    assert [r[1] for r in rows[1:]] == ["Siti Rahmawati", "Budi Santoso"]
    rows = csv_rows(printer.get(f"{url}?show=printed&format=csv"))
    assert [(r[1], r[4]) for r in rows[1:]] == [("Siti Rahmawati", "KTP0000001")]
    assert len(xlsx_rows(printer.get(f"{url}?format=xlsx"))) == 2  # the page's default: waiting ones
    page = printer.get(f"{url}?show=printed&format=print").content.decode()
    assert f"#{batch.pk} · {dukcapil_office.name}" in page
    assert "Hasil: Tercetak" in page
    assert "Siti Rahmawati" in page and "Budi Santoso" not in page
    audits = export_audits("cards.batch.items.export")
    assert audits[1]["filters"] == {"batch": str(batch.pk), "show": "printed"} and audits[1]["rows"] == 1
    assert export_audits("cards.batches.export")[0]["rows"] == 1

    assert client_for(cast.kec_officer).get(f"{url}?format=csv").status_code == 403
    assert client_for(cast.kec_officer).get("/cards/batches/?format=csv").status_code == 403
