"""A print day of 1,000 cards recorded through the page: the operator types the first blank's
serial and the three spoiled serials, the preview says 997 printed and 3 spoiled, the confirm
records them, the batch page shows it and the stock ledger moved by 1,000."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from warga.cards.models import EntryKind, ItemResult, StockEntry
from warga.cards.selectors import stock_balance
from warga.cards.services import stock_account_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FIRST = "7100000001"
SPOILED = ["7100000005", "7100000500", "7100001000"]


def test_a_print_day_of_1000_cards_through_the_page(cast, page, login, make_batch, dukcapil_office):
    batch = make_batch(1000, blanks=1200)
    account = stock_account_for(dukcapil_office)
    assert stock_balance(account) == 1200

    page.set_viewport_size({"width": 1280, "height": 900})
    login(cast.printer)
    page.goto(f"/cards/batches/{batch.pk}/")
    page.get_by_role("link", name="Isi hasil seluruh batch").click()
    page.wait_for_url(re.compile(rf"/cards/batches/{batch.pk}/results/"))

    run = page.locator(
        "section", has=page.get_by_role("heading", name="Semua tercetak kecuali nomor seri yang rusak")
    )
    run.get_by_label("Nomor seri blanko pertama yang dipakai").fill(FIRST)
    spoiled = run.get_by_label("Nomor seri blanko yang rusak (satu per baris)")
    for serial in SPOILED:
        spoiled.press_sequentially(serial)
        spoiled.press("Enter")
    run.get_by_label("Alasan cetakan rusak").fill("Pita printer macet")
    run.get_by_role("button", name="Pratinjau").click()

    preview = page.locator("[data-preview]")
    expect(preview.locator('[data-count="printed"]')).to_have_text("997")
    expect(preview.locator('[data-count="spoiled"]')).to_have_text("3")
    expect(preview.locator('[data-count="unknown"]')).to_have_text("0")
    expect(preview.locator('[data-count="already"]')).to_have_text("0")
    assert StockEntry.objects.filter(account=account).count() == 1  # the preview wrote nothing
    assert FIRST not in page.url

    page.get_by_role("button", name="Konfirmasi: catat 997 tercetak dan 3 rusak").click()
    page.wait_for_url(re.compile(rf"/cards/batches/{batch.pk}/$"))
    expect(
        page.get_by_role("alert").filter(has_text="Hasil tersimpan: 997 tercetak, 3 rusak.")
    ).to_be_visible()
    expect(page.locator("main")).to_contain_text("1000 tempat: 997 tercetak, 3 rusak, 0 menunggu")
    expect(page.locator("main")).to_contain_text("Blanko di kantor: 200")

    assert batch.items.filter(result=ItemResult.PRINTED).count() == 997
    assert (
        sorted(batch.items.filter(result=ItemResult.SPOILED).values_list("card_serial", flat=True)) == SPOILED
    )
    withdrawals = StockEntry.objects.filter(account=account).exclude(kind=EntryKind.ALLOCATION)
    assert withdrawals.count() == 1000 and stock_balance(account) == 200
