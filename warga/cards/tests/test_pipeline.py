"""The whole card pipeline through the pages: recording → PRR → batch → print → send →
receive → hand over, with the SUKET closed at hand-over and the SMS queued on arrival."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from warga.cards.models import (
    EntryKind,
    ItemResult,
    KtpCard,
    KtpStatus,
    PrintBatch,
    RecordingEvent,
    StockEntry,
    Suket,
    SuketStatus,
)
from warga.cards.priority import default_rule_set
from warga.messaging.models import SmsMessage
from warga.registry.models import Phone


def test_pipeline_from_recording_to_handover(
    cast, client_for, make_resident, stock, dukcapil_office, kec_office
):
    resident = make_resident(age=17, name="Siti Rahmawati")
    Phone.objects.create(resident=resident, number="+6281234567890", verified_at=timezone.now())
    Phone.objects.create(resident=resident, number="+6281234567891")  # not verified: no SMS

    # 1. A kecamatan officer finds the resident by NIK (POST) and records the recording.
    officer = client_for(cast.kec_officer)
    response = officer.post(reverse("cards:resident_find"), {"nik": resident.nik})
    assert response.status_code == 302
    page_url = reverse("cards:resident", args=[resident.pk])
    assert response.url == page_url
    assert resident.nik not in response.url
    response = officer.get(page_url)
    assert "Siti Rahmawati" in response.content.decode()
    when = (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = officer.post(
        reverse("cards:record", args=[resident.pk]),
        {"recorded_at": when, "place_unit": kec_office.pk, "device_set": "KEC-01"},
        follow=True,
    )
    assert "Perekaman tersimpan" in response.content.decode()
    event = RecordingEvent.objects.get(resident=resident)
    assert event.place_kind == "kecamatan" and event.officer == cast.kec_officer
    assert KtpCard.objects.get(resident=resident).status == KtpStatus.RECORDED

    # 2. While waiting, the resident gets a SUKET with a QR that verifies publicly.
    response = officer.post(
        reverse("cards:suket_issue", args=[resident.pk]),
        {"office": kec_office.pk, "valid_days": 90},
        follow=True,
    )
    suket = Suket.objects.get(resident=resident)
    assert suket.number in response.content.decode()
    pdf = officer.get(reverse("cards:suket_pdf", args=[suket.pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")

    # 3. The Disdukcapil enters the centre's outcome: print-ready.
    dukcapil = client_for(cast.dukcapil)
    response = dukcapil.post(
        reverse("cards:status_update", args=[resident.pk]),
        {"status": "prr", "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")},
        follow=True,
    )
    assert KtpCard.objects.get(resident=resident).status == KtpStatus.PRR

    # 4. The printing operator previews the queue, locks a batch and prints the card.
    stock(5)
    printer = client_for(cast.printer)
    rules = default_rule_set()
    response = printer.get(reverse("cards:queue"), {"office": dukcapil_office.pk, "rule_set": rules.pk})
    html = response.content.decode()
    assert "Siti Rahmawati" in html and "Siap cetak selama" in html
    response = printer.post(
        reverse("cards:batch_lock"), {"office": dukcapil_office.pk, "rule_set": rules.pk, "size": 5}
    )
    batch = PrintBatch.objects.get()
    assert response.url == reverse("cards:batch", args=[batch.pk])
    item = batch.items.get()
    response = printer.post(
        reverse("cards:item_result", args=[item.pk]),
        {"result": "printed", "card_serial": "KTP0000001"},
        follow=True,
    )
    assert "KTP0000001" in response.content.decode()
    card = KtpCard.objects.get(resident=resident)
    assert card.status == KtpStatus.PRINTED and card.card_serial == "KTP0000001"
    entry = StockEntry.objects.get(kind=EntryKind.CONSUMPTION)
    assert entry.resident == resident and entry.card_serial == "KTP0000001" and entry.quantity == -1

    # 5. Sent to the kecamatan office, received there (SMS to the verified phone only).
    response = printer.post(reverse("cards:send"), {"to_office": kec_office.pk}, follow=True)
    card.refresh_from_db()
    assert card.status == KtpStatus.SENT_TO_KECAMATAN and card.ready_at is None
    delivery = card.deliveries.get()
    verifier = client_for(cast.kec_verifier)
    response = verifier.post(reverse("cards:receive", args=[delivery.pk]), follow=True)
    card.refresh_from_db()
    assert card.ready_at is not None
    sms = SmsMessage.objects.filter(purpose="notice")
    assert [m.to for m in sms] == ["+6281234567890"]
    assert kec_office.name in sms[0].text

    # 6. Handed over with proof; the SUKET closes by itself.
    response = verifier.get(reverse("cards:handover", args=[card.pk]))
    assert "Siti Rahmawati" in response.content.decode()
    response = verifier.post(
        reverse("cards:handover", args=[card.pk]),
        {
            "recipient_name": "Siti Rahmawati",
            "recipient_is_resident": "on",
            "proof_kind": "id",
            "proof_note": "KK diperiksa",
        },
        follow=True,
    )
    card.refresh_from_db()
    assert card.status == KtpStatus.HANDED_OVER
    suket.refresh_from_db()
    assert suket.status == SuketStatus.CLOSED
    log = list(card.transitions.values_list("to_status", flat=True))
    assert log == ["recorded", "prr", "printed", "sent_to_kecamatan", "handed_over"]
    assert batch.items.get().result == ItemResult.PRINTED

    # The resident page shows the whole dated history.
    html = officer.get(page_url).content.decode()
    assert "diserahkan" in html.lower() and "KEC-01" in html
