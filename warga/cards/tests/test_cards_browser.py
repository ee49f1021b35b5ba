"""A short Cianjur day in a real browser: three blanks at the printing office, four people
print-ready. The printing operator previews the queue, locks a batch, prints one card, spoils
one, releases the rest; the stock page shows what is left; the kecamatan officer gives the
person who got no place a SUKET, whose PDF opens and whose QR page says it is genuine."""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import expect

from warga.cards.documents import suket_token
from warga.cards.models import (
    BatchStatus,
    EntryKind,
    ItemResult,
    KtpCard,
    KtpStatus,
    PrintBatch,
    PrintBatchItem,
    StockEntry,
    Suket,
    SuketStatus,
)
from warga.cards.selectors import stock_balance
from warga.cards.services import stock_account_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SERIAL = "3203000000001"
SPOILED = "Pita printer macet, foto tergores"


def test_a_printing_day_through_the_pages(
    cast, page, login, live_server, make_resident, stock, dukcapil_office, kec_office
):
    stock(3)  # at the Disdukcapil office, where the printer works
    # First come, first served: who waited longest ranks first.
    asep = make_resident(status=KtpStatus.PRR, days_waiting=40, name="Asep Sunandar")
    euis = make_resident(status=KtpStatus.PRR, days_waiting=30, name="Euis Komariah")
    ujang = make_resident(status=KtpStatus.PRR, days_waiting=20, name="Ujang Suryana")
    neng = make_resident(status=KtpStatus.PRR, days_waiting=10, name="Neng Yulianti")

    # --- The printing operator, at a desk: queue → preview → lock ---------------------------
    page.set_viewport_size({"width": 1280, "height": 900})
    login(cast.printer)
    page.goto("/cards/")
    page.get_by_role("link", name="Antrean", exact=True).click()
    expect(page.get_by_role("heading", name="Antrean cetak")).to_be_visible()
    expect(page.get_by_label("Kantor pencetak")).to_have_value(str(dukcapil_office.pk))
    page.get_by_role("button", name="Pratinjau").click()
    summary = page.locator(".alert", has_text="orang siap cetak mendapat tempat")
    expect(summary).to_contain_text(
        f"3 dari 4 orang siap cetak mendapat tempat. {dukcapil_office.name} memiliki 3 blanko."
    )
    ranking = page.locator("ol.list-group > li")
    expect(ranking).to_have_count(4)
    for n, person in enumerate([asep, euis, ujang]):
        expect(ranking.nth(n)).to_contain_text(person.full_name)
        expect(ranking.nth(n)).to_contain_text("masuk batch")
    expect(ranking.nth(3)).to_contain_text(neng.full_name)
    expect(ranking.nth(3)).not_to_contain_text("masuk batch")

    page.get_by_role("button", name="Kunci batch berisi 3").click()
    page.wait_for_url(re.compile(r"/cards/batches/\d+/"))  # the batch exists once its page is shown
    batch = PrintBatch.objects.get()
    expect(page).to_have_url(re.compile(rf"/cards/batches/{batch.pk}/"))
    expect(page.get_by_role("alert").filter(has_text="Batch dikunci: 3 tempat.")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Blanko di kantor: 3")

    # --- Each card's result ---------------------------------------------------------------------
    def place(person):
        return page.locator("div.list-group-item", has_text=person.full_name)

    row = place(asep)
    row.get_by_label("Hasil").select_option("printed")
    row.get_by_label("Nomor seri kartu").fill(SERIAL)
    row.get_by_role("button", name="Simpan").click()
    expect(page.get_by_role("alert").filter(has_text=f"Tercetak: nomor seri kartu {SERIAL}.")).to_be_visible()
    expect(place(asep)).to_have_count(0)  # the list shows the places still waiting

    row = place(euis)
    row.get_by_label("Hasil").select_option("spoiled")
    row.get_by_label("Alasan (rusak)").fill(SPOILED)
    row.get_by_role("button", name="Simpan").click()
    expect(
        page.get_by_role("alert").filter(has_text="Cetakan rusak dicatat; orang tersebut kembali ke antrean.")
    ).to_be_visible()
    expect(page.locator("main")).to_contain_text("Blanko di kantor: 1")

    page.once("dialog", lambda dialog: dialog.accept())  # "Tutup batch? …"
    page.get_by_role("button", name="Tutup batch dan lepaskan tempat yang belum dicetak").click()
    expect(
        page.get_by_role("alert").filter(
            has_text="Batch ditutup; 1 tempat yang belum dicetak kembali ke antrean."
        )
    ).to_be_visible()
    expect(
        page.get_by_role("button", name="Tutup batch dan lepaskan tempat yang belum dicetak")
    ).to_have_count(0)
    page.get_by_role("link", name="Semua", exact=True).click()
    expect(place(asep)).to_contain_text(f"Tercetak · {SERIAL}")
    expect(place(euis)).to_contain_text(SPOILED)
    expect(place(ujang)).to_contain_text("Dilepas")

    # --- The stock page: 3 received, 1 printed, 1 spoiled → 1 left ------------------------------
    page.get_by_role("link", name="Stok", exact=True).click()
    office_row = page.locator("tbody tr", has=page.get_by_role("link", name=dukcapil_office.name))
    expect(office_row.locator("td").nth(1)).to_have_text("1")
    office_row.get_by_role("link", name=dukcapil_office.name).click()
    expect(page.locator("main")).to_contain_text("Saldo: 1")
    expect(page.locator("main")).to_contain_text(SPOILED)
    expect(page.locator("main")).to_contain_text(f"nomor seri {SERIAL}")

    # --- The kecamatan officer, on a phone: a SUKET for who got no place --------------------------
    page.context.clear_cookies()
    page.set_viewport_size({"width": 360, "height": 740})
    login(cast.kec_officer)
    page.goto("/cards/resident/")
    page.get_by_label("NIK").fill(neng.nik)
    page.get_by_role("button", name="Buka").click()
    expect(page.get_by_role("heading", name=neng.full_name)).to_be_visible()
    assert neng.nik not in page.url
    expect(page.get_by_label("Kantor penerbit")).to_have_value(str(kec_office.pk))
    page.get_by_role("button", name="Terbitkan SUKET").click()
    # The SUKET exists once the page answering the click says so.
    expect(page.get_by_role("alert").filter(has_text="diterbitkan.")).to_be_visible()
    suket = Suket.objects.get(resident=neng)
    expect(page.get_by_role("alert").filter(has_text=f"SUKET {suket.number} diterbitkan.")).to_be_visible()
    entry = page.locator("li.list-group-item", has_text=suket.number)
    expect(entry).to_contain_text("Berlaku")

    pdf_link = entry.get_by_role("link", name="PDF")
    pdf = page.request.get(pdf_link.get_attribute("href"))  # the officer's session, as the link opens
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    from pypdf import PdfReader

    text = PdfReader(io.BytesIO(pdf.body())).pages[0].extract_text()
    assert suket.number in text and neng.full_name in text

    # Someone at a bank scans the QR: the public page, no login.
    public = page.context.browser.new_context(locale="id-ID", base_url=live_server.url)
    try:
        check = public.new_page()
        check.goto(f"/cards/suket/verify/{suket_token(suket)}/")
        expect(check.get_by_role("heading", name="Verifikasi SUKET")).to_be_visible()
        expect(check.locator("main")).to_contain_text("Asli dan masih berlaku.")
        expect(check.locator("main")).to_contain_text(suket.number)
        expect(check.locator("main")).to_contain_text("N*** Y***")
        expect(check.locator("main")).not_to_contain_text(neng.full_name)
        expect(check.locator("main")).not_to_contain_text(neng.nik)
    finally:
        public.close()

    # --- What the database holds at the end of the day ------------------------------------------
    batch.refresh_from_db()
    assert batch.status == BatchStatus.CLOSED
    results = {i.card.resident_id: i for i in PrintBatchItem.objects.select_related("card")}
    assert results[asep.pk].result == ItemResult.PRINTED and results[asep.pk].card_serial == SERIAL
    assert results[euis.pk].result == ItemResult.SPOILED and results[euis.pk].reason == SPOILED
    assert results[ujang.pk].result == ItemResult.RELEASED
    assert not PrintBatchItem.objects.filter(is_open=True).exists()
    cards = {c.resident_id: c for c in KtpCard.objects.all()}
    assert cards[asep.pk].status == KtpStatus.PRINTED and cards[asep.pk].card_serial == SERIAL
    assert cards[asep.pk].printed_by_office == dukcapil_office
    assert {cards[p.pk].status for p in (euis, ujang, neng)} == {KtpStatus.PRR}  # back in the queue
    entries = StockEntry.objects.filter(account__office=dukcapil_office)
    assert sorted(entries.values_list("kind", "quantity")) == [
        (EntryKind.ALLOCATION, 3),
        (EntryKind.CONSUMPTION, -1),
        (EntryKind.SPOILED, -1),
    ]
    assert entries.get(kind=EntryKind.CONSUMPTION).resident_id == asep.pk
    assert entries.get(kind=EntryKind.SPOILED).reason == SPOILED
    assert stock_balance(stock_account_for(dukcapil_office)) == 1
    assert suket.status == SuketStatus.VALID and suket.office == kec_office
    assert suket.issued_by == cast.kec_officer
