"""Fixtures for the card tests: residents at a chosen stage, offices with blank stock."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from warga.cards.models import KtpCard, KtpStatus, KtpTransition, PrintBatch, TransitionSource
from warga.org.models import Unit, UnitKind
from warga.regions.models import Region
from warga.registry.models import Resident

_serial = itertools.count(1)


@pytest.fixture
def make_resident(cast) -> Callable[..., Resident]:
    """make_resident(age=30, desa=None, married=False, status=None, days_waiting=0)."""

    def make(
        *,
        age: int = 30,
        desa: Region | None = None,
        married: bool = False,
        status: str | None = None,
        days_waiting: int = 0,
        birth_date: date | None = None,
        name: str = "",
    ) -> Resident:
        n = next(_serial)
        today = timezone.localdate()
        born = birth_date or today.replace(year=today.year - age) - timedelta(days=1 + n % 200)
        resident = Resident.objects.create(
            nik=f"3214{n:012d}",
            full_name=name or f"Warga Uji {n}",
            birth_date=born,
            sex="M" if n % 2 else "F",
            desa=desa or cast.desa,
            ever_married=married,
            marital_status="kawin" if married else "belum_kawin",
        )
        if status:
            at = timezone.now() - timedelta(days=days_waiting)
            card = KtpCard.objects.create(
                resident=resident,
                status=status,
                status_at=at,
                recorded_at=at - timedelta(days=1),
                prr_at=at if status == KtpStatus.PRR else None,
            )
            KtpTransition.objects.create(
                card=card,
                from_status="unrecorded",
                to_status=status,
                occurred_at=at,
                source=TransitionSource.IMPORT,
            )
        return resident

    return make


@pytest.fixture
def dukcapil_office(cast) -> Unit:
    return Unit.objects.get(code="disdukcapil")


@pytest.fixture
def kec_office(cast) -> Unit:
    return Unit.objects.get(kind=UnitKind.KECAMATAN_OFFICE, area=cast.kecamatan)


@pytest.fixture
def other_kec_office(cast) -> Unit:
    return Unit.objects.get(kind=UnitKind.KECAMATAN_OFFICE, area=cast.other_kecamatan)


@pytest.fixture
def stock(cast, dukcapil_office) -> Callable[..., None]:
    """stock(20) → the Disdukcapil office receives 20 blanks."""
    from warga.cards.services import blank_allocation_receive

    def give(quantity: int, office: Unit | None = None) -> None:
        start = next(_serial) * 100_000
        blank_allocation_receive(
            actor=cast.actor(cast.head),
            office=office or dukcapil_office,
            quantity=quantity,
            received_on=timezone.localdate(),
            serial_from=f"{start:010d}",
            serial_to=f"{start + quantity - 1:010d}",
        )

    return give


@pytest.fixture
def make_batch(cast, stock, dukcapil_office):
    from warga.cards.priority import default_rule_set
    from warga.cards.services import print_batch_lock

    """make_batch(n, blanks=n) → an open batch of n print-ready residents at the Disdukcapil."""

    def make(n: int, blanks: int | None = None) -> PrintBatch:
        now = timezone.now()
        start = (Resident.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        residents = Resident.objects.bulk_create(
            [
                Resident(
                    nik=f"3214{start + k:012d}",
                    full_name=f"Warga Cetak {start + k}",
                    birth_date=now.date().replace(year=now.year - 30),
                    sex="M",
                    desa=cast.desa,
                    marital_status="belum_kawin",
                )
                for k in range(n)
            ],
            batch_size=2000,
        )
        if connection.vendor != "postgresql":  # SQLite returns no ids from bulk_create on old builds
            residents = list(Resident.objects.filter(nik__gte=f"3214{start:012d}").order_by("pk"))
        KtpCard.objects.bulk_create(
            [
                KtpCard(resident=r, status=KtpStatus.PRR, status_at=now, recorded_at=now, prr_at=now)
                for r in residents
            ],
            batch_size=2000,
        )
        stock(blanks if blanks is not None else n)
        return print_batch_lock(
            actor=cast.actor(cast.printer), office=dukcapil_office, rule_set=default_rule_set(), size=n
        )

    return make
