"""Residents with phones in every state a broadcast must tell apart."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.utils import timezone

from warga.registry.models import LifeStatus, Phone, Resident

_counter = iter(range(1, 10_000))


def make_resident(
    desa, *, name: str, sex: str = "M", age: int = 30, rw: int | None = 1, rt: int | None = 1, **extra
) -> Resident:
    n = next(_counter)
    today = timezone.localdate()
    return Resident.objects.create(
        nik=f"3214{n:012d}",
        full_name=name,
        birth_date=date(today.year - age, 1, 15) if age else today - timedelta(days=30),
        sex=sex,
        desa=desa,
        rw=rw,
        rt=rt,
        **extra,
    )


def make_phone(
    resident: Resident, number: str, *, verified: bool = True, consent: bool = True, **extra
) -> Phone:
    now = timezone.now()
    return Phone.objects.create(
        resident=resident,
        number=number,
        verified_at=now if verified else None,
        consent_broadcast=consent,
        consent_at=now if consent else None,
        **extra,
    )


@dataclass
class People:
    siti: Resident  # F, 30, RW 1 RT 1, verified + consent
    budi: Resident  # M, 45, RW 1 RT 2, verified + consent
    asep: Resident  # M, 19, RW 2 RT 1, verified + consent
    unverified: Resident
    no_consent: Resident
    opted_out: Resident
    dead: Resident
    elsewhere: Resident  # other kecamatan, verified + consent


@pytest.fixture
def people(cast) -> People:
    d = cast.desa
    siti = make_resident(d, name="SITI AMINAH", sex="F", age=30, rw=1, rt=1)
    budi = make_resident(d, name="BUDI SANTOSO", age=45, rw=1, rt=2)
    asep = make_resident(d, name="ASEP SUNANDAR", age=19, rw=2, rt=1)
    unverified = make_resident(d, name="UJANG", age=50)
    no_consent = make_resident(d, name="DEDE", age=40)
    opted_out = make_resident(d, name="ENENG", sex="F", age=35)
    dead = make_resident(d, name="ALM. KARTA", age=80, life_status=LifeStatus.DEAD)
    elsewhere = make_resident(cast.other_desa, name="CECEP", age=33)
    make_phone(siti, "+6281200000001")
    make_phone(budi, "+6281200000002")
    make_phone(asep, "+6281200000003")
    make_phone(unverified, "+6281200000004", verified=False)
    make_phone(no_consent, "+6281200000005", consent=False)
    make_phone(opted_out, "+6281200000006", opted_out_at=timezone.now())
    make_phone(dead, "+6281200000007")
    make_phone(elsewhere, "+6281200000008")
    return People(siti, budi, asep, unverified, no_consent, opted_out, dead, elsewhere)


@pytest.fixture
def secret(settings) -> str:
    settings.KANNEL_CALLBACK_SECRET = "t3stsecret"
    return "t3stsecret"


@pytest.fixture(autouse=True)
def daytime(settings):
    """Tests run at any hour: quiet hours are off unless a test sets them."""
    settings.SMS_QUIET_HOURS = ""
    settings.SMS_RATE_PER_SECOND = 100000
