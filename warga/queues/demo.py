"""Demo: the queues of the Disdukcapil and of the first kecamatan office (Cianjur's story: blank
cards rationed, so KTP-el printing and card pick-up have a daily quota), a few bookings for the
next working day and, when the demo is set up during office hours, tickets of today — some
finished, one at a counter, some waiting. The demo login `loket` operates the kecamatan
office's counters, `verifikator` the Disdukcapil's."""

from __future__ import annotations

import contextlib
from datetime import time

from django.utils import timezone

from warga.accounts.models import User
from warga.core.errors import ServiceError
from warga.core.scoping import Actor, unscoped
from warga.core.workdays import WorkCalendar
from warga.org.models import Unit, UnitKind
from warga.regions.models import Region, RegionLevel

from .models import BookingChannel, QueueOffice
from .services import (
    BookingInput,
    ServiceInput,
    booking_create,
    counter_call_next,
    counter_finish,
    counter_save,
    office_setup,
    service_save,
    ticket_issue,
)

SERVICES = [
    ServiceInput(
        code="KTP",
        letter="A",
        name="Perekaman KTP-el",
        kind="ktp_recording",
        daily_quota=None,
        average_minutes=8,
    ),
    ServiceInput(
        code="CETAK", letter="B", name="Cetak KTP-el", kind="ktp_printing", daily_quota=40, average_minutes=5
    ),
    ServiceInput(code="KK", letter="C", name="Kartu Keluarga", kind="kk", average_minutes=12),
    ServiceInput(code="AKTA", letter="D", name="Akta kelahiran/kematian", kind="akta", average_minutes=12),
    ServiceInput(
        code="AMBIL",
        letter="E",
        name="Pengambilan dokumen dan KTP-el",
        kind="pickup",
        daily_quota=60,
        average_minutes=3,
    ),
    ServiceInput(
        code="KONSUL", letter="F", name="Konsultasi", kind="consultation", bookable=False, average_minutes=10
    ),
]


def _actor(username: str) -> Actor | None:
    user = User.objects.filter(username=username).first()
    return Actor.for_user(user) if user else None


def _office(actor: Actor, unit: Unit, counters: list[list[str]]) -> QueueOffice:
    office = office_setup(
        actor=actor, unit_id=unit.pk, opens_at=time(8, 0), closes_at=time(15, 0), friday_closes_at=time(11, 0)
    )
    by_code = {}
    for data in SERVICES:
        by_code[data.code] = service_save(actor=actor, office_id=office.pk, data=data)
    for number, codes in enumerate(counters, start=1):
        counter_save(
            actor=actor,
            office_id=office.pk,
            number=number,
            name=f"Loket {number}",
            service_ids=[by_code[c].pk for c in codes],
        )
    return office


def seed(region: Region, *, size: str, seed: int) -> str:
    admin = _actor("admin")
    if admin is None:
        return "queues: no demo administrator"
    with unscoped("demo: set up the queues of the demo offices"):
        kec = (
            Region.objects.filter(code__within=region.code, level=RegionLevel.KECAMATAN)
            .order_by("code")
            .first()
        )
        units = [Unit.objects.filter(code="disdukcapil").first()]
        if kec is not None:
            units.append(Unit.objects.filter(kind=UnitKind.KECAMATAN_OFFICE, area=kec).first())
        made = []
        for unit in units:
            if unit is None or QueueOffice.objects.filter(unit=unit).exists():
                continue
            if unit.kind == UnitKind.DISDUKCAPIL:
                layout = [
                    ["KTP"],
                    ["KTP"],
                    ["CETAK"],
                    ["CETAK", "AMBIL"],
                    ["KK", "AKTA"],
                    ["KONSUL", "AMBIL"],
                ]
            else:
                layout = [["KTP", "KK"], ["AKTA", "AMBIL"], ["KONSUL", "CETAK"]]
            made.append(_office(admin, unit, layout))
        if not made:
            return "queues: already set up"
        tickets = sum(_activity(office, i, seed) for i, office in enumerate(made))
    return f"queues: {len(made)} offices, {tickets} tickets today"


def _activity(office: QueueOffice, i: int, seed: int) -> int:
    """Bookings for the next working day; today's tickets when set up during office hours."""
    services = {s.code: s for s in office.services.all()}
    tomorrow = WorkCalendar().add(timezone.localdate(), 1)
    for n in range(4):
        with contextlib.suppress(ServiceError):
            booking_create(
                actor=None,
                data=BookingInput(
                    service_id=services["KTP" if n % 2 else "AMBIL"].pk,
                    day=tomorrow,
                    phone=f"0812{seed % 10000:04d}{i}{n:03d}",
                    nik=f"{office.unit.area_id.replace('.', '')[:6]}0101900{i}{n:03d}"[:16].ljust(16, "0"),
                ),
                channel=BookingChannel.WEB,
                client_ref=f"demo-{office.pk}-{n}",
            )
    tickets = 0
    try:
        for n in range(8):
            ticket_issue(actor=None, office=office, service_id=services["KTP" if n % 3 else "AMBIL"].pk)
            tickets += 1
    except ServiceError:
        return tickets
    operator = _actor("loket" if office.unit.kind == UnitKind.KECAMATAN_OFFICE else "verifikator")
    first_counter = office.counters.order_by("number").first()
    if operator is not None and first_counter is not None:
        with contextlib.suppress(ServiceError):
            for _round in range(2):
                if counter_call_next(actor=operator, counter_id=first_counter.pk):
                    counter_finish(actor=operator, counter_id=first_counter.pk)
            counter_call_next(actor=operator, counter_id=first_counter.pk)
    return tickets
