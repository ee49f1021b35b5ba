"""The Cianjur scenario, scaled down and played through the pages: 950 print-ready residents,
100 blanks asked, 20 received, an election ahead. The rules put future voters first with a fair
share per kecamatan; the 21st card meets "stok blanko habis" and the resident gets a SUKET."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from warga.cards.models import (
    BlankRequest,
    EntryKind,
    KtpCard,
    KtpStatus,
    KtpTransition,
    PrintBatch,
    PriorityRuleSet,
    StockEntry,
    Suket,
)
from warga.regions.models import Region
from warga.registry.models import Resident


def _waiting(cast, n: int, election):
    """n print-ready residents over three kecamatan; one in ten turns 17 only after the election."""
    third = (
        Region.objects.filter(parent__parent=cast.kabupaten, level=4)
        .exclude(code__startswith=cast.kecamatan.code)
        .exclude(code__startswith=cast.other_kecamatan.code)
        .order_by("code")
        .first()
    )
    desas = [cast.desa] * 5 + [cast.other_desa] * 3 + [third] * 2
    now = timezone.now()
    residents = []
    for i in range(n):
        if i % 10 == 9:
            born = election.replace(year=election.year - 17) + timedelta(days=10)
        else:
            born = election.replace(year=election.year - 30) - timedelta(days=i)
        residents.append(
            Resident(
                nik=f"3203{i:012d}",
                full_name=f"Warga Cianjur {i}",
                birth_date=born,
                sex="F" if i % 2 else "M",
                desa=desas[i % 10],
            )
        )
    Resident.objects.bulk_create(residents)
    cards = [
        KtpCard(
            resident=r,
            status=KtpStatus.PRR,
            status_at=now - timedelta(days=i % 300),
            prr_at=now - timedelta(days=i % 300),
            recorded_at=now - timedelta(days=400),
        )
        for i, r in enumerate(Resident.objects.order_by("id"))
    ]
    KtpCard.objects.bulk_create(cards)
    return Resident.objects.order_by("id")


def test_cianjur_scenario_through_the_pages(cast, client_for, dukcapil_office):
    today = timezone.localdate()
    election = today + timedelta(days=45)
    residents = _waiting(cast, 950, election)
    head, printer = client_for(cast.head), client_for(cast.printer)

    # Ask the ministry for 100 blanks, receive 20.
    head.post(
        reverse("cards:stock_request"),
        {
            "rq-office": dukcapil_office.pk,
            "rq-reference": "470/123/Dukcapil",
            "rq-quantity_asked": 100,
            "rq-asked_on": today.isoformat(),
        },
    )
    request_id = BlankRequest.objects.get().pk
    response = head.post(
        reverse("cards:stock_allocation"),
        {
            "al-office": dukcapil_office.pk,
            "al-request": request_id,
            "al-quantity": 20,
            "al-received_on": today.isoformat(),
            "al-serial_from": "0000100001",
            "al-serial_to": "0000100020",
        },
        follow=True,
    )
    html = response.content.decode()
    assert "Alokasi diterima dan dicatat" in html
    assert "470/123/Dukcapil" in html and ">80<" in html  # outstanding 100 - 20

    # Rules for the election: future voters first, fair share per kecamatan, then who waited longest.
    response = printer.post(
        reverse("cards:rules"),
        {
            "name": "Pemilu",
            "voter_on": "on",
            "voter_position": 1,
            "voter_weight": 100,
            "voter_date": election.isoformat(),
            "first_come_on": "on",
            "first_come_position": 2,
            "first_come_weight": 10,
            "fair_share_on": "on",
            "fair_share_position": 3,
        },
        follow=True,
    )
    assert "Aturan prioritas tersimpan" in response.content.decode()
    rules = PriorityRuleSet.objects.get(name="Pemilu")

    # Preview: 20 places split 10/6/4 in proportion to 475/285/190 waiting; every chosen one votes.
    response = printer.get(reverse("cards:queue"), {"office": dukcapil_office.pk, "rule_set": rules.pk})
    html = response.content.decode()
    assert "20 dari 950 orang siap cetak mendapat tempat" in html
    assert "Sudah menjadi pemilih pada" in html and "Termasuk jatah Kec." in html
    shares = response.context["result"].shares
    assert sorted(s.places for s in shares) == [4, 6, 10]
    response = printer.post(
        reverse("cards:batch_lock"), {"office": dukcapil_office.pk, "rule_set": rules.pk, "size": 20}
    )
    batch = PrintBatch.objects.get()
    items = list(batch.items.select_related("card__resident").order_by("rank"))
    assert len(items) == 20
    cutoff = election.replace(year=election.year - 17)
    assert all(i.card.resident.birth_date <= cutoff for i in items)

    # Print all 20 through the batch page.
    for n, item in enumerate(items):
        printer.post(
            reverse("cards:item_result", args=[item.pk]),
            {"result": "printed", "card_serial": f"{100001 + n:010d}"},
        )
    assert KtpCard.objects.filter(status=KtpStatus.PRINTED).count() == 20
    assert StockEntry.objects.filter(kind=EntryKind.CONSUMPTION).count() == 20

    # The next batch meets an empty stock: clear error, nothing consumed.
    response = printer.get(reverse("cards:queue"), {"office": dukcapil_office.pk, "rule_set": rules.pk})
    assert "Stok blanko habis" in response.content.decode()
    printer.post(reverse("cards:batch_close", args=[batch.pk]))
    printer.post(reverse("cards:batch_lock"), {"office": dukcapil_office.pk, "rule_set": rules.pk, "size": 5})
    second = PrintBatch.objects.exclude(pk=batch.pk).get()
    item = second.items.order_by("rank").first()
    response = printer.post(
        reverse("cards:item_result", args=[item.pk]),
        {"result": "printed", "card_serial": "0000999999"},
        follow=True,
    )
    assert "Stok blanko habis di" in response.content.decode()
    assert StockEntry.objects.filter(kind=EntryKind.CONSUMPTION).count() == 20
    assert KtpTransition.objects.filter(to_status="printed").count() == 20

    # That resident gets a SUKET at the kecamatan office instead.
    waiting = item.card.resident
    officer = client_for(
        cast.kec_officer if waiting.desa_id.startswith(cast.kecamatan.code) else cast.dukcapil
    )
    office = cast.kec_officer.unit if waiting.desa_id.startswith(cast.kecamatan.code) else dukcapil_office
    response = officer.post(
        reverse("cards:suket_issue", args=[waiting.pk]), {"office": office.pk, "valid_days": 180}, follow=True
    )
    suket = Suket.objects.get(resident=waiting)
    assert f"SUKET {suket.number} diterbitkan" in response.content.decode()

    # The public page shows the office is out of blanks; the dashboard shows asked vs received.
    html = client_for(None).get(reverse("cards:stock_public")).content.decode()
    assert dukcapil_office.name in html and "habis" in html
    response = head.get(reverse("cards:dashboard"))
    chart = response.context["chart"]
    assert chart["requests"]["asked"] == [100] and chart["requests"]["received"] == [20]
    assert response.context["counts"]["prr"] == 930
    # Targets at election day count only who must hold the card by then: the 95 who turn 17
    # after it are left out; nobody required is unrecorded, 20 are printed.
    response = head.get(reverse("cards:targets"), {"on": election.isoformat()})
    total = response.context["total"]
    assert (total.required, total.not_recorded, total.prr, total.printed) == (855, 0, 835, 20)
    assert residents.count() == 950
