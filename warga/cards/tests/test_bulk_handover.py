"""Handing over many printed cards at once: preview, confirm, the single hand-over's checks and
signal for each card, all or nothing, another kecamatan's cards not found."""

from __future__ import annotations

from django.urls import reverse

from warga.audit.models import AuditLog
from warga.cards.models import Handover, ItemResult, KtpCard, KtpStatus
from warga.cards.priority import default_rule_set
from warga.cards.services import print_batch_lock, print_item_record
from warga.cards.signals import card_handed_over

URL = reverse("cards:handover_bulk")


def _ready(cast, make_resident, stock, kec_office, n, desa=None):
    """n cards printed at this kecamatan's office (ready there)."""
    stock(n, office=kec_office)
    people = [make_resident(status=KtpStatus.PRR, desa=desa) for _ in range(n)]
    printer = cast.actor(cast.printer)
    batch = print_batch_lock(actor=printer, office=kec_office, rule_set=default_rule_set(), size=n)
    for k, item in enumerate(batch.items.order_by("rank")):
        print_item_record(
            actor=printer, item=item, result=ItemResult.PRINTED, card_serial=f"HO-{item.pk}-{k}"
        )
    return [KtpCard.objects.get(resident=p) for p in people]


def _preview(client, data):
    return client.post(URL, data)


def test_hand_over_ticked_and_scanned_cards(cast, client_for, make_resident, stock, kec_office):
    cards = _ready(cast, make_resident, stock, kec_office, 3)
    fired = []
    card_handed_over.connect(
        lambda sender, **kw: fired.append(kw["resident_id"]), weak=False, dispatch_uid="t"
    )
    try:
        client = client_for(cast.kec_officer)
        data = {
            "card": [cards[0].pk, cards[1].pk],
            "serials": cards[2].card_serial,
            "proof_kind": "signature",
            "proof_note": "Buku tanda terima hal. 12",
        }
        preview = _preview(client, data)
        assert preview.status_code == 200 and preview.context["plan"].ok
        assert len(preview.context["plan"].cards) == 3
        assert not Handover.objects.exists()
        done = client.post(URL, {**data, "step": "confirm", "token": preview.context["token"]})
        assert done.status_code == 302
    finally:
        card_handed_over.disconnect(dispatch_uid="t")
    assert Handover.objects.count() == 3
    assert set(KtpCard.objects.values_list("status", flat=True)) == {KtpStatus.HANDED_OVER}
    assert sorted(fired) == sorted(c.resident_id for c in cards)
    assert AuditLog.objects.filter(action="cards.handover").count() == 3
    assert AuditLog.objects.get(action="cards.handover.bulk").summary["cards"] == 3


def test_one_refused_card_stops_them_all(cast, client_for, make_resident, stock, kec_office):
    cards = _ready(cast, make_resident, stock, kec_office, 2)
    waiting = make_resident(status=KtpStatus.PRR)
    client = client_for(cast.kec_officer)
    data = {"card": [cards[0].pk, waiting.ktp_card.pk], "proof_kind": "id", "proof_note": "KTP lama"}
    preview = _preview(client, data)
    assert not preview.context["plan"].ok and preview.context["plan"].refusals
    assert not preview.context["token"]
    assert client.post(URL, {**data, "step": "confirm", "token": "x"}).status_code == 409
    no_proof = _preview(client, {"card": [cards[0].pk], "proof_kind": "id", "proof_note": ""})
    assert not no_proof.context["plan"].ok
    assert not Handover.objects.exists()


def test_stale_preview(cast, client_for, make_resident, stock, kec_office):
    cards = _ready(cast, make_resident, stock, kec_office, 2)
    client = client_for(cast.kec_officer)
    data = {"card": [c.pk for c in cards], "proof_kind": "id", "proof_note": "KTP lama"}
    token = _preview(client, data).context["token"]
    # One of them is handed over on its own page in between.
    client.post(
        reverse("cards:handover", args=[cards[0].pk]),
        {"recipient_name": "Ibu", "proof_kind": "id", "proof_note": "KK", "recipient_is_resident": ""},
    )
    assert Handover.objects.count() == 1
    response = client.post(URL, {**data, "step": "confirm", "token": token})
    assert response.status_code == 409
    assert Handover.objects.count() == 1


def test_another_kecamatans_cards_are_not_found(cast, client_for, make_resident, stock, kec_office):
    cards = _ready(cast, make_resident, stock, kec_office, 1)
    outsider = client_for(cast.outsider)
    response = _preview(
        outsider,
        {"card": [cards[0].pk], "serials": cards[0].card_serial, "proof_kind": "id", "proof_note": "x"},
    )
    assert response.status_code == 200
    plan = response.context["plan"]
    assert not plan.ok and not plan.cards and plan.unknown
    assert cards[0].resident.full_name not in response.content.decode()
    assert client_for(cast.dukcapil).get(URL).status_code == 403
    assert not Handover.objects.exists()
