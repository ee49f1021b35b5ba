"""Registry test fixtures: a household in the cast's desa and a register snapshot helper."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from warga.core.scoping import Actor
from warga.registry.identity import make_nik
from warga.registry.models import (
    Family,
    FamilyChange,
    FamilyMembership,
    LifeEvent,
    Phone,
    Resident,
    ResidentChange,
)
from warga.registry.services import family_create, resident_create

KEC_CODE = "32.14.01"


def nik_for(birth_date: date, sex: str, serial: int, kecamatan: str = KEC_CODE) -> str:
    return make_nik(kecamatan_code=kecamatan, birth_date=birth_date, sex=sex, serial=serial)


def person(full_name: str, sex: str, birth_date: date, serial: int, **extra: object) -> dict:
    return {
        "nik": nik_for(birth_date, sex, serial),
        "full_name": full_name,
        "sex": sex,
        "birth_date": birth_date,
        "birth_place": "Purwakarta",
        "religion": "islam",
        **extra,
    }


@dataclass
class Household:
    family: Family
    head: Resident
    wife: Resident
    child: Resident


@pytest.fixture
def registrar(cast) -> Actor:
    return cast.actor(cast.dukcapil)


def make_household(
    actor: Actor, desa, *, serial: int = 1, names=("Budi Santoso", "Siti Nurhasanah", "Ahmad Fauzi")
) -> Household:
    family = family_create(actor=actor, kk_number=None, desa=desa, rw=1, rt=2, address="Jl. Merdeka 1")
    head = resident_create(
        actor=actor,
        data=person(names[0], "M", date(1980, 5, 17), serial, marital_status="kawin", occupation="Petani"),
        family=family,
        relationship="kepala",
    )
    wife = resident_create(
        actor=actor,
        data=person(names[1], "F", date(1983, 2, 3), serial, marital_status="kawin", mother_name="Aminah"),
        family=family,
        relationship="istri",
    )
    child = resident_create(
        actor=actor,
        data=person(names[2], "M", date(2010, 7, 1), serial, father_name=names[0], mother_name=names[1]),
        family=family,
        relationship="anak",
    )
    return Household(family, head, wife, child)


@pytest.fixture
def household(cast, registrar) -> Household:
    return make_household(registrar, cast.desa)


@pytest.fixture
def far_household(cast, registrar) -> Household:
    """A household in the other kecamatan (Campaka), outside the kecamatan officer's area."""
    return make_household(
        registrar, cast.other_desa, serial=50, names=("Dedi Kurniawan", "Euis Suryani", "Rizky Ramadhan")
    )


def snapshot() -> tuple:
    """Everything the register holds, to assert that a refused operation changed nothing."""
    return (
        list(
            Resident.objects.order_by("pk").values_list(
                "pk",
                "nik",
                "full_name",
                "name_key",
                "birth_date",
                "sex",
                "family_id",
                "relationship",
                "life_status",
                "marital_status",
                "desa_id",
                "rw",
                "rt",
                "address",
                "version",
            )
        ),
        list(
            Family.objects.order_by("pk").values_list(
                "pk", "kk_number", "desa_id", "address", "is_active", "version"
            )
        ),
        list(
            FamilyMembership.objects.order_by("pk").values_list("pk", "family_id", "resident_id", "ended_on")
        ),
        LifeEvent.objects.count(),
        ResidentChange.objects.count(),
        FamilyChange.objects.count(),
        list(
            Phone.objects.order_by("pk").values_list(
                "pk", "number", "verified_at", "otp_attempts", "otp_hash"
            )
        ),
    )
