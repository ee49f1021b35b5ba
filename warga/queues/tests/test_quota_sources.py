"""A service's daily quota that follows the cards stock: "card pick-up: only as many as cards
ready" and "KTP-el printing: as many as blanks allotted today". The cards app registers the two
live office figures (warga.facts.figures); the queue reads them at every booking and ticket,
and the set-up and office pages show the figure with its source."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from warga.cards.models import EntryKind, Handover, KtpCard, KtpStatus, StockAccount, StockEntry
from warga.core.errors import Conflict, InvalidInput
from warga.facts.figures import office_figure_value, register_office_figure, unregister_office_figure
from warga.queues.models import Booking, QueueService, Ticket
from warga.queues.services import (
    BookingInput,
    ServiceInput,
    booking_create,
    day_quota,
    quota_set,
    service_save,
    ticket_issue,
)
from warga.registry.models import Resident

from .conftest import next_working_day

pytestmark = pytest.mark.django_db


def _service(setup, cast, *, letter: str, source: str, typed: int | None = None) -> QueueService:
    return service_save(
        actor=cast.actor(cast.admin),
        office_id=setup.office.pk,
        data=ServiceInput(
            code=f"Q{letter}",
            letter=letter,
            name=f"Layanan {letter}",
            kind="pickup",
            daily_quota=typed,
            quota_source=source,
            slot_capacity=20,
        ),
    )


def _ready_card(cast, n: int, *, office, status: str = KtpStatus.SENT_TO_KECAMATAN) -> KtpCard:
    resident = Resident.objects.create(
        nik=f"32140141079{n:05d}",
        full_name=f"Warga Ambil {n}",
        birth_date=timezone.localdate().replace(year=1990, month=1, day=1),
        sex="F",
        desa=cast.desa,
        rw=1,
        rt=1,
    )
    now = timezone.now()
    return KtpCard.objects.create(
        resident=resident, status=status, status_at=now, pickup_office=office, ready_at=now
    )


def _allot(office, quantity: int, day, kind: str = EntryKind.TRANSFER_IN) -> StockEntry:
    account, _created = StockAccount.objects.get_or_create(office=office)
    return StockEntry.objects.create(account=account, kind=kind, quantity=quantity, occurred_on=day)


def test_pick_up_follows_the_cards_ready_at_the_office(setup, cast, today):
    unit = setup.office.unit
    cards = [_ready_card(cast, n, office=unit) for n in range(2)]
    _ready_card(cast, 9, office=cast.dukcapil.unit)  # waiting at another office: not counted
    pickup = _service(setup, cast, letter="E", source="cards.ready_for_pickup", typed=50)
    quota = day_quota(pickup, today)
    assert (quota.value, quota.source) == (2, "cards.ready_for_pickup")
    for _ in range(2):
        ticket_issue(actor=None, office=setup.office, service_id=pickup.pk)
    with pytest.raises(Conflict) as full:
        ticket_issue(actor=None, office=setup.office, service_id=pickup.pk)
    assert full.value.code == "queues.full"
    # A card handed over today still counts (its holder took a place); a new card opens one.
    Handover.objects.create(
        card=cards[0],
        office=unit,
        recipient_name="Warga Ambil 0",
        proof_kind="id",
        proof_note="KTP lama",
        handed_at=timezone.now(),
        officer=cast.kec_officer,
    )
    KtpCard.objects.filter(pk=cards[0].pk).update(status=KtpStatus.HANDED_OVER)
    assert office_figure_value("cards.ready_for_pickup", unit.pk, today) == 2
    _ready_card(cast, 3, office=unit, status=KtpStatus.PRINTED)
    assert ticket_issue(actor=None, office=setup.office, service_id=pickup.pk).code == "E-003"
    assert Ticket.objects.filter(service=pickup).count() == 3


def test_printing_follows_the_blanks_allotted_that_day(setup, cast, today):
    unit = setup.office.unit
    printing = _service(setup, cast, letter="G", source="cards.blanks_allotted")
    day = next_working_day(today)
    assert day_quota(printing, day).value == 0  # nothing allotted yet: fully booked

    def book(i: int) -> Booking:
        return booking_create(
            actor=None,
            data=BookingInput(
                service_id=printing.pk, day=day, phone=f"08129{i:07d}", nik=f"3214014107{i:06d}"
            ),
        )

    with pytest.raises(Conflict):
        book(1)
    _allot(unit, 3, day)
    _allot(unit, -1, day, kind=EntryKind.TRANSFER_OUT)  # passed on the same day: not this office's
    _allot(unit, 10, day - timedelta(days=1))  # another day's allotment: not this day's quota
    assert day_quota(printing, day).value == 2
    book(1)
    book(2)
    with pytest.raises(Conflict) as full:
        book(3)
    assert full.value.code == "queues.full"
    # A day's own quota set by the manager still wins over the figure.
    quota_set(actor=cast.actor(cast.admin), service_id=printing.pk, day=day, quota=3, note="blanko tambahan")
    assert book(3).service_id == printing.pk
    assert Booking.objects.filter(service=printing).count() == 3


def test_the_typed_number_applies_when_no_app_gives_the_figure(setup, cast, today):
    register_office_figure(key="test.figure", label="Angka uji", compute=lambda unit_id, day: 1)
    try:
        service = _service(setup, cast, letter="H", source="test.figure", typed=2)
        assert day_quota(service, today).value == 1
    finally:
        unregister_office_figure("test.figure")
    quota = day_quota(QueueService.objects.select_related("office").get(pk=service.pk), today)
    assert (quota.value, quota.source) == (2, "")
    with pytest.raises(InvalidInput) as unknown:
        _service(setup, cast, letter="H", source="test.figure", typed=2)
    assert unknown.value.code == "queues.quota_source"


def test_the_service_form_chooses_the_source_and_the_pages_show_the_figure(setup, cast, client_for, today):
    unit = setup.office.unit
    for n in range(4):
        _ready_card(cast, n, office=unit)
    client = client_for(cast.kec_verifier)
    manage = f"/antrean/kantor/{setup.office.pk}/atur/"
    form = client.get(manage).content.decode()
    assert 'value="cards.ready_for_pickup"' in form and 'value="cards.blanks_allotted"' in form
    saved = client.post(
        manage,
        {
            "form": "service",
            "code": "AMBIL",
            "letter": "E",
            "name": "Pengambilan KTP-el",
            "kind": "pickup",
            "daily_quota": "",
            "quota_source": "cards.ready_for_pickup",
            "slot_capacity": 4,
            "average_minutes": 3,
            "bookable": "on",
        },
    )
    assert saved.status_code == 302, saved.content.decode()[:3000]
    service = QueueService.objects.get(office=setup.office, letter="E")
    assert service.quota_source == "cards.ready_for_pickup"
    # Saved again by its letter: the same service changes (no second one, no refusal).
    client.post(
        manage,
        {
            "form": "service",
            "code": "AMBIL",
            "letter": "E",
            "name": "Pengambilan KTP-el",
            "kind": "pickup",
            "daily_quota": "30",
            "quota_source": "cards.ready_for_pickup",
            "slot_capacity": 4,
            "average_minutes": 3,
            "bookable": "on",
        },
    )
    assert QueueService.objects.filter(office=setup.office, letter="E").count() == 1
    page = client.get(manage).content.decode()
    row = page[page.index('data-testid="service-E"') :]
    row = row[: row.index("</tr>")]
    assert "Kartu siap diambil di kantor ini" in row and ">4 <" in row.replace("\n", "")
    office = client.get(f"/antrean/kantor/{setup.office.pk}/").content.decode()
    assert "0 / 4" in office and "Kartu siap diambil di kantor ini" in office
    refused = client.post(
        manage,
        {
            "form": "service",
            "code": "AMBIL",
            "letter": "E",
            "name": "Pengambilan KTP-el",
            "kind": "pickup",
            "quota_source": "cards.unknown",
            "slot_capacity": 4,
            "average_minutes": 3,
        },
    )
    assert refused.status_code == 200 and QueueService.objects.get(pk=service.pk).daily_quota == 30
