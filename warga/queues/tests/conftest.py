from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from warga.core.scoping import Actor
from warga.org.models import Unit, UnitKind
from warga.queues.models import Counter, QueueOffice, QueueService
from warga.queues.services import ServiceInput, _common, counter_save, office_setup, service_save

NIK = "3214011203860001"
NIK2 = "3214015507900002"


@dataclass
class Setup:
    office: QueueOffice
    ktp: QueueService  # A: no quota
    cetak: QueueService  # B: 3 a day
    counter1: Counter  # serves A
    counter2: Counter  # serves A and B
    operator: Actor  # the kecamatan counter officer


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def open_today(monkeypatch, settings):
    """Today is a working day for the office, whatever day the tests run on. Late in the evening,
    when today's last booking slot has begun, the installation's clock is read in UTC (seven
    hours earlier than Asia/Jakarta), so that today still has places to book."""
    if timezone.localtime().hour >= 22:
        settings.TIME_ZONE = "UTC"
    real = _common.WorkCalendar.is_working_day
    today = timezone.localdate()

    def is_working_day(self, day: date) -> bool:
        return True if day == today else real(self, day)

    monkeypatch.setattr(_common.WorkCalendar, "is_working_day", is_working_day)
    return today


def next_working_day(after: date) -> date:
    return _common.WorkCalendar().add(after, 1)


def next_weekday(after: date, weekday: int) -> date:
    day = after + timedelta(days=1)
    while day.weekday() != weekday:
        day += timedelta(days=1)
    return day


@pytest.fixture
def setup(cast, open_today) -> Setup:
    admin = cast.actor(cast.admin)
    unit = Unit.objects.get(kind=UnitKind.KECAMATAN_OFFICE, area=cast.kecamatan)
    office = office_setup(
        actor=admin,
        unit_id=unit.pk,
        opens_at=time(0, 0),
        closes_at=time(23, 59),
        slot_minutes=30,
        booking_days=60,
    )
    ktp = service_save(
        actor=admin,
        office_id=office.pk,
        data=ServiceInput(
            code="KTP", letter="A", name="Perekaman KTP-el", kind="ktp_recording", slot_capacity=10
        ),
    )
    cetak = service_save(
        actor=admin,
        office_id=office.pk,
        data=ServiceInput(code="CETAK", letter="B", name="Cetak KTP-el", kind="ktp_printing", daily_quota=3),
    )
    c1 = counter_save(actor=admin, office_id=office.pk, number=1, service_ids=[ktp.pk])
    c2 = counter_save(actor=admin, office_id=office.pk, number=2, service_ids=[ktp.pk, cetak.pk])
    return Setup(office, ktp, cetak, c1, c2, cast.actor(cast.kec_officer))
