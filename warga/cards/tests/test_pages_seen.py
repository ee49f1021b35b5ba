"""What an officer sees on the card pages reached from a list or a form: an import's result, a
rule set opened for editing, a stock transfer booked or refused."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from warga.cards.models import KtpCard, KtpStatus, PriorityRuleSet, StatusImport, StockEntry
from warga.cards.selectors import stock_balance
from warga.cards.services import rule_set_save, stock_account_for


def _followed(client, response) -> str:
    assert response.status_code == 302, response.status_code
    return client.get(response["Location"]).content.decode()


def test_an_applied_import_shows_its_counts(
    cast, client_for, make_resident, django_capture_on_commit_callbacks
):
    a, b = make_resident(), make_resident()
    day = timezone.localdate().isoformat()
    content = f"NIK;Status;Tanggal\n{a.nik};rekam;{day}\n{b.nik};rekam;{day}\n".encode()
    client = client_for(cast.dukcapil)
    with django_capture_on_commit_callbacks(execute=True):  # read in the background after the commit
        response = client.post(
            reverse("cards:import"), {"file": SimpleUploadedFile("ekspor-pusat.csv", content, "text/csv")}
        )
    imported = StatusImport.objects.get()
    assert response["Location"] == reverse("cards:import_detail", args=[imported.pk])
    html = _followed(client, response)
    assert "<h1" in html and "ekspor-pusat.csv" in html
    assert "Diterapkan" in html and "2 baris, 2 berubah, 0 sudah diterapkan" in html
    assert 'hx-trigger="every 2s"' not in html and "Kesalahan" not in html
    assert set(KtpCard.objects.values_list("status", flat=True)) == {KtpStatus.RECORDED}
    # The list of imports links to it.
    assert (
        reverse("cards:import_detail", args=[imported.pk])
        in client.get(reverse("cards:import")).content.decode()
    )


def test_a_rule_set_opens_filled_in_and_saves_the_change(cast, client_for):
    rule_set = rule_set_save(
        actor=cast.actor(cast.printer),
        name="Pemilu desa",
        description="Pemilih lebih dulu",
        rules=[
            {"kind": "voter", "position": 1, "weight": 50, "on_date": timezone.localdate()},
            {"kind": "first_come", "position": 2, "weight": 10},
        ],
    )
    client = client_for(cast.printer)
    url = reverse("cards:rule_edit", args=[rule_set.pk])
    assert url in client.get(reverse("cards:rules")).content.decode()  # reached from the list
    html = client.get(url).content.decode()
    assert "Ubah “Pemilu desa”" in html
    assert 'value="Pemilu desa"' in html and 'value="Pemilih lebih dulu"' in html
    assert 'name="voter_on" id="id_voter_on" checked' in html
    assert 'name="first_come_on" id="id_first_come_on" checked' in html
    assert 'name="new_recording_on" id="id_new_recording_on">' in html
    assert 'name="voter_weight" value="50"' in html
    response = client.post(
        url,
        {
            "name": "Pemilu desa 2027",
            "description": "",
            "first_come_on": "on",
            "first_come_position": "1",
            "first_come_weight": "30",
        },
    )
    assert response["Location"] == reverse("cards:rules")
    html = _followed(client, response)
    assert "Aturan prioritas tersimpan." in html and "Pemilu desa 2027" in html
    rule_set.refresh_from_db()
    assert rule_set.name == "Pemilu desa 2027"
    assert [(r.kind, r.weight) for r in rule_set.rules.order_by("position")] == [("first_come", 30)]
    assert PriorityRuleSet.objects.filter(name__startswith="Pemilu desa").count() == 1  # edited, not added


def test_a_stock_transfer_is_booked_or_refused_with_the_reason(
    cast, client_for, stock, dukcapil_office, kec_office
):
    stock(20)
    client = client_for(cast.head)
    form = {
        "tr-from_office": dukcapil_office.pk,
        "tr-to_office": kec_office.pk,
        "tr-quantity": 5,
        "tr-transferred_on": timezone.localdate().isoformat(),
        "tr-note": "Untuk pelayanan kecamatan",
    }
    html = _followed(client, client.post(reverse("cards:stock_transfer"), form))
    assert "Transfer dicatat." in html
    assert stock_balance(stock_account_for(dukcapil_office)) == 15
    assert stock_balance(stock_account_for(kec_office)) == 5
    ledger = client.get(reverse("cards:stock_ledger", args=[kec_office.pk])).content.decode()
    assert "<strong>5</strong>" in ledger and "Untuk pelayanan kecamatan" in ledger
    # More than the office holds: refused, the reason shown, nothing booked.
    entries = StockEntry.objects.count()
    html = _followed(client, client.post(reverse("cards:stock_transfer"), {**form, "tr-quantity": 100}))
    assert f"{dukcapil_office.name} hanya memiliki 15 blanko; tidak dapat mentransfer 100." in html
    assert "Transfer dicatat." not in html
    # The same office twice: refused too.
    same = {**form, "tr-to_office": dukcapil_office.pk}
    html = _followed(client, client.post(reverse("cards:stock_transfer"), same))
    assert "Pilih dua kantor yang berbeda." in html and "Transfer dicatat." not in html
    assert StockEntry.objects.count() == entries
    assert stock_balance(stock_account_for(kec_office)) == 5
